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

        # What the imports made lives until the exit: frozen, no collection walks it again
        # (the first one after the pause would, ~6 ms: every object made while it lasted).
        gc.freeze()
    run()


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: for code that creates many objects that all live
    on (imports, building the scan engine); a collector already off stays off. In a process
    that freezes what lives until its exit (the console script does, see :func:`main`),
    everything alive when the block ends is frozen as well: the first collection after it
    would walk what the block made. A caller with no frozen objects (a library user, a
    test) gets no freeze: it would keep garbage alive for good."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        if gc.get_freeze_count():
            gc.freeze()
    finally:
        if enabled:
            gc.enable()
