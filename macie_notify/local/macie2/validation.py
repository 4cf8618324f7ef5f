"""Input limits macie2 enforces beyond what the service model encodes.

The model carries shapes, enums and few lengths; the numbers here come from the Macie
user guide (custom data identifier options, quotas, tags) and the API reference.
https://docs.aws.amazon.com/macie/latest/user/cdis-options.html
https://docs.aws.amazon.com/macie/latest/user/macie-quotas.html
https://docs.aws.amazon.com/macie/latest/user/tagging-resources.html
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from macie_notify.detect.catalog import MANAGED_IDENTIFIER_CATEGORIES
from macie_notify.local.macie2.exceptions import ValidationException

_TAG_CHARS = re.compile(r"^[\w\s.:/=+\-@]*$")
_SEVERITY_ORDER = {"LOW": 0, "MEDIUM": 1, "HIGH": 2}


def text(value: str | None, field: str, *, low: int = 0, high: int) -> None:
    if value is None:
        return
    if len(value) < low:
        raise ValidationException(f"{field} must be at least {low} characters long.")
    if len(value) > high:
        raise ValidationException(f"{field} must be at most {high} characters long.")


def words(values: Sequence[str] | None, field: str, *, most: int, low: int, high: int) -> None:
    values = values or []
    if len(values) > most:
        raise ValidationException(f"{field} accepts at most {most} entries.")
    for index, word in enumerate(values):
        if not low <= len(word) <= high:
            raise ValidationException(f"{field}[{index}] must be {low}-{high} characters long.")


def number(value: int | None, field: str, *, low: int, high: int) -> None:
    if value is not None and not low <= value <= high:
        raise ValidationException(f"{field} must be between {low} and {high}.")


def tags(value: Mapping[str, str] | None) -> None:
    """At most 50 tags; key 1-128 and value 0-256 characters of the allowed set."""
    value = value or {}
    if len(value) > 50:
        raise ValidationException("A resource can have at most 50 tags.")
    for key, tag in value.items():
        if not 1 <= len(key) <= 128 or key.lower().startswith("aws:"):
            raise ValidationException(f"The tag key {key!r} isn't valid.")
        if len(tag) > 256:
            raise ValidationException(f"The value of tag {key!r} is longer than 256 characters.")
        if not _TAG_CHARS.match(key) or not _TAG_CHARS.match(tag):
            raise ValidationException(f"The tag {key!r} contains characters that aren't allowed.")


def severity_levels(levels: Sequence[Mapping[str, Any]] | None) -> None:
    """Up to three thresholds, one per severity, ascending from LOW to HIGH."""
    if not levels:
        return
    if len(levels) > 3:
        raise ValidationException("severityLevels accepts at most 3 entries.")
    ranked = sorted(levels, key=lambda lv: _SEVERITY_ORDER[lv["severity"]])
    if len({lv["severity"] for lv in levels}) != len(levels):
        raise ValidationException("severityLevels must not repeat a severity.")
    thresholds = [int(lv["occurrencesThreshold"]) for lv in ranked]
    if any(t < 1 for t in thresholds) or thresholds != sorted(set(thresholds)):
        raise ValidationException(
            "severityLevels thresholds must be positive and ascend from LOW to HIGH."
        )


def custom_data_identifier(params: Mapping[str, Any]) -> None:
    """CreateCustomDataIdentifier limits (TestCustomDataIdentifier shares the text ones)."""
    text(params.get("name"), "name", low=1, high=128)
    text(params.get("description"), "description", high=512)
    text(params.get("regex"), "regex", low=1, high=512)
    words(params.get("keywords"), "keywords", most=50, low=3, high=90)
    words(params.get("ignoreWords"), "ignoreWords", most=10, low=4, high=90)
    number(params.get("maximumMatchDistance"), "maximumMatchDistance", low=1, high=300)
    severity_levels(params.get("severityLevels"))
    tags(params.get("tags"))


def managed_selection(params: Mapping[str, Any]) -> None:
    """managedDataIdentifierSelector vs managedDataIdentifierIds vs customDataIdentifierIds."""
    selector = params.get("managedDataIdentifierSelector") or "RECOMMENDED"
    ids = params.get("managedDataIdentifierIds") or []
    if selector in ("INCLUDE", "EXCLUDE") and not ids:
        raise ValidationException(f"managedDataIdentifierIds is required with {selector}.")
    if selector not in ("INCLUDE", "EXCLUDE") and ids:
        raise ValidationException(f"managedDataIdentifierIds must be empty with {selector}.")
    unknown = sorted(set(ids) - set(MANAGED_IDENTIFIER_CATEGORIES))
    if unknown:
        raise ValidationException(f"Unknown managed data identifier: {unknown[0]}.")
    if selector == "NONE" and not params.get("customDataIdentifierIds"):
        raise ValidationException("A job with selector NONE needs customDataIdentifierIds.")


def schedule(job_type: str, frequency: Mapping[str, Any] | None) -> None:
    """ONE_TIME takes no schedule; SCHEDULED needs exactly one of daily/weekly/monthly."""
    given = [k for k, v in (frequency or {}).items() if v is not None]
    if job_type == "ONE_TIME":
        if given:
            raise ValidationException("scheduleFrequency can't be specified for a ONE_TIME job.")
        return
    if len(given) != 1:
        raise ValidationException(
            "A SCHEDULED job needs exactly one of dailySchedule, weeklySchedule, monthlySchedule."
        )
    monthly = (frequency or {}).get("monthlySchedule")
    if monthly is not None:
        number(monthly.get("dayOfMonth"), "dayOfMonth", low=1, high=31)
        if monthly.get("dayOfMonth") is None:
            raise ValidationException("monthlySchedule.dayOfMonth is required.")
    weekly = (frequency or {}).get("weeklySchedule")
    if weekly is not None and weekly.get("dayOfWeek") is None:
        raise ValidationException("weeklySchedule.dayOfWeek is required.")


def job_definition(definition: Mapping[str, Any]) -> None:
    """Exactly one of bucketDefinitions / bucketCriteria; at most 1,000 listed buckets."""
    fixed, criteria = definition.get("bucketDefinitions"), definition.get("bucketCriteria")
    if (fixed is None) == (criteria is None):
        raise ValidationException(
            "s3JobDefinition needs exactly one of bucketDefinitions or bucketCriteria."
        )
    if fixed is not None:
        total = 0
        for entry in fixed:
            if not entry.get("accountId") or not entry.get("buckets"):
                raise ValidationException(
                    "Each bucketDefinitions entry needs accountId and buckets."
                )
            total += len(entry["buckets"])
        if total > 1000:
            raise ValidationException("A job can list at most 1,000 buckets.")


def classification_job(params: Mapping[str, Any]) -> None:
    text(params.get("name"), "name", low=1, high=500)
    text(params.get("description"), "description", high=200)
    schedule(params["jobType"], params.get("scheduleFrequency"))
    job_definition(params["s3JobDefinition"])
    managed_selection(params)
    if len(params.get("customDataIdentifierIds") or []) > 30:
        raise ValidationException("A job can use at most 30 custom data identifiers.")
    if len(params.get("allowListIds") or []) > 10:
        raise ValidationException("A job can use at most 10 allow lists.")
    number(params.get("samplingPercentage"), "samplingPercentage", low=1, high=100)
    tags(params.get("tags"))


def findings_filter(params: Mapping[str, Any]) -> None:
    text(params.get("name"), "name", low=3, high=64)
    text(params.get("description"), "description", high=512)
    number(params.get("position"), "position", low=1, high=1000)
    tags(params.get("tags"))
