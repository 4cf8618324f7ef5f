"""Embedded local AWS: one endpoint for moto's services and this project's macie2.

    with LocalServer() as server:          # port 0: a free port
        boto3.client("macie2", endpoint_url=server.endpoint_url, ...)

``LocalServer.app`` is the WSGI application (for in-process tests); its
``macie2_backends`` carries the hooks the event router and job runner attach to, and
``register_local_app(prefix, app)`` mounts extra ``/_local/<prefix>`` sub-apps.
Importing this package is cheap: moto and werkzeug load on ``start()``.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from macie_notify.local.control import WSGIApp
    from macie_notify.local.server import LocalApp

# Optional parts of the local endpoint (issue 5): each module, when present, exposes
# ``install(server: LocalServer) -> None`` that mounts sub-apps / attaches listeners and
# may append clean-up callables to ``server.on_stop``. Missing modules are skipped.
EXTENSION_MODULES = (
    "macie_notify.local.slack_sink",
    "macie_notify.local.events",
    "macie_notify.local.lambda_invoke",
    "macie_notify.local.macie2.jobs",
    "macie_notify.local.macie2.posture",
)

DUMMY_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
}


class LocalServer:
    """The local endpoint on a background thread (threaded WSGI, one thread per request)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        latency_ms: int = 0,
        *,
        log_requests: bool = False,
        extensions: bool = True,
    ) -> None:
        from macie_notify.local.server import LocalApp

        self.host = host
        self._requested_port = port
        self._log_requests = log_requests
        self.app: LocalApp = LocalApp(latency_ms=latency_ms)
        self._server: Any = None
        self._stopping = False
        self._thread: threading.Thread | None = None
        self.on_stop: list[Callable[[], None]] = []
        # Part-2 wiring: extensions that own timers start them here (run after start()).
        self.on_start: list[Callable[[], None]] = []
        self.extensions: list[str] = []
        if extensions:
            self._install_extensions()

    def _install_extensions(self) -> None:
        for name in EXTENSION_MODULES:
            try:
                module = importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name == name:
                    continue
                raise
            install = getattr(module, "install", None)
            if callable(install):
                install(self)
                self.extensions.append(name)

    @property
    def macie2_backends(self) -> Any:
        return self.app.macie2_backends

    def register_local_app(self, prefix: str, app: WSGIApp) -> None:
        self.app.register_local_app(prefix, app)

    def start(self) -> LocalServer:
        """Bind and serve; returns once requests are accepted (OSError if the port is taken)."""
        if self._server is not None:
            return self
        from macie_notify.local.server import make_wsgi_server

        self._server = make_wsgi_server(
            self.app, self.host, self._requested_port, self._log_requests
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="macie-notify-local", daemon=True
        )
        self._thread.start()
        for callback in self.on_start:
            callback()
        return self

    def stop(self) -> None:
        """Stop serving and release the port (idempotent)."""
        server = self._server
        if server is None or self._stopping:
            return
        # Extensions drain in-flight work (Lambda invocations, event deliveries) in their
        # stop callbacks, and that work still calls this endpoint: keep serving until then.
        self._stopping = True
        try:
            for callback in reversed(self.on_stop):
                callback()
        finally:
            self._server = None
            self._stopping = False
            server.shutdown()
            server.server_close()
            if self._thread is not None:
                self._thread.join(timeout=10)
                self._thread = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the local server is not running; call start() first")
        return int(self._server.server_address[1])

    @property
    def endpoint_url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}"

    def environment(self, region: str = "us-east-1") -> dict[str, str]:
        """What a client exports to use this endpoint (dummy credentials)."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            **DUMMY_ENV,
        }

    def client(self, service: str, region: str = "us-east-1", config: Any = None) -> Any:
        """A boto3 client for this endpoint, with the dummy credentials (jobs, posture).

        ``config`` is a ``botocore.config.Config`` (retries, pool size) when one is needed.
        """
        import boto3

        return boto3.client(
            service,  # type: ignore[call-overload]
            endpoint_url=self.endpoint_url,
            region_name=region,
            aws_access_key_id=DUMMY_ENV["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=DUMMY_ENV["AWS_SECRET_ACCESS_KEY"],
            config=config,
        )

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


__all__ = ["DUMMY_ENV", "EXTENSION_MODULES", "LocalServer"]
