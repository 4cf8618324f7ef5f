"""Legacy Office files (.doc, .xls: OLE2 compound documents).

Macie analyses them, but no maintained pure-Python library extracts their text, so they are
not scanned locally. They are reported with a reason that says so (and what to do), never
as clean and never as a format Macie would skip.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from macie_notify.detect.sources import Limits, ReaderUnavailable, Segment

NOT_READ = (
    "not scanned locally: legacy Office file ({kind}, OLE2); Macie analyses it - save it as "
    "{modern} to scan it here"
)


def read_doc(stream: IO[bytes], name: str, limits: Limits) -> Iterator[Segment]:
    raise ReaderUnavailable(NOT_READ.format(kind="Word .doc", modern=".docx"))


def read_xls(stream: IO[bytes], name: str, limits: Limits) -> Iterator[Segment]:
    raise ReaderUnavailable(NOT_READ.format(kind="Excel .xls", modern=".xlsx"))
