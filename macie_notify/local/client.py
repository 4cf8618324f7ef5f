"""Client side of the ``/_local/`` control API: plain HTTP on loopback, stdlib only.

Used by ``macie-notify local slack`` and the demo. These endpoints exist only on
macie-notify's local AWS; real AWS answers none of them.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

from macie_notify.errors import AwsError, UsageError


class LocalEndpointError(AwsError):
    """A ``/_local/`` call failed: endpoint down, not ours, or an unexpected answer."""


def local_call(
    url: str,
    method: str,
    path: str,
    *,
    timeout: float = 30.0,
    ok: tuple[int, ...] = (200,),
    payload: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """``method path`` on the endpoint at ``url`` (``payload`` as a JSON body); its answer."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        # urllib would raise a bare ValueError ("unknown url type") for these.
        raise UsageError(
            f"the endpoint URL {url!r} is not valid.",
            "give --endpoint-url (or AWS_ENDPOINT_URL) as http(s)://host[:port].",
        )
    data = json.dumps(payload).encode() if payload is not None else None
    if data is None and method in ("POST", "PUT"):
        data = b""
    request = urllib.request.Request(
        url.rstrip("/") + path,
        method=method,
        data=data,
        headers={"Content-Type": "application/json"} if payload is not None else {},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            body = resp.read()
    except urllib.error.HTTPError as exc:
        if exc.code not in ok:
            raise _refused(f"{method} {path} on {url} answered HTTP {exc.code}", exc) from None
        body = exc.read()
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise LocalEndpointError(
            f"Could not reach the local endpoint {url}: {reason}",
            hint="start it with `macie-notify local serve`, or pass --endpoint-url",
        ) from None
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        raise LocalEndpointError(f"{method} {path} on {url} did not answer JSON") from None
    return data if isinstance(data, dict) else {"value": data}


def _refused(message: str, exc: urllib.error.HTTPError) -> LocalEndpointError:
    # Every /_local/ control answers its errors as {"error": "..."}: show that reason.
    # Without one, the endpoint is most likely not ours.
    try:
        reason = json.loads(exc.read()).get("error")
    except (ValueError, AttributeError, OSError):
        reason = None
    if isinstance(reason, str) and reason:
        return LocalEndpointError(f"{message}: {reason}")
    return LocalEndpointError(
        message, hint="is it `macie-notify local serve`? Real AWS has no /_local/ API"
    )


# --- the Slack sink (``macie-notify local slack``) ------------------------------------------


_MESSAGES = "/_local/slack/messages"


def fetch_messages(
    endpoint_url: str, channel: str | None = None, timeout: float = 10.0
) -> list[dict[str, Any]]:
    """The messages a running local server's sink recorded, optionally for one channel."""
    query = "?" + urllib.parse.urlencode({"channel": channel}) if channel else ""
    return list(local_call(endpoint_url, "GET", _MESSAGES + query, timeout=timeout)["messages"])


def clear_messages(endpoint_url: str, timeout: float = 10.0) -> None:
    """Make the sink forget every message it recorded."""
    local_call(endpoint_url, "DELETE", _MESSAGES, timeout=timeout)


def summary(message: Mapping[str, Any], width: int = 200) -> str:
    """One line for a terminal: the header and section texts, else the fallback text."""
    parts: list[str] = []
    for block in message.get("blocks") or []:
        text = block.get("text") if isinstance(block, dict) else None
        if isinstance(text, dict) and text.get("text"):
            parts.append(str(text["text"]))
        for item in (block.get("fields") or []) if isinstance(block, dict) else []:
            if isinstance(item, dict) and item.get("text"):
                parts.append(str(item["text"]))
    line = " | ".join(parts) or str(message.get("text") or "")
    line = " ".join(line.split())
    return line if len(line) <= width else line[: width - 1] + "…"


__all__ = ["LocalEndpointError", "clear_messages", "fetch_messages", "local_call", "summary"]
