"""``/_local/`` controls: local-only endpoints, never needed against AWS.

Built in: ``GET /_local/health``, ``POST /_local/reset`` (all services),
``GET|PUT /_local/latency`` (``{"latencyMs": N}``) and ``POST /_local/findings/synthetic``
(``{"count": N, "accountId"?, "region"?, "seed"?, "publish"?}`` loads N varied findings
into an enabled account, for benchmarks; not published to EventBridge unless
``publish`` is true). Other parts mount sub-apps with ``register`` (the Slack sink at
``/_local/slack``): a mounted app sees ``SCRIPT_NAME`` = its prefix and ``PATH_INFO`` = the
rest, as with werkzeug's DispatcherMiddleware.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from macie_notify.local.macie2.models import Macie2Backends
from macie_notify.local.macie2.responses import DEFAULT_ACCOUNT, DEFAULT_REGION

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
PREFIX = "/_local"


class ControlApp:
    """Routes ``/_local/...``; holds the registry of mounted sub-apps."""

    def __init__(
        self,
        backends: Macie2Backends,
        reset: Callable[[], None],
        get_latency: Callable[[], int],
        set_latency: Callable[[int], None],
    ) -> None:
        self.backends = backends
        self._reset = reset
        self._get_latency = get_latency
        self._set_latency = set_latency
        self.mounts: dict[str, WSGIApp] = {}
        self.reset_hooks: list[Callable[[], None]] = []

    def register(self, prefix: str, app: WSGIApp) -> None:
        """Mount ``app`` at ``/_local/<prefix>`` (``prefix`` with or without ``/_local/``)."""
        name = prefix.strip("/")
        if name.startswith("_local/"):
            name = name[len("_local/") :]
        if not name:
            raise ValueError("a sub-app needs a non-empty prefix")
        self.mounts[f"{PREFIX}/{name}"] = app

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        for mount in sorted(self.mounts, key=len, reverse=True):
            if path == mount or path.startswith(mount + "/"):
                environ["SCRIPT_NAME"] = str(environ.get("SCRIPT_NAME", "")) + mount
                environ["PATH_INFO"] = path[len(mount) :]
                return self.mounts[mount](environ, start_response)
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        try:
            status, payload = self._builtin(method, path[len(PREFIX) :], read_json(environ))
        except KeyError as exc:  # str(KeyError) is only the quoted key
            status, payload = 400, {"error": f"bad request: {exc} is missing"}
        except (ValueError, TypeError) as exc:
            status, payload = 400, {"error": f"bad request: {exc}"}
        return json_reply(start_response, status, payload)

    def _builtin(self, method: str, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        route = (method, path.rstrip("/"))
        if route == ("GET", "/health"):
            return 200, {"status": "ok", "mounts": sorted(self.mounts)}
        if route == ("POST", "/reset"):
            self._reset()
            for hook in list(self.reset_hooks):
                hook()
            return 200, {"reset": True}
        if route == ("GET", "/latency"):
            return 200, {"latencyMs": self._get_latency()}
        if route in (("PUT", "/latency"), ("POST", "/latency")):
            self._set_latency(int(body["latencyMs"]))
            return 200, {"latencyMs": self._get_latency()}
        if route == ("POST", "/findings/synthetic"):
            return self._synthetic(body)
        return 404, {"error": f"no local control {method} {PREFIX}{path}"}

    def _synthetic(self, body: dict[str, Any]) -> tuple[int, Any]:
        count = int(body.get("count", 1000))
        if not 0 <= count <= 200_000:
            return 400, {"error": "count must be between 0 and 200000"}
        backend = self.backends.get(
            str(body.get("accountId") or DEFAULT_ACCOUNT), str(body.get("region") or DEFAULT_REGION)
        )
        with backend.transaction():
            if backend.session is None:
                return 409, {"error": "Macie is not enabled for this account and Region"}
            backend.load_synthetic(count, int(body.get("seed", 0)), bool(body.get("publish")))
            total = len(backend.findings)
        return 200, {"loaded": count, "total": total}


def json_reply(start_response: Callable[..., Any], status: int, payload: Any) -> list[bytes]:
    """Answer a control request with ``payload`` as JSON (every ``/_local/`` app does)."""
    body = json.dumps(payload).encode()
    start_response(
        f"{status} {'OK' if status < 400 else 'Error'}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
    )
    return [body]


def read_json(environ: dict[str, Any]) -> dict[str, Any]:
    """The request's JSON object body (``{}`` when empty); ValueError when not an object."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if length <= 0:
        return {}
    data = json.loads(environ["wsgi.input"].read(length) or b"{}")
    if not isinstance(data, dict):
        raise ValueError("the body must be a JSON object")
    return data
