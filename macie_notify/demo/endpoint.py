"""The endpoint the demo runs on: an embedded :class:`LocalServer`, or one already running.

The ``/_local/`` controls (health, event drain, Slack messages) are plain HTTP on
loopback; they exist only on macie-notify's local endpoint, which is also how the demo
refuses to provision into anything else (real AWS has no ``/_local/health``).
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from macie_notify.demo.errors import DemoError
from macie_notify.local import client


@dataclass(frozen=True)
class Endpoint:
    """Where the demo sends every call; ``embedded`` when the demo started it."""

    url: str
    embedded: bool

    def environment(self, region: str) -> dict[str, str]:
        """What a shell exports to use this endpoint (dummy credentials, as `local serve`)."""
        from macie_notify.local import DUMMY_ENV

        return {
            "AWS_ENDPOINT_URL": self.url,
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            **DUMMY_ENV,
        }


@contextmanager
def open_endpoint(endpoint_url: str | None = None, port: int = 0) -> Iterator[Endpoint]:
    """Start a LocalServer on ``port`` (0: a free one) unless ``endpoint_url`` is given.

    A given endpoint must answer ``/_local/health``; the embedded server stops (draining
    its in-flight work) when the block ends, also on Ctrl-C.
    """
    if endpoint_url:
        url = endpoint_url.rstrip("/")
        check_local_endpoint(url)
        yield Endpoint(url, embedded=False)
        return
    server = _start_server(port)
    try:
        yield Endpoint(server.endpoint_url, embedded=True)
    finally:
        server.stop()


def _start_server(port: int) -> Any:
    # Without the `local` extra this import fails on moto; cli.main turns that into exit 2
    # naming the extra, as for `local serve` (a missing module of ours stays a bug).
    from macie_notify.local import LocalServer

    server = LocalServer(port=port)
    try:
        return server.start()
    except OSError as exc:
        in_use = exc.errno == errno.EADDRINUSE
        raise DemoError(
            f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}",
            hint="pick another --port, or 0 for a free one" if in_use else None,
        ) from None


def check_local_endpoint(url: str, timeout: float = 5.0) -> None:
    """DemoError unless ``url`` is macie-notify's local endpoint."""
    try:
        local_call(url, "GET", "/_local/health", timeout=timeout)
    except DemoError:
        raise DemoError(
            f"{url} is not a macie-notify local endpoint (no /_local/health)",
            hint="start one with `macie-notify local serve`, or run `macie-notify demo` "
            "without --endpoint-url / --local / AWS_ENDPOINT_URL to use an embedded one",
        ) from None


def local_call(
    url: str, method: str, path: str, *, timeout: float = 30.0, ok: tuple[int, ...] = (200,)
) -> dict[str, Any]:
    """A ``/_local/`` control call; its JSON answer (DemoError on any failure)."""
    try:
        return client.local_call(url, method, path, timeout=timeout, ok=ok)
    except client.LocalEndpointError as exc:
        raise DemoError(
            exc.message, hint=exc.hint or "is `macie-notify local serve` still running?"
        ) from None


def drain_events(url: str, timeout: float) -> bool:
    """Wait until every published finding went through its rules' targets; False when
    ``timeout`` ran out first (the caller names its own time budget)."""
    answer = local_call(
        url,
        "POST",
        f"/_local/events/drain?timeout={max(timeout, 1.0):.0f}",
        timeout=timeout + 10,
        ok=(200, 504),
    )
    return bool(answer.get("drained"))


def slack_messages(url: str) -> list[dict[str, Any]]:
    """Every message the local Slack sink recorded, oldest first."""
    return list(local_call(url, "GET", "/_local/slack/messages").get("messages", []))


__all__ = [
    "Endpoint",
    "check_local_endpoint",
    "drain_events",
    "local_call",
    "open_endpoint",
    "slack_messages",
]
