"""Filters -> findingCriteria / sortCriteria, written out by hand."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import botocore.session
import pytest

from macie_notify.errors import UsageError
from macie_notify.findings import GROUP_BY
from macie_notify.findings.criteria import (
    FINDING_TYPES,
    SORT_ATTRIBUTES,
    Filters,
    epoch_millis,
    expand_types,
    millis_of,
    parse_since,
    parse_sort,
    with_criterion,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)


def model_enum(shape: str) -> list[str]:
    model = botocore.session.get_session().get_service_model("macie2")
    return list(model.shape_for(shape).enum)


def test_finding_types_are_the_models_enum() -> None:
    assert sorted(FINDING_TYPES) == sorted(model_enum("FindingType"))


def test_group_by_values_are_the_models_enum() -> None:
    assert sorted(GROUP_BY.values()) == sorted(model_enum("GroupBy"))


def test_sort_attributes_are_the_documented_eight() -> None:
    # The model leaves attributeName a plain string; the API reference lists these.
    assert sorted(SORT_ATTRIBUTES.values()) == [
        "count",
        "createdAt",
        "policyDetails.action.apiCallDetails.firstSeen",
        "policyDetails.action.apiCallDetails.lastSeen",
        "resourcesAffected",
        "severity.score",
        "type",
        "updatedAt",
    ]


def test_default_is_current_findings_only() -> None:
    assert Filters().criteria() == {"criterion": {"archived": {"eq": ["false"]}}}
    assert Filters(archived=True).criteria() == {"criterion": {"archived": {"eq": ["true"]}}}


def test_every_filter() -> None:
    since = datetime(2026, 5, 1, tzinfo=timezone.utc)
    criteria = Filters(
        severity="Medium",
        types=("Policy:IAMUser/S3BucketP", "SensitiveData:S3Object/Personal"),
        category="policy",
        buckets=("a", "b", "a"),
        jobs=("j1",),
        since=since,
    ).criteria()
    assert criteria == {
        "criterion": {
            "archived": {"eq": ["false"]},
            "severity.description": {"eq": ["Medium", "High"]},
            "type": {"eq": ["Policy:IAMUser/S3BucketPublic", "SensitiveData:S3Object/Personal"]},
            "category": {"eq": ["POLICY"]},
            "resourcesAffected.s3Bucket.name": {"eq": ["a", "b"]},
            "classificationDetails.jobId": {"eq": ["j1"]},
            "updatedAt": {"gte": 1777593600000},
        }
    }


def test_type_prefixes_expand_case_insensitively() -> None:
    assert expand_types(["policy:"]) == [t for t in FINDING_TYPES if t.startswith("Policy:")]
    assert len(expand_types(["Policy:", "SensitiveData:"])) == 11
    with pytest.raises(UsageError, match="'Nope' is not a finding type"):
        expand_types(["Nope"])
    with pytest.raises(UsageError):
        expand_types([""])


def test_more_than_50_buckets_is_refused() -> None:
    with pytest.raises(UsageError, match="--bucket accepts at most 50 values"):
        Filters(buckets=tuple(f"b{n}" for n in range(51))).criteria()
    assert len(Filters(buckets=tuple(f"b{n}" for n in range(50))).criteria()["criterion"]) == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", NOW - timedelta(minutes=30)),
        ("24h", NOW - timedelta(hours=24)),
        ("7d", NOW - timedelta(days=7)),
        ("2w", NOW - timedelta(weeks=2)),
        ("90S", NOW - timedelta(seconds=90)),
        ("2026-05-01T10:00:00Z", datetime(2026, 5, 1, 10, tzinfo=timezone.utc)),
        ("2026-05-01T10:00:00", datetime(2026, 5, 1, 10, tzinfo=timezone.utc)),
        ("2026-05-01T12:00:00+02:00", datetime(2026, 5, 1, 10, tzinfo=timezone.utc)),
        ("2026-05-01", datetime(2026, 5, 1, tzinfo=timezone.utc)),
    ],
)
def test_since(text: str, expected: datetime) -> None:
    assert parse_since(text, NOW) == expected


@pytest.mark.parametrize("text", ["yesterday", "5y", "-1h", ""])
def test_since_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="is neither a duration"):
        parse_since(text, NOW)


def test_times_are_epoch_millis() -> None:
    assert epoch_millis(datetime(1970, 1, 1, 0, 0, 1, 500000, tzinfo=timezone.utc)) == 1500
    assert millis_of("2024-03-11T19:46:53.031Z") == 1710186413031
    assert epoch_millis(datetime(1970, 1, 1, 0, 0, 2)) == 2000  # naive = UTC


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("updated", {"attributeName": "updatedAt", "orderBy": "DESC"}),
        ("severity:asc", {"attributeName": "severity.score", "orderBy": "ASC"}),
        ("type", {"attributeName": "type", "orderBy": "ASC"}),
        ("resource:DESC", {"attributeName": "resourcesAffected", "orderBy": "DESC"}),
        ("createdAt:asc", {"attributeName": "createdAt", "orderBy": "ASC"}),
        (
            "first-seen",
            {"attributeName": "policyDetails.action.apiCallDetails.firstSeen", "orderBy": "DESC"},
        ),
    ],
)
def test_sort(text: str, expected: dict[str, str]) -> None:
    assert parse_sort(text) == expected


@pytest.mark.parametrize("text", ["size", "updated:up"])
def test_sort_refuses(text: str) -> None:
    with pytest.raises(UsageError):
        parse_sort(text)


def test_with_criterion_adds_operators_without_touching_the_original() -> None:
    original = Filters(types=("Policy:IAMUser/S3BucketPublic",)).criteria()
    changed = with_criterion(original, "type", {"neq": ["x"]})
    assert changed["criterion"]["type"] == {"eq": ["Policy:IAMUser/S3BucketPublic"], "neq": ["x"]}
    assert original["criterion"]["type"] == {"eq": ["Policy:IAMUser/S3BucketPublic"]}
