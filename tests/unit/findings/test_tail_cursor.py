"""The tail's cursor with exact timestamps: shared milliseconds, late arrivals at the
cursor's own time, policy findings counting up, restarts (a hand-written fake macie2)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from findings_fakes import BASE, FakeMacie, finding

from macie_notify.errors import UsageError
from macie_notify.findings.criteria import Filters
from macie_notify.findings.tail import Checkpoint, Cursor, Tailer
from tests.conftest import FakeClock


def make(
    fake: FakeMacie, plan: list[Callable[[], None]], **kw: Any
) -> tuple[Tailer, list[tuple[str, int]], list[float]]:
    clock = FakeClock(BASE)
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock.advance(seconds)
        if plan:
            plan.pop(0)()

    printed: list[tuple[str, int]] = []
    t = Tailer(
        fake,
        Filters().criteria(),
        since=kw.pop("since", datetime(2026, 1, 1, tzinfo=timezone.utc)),
        interval=10,
        clock=clock,
        sleep=sleep,
        note=lambda _: None,
        **kw,
    )
    return t, printed, sleeps


def run(t: Tailer, printed: list[tuple[str, int]]) -> None:
    t.run(lambda f: printed.append((f["id"], f["count"])))


def test_findings_sharing_a_millisecond_across_polls_print_once() -> None:
    fake = FakeMacie(shuffle_get=True)
    for n in range(120):  # 120 findings in one millisecond: three pages
        fake.put(finding(f"a{n:03d}", 500))

    def more_at_the_same_millisecond() -> None:
        for n in range(120, 180):
            fake.put(finding(f"a{n:03d}", 500))

    def later() -> None:
        fake.put(finding("b000", 900))

    t, printed, sleeps = make(fake, [more_at_the_same_millisecond, later], duration=30)
    run(t, printed)
    assert sorted(i for i, _ in printed) == [f"a{n:03d}" for n in range(180)] + ["b000"]
    assert len(printed) == 181
    assert sleeps == [10, 10, 10]
    assert t.cursor.at > 0 and list(t.cursor.seen) == ["b000"]
    # Four polls; only the backlog's is sized with GetFindingStatistics.
    assert fake.calls.count("GetFindingStatistics") == 1


def test_a_policy_finding_counting_up_prints_each_update_once() -> None:
    fake = FakeMacie()
    fake.put(finding("p", 100, type="Policy:IAMUser/S3BucketPublic"))
    plan = [
        lambda: fake.put(finding("p", 100, count=2, type="Policy:IAMUser/S3BucketPublic")),
        lambda: None,
        lambda: fake.put(finding("p", 700, count=3, type="Policy:IAMUser/S3BucketPublic")),
    ]
    t, printed, _ = make(fake, plan, duration=40)
    run(t, printed)
    # Count 2 arrived within the same millisecond as count 1: still a new occurrence.
    assert printed == [("p", 1), ("p", 2), ("p", 3)]


def test_since_excludes_older_findings() -> None:
    fake = FakeMacie()
    fake.put(finding("old", 0))
    fake.put(finding("new", 5000))
    t, printed, _ = make(fake, [], since=datetime(2026, 3, 1, 12, 0, 1, tzinfo=timezone.utc))
    t.duration = 0
    run(t, printed)
    assert printed == [("new", 1)]


def test_max_findings_then_restart_from_checkpoint(tmp_path: Path) -> None:
    fake = FakeMacie()
    for n in range(10):
        fake.put(finding(f"x{n}", 300))
    path = tmp_path / "tail.json"
    t1, first, _ = make(fake, [], checkpoint=Checkpoint(path), max_findings=6)
    run(t1, first)
    assert len(first) == 6
    data = json.loads(path.read_text())
    assert data["cursor"] == t1.cursor.at and sorted(data["seen"]) == sorted(i for i, _ in first)
    t2, second, _ = make(fake, [], checkpoint=Checkpoint(path), duration=0)
    assert t2.resumed
    run(t2, second)
    assert sorted(first + second) == sorted((f"x{n}", 1) for n in range(10))


def test_cursor_round_trips_and_rejects_other_files(tmp_path: Path) -> None:
    cursor = Cursor(123, {"a": (123, 2)})
    assert Cursor.from_json(json.loads(json.dumps(cursor.to_json()))) == cursor
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 9, "cursor": 1}')
    with pytest.raises(UsageError, match="is not a findings tail checkpoint"):
        Checkpoint(bad).load()
    assert Checkpoint(tmp_path / "missing.json").load() is None


def test_cursor_is_new_only_past_what_it_printed() -> None:
    cursor = Cursor(0)
    first = finding("f", 10)
    assert cursor.is_new(first)
    cursor.advance(first)
    assert not cursor.is_new(first)
    assert cursor.is_new(finding("f", 10, count=2))  # counted up in the same millisecond
    assert cursor.is_new(finding("g", 10))
    cursor.advance(finding("h", 20))
    assert cursor.seen == {"h": (cursor.at, 1)}
