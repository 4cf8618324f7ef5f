"""The storm threshold: past N findings in M minutes, one summary instead of N posts.

The window lives in the container's memory. Lambda does not share memory between
concurrent copies, so the count is per copy: with ``reserved_concurrency`` 2 a storm
shows at most two summaries per window, and a copy Lambda recycles starts counting
again. That bounds the noise without a shared store (a DynamoDB counter would be exact,
at the cost of another resource and a write per finding). Findings above the threshold
are not lost: they stay in Macie, and the next window's first post says how many were
held back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from .message import MAX_TEXT, escape, fit

Verdict = Literal["post", "summary", "hold"]


@dataclass
class StormWindow:
    limit: int
    window_s: float
    clock: Callable[[], float] = field(default=time.time)
    started: float | None = None
    count: int = 0
    held: int = 0

    def admit(self) -> tuple[Verdict, int]:
        """What to do with one more finding, and how many the window that just ended held."""
        now = self.clock()
        ended_held = 0
        if self.started is None or now - self.started >= self.window_s:
            ended_held = self.held
            self.started, self.count, self.held = now, 0, 0
        self.count += 1
        if self.count <= self.limit:
            return "post", ended_held
        self.held += 1
        return ("summary" if self.count == self.limit + 1 else "hold"), ended_held

    def add(self, count: int) -> bool:
        """Count a digest batch's findings; True once the window is past the threshold."""
        now = self.clock()
        if self.started is None or now - self.started >= self.window_s:
            self.started, self.count, self.held = now, 0, 0
        self.count += count
        return self.count > self.limit

    @property
    def minutes(self) -> int:
        return max(1, round(self.window_s / 60))


def parse_threshold(text: str) -> tuple[int, int]:
    """``50/5m`` -> (50, 5); ValueError otherwise."""
    count, _, minutes = text.partition("/")
    if not minutes.endswith("m"):
        raise ValueError(text)
    findings, window = int(count), int(minutes[:-1])
    if findings < 1 or window < 1:
        raise ValueError(text)
    return findings, window


def storm_message(window: StormWindow) -> dict[str, Any]:
    """Posted once when a window crosses the threshold."""
    minutes = window.minutes
    text = (
        f":rotating_light: More than {window.limit:,} Macie findings in {minutes} minutes: "
        f"posting each finding is paused for the rest of this window. They stay in Macie: "
        f"`macie-notify findings list --since {minutes * 2}m`"
    )
    return {
        "text": fit(
            escape(f"More than {window.limit} Macie findings in {minutes} minutes"), MAX_TEXT
        ),
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


def held_message(held: int, minutes: int) -> dict[str, Any]:
    """Posted before the first finding of the next window: how many were held back."""
    text = (
        f"{held:,} Macie findings were not posted during the last storm window "
        f"({minutes} minutes); they are in Macie: `macie-notify findings list --since "
        f"{minutes * 3}m`"
    )
    return {
        "text": fit(escape(text), MAX_TEXT),
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }
