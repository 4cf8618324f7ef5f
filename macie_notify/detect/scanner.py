"""The compiled scanner behind the public API in :mod:`macie_notify.detect`."""

from __future__ import annotations

import fnmatch
import io
import itertools
import os
import select
import stat
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, TYPE_CHECKING, Any, NamedTuple

from macie_notify.detect.custom import CustomIdentifierSpec
from macie_notify.detect.engine import Engine
from macie_notify.detect.result import FileResult
from macie_notify.detect.selection import IdentifierSelection
from macie_notify.detect.sources import (
    PERMISSION_DENIED,
    UNPARSABLE,
    UNSUPPORTED,
    Limits,
    archive_type,
    scan_stream,
    skipped,
)

if TYPE_CHECKING:
    from macie_notify.detect.chunks import Chunk, ChunkResult
    from macie_notify.detect.pool import ScanPool

CHUNK_BYTES = 16 * 1024 * 1024
"""Bytes of a file per chunk: plain text of two chunks or more is scanned in chunks by the
workers (:mod:`.chunks`, imported only for such a file)."""
NOT_FOLLOWED = "SYMBOLIC_LINK_TO_FOLDER_NOT_FOLLOWED"
"""A symbolic link to a folder inside a scanned folder (following links could loop)."""
PIPE_TIMEOUT = "NO_DATA_FROM_PIPE"
"""A FIFO named on the command line that no program wrote to within ``pipe_wait``."""


class Entry(NamedTuple):
    """One input found under the scanned paths: a file to read, or why it is not read."""

    display: str
    full: str
    reason: str | None = None


