"""EventBridge's TestEventPattern, answered with the router's own pattern matcher.

moto's ``test_event_pattern`` returns an empty body (botocore then reads no ``Result``),
so ``aws events test-event-pattern`` printed nothing. The endpoint answers it here with
the same matcher the rules use, so what the test says is what delivery does.
Errors follow the API reference
(https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_TestEventPattern.html):
a bad pattern is ``InvalidEventPatternException``; an event that is not a JSON object with
the envelope fields EventBridge requires is ``ValidationException``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.wrappers import Request, Response

from macie_notify.local.events.patterns import InvalidEventPattern, parse_pattern

__all__ = ["TARGET", "is_test_event_pattern", "test_event_pattern_app"]

TARGET = "AWSEvents.TestEventPattern"
# The envelope fields TestEventPattern insists on (the API reference's "Event" member).
REQUIRED_FIELDS = ("id", "account", "source", "time", "region", "resources", "detail-type")
_JSON = "application/x-amz-json-1.1"


def is_test_event_pattern(environ: dict[str, Any]) -> bool:
    """True for an EventBridge JSON request whose target is TestEventPattern."""
    return environ.get("REQUEST_METHOD") == "POST" and environ.get("HTTP_X_AMZ_TARGET") == TARGET


def _error(code: str, message: str) -> Response:
    return Response(
        json.dumps({"__type": code, "message": message}),
        status=400,
        headers={"x-amzn-ErrorType": code},
        content_type=_JSON,
    )


def _answer(body: bytes) -> Response:
    try:
        params = json.loads(body or b"{}")
    except ValueError:
        return _error("SerializationException", "Request body is not valid JSON")
    if not isinstance(params, dict):
        return _error("SerializationException", "Request body is not a JSON object")
    pattern, event_text = params.get("EventPattern"), params.get("Event")
    if not isinstance(pattern, str) or not isinstance(event_text, str):
        return _error("ValidationException", "EventPattern and Event are required strings")
    try:
        compiled = parse_pattern(pattern)
    except InvalidEventPattern as exc:
        return _error("InvalidEventPatternException", str(exc))
    try:
        event = json.loads(event_text)
    except ValueError:
        return _error("ValidationException", "Parameter Event is not valid JSON.")
    if not isinstance(event, dict):
        return _error("ValidationException", "Parameter Event is not a JSON object.")
    missing = [name for name in REQUIRED_FIELDS if name not in event]
    if missing:
        return _error(
            "ValidationException",
            f"Parameter Event is not valid: missing {', '.join(missing)}.",
        )
    return Response(json.dumps({"Result": compiled.matches(event)}), content_type=_JSON)


def test_event_pattern_app(
    environ: dict[str, Any], start_response: Callable[..., Any]
) -> Iterable[bytes]:
    """The WSGI answer to one TestEventPattern request."""
    response = _answer(Request(environ).get_data())
    return response(environ, start_response)
