"""The findings half of the macie2 backend: store, suppression, queries, samples."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from macie_notify.local.macie2 import paging
from macie_notify.local.macie2.exceptions import ValidationException
from macie_notify.local.macie2.filters import Condition, matches, parse_criteria
from macie_notify.local.macie2.samples import (
    FINDING_TYPES,
    new_finding_id,
    sample_finding,
    synthetic_findings,
)
from macie_notify.local.macie2.shapes import now_iso
from macie_notify.local.macie2.store import FindingStore

if TYPE_CHECKING:
    from macie_notify.local.macie2.models import Macie2Backends

MAX_GET_FINDINGS = 50


class FindingsMixin:
    """Mixed into Macie2Backend; its lock guards everything here."""

    account_id: str
    region: str
    registry: Macie2Backends
    filters: dict[str, dict[str, Any]]

    def _init_findings(self) -> None:
        self.findings = FindingStore()

    def _publish(self, doc: dict[str, Any]) -> None:  # provided by Macie2Backend
        raise NotImplementedError

    def sorted_filters(self) -> list[dict[str, Any]]:  # provided by Macie2Backend
        raise NotImplementedError

    # -- writing ---------------------------------------------------------------------

    def _complete(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        """Fill what Macie always sets and keep only members of the model's Finding shape."""
        from macie_notify.local.macie2.routes import service_model
        from macie_notify.local.macie2.shapes import serialize

        stamp = now_iso()
        full = {
            "accountId": self.account_id,
            "archived": False,
            "count": 1,
            "createdAt": stamp,
            "partition": "aws",
            "region": self.region,
            "sample": False,
            "schemaVersion": "1.0",
            **dict(doc),
        }
        if not full.get("id"):
            full["id"] = new_finding_id()
        if not full.get("updatedAt"):
            full["updatedAt"] = full["createdAt"]
        shaped = serialize(service_model().shape_for("Finding"), full)
        assert isinstance(shaped, dict)
        return shaped

    def put_finding(self, doc: Mapping[str, Any], *, publish: bool = True) -> dict[str, Any]:
        """Store a new finding (defaults filled, suppression rules applied) and publish it.

        Call inside ``backend.transaction()`` so listeners run after the lock is released.
        """
        full = self._complete(doc)
        if self._suppressed(full):
            full["archived"] = True
        self.findings.put(full)
        if publish:
            self._publish(self._copy(full["id"]))
        return full

    def record_policy_finding(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        """A policy finding: a repeat of (type, bucket) updates count/updatedAt/lastSeen."""
        bucket = ((doc.get("resourcesAffected") or {}).get("s3Bucket") or {}).get("arn")
        for existing in self.findings.docs.values():
            same_bucket = existing["resourcesAffected"].get("s3Bucket", {}).get("arn") == bucket
            if existing["type"] == doc.get("type") and same_bucket and not existing["sample"]:
                return self._repeat(existing)
        return self.put_finding(doc)

    def _repeat(self, existing: dict[str, Any]) -> dict[str, Any]:
        updated: dict[str, Any] = json.loads(self.findings.json_text(existing["id"]))
        stamp = now_iso()
        updated["count"] = int(updated["count"]) + 1
        updated["updatedAt"] = stamp
        details = ((updated.get("policyDetails") or {}).get("action") or {}).get("apiCallDetails")
        if details:
            details["lastSeen"] = stamp
        self.findings.put(updated)
        self._publish(self._copy(updated["id"]))
        return updated

    def _copy(self, finding_id: str) -> dict[str, Any]:
        # Listeners get their own copy: they run on other threads after the lock is gone.
        copied: dict[str, Any] = json.loads(self.findings.json_text(finding_id))
        return copied

    def _suppressed(self, doc: dict[str, Any]) -> bool:
        from macie_notify.local.macie2.filters import flatten

        flat = None
        for item in self.sorted_filters():
            if item["action"] != "ARCHIVE":
                continue
            flat = flat or flatten(doc)
            if matches(parse_criteria(item["findingCriteria"]), flat):
                return True
        return False

    def _apply_suppression(self, item: Mapping[str, Any]) -> None:
        """An ARCHIVE filter archives the existing findings it matches, too."""
        if item["action"] != "ARCHIVE":
            return
        conditions = parse_criteria(item["findingCriteria"])
        for fid in sorted(self.findings.select(conditions) or set(self.findings.docs)):
            doc = self.findings.docs[fid]
            if not doc["archived"]:
                self.findings.put({**doc, "archived": True})

    def create_samples(self, types: Iterable[str] | None) -> None:
        stamp = now_iso()
        for ftype in list(types or FINDING_TYPES):
            doc = sample_finding(ftype, self.account_id, self.region, stamp)
            doc["sample"] = True
            self.put_finding(doc)

    def load_synthetic(self, count: int, seed: int = 0, publish: bool = False) -> int:
        """Benchmark data: ``count`` varied findings, not published unless asked."""
        for doc in synthetic_findings(count, self.account_id, self.region, seed):
            self.put_finding(doc, publish=publish)
        return count

    # -- reading ---------------------------------------------------------------------

    def list_findings(self, params: Mapping[str, Any]) -> tuple[list[str], str | None]:
        conditions = parse_criteria(params.get("findingCriteria"))
        sort = _sort(params.get("sortCriteria"))
        query = [params.get("findingCriteria"), params.get("sortCriteria")]
        key = paging.query_digest("ListFindings", query)
        ids = self.findings.query(conditions, sort, key)
        return paging.page_of(ids, "ListFindings", query, params, default=50, cap=50)

    def get_finding_texts(self, params: Mapping[str, Any]) -> list[str]:
        """GetFindings as JSON texts (unknown ids are left out)."""
        ids = list(dict.fromkeys(params["findingIds"]))
        if len(ids) > MAX_GET_FINDINGS:
            raise ValidationException("findingIds accepts at most 50 ids.")
        known = [i for i in ids if i in self.findings]
        sort = _sort(params.get("sortCriteria"))
        if sort is not None:
            from macie_notify.local.macie2.store import sort_key

            attribute, order = sort
            keyed = [(sort_key(self.findings.docs[i], attribute), i) for i in known]
            present = sorted((k for k in keyed if k[0] is not None), reverse=order == "DESC")
            known = [i for _, i in present] + [i for k, i in keyed if k is None]
        return [self.findings.json_text(i) for i in known]

    def statistics(self, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        conditions: tuple[Condition, ...] = parse_criteria(params.get("findingCriteria"))
        selected = self.findings.select(conditions)
        ids = self.findings.docs if selected is None else selected
        field = params["groupBy"]
        counts: Counter[str] = Counter()
        for fid in ids:
            for value in self.findings.flat(fid).get(field, ()):
                counts[str(value)] += 1
        sort = params.get("sortCriteria") or {}
        attribute = sort.get("attributeName") or "count"
        reverse = (sort.get("orderBy") or ("DESC" if attribute == "count" else "ASC")) == "DESC"
        rows = [{"count": n, "groupKey": k} for k, n in counts.items()]
        rows.sort(key=lambda r: (r[attribute], r["groupKey"]), reverse=reverse)
        size = params.get("size")
        if size is not None:
            if not 1 <= size <= 1000:
                raise ValidationException("size must be between 1 and 1000.")
            rows = rows[:size]
        return rows


def _sort(sort: Mapping[str, Any] | None) -> tuple[str, str] | None:
    from macie_notify.local.macie2.store import SORT_ATTRIBUTES

    if not sort or not sort.get("attributeName"):
        return None
    attribute = sort["attributeName"]
    if attribute not in SORT_ATTRIBUTES:
        raise ValidationException(f"Findings can't be sorted by {attribute}.")
    return attribute, sort.get("orderBy") or "ASC"
