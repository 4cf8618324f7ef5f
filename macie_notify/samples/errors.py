"""S3 errors that make a whole bucket unusable, said once and clearly."""

from __future__ import annotations

from typing import Any

from macie_notify.errors import AwsError


def code(exc: Any) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


def reason(exc: Any) -> str:
    error = getattr(exc, "response", {}).get("Error", {})
    return f"{error.get('Code', type(exc).__name__)}: {error.get('Message', '')}".rstrip(": ")


_WRONG_REGION = ("PermanentRedirect", "AuthorizationHeaderMalformed", "301")


def bucket_error(exc: Exception, bucket: str) -> Exception:
    """A readable error for the ways a whole bucket can be unusable; else ``exc`` itself."""
    error = code(exc)
    if error == "NoSuchBucket":
        return AwsError(
            f"bucket {bucket} does not exist",
            "create it with `macie-notify setup` (or check --region and bucket.name)",
        )
    if error in ("AccessDenied", "AccessDeniedException", "AllAccessDisabled"):
        return AwsError(
            f"access to bucket {bucket} was denied ({reason(exc)})",
            "upload-samples needs s3:ListBucket and s3:GetEncryptionConfiguration on the "
            "bucket, s3:PutObject (and s3:DeleteObject for --delete) on its objects; a "
            "bucket policy may deny it too",
        )
    if error in _WRONG_REGION:
        return AwsError(
            f"bucket {bucket} is in another Region", "pass --region, or set stack.region"
        )
    return exc  # translated generically at the CLI edge


def raise_if_bucket_wide(failed: list[tuple[tuple[str, str], Exception]], bucket: str) -> None:
    """Every upload failed for one bucket-wide reason (missing, denied): say it once."""
    first = failed[0][1]
    translated = bucket_error(first, bucket)
    if translated is not first and all(code(e) == code(first) for _, e in failed):
        raise translated from None


__all__ = ["bucket_error", "code", "raise_if_bucket_wide", "reason"]
