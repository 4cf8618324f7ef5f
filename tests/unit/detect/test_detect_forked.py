"""Forked workers: results in order, errors in their place, no hang when a worker dies or
the caller stops reading."""

from __future__ import annotations

import gc
import os
import pickle
import signal
import time

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


def test_an_error_is_raised_in_its_place() -> None:
    workers = ForkedWorkers(2, _init)
    got: list[int] = []
    with pytest.raises(ValueError, match="three"):
        for value in workers.map(_fail_on_three, range(10), ahead=4):
            got.append(value)
    assert got == [0, 1, 2]
    assert list(workers.map(_fail_on_three, [5, 6], ahead=2)) == [5, 6]  # still usable
    workers.close()


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
        list(workers.map(_square_slowly, [2, lambda: None, 3], ahead=1))  # type: ignore[list-item]
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
    before = gc.get_freeze_count()
    ForkedWorkers(1, _init).close()
    assert gc.get_freeze_count() == before


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
    import subprocess
    import sys

    script = (
        "import os, signal, sys, time\n"
        "from macie_notify.detect.forked import ForkedWorkers\n"
        "workers = ForkedWorkers(2, lambda: None)\n"
        "results = workers.map(time.sleep, [0.0, 0.3, 0.3, 0.3], ahead=4)\n"
        "next(results)\n"
        "print(' '.join(str(w.pid) for w in workers._workers), flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == -signal.SIGKILL
    pids = [int(p) for p in done.stdout.split()]
    assert len(pids) == 2
    deadline = time.monotonic() + 10
    while not all(_gone(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(_gone(pid) for pid in pids)
