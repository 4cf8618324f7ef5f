"""Job scoping, bucket criteria and schedules (pure)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from macie_notify.local.macie2.job_objects import S3Object
from macie_notify.local.macie2.scoping import (
    bucket_selected,
    matches_scoping,
    needs_object_tags,
    next_run_after,
)

OBJ = S3Object(
    bucket="b",
    key="samples/hr/employees.CSV",
    size=1200,
    last_modified=dt.datetime(2024, 3, 1, tzinfo=dt.timezone.utc),
    tags=[{"key": "team", "value": "hr"}],
)


def simple(key: str, comparator: str, *values: str) -> dict[str, Any]:
    return {"simpleScopeTerm": {"key": key, "comparator": comparator, "values": list(values)}}


def tag(comparator: str, key: str, value: str = "") -> dict[str, Any]:
    return {
        "tagScopeTerm": {
            "comparator": comparator,
            "key": "TAG",
            "tagValues": [{"key": key, "value": value}],
            "target": "S3_OBJECT",
        }
    }


@pytest.mark.parametrize(
    ("scoping", "expected"),
    [
        ({}, True),
        ({"includes": {"and": [simple("OBJECT_EXTENSION", "EQ", "csv", "json")]}}, True),
        ({"includes": {"and": [simple("OBJECT_EXTENSION", "NE", "csv")]}}, False),
        ({"includes": {"and": [simple("OBJECT_KEY", "STARTS_WITH", "other/", "samples/")]}}, True),
        ({"includes": {"and": [simple("OBJECT_SIZE", "LT", "1000")]}}, False),
        ({"includes": {"and": [simple("OBJECT_SIZE", "GTE", "1200")]}}, True),
        (
            {
                "includes": {
                    "and": [simple("OBJECT_LAST_MODIFIED_DATE", "GT", "2024-02-01T00:00:00Z")]
                }
            },
            True,
        ),
        ({"includes": {"and": [tag("EQ", "team", "hr")]}}, True),
        ({"includes": {"and": [tag("EQ", "team")]}}, True),  # empty value: key only
        ({"includes": {"and": [tag("EQ", "team", "finance")]}}, False),
        ({"excludes": {"and": [simple("OBJECT_EXTENSION", "EQ", "csv")]}}, False),
        (
            # Excluded only when every exclude condition holds.
            {
                "excludes": {
                    "and": [simple("OBJECT_EXTENSION", "EQ", "csv"), tag("EQ", "team", "ops")]
                }
            },
            True,
        ),
        (
            {
                "includes": {
                    "and": [
                        simple("OBJECT_KEY", "STARTS_WITH", "samples/"),
                        tag("NE", "team", "hr"),
                    ]
                }
            },
            False,
        ),
    ],
)
def test_matches_scoping(scoping: dict[str, Any], expected: bool) -> None:
    assert matches_scoping(scoping, OBJ) is expected


def test_needs_object_tags_only_for_tag_terms() -> None:
    assert not needs_object_tags({"includes": {"and": [simple("OBJECT_KEY", "STARTS_WITH", "a")]}})
    assert needs_object_tags({"excludes": {"and": [tag("EQ", "k")]}})


def criterion(key: str, comparator: str, *values: str) -> dict[str, Any]:
    return {"simpleCriterion": {"key": key, "comparator": comparator, "values": list(values)}}


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ({}, True),
        ({"includes": {"and": [criterion("S3_BUCKET_NAME", "EQ", "data", "other")]}}, True),
        ({"includes": {"and": [criterion("S3_BUCKET_NAME", "NE", "data")]}}, False),
        ({"includes": {"and": [criterion("ACCOUNT_ID", "EQ", "111111111111")]}}, False),
        ({"excludes": {"and": [criterion("S3_BUCKET_NAME", "EQ", "data")]}}, False),
        (
            {
                "includes": {
                    "and": [
                        {
                            "tagCriterion": {
                                "comparator": "EQ",
                                "tagValues": [{"key": "env", "value": "prod"}],
                            }
                        }
                    ]
                }
            },
            True,
        ),
        (
            {"includes": {"and": [criterion("S3_BUCKET_EFFECTIVE_PERMISSION", "EQ", "PUBLIC")]}},
            False,
        ),
    ],
)
def test_bucket_selected(criteria: dict[str, Any], expected: bool) -> None:
    tags = [{"key": "env", "value": "prod"}]
    assert bucket_selected(criteria, "data", "123456789012", tags) is expected


def test_bucket_selected_by_what_describe_buckets_reports() -> None:
    public = {"includes": {"and": [criterion("S3_BUCKET_EFFECTIVE_PERMISSION", "EQ", "PUBLIC")]}}
    shared = {"excludes": {"and": [criterion("S3_BUCKET_SHARED_ACCESS", "EQ", "EXTERNAL")]}}
    facts = {"effectivePermission": "PUBLIC", "sharedAccess": "EXTERNAL"}
    assert bucket_selected(public, "data", "123456789012", [], facts) is True
    assert bucket_selected(shared, "data", "123456789012", [], facts) is False
    assert bucket_selected(shared, "data", "123456789012", []) is True


NOW = dt.datetime(2024, 3, 13, 15, 30, tzinfo=dt.timezone.utc).timestamp()  # a Wednesday


@pytest.mark.parametrize(
    ("frequency", "expected"),
    [
        ({"dailySchedule": {}}, "2024-03-14"),
        ({"weeklySchedule": {"dayOfWeek": "MONDAY"}}, "2024-03-18"),
        ({"weeklySchedule": {"dayOfWeek": "THURSDAY"}}, "2024-03-14"),
        ({"monthlySchedule": {"dayOfMonth": 1}}, "2024-04-01"),
        ({"monthlySchedule": {"dayOfMonth": 31}}, "2024-03-31"),
    ],
)
def test_next_run_after(frequency: dict[str, Any], expected: str) -> None:
    run = dt.datetime.fromtimestamp(next_run_after(frequency, NOW), dt.timezone.utc)
    assert run.strftime("%Y-%m-%d %H:%M") == f"{expected} 00:00"
