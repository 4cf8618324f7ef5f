"""Indexed in-memory findings, fast enough for ListFindings over tens of thousands.

Each finding is kept three ways: the API-shaped dict, its flattened field paths (for
criteria), and its JSON text (GetFindings splices those strings instead of re-encoding).
Per-field postings (normalized value -> ids) and per-field sorted numeric columns are
built lazily on first use and kept up to date on insert/update, so ``eq``/``neq`` are set
algebra and ``gt``..``lte`` are bisects. Whole results are cached per (query, version)
so later pages of one listing are list slices. Not thread-safe: the backend's lock
guards it.
"""

from __future__ import annotations

import bisect
import json
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any

from macie_notify.local.macie2.filters import Condition, Flat, flatten, norm, numeric

SORT_ATTRIBUTES = (
    "count",
    "createdAt",
    "policyDetails.action.apiCallDetails.firstSeen",
    "policyDetails.action.apiCallDetails.lastSeen",
    "resourcesAffected",
    "severity.score",
    "type",
    "updatedAt",
)
_QUERY_CACHE_SIZE = 64


# Kept up to date from the first insert: the fields filters and the CLI use most.
HOT_FIELDS = (
    "archived",
    "category",
    "classificationDetails.jobId",
    "resourcesAffected.s3Bucket.name",
    "sample",
    "severity.description",
    "type",
)
HOT_NUMBERS = {
    "count": "long",
    "createdAt": "timestamp",
    "severity.score": "long",
    "updatedAt": "timestamp",
}
HOT_ORDERS = ("updatedAt", "createdAt", "severity.score")
_HIGH = "\uffff"