class Scanner:
    """Selected managed identifiers plus custom ones, compiled once."""

    def __init__(
        self,
        identifiers: IdentifierSelection | None = None,
        custom: Sequence[CustomIdentifierSpec] = (),
        *,
        use_hyperscan: bool | None = None,
        limits: Limits | None = None,
        clock: Callable[[], float] = time.monotonic,
        pipe_wait: float = 10.0,
    ) -> None:
        self.selection = identifiers or IdentifierSelection()
        self.custom = tuple(custom)
        self._specs = {spec.name: spec for spec in self.custom}
        self.engine = Engine(self.selection.resolve(), self.custom, use_hyperscan=use_hyperscan)
        self.limits = limits or Limits()
        self.clock = clock
        self.pipe_wait = pipe_wait

    def __reduce__(self) -> tuple[Any, ...]:
        # Worker processes that do not fork rebuild the engine (Hyperscan's database comes
        # from the on-disk cache); compiled patterns themselves cannot be pickled.
        hyperscan = self.uses_hyperscan
        return (_rebuild, (self.selection, self.custom, hyperscan, self.limits, self.pipe_wait))

    @property
    def uses_hyperscan(self) -> bool:
        return self.engine.uses_hyperscan

    def not_evaluated_locally(self) -> tuple[str, ...]:
        return self.selection.not_evaluated_locally()

    def scan_file(
        self, stream: IO[bytes], *, name: str, seekable: bool = False
    ) -> Iterator[FileResult]:
        """One result per file or archive member read from a buffered binary stream."""
        results = scan_stream(
            self.engine, name, stream, limits=self.limits, seekable=seekable, clock=self.clock
        )
        for result in results:
            self._apply_severity(result)
            yield result

    def scan_bytes(self, data: bytes, *, name: str) -> FileResult:
        """One object; archive members merged into one result (Macie: a finding per object)."""
        stream = io.BufferedReader(io.BytesIO(data))
        results = list(self.scan_file(stream, name=name, seekable=True))
        if len(results) == 1 and results[0].path == name:
            results[0].bytes = len(data)
            return results[0]
        merged = FileResult(path=name, mime_type=archive_type(data) or "text/plain")
        for result in results:
            merged.merge(result)
        merged.bytes = len(data)
        self._apply_severity(merged)
        if results and all(r.status == "SKIPPED" for r in results):
            merged.status, merged.reason = "SKIPPED", results[0].reason
        return merged

    def _apply_severity(self, result: FileResult) -> None:
        for name, det in result.custom.items():
            spec = self._specs.get(name)
            det.severity = spec.severity_for(det.count) if spec else "MEDIUM"

    def scan_paths(
        self,
        paths: Iterable[str],
        *,
        exclude: Sequence[str] = (),
        stdin: IO[bytes] | None = None,
        on_file: Callable[[str, int], None] | None = None,
        jobs: int = 1,
    ) -> Iterator[FileResult]:
        """Every file under ``paths`` (``-`` is stdin) not matching an ``exclude`` glob, in
        a stable order whatever ``jobs`` is; with ``jobs`` > 1, files are scanned by that
        many worker processes (see :mod:`.pool`). Whatever is not read (unreadable folders,
        pipes, devices, links to folders) is a SKIPPED result with its reason."""
        roots = list(paths)
        walk: Iterator[Entry] | None = None
        if jobs > 1 and "-" not in roots:
            walk = _walk_all(roots, exclude)
            head = list(itertools.islice(walk, 2))
            if len(head) < 2 and not any(_in_chunks(entry) for entry in head):
                # Workers only pay off with something to share: a single file (not cut
                # into chunks) is scanned here, sooner than they would have started.
                jobs, walk = 1, iter(head)
            else:
                walk = itertools.chain(head, walk)
        if jobs <= 1:
            if walk is None:
                walk = (e for root in roots for e in self._entries(root, exclude, stdin))
            yield from self._scan_here(walk, stdin, on_file)
            return
        from macie_notify.detect.pool import ScanPool

        with ScanPool(self, jobs) as pool:
            if walk is not None:  # no stdin: every path in one stream of tasks
                yield from self._scan_entries(pool, walk, on_file)
                return
            run: list[str] = []  # paths given one after another share the workers
            for root in roots:
                if root != "-":
                    run.append(root)
                    continue
                yield from self._scan_entries(pool, _walk_all(run, exclude), on_file)
                run = []
                for entry in self._entries(root, exclude, stdin):  # read here, in its place
                    yield from self.scan_entry(entry, stdin)
            yield from self._scan_entries(pool, _walk_all(run, exclude), on_file)

    def _scan_here(
        self,
        entries: Iterable[Entry],
        stdin: IO[bytes] | None,
        on_file: Callable[[str, int], None] | None,
    ) -> Iterator[FileResult]:
        """``entries`` scanned in this process, one after another."""
        for entry in entries:
            if on_file is not None and entry.reason is None:
                on_file(entry.display, _size(entry.full))
            yield from self.scan_entry(entry, stdin)

    def _scan_entries(
        self,
        pool: ScanPool,
        entries: Iterable[Entry],
        on_file: Callable[[str, int], None] | None,
    ) -> Iterator[FileResult]:
        parts: list[ChunkResult] = []
        for task, done in pool.map(_scan_task, _tasks(entries)):
            if not isinstance(task, Entry):  # a chunk (the chunks module is loaded)
                from macie_notify.detect.chunks import ChunkResult, merge

                assert isinstance(done, ChunkResult)
                parts.append(done)
                if task.end is not None:
                    continue  # the file's last chunk is still to come
                whole = merge(task.display, parts)
                self._apply_severity(whole)
                parts, done = [], [whole]
            assert isinstance(done, list)
            if on_file is not None and (not isinstance(task, Entry) or task.reason is None):
                on_file(task.display, _size(task.full))
            yield from done

    def _entries(
        self, root: str, exclude: Sequence[str], stdin: IO[bytes] | None
    ) -> Iterator[Entry]:
        if root != "-":
            yield from _walk(root, exclude)
        elif stdin is not None:
            yield Entry("-", "-")

    def scan_entry(self, entry: Entry, stdin: IO[bytes] | None = None) -> list[FileResult]:
        """The results for one input (a list: archives give one per member)."""
        if entry.reason is not None:
            return [skipped(entry.display, entry.reason)]
        if entry.full == "-":
            return list(_compact(self.scan_file(stdin, name="-"))) if stdin is not None else []
        return list(_compact(self._scan_one(entry.display, entry.full)))

    def _scan_one(self, display: str, full: str) -> Iterator[FileResult]:
        try:
            handle = _open(full, self.pipe_wait)
        except PermissionError:
            yield skipped(display, PERMISSION_DENIED)
            return
        except TimeoutError:
            yield skipped(display, PIPE_TIMEOUT)
            return
        except OSError:
            yield skipped(display, UNPARSABLE)
            return
        with handle:
            try:
                yield from self.scan_file(handle, name=display, seekable=handle.seekable())
            except PermissionError:
                yield skipped(display, PERMISSION_DENIED)
            except OSError:
                yield skipped(display, UNPARSABLE)


def _compact(results: Iterable[FileResult]) -> Iterator[FileResult]:
    """Consecutive results with nothing to report (clean members of an archive) folded into
    one that counts them, so an archive of a million members is not a million objects."""
    clean: FileResult | None = None
    for result in results:
        if result.status == "COMPLETE" and not result.managed and not result.custom:
            if clean is None:
                clean = result
            else:
                clean.files += result.files
                clean.bytes += result.bytes
            continue
        if clean is not None:
            yield clean
            clean = None
        yield result
    if clean is not None:
        yield clean


def _rebuild(
    selection: IdentifierSelection,
    custom: tuple[CustomIdentifierSpec, ...],
    hyperscan: bool,
    limits: Limits,
    pipe_wait: float,
) -> Scanner:
    return Scanner(selection, custom, use_hyperscan=hyperscan, limits=limits, pipe_wait=pipe_wait)


def _walk_all(paths: Sequence[str], exclude: Sequence[str]) -> Iterator[Entry]:
    return (entry for path in paths for entry in _walk(path, exclude))


