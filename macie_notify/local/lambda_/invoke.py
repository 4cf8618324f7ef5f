"""Lambda's Invoke API on the local endpoint, run by the local Lambda runner.

moto answers ``POST /2015-03-31/functions/{FunctionName}/invocations`` by starting a
docker container, which fails where there is none, so the dispatcher hands Invoke to
:class:`LambdaInvokeApp` instead, which follows
https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html (and botocore's ``lambda``
model):

- ``FunctionName`` is a name, a name with a qualifier (``fn:1``), a full ARN or a partial
  ARN (``123456789012:function:fn``); ``?Qualifier=`` picks a version or alias, and must
  agree with a qualifier in the name.
- ``X-Amz-Invocation-Type: RequestResponse`` (the default) runs the handler and answers
  200 with its JSON result and ``X-Amz-Executed-Version``; a function error adds
  ``X-Amz-Function-Error: Unhandled`` and the runtime's error document as the body.
  ``X-Amz-Log-Type: Tail`` returns the last 4 KB of the log, base64, in
  ``X-Amz-Log-Result``.
- ``Event`` answers 202 at once and runs the function on a background pool through
  :meth:`LambdaRunner.invoke_async` (retries, then the on-failure destination /
  dead-letter queue: https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html).
- ``DryRun`` answers 204 once the function is known to exist.
- The deprecated InvokeAsync (``POST /2014-11-13/functions/{FunctionName}/invoke-async``)
  is an ``Event`` invocation.
- Errors are rest-json: ``x-amzn-ErrorType`` and a ``{"Type", "message"}`` body
  (``ResourceNotFoundException`` 404, ``InvalidParameterValueException`` /
  ``InvalidRequestContentException`` / ``ValidationException`` 400,
  ``RequestTooLargeException`` 413).

The server puts the caller's account and Region (SigV4 scope) in the WSGI environ.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from macie_notify.local.lambda_.runner import (
    FunctionSpec,
    InvocationResult,
    LambdaRunner,
    log_lines,
)
from macie_notify.local.macie2 import ENV_ACCOUNT, ENV_REGION

__all__ = ["INVOKE_PATH", "FunctionLookup", "InvokeError", "LambdaInvokeApp"]

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
# (account, region, function name, qualifier or None) -> the function, or None if unknown.
FunctionLookup = Callable[[str, str, str, str | None], FunctionSpec | None]

# Invoke, and the deprecated InvokeAsync (always an Event invocation).
INVOKE_PATH = re.compile(
    r"^/(?:2015-03-31/functions/(?P<name>[^/]+)/invocations"
    r"|2014-11-13/functions/(?P<async_name>[^/]+)/invoke-async)/?$"
)
# botocore's FunctionName pattern, split into its parts.
_NAME = re.compile(
    r"(?:arn:(?P<partition>aws[a-zA-Z-]*)?:lambda:)?"
    r"(?:(?P<region>(?:eusc-)?[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d):)?"
    r"(?:(?P<account>\d{12}):)?(?:function:)?(?P<name>[a-zA-Z0-9_.-]+)"
    r"(?::(?P<qualifier>\$LATEST(?:\.PUBLISHED)?|[a-zA-Z0-9_-]+))?"
)
_QUALIFIER = re.compile(r"\$LATEST(?:\.PUBLISHED)?|[a-zA-Z0-9_$-]{1,128}")
INVOCATION_TYPES = ("RequestResponse", "Event", "DryRun")
# https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
MAX_SYNC_PAYLOAD = 6 * 1024 * 1024
MAX_ASYNC_PAYLOAD = 1024 * 1024
MAX_RESPONSE_PAYLOAD = 6 * 1024 * 1024 + 100
LOG_TAIL_BYTES = 4096
# Errors the Lambda service (not the function's code) reports: no requestId/stackTrace.
_SERVICE_ERRORS = ("Sandbox.Timedout", "Runtime.ExitError", "Function.ResponseSizeTooLarge")
_INIT_ERRORS = ("Runtime.ImportModuleError", "Runtime.HandlerNotFound")


class InvokeError(Exception):
    """A request error, answered in the rest-json error shape."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class _Request:
    invocation_type: str
    tail: bool
    account: str
    region: str
    name: str
    qualifier: str | None

    @property
    def arn(self) -> str:
        base = f"arn:aws:lambda:{self.region}:{self.account}:function:{self.name}"
        return f"{base}:{self.qualifier}" if self.qualifier else base


