"""File formats read by a library: Word, Excel, PDF, Avro, Parquet and email.

Importing this package registers each reader with :mod:`macie_notify.detect.sources`
(extension first, then magic bytes). Word, Excel and email need only the standard library;
PDF, Avro and Parquet need the ``formats`` extra (``pip install macie-notify[formats]``), and
without it such a file is reported as not scanned with a reason that says so; legacy .doc and
.xls files are reported as not scanned locally (:mod:`.legacy`). The supported types follow
https://docs.aws.amazon.com/macie/latest/user/discovery-supported-formats.html; images,
audio, video and other binary files keep Macie's own UNSUPPORTED_FILE_TYPE_EXCEPTION.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import IO

from macie_notify.detect.sources import FormatReader, Limits, ReadFn, Segment, register_reader


def _lazy(module: str, function: str) -> ReadFn:
    """A reader whose module is imported when a file of its format turns up: a scan of
    plain text does not pay for the email or XML parsers (tens of milliseconds)."""

    def read(stream: IO[bytes], name: str, limits: Limits) -> Iterable[Segment]:
        found = importlib.import_module(f"{__name__}.{module}")
        reader: ReadFn = getattr(found, function)
        return reader(stream, name, limits)

    return read


_OOXML = "application/vnd.openxmlformats-officedocument"

READERS = (
    FormatReader(
        "docx", f"{_OOXML}.wordprocessingml.document", _lazy("office", "read_docx"), (".docx",)
    ),
    FormatReader("xlsx", f"{_OOXML}.spreadsheetml.sheet", _lazy("office", "read_xlsx"), (".xlsx",)),
    FormatReader("pdf", "application/pdf", _lazy("pdf", "read_pdf"), (".pdf",), (b"%PDF",)),
    FormatReader("avro", "avro/binary", _lazy("records", "read_avro"), (".avro",), (b"Obj\x01",)),
    FormatReader(
        "parquet",
        "application/parquet",
        _lazy("records", "read_parquet"),
        (".parquet",),
        (b"PAR1",),
    ),
    FormatReader("eml", "message/rfc822", _lazy("mail", "read_eml"), (".eml",)),
    FormatReader("doc", "application/msword", _lazy("legacy", "read_doc"), (".doc",)),
    FormatReader("xls", "application/vnd.ms-excel", _lazy("legacy", "read_xls"), (".xls",)),
)

for _reader in READERS:
    register_reader(_reader)
