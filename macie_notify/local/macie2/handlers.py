"""What a macie2 operation handler is: the backend of the calling account and Region, and
the operation's parsed input -> its output (serialized by the model afterwards)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from macie_notify.local.macie2.models import Macie2Backend

Params = dict[str, Any]
Handler = Callable[["Macie2Backend", Params], Any]


def empty_output(action: Callable[[Macie2Backend, Params], Any]) -> Handler:
    """A handler for an operation whose output shape is empty: ``action``, then ``{}``."""

    def handler(b: Macie2Backend, p: Params) -> Any:
        action(b, p)
        return {}

    return handler
