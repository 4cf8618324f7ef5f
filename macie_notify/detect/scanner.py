"""The compiled scanner behind the public API in :mod:`macie_notify.detect`."""

from __future__ import annotations

import fnmatch
import io
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO

from macie_notify.detect.custom import CustomIdentifierSpec
from macie_notify.detect.engine import Engine
from macie_notify.detect.result import FileResult
from macie_notify.detect.selection import IdentifierSelection
from macie_notify.detect.sources import (
    PERMISSION_DENIED,
    UNPARSABLE,
    Limits,
    archive_type,
    scan_stream,
    skipped,
)


class Scanner:
    """Selected managed identifiers plus custom ones, compiled once."""

    def __init__(
        self,
        identifiers: IdentifierSelection | None = None,
        custom: Sequence[CustomIdentifierSpec] = (),
        *,
        use_hyperscan: bool | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.selection = identifiers or IdentifierSelection()
        self.custom = tuple(custom)
        self._specs = {spec.name: spec for spec in self.custom}
        self.engine = Engine(self.selection.resolve(), self.custom, use_hyperscan=use_hyperscan)
        self.limits = limits or Limits()

    @property
    def uses_hyperscan(self) -> bool:
        return self.engine.uses_hyperscan

    def not_evaluated_locally(self) -> tuple[str, ...]:
        return self.selection.not_evaluated_locally()

    def scan_file(
        self, stream: IO[bytes], *, name: str, seekable: bool = False
    ) -> Iterator[FileResult]:
        """One result per file or archive member read from a buffered binary stream."""
        for result in scan_stream(self.engine, name, stream, limits=self.limits, seekable=seekable):
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
    ) -> Iterator[FileResult]:
        """Every file under ``paths`` (``-`` is stdin) not matching an ``exclude`` glob."""
        for root in paths:
            if root == "-":
                if stdin is not None:
                    yield from self.scan_file(stdin, name="-")
                continue
            for display, full in _walk(root, exclude):
                size = _size(full)
                if on_file is not None:
                    on_file(display, size)
                yield from self._scan_one(display, full)

    def _scan_one(self, display: str, full: str) -> Iterator[FileResult]:
        try:
            handle = open(full, "rb")
        except PermissionError:
            yield skipped(display, PERMISSION_DENIED)
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


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _excluded(rel: str, patterns: Sequence[str]) -> bool:
    base = rel.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(base, p) for p in patterns)


def _walk(root: str, exclude: Sequence[str]) -> Iterator[tuple[str, str]]:
    """``(display path, real path)``: relative to ``root`` when it is a folder."""
    if not os.path.isdir(root):
        if not _excluded(os.path.basename(root), exclude):
            yield os.path.basename(root) or root, root
        return
    for folder, dirs, files in os.walk(root, onerror=None):
        rel_folder = os.path.relpath(folder, root)
        dirs[:] = sorted(
            d
            for d in dirs
            if not _excluded(_join(rel_folder, d) + "/", exclude)
            and not _excluded(_join(rel_folder, d), exclude)
        )
        for name in sorted(files):
            rel = _join(rel_folder, name)
            full = os.path.join(folder, name)
            # Pipes, sockets and devices inside a folder would block or never end; a path
            # named on the command line is read whatever it is (``<(cmd)`` is a pipe).
            if not _excluded(rel, exclude) and not _special(full):
                yield rel, full


def _special(path: str) -> bool:
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False  # dangling link or vanished file: reported when opened
    return not stat.S_ISREG(mode)


def _join(folder: str, name: str) -> str:
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
    key = (identifiers or IdentifierSelection(), tuple(custom))
    scanner = _DEFAULT_SCANNERS.get(key)
    if scanner is None:
        if len(_DEFAULT_SCANNERS) > 32:
            _DEFAULT_SCANNERS.clear()
        scanner = _DEFAULT_SCANNERS[key] = Scanner(key[0], key[1])
    return scanner.scan_bytes(data, name=name)


def scan_paths(
    paths: Iterable[str],
    *,
    identifiers: IdentifierSelection | None = None,
    custom: Sequence[CustomIdentifierSpec] = (),
    exclude: Sequence[str] = (),
) -> Iterator[FileResult]:
    """Scan files and folders; one result per file or archive member."""
    return Scanner(identifiers, custom).scan_paths(paths, exclude=exclude)
