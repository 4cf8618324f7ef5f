"""``scan -o sarif``: a SARIF 2.1.0 log that code-scanning tools and SARIF viewers read.

One result per detection (a file and a managed identifier type or custom identifier, as in
``sensitiveData[].detections[]``), located at the detection's first occurrence, with the
other located occurrences (Macie locates at most 15) as related locations. Rules are the
identifiers: managed identifier IDs and custom identifier names
(https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from macie_notify.detect.result import FileResult, managed_severity

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
VERSION = "2.1.0"
INFO_URI = "https://docs.aws.amazon.com/macie/latest/user/managed-data-identifiers.html"
_LEVEL = {"High": "error", "Medium": "warning", "Low": "note"}
_SECURITY_SEVERITY = {"High": "8.0", "Medium": "5.0", "Low": "2.0"}


def sarif_log(files: Iterable[FileResult], *, tool_version: str) -> dict[str, Any]:
    """The SARIF document for the files with findings (paths as ``scan`` shows them)."""
    rules: dict[str, dict[str, Any]] = {}
    results: list[dict[str, Any]] = []
    for result in files:
        if not result.has_findings:
            continue
        for key in sorted(result.managed):
            det = result.managed[key]
            severity = managed_severity(key, det.count)
            rule = rules.setdefault(key, _rule(key, f"Amazon Macie managed data identifier {key}"))
            results.append(_result(result, rule, key, det.count, severity, det.occurrences))
        for det in result.reported_custom:
            rule_id = f"custom/{det.key}"
            rule = rules.setdefault(rule_id, _rule(rule_id, f"Custom data identifier {det.key}"))
            severity = det.severity.capitalize() if det.severity else "Medium"
            results.append(_result(result, rule, det.key, det.count, severity, det.occurrences))
    return {
        "$schema": SCHEMA,
        "version": VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "macie-notify",
                        "version": tool_version,
                        "informationUri": INFO_URI,
                        "rules": list(rules.values()),
                    }
                },
                "results": results,
                "columnKind": "unicodeCodePoints",
            }
        ],
    }


def _rule(rule_id: str, description: str) -> dict[str, Any]:
    return {
        "id": rule_id,
        "name": rule_id.replace("/", "_"),
        "shortDescription": {"text": description},
        "properties": {"tags": ["security", "sensitive-data"]},
    }


def _result(
    result: FileResult,
    rule: Mapping[str, Any],
    label: str,
    count: int,
    severity: str,
    occurrences: list[dict[str, Any]],
) -> dict[str, Any]:
    records = result.mime_type == "application/jsonl"  # one record a line
    located = [_location(result.path, occ, records) for occ in occurrences]
    located = located or [_location(result.path, {}, records)]
    out: dict[str, Any] = {
        "ruleId": rule["id"],
        "level": _LEVEL.get(severity, "warning"),
        "message": {
            "text": f"{label}: {count} occurrence{'s' if count != 1 else ''} in this file "
            f"(severity {severity})"
        },
        "locations": located[:1],
        "properties": {"count": count, "security-severity": _SECURITY_SEVERITY[severity]},
    }
    if len(located) > 1:
        out["relatedLocations"] = [
            {"id": index, **loc} for index, loc in enumerate(located[1:], start=1)
        ]
    return out


def _location(path: str, occurrence: Mapping[str, Any], records: bool) -> dict[str, Any]:
    # An archive member ("a.zip!dir/b.csv") is reported on the archive: that is the file a
    # viewer can open; the member is named in the region's message.
    outer, _, member = path.partition("!")
    physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(outer)}}
    region = _region(occurrence, records)
    if region:
        physical["region"] = region
    location: dict[str, Any] = {"physicalLocation": physical}
    if member:
        location["message"] = {"text": f"in archive member {member}"}
    return location


def _region(occurrence: Mapping[str, Any], records: bool) -> dict[str, Any]:
    """A line (and column) from Macie's occurrence shapes: lineRanges, cells, and the
    records of JSON Lines (a JSON document's records have no line)."""
    line = occurrence.get("start") or occurrence.get("row")
    index = occurrence.get("recordIndex")
    if line is None and records and isinstance(index, int):
        line = index + 1
    if not isinstance(line, int) or line < 1:
        return {}
    region: dict[str, Any] = {"startLine": line}
    column = occurrence.get("startColumn")
    if isinstance(column, int) and column >= 1:
        region["startColumn"] = column
    return region


def _uri(path: str) -> str:
    from urllib.parse import quote

    return quote(path.replace("\\", "/"), safe="/:@-._~")