class FindingStore:
    """Findings of one account and Region."""

    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}
        self._flat: dict[str, Flat] = {}
        self._json: dict[str, str] = {}
        self._postings: dict[str, dict[str, set[str]]] = {f: {} for f in HOT_FIELDS}
        self._columns: dict[str, tuple[str, list[tuple[float, str]]]] = {
            f: (t, []) for f, t in HOT_NUMBERS.items()
        }
        self._orders: dict[str, tuple[list[tuple[Any, str]], set[str]]] = {
            a: ([], set()) for a in HOT_ORDERS
        }
        self._ranks: dict[tuple[str, str], tuple[int, list[str]]] = {}
        self._queries: OrderedDict[Any, list[str]] = OrderedDict()
        self.version = 0

    def __len__(self) -> int:
        return len(self.docs)

    def __contains__(self, finding_id: object) -> bool:
        return finding_id in self.docs

    def put(self, doc: dict[str, Any]) -> None:
        """Insert or replace one finding (by ``id``); every built index follows."""
        fid = doc["id"]
        old_doc, old_flat = self.docs.get(fid), self._flat.get(fid)
        flat = flatten(doc)
        if old_doc is not None and old_flat is not None:
            self._unindex(fid, old_doc, old_flat)
        for field, index in self._postings.items():
            for value in flat.get(field, ()):
                index.setdefault(norm(value), set()).add(fid)
        for field, (field_type, pairs) in self._columns.items():
            for number in _numbers(field_type, flat.get(field, ())):
                bisect.insort(pairs, (number, fid))
        for attribute, (present, missing) in self._orders.items():
            _order_in(present, missing, sort_key(doc, attribute), fid)
        self.docs[fid] = doc
        self._flat[fid] = flat
        self._json[fid] = json.dumps(doc, separators=(",", ":"))
        self.version += 1

    def _unindex(self, fid: str, doc: dict[str, Any], flat: Flat) -> None:
        for field, index in self._postings.items():
            for value in flat.get(field, ()):
                index.get(norm(value), set()).discard(fid)
        for field, (field_type, pairs) in self._columns.items():
            for number in _numbers(field_type, flat.get(field, ())):
                _remove(pairs, (number, fid))
        for attribute, (present, missing) in self._orders.items():
            _unorder(present, missing, sort_key(doc, attribute), fid)

    def flat(self, finding_id: str) -> Flat:
        return self._flat[finding_id]

    def json_text(self, finding_id: str) -> str:
        return self._json[finding_id]

    # -- queries ---------------------------------------------------------------------

    def query(
        self, conditions: tuple[Condition, ...], sort: tuple[str, str] | None, key: Any
    ) -> list[str]:
        """Ids matching every condition, in sort order; cached per (key, version)."""
        cache_key = (key, self.version)
        hit = self._queries.get(cache_key)
        if hit is not None:
            self._queries.move_to_end(cache_key)
            return hit
        ordered = self._order(self._select(conditions), sort)
        self._queries[cache_key] = ordered
        while len(self._queries) > _QUERY_CACHE_SIZE:
            self._queries.popitem(last=False)
        return ordered

    def select(self, conditions: tuple[Condition, ...]) -> set[str] | None:
        """Ids matching the conditions; None means every finding."""
        return self._select(conditions)

    def _select(self, conditions: tuple[Condition, ...]) -> set[str] | None:
        result: set[str] | None = None
        for cond in sorted(conditions, key=_selectivity):
            ids = self._match(cond, result)
            result = ids if result is None else result & ids
            if not result:
                return set()
        return result

    def _match(self, cond: Condition, within: set[str] | None) -> set[str]:
        if cond.exact is not None:
            postings = self._index(cond.field)
            sets = [postings.get(v, set()) for v in cond.exact] or [set(self.docs)]
            found = set.intersection(*sets)
            return {i for i in found if cond.matches(self._flat[i].get(cond.field, ()))}
        ids: set[str] | None = None
        if cond.eq is not None:
            postings = self._index(cond.field)
            ids = set().union(*(postings.get(v, set()) for v in cond.eq))
        if cond.ranges:
            ranged = self._range(cond)
            ids = ranged if ids is None else ids & ranged
        if cond.neq is not None:
            postings = self._index(cond.field)
            excluded = set().union(*(postings.get(v, set()) for v in cond.neq))
            base = ids if ids is not None else (within if within is not None else set(self.docs))
            ids = base - excluded
        return ids if ids is not None else set(self.docs)

    def _index(self, field: str) -> dict[str, set[str]]:
        index = self._postings.get(field)
        if index is None:
            index = {}
            for fid, flat in self._flat.items():
                for value in flat.get(field, ()):
                    index.setdefault(norm(value), set()).add(fid)
            self._postings[field] = index
        return index

    def _range(self, cond: Condition) -> set[str]:
        pairs = self._column(cond.field, cond.field_type)
        lo, hi = 0, len(pairs)
        for op, bound in cond.ranges:
            if op == "gt":
                lo = max(lo, bisect.bisect_right(pairs, (bound, _HIGH)))
            elif op == "gte":
                lo = max(lo, bisect.bisect_left(pairs, (bound, "")))
            elif op == "lt":
                hi = min(hi, bisect.bisect_left(pairs, (bound, "")))
            else:
                hi = min(hi, bisect.bisect_right(pairs, (bound, _HIGH)))
        return {fid for _, fid in pairs[lo:hi]} if lo < hi else set()

    def _column(self, field: str, field_type: str) -> list[tuple[float, str]]:
        column = self._columns.get(field)
        if column is None:
            pairs = sorted(
                (n, fid)
                for fid, flat in self._flat.items()
                for n in _numbers(field_type, flat.get(field, ()))
            )
            column = (field_type, pairs)
            self._columns[field] = column
        return column[1]

    def _order(self, ids: set[str] | None, sort: tuple[str, str] | None) -> list[str]:
        attribute, order = sort or ("updatedAt", "DESC")
        if ids is not None and len(ids) * 8 < len(self.docs):
            # A narrow result: sorting it directly beats walking the whole ordering.
            keyed = [(sort_key(self.docs[fid], attribute), fid) for fid in ids]
            present = sorted((k for k in keyed if k[0] is not None), reverse=order == "DESC")
            missing = sorted(fid for key, fid in keyed if key is None)
            return [fid for _, fid in present] + missing
        full = self.sorted_ids(attribute, order)
        if ids is None or len(ids) == len(full):
            return full
        return [fid for fid in full if fid in ids]

    def sorted_ids(self, attribute: str, order: str) -> list[str]:
        """Every id ordered by a sort attribute (ties broken by id; missing values last)."""
        cached = self._ranks.get((attribute, order))
        if cached is not None and cached[0] == self.version:
            return cached[1]
        if attribute not in self._orders:
            keyed = [(sort_key(doc, attribute), fid) for fid, doc in self.docs.items()]
            missing = {fid for key, fid in keyed if key is None}
            self._orders[attribute] = (sorted(k for k in keyed if k[0] is not None), missing)
        present, missing = self._orders[attribute]
        ids = [fid for _, fid in present]
        if order == "DESC":
            ids.reverse()
        ordered = ids + sorted(missing)
        self._ranks[(attribute, order)] = (self.version, ordered)
        return ordered


def _numbers(field_type: str, values: Iterable[Any]) -> list[float]:
    return [n for v in values if (n := numeric(field_type, v)) is not None]


def _remove(pairs: list[tuple[Any, str]], item: tuple[Any, str]) -> None:
    at = bisect.bisect_left(pairs, item)
    if at < len(pairs) and pairs[at] == item:
        del pairs[at]


def _order_in(present: list[tuple[Any, str]], missing: set[str], key: Any, fid: str) -> None:
    if key is None:
        missing.add(fid)
    else:
        bisect.insort(present, (key, fid))


def _unorder(present: list[tuple[Any, str]], missing: set[str], key: Any, fid: str) -> None:
    if key is None:
        missing.discard(fid)
    else:
        _remove(present, (key, fid))


def _selectivity(cond: Condition) -> int:
    # Cheap, narrow conditions first so later ones work on small sets.
    if cond.eq is not None or cond.exact is not None:
        return 0
    if cond.ranges:
        return 1
    return 2


def sort_key(doc: Mapping[str, Any], attribute: str) -> Any:
    """The value a finding sorts by for one of ListFindings' sort attributes."""
    if attribute == "resourcesAffected":
        res = doc.get("resourcesAffected") or {}
        bucket = (res.get("s3Bucket") or {}).get("name") or ""
        key = (res.get("s3Object") or {}).get("key") or ""
        return f"{bucket}/{key}"
    value: Any = doc
    for part in attribute.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value
