"""The one retry loop with a maximum event age (EventBridge targets, asynchronous Lambda).

Both services retry a failed delivery a bounded number of times with growing delays, and
give up early once the event is older than its maximum age
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-retry-policy.html,
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html).
The sleep and the clock are injected: tests never wait.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence

__all__ = ["RetryEnd", "retry_with_max_age"]


class RetryEnd(enum.Enum):
    """Why the loop ended."""

    DONE = "done"  # an attempt said no more attempts are needed
    EXHAUSTED = "exhausted"  # every allowed attempt was made
    EXPIRED = "expired"  # the event passed its maximum age before the next attempt


def retry_with_max_age(
    attempt: Callable[[int], bool],
    *,
    retries: int,
    max_age_s: float,
    received: float,
    delays: Sequence[float],
    sleep: Callable[[float], None],
    clock: Callable[[], float],
) -> RetryEnd:
    """Call ``attempt(n)`` (n from 0) until it returns True, at most ``retries + 1`` times.

    Before each retry it sleeps ``delays[n - 1]`` (the last delay repeats) and stops when
    ``clock() - received`` exceeds ``max_age_s``.
    """
    for number in range(retries + 1):
        if number:
            sleep(delays[min(number, len(delays)) - 1] if delays else 0.0)
            if clock() - received > max_age_s:
                return RetryEnd.EXPIRED
        if attempt(number):
            return RetryEnd.DONE
    return RetryEnd.EXHAUSTED
