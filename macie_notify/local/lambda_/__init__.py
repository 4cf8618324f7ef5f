"""Local Lambda: the runner (zip -> subprocess), its bootstrap, and the Invoke API.

Named ``lambda_`` because ``lambda`` is a Python keyword.
"""
