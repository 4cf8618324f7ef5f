"""Classification job runs over HTTP: missing buckets, custom identifier ARNs, shapes of
the bucket and object, allow lists, exported detailed results, revealed occurrences,
resource profiles and usage, and a suspended account's jobs."""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from macie_notify.local import LocalServer

pytestmark = pytest.mark.e2e

ACCOUNT = "123456789012"
# Not the documented example numbers (Macie never reports those).
SSNS = ("304-11-3823", "142-31-1665", "219-45-7781")
PEOPLE = "".join(f"Employee SSN: {n}\n" for n in SSNS)
KMS_KEY = "arn:aws:kms:us-east-1:123456789012:key/results"


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        yield srv


@pytest.fixture
def aws(server: LocalServer) -> Iterator[Callable[[str], Any]]:
    server.reset()
    yield lambda service: server.client(service, "us-east-1")
    server.reset()


def wait_for(predicate: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def run_job(macie: Any, buckets: list[str], **extra: Any) -> dict[str, Any]:
    job_id = macie.create_classification_job(
        jobType="ONE_TIME",
        name=f"job-{time.monotonic_ns()}",
        s3JobDefinition={"bucketDefinitions": [{"accountId": ACCOUNT, "buckets": buckets}]},
        **extra,
    )["jobId"]
    return dict(
        wait_for(
            lambda: (
                (d := macie.describe_classification_job(jobId=job_id))["jobStatus"] == "COMPLETE"
                and d
            )
        )
    )


def start_long_run(s3: Any, macie: Any, bucket: str, total: int) -> tuple[str, Callable[[], float]]:
    """A ONE_TIME job over ``total`` small objects, started: its id, and how many objects
    it has left."""
    s3.create_bucket(Bucket=bucket)
    for i in range(total):
        s3.put_object(Bucket=bucket, Key=f"people-{i:03}.txt", Body=PEOPLE.encode())
    job_id = macie.create_classification_job(
        jobType="ONE_TIME",
        name=f"long-run-{bucket}",
        s3JobDefinition={"bucketDefinitions": [{"accountId": ACCOUNT, "buckets": [bucket]}]},
    )["jobId"]

    def left() -> float:
        stats = macie.describe_classification_job(jobId=job_id)["statistics"]
        return float(stats["approximateNumberOfObjectsToProcess"])

    return job_id, left


def all_findings(macie: Any) -> list[dict[str, Any]]:
    ids = macie.list_findings()["findingIds"]
    return macie.get_findings(findingIds=ids)["findings"] if ids else []


def test_a_missing_bucket_does_not_stop_the_others(aws: Callable[[str], Any]) -> None:
    s3, macie = aws("s3"), aws("macie2")
    macie.enable_macie()
    s3.create_bucket(Bucket="present-data")
    s3.put_object(Bucket="present-data", Key="people.txt", Body=PEOPLE.encode())
    job = run_job(macie, ["no-such-bucket-here", "present-data"])
    assert job["lastRunErrorStatus"] == {"code": "ERROR"}
    assert job["statistics"] == {"approximateNumberOfObjectsToProcess": 0.0, "numberOfRuns": 1.0}
    (finding,) = all_findings(macie)
    assert finding["resourcesAffected"]["s3Object"]["key"] == "people.txt"
    bucket = finding["resourcesAffected"]["s3Bucket"]
    assert bucket["createdAt"]
    assert bucket["allowsUnencryptedObjectUploads"] == "TRUE"
    levels = bucket["publicAccess"]["permissionConfiguration"]["bucketLevelPermissions"]
    assert set(levels) == {"accessControlList", "blockPublicAccess", "bucketPolicy"}
    sse = finding["resourcesAffected"]["s3Object"]["serverSideEncryption"]
    assert sse["encryptionType"] == "AES256"


def test_custom_detections_carry_the_identifier_arn(aws: Callable[[str], Any]) -> None:
    s3, macie = aws("s3"), aws("macie2")
    macie.enable_macie()
    s3.create_bucket(Bucket="staff-notes")
    s3.put_object(Bucket="staff-notes", Key="notes.txt", Body=b"employee EMP-123456 joined\n")
    cid = macie.create_custom_data_identifier(name="employee-id", regex="EMP-[0-9]{6}")[
        "customDataIdentifierId"
    ]
    arn = macie.get_custom_data_identifier(id=cid)["arn"]
    run_job(macie, ["staff-notes"], customDataIdentifierIds=[cid])
    (finding,) = all_findings(macie)
    (detection,) = finding["classificationDetails"]["result"]["customDataIdentifiers"]["detections"]
    assert detection["arn"] == arn and detection["name"] == "employee-id"
    field = "classificationDetails.result.customDataIdentifiers.detections.arn"
    assert macie.list_findings(findingCriteria={"criterion": {field: {"eq": [arn]}}})[
        "findingIds"
    ] == [finding["id"]]


def test_allow_lists_hide_allowed_text(aws: Callable[[str], Any]) -> None:
    s3, macie = aws("s3"), aws("macie2")
    macie.enable_macie()
    s3.create_bucket(Bucket="allow-data")
    s3.put_object(Bucket="allow-data", Key="people.txt", Body=PEOPLE.encode())
    s3.create_bucket(Bucket="allow-words")
    s3.put_object(Bucket="allow-words", Key="allowed-words.txt", Body=f"{SSNS[2]}\n".encode())
    regex = macie.create_allow_list(name="test-ssns", criteria={"regex": "304-11-[0-9]{4}"})["id"]
    words = macie.create_allow_list(
        name="words",
        criteria={"s3WordsList": {"bucketName": "allow-words", "objectKey": "allowed-words.txt"}},
    )["id"]
    assert macie.get_allow_list(id=words)["status"] == {"code": "OK"}
    listed = macie.list_allow_lists()["allowLists"]
    assert [a["name"] for a in listed] == ["test-ssns", "words"]
    run_job(macie, ["allow-data"], allowListIds=[regex, words])
    (finding,) = all_findings(macie)
    detections = {
        d["type"]: d
        for group in finding["classificationDetails"]["result"]["sensitiveData"]
        for d in group["detections"]
    }
    assert detections["USA_SOCIAL_SECURITY_NUMBER"]["count"] == 1  # two of three allowed
    assert detections["USA_SOCIAL_SECURITY_NUMBER"]["occurrences"]["lineRanges"][0]["start"] == 2
    with pytest.raises(macie.exceptions.ResourceNotFoundException):
        macie.get_allow_list(id="0" * 22)
    s3.delete_object(Bucket="allow-words", Key="allowed-words.txt")
    assert macie.get_allow_list(id=words)["status"]["code"] == "S3_OBJECT_NOT_FOUND"


def test_results_export_and_reveal(aws: Callable[[str], Any]) -> None:
    s3, macie = aws("s3"), aws("macie2")
    macie.enable_macie()
    s3.create_bucket(Bucket="reveal-data")
    s3.create_bucket(Bucket="discovery-results")
    s3.put_object(Bucket="reveal-data", Key="people.txt", Body=PEOPLE.encode())
    s3.put_object(Bucket="reveal-data", Key="clean.txt", Body=b"nothing to see\n")
    with pytest.raises(macie.exceptions.ValidationException):
        macie.put_classification_export_configuration(
            configuration={"s3Destination": {"bucketName": "no-such-results", "kmsKeyArn": KMS_KEY}}
        )
    destination = {"bucketName": "discovery-results", "keyPrefix": "macie", "kmsKeyArn": KMS_KEY}
    macie.put_classification_export_configuration(configuration={"s3Destination": destination})
    assert macie.get_classification_export_configuration()["configuration"] == {
        "s3Destination": destination
    }
    job = run_job(macie, ["reveal-data"])
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="discovery-results")["Contents"]]
    prefix = f"macie/AWSLogs/{ACCOUNT}/Macie/us-east-1/{job['jobId']}/{ACCOUNT}/"
    assert len(keys) == 2 and all(k.startswith(prefix) and k.endswith(".jsonl.gz") for k in keys)
    records = [
        json.loads(line)
        for k in keys
        for line in gzip.decompress(
            s3.get_object(Bucket="discovery-results", Key=k)["Body"].read()
        ).splitlines()
    ]
    by_key = {r["resourcesAffected"]["s3Object"]["key"]: r for r in records}
    assert set(by_key) == {"people.txt", "clean.txt"}  # one record per analysed object
    assert by_key["clean.txt"]["classificationDetails"]["result"]["sensitiveData"] == []
    (finding,) = all_findings(macie)
    location = finding["classificationDetails"]["detailedResultsLocation"]
    assert location.startswith(f"s3://discovery-results/{prefix}")
    assert location.rsplit("/", 1)[-1] in {k.rsplit("/", 1)[-1] for k in keys}

    with pytest.raises(macie.exceptions.AccessDeniedException):
        macie.get_sensitive_data_occurrences(findingId=finding["id"])
    macie.update_reveal_configuration(configuration={"status": "ENABLED", "kmsKeyId": KMS_KEY})
    available = macie.get_sensitive_data_occurrences_availability(findingId=finding["id"])
    assert (available["code"], available["reasons"]) == ("AVAILABLE", [])
    revealed = macie.get_sensitive_data_occurrences(findingId=finding["id"])
    assert revealed["status"] == "SUCCESS"
    assert [
        v["value"] for v in revealed["sensitiveDataOccurrences"]["USA_SOCIAL_SECURITY_NUMBER"]
    ] == list(SSNS)


