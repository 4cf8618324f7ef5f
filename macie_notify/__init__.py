"""macie-notify: Amazon Macie findings from S3 to Slack, from one YAML file.

Importing the package imports nothing heavy: the CLI's start-up time depends on it.
"""

__version__ = "0.1.0"
