"""Every file format read by a library: Word, Excel, PDF, email, Avro, Parquet. Each has a
positive (a value Macie reports, located as Macie locates it) and decoys (invalid values,
values without their keyword), through both engines; a missing library is a clear reason."""

from __future__ import annotations

import builtins
import io
import zipfile
from typing import Any

import pytest
from format_fixtures import avro, docx, eml, parquet, pdf, xlsx

from macie_notify.detect import sources

SSN = ["USA_SOCIAL_SECURITY_NUMBER"]
GOOD, BAD = "536-22-8726", "666-22-8726"  # the second fails the SSA rules


def occurrences(result: Any, ident: str = SSN[0]) -> dict[str, Any]:
    detections = result.classification_result()["sensitiveData"][0]["detections"]
    return next(d["occurrences"] for d in detections if d["type"] == ident)


def test_docx_paragraphs_are_lines(scan) -> None:
    data = docx(["Employee file", f"SSN: {BAD}", "notes", f"ssn {GOOD}", "x" * 40, f"ref {GOOD}"])
    result = scan(data, name="people.docx", ids=SSN)
    assert result.status == "COMPLETE"
    assert result.mime_type.endswith("wordprocessingml.document")
    assert result.managed[SSN[0]].count == 1
    assert occurrences(result) == {"lineRanges": [{"start": 4, "end": 4, "startColumn": 5}]}


def test_xlsx_cells_with_column_names_and_references(scan) -> None:
    data = xlsx(
        {
            "Staff": [["name", "ssn", "note"], ["Ann", GOOD, "x"], ["Bob", BAD, "y"]],
            "Other": [["id", "comment"], ["1", f"free text {GOOD}"]],
        }
    )
    result = scan(data, name="staff.xlsx", ids=SSN)
    assert result.managed[SSN[0]].count == 1  # no keyword near the second sheet's value
    assert occurrences(result) == {
        "cells": [{"row": 2, "column": 2, "columnName": "ssn", "cellReference": "Staff!B2"}]
    }


def test_xlsx_numbers_and_sparse_rows_keep_their_positions(scan) -> None:
    data = xlsx({"S": [["a", "b", "c", "bank account"], ["", "", "", "123456789012"]]})
    result = scan(data, name="n.xlsx", ids=["BANK_ACCOUNT_NUMBER"])
    assert occurrences(result, "BANK_ACCOUNT_NUMBER")["cells"][0]["cellReference"] == "S!D2"


def test_eml_headers_text_and_html_parts(scan) -> None:
    data = eml(f"ssn {GOOD}", f"Hello,\nSSN {BAD}\n", f"<p>Social Security <b>{GOOD}</b></p>")
    result = scan(data, name="mail.eml", ids=SSN)
    assert result.mime_type == "message/rfc822"
    assert result.managed[SSN[0]].count == 2  # subject and the HTML part; not the invalid one


def test_pdf_pages_and_lines(scan) -> None:
    pytest.importorskip("pypdf")
    data = pdf([["Cover page", f"ref {GOOD}"], ["Details", "more", f"SSN: {GOOD}", f"ssn {BAD}"]])
    result = scan(data, name="report.pdf", ids=SSN)
    assert result.mime_type == "application/pdf"
    assert result.managed[SSN[0]].count == 1
    (page,) = occurrences(result)["pages"]
    assert page["pageNumber"] == 2 and page["lineRange"]["start"] == 3


def test_pdf_found_by_magic_without_extension(scan) -> None:
    pytest.importorskip("pypdf")
    result = scan(pdf([[f"SSN: {GOOD}"]]), name="download", ids=SSN)
    assert result.managed[SSN[0]].count == 1


_SCHEMA = {
    "type": "record",
    "name": "Person",
    "fields": [
        {"name": "name", "type": "string"},
        {"name": "ssn", "type": "string"},
        {"name": "notes", "type": "string"},
    ],
}


