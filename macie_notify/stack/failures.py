"""Every API error of the engine becomes one message naming the resource and the step.

``step`` is the API operation that failed (``PutBucketVersioning``) when botocore says
so. AccessDenied names the IAM action to allow. Errors about the AWS setup itself
(credentials, network) keep aws.translate_error's wording.
"""

from __future__ import annotations

from functools import cache

from macie_notify.errors import AwsError, MacieNotifyError

# kind -> the services whose operations it calls, first match wins for the IAM prefix.
_SERVICES = {
    "macie": ("macie2",),
    "bucket": ("s3",),
    "custom-identifier": ("macie2",),
    "classification-job": ("macie2",),
    "secret": ("secretsmanager",),
    "dead-letter-queue": ("sqs",),
    "log-group": ("logs",),
    "iam-role": ("iam",),
    "lambda-function": ("lambda",),
    "eventbridge-rule": ("events", "lambda"),
    "digest-queue": ("sqs",),
    "event-source-mapping": ("lambda",),
}
# Operations whose IAM action has another name.
_ACTIONS = {
    ("s3", "PutPublicAccessBlock"): "s3:PutBucketPublicAccessBlock",
    ("s3", "GetPublicAccessBlock"): "s3:GetBucketPublicAccessBlock",
    ("s3", "HeadBucket"): "s3:ListBucket",
    ("s3", "ListObjectVersions"): "s3:ListBucketVersions",
    ("s3", "DeleteObjects"): "s3:DeleteObjectVersion",
    ("s3", "PutBucketEncryption"): "s3:PutEncryptionConfiguration",
    ("s3", "GetBucketEncryption"): "s3:GetEncryptionConfiguration",
    ("s3", "PutBucketTagging"): "s3:PutBucketTagging",
    ("lambda", "UpdateFunctionCode"): "lambda:UpdateFunctionCode",
}
_IAM_PREFIX = {"macie2": "macie2", "lambda": "lambda", "events": "events"}


@cache
def _operations(service: str) -> frozenset[str]:
    import botocore.session

    model = botocore.session.get_session().get_service_model(service)
    return frozenset(model.operation_names)


def iam_action(kind: str, operation: str) -> str:
    """The IAM action behind ``operation`` as called for a ``kind`` resource."""
    services = _SERVICES.get(kind, ())
    service = next((s for s in services if operation in _operations(s)), None)
    if service is None:
        return operation
    return _ACTIONS.get((service, operation), f"{_IAM_PREFIX.get(service, service)}:{operation}")


def step_error(kind: str, name: str, phase: str, exc: BaseException) -> MacieNotifyError:
    """One readable error for ``exc`` raised while ``phase`` (read/create/...) ran on a resource."""
    if isinstance(exc, MacieNotifyError):
        if isinstance(exc, AwsError) and not exc.message.startswith(f"{kind} "):
            return AwsError(f"{kind} {name}: {exc.message}", exc.hint)
        return exc
    import botocore.exceptions as bex

    from macie_notify.aws import translate_error

    if isinstance(exc, bex.ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", "Unknown"))
        message = str(error.get("Message", "")).strip()
        operation = exc.operation_name
        where = f"{kind} {name}: {operation} failed ({phase})"
        if code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "403"):
            action = iam_action(kind, operation)
            return AwsError(
                f"{where}: access denied",
                f"allow {action} for your credentials (IAM policy or SCP), then run again",
            )
        return AwsError(
            f"{where}: {code}" + (f": {message}" if message else ""),
            "fix the cause above and run setup again: it resumes where it stopped",
        )
    translated = translate_error(exc)
    if translated is not None:
        return AwsError(f"{kind} {name} ({phase}): {translated.message}", translated.hint)
    return AwsError(f"{kind} {name} ({phase}): {type(exc).__name__}: {exc}")
