"""From bytes to text: file types, encodings, archives, and Macie's skip reasons.

Text and text-like files are decoded (BOM, UTF-8, UTF-16 by its NUL pattern, else Latin-1)
and streamed to the engine in pieces, so memory stays flat whatever the size. gzip, zip and
TAR archives (the compression and archive formats Macie supports,
https://docs.aws.amazon.com/macie/latest/user/discovery-supported-formats.html) are opened
and each member is scanned under ``archive.zip!member`` with bounded
expansion (total bytes, ratio, members, nesting), as Macie bounds it
(https://docs.aws.amazon.com/macie/latest/user/discovery-supported-storage.html). Anything
else (images, executables, PDF and Office files this engine cannot parse) is skipped with
the reason code Macie uses in ``classificationDetails.result.status.reason``.
"""

from __future__ import annotations

import codecs
import importlib
import io
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import IO, TYPE_CHECKING, NamedTuple

from macie_notify.detect.engine import Engine
from macie_notify.detect.result import FileResult
from macie_notify.detect.structured import Structure, structure_for

if TYPE_CHECKING:
    from types import ModuleType

    from macie_notify.detect.zipmembers import Member, ZipMembers


# The archive modules are imported when an archive turns up (an except clause's tuple is
# evaluated only when an exception reaches it): a scan of plain text never loads them.
def _bad_zip() -> type[Exception]:
    import zipfile

    return zipfile.BadZipFile


def _tarfile() -> ModuleType:
    import tarfile as module

    return module


READ_SIZE = 1024 * 1024
HEAD_SIZE = 8192

UNSUPPORTED = "UNSUPPORTED_FILE_TYPE_EXCEPTION"
UNPARSABLE = "UNABLE_TO_PARSE_FILE"
PERMISSION_DENIED = "PERMISSION_DENIED"
TOO_DEEP = "ARCHIVE_NESTING_LEVEL_OVER_LIMIT"
TOO_MUCH = "ARCHIVE_TOTAL_BYTES_EXTRACTED_OVER_LIMIT"
TOO_MANY = "ARCHIVE_TOTAL_DOCUMENTS_PROCESSED_OVER_LIMIT"
TOO_BIG = "ARCHIVE_EXCEEDS_SIZE_LIMIT"
TOO_SLOW = "SCAN_TIME_LIMIT_EXCEEDED"
"""Not Macie's (Macie has no time limit per object): the file was not fully scanned within
:attr:`Limits.max_seconds`; what was found until then is reported."""

GZIP = "application/gzip"
ZIP = "application/zip"
TAR = "application/x-tar"


class Limits(NamedTuple):
    """Bounds on what archives may expand to (zip bombs stop here, not in memory)."""

    max_depth: int = 10
    """Macie analyses archives up to 10 nested levels."""
    max_extracted_bytes: int = 4 * 1024**3
    max_members: int = 1_000_000
    """Macie analyses up to 1,000,000 files in an archive (its documented quota)."""
    max_ratio: int = 250
    """A member expanding more than this many times its compressed size is a bomb (text
    rarely compresses better than 10:1, repetitive logs 100:1; a bomb does 1000:1). Checked
    at every nesting level (a gzip inside a zip too)."""
    max_nested_archive_bytes: int = 128 * 1024**2
    """A zip inside a zip (or a document a reader must seek in) is read into memory: this
    much at most, in total over every nesting level of one top-level object."""
    max_seconds: float = 600.0
    """Time for one top-level file; past it the file is reported as not fully scanned."""


