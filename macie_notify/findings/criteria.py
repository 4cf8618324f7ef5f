"""User filters -> macie2 ``findingCriteria`` and ``sortCriteria`` (pure).

Filtering happens in the service: every filter maps to a criterion Macie evaluates, so
ListFindings returns only what was asked for. Facts used here
(https://docs.aws.amazon.com/macie/latest/user/findings-filter-basics.html):

* ``eq`` matches any of up to 50 strings, case-sensitively, with no wildcards or
  partial values; booleans are the strings ``"true"``/``"false"``. A type prefix such
  as ``Policy:`` is therefore expanded here to the finding types it covers.
* ``gt/gte/lt/lte`` compare numbers, and times as Unix epoch **milliseconds**.
* One criterion per field; criteria on different fields are AND-ed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from macie_notify.config.rules import FINDING_TYPES  # the macie2 FindingType enum
from macie_notify.errors import UsageError

SEVERITIES = ("Low", "Medium", "High")
SEVERITY_SCORES = {"Low": 1, "Medium": 2, "High": 3}
CATEGORIES = ("CLASSIFICATION", "POLICY")


# Field paths of the Finding shape that filters use.
SEVERITY_FIELD = "severity.description"
TYPE_FIELD = "type"
CATEGORY_FIELD = "category"
BUCKET_FIELD = "resourcesAffected.s3Bucket.name"
JOB_FIELD = "classificationDetails.jobId"
UPDATED_FIELD = "updatedAt"
ARCHIVED_FIELD = "archived"

# --sort names -> ListFindings sortCriteria.attributeName (the model's complete list).
SORT_ATTRIBUTES = {
    "updated": "updatedAt",
    "created": "createdAt",
    "severity": "severity.score",
    "type": "type",
    "count": "count",
    "resource": "resourcesAffected",
    "first-seen": "policyDetails.action.apiCallDetails.firstSeen",
    "last-seen": "policyDetails.action.apiCallDetails.lastSeen",
}
DEFAULT_SORT = "updated:desc"
MAX_EQ_VALUES = 50  # per operator list

_DURATION = re.compile(r"^(\d+)\s*([smhdw])$", re.IGNORECASE)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def severities_at_or_above(minimum: str) -> list[str]:
    """``Medium`` -> ``["Medium", "High"]``."""
    return [s for s in SEVERITIES if SEVERITY_SCORES[s] >= SEVERITY_SCORES[minimum]]


def expand_types(patterns: Iterable[str]) -> list[str]:
    """Finding types and type prefixes (``Policy:``, ``SensitiveData:S3Object/``) -> types.

    Matching is case-insensitive; a pattern that names no type is a usage error, since
    Macie would silently match nothing.
    """
    out: list[str] = []
    for pattern in patterns:
        needle = pattern.strip().lower()
        matched = [t for t in FINDING_TYPES if t.lower().startswith(needle)] if needle else []
        if not matched:
            raise UsageError(
                f"{pattern!r} is not a finding type or the start of one",
                "use a type such as SensitiveData:S3Object/Personal or a prefix such as Policy:",
            )
        out += [t for t in matched if t not in out]
    return out


def parse_since(text: str, now: datetime) -> datetime:
    """``30m``, ``24h``, ``7d``, ``2w`` (before ``now``) or an ISO 8601 time -> aware datetime."""
    value = text.strip()
    match = _DURATION.match(value)
    if match:
        amount, unit = int(match.group(1)), match.group(2).lower()
        return now - timedelta(**{_UNITS[unit]: amount})
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"{text!r} is neither a duration (30m, 24h, 7d) nor an ISO 8601 time "
            "(2024-05-01T12:00:00Z)"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def epoch_millis(when: datetime) -> int:
    """The time format of Macie's range operators."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return int(when.timestamp() * 1000)


def millis_of(iso: str) -> int:
    """An API timestamp (``2024-03-11T19:46:53.031Z``) -> epoch milliseconds."""
    return epoch_millis(datetime.fromisoformat(iso.replace("Z", "+00:00")))


def parse_sort(text: str) -> dict[str, str]:
    """``updated``, ``severity:desc``, ``createdAt:asc`` -> ``sortCriteria``."""
    name, _, order = text.strip().partition(":")
    order = (order or ("asc" if name.lower() in ("type", "resource") else "desc")).upper()
    if order not in ("ASC", "DESC"):
        raise UsageError(f"sort order {order.lower()!r} is neither asc nor desc")
    attribute = SORT_ATTRIBUTES.get(name.lower())
    if attribute is None:
        by_api = {a.lower(): a for a in SORT_ATTRIBUTES.values()}
        attribute = by_api.get(name.lower())
    if attribute is None:
        raise UsageError(
            f"cannot sort findings by {name!r}",
            "use one of " + ", ".join(SORT_ATTRIBUTES) + " (optionally :asc or :desc)",
        )
    return {"attributeName": attribute, "orderBy": order}


@dataclass(frozen=True)
class Filters:
    """What the user asked for; :meth:`criteria` is the ``findingCriteria`` Macie evaluates."""

    severity: str | None = None  # the minimum
    types: Sequence[str] = ()  # types or prefixes
    category: str | None = None
    buckets: Sequence[str] = ()
    jobs: Sequence[str] = ()
    since: datetime | None = None  # on updatedAt
    archived: bool = False
    extra: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def criteria(self) -> dict[str, Any]:
        criterion: dict[str, dict[str, Any]] = {
            ARCHIVED_FIELD: {"eq": ["true" if self.archived else "false"]}
        }
        if self.severity is not None:
            criterion[SEVERITY_FIELD] = {"eq": severities_at_or_above(self.severity)}
        if self.types:
            criterion[TYPE_FIELD] = {"eq": expand_types(self.types)}
        if self.category is not None:
            criterion[CATEGORY_FIELD] = {"eq": [self.category.upper()]}
        if self.buckets:
            criterion[BUCKET_FIELD] = {"eq": _at_most_50("--bucket", self.buckets)}
        if self.jobs:
            criterion[JOB_FIELD] = {"eq": _at_most_50("--job", self.jobs)}
        if self.since is not None:
            criterion[UPDATED_FIELD] = {"gte": epoch_millis(self.since)}
        for name, ops in self.extra.items():
            criterion[name] = {**criterion.get(name, {}), **ops}
        return {"criterion": criterion}


def _at_most_50(flag: str, values: Sequence[str]) -> list[str]:
    unique = list(dict.fromkeys(values))
    if len(unique) > MAX_EQ_VALUES:
        raise UsageError(f"{flag} accepts at most {MAX_EQ_VALUES} values (Macie's limit)")
    return unique


def with_criterion(
    criteria: Mapping[str, Any], name: str, ops: Mapping[str, Any]
) -> dict[str, Any]:
    """A copy of ``criteria`` whose ``name`` field also carries ``ops`` (replacing the same ops)."""
    criterion = dict(criteria.get("criterion") or {})
    criterion[name] = {**criterion.get(name, {}), **ops}
    return {"criterion": criterion}


def severity_score(finding: Mapping[str, Any]) -> int:
    """A finding's severity score (1..3), from ``score`` or else its ``description``."""
    severity = finding.get("severity") or {}
    score = severity.get("score")
    if isinstance(score, int) and not isinstance(score, bool):
        return score
    return SEVERITY_SCORES.get(str(severity.get("description")), 0)