def test_avro_records_located_by_index_and_path(scan) -> None:
    pytest.importorskip("fastavro")
    rows = [
        {"name": "Ann", "ssn": BAD, "notes": "-"},
        {"name": "Bob", "ssn": GOOD, "notes": f"no keyword here {GOOD}"},
    ]
    result = scan(avro(rows, _SCHEMA), name="people.avro", ids=SSN)
    assert result.managed[SSN[0]].count == 1
    assert occurrences(result) == {"records": [{"recordIndex": 1, "jsonPath": "$.ssn"}]}


def test_parquet_records_and_nested_paths(scan) -> None:
    pytest.importorskip("pyarrow")
    rows = [{"id": i, "person": {"ssn": GOOD if i == 2 else BAD}} for i in range(4)]
    result = scan(parquet(rows), name="people.parquet", ids=SSN)
    assert result.managed[SSN[0]].count == 1
    assert occurrences(result) == {"records": [{"recordIndex": 2, "jsonPath": "$.person.ssn"}]}


def test_formats_inside_a_zip_are_read(scan) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a/people.docx", docx([f"ssn {GOOD}"]))
        z.writestr("a/staff.xlsx", xlsx({"S": [["ssn"], [GOOD]]}))
    result = scan(buf.getvalue(), name="bundle.zip", ids=SSN)
    assert result.managed[SSN[0]].count == 2


def test_broken_documents_are_unparsable(scan) -> None:
    for name, data in (("x.docx", b"PK\x03\x04broken"), ("x.xlsx", docx(["no workbook"]))):
        result = scan(data, name=name, ids=SSN)
        assert (result.status, result.reason) == ("SKIPPED", "UNABLE_TO_PARSE_FILE")


def test_ooxml_ratio_limit(scan) -> None:
    bomb = docx(["a" * 5_000_000])
    result = scan(bomb, name="bomb.docx", ids=SSN)
    assert result.reason == "OOXML_UNCOMPRESSED_RATIO_EXCEEDS_LIMIT"


@pytest.mark.parametrize(
    ("name", "module", "data"),
    [
        ("r.pdf", "pypdf", b"%PDF-1.4\n"),
        ("r.avro", "fastavro", b"Obj\x01"),
        ("r.parquet", "pyarrow", b"PAR1"),
    ],
)
def test_missing_library_is_reported(
    scan, monkeypatch: pytest.MonkeyPatch, name: str, module: str, data: bytes
) -> None:
    real_import = builtins.__import__

    def no_library(target: str, *args: Any, **kwargs: Any) -> Any:
        if target.split(".")[0] == module:
            raise ImportError(f"No module named {target!r}")
        return real_import(target, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_library)
    result = scan(data, name=name, ids=SSN)
    assert result.status == "SKIPPED"
    assert result.reason is not None and result.reason.startswith(
        "not scanned: install macie-notify[formats]"
    )
    assert module in result.reason


def test_readers_are_registered() -> None:
    names = {r.name for r in sources._READERS}
    sources.reader_for("x", b"")  # loads the bundled readers
    names = {r.name for r in sources._READERS}
    assert {"docx", "xlsx", "pdf", "avro", "parquet", "eml"} <= names


@pytest.mark.parametrize(("name", "modern"), [("old.doc", ".docx"), ("old.xls", ".xlsx")])
def test_legacy_office_files_are_reported_not_scanned(scan, name: str, modern: str) -> None:
    result = scan(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, name=name, ids=SSN)
    assert result.status == "SKIPPED"
    assert result.reason is not None and result.reason.startswith("not scanned locally")
    assert modern in result.reason


def test_images_keep_macies_unsupported_reason(scan) -> None:
    result = scan(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, name="photo.png", ids=SSN)
    assert (result.status, result.reason) == ("SKIPPED", "UNSUPPORTED_FILE_TYPE_EXCEPTION")