class _Budget:
    """Extraction, memory and time budget shared by every member of one top-level object."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.extracted = 0
        self.members = 0
        self.in_memory = 0
        self.clock = clock
        self.deadline = clock() + limits.max_seconds

    def expired(self) -> bool:
        return self.clock() > self.deadline

    def hold(self, stream: IO[bytes]) -> bytes | None:
        """Read what is left of ``stream`` into memory within the shared memory budget
        (None: over it). Give it back with :meth:`release`."""
        room = self.limits.max_nested_archive_bytes - self.in_memory
        data = stream.read(room + 1) if room > 0 else b"?"
        if len(data) > room:
            return None
        self.in_memory += len(data)
        return data

    def release(self, data: bytes) -> None:
        self.in_memory -= len(data)


class LimitExceeded(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_BINARY_MAGIC = (
    b"%PDF",
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"\x7fELF",
    b"MZ",
    b"\xd0\xcf\x11\xe0",  # OLE2 (legacy Office)
    b"BZh",
    b"\xfd7zXZ",
    b"7z\xbc\xaf",
    b"Rar!",
)


# -- file formats read by a library (PDF, Office, Avro, Parquet, email) --------------------
class Segment(NamedTuple):
    """A piece of a document's text and how occurrences in it are located.

    ``structure.locate`` turns a line and column inside ``text`` into Macie's occurrence
    shape (``pages``, ``cells``, ``records``, ...); every segment of one file should share
    one ``occurrence_kind``."""

    text: str | Iterable[str]
    structure: Structure


class ReaderUnavailable(Exception):
    """The library a format needs is not installed: the file is listed as not scanned with
    ``reason`` (e.g. what to install)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


ReadFn = Callable[[IO[bytes], str, Limits], Iterable[Segment]]
"""``read(stream, name, limits)``: a seekable binary stream (at most
``limits.max_nested_archive_bytes`` when it came from an archive), the display name, and the
limits to respect; yields the document's text segments. Raise :class:`ReaderUnavailable`
when a library is missing, :class:`LimitExceeded` past a limit, and ``ValueError`` (or any
``OSError``) for a file that cannot be parsed."""


class FormatReader(NamedTuple):
    """A file format recognised by extension or magic bytes, read by ``read``."""

    name: str
    mime_type: str
    read: ReadFn
    extensions: tuple[str, ...] = ()
    """Lower-case suffixes with the dot (``".docx"``); checked before ``magic``."""
    magic: tuple[bytes, ...] = ()
    """Prefixes of the first bytes (``b"%PDF"``)."""


_READERS: list[FormatReader] = []
_FORMATS_LOADED = False


def register_reader(reader: FormatReader) -> None:
    """Add (or replace, by ``name``) a format reader; ``macie_notify.detect.formats``
    registers the bundled ones when it is imported."""
    _READERS[:] = [r for r in _READERS if r.name != reader.name]
    _READERS.append(reader)


def reader_for(name: str, head: bytes) -> FormatReader | None:
    """The reader for a file, by its name's extension first, then by its first bytes."""
    global _FORMATS_LOADED
    if not _FORMATS_LOADED:
        _FORMATS_LOADED = True
        try:  # the bundled readers register themselves on import
            importlib.import_module("macie_notify.detect.formats")
        except ModuleNotFoundError as exc:
            if exc.name != "macie_notify.detect.formats":
                raise
    lower = name.rsplit("!", 1)[-1].lower()
    for reader in _READERS:
        if reader.extensions and lower.endswith(reader.extensions):
            return reader
    for reader in _READERS:
        if reader.magic and head.startswith(reader.magic):
            return reader
    return None


def scan_stream(
    engine: Engine,
    name: str,
    stream: IO[bytes],
    *,
    limits: Limits,
    budget: _Budget | None = None,
    depth: int = 0,
    seekable: bool = False,
    clock: Callable[[], float] = time.monotonic,
    size: int | None = None,
) -> Iterator[FileResult]:
    """Results for one object: itself, or each archive member (``name!member``).

    ``size`` is the stream's length when known (an archive member's), for the compression
    ratio check of a gzip inside it."""
    budget = budget or _Budget(limits, clock)
    head = _peek(stream)
    if not head:  # empty: nothing to find (archives of many empty members stay fast)
        yield FileResult(path=name, mime_type="text/plain")
        return
    reader = reader_for(name, head)
    if reader is not None:
        yield _formatted(engine, name, stream, reader, budget, seekable)
        return
    kind = archive_type(head)
    if kind is None:
        yield _text_or_skip(engine, name, stream, head, budget)
    elif depth >= limits.max_depth:
        yield skipped(name, TOO_DEEP)
    else:
        yield from _accounted(
            name, kind, _archive(engine, name, stream, budget, depth, size, kind, seekable)
        )


