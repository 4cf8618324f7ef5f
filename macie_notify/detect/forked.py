"""Worker processes forked from the caller and fed over pipes.

Where the platform forks and the caller runs a single thread, :class:`~.pool.ScanPool`
uses these instead of ``concurrent.futures``: importing ``concurrent.futures`` and
``multiprocessing`` costs about 25 ms, a tenth of a short ``scan``'s wall time, and their
queue threads and locks buy nothing when every worker is a fork of this process. Each
worker has two pipes: tasks ``(fn, item)`` arrive pickled on one, and ``(ok, value)``
replies leave on the other. A worker holds at most one task, so the parent always knows
which task a reply answers, and a reply is the only thing in its pipe when ``select``
reports it.

Workers ignore SIGINT (Ctrl-C is the parent's to handle), exit when their task pipe
closes, and never run the parent's ``atexit`` handlers or flush its buffers
(``os._exit``).
"""

from __future__ import annotations

import gc
import os
import pickle
import select
import signal
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_PROTOCOL = pickle.HIGHEST_PROTOCOL
_IDLE = -1
_STALE = -2
"""A worker's task from a map that ended early: its reply is read and dropped."""


class WorkerLost(RuntimeError):
    """A worker process ended while it held a task (killed, out of memory)."""


class _Worker:
    __slots__ = ("pid", "reader", "task", "writer")

    def __init__(self, pid: int, writer: IO[bytes], reader: IO[bytes]) -> None:
        self.pid = pid
        self.writer = writer
        self.reader = reader
        self.task = _IDLE
        """Index of the task it holds, else _IDLE or _STALE."""

    def fileno(self) -> int:  # for select
        return self.reader.fileno()


class ForkedWorkers:
    """``jobs`` forked processes; each runs ``init()`` once, then the tasks it is sent."""

    def __init__(self, jobs: int, init: Callable[[], None]) -> None:
        self._workers: list[_Worker] = []
        self._lost: WorkerLost | None = None
        # Objects the workers inherit are left alone by their collector (no copy-on-write
        # of pages it would otherwise touch); this process collects them as before.
        gc.freeze()
        try:
            for _ in range(jobs):
                self._workers.append(self._start(init))
        except BaseException:
            self.terminate()
            raise
        finally:
            gc.unfreeze()

    def _start(self, init: Callable[[], None]) -> _Worker:
        task_r, task_w = os.pipe()
        reply_r, reply_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker: never returns
            code = 1
            try:
                os.close(task_w)
                os.close(reply_r)
                for other in self._workers:  # the other workers' pipe ends, inherited
                    other.writer.close()
                    other.reader.close()
                _serve(task_r, reply_w, init)
                code = 0
            finally:
                os._exit(code)
        os.close(task_r)
        os.close(reply_w)
        return _Worker(pid, os.fdopen(task_w, "wb"), os.fdopen(reply_r, "rb"))

    def map(self, fn: Callable[[T], R], items: Iterable[T], *, ahead: int) -> Iterator[R]:
        """``fn(item)`` for each item, in order, at most ``ahead`` items taken but not yet
        yielded; an exception raised by ``fn`` is raised here, in its place."""
        if self._lost is not None:
            raise self._lost
        source = iter(items)
        done: dict[int, tuple[bool, Any]] = {}
        taken = given = 0  # items taken from ``source``; results yielded
        exhausted = False
        try:
            while True:
                if not exhausted:
                    sent, exhausted = self._send(fn, source, taken, ahead - (taken - given))
                    taken += sent
                if given in done:
                    ok, value = done.pop(given)
                    given += 1
                    if not ok:
                        raise value
                    yield value
                elif exhausted and given == taken:
                    return
                else:
                    self._collect(done)
        finally:
            # Left early (an error, or the caller stopped reading): the replies still to
            # come answer this map, not the next one.
            for worker in self._workers:
                if worker.task >= 0:
                    worker.task = _STALE

    def _send(
        self, fn: Callable[[T], R], source: Iterator[T], first: int, room: int
    ) -> tuple[int, bool]:
        """Items of ``source`` (numbered from ``first``) to idle workers, at most ``room``;
        how many were sent, and whether ``source`` ran out."""
        sent = 0
        for worker in self._workers:
            if sent >= room:
                break
            if worker.task != _IDLE:
                continue
            try:
                item = next(source)
            except StopIteration:
                return sent, True
            task = pickle.dumps((fn, item), _PROTOCOL)  # an error here sends nothing
            worker.task = first + sent
            worker.writer.write(task)
            worker.writer.flush()
            sent += 1
        return sent, False

    def _collect(self, done: dict[int, tuple[bool, Any]]) -> None:
        """Wait for replies; each goes into ``done`` under its task's index."""
        busy = [w for w in self._workers if w.task != _IDLE]
        ready: list[_Worker] = select.select(busy, [], [])[0]
        for worker in ready:
            reply = self._reply(worker)
            if worker.task != _STALE:
                done[worker.task] = reply
            worker.task = _IDLE

    def _reply(self, worker: _Worker) -> tuple[bool, Any]:
        try:
            reply: tuple[bool, Any] = pickle.load(worker.reader)
        except (EOFError, pickle.UnpicklingError, OSError):
            _, status = os.waitpid(worker.pid, 0)
            worker.pid = 0
            how = (
                f"signal {-os.waitstatus_to_exitcode(status)}"
                if os.WIFSIGNALED(status)
                else f"exit code {os.waitstatus_to_exitcode(status)}"
            )
            # Its task is lost: this pool cannot give every result any more.
            self._lost = WorkerLost(f"a scan worker process ended unexpectedly ({how})")
            raise self._lost from None
        return reply

    def close(self) -> None:
        """Let the workers finish their task and exit; wait for them."""
        self._stop(kill=False)

    def terminate(self) -> None:
        """Stop the workers at once (Ctrl-C, an error)."""
        self._stop(kill=True)

    def _stop(self, *, kill: bool) -> None:
        for worker in self._workers:
            if kill and worker.pid:
                try:
                    os.kill(worker.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
            # A closed reply pipe also stops a worker blocked writing a reply nobody reads.
            for pipe in (worker.writer, worker.reader):
                try:
                    pipe.close()
                except OSError:  # a task half written to a worker that is gone
                    pass
        for worker in self._workers:
            if worker.pid:
                os.waitpid(worker.pid, 0)
                worker.pid = 0
        self._workers = []


def _serve(tasks: int, replies: int, init: Callable[[], None]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    init()
    with os.fdopen(tasks, "rb") as reader, os.fdopen(replies, "wb") as writer:
        while True:
            try:
                fn, item = pickle.load(reader)
            except EOFError:  # the parent closed the pool
                return
            try:
                reply: tuple[bool, Any] = (True, fn(item))
            except Exception as exc:  # raised again in the parent, in the task's place
                reply = (False, exc)
            try:
                data = pickle.dumps(reply, _PROTOCOL)
            except Exception as exc:  # an exception (or result) that does not pickle
                what = reply[1] if not reply[0] else exc
                failure = RuntimeError(f"{type(what).__name__}: {what} (in a scan worker)")
                data = pickle.dumps((False, failure), _PROTOCOL)
            try:
                writer.write(data)
                writer.flush()
            except BrokenPipeError:  # the parent stopped reading: it is closing
                return
