"""Pure helpers on the config objects that shape macie2 requests and the notifier env."""

from __future__ import annotations

import pytest

from macie_notify.config import (
    CustomIdentifier,
    JobConfig,
    JobScope,
    ManagedIdentifiers,
    Schedule,
    SeverityLevel,
    loads,
)
from macie_notify.config.model import (
    BucketConfig,
    FindingTypes,
    NotificationsConfig,
    SlackConfig,
)


def test_custom_identifier_to_api_omits_empty_members() -> None:
    assert CustomIdentifier(name="a", regex="x").to_api() == {
        "name": "a",
        "regex": "x",
        "maximumMatchDistance": 50,
    }


def test_custom_identifier_to_api_full() -> None:
    cdi = CustomIdentifier(
        name="employee-id",
        regex="EMP-[0-9]{6}",
        description="d",
        keywords=("employee",),
        ignore_words=("EMP-000000",),
        maximum_match_distance=20,
        severity_levels=(SeverityLevel(1, "LOW"), SeverityLevel(10, "HIGH")),
    )
    assert cdi.to_api(tags={"team": "x"}) == {
        "name": "employee-id",
        "regex": "EMP-[0-9]{6}",
        "maximumMatchDistance": 20,
        "keywords": ["employee"],
        "ignoreWords": ["EMP-000000"],
        "description": "d",
        "severityLevels": [
            {"occurrencesThreshold": 1, "severity": "LOW"},
            {"occurrencesThreshold": 10, "severity": "HIGH"},
        ],
        "tags": {"team": "x"},
    }
    assert cdi.to_test_api("emp EMP-123456") == {
        "regex": "EMP-[0-9]{6}",
        "maximumMatchDistance": 20,
        "keywords": ["employee"],
        "ignoreWords": ["EMP-000000"],
        "sampleText": "emp EMP-123456",
    }


@pytest.mark.parametrize(
    ("schedule", "job_type", "frequency", "text"),
    [
        (Schedule("once"), "ONE_TIME", None, "once"),
        (Schedule("daily"), "SCHEDULED", {"dailySchedule": {}}, "daily"),
        (
            Schedule("weekly", "MONDAY"),
            "SCHEDULED",
            {"weeklySchedule": {"dayOfWeek": "MONDAY"}},
            "weekly on Monday",
        ),
        (
            Schedule("monthly", 15),
            "SCHEDULED",
            {"monthlySchedule": {"dayOfMonth": 15}},
            "monthly on day 15",
        ),
    ],
)
def test_schedule(
    schedule: Schedule, job_type: str, frequency: dict[str, object] | None, text: str
) -> None:
    assert schedule.job_type == job_type
    assert schedule.schedule_frequency() == frequency
    assert JobConfig(schedule=schedule).schedule_frequency() == frequency
    assert schedule.describe() == text


def test_managed_identifiers_to_api() -> None:
    assert ManagedIdentifiers("RECOMMENDED").to_api() == {
        "managedDataIdentifierSelector": "RECOMMENDED"
    }
    assert ManagedIdentifiers("INCLUDE", ("NAME",)).to_api() == {
        "managedDataIdentifierSelector": "INCLUDE",
        "managedDataIdentifierIds": ["NAME"],
    }


def test_scope_to_api() -> None:
    assert JobScope().to_api() is None
    assert JobScope(("samples/",), ("pdf",)).to_api() == {
        "includes": {
            "and": [
                {
                    "simpleScopeTerm": {
                        "comparator": "STARTS_WITH",
                        "key": "OBJECT_KEY",
                        "values": ["samples/"],
                    }
                }
            ]
        },
        "excludes": {
            "and": [
                {
                    "simpleScopeTerm": {
                        "comparator": "EQ",
                        "key": "OBJECT_EXTENSION",
                        "values": ["pdf"],
                    }
                }
            ]
        },
    }


def test_one_time_job_sends_no_schedule_or_initial_run() -> None:
    params = JobConfig(schedule=Schedule("once")).to_api(
        name="macie-demo-scan", account_id="123456789012", bucket="b"
    )
    assert params == {
        "jobType": "ONE_TIME",
        "name": "macie-demo-scan",
        "s3JobDefinition": {"bucketDefinitions": [{"accountId": "123456789012", "buckets": ["b"]}]},
        "samplingPercentage": 100,
        "managedDataIdentifierSelector": "ALL",
    }


def test_scheduled_job_to_api() -> None:
    job = JobConfig(initial_run=False, scope=JobScope(("samples/",)))
    params = job.to_api(
        name="n",
        account_id="123456789012",
        bucket="b",
        custom_identifier_ids=["id-1"],
        tags={"t": "v"},
    )
    assert params["scheduleFrequency"] == {"dailySchedule": {}}
    assert params["initialRun"] is False
    assert params["customDataIdentifierIds"] == ["id-1"]
    assert params["tags"] == {"t": "v"}
    assert "scoping" in params["s3JobDefinition"]


def test_job_custom_identifier_names() -> None:
    defined = (CustomIdentifier("a", "x"), CustomIdentifier("b", "y"))
    assert JobConfig().custom_identifier_names(defined) == ("a", "b")
    assert JobConfig(custom_identifiers=("b",)).custom_identifier_names(defined) == ("b",)


def test_bucket_resolved_name() -> None:
    assert BucketConfig().resolved_name("macie-demo", "123456789012", "eu-west-1") == (
        "macie-demo-data-123456789012-eu-west-1"
    )
    assert BucketConfig(name="mine").resolved_name("s", "1", "r") == "mine"


def test_notifier_environment_token_mode() -> None:
    notifications = NotificationsConfig(
        min_severity="Medium", finding_types=FindingTypes(("SensitiveData:",), ("Policy:",))
    )
    assert notifications.notifier_environment() == {
        "MIN_SEVERITY": "Medium",
        "SLACK_CHANNEL": "#aws-macie-events",
        "FINDING_TYPES_INCLUDE": "SensitiveData:",
        "FINDING_TYPES_EXCLUDE": "Policy:",
    }


def test_notifier_environment_webhook_mode() -> None:
    slack = SlackConfig(channel=None, token_env=None, webhook_url_env="HOOK")
    assert NotificationsConfig(slack=slack).notifier_environment() == {"MIN_SEVERITY": "Low"}


def test_summary_pluralises() -> None:
    assert loads("stack: {name: abc}\n").summary() == (
        "stack abc, 0 custom identifiers, job daily-scan (daily)"
    )
    config = loads(
        "stack: {name: abc}\ncustom_data_identifiers: [{name: a, regex: x}]\n"
        "job: {name: weekly, schedule: {weekly: sunday}}\n"
    )
    assert config.summary() == "stack abc, 1 custom identifier, job weekly (weekly on Sunday)"
    assert config.custom_identifier("a") == CustomIdentifier("a", "x")
    assert config.custom_identifier("zz") is None