def _archive(
    engine: Engine,
    name: str,
    stream: IO[bytes],
    budget: _Budget,
    depth: int,
    size: int | None,
    kind: str,
    seekable: bool,
) -> Iterator[FileResult]:
    if kind == GZIP:
        return _gzip(engine, name, stream, budget, depth, size)
    if kind == ZIP:
        return _zip(engine, name, stream, budget, depth, seekable)
    return _tar(engine, name, stream, budget, depth)


def _accounted(name: str, kind: str, results: Iterator[FileResult]) -> Iterator[FileResult]:
    """An archive with no member to read is still a file that was scanned (and found empty)."""
    empty = True
    for result in results:
        empty = False
        yield result
    if empty:
        yield FileResult(path=name, mime_type=kind)


def archive_type(head: bytes) -> str | None:
    """The MIME type of a gzip, zip or TAR object from its first bytes; None for others."""
    if head.startswith(b"\x1f\x8b"):
        return GZIP
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):  # a member, or an empty zip
        return ZIP
    if head[257:262] == b"ustar":  # POSIX and GNU tar headers carry this magic
        return TAR
    return None


def _peek(stream: IO[bytes]) -> bytes:
    peek = getattr(stream, "peek", None)
    if peek is not None:
        return bytes(peek(HEAD_SIZE)[:HEAD_SIZE])
    raise TypeError("scan_stream needs a buffered stream (io.BufferedReader or BytesIO)")


def skipped(name: str, reason: str, size: int = 0, files: int = 1) -> FileResult:
    return FileResult(path=name, bytes=size, status="SKIPPED", reason=reason, files=files)


def _text_or_skip(
    engine: Engine, name: str, stream: IO[bytes], head: bytes, budget: _Budget
) -> FileResult:
    if _is_binary(head):
        return skipped(name, UNSUPPORTED)
    encoding = detect_encoding(head)
    structure = structure_for(name)
    counter = _Counter(stream, budget)
    try:
        tally = engine.scan(_decode(counter, encoding), structure)
    except LimitExceeded as exc:
        return skipped(name, exc.reason, counter.count)
    except (OSError, EOFError, zlib.error, _bad_zip()):
        return skipped(name, UNPARSABLE, counter.count)
    result = FileResult(
        path=name,
        bytes=counter.count,
        managed=tally.managed,
        custom=tally.custom,
        mime_type=structure.mime_type,
        occurrence_kind=structure.occurrence_kind,
    )
    if counter.stopped or tally.timed_out:
        result.status, result.reason = "PARTIAL", TOO_SLOW
    return result


def _formatted(
    engine: Engine,
    name: str,
    stream: IO[bytes],
    reader: FormatReader,
    budget: _Budget,
    seekable: bool,
) -> FileResult:
    """One document read by its format reader: every segment's detections in one result."""
    result = FileResult(path=name, mime_type=reader.mime_type)
    held = b""
    try:
        if not seekable:  # archive members and stdin: readers need to seek
            data = budget.hold(stream)
            if data is None:
                return skipped(name, TOO_BIG)
            held, stream = data, io.BytesIO(data)
        size = _remaining_size(stream)
        for segment in reader.read(stream, name, budget.limits):
            if budget.expired():
                result.status, result.reason = "PARTIAL", TOO_SLOW
                break
            pieces = [segment.text] if isinstance(segment.text, str) else segment.text
            tally = engine.scan(pieces, segment.structure)
            result.occurrence_kind = segment.structure.occurrence_kind
            result.merge(FileResult(path=name, managed=tally.managed, custom=tally.custom))
            if tally.timed_out:
                result.status, result.reason = "PARTIAL", TOO_SLOW
    except ReaderUnavailable as exc:
        return skipped(name, exc.reason)
    except LimitExceeded as exc:
        return skipped(name, exc.reason)
    except (ValueError, OSError, EOFError, zlib.error, _bad_zip()):
        return skipped(name, UNPARSABLE)
    finally:
        budget.release(held)
    result.bytes = size
    return result


