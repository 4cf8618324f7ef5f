"""Word (.docx) and Excel (.xlsx) documents: Office Open XML, read with the standard library.

A .docx or .xlsx file is a zip of XML parts (ECMA-376). Word text is scanned paragraph by
paragraph (one line each, occurrences as ``lineRanges``); every Excel sheet is scanned row by
row with its first row as the column names, and occurrences are ``cells`` with Macie's
``cellReference`` (``Sheet1!B7``). Parts are streamed (``iterparse``) so a large sheet is not
held in memory, and the uncompressed size and compression ratio are bounded as Macie bounds
them (``OOXML_UNCOMPRESSED_SIZE_EXCEEDS_LIMIT``, ``OOXML_UNCOMPRESSED_RATIO_EXCEEDS_LIMIT``).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from typing import IO, Any
from xml.etree.ElementTree import iterparse

from macie_notify.detect.sources import LimitExceeded, Limits, Segment
from macie_notify.detect.structured import Delimited, Structure

TOO_LARGE = "OOXML_UNCOMPRESSED_SIZE_EXCEEDS_LIMIT"
TOO_COMPRESSED = "OOXML_UNCOMPRESSED_RATIO_EXCEEDS_LIMIT"

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL_SEPARATORS = re.compile(r'[\t\r\n"]')
_WORD_PARTS = re.compile(r"word/(?:document|header[0-9]*|footer[0-9]*|footnotes|endnotes)\.xml")


def _open(stream: IO[bytes], limits: Limits) -> zipfile.ZipFile:
    archive = zipfile.ZipFile(stream)
    infos = archive.infolist()
    expanded = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if expanded > limits.max_extracted_bytes:
        raise LimitExceeded(TOO_LARGE)
    if expanded > 1024 * 1024 and expanded > limits.max_ratio * packed:
        raise LimitExceeded(TOO_COMPRESSED)
    return archive


# -- Word --------------------------------------------------------------------------------


def read_docx(stream: IO[bytes], name: str, limits: Limits) -> Iterator[Segment]:
    with _open(stream, limits) as archive:
        parts = sorted(
            (n for n in archive.namelist() if _WORD_PARTS.fullmatch(n)),
            key=lambda n: (n != "word/document.xml", n),
        )
        if "word/document.xml" not in parts:
            raise ValueError("not a Word document: word/document.xml is missing")
        for part in parts:
            with archive.open(part) as xml:
                yield Segment(_paragraphs(xml), Structure())


def _paragraphs(xml: IO[bytes]) -> Iterator[str]:
    """One line of text per ``w:p`` (tabs and breaks kept as such)."""
    parts: list[str] = []
    for _, element in iterparse(xml, events=("end",)):
        tag = element.tag
        if tag == _W + "t":
            parts.append(element.text or "")
        elif tag == _W + "tab":
            parts.append("\t")
        elif tag in (_W + "br", _W + "cr"):
            parts.append("\n")
        elif tag == _W + "p":
            yield "".join(parts) + "\n"
            parts = []
            element.clear()
    if parts:
        yield "".join(parts) + "\n"


# -- Excel -------------------------------------------------------------------------------


class SheetCells(Delimited):
    """A sheet written as tab-separated rows (line n = row n): cells with references."""

    def __init__(self, sheet: str) -> None:
        super().__init__("\t")
        self.sheet = sheet
        self.mime_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def locate(self, text: str, pos: int, base: int, line: int, column: int) -> dict[str, Any]:
        cell = super().locate(text, pos, base, line, column)
        cell["cellReference"] = f"{self.sheet}!{column_letters(cell['column'])}{line}"
        return cell


def column_letters(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_index(reference: str) -> int:
    index = 0
    for char in reference:
        if not char.isalpha():
            break
        index = index * 26 + ord(char.upper()) - 64
    return index


def read_xlsx(stream: IO[bytes], name: str, limits: Limits) -> Iterator[Segment]:
    with _open(stream, limits) as archive:
        if "xl/workbook.xml" not in archive.namelist():
            raise ValueError("not an Excel workbook: xl/workbook.xml is missing")
        shared = _shared_strings(archive)
        for sheet, part in _sheets(archive):
            with archive.open(part) as xml:
                # The engine consumes the rows while the part is open (streamed).
                yield Segment(_rows(xml, shared), SheetCells(sheet))


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in archive.namelist():
        return []
    strings: list[str] = []
    with archive.open("xl/sharedStrings.xml") as xml:
        for _, element in iterparse(xml, events=("end",)):
            if element.tag == _S + "si":
                strings.append("".join(t.text or "" for t in element.iter(_S + "t")))
                element.clear()
    return strings


def _sheets(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, part path) in workbook order."""
    with archive.open("xl/workbook.xml") as xml:
        names = [
            (e.get("name", ""), e.get(_R + "id", ""))
            for _, e in iterparse(xml, events=("end",))
            if e.tag == _S + "sheet"
        ]
    targets: dict[str, str] = {}
    if "xl/_rels/workbook.xml.rels" in archive.namelist():
        with archive.open("xl/_rels/workbook.xml.rels") as xml:
            for _, e in iterparse(xml, events=("end",)):
                if e.tag == _REL + "Relationship":
                    target = e.get("Target", "")
                    path = target.lstrip("/") if target.startswith("/") else "xl/" + target
                    targets[e.get("Id", "")] = posixpath.normpath(path)
    return [(n, targets[r]) for n, r in names if r in targets and targets[r] in archive.namelist()]


def _rows(xml: IO[bytes], shared: list[str]) -> Iterator[str]:
    """Each ``<row>`` as one tab-separated line, blank lines for missing rows."""
    next_row = 1
    cells: dict[int, str] = {}
    for _, element in iterparse(xml, events=("end",)):
        tag = element.tag
        if tag == _S + "c":
            cells[_column_index(element.get("r", ""))] = _cell_text(element, shared)
        elif tag == _S + "row":
            number = int(element.get("r") or next_row)
            if number > next_row:
                yield "\n" * (number - next_row)
            width = max(cells, default=0)
            yield "\t".join(cells.get(i, "") for i in range(1, width + 1)) + "\n"
            next_row, cells = number + 1, {}
            element.clear()


def _cell_text(cell: Any, shared: list[str]) -> str:
    kind = cell.get("t")
    if kind == "inlineStr":
        text = "".join(t.text or "" for t in cell.iter(_S + "t"))
    else:
        value = cell.find(_S + "v")
        text = value.text or "" if value is not None else ""
        if kind == "s" and text.isdigit() and int(text) < len(shared):
            text = shared[int(text)]
    # Tabs, newlines and quotes inside a cell would shift the columns of the row.
    return _CELL_SEPARATORS.sub(" ", text)