class LambdaInvokeApp:
    """WSGI handler for Invoke; owns the pool that runs ``Event`` invocations."""

    def __init__(self, runner: LambdaRunner, lookup: FunctionLookup, workers: int = 4) -> None:
        self.runner = runner
        self.lookup = lookup
        self._workers = workers
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._pending: set[Future[Any]] = set()
        self._closed = False

    # --- lifecycle -------------------------------------------------------------------------

    def open(self) -> None:
        """Accept ``Event`` invocations again (after :meth:`stop`)."""
        with self._lock:
            self._closed = False

    def close(self) -> None:
        """Refuse new ``Event`` invocations (the queued ones still run)."""
        with self._lock:
            self._closed = True

    def stop(self) -> None:
        """Refuse new ``Event`` invocations, finish the queued ones, join the pool."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=False)

    def drain(self, timeout: float = 30.0) -> bool:
        """Wait for every background invocation to finish (tests); False on timeout."""
        with self._lock:
            pending = list(self._pending)
        _, not_done = wait(pending, timeout)  # failures were logged by _done
        return not not_done

    def _submit(self, spec: FunctionSpec, event: Any) -> None:
        with self._lock:
            if self._closed:
                raise InvokeError(500, "ServiceException", "The local server is stopping.")
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._workers, "macie-notify-invoke")
            future = self._pool.submit(self.runner.invoke_async, spec, event)
            self._pending.add(future)
        future.add_done_callback(self._done)

    def _done(self, future: Future[Any]) -> None:
        with self._lock:
            self._pending.discard(future)
        error = None if future.cancelled() else future.exception()
        if error is not None:
            log.error("asynchronous invocation failed: %s", error, exc_info=error)

    # --- WSGI ------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request_id = str(uuid.uuid4())
        try:
            status, headers, body = self._handle(environ, request_id)
        except InvokeError as exc:
            status = exc.status
            headers = [("x-amzn-ErrorType", exc.code)]
            body = json.dumps({"Type": _fault(exc.status), "message": exc.message}).encode()
        headers = [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("x-amzn-RequestId", request_id),
            *headers,
        ]
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        return [body]

    def _handle(
        self, environ: Mapping[str, Any], request_id: str
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        request = parse_request(environ)
        spec = self.lookup(request.account, request.region, request.name, request.qualifier)
        if spec is None:
            raise InvokeError(
                404, "ResourceNotFoundException", f"Function not found: {request.arn}"
            )
        if request.invocation_type == "DryRun":
            return 204, [], b""
        limit = MAX_ASYNC_PAYLOAD if request.invocation_type == "Event" else MAX_SYNC_PAYLOAD
        event = read_payload(environ, limit)
        if request.invocation_type == "Event":
            self._submit(spec, event)
            return 202, [], b""
        result = self.runner.invoke(spec, event, request_id)
        return sync_response(spec, result, request.tail)


# --- request -------------------------------------------------------------------------------


def parse_request(environ: Mapping[str, Any]) -> _Request:
    """Headers, path and query of an Invoke call, checked as Lambda checks them."""
    match = INVOKE_PATH.match(str(environ.get("PATH_INFO", "")))
    if match is None:
        raise InvokeError(404, "ResourceNotFoundException", "Unknown operation")
    invocation_type = str(environ.get("HTTP_X_AMZ_INVOCATION_TYPE") or "RequestResponse")
    if match["async_name"]:
        invocation_type = "Event"
    if invocation_type not in INVOCATION_TYPES:
        raise InvokeError(
            400,
            "InvalidParameterValueException",
            f"Unsupported invocation type {invocation_type}; "
            f"expected one of {', '.join(INVOCATION_TYPES)}",
        )
    log_type = str(environ.get("HTTP_X_AMZ_LOG_TYPE") or "None")
    if log_type not in ("None", "Tail"):
        raise InvokeError(400, "InvalidParameterValueException", f"Unsupported log type {log_type}")
    account = str(environ.get(ENV_ACCOUNT) or "123456789012")
    region = str(environ.get(ENV_REGION) or "us-east-1")
    raw_name = match["name"] or match["async_name"]
    name, qualifier, account = _function_name(raw_name, _query_qualifier(environ), account)
    return _Request(invocation_type, log_type == "Tail", account, region, name, qualifier)


def _query_qualifier(environ: Mapping[str, Any]) -> str | None:
    from urllib.parse import parse_qs

    values = parse_qs(str(environ.get("QUERY_STRING", ""))).get("Qualifier")
    if not values:
        return None
    if not _QUALIFIER.fullmatch(values[0]):
        raise _validation("qualifier", values[0], _QUALIFIER.pattern)
    return values[0]


def _function_name(raw: str, qualifier: str | None, account: str) -> tuple[str, str | None, str]:
    """(name, qualifier, account) from any FunctionName form."""
    from urllib.parse import unquote

    # werkzeug decodes PATH_INFO already; a second unquote is harmless (no '%' is valid).
    text = unquote(raw)
    match = _NAME.fullmatch(text) if 1 <= len(text) <= 256 else None
    if match is None:
        raise _validation("functionName", text, _NAME.pattern)
    derived = match["qualifier"]
    if derived and qualifier and derived != qualifier:
        raise InvokeError(
            400,
            "InvalidParameterValueException",
            "The derived qualifier from the function name does not match the specified qualifier.",
        )
    # A cross-account ARN names the owner; permission checks are out of scope locally.
    return match["name"], derived or qualifier, match["account"] or account


def _validation(member: str, value: str, pattern: str) -> InvokeError:
    return InvokeError(
        400,
        "ValidationException",
        f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
        f"constraint: Member must satisfy regular expression pattern: {pattern}",
    )


def read_payload(environ: Mapping[str, Any], limit: int) -> Any:
    """The event: the body as JSON (``{}`` when empty, as Lambda passes it)."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        raise InvokeError(
            413,
            "RequestTooLargeException",
            f"Request must be smaller than {limit} bytes for the InvokeFunction operation",
        )
    stream = environ.get("wsgi.input")
    body = stream.read(length) if stream is not None and length else b""
    if not body.strip():
        return {}
    try:
        return json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvokeError(
            400,
            "InvalidRequestContentException",
            f"Could not parse request body into json: Could not parse payload into json: {exc}",
        ) from None


