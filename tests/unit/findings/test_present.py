"""What a terminal and a spreadsheet see of hostile findings."""

from __future__ import annotations

import csv
import io

from findings_fakes import finding
from rich.console import Console

from macie_notify.findings.present import (
    CSV_COLUMNS,
    FINDINGS_TABLE,
    at_or_above,
    count_summary,
    occurrence_rows,
    terminal_text,
    to_csv,
)
from macie_notify.render import render

HOSTILE_KEY = "report\x1b[31m\u202e.csv\x07"


def hostile() -> dict[str, object]:
    doc = finding("id-1", 0, severity="High")
    doc["resourcesAffected"] = {
        "s3Bucket": {"name": "bucket"},
        "s3Object": {"key": HOSTILE_KEY},
    }
    doc["title"] = '=HYPERLINK("http://evil")'
    return doc


def test_terminal_text_shows_control_and_bidi_characters() -> None:
    assert terminal_text(HOSTILE_KEY) == "report[U+001B][31m[U+202E].csv[U+0007]"
    assert terminal_text(None) == ""


def test_table_neutralises_keys_and_colours_severity() -> None:
    console = Console(file=io.StringIO(), width=200, color_system="truecolor")
    render([hostile()], "table", console, table=FINDINGS_TABLE)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "\x1b[31m" not in text.replace("\x1b[1;31m", "")  # only our own colour codes
    assert "\u202e" not in text and "\x07" not in text
    assert "bucket/report[U+001B][31m[U+202E].csv[U+0007]" in text
    plain = Console(file=io.StringIO(), width=200, no_color=True)
    render([hostile()], "table", plain, table=FINDINGS_TABLE)
    row = plain.file.getvalue().splitlines()[3]  # type: ignore[attr-defined]
    assert [c.strip() for c in row.strip("│").split("│")][:2] == [
        "High",
        "SensitiveData:S3Object/Personal",
    ]


def test_csv_guards_formulas_and_flattens() -> None:
    rows = list(csv.reader(io.StringIO(to_csv([hostile()]))))
    assert rows[0] == list(CSV_COLUMNS)
    record = dict(zip(CSV_COLUMNS, rows[1], strict=True))
    assert record["title"] == '\'=HYPERLINK("http://evil")'
    assert record["key"] == HOSTILE_KEY  # data for scripts stays exact
    assert record["bucket"] == "bucket" and record["severity"] == "High"
    assert record["archived"] == "false" and record["jobId"] == ""


def test_fail_on_threshold_and_summary() -> None:
    docs = [finding("a", 0), finding("b", 0, severity="Medium"), finding("c", 0, severity="High")]
    assert [f["id"] for f in at_or_above(docs, "Medium")] == ["b", "c"]
    assert at_or_above(docs[:1], "High") == []
    assert count_summary(docs) == "3 findings: 1 High, 1 Medium, 1 Low"
    assert count_summary([]) == "0 findings"


def test_occurrences_of_each_detection() -> None:
    doc = finding("o", 0)
    doc["classificationDetails"] = {
        "result": {
            "sensitiveData": [
                {
                    "category": "PERSONAL_INFORMATION",
                    "detections": [
                        {
                            "type": "USA_SOCIAL_SECURITY_NUMBER",
                            "count": 2,
                            "occurrences": {
                                "lineRanges": [{"start": 3, "end": 3}, {"start": 5, "end": 6}],
                                "cells": [{"row": 2, "column": 4, "columnName": "ssn",
                                           "cellReference": "D2"}],
                            },
                        }
                    ],
                }
            ],
            "customDataIdentifiers": {
                "detections": [{"name": "employee-id", "count": 1, "occurrences": {}}]
            },
        }
    }  # fmt: skip
    assert occurrence_rows(doc) == [
        {"detection": "USA_SOCIAL_SECURITY_NUMBER", "where": "line 3"},
        {"detection": "USA_SOCIAL_SECURITY_NUMBER", "where": "line 5-6"},
        {"detection": "USA_SOCIAL_SECURITY_NUMBER", "where": "cell D2 (row 2, column ssn)"},
        {"detection": "employee-id", "where": "1 (no locations reported)"},
    ]
