"""The format-reader hook: a registered reader's segments are scanned and located by it."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import IO, Any

import pytest

from macie_notify.detect import IdentifierSelection, Limits, Scanner, sources
from macie_notify.detect.sources import FormatReader, ReaderUnavailable, Segment
from macie_notify.detect.structured import Structure

SELECTION = IdentifierSelection("INCLUDE", ("USA_SOCIAL_SECURITY_NUMBER",))


class _Page(Structure):
    occurrence_kind = "pages"

    def __init__(self, number: int) -> None:
        self.number = number

    def locate(self, text: str, pos: int, base: int, line: int, column: int) -> dict[str, Any]:
        return {"pageNumber": self.number, "lineRange": {"start": line, "end": line}}


def _pages(stream: IO[bytes], name: str, limits: Limits) -> Iterator[Segment]:
    for number, page in enumerate(stream.read().split(b"\f")[1:], start=1):
        yield Segment(page.decode(), _Page(number))


def _missing(stream: IO[bytes], name: str, limits: Limits) -> Iterable[Segment]:
    raise ReaderUnavailable("install the fake extra")


@pytest.fixture
def readers() -> Iterator[None]:
    saved = list(sources._READERS)
    sources.register_reader(FormatReader("fake", "application/x-fake", _pages, magic=(b"FAKE",)))
    sources.register_reader(FormatReader("gone", "application/x-gone", _missing, (".gone",)))
    yield
    sources._READERS[:] = saved


@pytest.mark.usefixtures("readers")
@pytest.mark.parametrize("hyperscan", [False, True])
def test_registered_reader_locates_by_segment(hyperscan: bool) -> None:
    if hyperscan:
        pytest.importorskip("hyperscan")
    scanner = Scanner(SELECTION, use_hyperscan=hyperscan)
    data = b"FAKE\fnothing here\f\nssn 536-22-8726\n"
    result = scanner.scan_bytes(data, name="doc.bin")
    assert result.status == "COMPLETE"
    assert result.mime_type == "application/x-fake"
    occurrences = result.classification_result()["sensitiveData"][0]["detections"][0]
    assert occurrences["occurrences"] == {
        "pages": [{"pageNumber": 2, "lineRange": {"start": 2, "end": 2}}]
    }


@pytest.mark.usefixtures("readers")
def test_missing_library_is_a_reason_and_members_are_read() -> None:
    scanner = Scanner(SELECTION, use_hyperscan=False)
    assert scanner.scan_bytes(b"x", name="a.gone").reason == "install the fake extra"
    # inside an archive (not seekable) the reader still gets a seekable stream
    buf = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("inner.bin", b"FAKE\fssn 536-22-8726")
    results = list(
        scanner.scan_file(
            io.BufferedReader(io.BytesIO(buf.getvalue())), name="a.zip", seekable=True
        )
    )
    assert [(r.path, r.managed["USA_SOCIAL_SECURITY_NUMBER"].count) for r in results] == [
        ("a.zip!inner.bin", 1)
    ]
