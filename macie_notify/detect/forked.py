"""Worker processes forked from the caller and fed over pipes.

Where the platform forks and the caller runs a single thread, :class:`~.pool.ScanPool`
uses these instead of ``concurrent.futures``: importing ``concurrent.futures`` and
``multiprocessing`` costs about 25 ms, a tenth of a short ``scan``'s wall time, and their
queue threads and locks buy nothing when every worker is a fork of this process.

Each worker has two pipes: tasks ``(fn, item)`` arrive on one, replies ``(ok, value)``
leave on the other, each message a length and a pickle. A worker holds at most one task,
so the parent knows which task a reply answers, and reads it whole before unpickling it
(a reply that does not unpickle is that task's error, not a pipe out of step). A pool runs
one map at a time. Anything that breaks a message half way (a worker that dies, Ctrl-C
while a message is written or read) breaks the pool: it refuses further maps, and
``terminate`` cleans up. Ctrl-C while waiting for replies leaves it whole.

Workers ignore SIGINT (Ctrl-C is the parent's to handle), take SIGTERM's default action,
exit when their task pipe closes (also when the parent is killed), and never run the
parent's ``atexit`` handlers or flush its buffers (``os._exit``).
"""

from __future__ import annotations

import gc
import os
import select
import signal
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import IO, Any, TypeVar

from macie_notify.errors import MacieNotifyError

try:  # CPython's accelerator alone: the pickle module around it costs 1.2 ms to import
    from _pickle import dumps, loads
except ImportError:  # pragma: no cover - other interpreters
    from pickle import dumps, loads

T = TypeVar("T")
R = TypeVar("R")

_PROTOCOL = -1
"""The highest pickle protocol."""
_HEADER = 8
"""Bytes of the length before each message."""
_IDLE = -1
_STALE = -2
"""A worker's task from a map that ended early: its reply is read and dropped."""

_LIVE: weakref.WeakSet[ForkedWorkers] = weakref.WeakSet()
"""Pools of this process: a new worker closes their pipe ends, or their workers would
never see the end of their task pipe."""


class WorkerLost(MacieNotifyError):
    """A worker process ended while it held a task (killed, out of memory), or a message
    was cut half way: the pool cannot give every result any more."""


_GONE = (EOFError, BrokenPipeError, ConnectionResetError)
"""What reading or writing a pipe raises when the worker at its other end has ended."""


class _Worker:
    __slots__ = ("pid", "reader", "task", "writer")

    def __init__(self, pid: int, writer: IO[bytes], reader: IO[bytes]) -> None:
        self.pid = pid
        self.writer = writer
        self.reader = reader
        self.task = _IDLE
        """Index of the task it holds, else _IDLE or _STALE."""

    def close(self) -> None:
        for pipe in (self.writer, self.reader):
            try:
                pipe.close()
            except OSError:  # a task half written to a worker that is gone
                pass


