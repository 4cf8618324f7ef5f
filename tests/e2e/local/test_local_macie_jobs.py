"""Classification jobs over HTTP: create/describe/list/update, status rules, hooks."""

from __future__ import annotations

from typing import Any

import pytest

from macie_notify.local import LocalServer

ACCOUNT = "123456789012"
BUCKETS = {"bucketDefinitions": [{"accountId": ACCOUNT, "buckets": ["data-bucket"]}]}


def one_time(macie: Any, name: str = "scan", **kw: Any) -> str:
    return str(
        macie.create_classification_job(
            jobType="ONE_TIME", name=name, s3JobDefinition=BUCKETS, **kw
        )["jobId"]
    )


def scheduled(macie: Any, name: str = "daily", initial: bool = False, **kw: Any) -> str:
    return str(
        macie.create_classification_job(
            jobType="SCHEDULED",
            name=name,
            s3JobDefinition=BUCKETS,
            scheduleFrequency={"dailySchedule": {}},
            initialRun=initial,
            **kw,
        )["jobId"]
    )


def test_create_and_describe(macie: Any) -> None:
    cdi = macie.create_custom_data_identifier(name="emp", regex="EMP-[0-9]{6}")
    made = macie.create_classification_job(
        jobType="ONE_TIME",
        name="scan",
        description="first",
        s3JobDefinition=BUCKETS,
        customDataIdentifierIds=[cdi["customDataIdentifierId"]],
        managedDataIdentifierSelector="ALL",
        samplingPercentage=50,
        tags={"stack": "demo"},
    )
    job_id = made["jobId"]
    assert len(job_id) == 32 and int(job_id, 16) >= 0
    assert made["jobArn"] == f"arn:aws:macie2:us-east-1:{ACCOUNT}:classification-job/{job_id}"
    job = macie.describe_classification_job(jobId=job_id)
    assert job["jobStatus"] == "RUNNING"
    assert job["jobType"] == "ONE_TIME"
    assert job["initialRun"] is False
    assert job["managedDataIdentifierSelector"] == "ALL"
    assert job["samplingPercentage"] == 50
    assert job["s3JobDefinition"] == BUCKETS
    assert job["tags"] == {"stack": "demo"}
    assert job["statistics"] == {"approximateNumberOfObjectsToProcess": 0.0, "numberOfRuns": 0.0}
    assert job["lastRunErrorStatus"] == {"code": "NONE"}
    assert "scheduleFrequency" not in job


def test_scheduled_job_waits_idle_or_runs_initially(macie: Any) -> None:
    idle = scheduled(macie, "idle")
    running = scheduled(macie, "initial", initial=True)
    assert macie.describe_classification_job(jobId=idle)["jobStatus"] == "IDLE"
    assert macie.describe_classification_job(jobId=running)["jobStatus"] == "RUNNING"
    assert macie.describe_classification_job(jobId=idle)["scheduleFrequency"] == {
        "dailySchedule": {}
    }


def test_client_token_idempotency(macie: Any) -> None:
    first = one_time(macie, clientToken="same")
    assert one_time(macie, clientToken="same") == first
    assert len(macie.list_classification_jobs()["items"]) == 1


@pytest.mark.parametrize(
    ("start", "target", "result"),
    [
        ("RUNNING", "USER_PAUSED", "USER_PAUSED"),
        ("RUNNING", "CANCELLED", "CANCELLED"),
        ("IDLE", "USER_PAUSED", "USER_PAUSED"),
        ("IDLE", "CANCELLED", "CANCELLED"),
    ],
)
def test_allowed_transitions(macie: Any, start: str, target: str, result: str) -> None:
    job_id = one_time(macie) if start == "RUNNING" else scheduled(macie)
    macie.update_classification_job(jobId=job_id, jobStatus=target)
    job = macie.describe_classification_job(jobId=job_id)
    assert job["jobStatus"] == result
    if result == "USER_PAUSED":
        details = job["userPausedDetails"]
        assert (details["jobExpiresAt"] - details["jobPausedAt"]).days == 30


def test_resume_returns_to_previous_state(macie: Any) -> None:
    running, idle = one_time(macie), scheduled(macie)
    for job_id in (running, idle):
        macie.update_classification_job(jobId=job_id, jobStatus="USER_PAUSED")
        macie.update_classification_job(jobId=job_id, jobStatus="RUNNING")
    assert macie.describe_classification_job(jobId=running)["jobStatus"] == "RUNNING"
    assert macie.describe_classification_job(jobId=idle)["jobStatus"] == "IDLE"
    assert "userPausedDetails" not in macie.describe_classification_job(jobId=idle)


@pytest.mark.parametrize(
    ("setup", "target"),
    [
        ("cancelled", "RUNNING"),
        ("cancelled", "USER_PAUSED"),
        ("running", "RUNNING"),
        ("running", "COMPLETE"),
        ("idle", "IDLE"),
    ],
)
def test_disallowed_transitions(macie: Any, raw_macie: Any, setup: str, target: str) -> None:
    job_id = scheduled(macie) if setup == "idle" else one_time(macie)
    if setup == "cancelled":
        macie.update_classification_job(jobId=job_id, jobStatus="CANCELLED")
    with pytest.raises(raw_macie.exceptions.ValidationException):
        raw_macie.update_classification_job(jobId=job_id, jobStatus=target)


