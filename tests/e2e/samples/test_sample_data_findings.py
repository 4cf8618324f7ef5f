"""sample_data/README.md lists the findings each sample file produces; a classification job
on the local endpoint must produce exactly that list, so the documentation cannot drift.

The job is the example config's (what `macie-notify init` writes and the demo runs): every
managed identifier plus the custom identifier ``employee-id``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from macie_notify.config import Config, loads
from macie_notify.config.example import example_text
from macie_notify.local import LocalServer
from macie_notify.samples import apply_sync, bundled_sample_data, plan_sync, sample_files

pytestmark = pytest.mark.e2e

SAMPLES = bundled_sample_data()
REGION = "us-east-1"
ACCOUNT = "123456789012"
BUCKET = "sample-data-findings"
PREFIX = "samples/"
JOB_TIMEOUT_S = 60.0

# | `file` | `finding type` or none | severity | `ID` count, `ID` count |
ROW = re.compile(
    r"^\| `(?P<file>[^`]+)` \| (?P<type>[^|]+) \| (?P<sev>[^|]+) \| (?P<det>[^|]+) \|$"
)
DETECTION = re.compile(r"^`(?P<id>[^`]+)` (?P<count>[0-9]+)$")

Expected = dict[str, tuple[str, str, dict[str, int]]]


def documented() -> tuple[Expected, set[str]]:
    """The README's table: files with their finding, and the files documented as clean."""
    findings: Expected = {}
    clean: set[str] = set()
    for line in (SAMPLES / "README.md").read_text(encoding="utf-8").splitlines():
        row = ROW.match(line.strip())
        if row is None:
            continue
        kind = row["type"].strip()
        if kind == "none":
            clean.add(row["file"])
            continue
        detections = {}
        for item in row["det"].split(","):
            parsed = DETECTION.match(item.strip())
            assert parsed is not None, f"README detection {item.strip()!r} is not `ID` count"
            detections[parsed["id"]] = int(parsed["count"])
        findings[row["file"]] = (kind.strip("`"), row["sev"].strip(), detections)
    return findings, clean


def found(finding: dict[str, Any]) -> tuple[str, str, dict[str, int]]:
    result = finding["classificationDetails"]["result"]
    detections = {
        d["type"]: int(d["count"])
        for group in result.get("sensitiveData", [])
        for d in group["detections"]
    }
    custom = result.get("customDataIdentifiers", {}).get("detections", [])
    detections.update({d["name"]: int(d["count"]) for d in custom})
    return finding["type"], finding["severity"]["description"], detections


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with LocalServer() as server:
        yield server.endpoint_url


def client(endpoint: str, service: str) -> Any:
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION)


def run_job(endpoint: str, config: Config) -> str:
    macie2 = client(endpoint, "macie2")
    macie2.enable_macie()
    ids = [
        macie2.create_custom_data_identifier(**cdi.to_api())["customDataIdentifierId"]
        for cdi in config.custom_data_identifiers
    ]
    params = config.job.to_api(
        name="sample-data-readme", account_id=ACCOUNT, bucket=BUCKET, custom_identifier_ids=ids
    )
    params.update(jobType="ONE_TIME")
    for key in ("scheduleFrequency", "initialRun"):
        params.pop(key, None)
    return str(macie2.create_classification_job(**params)["jobId"])


def wait_for_completion(macie2: Any, job_id: str) -> None:
    """Poll DescribeClassificationJob, at most JOB_TIMEOUT_S (the job runs in the server)."""
    deadline = time.monotonic() + JOB_TIMEOUT_S
    status = None
    while time.monotonic() < deadline:
        status = macie2.describe_classification_job(jobId=job_id)["jobStatus"]
        if status == "COMPLETE":
            return
        assert status in ("RUNNING", "IDLE"), f"job ended {status}"
        time.sleep(0.1)
    pytest.fail(f"job {job_id} still {status} after {JOB_TIMEOUT_S:g} s")


def job_findings(macie2: Any, job_id: str) -> list[dict[str, Any]]:
    criteria = {"criterion": {"classificationDetails.jobId": {"eq": [job_id]}}}
    ids: list[str] = []
    for page in macie2.get_paginator("list_findings").paginate(findingCriteria=criteria):
        ids.extend(page["findingIds"])
    findings: list[dict[str, Any]] = []
    for start in range(0, len(ids), 50):
        findings.extend(macie2.get_findings(findingIds=ids[start : start + 50])["findings"])
    return findings


def test_the_readme_table_is_what_a_job_over_the_folder_finds(endpoint: str) -> None:
    expected, clean = documented()
    on_disk = {p.relative_to(SAMPLES).as_posix() for p in sample_files(SAMPLES)}
    # Every file is in the table, once: a new sample file must be documented.
    assert set(expected) | clean == on_disk and not set(expected) & clean

    s3 = client(endpoint, "s3")
    s3.create_bucket(Bucket=BUCKET)
    uploaded = apply_sync(s3, plan_sync(s3, BUCKET, SAMPLES, PREFIX))
    assert len(uploaded.uploaded) == len(on_disk)

    config = loads(example_text())
    job_id = run_job(endpoint, config)
    macie2 = client(endpoint, "macie2")
    wait_for_completion(macie2, job_id)
    actual = {}
    for finding in job_findings(macie2, job_id):
        key = finding["resourcesAffected"]["s3Object"]["key"]
        actual[Path(key).relative_to(PREFIX.rstrip("/")).as_posix()] = found(finding)
    assert actual == expected


def test_every_sensitive_data_finding_type_has_a_sample_file() -> None:
    expected, _ = documented()
    assert {kind for kind, _, _ in expected.values()} == {
        "SensitiveData:S3Object/Personal",
        "SensitiveData:S3Object/Financial",
        "SensitiveData:S3Object/Credentials",
        "SensitiveData:S3Object/CustomIdentifier",
        "SensitiveData:S3Object/Multiple",
    }


def test_every_sample_file_says_it_is_synthetic() -> None:
    for path in sample_files(SAMPLES):
        if path.name == "employees.csv":  # a CSV header cannot: the README says it
            continue
        head = path.read_text(encoding="utf-8")[:400]
        assert "SYNTHETIC" in head.upper(), f"{path.name} does not say it is synthetic"