class ForkedWorkers:
    """``jobs`` forked processes; each runs ``init()`` once, then the tasks it is sent."""

    def __init__(self, jobs: int, init: Callable[[], None]) -> None:
        self._workers: list[_Worker] = []
        self._lost: WorkerLost | None = None
        self._mapping = False
        _LIVE.add(self)
        # Objects the workers inherit are left alone by their collector (no copy-on-write
        # of pages it would otherwise touch); this process collects them as before.
        freezing = gc.get_freeze_count() == 0  # a caller's own freeze is left alone
        if freezing:
            gc.freeze()
        try:
            for _ in range(jobs):
                self._workers.append(self._start(init))
        except BaseException:
            self.terminate()
            raise
        finally:
            if freezing:
                gc.unfreeze()

    def _start(self, init: Callable[[], None]) -> _Worker:
        task_r, task_w = os.pipe()
        reply_r, reply_w = os.pipe()
        try:
            pid = os.fork()
        except BaseException:
            for fd in (task_r, task_w, reply_r, reply_w):
                os.close(fd)
            raise
        if pid == 0:  # the worker: never returns
            code = 1
            try:
                os.close(task_w)
                os.close(reply_r)
                for pool in list(_LIVE):  # every pool's pipe ends, this one's included
                    for other in pool._workers:
                        other.close()
                _serve(task_r, reply_w, init)
                code = 0
            except BaseException:  # init failed (or worse): say why before going
                import traceback

                traceback.print_exc()
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
        if self._mapping:  # replies are numbered per map: two at once would mix them up
            raise RuntimeError("a ForkedWorkers pool runs one map at a time")
        self._mapping = True
        ahead = max(1, ahead)
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
            self._mapping = False
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
            task = dumps((fn, item), _PROTOCOL)  # an error here sends nothing
            with self._breaking(worker):  # numbered and sent, or the pool is broken
                worker.task = first + sent
                _write(worker.writer, task)
            sent += 1
        return sent, False

    def _collect(self, done: dict[int, tuple[bool, Any]]) -> None:
        """Wait for replies; each goes into ``done`` under its task's index."""
        busy = {w.reader.fileno(): w for w in self._workers if w.task != _IDLE}
        for fd in _wait(list(busy)):  # interrupted here, no message is half read
            worker = busy[fd]
            with self._breaking(worker):  # read whole and the worker idle, or broken
                data = _read(worker.reader)
                index, worker.task = worker.task, _IDLE
            try:
                reply: tuple[bool, Any] = loads(data)
            except Exception as exc:  # a result or error that does not unpickle here
                reply = (False, RuntimeError(f"a scan worker's reply did not unpickle: {exc}"))
            if index != _STALE:
                done[index] = reply

    @contextmanager
    def _breaking(self, worker: _Worker) -> Iterator[None]:
        """Around a message's pipe I/O: an exception there (a worker gone, Ctrl-C half way
        through) breaks the pool; a worker gone is raised as :class:`WorkerLost`, anything
        else as itself."""
        try:
            yield
        except BaseException as exc:
            self._lose(worker, exc)
            if isinstance(exc, _GONE):  # say the worker ended, not EPIPE or EOF
                assert self._lost is not None
                raise self._lost from None
            raise

    def _lose(self, worker: _Worker, exc: BaseException) -> None:
        """The pool is broken: say why (a worker that ended, or a message cut short)."""
        if self._lost is not None:
            return
        if not isinstance(exc, _GONE):
            self._lost = WorkerLost(
                f"the scan worker pool was interrupted in the middle of a message "
                f"({type(exc).__name__})"
            )
            return
        code = _reap(worker)
        if code is not None and code < 0:
            self._lost = WorkerLost(
                f"a scan worker process ended unexpectedly (signal {-code})",
                hint="the system may have stopped it for lack of memory: try fewer --jobs",
            )
        else:
            how = f"exit code {code}" if code is not None else "exit status unknown"
            self._lost = WorkerLost(
                f"a scan worker process ended unexpectedly ({how})",
                hint="its error, if any, is on stderr above",
            )

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
            worker.close()
        for worker in self._workers:
            _reap(worker)
        self._workers = []
        _LIVE.discard(self)


def _reap(worker: _Worker) -> int | None:
    """Wait for a worker that has ended or is ending; its exit code (negative: the signal
    that ended it), None when unknown (already reaped, or SIGCHLD ignored)."""
    if not worker.pid:
        return None
    pid, worker.pid = worker.pid, 0
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return None
    return os.waitstatus_to_exitcode(status)


def _wait(fds: list[int]) -> list[int]:
    """The descriptors ready to read (``poll`` where it exists: no limit on fd numbers)."""
    if hasattr(select, "poll"):
        poller = select.poll()
        for fd in fds:
            poller.register(fd, select.POLLIN)
        return [fd for fd, _ in poller.poll()]
    return list(select.select(fds, [], [])[0])


def _write(pipe: IO[bytes], data: bytes) -> None:
    pipe.write(len(data).to_bytes(_HEADER, "little"))
    pipe.write(data)
    pipe.flush()


def _read(pipe: IO[bytes]) -> bytes:
    """One whole message; EOFError if the pipe ends before it does."""
    header = pipe.read(_HEADER)
    if len(header) < _HEADER:
        raise EOFError
    size = int.from_bytes(header, "little")
    data = pipe.read(size)
    if len(data) < size:
        raise EOFError
    return data


def _serve(tasks: int, replies: int, init: Callable[[], None]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # whatever the parent made of it
    init()
    with os.fdopen(tasks, "rb") as reader, os.fdopen(replies, "wb") as writer:
        while True:
            try:
                message = _read(reader)
            except EOFError:  # the parent closed the pool (or is gone)
                return
            try:
                fn, item = loads(message)
                reply: tuple[bool, Any] = (True, fn(item))
            except Exception as exc:  # raised again in the parent, in the task's place
                reply = (False, exc)
            try:
                data = dumps(reply, _PROTOCOL)
            except Exception as exc:  # an exception (or result) that does not pickle
                what = reply[1] if not reply[0] else exc
                failure = RuntimeError(f"{type(what).__name__}: {what} (in a scan worker)")
                data = dumps((False, failure), _PROTOCOL)
            try:
                _write(writer, data)
            except BrokenPipeError:  # the parent stopped reading: it is closing
                return
