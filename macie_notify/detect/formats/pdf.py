"""PDF documents, read with pypdf (the ``formats`` extra): text page by page.

Macie locates an occurrence in a PDF by page and line (``pages[] {pageNumber, lineRange}``,
https://docs.aws.amazon.com/macie/latest/user/findings-locate-sd-schema.html); each page is
one segment whose lines are numbered from 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from macie_notify.detect.sources import Limits, ReaderUnavailable, Segment
from macie_notify.detect.structured import Structure

MISSING = "not scanned: install macie-notify[formats] (PDF needs pypdf)"


class PdfPage(Structure):
    occurrence_kind = "pages"
    mime_type = "application/pdf"

    def __init__(self, number: int) -> None:
        self.number = number

    def locate(self, text: str, pos: int, base: int, line: int, column: int) -> dict[str, Any]:
        return {
            "pageNumber": self.number,
            "lineRange": {"start": line, "end": line, "startColumn": column},
        }


def read_pdf(stream: IO[bytes], name: str, limits: Limits) -> Iterator[Segment]:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError as exc:
        raise ReaderUnavailable(MISSING) from exc
    try:
        reader = PdfReader(stream)
        if reader.is_encrypted:
            raise ValueError("encrypted PDF")
        pages = reader.pages
        for number in range(len(pages)):
            yield Segment(pages[number].extract_text() or "", PdfPage(number + 1))
    except PdfReadError as exc:
        raise ValueError(str(exc)) from exc
