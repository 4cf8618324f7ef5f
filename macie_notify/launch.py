"""The ``macie-notify`` console script and ``python -m macie_notify``.

It lives outside :mod:`macie_notify.cli` so that it runs before the CLI is imported: the
imports (Click, the commands, for ``scan`` the detection engine) create tens of thousands
of objects that all live until the exit, and the cyclic collector would walk them again
and again while they are being created, for nothing (about 6% of every command's start-up).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


def main() -> None:
    with collector_paused():
        from macie_notify.cli.main import main as run
    run()


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: for code that creates many objects that all live
    on (imports, building the scan engine); a collector already off stays off."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
