"""Forked workers: results in order, errors in their place, no hang when a worker dies or
the caller stops reading."""

from __future__ import annotations

import gc
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

import pytest

from macie_notify.detect.forked import ForkedWorkers, WorkerLost

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="fork only")

_STATE: dict[str, int] = {}


def _init() -> None:
    _STATE["pid"] = os.getpid()


def _square_slowly(n: int) -> int:
    time.sleep(0.002 * (n % 3))  # replies arrive out of order
    return n * n


def _where(_: int) -> tuple[int, int]:
    return _STATE["pid"], os.getpid()


def _fail_on_three(n: int) -> int:
    if n == 3:
        raise ValueError("three")
    return n


def _die(n: int) -> int:
    if n == 1:
        os.kill(os.getpid(), signal.SIGKILL)
    return n


def _big(n: int) -> bytes:
    return bytes(1_000_000)  # larger than a pipe's buffer


class _Unpicklable(Exception):
    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("no pickling")


def _raise_unpicklable(n: int) -> int:
    raise _Unpicklable("odd")


def test_results_come_in_order_from_every_worker() -> None:
    workers = ForkedWorkers(3, _init)
    try:
        assert list(workers.map(_square_slowly, range(40), ahead=5)) == [n * n for n in range(40)]
        pids = set(workers.map(_where, range(30), ahead=6))
    finally:
        workers.close()
    assert len(pids) >= 2  # the work is shared
    assert all(init == served != os.getpid() for init, served in pids)  # init ran there


def test_an_error_that_does_not_pickle_still_arrives() -> None:
    workers = ForkedWorkers(1, _init)
    with pytest.raises(RuntimeError, match="_Unpicklable: odd"):
        list(workers.map(_raise_unpicklable, [1], ahead=1))
    workers.close()


def test_a_worker_killed_mid_task_is_reported() -> None:
    workers = ForkedWorkers(2, _init)
    with pytest.raises(WorkerLost, match="signal 9"):
        list(workers.map(_die, range(4), ahead=4))
    with pytest.raises(WorkerLost):  # at once: the pool cannot give every result any more
        list(workers.map(_die, [0], ahead=1))
    workers.terminate()


def test_an_item_that_does_not_pickle_is_raised_and_sends_nothing() -> None:
    workers = ForkedWorkers(1, _init)
    with pytest.raises((TypeError, AttributeError, pickle.PicklingError)):
        items: list[Any] = [2, lambda: None, 3]
        list(workers.map(_square_slowly, items, ahead=1))
    assert list(workers.map(_square_slowly, [4], ahead=1)) == [16]
    workers.close()


def test_closing_while_large_replies_are_unread_does_not_hang() -> None:
    workers = ForkedWorkers(2, _init)
    results = workers.map(_big, range(10), ahead=4)
    assert len(next(results)) == 1_000_000
    started = time.monotonic()
    workers.close()  # two workers are blocked writing replies nobody reads
    assert time.monotonic() - started < 5


def test_terminate_stops_busy_workers() -> None:
    workers = ForkedWorkers(2, _init)
    results = workers.map(time.sleep, [0, 30, 30], ahead=3)
    assert next(results) is None  # both workers now sleep for 30 s
    pids = [w.pid for w in workers._workers]
    started = time.monotonic()
    workers.terminate()
    assert time.monotonic() - started < 5
    for pid in pids:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # reaped


