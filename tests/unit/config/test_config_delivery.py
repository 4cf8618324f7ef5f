"""The delivery keys: defaults, every limit from both sides, and the cross-key rules."""

from __future__ import annotations

import pytest

from macie_notify.config import ConfigError, loads
from macie_notify.config.model import DigestConfig, StormThreshold

STACK = "stack:\n  name: demo\n"


def _notifications(body: str) -> str:
    return STACK + "notifications:\n" + "".join(f"  {line}\n" for line in body.splitlines())


def _at(text: str, path: str) -> list[str]:
    try:
        loads(text)
    except ConfigError as exc:
        return [p.message for p in exc.problems if p.path == path]
    return []


def test_defaults() -> None:
    n = loads(STACK).notifications
    assert n.delivery == "direct"
    assert n.reserved_concurrency == 2
    assert n.digest == DigestConfig(window_s=60, batch_size=100, max_receives=5)
    assert n.storm_threshold == StormThreshold(findings=50, minutes=5)
    assert n.storm_environment()["STORM_THRESHOLD"] == "50/5m"


def test_digest_is_read() -> None:
    n = loads(
        _notifications(
            "delivery: Digest\nreserved_concurrency: 3\n"
            "digest: {window_s: 10, batch_size: 25, max_receives: 2}\n"
            "storm_threshold: {findings: 7, minutes: 2}"
        )
    ).notifications
    assert n.delivery == "digest"
    assert n.reserved_concurrency == 3
    assert n.digest == DigestConfig(10, 25, 2)
    assert n.storm_environment()["STORM_THRESHOLD"] == "7/2m"


# (key line on the limit, key line one past it, path, message fragment)
LIMITS = [
    (
        "reserved_concurrency: 1",
        "reserved_concurrency: 0",
        "notifications.reserved_concurrency",
        "must be 1-900, got 0",
    ),
    (
        "reserved_concurrency: 900",
        "reserved_concurrency: 901",
        "notifications.reserved_concurrency",
        "must be 1-900, got 901",
    ),
    (
        "digest: {window_s: 300}",
        "digest: {window_s: 301}",
        "notifications.digest.window_s",
        "must be 0-300, got 301",
    ),
    (
        "digest: {window_s: 1, batch_size: 1}",
        "digest: {window_s: 1, batch_size: 0}",
        "notifications.digest.batch_size",
        "must be 1-10000, got 0",
    ),
    (
        "digest: {batch_size: 10000}",
        "digest: {batch_size: 10001}",
        "notifications.digest.batch_size",
        "must be 1-10000, got 10001",
    ),
    (
        "digest: {max_receives: 1}",
        "digest: {max_receives: 0}",
        "notifications.digest.max_receives",
        "must be 1-1000, got 0",
    ),
    (
        "digest: {max_receives: 1000}",
        "digest: {max_receives: 1001}",
        "notifications.digest.max_receives",
        "must be 1-1000, got 1001",
    ),
    (
        "digest: {window_s: 0, batch_size: 10}",
        "digest: {window_s: 0, batch_size: 11}",
        "notifications.digest.window_s",
        "at least 1 when batch_size is over 10",
    ),
    (
        "storm_threshold: {findings: 1}",
        "storm_threshold: {findings: 0}",
        "notifications.storm_threshold.findings",
        "must be 1-100000, got 0",
    ),
    (
        "storm_threshold: {findings: 100000}",
        "storm_threshold: {findings: 100001}",
        "notifications.storm_threshold.findings",
        "must be 1-100000, got 100001",
    ),
    (
        "storm_threshold: {minutes: 1}",
        "storm_threshold: {minutes: 0}",
        "notifications.storm_threshold.minutes",
        "must be 1-1440, got 0",
    ),
    (
        "storm_threshold: {minutes: 1440}",
        "storm_threshold: {minutes: 1441}",
        "notifications.storm_threshold.minutes",
        "must be 1-1440, got 1441",
    ),
]


@pytest.mark.parametrize(("ok", "bad", "path", "message"), LIMITS, ids=[r[1] for r in LIMITS])
def test_limits(ok: str, bad: str, path: str, message: str) -> None:
    assert _at(_notifications(ok), path) == []
    problems = _at(_notifications(bad), path)
    assert any(message in p for p in problems), problems


def test_delivery_choices() -> None:
    problems = _at(_notifications("delivery: batched"), "notifications.delivery")
    assert problems and "must be one of direct, digest" in problems[0]


def test_digest_needs_the_dead_letter_queue() -> None:
    text = _notifications("delivery: digest\ndead_letter_queue: false")
    problems = _at(text, "notifications.dead_letter_queue")
    assert problems == [
        "delivery: digest needs the dead-letter queue (the digest queue's redrive target)"
    ]
    assert (
        _at(
            _notifications("delivery: direct\ndead_letter_queue: false"),
            "notifications.dead_letter_queue",
        )
        == []
    )


def test_unknown_digest_key() -> None:
    with pytest.raises(ConfigError) as exc:
        loads(_notifications("digest: {window: 5}"))
    assert any(p.path.startswith("notifications.digest") for p in exc.value.problems)