def _is_binary(head: bytes) -> bool:
    return head.startswith(_BINARY_MAGIC) or (b"\x00" in head and not _utf16_or_32(head))


def _utf16_or_32(head: bytes) -> str | None:
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[: len(head) - len(head) % 2]
    if len(sample) >= 4:
        odd_nuls = sample[1::2].count(0)
        even_nuls = sample[0::2].count(0)
        half = len(sample) // 2
        if odd_nuls > 0.4 * half and even_nuls < 0.05 * half:
            return "utf-16-le"
        if even_nuls > 0.4 * half and odd_nuls < 0.05 * half:
            return "utf-16-be"
    return None


def detect_encoding(head: bytes) -> str:
    """BOM, then the NUL pattern of UTF-16, then strict UTF-8 over the head, else Latin-1."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    wide = _utf16_or_32(head)
    if wide:
        return wide
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(head, final=False)
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8"


class _Counter:
    """Reads a stream in blocks, counting its bytes (an archive member's count against the
    extraction budget happens below, in ``_Bounded``); stops early, with ``stopped`` set,
    when the file's time is up."""

    def __init__(self, stream: IO[bytes], budget: _Budget) -> None:
        self.stream = stream
        self.budget = budget
        self.count = 0
        self.stopped = False

    def blocks(self) -> Iterator[bytes]:
        while True:
            if self.budget.expired():
                self.stopped = True
                return
            block = self.stream.read(READ_SIZE)
            if not block:
                return
            self.count += len(block)
            yield block


def _decode(counter: _Counter, encoding: str) -> Iterator[str]:
    # errors="replace": invalid sequences later in a UTF-8 file become U+FFFD, the rest is
    # still scanned (Macie analyses what it can decode).
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    for block in counter.blocks():
        text = decoder.decode(block)
        if text:
            yield text
    tail = decoder.decode(b"", final=True)
    if tail:
        yield tail


class _Bounded(io.RawIOBase):
    """A decompressed member stream that stops at the budget or the ratio limit."""

    def __init__(self, inner: IO[bytes], budget: _Budget, compressed: int) -> None:
        self.inner = inner
        self.budget = budget
        self.compressed = max(compressed, 1)
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self.inner.read(len(buffer))
        size = len(data)
        self.read_bytes += size
        self.budget.extracted += size
        limits = self.budget.limits
        if self.budget.extracted > limits.max_extracted_bytes:
            raise LimitExceeded(TOO_MUCH)
        if self.read_bytes > 1024 * 1024 and self.read_bytes > limits.max_ratio * self.compressed:
            raise LimitExceeded(TOO_MUCH)
        buffer[:size] = data
        return size


def _gzip(
    engine: Engine,
    name: str,
    stream: IO[bytes],
    budget: _Budget,
    depth: int,
    size: int | None,
) -> Iterator[FileResult]:
    # The member keeps the file's own name (the path a user can find); structure_for()
    # looks through the .gz suffix for the CSV/JSON structure of what is inside.
    import gzip

    raw = gzip.GzipFile(fileobj=stream, mode="rb")
    compressed = size if size is not None else _remaining_size(stream)
    member = io.BufferedReader(_Bounded(raw, budget, compressed), READ_SIZE)  # type: ignore[arg-type]
    try:
        yield from scan_stream(
            engine, name, member, limits=budget.limits, budget=budget, depth=depth + 1
        )
    except (OSError, EOFError, zlib.error):
        yield skipped(name, UNPARSABLE)
    except LimitExceeded as exc:
        yield skipped(name, exc.reason)


