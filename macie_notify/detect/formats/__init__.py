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

from macie_notify.detect.formats.legacy import read_doc, read_xls
from macie_notify.detect.formats.mail import read_eml
from macie_notify.detect.formats.office import read_docx, read_xlsx
from macie_notify.detect.formats.pdf import read_pdf
from macie_notify.detect.formats.records import read_avro, read_parquet
from macie_notify.detect.sources import FormatReader, register_reader

_OOXML = "application/vnd.openxmlformats-officedocument"

READERS = (
    FormatReader("docx", f"{_OOXML}.wordprocessingml.document", read_docx, (".docx",)),
    FormatReader("xlsx", f"{_OOXML}.spreadsheetml.sheet", read_xlsx, (".xlsx",)),
    FormatReader("pdf", "application/pdf", read_pdf, (".pdf",), (b"%PDF",)),
    FormatReader("avro", "avro/binary", read_avro, (".avro",), (b"Obj\x01",)),
    FormatReader("parquet", "application/parquet", read_parquet, (".parquet",), (b"PAR1",)),
    FormatReader("eml", "message/rfc822", read_eml, (".eml",)),
    FormatReader("doc", "application/msword", read_doc, (".doc",)),
    FormatReader("xls", "application/vnd.ms-excel", read_xls, (".xls",)),
)

for _reader in READERS:
    register_reader(_reader)
