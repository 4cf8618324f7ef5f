"""Where a value sits in structured text: the CSV/TSV column name, the JSON element path.

Macie treats a column name (columnar data) or an element name on the path to a value
(record-based data) as "near" every value under it
(https://docs.aws.amazon.com/macie/latest/user/managed-data-identifiers-keywords.html). The
engine scans raw text; when a keyword is needed and none is near, it asks a
:class:`Structure` for the field name at the match position.
"""

from __future__ import annotations

import bisect
import re
from typing import Any

from macie_notify.detect.lazy import LazyPattern

_LINE_LOOKBACK = 65536
"""A CSV line longer than this is treated as unstructured text (no column name)."""


class Structure:
    """Plain text: no field names; occurrences are line ranges."""

    kind = "text"
    occurrence_kind = "lineRanges"
    mime_type = "text/plain"

    def prepare(self, text: str) -> None:
        """Called with the first buffer of the file (where a CSV header lives)."""

    def field_name(self, text: str, pos: int, base: int) -> str | None:
        return None

    def keyword_in_fields(self, keyword: LazyPattern, text: str, ends: list[int]) -> bool:
        """Whether a column or element name may hold ``keyword`` (then every value is near)."""
        return False

    def value_start(self, text: str, pos: int) -> int:
        """Where the cell or value holding ``pos`` starts: a keyword in the text before a
        value counts only from there (plain text: anywhere before it)."""
        return 0

    def same_value(self, text: str, start: int, pos: int) -> bool:
        """Whether ``start`` (a keyword) is in the cell or value holding ``pos``."""
        return start >= self.value_start(text, pos)

    def locate(self, text: str, pos: int, base: int, line: int, column: int) -> dict[str, Any]:
        return {"start": line, "end": line, "startColumn": column}


class Delimited(Structure):
    """CSV or TSV: the first line names the columns."""

    occurrence_kind = "cells"

    def __init__(self, delimiter: str) -> None:
        self.delimiter = delimiter
        self.kind = "tsv" if delimiter == "\t" else "csv"
        self.mime_type = "text/tab-separated-values" if delimiter == "\t" else "text/csv"
        self.header: list[str] | None = None
        # A quoted section (its delimiters do not count) or a delimiter.
        self._cells = re.compile('"[^"]*"?|' + re.escape(delimiter))
        self._named: dict[LazyPattern, bool] = {}

    def prepare(self, text: str) -> None:
        if self.header is None:
            end = text.find("\n", 0, _LINE_LOOKBACK)
            line = text[: end if end >= 0 else min(len(text), _LINE_LOOKBACK)]
            self.header = [c.strip().strip('"').strip() for c in _split(line, self.delimiter)]

    def keyword_in_fields(self, keyword: LazyPattern, text: str, ends: list[int]) -> bool:
        if keyword not in self._named:
            header = self.header or []
            self._named[keyword] = any(keyword.search(name) for name in header)
        return self._named[keyword]

    def column(self, text: str, pos: int) -> int | None:
        start = text.rfind("\n", max(0, pos - _LINE_LOOKBACK), pos)
        if start < 0:
            return None
        return _count_fields(text[start + 1 : pos], self.delimiter)

    def same_value(self, text: str, start: int, pos: int) -> bool:
        between = text[start:pos]
        if "\n" in between:
            return False
        return self.delimiter not in between or start >= self.value_start(text, pos)

    def value_start(self, text: str, pos: int) -> int:
        line = text.rfind("\n", max(0, pos - _LINE_LOOKBACK), pos) + 1
        if '"' not in text[line:pos]:
            return max(line, text.rfind(self.delimiter, line, pos) + 1)
        start = line
        for token in self._cells.finditer(text, line, pos):
            if token.group() == self.delimiter:
                start = token.end()
        return start

    def field_name(self, text: str, pos: int, base: int) -> str | None:
        index = self.column(text, pos)
        if index is None or not self.header or index >= len(self.header):
            return None
        return self.header[index]

    def locate(self, text: str, pos: int, base: int, line: int, column: int) -> dict[str, Any]:
        index = self.column(text, pos)
        name = (
            self.header[index]
            if self.header and index is not None and index < len(self.header)
            else None
        )
        cell: dict[str, Any] = {"row": line, "column": (index or 0) + 1}
        if name:
            cell["columnName"] = name
        return cell


def _split(line: str, delimiter: str) -> list[str]:
    fields: list[str] = []
    current: list[str] = []
    quoted = False
    for char in line.rstrip("\r"):
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            fields.append("".join(current))
            current = []
            continue
        current.append(char)
    fields.append("".join(current))
    return fields


def _count_fields(prefix: str, delimiter: str) -> int:
    if '"' not in prefix:
        return prefix.count(delimiter)
    count, quoted = 0, False
    for char in prefix:
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            count += 1
    return count