def _remaining_size(stream: IO[bytes]) -> int:
    try:
        here = stream.tell()
        end = stream.seek(0, io.SEEK_END)
        stream.seek(here)
        return end - here
    except (OSError, ValueError, AttributeError):
        return 1 << 62  # unknown (stdin): no ratio check, the total budget still applies


def _zip(
    engine: Engine,
    name: str,
    stream: IO[bytes],
    budget: _Budget,
    depth: int,
    seekable: bool,
) -> Iterator[FileResult]:
    held = b""
    if not seekable:  # one memory budget across nesting levels, not one buffer per level
        data = budget.hold(stream)
        if data is None:
            yield skipped(name, TOO_BIG)
            return
        held, stream = data, io.BytesIO(data)
    try:
        yield from _zip_members(engine, name, stream, budget, depth)
    finally:
        budget.release(held)


def _zip_members(
    engine: Engine, name: str, stream: IO[bytes], budget: _Budget, depth: int
) -> Iterator[FileResult]:
    # Members are read one by one from the central directory (zipfile would first build
    # an object for each of them: ~700 MB for a million).
    from macie_notify.detect.zipmembers import ZipMembers, ZipUnsupported  # zips only (~2 ms)

    index = 0
    try:
        archive = ZipMembers(stream)
        for info in archive:
            index += 1
            if info.is_dir:
                continue
            reason = _stop_reason(budget)
            if reason is not None:  # one entry for all the members not read
                yield skipped(f"{name}!*", reason, files=archive.count - index + 1)
                return
            yield from _zip_member(engine, name, archive, info, budget, depth)
    except (ZipUnsupported, OSError, EOFError):
        yield skipped(name if index == 0 else f"{name}!*", UNPARSABLE)


def _stop_reason(budget: _Budget) -> str | None:
    """Why the rest of an archive's members are not read (None: go on)."""
    if budget.members + 1 > budget.limits.max_members:
        return TOO_MANY
    if budget.expired():
        return TOO_SLOW
    return None


def _zip_member(
    engine: Engine,
    name: str,
    archive: ZipMembers,
    info: Member,
    budget: _Budget,
    depth: int,
) -> Iterator[FileResult]:
    path = f"{name}!{info.name}"
    budget.members += 1
    try:
        raw = archive.open(info)
        bounded = _Bounded(raw, budget, info.compressed)
        # A buffer the member's size (a 1 MB one per small member costs more than scanning
        # it); the bounded stream still stops a member that lies about its size.
        buffer = max(HEAD_SIZE, min(READ_SIZE, info.size))
        member = io.BufferedReader(bounded, buffer)
        yield from scan_stream(
            engine,
            path,
            member,
            limits=budget.limits,
            budget=budget,
            depth=depth + 1,
            size=info.size,
        )
    except LimitExceeded as exc:
        yield skipped(path, exc.reason)
    except (OSError, EOFError, zlib.error, ValueError):  # ZipUnsupported is a ValueError
        yield skipped(path, UNPARSABLE)


def _tar(
    engine: Engine,
    name: str,
    stream: IO[bytes],
    budget: _Budget,
    depth: int,
) -> Iterator[FileResult]:
    # Stream mode ("r|"): members are read in order, so stdin and gzip members work too.
    try:
        with _tarfile().open(fileobj=stream, mode="r|") as archive:
            for info in archive:
                if not info.isfile():
                    continue
                reason = _stop_reason(budget)
                if reason is not None:  # the rest is not counted: that would read it all
                    yield skipped(f"{name}!*", reason)
                    return
                path = f"{name}!{info.name.removeprefix('./')}"
                budget.members += 1
                member = archive.extractfile(info)
                if member is None:
                    continue
                yield from scan_stream(
                    engine,
                    path,
                    member,
                    limits=budget.limits,
                    budget=budget,
                    depth=depth + 1,
                    size=info.size,
                )
    except (_tarfile().TarError, OSError, EOFError, zlib.error):
        yield skipped(name, UNPARSABLE)
