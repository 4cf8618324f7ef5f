"""JSON requests and replies on werkzeug, shared by the ``/_local/`` controls and the sink."""

from __future__ import annotations

import json
from typing import Any

from werkzeug.wrappers import Request, Response

__all__ = ["json_body", "json_response"]


def json_response(
    payload: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """``payload`` as a JSON answer."""
    return Response(
        json.dumps(payload),
        status=status,
        headers=headers,
        content_type="application/json; charset=utf-8",
    )


def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object body (``{}`` when empty); ValueError when not an object."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("the body must be a JSON object")
    return data
