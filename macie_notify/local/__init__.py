"""Embedded local AWS: one endpoint for moto's services and this project's macie2.

    with LocalServer() as server:          # port 0: a free port
        boto3.client("macie2", endpoint_url=server.endpoint_url, ...)

The parts (macie2 emulator, event router, Lambda runner, Slack sink, ...) are typed
members of :class:`~macie_notify.local.server.LocalServer`; ``docs/architecture.md``
shows how a request travels through them. Importing this package is cheap: the server
module (werkzeug; moto on first use) loads when ``LocalServer`` is first named.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from macie_notify.local.server import DUMMY_ENV, LocalServer

__all__ = ["DUMMY_ENV", "LocalServer"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        import importlib

        module = importlib.import_module("macie_notify.local.server")
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
