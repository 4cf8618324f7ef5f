"""Which buckets and objects a classification job analyses, and when it runs next (pure).

``bucketCriteria``, ``scoping`` and ``scheduleFrequency`` follow CreateClassificationJob
(https://docs.aws.amazon.com/macie/latest/APIReference/jobs.html): conditions inside an
``and`` list are AND-ed; the values of one condition are OR-ed; an object must match every
``includes`` condition and is left out when it matches every ``excludes`` condition.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

__all__ = ["bucket_selected", "matches_scoping", "needs_object_tags", "next_run_after"]

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "EQ": lambda a, b: bool(a == b),
    "NE": lambda a, b: bool(a != b),
    "GT": lambda a, b: bool(a > b),
    "GTE": lambda a, b: bool(a >= b),
    "LT": lambda a, b: bool(a < b),
    "LTE": lambda a, b: bool(a <= b),
}
_DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")


class ObjectView(Protocol):
    key: str
    size: int
    last_modified: dt.datetime
    tags: list[dict[str, str]]


def _terms(block: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    return list((block or {}).get("and") or [])


def needs_object_tags(scoping: Mapping[str, Any]) -> bool:
    """Only read object tags when a tag condition needs them (one extra call per object)."""
    terms = _terms(scoping.get("includes")) + _terms(scoping.get("excludes"))
    return any("tagScopeTerm" in t for t in terms)


def _tags_match(
    comparator: str, wanted: Sequence[Mapping[str, Any]], tags: Sequence[Mapping[str, str]]
) -> bool:
    # An empty value matches on the key alone.
    have = {(t["key"], t["value"]) for t in tags}
    keys = {t["key"] for t in tags}
    hit = any(
        (w.get("key"), w.get("value")) in have if w.get("value") else w.get("key") in keys
        for w in wanted
    )
    return hit if comparator == "EQ" else not hit


def _simple_term(term: Mapping[str, Any], obj: ObjectView) -> bool:
    key, comparator = term.get("key"), str(term.get("comparator", "EQ"))
    values = [str(v) for v in term.get("values") or []]
    if key == "OBJECT_EXTENSION":
        name = obj.key.rsplit("/", 1)[-1]
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        hit = ext in {v.lower().lstrip(".") for v in values}
        return hit if comparator == "EQ" else not hit
    if key == "OBJECT_KEY":
        return any(obj.key.startswith(v) for v in values)
    compare = _COMPARE.get(comparator, _COMPARE["EQ"])
    if key == "OBJECT_SIZE":
        return bool(values) and compare(obj.size, int(values[0]))
    if key == "OBJECT_LAST_MODIFIED_DATE":
        when = dt.datetime.fromisoformat(values[0].replace("Z", "+00:00")) if values else None
        return when is not None and compare(obj.last_modified, when)
    return True  # a key this emulator does not know never narrows the scope


def _scope_term(term: Mapping[str, Any], obj: ObjectView) -> bool:
    if "simpleScopeTerm" in term:
        return _simple_term(term["simpleScopeTerm"], obj)
    tag = term.get("tagScopeTerm") or {}
    return _tags_match(str(tag.get("comparator", "EQ")), tag.get("tagValues") or [], obj.tags)


def matches_scoping(scoping: Mapping[str, Any], obj: ObjectView) -> bool:
    includes, excludes = _terms(scoping.get("includes")), _terms(scoping.get("excludes"))
    if not all(_scope_term(t, obj) for t in includes):
        return False
    return not (excludes and all(_scope_term(t, obj) for t in excludes))


def _bucket_term(
    term: Mapping[str, Any],
    name: str,
    account_id: str,
    tags: Sequence[Mapping[str, str]],
    facts: Mapping[str, str],
) -> bool:
    if "tagCriterion" in term:
        tag = term["tagCriterion"]
        return _tags_match(str(tag.get("comparator", "EQ")), tag.get("tagValues") or [], tags)
    simple = term.get("simpleCriterion") or {}
    actual = {
        "S3_BUCKET_NAME": name,
        "ACCOUNT_ID": account_id,
        "S3_BUCKET_EFFECTIVE_PERMISSION": facts.get("effectivePermission", "NOT_PUBLIC"),
        "S3_BUCKET_SHARED_ACCESS": facts.get("sharedAccess", "NOT_SHARED"),
    }.get(str(simple.get("key")))
    hit = actual in [str(v) for v in simple.get("values") or []]
    return hit if simple.get("comparator", "EQ") == "EQ" else not hit


def bucket_selected(
    criteria: Mapping[str, Any],
    name: str,
    account_id: str,
    tags: Sequence[Mapping[str, str]],
    facts: Mapping[str, str] | None = None,
) -> bool:
    """Whether a bucket is in a job's ``bucketCriteria``; ``facts`` holds the bucket's
    ``effectivePermission`` and ``sharedAccess`` as DescribeBuckets reports them."""
    known = facts or {}
    includes, excludes = _terms(criteria.get("includes")), _terms(criteria.get("excludes"))
    if not all(_bucket_term(t, name, account_id, tags, known) for t in includes):
        return False
    return not (excludes and all(_bucket_term(t, name, account_id, tags, known) for t in excludes))


def next_run_after(frequency: Mapping[str, Any], now: float) -> float:
    """Epoch seconds of the next scheduled run (00:00 UTC of the next matching day)."""
    day = dt.datetime.fromtimestamp(now, dt.timezone.utc).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    for offset in range(1, 400):
        candidate = day + dt.timedelta(days=offset)
        if "weeklySchedule" in frequency:
            wanted = str(frequency["weeklySchedule"].get("dayOfWeek", "MONDAY"))
            if _DAYS[candidate.weekday()] != wanted:
                continue
        elif "monthlySchedule" in frequency:
            # Months without that day are skipped, as Macie does.
            if candidate.day != int(frequency["monthlySchedule"].get("dayOfMonth", 1)):
                continue
        return candidate.timestamp()
    return (day + dt.timedelta(days=1)).timestamp()
