"""What every resource module shares: the apply context and the error-free read helpers.

Each module under ``resources/`` owns one kind and exports the same five functions::

    observe(aws, spec) -> Observed | None      reads only (Get/List/Describe/Head)
    diff(spec, observed) -> (Action, reasons)  pure
    apply(ctx, spec, observed, action) -> outputs
    keep_reason(spec, observed, stack) -> str | None   teardown: why not to delete it
    delete(ctx, spec, observed) -> None
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from macie_notify.stack.naming import is_managed

if TYPE_CHECKING:
    from macie_notify.aws import Aws


@dataclass
class Context:
    """What the executor hands each step: clients, injected time, the Lambda zip."""

    aws: Aws
    stack: str
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    zip_source: Callable[[], tuple[bytes, str]] | None = None
    _zip: tuple[bytes, str] | None = field(default=None, repr=False)

    def zip_bytes(self) -> bytes:
        if self._zip is None:
            if self.zip_source is None:
                from macie_notify.packaging import build_zip

                self._zip = build_zip()
            else:
                self._zip = self.zip_source()
        return self._zip[0]


def error_code(exc: Any) -> str:
    """The AWS error code of a botocore ClientError."""
    return str(exc.response.get("Error", {}).get("Code", ""))


def changed(label: str, old: Any, new: Any) -> str:
    return f"{label}: {_show(old)} -> {_show(new)}"


def _show(value: Any) -> str:
    if value is None or value == "" or value == {}:
        return "(none)"
    return str(value)


def unmanaged_reason(tags: Mapping[str, str], stack: str) -> str | None:
    """Why teardown keeps a resource that exists: it is not tagged as this stack's."""
    if is_managed(tags, stack):
        return None
    return f"kept: not tagged macie-notify:stack={stack}"


def tag_reason(missing: Mapping[str, str]) -> str:
    return "tags: " + ", ".join(sorted(missing)) + " to set"
