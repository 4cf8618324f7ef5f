"""A large text file scanned as chunks by several workers, with the results of one scan.

A file of at least two :data:`~.scanner.CHUNK_BYTES` of plain text (not CSV/JSON, whose structure
needs the header or the enclosing document, and in an encoding where a newline byte is
always a character boundary) is cut just after newlines. Each worker scans its chunk in a
*window*: context before the chunk (starting after a newline, so columns stay right, and
longer than any match plus its keyword distance) and :data:`~.engine.OVERLAP` characters
after it. The engine records only matches that start inside the chunk, while scanning the
context keeps every pattern's scan position where the full scan would have it; the match
that straddles a chunk end is recorded once, by the chunk it starts in. Lines are made
absolute afterwards from the newline counts each worker reports.
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from macie_notify.detect.engine import KEEP_BEFORE, OVERLAP
from macie_notify.detect.result import Detection, FileResult
from macie_notify.detect.sources import (
    HEAD_SIZE,
    TOO_SLOW,
    _is_binary,
    archive_type,
    detect_encoding,
    reader_for,
)
from macie_notify.detect.structured import Structure, structure_for

if TYPE_CHECKING:
    from macie_notify.detect.scanner import Scanner

_BOUNDARY_SEARCH = 64 * 1024
"""A chunk boundary is the first newline this far after the nominal offset, else none."""
_CONTEXT = 4 * (OVERLAP + KEEP_BEFORE)
"""Bytes of context before a chunk: at least OVERLAP + KEEP_BEFORE characters in UTF-8."""
_AFTER = 4 * OVERLAP
_CHUNKABLE = {"utf-8", "utf-8-sig", "latin-1"}


class Chunk(NamedTuple):
    display: str
    full: str
    encoding: str
    start: int
    end: int | None
    """None: to the end of the file (the last chunk)."""


@dataclass
class ChunkResult:
    """One chunk's detections, lines relative to its window, and the newlines to add."""

    result: FileResult
    newlines_before: int
    """Newlines in the context before the chunk."""
    newlines: int
    """Newlines in the chunk itself."""


def plan(display: str, full: str, chunk_bytes: int) -> list[Chunk] | None:
    """The chunks of ``chunk_bytes`` of a large plain-text file; None to scan it whole."""
    try:
        size = os.path.getsize(full)
        if size < 2 * chunk_bytes:
            return None
        with open(full, "rb") as handle:
            head = handle.read(HEAD_SIZE)
            if reader_for(display, head) or archive_type(head) or _is_binary(head):
                return None
            encoding = detect_encoding(head)
            if encoding not in _CHUNKABLE or type(structure_for(display)) is not Structure:
                return None
            starts = [0]
            for nominal in range(chunk_bytes, size - chunk_bytes // 2, chunk_bytes):
                handle.seek(nominal)
                newline = handle.read(_BOUNDARY_SEARCH).find(b"\n")
                if newline >= 0 and nominal + newline + 1 > starts[-1]:
                    starts.append(nominal + newline + 1)
    except OSError:
        return None  # scanned whole, which reports the error
    if len(starts) < 2:
        return None
    ends: list[int | None] = [*starts[1:], None]
    return [Chunk(display, full, encoding, s, e) for s, e in zip(starts, ends, strict=True)]


def scan_chunk(scanner: Scanner, chunk: Chunk) -> ChunkResult:
    """One chunk's detections (lines relative to its window) and its newline counts."""
    with open(chunk.full, "rb") as handle:
        before = b""
        if chunk.start > 0:
            low = max(0, chunk.start - _CONTEXT - _BOUNDARY_SEARCH)
            handle.seek(low)
            context = handle.read(chunk.start - low)
            want = max(0, len(context) - _CONTEXT)
            newline = context.rfind(b"\n", 0, want + 1)
            if newline < 0:  # a very long line: start after the first newline after it
                newline = context.find(b"\n", want)
            before = context[newline + 1 :] if newline >= 0 else context
        handle.seek(chunk.start)
        body = handle.read() if chunk.end is None else handle.read(chunk.end - chunk.start)
        after = b"" if chunk.end is None else handle.read(_AFTER)
    encoding = chunk.encoding if chunk.start == 0 else chunk.encoding.replace("-sig", "")
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    pre = decoder.decode(before)
    main = decoder.decode(body, final=chunk.end is None)
    post = decoder.decode(after)  # not final: a character cut at the end is dropped
    structure = Structure()
    tally = scanner.engine.scan(
        _pieces(pre, main, post),
        structure,
        record_from=len(pre),
        stop=None if chunk.end is None else len(pre) + len(main),
    )
    result = FileResult(
        path=chunk.display,
        bytes=len(body),
        managed=tally.managed,
        custom=tally.custom,
        mime_type=structure.mime_type,
        occurrence_kind=structure.occurrence_kind,
    )
    if tally.timed_out:
        result.status, result.reason = "PARTIAL", TOO_SLOW
    return ChunkResult(result, pre.count("\n"), main.count("\n"))


def _pieces(pre: str, main: str, post: str) -> Iterator[str]:
    yield pre
    step = 1024 * 1024  # the engine joins pieces into its own buffers
    for index in range(0, len(main), step):
        yield main[index : index + step]
    yield post


def merge(display: str, parts: list[ChunkResult]) -> FileResult:
    """The chunks' results as the whole file's: lines made absolute, in file order."""
    merged = FileResult(path=display, bytes=0)
    lines = 0
    for part in parts:
        shift = lines - part.newlines_before
        for table in (part.result.managed, part.result.custom):
            for det in table.values():
                _shift(det, shift)
        merged.merge(part.result)
        merged.mime_type = part.result.mime_type
        merged.occurrence_kind = part.result.occurrence_kind
        lines += part.newlines
    # A chunk is part of one file, not an archive member: its own reason stands.
    partial = next((p.result for p in parts if p.result.status != "COMPLETE"), None)
    if partial is not None:
        merged.status, merged.reason = partial.status, partial.reason
    return merged


def _shift(det: Detection, lines: int) -> None:
    det.occurrences = [_moved(occ, lines) for occ in det.occurrences]


def _moved(occurrence: dict[str, Any], lines: int) -> dict[str, Any]:
    moved = dict(occurrence)
    for key in ("start", "end"):
        if isinstance(moved.get(key), int):
            moved[key] += lines
    return moved
