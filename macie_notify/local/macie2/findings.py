"""One account's findings in one Region: store, suppression, publication, queries, samples.

The backend owns one :class:`Findings` and hands it two callables (how to publish a
finding, and the current findings filters), so this module never imports the backend.
Its lock (the backend's) guards everything here.

Publication follows Macie
(https://docs.aws.amazon.com/macie/latest/user/findings-publish-frequency.html): a new
finding of either category goes out at once; an update to an existing policy finding
(the same weakening seen again) waits for the session's ``findingPublishingFrequency``.
Suppression rules (ARCHIVE filters) act on findings as they are created or updated; a
new rule leaves existing findings as they are.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from macie_notify.local.macie2 import paging
from macie_notify.local.macie2.exceptions import ValidationException
from macie_notify.local.macie2.filters import Condition, flatten, matches, parse_criteria
from macie_notify.local.macie2.sample_findings import (
    FINDING_TYPES,
    new_finding_id,
    sample_finding,
    synthetic_findings,
)
from macie_notify.local.macie2.shapes import now_iso
from macie_notify.local.macie2.store import SORT_ATTRIBUTES, FindingStore, sort_key

MAX_GET_FINDINGS = 50
DEFAULT_SORT = ("updatedAt", "DESC")

# Members AWS sends as JSON null rather than leaving out (EventBridge patterns such as
# {"classificationDetails": [null]} depend on it). Paths are from the Finding root; a
# "[]" step walks every element of a list.
NULLABLE = (
    ("classificationDetails",),
    ("policyDetails",),
    ("resourcesAffected", "s3Object"),
    ("classificationDetails", "result", "status", "reason"),
    ("resourcesAffected", "s3Bucket", "defaultServerSideEncryption", "kmsMasterKeyId"),
    ("resourcesAffected", "s3Object", "serverSideEncryption", "kmsMasterKeyId"),
)

Publish = Callable[[dict[str, Any], bool], None]
Filters = Callable[[], list[dict[str, Any]]]


class Findings:
    """Findings of one account and Region (held and locked by its backend)."""

    def __init__(
        self,
        account_id: str,
        region: str,
        publish: Publish,
        filters: Filters,
        now: Callable[[], str] = now_iso,
    ) -> None:
        self.account_id = account_id
        self._now = now
        self.region = region
        self._publish = publish
        self._filters = filters
        self.store = FindingStore()

    @property
    def docs(self) -> dict[str, dict[str, Any]]:
        return self.store.docs

    def __len__(self) -> int:
        return len(self.store)

    def __contains__(self, finding_id: object) -> bool:
        return finding_id in self.store

    # -- writing ---------------------------------------------------------------------

    def complete(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        """Fill what Macie always sets, keep only the Finding shape's members, add nulls."""
        from macie_notify.local.macie2.routes import service_model
        from macie_notify.local.macie2.shapes import serialize

        stamp = self._now()
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
        return with_nulls(shaped)

    def put(self, doc: Mapping[str, Any], *, publish: bool = True) -> dict[str, Any]:
        """Store a new finding (defaults filled, suppression rules applied); publish it now.

        Call inside ``backend.transaction()`` so listeners run after the lock is released.
        """
        full = self.complete(doc)
        if self.suppressed(full):
            full["archived"] = True
        self.store.put(full)
        if publish:
            self._publish(self._copy(full["id"]), True)
        return full

    def record_policy(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        """A policy finding: a repeat of (type, bucket) updates count/updatedAt/lastSeen.

        The update is queued for the next publication (``findingPublishingFrequency``).
        """
        bucket = ((doc.get("resourcesAffected") or {}).get("s3Bucket") or {}).get("arn")
        for existing in self.store.docs.values():
            affected = existing["resourcesAffected"].get("s3Bucket") or {}
            if existing["type"] == doc.get("type") and affected.get("arn") == bucket:
                if not existing["sample"]:
                    return self._repeat(existing, doc)
        return self.put(doc)

    def _repeat(self, existing: dict[str, Any], doc: Mapping[str, Any]) -> dict[str, Any]:
        updated: dict[str, Any] = json.loads(self.store.json_text(existing["id"]))
        stamp = self._now()
        updated["count"] = int(updated["count"]) + 1
        updated["updatedAt"] = stamp
        # The latest call and caller, as Macie shows them; firstSeen stays.
        fresh = (doc.get("policyDetails") or {}) if isinstance(doc, Mapping) else {}
        details = ((updated.get("policyDetails") or {}).get("action") or {}).get("apiCallDetails")
        if details:
            fresh_call = (fresh.get("action") or {}).get("apiCallDetails") or {}
            details["api"] = fresh_call.get("api") or details.get("api")
            details["lastSeen"] = stamp
        if fresh.get("actor") and updated.get("policyDetails"):
            updated["policyDetails"]["actor"] = fresh["actor"]
        if not updated["archived"] and self.suppressed(updated):
            updated["archived"] = True
        updated = with_nulls(updated)
        self.store.put(updated)
        self._publish(self._copy(updated["id"]), False)
        return updated

    def _copy(self, finding_id: str) -> dict[str, Any]:
        # Listeners get their own copy: they run on other threads after the lock is gone.
        copied: dict[str, Any] = json.loads(self.store.json_text(finding_id))
        return copied

    def suppressed(self, doc: dict[str, Any]) -> bool:
        """Whether an ARCHIVE filter matches the finding (it is then stored archived)."""
        flat = None
        for item in self._filters():
            if item["action"] != "ARCHIVE":
                continue
            flat = flat or flatten(doc)
            if matches(parse_criteria(item["findingCriteria"]), flat):
                return True
        return False

    def create_samples(self, types: Iterable[str] | None) -> None:
        stamp = self._now()
        for ftype in list(types or FINDING_TYPES):
            doc = sample_finding(ftype, self.account_id, self.region, stamp)
            doc["sample"] = True
            self.put(doc)

    def load_synthetic(self, count: int, seed: int = 0, publish: bool = False) -> int:
        """Benchmark data: ``count`` varied findings, not published unless asked."""
        for doc in synthetic_findings(count, self.account_id, self.region, seed):
            self.put(doc, publish=publish)
        return count

    # -- reading ---------------------------------------------------------------------

    def page(self, params: Mapping[str, Any]) -> tuple[list[str], str | None]:
        """ListFindings: one page of ids and a token that survives inserts between pages.

        The token names the last finding returned (its sort value and id), not an offset,
        so findings created between two pages neither repeat nor shift the next page.
        """
        conditions = parse_criteria(params.get("findingCriteria"))
        sort = parse_sort(params.get("sortCriteria")) or DEFAULT_SORT
        query = [params.get("findingCriteria"), params.get("sortCriteria")]
        digest = paging.query_digest("ListFindings", query)
        ids = self.store.query(conditions, sort, digest)
        size = paging.page_size(params.get("maxResults"), default=50, cap=50)
        cursor = paging.decode_cursor(params.get("nextToken"), digest)
        start = 0 if cursor is None else _after(self.store, ids, sort, cursor)
        page = ids[start : start + size]
        token = None
        if start + len(page) < len(ids):
            last = page[-1]
            value = sort_key(self.store.docs[last], sort[0])
            token = paging.encode_cursor(digest, [value, last])
        return page, token

    def texts(self, params: Mapping[str, Any]) -> list[str]:
        """GetFindings as JSON texts (unknown ids are left out)."""
        ids = list(dict.fromkeys(params["findingIds"]))
        if len(ids) > MAX_GET_FINDINGS:
            raise ValidationException("findingIds accepts at most 50 ids.")
        known = [i for i in ids if i in self.store]
        sort = parse_sort(params.get("sortCriteria"))
        if sort is not None:
            attribute, order = sort
            keyed = [(sort_key(self.store.docs[i], attribute), i) for i in known]
            present = sorted((k for k in keyed if k[0] is not None), reverse=order == "DESC")
            known = [i for _, i in present] + [i for k, i in keyed if k is None]
        return [self.store.json_text(i) for i in known]

    def statistics(self, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        conditions: tuple[Condition, ...] = parse_criteria(params.get("findingCriteria"))
        selected = self.store.select(conditions)
        ids = self.store.docs if selected is None else selected
        field = params["groupBy"]
        counts: Counter[str] = Counter()
        for fid in ids:
            for value in self.store.flat(fid).get(field, ()):
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


def with_nulls(doc: dict[str, Any]) -> dict[str, Any]:
    """Put back the members AWS sends as null (serialization drops every None)."""
    for path in NULLABLE:
        node: Any = doc
        for step in path[:-1]:
            node = node.get(step) if isinstance(node, dict) else None
        if isinstance(node, dict) and path[-1] not in node:
            node[path[-1]] = None
    result = ((doc.get("classificationDetails") or {}).get("result")) or {}
    detections = [
        det for group in result.get("sensitiveData") or [] for det in group.get("detections") or []
    ] + list((result.get("customDataIdentifiers") or {}).get("detections") or [])
    for det in detections:
        for cell in (det.get("occurrences") or {}).get("cells") or []:
            cell.setdefault("cellReference", None)
    return doc


def parse_sort(sort: Mapping[str, Any] | None) -> tuple[str, str] | None:
    if not sort or not sort.get("attributeName"):
        return None
    attribute = sort["attributeName"]
    if attribute not in SORT_ATTRIBUTES:
        raise ValidationException(f"Findings can't be sorted by {attribute}.")
    return attribute, sort.get("orderBy") or "ASC"


def _after(store: FindingStore, ids: list[str], sort: tuple[str, str], cursor: list[Any]) -> int:
    """Index of the first id ordered after the cursor (binary search over the sort order)."""
    attribute, order = sort
    try:
        value, last = cursor
        mark = position(value, str(last), order)
        lo, hi = 0, len(ids)
        while lo < hi:
            mid = (lo + hi) // 2
            fid = ids[mid]
            if position(sort_key(store.docs[fid], attribute), fid, order) <= mark:
                lo = mid + 1
            else:
                hi = mid
    except (TypeError, ValueError) as exc:
        raise ValidationException("The nextToken is not valid.") from exc
    return lo


def position(value: Any, fid: str, order: str) -> tuple[Any, ...]:
    """A key that increases along the listing: present values first, missing ones by id."""
    if value is None:
        return (1, fid)
    if order == "DESC":
        return (0, _Desc(value), _Desc(fid))
    return (0, value, fid)


class _Desc:
    """Inverts comparisons, so DESC orders fit one ascending binary search."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __lt__(self, other: _Desc) -> bool:
        return bool(other.value < self.value)

    def __le__(self, other: _Desc) -> bool:
        return bool(other.value <= self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Desc) and bool(self.value == other.value)

    def __hash__(self) -> int:
        return hash(self.value)
