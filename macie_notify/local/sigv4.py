"""Read the SigV4 credential scope of a request (pure).

The local endpoint routes by the service named in the credential scope, as AWS's own
front ends do by host name: ``Authorization: AWS4-HMAC-SHA256
Credential=AKID/20240101/eu-west-1/macie2/aws4_request, SignedHeaders=..., Signature=...``.
Signatures are not verified: the endpoint is local and credentials are dummies.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CREDENTIAL = re.compile(
    r"Credential=(?P<key>[^/,\s]+)/(?P<date>\d{8})/(?P<region>[^/,\s]+)/"
    r"(?P<service>[^/,\s]+)/aws4_request"
)


@dataclass(frozen=True)
class CredentialScope:
    """The parts of a SigV4 credential scope the dispatcher needs."""

    access_key: str
    date: str
    region: str
    service: str


def parse_authorization(header: str | None) -> CredentialScope | None:
    """The credential scope of an ``Authorization`` header, or None when it is not SigV4."""
    if not header or not header.startswith("AWS4-"):
        return None
    match = _CREDENTIAL.search(header)
    if match is None:
        return None
    return CredentialScope(
        access_key=match["key"],
        date=match["date"],
        region=match["region"],
        service=match["service"].lower(),
    )


def parse_query_credential(value: str | None) -> CredentialScope | None:
    """The scope of a presigned URL's ``X-Amz-Credential`` query value."""
    if not value:
        return None
    parts = value.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        return None
    return CredentialScope(parts[0], parts[1], parts[2], parts[3].lower())
