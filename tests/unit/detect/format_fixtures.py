"""Builders for small documents of every format the detect readers parse, made in memory
(no committed binaries): Word, Excel, PDF, email, Avro and Parquet."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from email.message import EmailMessage
from typing import Any
from xml.sax.saxutils import escape

_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_S = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_PR = 'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"'


def docx(paragraphs: Sequence[str]) -> bytes:
    body = "".join(f"<w:p><w:r><w:t>{escape(p)}</w:t></w:r></w:p>" for p in paragraphs)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", f"<w:document {_W}><w:body>{body}</w:body></w:document>")
    return out.getvalue()


def _col(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def xlsx(sheets: dict[str, Sequence[Sequence[str]]]) -> bytes:
    """Sheets of rows; text cells go to the shared strings table, numbers stay inline."""
    shared: list[str] = []
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        entries, rels = [], []
        for number, (name, rows) in enumerate(sheets.items(), start=1):
            entries.append(f'<sheet name="{escape(name)}" sheetId="{number}" r:id="rId{number}"/>')
            rels.append(
                f'<Relationship Id="rId{number}" Target="worksheets/sheet{number}.xml" Type="x"/>'
            )
            xml_rows = []
            for r, row in enumerate(rows, start=1):
                cells = []
                for c, value in enumerate(row, start=1):
                    ref = f"{_col(c)}{r}"
                    if value.isdigit():
                        cells.append(f'<c r="{ref}"><v>{value}</v></c>')
                    else:
                        shared.append(value)
                        cells.append(f'<c r="{ref}" t="s"><v>{len(shared) - 1}</v></c>')
                xml_rows.append(f'<row r="{r}">{"".join(cells)}</row>')
            z.writestr(
                f"xl/worksheets/sheet{number}.xml",
                f"<worksheet {_S}><sheetData>{''.join(xml_rows)}</sheetData></worksheet>",
            )
        z.writestr(
            "xl/workbook.xml", f"<workbook {_S} {_R}><sheets>{''.join(entries)}</sheets></workbook>"
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels", f"<Relationships {_PR}>{''.join(rels)}</Relationships>"
        )
        sis = "".join(f"<si><t>{escape(s)}</t></si>" for s in shared)
        z.writestr("xl/sharedStrings.xml", f"<sst {_S}>{sis}</sst>")
    return out.getvalue()


def pdf(pages: Sequence[Sequence[str]]) -> bytes:
    """A PDF 1.4 file whose pages show the given lines in Helvetica (offsets computed)."""
    objects: list[bytes] = []
    count = len(pages)
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(count))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {count} >>".encode())
    objects.append(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    )
    for index, lines in enumerate(pages):
        content_id = 5 + 2 * index
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {content_id} 0 R "
            "/Resources << /Font << /F1 3 0 R >> >> >>".encode()
        )
        ops = ["BT", "/F1 11 Tf", "14 TL", "72 720 Td"]
        for line in lines:
            safe = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops += [f"({safe}) Tj", "T*"]
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def eml(subject: str, body: str, html: str | None = None) -> bytes:
    message = EmailMessage()
    message["From"] = "Sender <sender@example.com>"
    message["To"] = "receiver@example.com"
    message["Subject"] = subject
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return bytes(message)


def avro(records: Sequence[dict[str, Any]], schema: dict[str, Any]) -> bytes:
    import fastavro

    out = io.BytesIO()
    fastavro.writer(out, fastavro.parse_schema(schema), list(records))
    return out.getvalue()


def parquet(records: Sequence[dict[str, Any]]) -> bytes:
    import pyarrow
    import pyarrow.parquet as pq

    out = io.BytesIO()
    pq.write_table(pyarrow.Table.from_pylist(list(records)), out, row_group_size=2)
    return out.getvalue()
