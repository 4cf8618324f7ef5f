"""The demo's one error class (exit codes stay in :mod:`macie_notify.errors`)."""

from __future__ import annotations

from macie_notify.errors import MacieNotifyError


class DemoError(MacieNotifyError):
    """The demo could not finish (exit 1): what failed, and what to try."""


class NotDelivered(MacieNotifyError):
    """The pipeline ran but some findings that qualify never reached Slack (exit 1)."""


__all__ = ["DemoError", "NotDelivered"]
