"""How findings look: table columns, CSV rows, the readable ``show`` view (pure).

Every string shown comes from the finding, and object keys and tags are chosen by
whoever can write to the bucket: control and bidi characters are made visible
(``[U+001B]``) before they reach a terminal, and CSV cells that a spreadsheet would run
as a formula are prefixed with ``'``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from macie_notify.findings.criteria import SEVERITY_SCORES, severity_score
from macie_notify.notifier.message import neutralise
from macie_notify.render import Column, TableSpec

SEVERITY_STYLES = {"Low": "yellow", "Medium": "dark_orange", "High": "bold red"}

CSV_COLUMNS = (
    "id",
    "type",
    "category",
    "severity",
    "severityScore",
    "count",
    "accountId",
    "region",
    "bucket",
    "key",
    "jobId",
    "title",
    "createdAt",
    "updatedAt",
    "archived",
    "sample",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def terminal_text(value: Any) -> str:
    """A cell safe for a terminal: control and bidi characters shown as ``[U+....]``."""
    return neutralise("" if value is None else str(value))


def severity_label(finding: Mapping[str, Any]) -> str:
    return str((finding.get("severity") or {}).get("description") or "-")


def bucket_name(finding: Mapping[str, Any]) -> str | None:
    res = finding.get("resourcesAffected") or {}
    name = (res.get("s3Bucket") or {}).get("name")
    return None if name is None else str(name)


def object_key(finding: Mapping[str, Any]) -> str | None:
    res = finding.get("resourcesAffected") or {}
    key = (res.get("s3Object") or {}).get("key")
    return None if key is None else str(key)


def job_id(finding: Mapping[str, Any]) -> str | None:
    value = (finding.get("classificationDetails") or {}).get("jobId")
    return None if value is None else str(value)


def _resource(finding: Mapping[str, Any]) -> str:
    bucket, key = bucket_name(finding), object_key(finding)
    if bucket is None:
        return "-"
    return terminal_text(f"{bucket}/{key}" if key else bucket)


def _minute(value: Any) -> str:
    """``2026-12-01T15:42:04.384Z`` as ``2026-12-01 15:42`` (the table's width; JSON keeps all)."""
    text = terminal_text(value)
    if len(text) >= 16 and text[10] == "T":
        return f"{text[:10]} {text[11:16]}"
    return text or "-"


def _severity_style(finding: Mapping[str, Any]) -> str:
    return SEVERITY_STYLES.get(severity_label(finding), "")


FINDINGS_TABLE = TableSpec(
    columns=[
        Column("Severity", severity_label, style_of=_severity_style, min_width=8),
        # Types, keys and ids are folded, not cut: at 80 columns every one would end in the
        # same "…", and the id is what `findings show` takes.
        Column("Type", lambda f: terminal_text(f.get("type")), overflow="fold"),
        Column("Bucket / key", _resource, overflow="fold"),
        Column("Count", lambda f: f.get("count"), justify="right", min_width=5),
        Column("Updated (UTC)", lambda f: _minute(f.get("updatedAt")), min_width=10),
        Column("Id", lambda f: terminal_text(f.get("id")), style="dim", overflow="fold"),
    ],
    empty="No findings match.",
)

STATS_TABLE = TableSpec(
    columns=[
        Column("Group", lambda r: terminal_text(r.get("groupKey"))),
        Column("Count", "count", justify="right"),
    ],
    empty="No findings match.",
)


def csv_row(finding: Mapping[str, Any]) -> dict[str, Any]:
    """One finding as the flat CSV columns."""
    severity = finding.get("severity") or {}
    return {
        "id": finding.get("id"),
        "type": finding.get("type"),
        "category": finding.get("category"),
        "severity": severity.get("description"),
        "severityScore": severity.get("score"),
        "count": finding.get("count"),
        "accountId": finding.get("accountId"),
        "region": finding.get("region"),
        "bucket": bucket_name(finding),
        "key": object_key(finding),
        "jobId": job_id(finding),
        "title": finding.get("title"),
        "createdAt": finding.get("createdAt"),
        "updatedAt": finding.get("updatedAt"),
        "archived": finding.get("archived"),
        "sample": finding.get("sample"),
    }


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(findings: Iterable[Mapping[str, Any]]) -> str:
    """A header line and one line per finding (RFC 4180 quoting)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for finding in findings:
        row = csv_row(finding)
        writer.writerow([_csv_cell(row[c]) for c in CSV_COLUMNS])
    return buffer.getvalue()


def at_or_above(findings: Iterable[Mapping[str, Any]], minimum: str) -> list[Mapping[str, Any]]:
    """The findings whose severity is at least ``minimum`` (``--fail-on``)."""
    floor = SEVERITY_SCORES[minimum]
    return [f for f in findings if severity_score(f) >= floor]


def occurrence_rows(finding: Mapping[str, Any]) -> list[dict[str, str]]:
    """Where each detection was found (lines, pages, cells, records), one row each."""
    result = (finding.get("classificationDetails") or {}).get("result") or {}
    rows: list[dict[str, str]] = []
    for group in result.get("sensitiveData") or []:
        for det in group.get("detections") or []:
            rows += _occurrences(str(det.get("type")), det)
    for det in (result.get("customDataIdentifiers") or {}).get("detections") or []:
        rows += _occurrences(str(det.get("name")), det)
    return rows


def _occurrences(name: str, detection: Mapping[str, Any]) -> list[dict[str, str]]:
    occ = detection.get("occurrences") or {}
    out = [
        f"line {r.get('start')}" + (f"-{r.get('end')}" if r.get("end") != r.get("start") else "")
        for r in occ.get("lineRanges") or []
    ]
    out += [f"page {p.get('pageNumber')}" for p in occ.get("pages") or []]
    out += [
        f"cell {c.get('cellReference') or ''} (row {c.get('row')}, column "
        f"{c.get('columnName') or c.get('column')})"
        for c in occ.get("cells") or []
    ]
    out += [
        f"record {r.get('recordIndex')} {r.get('jsonPath') or ''}".strip()
        for r in occ.get("records") or []
    ]
    if not out:
        out = [f"{detection.get('count', 0)} (no locations reported)"]
    return [{"detection": terminal_text(name), "where": terminal_text(w)} for w in out]


OCCURRENCES_TABLE = TableSpec(
    columns=[Column("Detection", "detection"), Column("Where", "where")],
    title="Occurrences",
    empty="No occurrence locations (a policy finding, or none reported).",
)


def count_summary(findings: Sequence[Mapping[str, Any]]) -> str:
    """``12 findings: 3 High, 5 Medium, 4 Low`` (stderr line under a table)."""
    by: dict[str, int] = {}
    for finding in findings:
        by[severity_label(finding)] = by.get(severity_label(finding), 0) + 1
    parts = [f"{by[s]} {s}" for s in ("High", "Medium", "Low") if by.get(s)]
    noun = "finding" if len(findings) == 1 else "findings"
    return f"{len(findings)} {noun}" + (": " + ", ".join(parts) if parts else "")
