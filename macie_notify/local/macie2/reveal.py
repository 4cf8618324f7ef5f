"""Revealing the sensitive data a finding reports: configuration and occurrences.

Macie retrieves the occurrences from the affected S3 object when asked
(https://docs.aws.amazon.com/macie/latest/user/findings-retrieve-sd.html): the account's
reveal configuration must be ENABLED (with a KMS key), the finding must be a
sensitive-data finding (not a sample) whose object still exists and is under the size
quota, and at most 10 occurrences per type are returned, each the detected text (1-128
characters). Keys are the managed data identifier's id, or the custom identifier's name.

The detection engine records where an occurrence starts (line and column, CSV cell, JSON
path) but not where it ends, so the text is recovered by scanning growing prefixes of the
object from that position with the same identifier until it is detected there again.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping
from typing import Any

from macie_notify.local.macie2.exceptions import ValidationException

__all__ = ["MAX_REVEAL_BYTES", "availability", "occurrences", "update_configuration"]

MAX_REVEAL_BYTES = 10 * 1024 * 1024
MAX_PER_TYPE = 10
MAX_VALUE = 128
# Context kept before an occurrence so that keyword-gated identifiers still fire.
_CONTEXT = 400
_BOUNDARY = re.compile(r"[\s,;\"'<>()\[\]{}|]")


def update_configuration(current: dict[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
    """UpdateRevealConfiguration: ENABLED needs a KMS key; retrieval defaults to the caller."""
    configuration = dict(params["configuration"])
    if configuration["status"] == "ENABLED" and not configuration.get("kmsKeyId"):
        raise ValidationException("configuration.kmsKeyId is required to enable reveal.")
    retrieval = dict(
        params.get("retrievalConfiguration")
        or current.get("retrievalConfiguration")
        or {"retrievalMode": "CALLER_CREDENTIALS"}
    )
    if retrieval["retrievalMode"] == "ASSUME_ROLE":
        if not retrieval.get("roleName"):
            raise ValidationException("retrievalConfiguration.roleName is required.")
        retrieval.setdefault("externalId", current.get("externalId"))
    else:
        retrieval.pop("roleName", None)
    return {"configuration": configuration, "retrievalConfiguration": retrieval}


def availability(finding: Mapping[str, Any], data: bytes | None) -> dict[str, Any]:
    """GetSensitiveDataOccurrencesAvailability for one finding and its object's bytes."""
    reasons = []
    if finding.get("category") != "CLASSIFICATION" or finding.get("sample"):
        reasons.append("UNSUPPORTED_FINDING_TYPE")
    elif data is None:
        reasons.append("OBJECT_UNAVAILABLE")
    elif len(data) > MAX_REVEAL_BYTES:
        reasons.append("OBJECT_EXCEEDS_SIZE_QUOTA")
    return {"code": "UNAVAILABLE" if reasons else "AVAILABLE", "reasons": reasons}


def occurrences(
    finding: Mapping[str, Any], data: bytes, custom: Mapping[str, Any]
) -> dict[str, list[dict[str, str]]]:
    """Type -> up to 10 ``{"value": text}`` recovered from the object's bytes.

    ``custom`` maps a custom identifier's ARN to its GetCustomDataIdentifier document.
    """
    from macie_notify.detect import CustomIdentifierSpec, IdentifierSelection

    text = data.decode("utf-8", errors="replace")
    key = str((finding.get("resourcesAffected") or {}).get("s3Object", {}).get("key") or "")
    result = (finding.get("classificationDetails") or {}).get("result") or {}
    found: dict[str, list[dict[str, str]]] = {}
    for group in result.get("sensitiveData") or []:
        for det in group.get("detections") or []:
            selection = IdentifierSelection("INCLUDE", (det["type"],))
            values = _values(text, key, det.get("occurrences") or {}, selection, ())
            if values:
                found[det["type"]] = values
    for det in (result.get("customDataIdentifiers") or {}).get("detections") or []:
        spec_doc = custom.get(str(det.get("arn")))
        if spec_doc is None:
            continue
        spec = CustomIdentifierSpec.from_api(spec_doc)
        values = _values(
            text, key, det.get("occurrences") or {}, IdentifierSelection("NONE"), (spec,)
        )
        if values:
            found[str(det.get("name"))] = values
    return found


def _values(
    text: str, key: str, located: Mapping[str, Any], selection: Any, custom: tuple[Any, ...]
) -> list[dict[str, str]]:
    values: list[str] = []
    for item in located.get("lineRanges") or []:
        value = _from_line(
            text, int(item["start"]), int(item.get("startColumn") or 1), selection, custom
        )
        if value:
            values.append(value)
    for item in located.get("cells") or []:
        value = _from_cell(text, key, int(item["row"]), int(item["column"]))
        if value:
            values.append(value)
    for item in located.get("records") or []:
        value = _from_record(text, key, int(item.get("recordIndex") or 0), item.get("jsonPath"))
        if value:
            values.append(value)
    unique = list(dict.fromkeys(v[:MAX_VALUE] for v in values))
    return [{"value": v} for v in unique[:MAX_PER_TYPE]]


def _line_offset(text: str, line: int) -> int:
    at = 0
    for _ in range(line - 1):
        at = text.find("\n", at)
        if at < 0:
            return -1
        at += 1
    return at


def _from_line(text: str, line: int, column: int, selection: Any, custom: tuple[Any, ...]) -> str:
    from macie_notify.detect import scan_bytes

    start = _line_offset(text, line)
    if start < 0:
        return ""
    pos = start + column - 1
    context_start = text.rfind("\n", 0, max(0, pos - _CONTEXT)) + 1
    want_line = text.count("\n", context_start, pos) + 1
    want_column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    limit = min(len(text), pos + MAX_VALUE)
    ends = [m.start() for m in _BOUNDARY.finditer(text, pos + 1, limit)] + [limit]
    for end in dict.fromkeys(ends):
        fragment = text[context_start:end]
        scanned = scan_bytes(
            fragment.encode("utf-8"), name="reveal.txt", identifiers=selection, custom=custom
        )
        for det in [*scanned.managed.values(), *scanned.custom.values()]:
            for occ in det.occurrences:
                if occ.get("start") == want_line and occ.get("startColumn") == want_column:
                    return text[pos:end].strip()
    return ""


def _rows(text: str, key: str) -> list[list[str]]:
    delimiter = "\t" if key.lower().endswith(".tsv") else ","
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def _from_cell(text: str, key: str, row: int, column: int) -> str:
    rows = _rows(text, key)
    if 1 <= row <= len(rows) and 1 <= column <= len(rows[row - 1]):
        return rows[row - 1][column - 1].strip()
    return ""


_PATH_STEP = re.compile(r"\.([^.\[]+)|\[(\d+)\]|\['([^']*)'\]")


def _from_record(text: str, key: str, index: int, path: Any) -> str:
    if not isinstance(path, str) or not path.startswith("$"):
        return ""
    try:
        if key.lower().endswith((".jsonl", ".ndjson")):
            lines = [line for line in text.splitlines() if line.strip()]
            node: Any = json.loads(lines[index])
        else:
            node = json.loads(text)
    except (ValueError, IndexError):
        return ""
    for match in _PATH_STEP.finditer(path, 1):
        name, position, quoted = match.groups()
        try:
            node = node[int(position)] if position is not None else node[name or quoted]
        except (KeyError, IndexError, TypeError):
            return ""
    if isinstance(node, (dict, list)):
        return ""
    return str(node)
