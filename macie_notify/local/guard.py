"""What the local endpoint refuses before any service sees a request, and its CORS answers.

The endpoint runs function code (Lambda Invoke, EventBridge targets) for any client that
reaches it, as Lambda would, so it accepts only clients on this machine that mean to talk
to it:

- **Host**: only the bound address, ``localhost`` (and ``*.localhost``) or, when bound to
  every interface, an IP literal. A web page that rebinds its own DNS name to 127.0.0.1
  sends its own name as Host and is refused (DNS rebinding).
- **Origin**: browsers name the page that sends a request; AWS SDKs and the CLI never do.
  A request with an Origin is served only when the origin was allowed
  (``local serve --cors-origin``); none is by default. Allowed origins get CORS headers
  naming exactly them; no other response carries any (moto's own ``*`` included).
- **Authorization**: a header that claims SigV4 but cannot be read gets AWS's
  IncompleteSignature answer; a credential scoped to a Region that does not exist gets
  the answer AWS gives for that (a signature error naming the Region).
- **Size**: bodies over the service's limit are refused from ``Content-Length`` before they
  are read; a body without one is read at most up to the limit.

Errors use the protocol's shape: XML for S3 and the query services (IAM, STS), JSON with
``x-amzn-ErrorType`` for the others.
"""

from __future__ import annotations

import functools
import io
import ipaddress
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from werkzeug.wrappers import Response

from macie_notify.local.sigv4 import CredentialScope, authorization_problem, credential_problem

__all__ = ["BODY_LIMITS", "RequestGuard", "known_regions"]

StartResponse = Callable[..., Any]

MIB = 1024 * 1024
# Request body limits by SigV4 service (https://docs.aws.amazon.com/general/latest/gr/aws-service-information.html):
# Lambda's API takes a 50 MB zip, base64 in JSON: it refuses requests over 70,167,211 bytes
# ("Request must be smaller than 70167211 bytes for the CreateFunction operation");
# a single S3 PUT is at most 5 GiB; API Gateway-fronted APIs such as macie2 take 10 MB;
# CloudWatch Logs' PutLogEvents batches are at most 1 MiB; EventBridge's PutEvents 1 MiB.
BODY_LIMITS: Mapping[str, int] = {
    "lambda": 70_167_211,
    "s3": 5 * 1024 * MIB,
    "macie2": 10 * MIB,
    "logs": MIB + 64 * 1024,
    "events": MIB + 64 * 1024,
}
DEFAULT_BODY_LIMIT = 10 * MIB
_XML_SERVICES = {"s3": "rest-xml", "iam": "query", "sts": "query", "ec2": "query"}
_EXPOSED = (
    "x-amzn-RequestId, x-amz-request-id, x-amz-id-2, x-amzn-ErrorType, ETag, "
    "x-amz-version-id, x-amz-executed-version, x-amz-function-error, x-amz-log-result"
)


@functools.cache
def known_regions() -> frozenset[str]:
    """Every Region of every partition botocore knows (plus the global pseudo-Region)."""
    from botocore.loaders import create_loader

    data = create_loader().load_data("endpoints")
    regions = {name for partition in data["partitions"] for name in partition["regions"]}
    return frozenset(regions | {"aws-global"})


@dataclass(frozen=True)
class _Refusal:
    status: int
    code: str
    message: str
    extra: Mapping[str, str] = field(default_factory=dict)


