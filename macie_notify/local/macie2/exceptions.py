"""The macie2 error shapes, serialized the way botocore reads rest-json errors.

botocore takes the code from the ``x-amzn-ErrorType`` header (text before any ``:``)
and the message from the body's ``message``; the status is the one the service model
declares for each shape, so boto3 raises the modeled ``client.exceptions.<Code>``.
"""

from __future__ import annotations

import json


class MacieApiError(Exception):
    """An error answer of the macie2 API."""

    code = "InternalServerException"
    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def body(self) -> bytes:
        return json.dumps({"message": self.message}).encode()

    def headers(self) -> list[tuple[str, str]]:
        return [
            ("Content-Type", "application/json"),
            ("x-amzn-ErrorType", self.code),
        ]


class ValidationException(MacieApiError):
    code = "ValidationException"
    status = 400


class ServiceQuotaExceededException(MacieApiError):
    code = "ServiceQuotaExceededException"
    status = 402


class AccessDeniedException(MacieApiError):
    code = "AccessDeniedException"
    # The model declares 403; a public Go-SDK log shows AWS answering "Macie is not
    # enabled." with 401. Clients key on the code, so the modeled status is kept.
    status = 403


class ResourceNotFoundException(MacieApiError):
    code = "ResourceNotFoundException"
    status = 404


class ConflictException(MacieApiError):
    code = "ConflictException"
    status = 409


class ThrottlingException(MacieApiError):
    code = "ThrottlingException"
    status = 429


class InternalServerException(MacieApiError):
    code = "InternalServerException"
    status = 500


class SerializationException(MacieApiError):
    """A body the service front end cannot deserialize (e.g. JSON nested past its limit)."""

    code = "SerializationException"
    status = 400


class UnknownOperationException(MacieApiError):
    """No macie2 operation has this method and path (what API Gateway-fronted services say)."""

    code = "UnknownOperationException"
    status = 404


class NotImplementedByEmulator(MacieApiError):
    """A real macie2 operation the local emulator does not provide."""

    code = "NotImplemented"
    status = 501


NOT_ENABLED = "Macie is not enabled."
ALREADY_ENABLED = "Macie has already been enabled"
