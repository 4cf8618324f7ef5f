"""A one-time job over local S3 creates exactly the expected findings,
and an EventBridge rule with an SQS target receives one event per finding whose detail
equals GetFindings' output."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from pipeline_helpers import drain_events, drain_queue, queue_with_rule, wait_for

pytestmark = pytest.mark.e2e

EMPLOYEES = (
    "employee_id,name,email,phone,ssn,sin,department\n"
    "EMP-100000,Avery Fairbanks,avery@example.com,(331) 534-8029,304-11-3823,521 946 301,Eng\n"
    "EMP-107919,Jordan Merriweather,jordan@example.com,(245) 999-1477,142-31-1665,526 882 303,Fin\n"
)
CREDENTIALS = (
    "[default]\n"
    "aws_access_key_id = AKIA7VUE37H467QD3GB7\n"
    "aws_secret_access_key = F3qScDas8YbF6758QgGEThrIiypqR+xfjJNnOfao\n"
)
STAFF = "New employee EMP-123456 starts Monday.\n"
OBJECTS = {
    "samples/employees.csv": EMPLOYEES,
    "samples/aws_credentials": CREDENTIALS,
    "samples/staff.txt": STAFF,
    "samples/clean.md": "# Release notes\nNothing sensitive here.\n",
    "other/employees.csv": EMPLOYEES,  # outside the job's prefix scope
}


def test_one_time_job_finds_exactly_the_expected_findings(aws: Callable[[str], Any]) -> None:
    s3, macie = aws("s3"), aws("macie2")
    url = queue_with_rule(
        aws, "findings", {"source": ["aws.macie"], "detail-type": ["Macie Finding"]}
    )
    macie.enable_macie()
    s3.create_bucket(Bucket="macie-demo-data")
    for key, body in OBJECTS.items():
        s3.put_object(Bucket="macie-demo-data", Key=key, Body=body.encode())
    cdi = macie.create_custom_data_identifier(
        name="employee-id", regex="EMP-[0-9]{6}", keywords=["employee"], maximumMatchDistance=20
    )["customDataIdentifierId"]
    job_id = macie.create_classification_job(
        jobType="ONE_TIME",
        name="scan-now",
        managedDataIdentifierSelector="ALL",
        customDataIdentifierIds=[cdi],
        s3JobDefinition={
            "bucketDefinitions": [{"accountId": "123456789012", "buckets": ["macie-demo-data"]}],
            "scoping": {
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
                }
            },
        },
    )["jobId"]

    job = wait_for(
        lambda: (
            (d := macie.describe_classification_job(jobId=job_id))["jobStatus"] == "COMPLETE" and d
        ),
        what="job COMPLETE",
    )
    assert job["statistics"]["numberOfRuns"] == 1
    # Nothing is left to process once the run completed; the run analysed the four objects
    # in scope (one resource profile artifact each).
    assert job["statistics"]["approximateNumberOfObjectsToProcess"] == 0
    artifacts = macie.list_resource_profile_artifacts(resourceArn="arn:aws:s3:::macie-demo-data")
    assert sorted(a["arn"].split("/", 1)[1] for a in artifacts["artifacts"]) == sorted(
        k for k in OBJECTS if k.startswith("samples/")
    )
    assert job["lastRunErrorStatus"] == {"code": "NONE"}

    ids = macie.list_findings()["findingIds"]
    findings = macie.get_findings(findingIds=ids)["findings"]
    by_key = {f["resourcesAffected"]["s3Object"]["key"]: f for f in findings}
    summary = {
        key: (
            f["type"],
            f["severity"]["description"],
            {
                d["type"]: d["count"]
                for c in f["classificationDetails"]["result"]["sensitiveData"]
                for d in c["detections"]
            },
            {
                d["name"]: d["count"]
                for d in f["classificationDetails"]["result"]["customDataIdentifiers"]["detections"]
            },
        )
        for key, f in by_key.items()
    }
    assert summary == {
        # The CSV header "employee_id" is the custom identifier's keyword for its column:
        # personal data plus a custom identifier make the finding Multiple.
        "samples/employees.csv": (
            "SensitiveData:S3Object/Multiple",
            "High",
            {
                "USA_SOCIAL_SECURITY_NUMBER": 2,
                "CANADA_SOCIAL_INSURANCE_NUMBER": 2,
                "PHONE_NUMBER": 2,
            },
            {"employee-id": 2},
        ),
        "samples/aws_credentials": (
            "SensitiveData:S3Object/Credentials",
            "High",
            {"AWS_CREDENTIALS": 1},
            {},
        ),
        "samples/staff.txt": (
            "SensitiveData:S3Object/CustomIdentifier",
            "Medium",
            {},
            {"employee-id": 1},
        ),
    }
    staff = by_key["samples/staff.txt"]
    assert staff["category"] == "CLASSIFICATION"
    assert staff["count"] == 1
    assert staff["createdAt"] == staff["updatedAt"]
    assert staff["classificationDetails"]["jobId"] == job_id
    assert staff["classificationDetails"]["jobArn"] == job["jobArn"]
    assert staff["classificationDetails"]["originType"] == "SENSITIVE_DATA_DISCOVERY_JOB"
    assert staff["classificationDetails"]["detailedResultsLocation"].startswith("s3://")
    assert staff["classificationDetails"]["result"]["status"]["code"] == "COMPLETE"
    obj = staff["resourcesAffected"]["s3Object"]
    assert (obj["path"], obj["extension"], obj["size"]) == (
        "macie-demo-data/samples/staff.txt",
        "txt",
        len(STAFF),
    )
    assert staff["resourcesAffected"]["s3Bucket"]["name"] == "macie-demo-data"
    assert (staff["accountId"], staff["region"], staff["partition"]) == (
        "123456789012",
        "us-east-1",
        "aws",
    )

    # One event per finding; its detail is exactly what GetFindings returns.
    drain_events(aws("s3").meta.endpoint_url)
    messages = drain_queue(aws, url)
    events = [json.loads(m["Body"]) for m in messages]
    assert len(events) == 3
    assert {e["detail"]["id"] for e in events} == set(ids)
    for event in events:
        assert event["source"] == "aws.macie"
        assert event["detail-type"] == "Macie Finding"
        assert event["account"] == "123456789012"
        assert event["region"] == "us-east-1"
        assert event["resources"] == []
        # The event carries the members AWS sends as null; boto3 leaves those out.
        assert event["detail"]["policyDetails"] is None
        assert _without_nulls(event["detail"]) == _as_json(
            by_key[event["detail"]["resourcesAffected"]["s3Object"]["key"]]
        )


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _as_json(finding: dict[str, Any]) -> dict[str, Any]:
    """GetFindings' output with boto3's datetimes back in the wire's ISO 8601 form."""
    import datetime as dt

    def convert(value: Any) -> Any:
        if isinstance(value, dt.datetime):
            return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, list):
            return [convert(v) for v in value]
        return value

    return dict(convert(finding))


