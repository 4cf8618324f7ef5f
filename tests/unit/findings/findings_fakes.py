"""A hand-written in-memory macie2 double: just enough of ListFindings / GetFindings /
GetFindingStatistics for the retrieval and tail logic (``eq``/``neq`` on top-level and
dotted fields, ``gte`` on updatedAt, sort by any attribute, pages of 50)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from macie_notify.findings.criteria import millis_of
from macie_notify.findings.retrieval import sort_findings, sort_value

BASE = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)


def stamp(ms: int) -> str:
    when = BASE + timedelta(milliseconds=ms)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def finding(
    fid: str, at_ms: int, *, count: int = 1, severity: str = "Low", **kw: Any
) -> dict[str, Any]:
    score = {"Low": 1, "Medium": 2, "High": 3}[severity]
    return {
        "id": fid,
        "type": kw.pop("type", "SensitiveData:S3Object/Personal"),
        "archived": False,
        "count": count,
        "createdAt": stamp(kw.pop("created_ms", at_ms)),
        "updatedAt": stamp(at_ms),
        "severity": {"description": severity, "score": score},
        "resourcesAffected": {"s3Bucket": {"name": kw.pop("bucket", "b")}},
        **kw,
    }


def _values(doc: Mapping[str, Any], path: str) -> list[str]:
    value = sort_value(doc, path)
    if isinstance(value, bool):
        return ["true" if value else "false"]
    return [] if value is None else [str(value)]


class FakeMacie:
    def __init__(self, shuffle_get: bool = False) -> None:
        self.docs: dict[str, dict[str, Any]] = {}
        self.calls: list[str] = []
        self.shuffle_get = shuffle_get

    def put(self, doc: dict[str, Any]) -> None:
        self.docs[doc["id"]] = doc

    def _match(self, doc: Mapping[str, Any], criteria: Mapping[str, Any]) -> bool:
        for field, ops in (criteria.get("criterion") or {}).items():
            values = _values(doc, field)
            if "eq" in ops and not set(values) & set(ops["eq"]):
                return False
            if "neq" in ops and set(values) & set(ops["neq"]):
                return False
            if "gte" in ops and not any(millis_of(v) >= ops["gte"] for v in values):
                return False
        return True

    def list_findings(self, **params: Any) -> dict[str, Any]:
        self.calls.append("ListFindings")
        found = [d for d in self.docs.values() if self._match(d, params["findingCriteria"])]
        ordered = sort_findings(found, params["sortCriteria"])
        start = int(params.get("nextToken") or 0)
        size = params.get("maxResults", 50)
        page = [d["id"] for d in ordered[start : start + size]]
        more = start + size < len(ordered)
        return {"findingIds": page, **({"nextToken": str(start + size)} if more else {})}

    def get_findings(self, findingIds: list[str]) -> dict[str, Any]:
        self.calls.append("GetFindings")
        assert len(findingIds) <= 50
        out = [dict(self.docs[i]) for i in findingIds if i in self.docs]
        if self.shuffle_get:
            random.Random(len(self.calls)).shuffle(out)  # Macie does not promise an order
        return {"findings": out}

    def get_finding_statistics(self, **params: Any) -> dict[str, Any]:
        self.calls.append("GetFindingStatistics")
        counts: dict[str, int] = {}
        for doc in self.docs.values():
            if self._match(doc, params["findingCriteria"]):
                for value in _values(doc, params["groupBy"]):
                    counts[value] = counts.get(value, 0) + 1
        return {"countsByGroup": [{"groupKey": k, "count": n} for k, n in counts.items()]}
