"""Client side of the ``/_local/`` control API: plain HTTP on loopback, stdlib only.

Used by ``macie-notify local slack`` and the demo. These endpoints exist only on
macie-notify's local AWS; real AWS answers none of them.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
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
) -> dict[str, Any]:
    """``method path`` on the endpoint at ``url``; its JSON answer (a dict)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        # urllib would raise a bare ValueError ("unknown url type") for these.
        raise UsageError(
            f"the endpoint URL {url!r} is not valid.",
            "give --endpoint-url (or AWS_ENDPOINT_URL) as http(s)://host[:port].",
        )
    request = urllib.request.Request(
        url.rstrip("/") + path, method=method, data=b"" if method in ("POST", "PUT") else None
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            body = resp.read()
    except urllib.error.HTTPError as exc:
        if exc.code not in ok:
            raise LocalEndpointError(
                f"{method} {path} on {url} answered HTTP {exc.code}",
                hint="is it `macie-notify local serve`? Real AWS has no /_local/ API",
            ) from None
        body = exc.read()
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise LocalEndpointError(
            f"cannot reach the local endpoint {url}: {reason}",
            hint="start it with `macie-notify local serve`, or pass --endpoint-url",
        ) from None
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        raise LocalEndpointError(f"{method} {path} on {url} did not answer JSON") from None
    return data if isinstance(data, dict) else {"value": data}


__all__ = ["LocalEndpointError", "local_call"]