def _chunks(entry: Entry) -> list[Chunk] | None:
    """The chunks of a file large enough to be scanned in chunks by the workers, else None."""
    if entry.reason is not None or _size(entry.full) < 2 * CHUNK_BYTES:
        return None
    from macie_notify.detect.chunks import plan

    return plan(entry.display, entry.full, CHUNK_BYTES)


def _in_chunks(entry: Entry) -> bool:
    return _chunks(entry) is not None


def _tasks(entries: Iterable[Entry]) -> Iterator[Entry | Chunk]:
    """Files as they are, large plain-text files as their chunks."""
    for entry in entries:
        chunks = _chunks(entry)
        if chunks is None:
            yield entry
        else:
            yield from chunks


def _scan_task(
    scanner: Scanner, task: Entry | Chunk
) -> tuple[Entry | Chunk, list[FileResult] | ChunkResult]:
    if isinstance(task, Entry):
        return task, scanner.scan_entry(task)
    from macie_notify.detect.chunks import scan_chunk

    return task, scan_chunk(scanner, task)


def _open(path: str, pipe_wait: float) -> IO[bytes]:
    """``open(path, "rb")``, except that a FIFO nobody writes to does not block forever:
    it is opened without blocking and read only once data (or its end) arrives."""
    try:
        is_fifo = stat.S_ISFIFO(os.stat(path).st_mode)
    except OSError:
        is_fifo = False
    if not is_fifo:
        return open(path, "rb")
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        ready, _, _ = select.select([fd], [], [], pipe_wait)
        if not ready:
            raise TimeoutError(path)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _excluded(rel: str, patterns: Sequence[str]) -> bool:
    base = rel.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(base, p) for p in patterns)


def _walk(root: str, exclude: Sequence[str]) -> Iterator[Entry]:
    """Every input under ``root``, in name order; paths are relative to ``root`` when it is
    a folder. A path named on the command line is read whatever it is (``<(cmd)`` is a
    pipe); inside folders, pipes, sockets and devices (which would block or never end) and
    links to folders are reported, not read."""
    if not os.path.isdir(root):
        if not _excluded(os.path.basename(root), exclude):
            yield Entry(os.path.basename(root) or root, root)
        return
    yield from _walk_folder(root, ".", exclude)


def _walk_folder(folder: str, rel_folder: str, exclude: Sequence[str]) -> Iterator[Entry]:
    try:
        with os.scandir(folder) as listing:
            children = sorted(listing, key=lambda e: e.name)
    except PermissionError:
        yield Entry(_join(rel_folder, "") or rel_folder, folder, PERMISSION_DENIED)
        return
    except OSError:
        yield Entry(_join(rel_folder, "") or rel_folder, folder, UNPARSABLE)
        return
    for child in children:
        rel = _join(rel_folder, child.name)
        if _is_folder(child):
            if _excluded(rel + "/", exclude) or _excluded(rel, exclude):
                continue
            if child.is_symlink():
                yield Entry(rel + "/", child.path, NOT_FOLLOWED)
            else:
                yield from _walk_folder(child.path, rel, exclude)
            continue
        if _excluded(rel, exclude):
            continue
        yield Entry(rel, child.path, UNSUPPORTED if _special(child.path) else None)


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _special(path: str) -> bool:
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False  # dangling link or vanished file: reported when opened
    return not stat.S_ISREG(mode)


def _join(folder: str, name: str) -> str:
    """``folder/name`` with forward slashes; a folder itself (``name == ""``) ends in ``/``."""
    return name if folder == "." else f"{folder.replace(os.sep, '/')}/{name}"


_DEFAULT_SCANNERS: dict[tuple[object, ...], Scanner] = {}


def scan_bytes(
    data: bytes,
    *,
    name: str,
    identifiers: IdentifierSelection | None = None,
    custom: Sequence[CustomIdentifierSpec] = (),
) -> FileResult:
    """Scan one object held in memory (the emulator's entry point); compiled engines are cached."""
    return default_scanner(identifiers, custom).scan_bytes(data, name=name)


def default_scanner(
    identifiers: IdentifierSelection | None = None, custom: Sequence[CustomIdentifierSpec] = ()
) -> Scanner:
    """The scanner for these identifiers, compiled once and cached (the emulator's jobs)."""
    key = (identifiers or IdentifierSelection(), tuple(custom))
    scanner = _DEFAULT_SCANNERS.get(key)
    if scanner is None:
        if len(_DEFAULT_SCANNERS) > 32:
            _DEFAULT_SCANNERS.clear()
        scanner = _DEFAULT_SCANNERS[key] = Scanner(key[0], key[1])
    return scanner


def scan_paths(
    paths: Iterable[str],
    *,
    identifiers: IdentifierSelection | None = None,
    custom: Sequence[CustomIdentifierSpec] = (),
    exclude: Sequence[str] = (),
) -> Iterator[FileResult]:
    """Scan files and folders; one result per file or archive member."""
    return Scanner(identifiers, custom).scan_paths(paths, exclude=exclude)