def test_scheduled_job_runs_at_creation_then_on_demand_only_new_objects(
    aws: Callable[[str], Any],
) -> None:
    s3, macie = aws("s3"), aws("macie2")
    endpoint = s3.meta.endpoint_url
    macie.enable_macie()
    s3.create_bucket(Bucket="scheduled")
    s3.put_object(Bucket="scheduled", Key="first/aws_credentials", Body=CREDENTIALS.encode())
    job_id = macie.create_classification_job(
        jobType="SCHEDULED",
        name="daily",
        initialRun=True,
        scheduleFrequency={"dailySchedule": {}},
        managedDataIdentifierSelector="ALL",
        s3JobDefinition={
            "bucketDefinitions": [{"accountId": "123456789012", "buckets": ["scheduled"]}]
        },
    )["jobId"]

    def idle_after(runs: int) -> bool:
        job = macie.describe_classification_job(jobId=job_id)
        return job["jobStatus"] == "IDLE" and job["statistics"]["numberOfRuns"] == runs

    wait_for(lambda: idle_after(1), what="first run")
    assert len(macie.list_findings()["findingIds"]) == 1

    s3.put_object(Bucket="scheduled", Key="second/aws_credentials", Body=CREDENTIALS.encode())
    request = urllib.request.Request(f"{endpoint}/_local/jobs/{job_id}/run", method="POST")
    with urllib.request.urlopen(request, timeout=30) as resp:
        assert json.loads(resp.read()) == {"jobId": job_id, "started": True}
    wait_for(lambda: idle_after(2), what="second run")
    findings = macie.get_findings(findingIds=macie.list_findings()["findingIds"])["findings"]
    keys = sorted(f["resourcesAffected"]["s3Object"]["key"] for f in findings)
    # The second run only analysed what changed since the first.
    assert keys == ["first/aws_credentials", "second/aws_credentials"]
    job = macie.describe_classification_job(jobId=job_id)
    assert job["statistics"]["approximateNumberOfObjectsToProcess"] == 0
    artifacts = macie.list_resource_profile_artifacts(resourceArn="arn:aws:s3:::scheduled")
    assert sorted(a["arn"] for a in artifacts["artifacts"]) == [
        "arn:aws:s3:::scheduled/first/aws_credentials",
        "arn:aws:s3:::scheduled/second/aws_credentials",
    ]

    macie.update_classification_job(jobId=job_id, jobStatus="CANCELLED")
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(
            urllib.request.Request(f"{endpoint}/_local/jobs/{job_id}/run", method="POST"),
            timeout=30,
        )
    assert info.value.code == 409
    with pytest.raises(urllib.error.HTTPError) as unknown:
        urllib.request.urlopen(
            urllib.request.Request(f"{endpoint}/_local/jobs/{'0' * 32}/run", method="POST"),
            timeout=30,
        )
    assert unknown.value.code == 404
    assert json.loads(unknown.value.read()) == {
        "error": f"The classification job {'0' * 32} doesn't exist."
    }
