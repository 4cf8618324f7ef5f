"""What a delivery attempt ends in; light enough to import before slack_sdk is needed.

slack_sdk costs most of the handler's cold start (about 170 ms compiled from source, as
on Lambda where the zip is read-only and no bytecode is cached), so the handler imports
:mod:`.slack` only when a finding is actually going to be posted.
"""

from __future__ import annotations

from dataclasses import dataclass


class DeliveryError(RuntimeError):
    """Slack did not accept the message after retries. Never holds the token or URL."""


@dataclass(frozen=True)
class Delivered:
    """What Slack answered: message ``ts`` and channel ID in token mode."""

    mode: str
    ts: str | None = None
    channel: str | None = None