def test_profiles_statistics_and_usage_follow_what_was_scanned(
    aws: Callable[[str], Any],
) -> None:
    s3, macie = aws("s3"), aws("macie2")
    macie.enable_macie()
    s3.create_bucket(Bucket="profiled")
    s3.put_object(Bucket="profiled", Key="people.txt", Body=PEOPLE.encode())
    s3.put_object(Bucket="profiled", Key="clean.txt", Body=b"nothing to see\n")
    arn = "arn:aws:s3:::profiled"
    assert macie.get_resource_profile(resourceArn=arn)["sensitivityScore"] == 50
    run_job(macie, ["profiled"])
    profile = macie.get_resource_profile(resourceArn=arn)
    stats = profile["statistics"]
    assert stats["totalItemsClassified"] == 2 and stats["totalItemsSensitive"] == 1
    assert stats["totalBytesClassified"] == len(PEOPLE) + len(b"nothing to see\n")
    assert stats["totalDetections"] == 3
    assert 50 < profile["sensitivityScore"] < 100
    detections = macie.list_resource_profile_detections(resourceArn=arn)["detections"]
    assert [(d["id"], d["count"], d["type"]) for d in detections] == [
        ("USA_SOCIAL_SECURITY_NUMBER", 3, "MANAGED")
    ]
    artifacts = macie.list_resource_profile_artifacts(resourceArn=arn)["artifacts"]
    assert {(a["arn"].rsplit("/", 1)[-1], a["sensitive"]) for a in artifacts} == {
        ("people.txt", True),
        ("clean.txt", False),
    }
    macie.update_resource_profile_detections(
        resourceArn=arn,
        suppressDataIdentifiers=[{"id": "USA_SOCIAL_SECURITY_NUMBER", "type": "MANAGED"}],
    )
    assert (
        macie.get_resource_profile(resourceArn=arn)["statistics"]["totalDetectionsSuppressed"] == 3
    )
    macie.update_resource_profile(resourceArn=arn, sensitivityScoreOverride=100)
    assert macie.get_resource_profile(resourceArn=arn)["sensitivityScoreOverridden"] is True
    with pytest.raises(macie.exceptions.ResourceNotFoundException):
        macie.get_resource_profile(resourceArn="arn:aws:s3:::not-a-bucket-here")
    statistics = macie.get_bucket_statistics()
    assert statistics["bucketCount"] == 1 and statistics["objectCount"] == 2
    assert statistics["bucketStatisticsBySensitivity"]["sensitive"]["totalCount"] == 1
    usage = {u["type"]: u for u in macie.get_usage_totals()["usageTotals"]}
    scanned = len(PEOPLE) + len(b"nothing to see\n")
    assert float(usage["SENSITIVE_DATA_DISCOVERY"]["estimatedCost"]) == pytest.approx(
        scanned / 1024**3, abs=1e-6
    )
    found = macie.search_resources(
        bucketCriteria={
            "includes": {
                "and": [
                    {
                        "simpleCriterion": {
                            "comparator": "EQ",
                            "key": "S3_BUCKET_NAME",
                            "values": ["profiled"],
                        }
                    }
                ]
            }
        }
    )["matchingResources"]
    assert [r["matchingBucket"]["bucketName"] for r in found] == ["profiled"]
    assert found[0]["matchingBucket"]["sensitivityScore"] == 100