def test_the_parent_collector_is_left_as_it_was() -> None:
    ForkedWorkers(1, _init).close()
    assert gc.get_freeze_count() == 0  # frozen for the fork only
    gc.freeze()  # a caller's own freeze is kept
    try:
        before = gc.get_freeze_count()
        ForkedWorkers(1, _init).close()
        assert gc.get_freeze_count() == before > 0
    finally:
        gc.unfreeze()


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as status:
            return any(line.split() == ["State:", "Z", "(zombie)"] for line in status)
    except FileNotFoundError:
        return True


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc")
def test_workers_exit_when_their_parent_is_killed() -> None:
    """A scan killed with SIGKILL (no cleanup) leaves no worker behind: each finds its task
    pipe closed once its current task ends."""
    script = (
        "import os, signal, sys, time\n"
        "from macie_notify.detect.forked import ForkedWorkers\n"
        "workers = ForkedWorkers(2, lambda: None)\n"
        "results = workers.map(time.sleep, [0.0, 0.3, 0.3, 0.3], ahead=4)\n"
        "next(results)\n"
        "print(' '.join(str(w.pid) for w in workers._workers), flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    with tempfile.TemporaryFile("w+") as out:  # not a pipe: the workers would hold it open
        done = subprocess.run([sys.executable, "-c", script], stdout=out, timeout=60)
        out.seek(0)
        pids = [int(p) for p in out.read().split()]
    assert done.returncode == -signal.SIGKILL
    assert len(pids) == 2
    deadline = time.monotonic() + 10
    while not all(_gone(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(_gone(pid) for pid in pids)


class _OddError(Exception):
    """Pickles, but does not unpickle: its ``__init__`` takes two arguments, ``args`` one."""

    def __init__(self, first: str, second: str) -> None:
        super().__init__(first)


def _raise_odd(n: int) -> int:
    if n == 3:
        raise _OddError("odd", "error")
    return n


@pytest.mark.parametrize(
    ("fn", "error", "before"),
    [
        (_fail_on_three, "ValueError: three", [0, 1, 2]),
        # A reply that does not unpickle is that task's error, and the pipe stays in step.
        (_raise_odd, "RuntimeError: a scan worker's reply did not unpickle", [0, 1, 2]),
    ],
)
def test_an_error_is_raised_in_its_place(
    fn: Callable[[int], int], error: str, before: list[int]
) -> None:
    workers = ForkedWorkers(2, _init)
    got: list[int] = []
    with pytest.raises(Exception) as raised:
        for value in workers.map(fn, range(10), ahead=4):
            got.append(value)
    assert f"{raised.type.__name__}: {raised.value}".startswith(error)
    assert got == before
    assert list(workers.map(fn, [5, 6], ahead=2)) == [5, 6]  # still usable, in step
    workers.close()


def test_one_map_at_a_time() -> None:
    workers = ForkedWorkers(2, _init)
    first = workers.map(_square_slowly, range(6), ahead=4)
    assert next(first) == 0
    with pytest.raises(RuntimeError, match="one map at a time"):
        next(workers.map(_square_slowly, [7], ahead=1))
    assert list(first) == [1, 4, 9, 16, 25]  # the first one's replies were not taken
    assert list(workers.map(_square_slowly, [7], ahead=1)) == [49]
    workers.close()


def _run(script: str) -> subprocess.CompletedProcess[str]:
    """``script`` in a fresh single-threaded interpreter (a hang fails after 60 s)."""
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )


def test_closing_one_pool_while_another_lives_does_not_hang() -> None:
    """The second pool's workers must not keep the first pool's task pipes open."""
    script = (
        "from macie_notify.detect.forked import ForkedWorkers\n"
        "a = ForkedWorkers(1, lambda: None)\n"
        "b = ForkedWorkers(1, lambda: None)\n"
        "a.close()\n"
        "print(list(b.map(abs, [-1, -2], ahead=2)))\n"
        "b.close()\n"
    )
    assert _run(script).stdout.strip() == "[1, 2]"


def test_a_single_threaded_scan_pool_forks_its_workers() -> None:
    """Under pytest-xdist the test process runs threads, so ScanPool starts fresh workers
    there; a plain process (the CLI) forks them, with the same results."""
    script = (
        "from macie_notify.detect import IdentifierSelection, Scanner\n"
        "from macie_notify.detect.pool import ScanPool\n"
        "scanner = Scanner(IdentifierSelection(), [])\n"
        "line = b'SSN: 536-22-8726 card 4916 3385 0608 2832\\n'\n"
        "items = [(f'k{i}', line * i) for i in range(5)]\n"
        "with ScanPool(scanner, jobs=2) as pool:\n"
        "    pooled = list(pool.scan_objects(items, ahead=3))\n"
        "here = [scanner.scan_bytes(data, name=name) for name, data in items]\n"
        "same = [r.classification_result() for r in pooled] == "
        "[r.classification_result() for r in here]\n"
        "print(pool.method, same, sum(r.has_findings for r in pooled))\n"
    )
    assert _run(script).stdout.split() == ["fork", "True", "4"]
