"""Worker processes that scan with one :class:`~macie_notify.detect.scanner.Scanner`.

``scan`` and the local classification jobs share this pool: files (or objects held in
memory) are handed to ``jobs`` processes, each with its own copy of the compiled engine, and
results come back in submission order, so the output does not depend on the number of
workers. Matching is CPU-bound Python and Hyperscan work, so processes (not threads) are
what uses every core.

Where the platform forks and the caller runs no other thread, workers are forked
(:mod:`.forked`) and share the parent's compiled engine copy-on-write (no recompiling);
elsewhere (Windows, a threaded server such as the local AWS) a ``concurrent.futures``
process pool starts them fresh, and they rebuild the engine, loading Hyperscan's database
from the on-disk cache. Workers ignore SIGINT: Ctrl-C is the parent's to handle, and it
stops them.
"""

from __future__ import annotations

import functools
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from macie_notify.detect.heap import keep_large_buffers

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

    from macie_notify.detect.forked import ForkedWorkers
    from macie_notify.detect.result import FileResult
    from macie_notify.detect.scanner import Scanner

T = TypeVar("T")
R = TypeVar("R")

_SCANNER: Scanner | None = None
"""The worker process's scanner (set by :func:`_init`)."""


def default_jobs() -> int:
    """One worker per CPU this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def _init(scanner: Scanner) -> None:
    global _SCANNER
    keep_large_buffers()
    _SCANNER = scanner


def _init_fresh(scanner: Scanner) -> None:
    """A worker of the ``concurrent.futures`` pool (forked workers ignore SIGINT already)."""
    import signal  # imported by workers: a one-file scan uses this module for default_jobs

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _init(scanner)


def _worker_scanner() -> Scanner:
    assert _SCANNER is not None, "called outside a ScanPool worker"
    return _SCANNER


def _scan_object(scanner: Scanner, item: tuple[str, bytes]) -> FileResult:
    name, data = item
    return scanner.scan_bytes(data, name=name)


def _call(fn: Callable[[Scanner, Any], Any], arg: Any) -> Any:
    return fn(_worker_scanner(), arg)


class ScanPool:
    """``jobs`` worker processes scanning with ``scanner``; use as a context manager.

    :meth:`map` runs a module-level function ``fn(scanner, item)`` over items, yielding
    results in order with at most ``ahead`` items taken but not yet yielded (bounded
    memory for long inputs); :meth:`scan_objects` is that for objects held in memory (what
    a classification job reads from S3).
    """

    def __init__(self, scanner: Scanner, jobs: int | None = None) -> None:
        self.scanner = scanner
        self.jobs = max(1, jobs or default_jobs())
        self._forked: ForkedWorkers | None = None
        self._executor: ProcessPoolExecutor | None = None
        # fork copies every thread's locks as they are: only safe single-threaded.
        if hasattr(os, "fork") and threading.active_count() == 1:
            from macie_notify.detect.forked import ForkedWorkers

            self.method = "fork"
            self._forked = ForkedWorkers(self.jobs, functools.partial(_init, scanner))
            return
        # Imported here: the forked workers, ``default_jobs`` and a scan of one file need
        # neither (~25 ms).
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("forkserver" if "forkserver" in methods else None)
        self.method = context.get_start_method()
        if self.method == "forkserver":
            # Workers fork from a server that has the engine's modules imported already
            # (it starts once per process: later pools start in about 0.1 s).
            context.set_forkserver_preload(["macie_notify.detect.scanner"])
        self._executor = ProcessPoolExecutor(
            self.jobs, mp_context=context, initializer=_init_fresh, initargs=(scanner,)
        )

    def __enter__(self) -> ScanPool:
        return self

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        if kind is None:
            self.close()
        else:
            self.terminate()

    def scan_objects(
        self, items: Iterable[tuple[str, bytes]], *, ahead: int | None = None
    ) -> Iterator[FileResult]:
        """:meth:`Scanner.scan_bytes` of each ``(name, data)``, in order."""
        return self.map(_scan_object, items, ahead=ahead)

    def map(
        self, fn: Callable[[Scanner, T], R], items: Iterable[T], *, ahead: int | None = None
    ) -> Iterator[R]:
        limit = ahead or self.jobs * 4
        if self._forked is not None:
            return self._forked.map(functools.partial(_call, fn), items, ahead=limit)
        return self._executor_map(fn, items, limit)

    def _executor_map(
        self, fn: Callable[[Scanner, T], R], items: Iterable[T], limit: int
    ) -> Iterator[R]:
        assert self._executor is not None
        window: deque[Future[R]] = deque()
        for item in items:
            window.append(self._executor.submit(_call, fn, item))
            if len(window) >= limit:
                yield window.popleft().result()
        while window:
            yield window.popleft().result()

    def close(self) -> None:
        if self._forked is not None:
            self._forked.close()
        if self._executor is not None:
            self._executor.shutdown(wait=True)

    def terminate(self) -> None:
        """Stop at once (Ctrl-C, an error): queued work is dropped, workers are killed."""
        if self._forked is not None:
            self._forked.terminate()
        if self._executor is None:
            return
        processes = list(getattr(self._executor, "_processes", {}).values())
        self._executor.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=5)