def test_suspending_macie_cancels_jobs_and_refuses_new_ones(aws: Callable[[str], Any]) -> None:
    s3, macie = aws("s3"), aws("macie2")
    macie.enable_macie()
    s3.create_bucket(Bucket="scheduled-data")
    job_id = macie.create_classification_job(
        jobType="SCHEDULED",
        name="weekly",
        scheduleFrequency={"weeklySchedule": {"dayOfWeek": "MONDAY"}},
        s3JobDefinition={
            "bucketDefinitions": [{"accountId": ACCOUNT, "buckets": ["scheduled-data"]}]
        },
    )["jobId"]
    macie.update_macie_session(status="PAUSED")
    assert macie.describe_classification_job(jobId=job_id)["jobStatus"] == "CANCELLED"
    with pytest.raises(macie.exceptions.ValidationException):
        run_job(macie, ["scheduled-data"])


def test_disabling_macie_mid_run_leaves_no_finding_behind(aws: Callable[[str], Any]) -> None:
    s3, macie = aws("s3"), aws("macie2")
    macie.enable_macie()
    total = 300
    _, left = start_long_run(s3, macie, "busy-data", total)
    wait_for(lambda: 0 < left() < total)  # the run is under way
    macie.disable_macie()
    macie.enable_macie()
    time.sleep(1.0)  # what the old run would still write, it writes within this
    assert macie.list_findings()["findingIds"] == []