class RequestGuard:
    """Host, Origin, signature and size checks for one server (see the module docstring)."""

    def __init__(
        self,
        bound_host: str = "127.0.0.1",
        cors_origins: Iterable[str] = (),
        regions: Callable[[], frozenset[str]] = known_regions,
    ) -> None:
        self.bound_host = bound_host
        self.cors_origins = frozenset(o.rstrip("/") for o in cors_origins)
        self._regions = regions

    # --- host and origin --------------------------------------------------------------------

    def host_allowed(self, host_header: str | None) -> bool:
        if not host_header:
            return True  # HTTP/1.0 clients; no browser sends a request without Host
        host = _hostname(host_header)
        if host == "localhost" or host.endswith(".localhost"):
            return True
        if host == self.bound_host.lower().strip("[]"):
            return True
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False  # a DNS name other than localhost: a rebinding attempt
        return address.is_loopback or self.bound_host in ("0.0.0.0", "::", "")

    def refuse_browser(self, environ: Mapping[str, Any]) -> Response | None:
        """403 for a foreign Host or Origin; the preflight answer for an allowed origin."""
        host = environ.get("HTTP_HOST")
        if not self.host_allowed(host):
            return _plain(
                403,
                f"Host {host!r} is neither this server's address nor localhost; "
                "refused (DNS rebinding defence).",
            )
        origin = environ.get("HTTP_ORIGIN")
        if origin is None:
            return None
        if origin.rstrip("/") not in self.cors_origins:
            return _plain(
                403,
                f"Origin {origin!r} is not allowed; start `local serve --cors-origin ORIGIN` "
                "to let a web page use this endpoint.",
            )
        if environ.get("REQUEST_METHOD") == "OPTIONS" and environ.get(
            "HTTP_ACCESS_CONTROL_REQUEST_METHOD"
        ):
            requested = str(environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS") or "")
            response = Response(status=200)
            response.headers["Access-Control-Allow-Methods"] = "GET, PUT, POST, DELETE, HEAD"
            if requested:
                response.headers["Access-Control-Allow-Headers"] = requested
            response.headers["Access-Control-Max-Age"] = "600"
            _allow(response.headers, origin)
            return response
        return None

    def cors_start_response(
        self, environ: Mapping[str, Any], start_response: StartResponse
    ) -> StartResponse:
        """``start_response`` with every CORS header replaced by this server's own."""
        origin = environ.get("HTTP_ORIGIN")

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            kept = [(k, v) for k, v in headers if not k.lower().startswith("access-control-")]
            if origin is not None:  # refuse_browser let only allowed origins through
                kept = [(k, v) for k, v in kept if k.lower() != "vary"]
                kept += [
                    ("Access-Control-Allow-Origin", origin),
                    ("Access-Control-Expose-Headers", _EXPOSED),
                    ("Vary", "Origin"),
                ]
            return start_response(status, kept, exc_info)

        return start

    # --- AWS requests -------------------------------------------------------------------------

    def refuse_aws(self, environ: dict[str, Any], scope: CredentialScope | None) -> Response | None:
        """An AWS-shaped refusal for a bad signature, Region or body size; else None.

        May replace ``wsgi.input`` with the bounded body when no Content-Length was sent.
        """
        service = scope.service if scope is not None else _claimed_service(environ)
        refusal = self._signature_refusal(environ, scope)
        if refusal is None:
            refusal = _check_body_size(environ, BODY_LIMITS.get(service, DEFAULT_BODY_LIMIT))
        return None if refusal is None else aws_error(service, refusal)

    def _signature_refusal(
        self, environ: Mapping[str, Any], scope: CredentialScope | None
    ) -> _Refusal | None:
        header = environ.get("HTTP_AUTHORIZATION")
        problem = authorization_problem(header)
        if (
            problem is None
            and scope is None
            and "X-Amz-Credential" in str(environ.get("QUERY_STRING", ""))
        ):
            from urllib.parse import parse_qs

            values = parse_qs(str(environ["QUERY_STRING"])).get("X-Amz-Credential") or [""]
            problem = credential_problem(values[0])
        if problem is not None:
            return _Refusal(403, "IncompleteSignature", problem)
        if scope is not None and scope.region not in self._regions():
            return _Refusal(
                403,
                "InvalidSignature",
                f"Credential should be scoped to a valid region, not '{scope.region}'.",
                {"Region": scope.region},
            )
        return None


def _check_body_size(environ: dict[str, Any], limit: int) -> _Refusal | None:
    """Refuse a body over ``limit`` before reading it; bound a body of unknown length."""
    declared = environ.get("CONTENT_LENGTH")
    if declared not in (None, ""):
        try:
            length = int(str(declared))
        except ValueError:
            return _Refusal(400, "InvalidRequest", "The Content-Length header is not a number.")
        if length < 0:
            return _Refusal(400, "InvalidRequest", "The Content-Length header is negative.")
        if length > limit:
            return _too_large(length, limit)
        return None
    stream = environ.get("wsgi.input")
    if stream is None or "chunked" not in str(environ.get("HTTP_TRANSFER_ENCODING", "")).lower():
        return None
    # No length: read at most one byte past the limit, then serve from memory.
    body = stream.read(limit + 1)
    if len(body) > limit:
        return _too_large(len(body), limit)
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    return None


def _too_large(size: int, limit: int) -> _Refusal:
    return _Refusal(
        413,
        "RequestEntityTooLarge",
        f"Request must be smaller than {limit} bytes.",
        {"ProposedSize": str(size), "MaxSizeAllowed": str(limit)},
    )


# --- answers in each protocol's shape --------------------------------------------------------

# (status, code) as each protocol family names the same refusal.
_S3_CODES = {
    "IncompleteSignature": (400, "AuthorizationHeaderMalformed"),
    "InvalidSignature": (400, "AuthorizationHeaderMalformed"),
    "RequestEntityTooLarge": (400, "EntityTooLarge"),
    "InvalidRequest": (400, "InvalidRequest"),
}
_QUERY_CODES = {
    "IncompleteSignature": (400, "IncompleteSignature"),
    "InvalidSignature": (403, "SignatureDoesNotMatch"),
    "RequestEntityTooLarge": (413, "RequestEntityTooLarge"),
    "InvalidRequest": (400, "InvalidRequest"),
}
_JSON_CODES = {
    "IncompleteSignature": (403, "IncompleteSignatureException"),
    "InvalidSignature": (403, "InvalidSignatureException"),
    "RequestEntityTooLarge": (413, "RequestEntityTooLargeException"),
    "InvalidRequest": (400, "SerializationException"),
}


def aws_error(service: str, refusal: _Refusal) -> Response:
    """``refusal`` as ``service`` answers errors (S3 XML, query XML, or JSON)."""
    protocol = _XML_SERVICES.get(service, "json")
    if protocol == "rest-xml":
        status, code = _S3_CODES[refusal.code]
        message = refusal.message
        if refusal.code == "InvalidSignature":
            message = (
                f"The authorization header is malformed; the region '{refusal.extra['Region']}' "
                "is wrong; expecting 'us-east-1'"
            )
        fields = dict(refusal.extra)
        if refusal.code == "InvalidSignature":
            fields = {"Region": "us-east-1"}  # S3 names the Region it expected
        extra = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in fields.items())
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Error>'
            f"<Code>{code}</Code><Message>{escape(message)}</Message>{extra}</Error>"
        )
        return Response(body, status=status, content_type="application/xml")
    if protocol == "query":
        status, code = _QUERY_CODES[refusal.code]
        body = (
            "<ErrorResponse><Error><Type>Sender</Type>"
            f"<Code>{code}</Code><Message>{escape(refusal.message)}</Message>"
            "</Error></ErrorResponse>"
        )
        return Response(body, status=status, content_type="text/xml")
    status, code = _JSON_CODES[refusal.code]
    response = Response(
        json.dumps({"__type": code, "message": refusal.message}),
        status=status,
        content_type="application/x-amz-json-1.1",
    )
    response.headers["x-amzn-ErrorType"] = code
    return response


def _plain(status: int, text: str) -> Response:
    return Response(text + "\n", status=status, content_type="text/plain; charset=utf-8")


def _allow(headers: Any, origin: str) -> None:
    headers["Access-Control-Allow-Origin"] = origin
    headers["Access-Control-Expose-Headers"] = _EXPOSED
    headers["Vary"] = "Origin"


def _hostname(host_header: str) -> str:
    host = host_header.strip().lower()
    if host.startswith("["):  # [::1]:4566
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _claimed_service(environ: Mapping[str, Any]) -> str:
    """The service a malformed credential names, when it names one (for the error's shape)."""
    header = str(environ.get("HTTP_AUTHORIZATION") or "")
    _, _, credential = header.partition("Credential=")
    parts = credential.split(",", 1)[0].split("/")
    return parts[3].lower() if len(parts) >= 4 else ""
