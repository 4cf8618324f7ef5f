"""The ``macie-notify`` console script and ``python -m macie_notify``.

It lives outside :mod:`macie_notify.cli` so that it runs before the CLI is imported: the
imports (Click, the commands, for ``scan`` the detection engine) create tens of thousands
of objects that all live until the exit, and the cyclic collector would walk them again
and again while they are being created, for nothing (about 6% of every command's start-up).
"""

from __future__ import annotations

import gc


def main() -> None:
    enabled = gc.isenabled()
    gc.disable()
    try:
        from macie_notify.cli.main import main as run
    finally:
        if enabled:
            gc.enable()
    run()