def test_a_large_run_scans_in_worker_processes_with_the_same_findings(
    aws: Callable[[str], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run with megabytes to read hands its objects to the detection pool (every core at
    work); what it finds, and in which order objects are recorded, does not change."""
    from macie_notify.detect import pool as pool_module
    from macie_notify.local.macie2 import jobs as jobs_module

    s3, macie = aws("s3"), aws("macie2")
    macie.enable_macie()
    s3.create_bucket(Bucket="pooled-data")
    bodies = {
        "a-people.txt": PEOPLE.encode(),
        "b-clean.txt": b"nothing to see\n" * 500,
        "c-card.csv": b"name,credit card\nAna,4916 3385 0608 2832\n",
        "d-mixed.log": (b"noise line\n" * 2000) + PEOPLE.encode(),
    }
    for key, body in bodies.items():
        s3.put_object(Bucket="pooled-data", Key=key, Body=body)

    def findings_by_key() -> dict[str, Any]:
        return {
            f["resourcesAffected"]["s3Object"]["key"]: (
                f["type"],
                f["severity"]["description"],
                f["classificationDetails"]["result"]["sensitiveData"],
            )
            for f in all_findings(macie)
        }

    run_job(macie, ["pooled-data"])
    here = findings_by_key()
    assert set(here) == {"a-people.txt", "c-card.csv", "d-mixed.log"}
    pools: list[str] = []
    real_init = pool_module.ScanPool.__init__

    def counting_init(self: Any, *args: Any, **kwargs: Any) -> None:
        real_init(self, *args, **kwargs)
        pools.append(self.method)

    monkeypatch.setattr(pool_module.ScanPool, "__init__", counting_init)
    monkeypatch.setattr(jobs_module, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(jobs_module, "default_jobs", lambda: 2)
    macie.disable_macie()  # a clean slate: its findings go
    macie.enable_macie()
    run_job(macie, ["pooled-data"])
    assert pools and pools[0] != "fork"  # the server runs threads: workers start fresh
    assert findings_by_key() == here
    assert len(all_findings(macie)) == len(here)  # one per object, as before


def test_a_pooled_run_pauses_between_objects_and_resumes_where_it_stopped(
    aws: Callable[[str], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Objects already handed to the workers when the run pauses are recorded; the rest wait
    for RUNNING, and every object ends up analysed exactly once."""
    from macie_notify.local.macie2 import jobs as jobs_module

    monkeypatch.setattr(jobs_module, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(jobs_module, "default_jobs", lambda: 2)
    s3, macie = aws("s3"), aws("macie2")
    macie.enable_macie()
    total = 300
    job_id, left = start_long_run(s3, macie, "paused-data", total)
    wait_for(lambda: 0 < left() < total)
    macie.update_classification_job(jobId=job_id, jobStatus="USER_PAUSED")

    def settled() -> float | None:  # objects in flight are recorded, then the run stops
        before = left()
        time.sleep(0.3)
        return before if left() == before else None

    assert wait_for(settled) > 0  # (0 would be a run that did not pause: never settled)
    assert macie.describe_classification_job(jobId=job_id)["jobStatus"] == "USER_PAUSED"
    macie.update_classification_job(jobId=job_id, jobStatus="RUNNING")
    wait_for(lambda: macie.describe_classification_job(jobId=job_id)["jobStatus"] == "COMPLETE")
    keys: list[str] = []
    for page in macie.get_paginator("list_findings").paginate(PaginationConfig={"PageSize": 50}):
        found = macie.get_findings(findingIds=page["findingIds"])["findings"]
        keys += [f["resourcesAffected"]["s3Object"]["key"] for f in found]
    assert len(keys) == len(set(keys)) == total  # each object once
