"""DescribeBuckets and ListClassificationJobs filtering (pure helpers over dicts)."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from macie_notify.local.macie2.exceptions import ValidationException
from macie_notify.local.macie2.filters import flatten, norm
from macie_notify.local.macie2.shapes import epoch_millis

BUCKET_SORT = (
    "accountId",
    "bucketName",
    "classifiableObjectCount",
    "classifiableSizeInBytes",
    "objectCount",
    "sizeInBytes",
    "lastUpdated",
    "bucketCreatedAt",
)


def _bucket_value_matches(values: Sequence[Any], ops: Mapping[str, Any]) -> bool:
    normed = {norm(v) for v in values}
    if ops.get("eq") is not None and not normed & set(ops["eq"]):
        return False
    if ops.get("neq") is not None and normed & set(ops["neq"]):
        return False
    if ops.get("prefix") is not None and not any(v.startswith(ops["prefix"]) for v in normed):
        return False
    numbers = [_number(v) for v in values]
    checks = {"gt": float.__gt__, "gte": float.__ge__, "lt": float.__lt__, "lte": float.__le__}
    for op, check in checks.items():
        bound = ops.get(op)
        if bound is not None and not any(n is not None and check(n, float(bound)) for n in numbers):
            return False
    return True


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and value[:4].isdigit() and "T" in value:
        try:
            return float(epoch_millis(value))
        except ValueError:
            return None
    return None


def filter_buckets(
    buckets: list[dict[str, Any]],
    criteria: Mapping[str, Any] | None,
    sort: Mapping[str, Any] | None,
) -> list[dict[str, Any]]:
    """Buckets matching every criterion, sorted per ``sortCriteria`` (default: name)."""
    selected = []
    for bucket in buckets:
        flat = flatten(bucket)
        if all(
            _bucket_value_matches(flat.get(f, ()), ops or {}) for f, ops in (criteria or {}).items()
        ):
            selected.append(bucket)
    attribute = (sort or {}).get("attributeName") or "bucketName"
    if attribute not in BUCKET_SORT:
        raise ValidationException(f"Buckets can't be sorted by {attribute}.")
    reverse = (sort or {}).get("orderBy") == "DESC"
    selected.sort(
        key=lambda b: (b.get(attribute) is None, b.get(attribute) or 0, b["bucketName"]),
        reverse=reverse,
    )
    return selected


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "EQ": operator.eq,
    "NE": operator.ne,
    "GT": operator.gt,
    "GTE": operator.ge,
    "LT": operator.lt,
    "LTE": operator.le,
    "CONTAINS": lambda have, want: str(want) in str(have),
    "STARTS_WITH": lambda have, want: str(have).startswith(str(want)),
}


def _job_term_matches(job: Mapping[str, Any], term: Mapping[str, Any]) -> bool:
    key = str(term.get("key") or "")
    comparator = str(term.get("comparator") or "EQ")
    values = [str(v) for v in term.get("values") or []]
    have: Any = str(job.get(key) or "")
    wanted: list[Any] = list(values)
    if key == "createdAt":
        try:
            have = float(epoch_millis(have))
            wanted = [float(v) if v.isdigit() else float(epoch_millis(v)) for v in values]
        except ValueError as exc:
            raise ValidationException("createdAt filter values must be times.") from exc
    compare = _COMPARE[comparator]
    if comparator == "NE":
        return all(compare(have, w) for w in wanted)
    return any(compare(have, w) for w in wanted)


def filter_jobs(
    jobs: list[dict[str, Any]], criteria: Mapping[str, Any] | None, sort: Mapping[str, Any] | None
) -> list[dict[str, Any]]:
    """ListClassificationJobs: includes AND-ed, a job matching any exclude term dropped."""
    includes = (criteria or {}).get("includes") or []
    excludes = (criteria or {}).get("excludes") or []
    selected = [
        j
        for j in jobs
        if all(_job_term_matches(j, t) for t in includes)
        and not any(_job_term_matches(j, t) for t in excludes)
    ]
    attribute = (sort or {}).get("attributeName") or "createdAt"
    reverse = ((sort or {}).get("orderBy") or "ASC") == "DESC"
    selected.sort(key=lambda j: (str(j.get(attribute) or ""), j["jobId"]), reverse=reverse)
    return selected


def job_summary(job: Mapping[str, Any]) -> dict[str, Any]:
    definition = job.get("s3JobDefinition") or {}
    return {
        **job,
        "bucketDefinitions": definition.get("bucketDefinitions"),
        "bucketCriteria": definition.get("bucketCriteria"),
    }