def test_unknown_job(macie: Any) -> None:
    with pytest.raises(macie.exceptions.ResourceNotFoundException):
        macie.describe_classification_job(jobId="0" * 32)
    with pytest.raises(macie.exceptions.ResourceNotFoundException):
        macie.update_classification_job(jobId="0" * 32, jobStatus="CANCELLED")


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"jobType": "ONE_TIME", "scheduleFrequency": {"dailySchedule": {}}}, "ONE_TIME"),
        ({"jobType": "SCHEDULED"}, "exactly one"),
        (
            {"jobType": "SCHEDULED", "scheduleFrequency": {"monthlySchedule": {"dayOfMonth": 32}}},
            "dayOfMonth",
        ),
        ({"jobType": "ONE_TIME", "managedDataIdentifierSelector": "INCLUDE"}, "required"),
        (
            {"jobType": "ONE_TIME", "managedDataIdentifierIds": ["AWS_CREDENTIALS"]},
            "must be empty",
        ),
        (
            {
                "jobType": "ONE_TIME",
                "managedDataIdentifierSelector": "INCLUDE",
                "managedDataIdentifierIds": ["NOT_A_REAL_ID"],
            },
            "Unknown managed",
        ),
        ({"jobType": "ONE_TIME", "managedDataIdentifierSelector": "NONE"}, "NONE"),
        ({"jobType": "ONE_TIME", "samplingPercentage": 0}, "samplingPercentage"),
        ({"jobType": "ONE_TIME", "name": "n" * 501}, "name"),
        ({"jobType": "ONE_TIME", "description": "d" * 201}, "description"),
        ({"jobType": "ONE_TIME", "s3JobDefinition": {}}, "exactly one"),
        ({"jobType": "WEEKLY"}, "jobType"),
    ],
)
def test_create_validation(macie: Any, raw_macie: Any, kwargs: dict[str, Any], words: str) -> None:
    params = {"name": "j", "s3JobDefinition": BUCKETS, **kwargs}
    with pytest.raises(raw_macie.exceptions.ValidationException) as info:
        raw_macie.create_classification_job(**params)
    assert words in info.value.response["Error"]["Message"]


def test_deleted_or_unknown_identifier_cannot_be_used(macie: Any) -> None:
    cid = macie.create_custom_data_identifier(name="x", regex="x+")["customDataIdentifierId"]
    macie.delete_custom_data_identifier(id=cid)
    with pytest.raises(macie.exceptions.ResourceNotFoundException):
        one_time(macie, customDataIdentifierIds=[cid])


def test_list_filter_sort_and_page(macie: Any) -> None:
    ids = [one_time(macie, f"job-{n}") for n in range(3)] + [scheduled(macie, "sched")]
    macie.update_classification_job(jobId=ids[0], jobStatus="CANCELLED")
    items = macie.list_classification_jobs(
        filterCriteria={
            "includes": [{"comparator": "EQ", "key": "jobStatus", "values": ["RUNNING"]}]
        },
        sortCriteria={"attributeName": "name", "orderBy": "DESC"},
    )["items"]
    assert [i["name"] for i in items] == ["job-2", "job-1"]
    assert items[0]["bucketDefinitions"] == BUCKETS["bucketDefinitions"]
    excluded = macie.list_classification_jobs(
        filterCriteria={
            "excludes": [{"comparator": "STARTS_WITH", "key": "name", "values": ["job"]}]
        }
    )["items"]
    assert [i["name"] for i in excluded] == ["sched"]
    pages = list(
        macie.get_paginator("list_classification_jobs").paginate(PaginationConfig={"PageSize": 3})
    )
    assert [len(p["items"]) for p in pages] == [3, 1]


def test_job_tags(macie: Any) -> None:
    job_id = one_time(macie, tags={"a": "1"})
    arn = macie.describe_classification_job(jobId=job_id)["jobArn"]
    macie.tag_resource(resourceArn=arn, tags={"b": "2"})
    assert macie.list_tags_for_resource(resourceArn=arn)["tags"] == {"a": "1", "b": "2"}


class RecordingRunner:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []

    def job_changed(self, backend: Any, job: dict[str, Any], reason: str) -> None:
        self.calls.append((job["jobId"], job["jobStatus"], reason))


def test_job_runner_hook_and_run_reporting(local_server: LocalServer, macie: Any) -> None:
    runner = RecordingRunner()
    backends = local_server.macie2_backends
    backends.job_observer = runner
    try:
        job_id = one_time(macie)
        macie.update_classification_job(jobId=job_id, jobStatus="USER_PAUSED")
    finally:
        backends.job_observer = None
    assert runner.calls == [(job_id, "RUNNING", "created"), (job_id, "USER_PAUSED", "status")]
    backend = backends.get(ACCOUNT, "us-east-1")
    backend.record_job_run(job_id, objects=12)
    backend.set_job_status(job_id, "COMPLETE")
    job = macie.describe_classification_job(jobId=job_id)
    assert job["jobStatus"] == "COMPLETE"
    assert job["statistics"] == {"approximateNumberOfObjectsToProcess": 12.0, "numberOfRuns": 1.0}