_INSIDE_KEY = re.compile(r'[^"\\\n]{0,80}"\s*:')
_JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[{}\[\]:,]')


class JsonPaths(Structure):
    """JSON or JSON Lines: the element names on the path to a value.

    The path index is built lazily, once per buffer, only when a keyword check needs it.
    A document larger than one buffer is indexed from the buffer start (an approximation:
    the enclosing keys of the first buffer are not carried over).
    """

    occurrence_kind = "records"

    def __init__(self, lines: bool) -> None:
        self.kind = "jsonl" if lines else "json"
        self.mime_type = "application/jsonl" if lines else "application/json"
        self._key: tuple[int, int] | None = None
        self._starts: list[int] = []
        self._paths: list[str] = []

    def _index(self, text: str, base: int) -> None:
        key = (id(text), base)
        if self._key == key:
            return
        self._key = key
        self._starts, self._paths = _path_index(text, 0, len(text))

    def _path_at(self, text: str, pos: int, base: int) -> str:
        if self.kind == "jsonl":  # records are lines: only the current one matters
            start = text.rfind("\n", max(0, pos - _LINE_LOOKBACK), pos) + 1
            _, paths = _path_index(text, start, pos)
            return paths[-1]
        self._index(text, base)
        return self._paths[bisect.bisect_right(self._starts, pos) - 1]

    def keyword_in_fields(self, keyword: LazyPattern, text: str, ends: list[int]) -> bool:
        # Element names are in the text: a keyword that ends inside a key ("...": ) may be
        # on the path of any value of the buffer.
        return any(_INSIDE_KEY.match(text, end) for end in ends)

    def value_start(self, text: str, pos: int) -> int:
        # The opening quote of the string value holding pos (no unescaped quote inside it);
        # for a bare number, the closing quote of its key, so the keyword stays on the path.
        quote = text.rfind('"', max(0, pos - _LINE_LOOKBACK), pos)
        while quote > 0 and _escaped(text, quote):
            quote = text.rfind('"', max(0, pos - _LINE_LOOKBACK), quote)
        return quote + 1

    def field_name(self, text: str, pos: int, base: int) -> str | None:
        return self._path_at(text, pos, base)

    def locate(self, text: str, pos: int, base: int, line: int, column: int) -> dict[str, Any]:
        path = self._path_at(text, pos, base)
        return {"recordIndex": line - 1 if self.kind == "jsonl" else 0, "jsonPath": path}


def _path_index(text: str, start: int, end: int) -> tuple[list[int], list[str]]:
    """Offsets where the element path changes, and the path from each offset on.

    Array elements keep their position, as Macie's paths do (``$.payments[0].card``).
    """
    starts, paths = [start], ["$"]
    # Each open container: the key that holds it (None: none) and, for an array, the
    # position of the current element.
    stack: list[tuple[str | None, int | None]] = []
    pending: str | None = None
    for match in _JSON_TOKEN.finditer(text, start, end):
        token = match.group()
        if token == "{" or token == "[":
            stack.append((pending, 0 if token == "[" else None))
            pending = None
            if token == "[":
                starts.append(match.end())
                paths.append(_path(stack, None))
        elif token == "}" or token == "]":
            if stack:
                stack.pop()
            starts.append(match.end())
            paths.append(_path(stack, None))
        elif token == ":":
            starts.append(match.end())
            paths.append(_path(stack, pending))
        elif token == ",":
            pending = None
            if stack and stack[-1][1] is not None:
                key, position = stack[-1]
                stack[-1] = (key, (position or 0) + 1)
                starts.append(match.end())
                paths.append(_path(stack, None))
        else:
            pending = token[1:-1]
    return starts, paths


def _path(stack: list[tuple[str | None, int | None]], key: str | None) -> str:
    path = "$"
    for name, position in stack:
        if name:
            path += f".{name}"
        if position is not None:
            path += f"[{position}]"
    return f"{path}.{key}" if key else path


def structure_for(name: str) -> Structure:
    """The structure to assume from a file name's extension (``people.csv.gz``: CSV)."""
    lower = name.lower()
    for suffix in (".gz", ".gzip"):
        lower = lower.removesuffix(suffix)
    if lower.endswith(".csv"):
        return Delimited(",")
    if lower.endswith(".tsv") or lower.endswith(".tab"):
        return Delimited("\t")
    if lower.endswith((".jsonl", ".ndjson", ".jsonlines")):
        return JsonPaths(lines=True)
    if lower.endswith(".json"):
        return JsonPaths(lines=False)
    return Structure()


def _escaped(text: str, pos: int) -> bool:
    """Whether the character at ``pos`` follows an odd number of backslashes."""
    slashes = 0
    while pos - slashes - 1 >= 0 and text[pos - slashes - 1] == "\\":
        slashes += 1
    return slashes % 2 == 1