# --- response ------------------------------------------------------------------------------


def sync_response(
    spec: FunctionSpec, result: InvocationResult, tail: bool
) -> tuple[int, list[tuple[str, str]], bytes]:
    """RequestResponse's 200: the result or the error document, and the headers."""
    headers = [("X-Amz-Executed-Version", spec.version)]
    error = result.error
    body = b""
    if error is None:
        body = json.dumps(result.payload).encode()
        if len(body) > MAX_RESPONSE_PAYLOAD:
            error = {
                "errorType": "Function.ResponseSizeTooLarge",
                "errorMessage": "Response payload size exceeded maximum allowed payload "
                f"size ({MAX_RESPONSE_PAYLOAD} bytes).",
            }
    if error is not None:
        headers.append(("X-Amz-Function-Error", "Unhandled"))
        body = json.dumps(error_document(error, result.request_id)).encode()
    if tail:
        headers.append(("X-Amz-Log-Result", log_tail(spec, result)))
    return 200, headers, body


def error_document(error: Mapping[str, Any], request_id: str) -> dict[str, Any]:
    """The body Lambda returns for a function error (Python runtime's key order)."""
    error_type = str(error.get("errorType", "Unhandled"))
    doc: dict[str, Any] = {"errorMessage": str(error.get("errorMessage", ""))}
    doc["errorType"] = error_type
    if error_type in _SERVICE_ERRORS:
        return doc
    # An init-phase failure happens before any request: the runtime sends an empty id.
    doc["requestId"] = "" if error_type in _INIT_ERRORS else request_id
    doc["stackTrace"] = list(error.get("stackTrace") or [])
    return doc


def log_tail(spec: FunctionSpec, result: InvocationResult) -> str:
    """The last 4 KB of the invocation's log, base64 (what ``--log-type Tail`` returns)."""
    text = "".join(line + "\n" for line in log_lines(spec, result))
    return base64.b64encode(text.encode()[-LOG_TAIL_BYTES:]).decode()


def _fault(status: int) -> str:
    return "Service" if status >= 500 else "User"
