"""Read the SigV4 credential scope of a request (pure).

The local endpoint routes by the service named in the credential scope, as AWS's own
front ends do by host name: ``Authorization: AWS4-HMAC-SHA256
Credential=AKID/20240101/eu-west-1/macie2/aws4_request, SignedHeaders=..., Signature=...``.
Signatures are not verified: the endpoint is local and credentials are dummies. A header
that claims SigV4 but cannot be read is refused, as AWS refuses it
(:func:`authorization_problem`).
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


_ALGORITHM = "AWS4-HMAC-SHA256"
_PARAMETERS = ("Credential", "Signature", "SignedHeaders")


def authorization_problem(header: str | None) -> str | None:
    """Why a header that claims SigV4 (``AWS4-...``) is unusable, in AWS's words; else None."""
    if not header or not header.startswith("AWS4-"):
        return None
    algorithm, _, rest = header.partition(" ")
    if algorithm != _ALGORITHM:
        return f"Unsupported AWS 'algorithm': '{algorithm}'."
    found = {}
    for part in rest.split(","):
        key, sep, value = part.strip().partition("=")
        if sep:
            found[key] = value
    missing = [
        f"Authorization header requires '{p}' parameter." for p in _PARAMETERS if p not in found
    ]
    if missing:
        return " ".join(missing) + f" Authorization={header}"
    return credential_problem(found["Credential"])


def credential_problem(credential: str) -> str | None:
    """Why a credential (``AKID/date/region/service/aws4_request``) is malformed; else None."""
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        return (
            "Credential should be scoped with a valid terminator: 'aws4_request', "
            f"not '{parts[-1]}'."
        )
    if not (len(parts[1]) == 8 and parts[1].isdigit()):
        return f"Date must be in ISO-8601 'basic format'. Got '{parts[1]}'."
    if not all(parts[:4]):
        return f"Credential should be scoped correctly: '{credential}'."
    return None
