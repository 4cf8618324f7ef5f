"""How the demo runs its stages: one time budget for all of them, one error shape.

Every stage failure becomes ``<stage>: <reason>`` (exit 1) with the command's own hint,
except where the hint would be wrong for the demo: a connection failure to the server
the demo started itself is not fixed by starting `local serve`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from macie_notify.demo.errors import DemoError
from macie_notify.errors import MacieNotifyError


class Budget:
    """``--timeout`` for the whole demo, setup included, on an injected monotonic clock."""

    def __init__(self, timeout: float, clock: Callable[[], float]) -> None:
        self.timeout = timeout
        self.clock = clock
        self.started = clock()

    def elapsed(self) -> float:
        return self.clock() - self.started

    def left(self, stage: str, doing: str = "") -> float:
        """Seconds left; DemoError naming the timeout (not what is left) once spent."""
        remaining = self.timeout - self.elapsed()
        if remaining > 0:
            return remaining
        raise self.spent(stage, doing)

    def spent(self, stage: str, doing: str = "") -> DemoError:
        detail = f" ({doing})" if doing else ""
        return DemoError(
            f"{stage}: the demo did not finish within --timeout {self.timeout:g} s{detail}",
            hint="raise --timeout, or use fewer or smaller --source files",
        )


@contextmanager
def stage(name: str, *, embedded: bool, url: str) -> Iterator[None]:
    """Run one stage: its errors read ``<name>: <reason>``, with a hint that fits the demo."""
    try:
        yield
    except DemoError as exc:
        if exc.message.startswith(f"{name}: "):
            raise
        raise DemoError(f"{name}: {exc.message}", hint=_hint(exc, embedded, url)) from None
    except MacieNotifyError as exc:
        raise DemoError(f"{name}: {exc.message}", hint=_hint(exc, embedded, url)) from None
    except Exception as exc:
        from macie_notify.aws import translate_error

        known = translate_error(exc, local=True)
        if known is None:
            raise
        raise DemoError(f"{name}: {known.message}", hint=_hint(known, embedded, url)) from None


def _hint(exc: MacieNotifyError, embedded: bool, url: str) -> str | None:
    if embedded and exc.message.startswith("Could not reach"):
        # The server runs in this very process: nothing to start, the network refused us.
        return (
            f"the demo's own local AWS at {url} is running but cannot be reached: is "
            "loopback networking up (`ip link set lo up` in a network namespace)?"
        )
    return exc.hint


__all__ = ["Budget", "stage"]
