"""16 concurrent clients, 1,000 mixed operations: no 5xx and a consistent final state."""

from __future__ import annotations

import random
import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from macie_notify.local import LocalServer

CLIENTS = 16
OPERATIONS = 1000
BUCKET_DEF = {"bucketDefinitions": [{"accountId": "123456789012", "buckets": ["b"]}]}


def _clients(server: LocalServer) -> tuple[Any, Any]:
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    config = Config(retries={"max_attempts": 1}, max_pool_connections=4)
    return (
        session.client("macie2", endpoint_url=server.endpoint_url, config=config),
        session.client("s3", endpoint_url=server.endpoint_url, config=config),
    )


class Mix:
    """The operations the clients pick from, and what they did."""

    def __init__(self, server: LocalServer, bucket: str) -> None:
        self.server, self.bucket = server, bucket
        self.lock = threading.Lock()
        self.done: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self.jobs: list[str] = []
        self.ops = [
            self.create_cdi,
            self.sample,
            self.list_findings,
            self.get_findings,
            self.create_job,
            self.pause_job,
            self.stats,
            self.list_cdis,
            self.put_object,
        ]

    def worker(self, seed: int) -> None:
        macie, s3 = _clients(self.server)
        rng = random.Random(seed)
        count = OPERATIONS // CLIENTS + (1 if seed < OPERATIONS % CLIENTS else 0)
        for n in range(count):
            op = rng.choice(self.ops)
            try:
                status = op(macie, s3, rng, f"{seed}-{n}")["ResponseMetadata"]["HTTPStatusCode"]
                kind = op.__name__
            except ClientError as exc:
                status = exc.response["ResponseMetadata"]["HTTPStatusCode"]
                kind = f"error:{op.__name__}:{exc.response['Error']['Code']}"
            with self.lock:
                self.statuses[status] += 1
                self.done[kind] += 1

    def create_cdi(self, m: Any, s: Any, r: random.Random, tag: str) -> Any:
        return m.create_custom_data_identifier(name=f"cdi-{tag}", regex="EMP-[0-9]{6}")

    def sample(self, m: Any, s: Any, r: random.Random, tag: str) -> Any:
        return m.create_sample_findings(findingTypes=["SensitiveData:S3Object/Financial"])

    def list_findings(self, m: Any, s: Any, r: random.Random, tag: str) -> Any:
        criteria = {"criterion": {"severity.description": {"eq": ["High"]}}}
        return m.list_findings(findingCriteria=criteria, maxResults=25)

    def get_findings(self, m: Any, s: Any, r: random.Random, tag: str) -> Any:
        ids = m.list_findings(maxResults=10)["findingIds"] or ["0" * 32]
        return m.get_findings(findingIds=ids)

    def create_job(self, m: Any, s: Any, r: random.Random, tag: str) -> Any:
        out = m.create_classification_job(
            jobType="ONE_TIME", name=f"j-{tag}", s3JobDefinition=BUCKET_DEF
        )
        with self.lock:
            self.jobs.append(out["jobId"])
        return out

    def pause_job(self, m: Any, s: Any, r: random.Random, tag: str) -> Any:
        with self.lock:
            job_id = r.choice(self.jobs) if self.jobs else "0" * 32
        return m.update_classification_job(jobId=job_id, jobStatus="USER_PAUSED")

    def stats(self, m: Any, s: Any, r: random.Random, tag: str) -> Any:
        return m.get_finding_statistics(groupBy="type")

    def list_cdis(self, m: Any, s: Any, r: random.Random, tag: str) -> Any:
        return m.list_custom_data_identifiers()

    def put_object(self, m: Any, s: Any, r: random.Random, tag: str) -> Any:
        return s.put_object(Bucket=self.bucket, Key=f"obj-{tag}", Body=b"x" * r.randrange(1, 100))


def _all(client: Any, op: str, key: str, **kw: Any) -> list[Any]:
    return [item for page in client.get_paginator(op).paginate(**kw) for item in page.get(key, [])]


@pytest.mark.slow
def test_concurrent_mixed_operations(local_server: LocalServer) -> None:
    bucket = f"conc-{uuid.uuid4().hex[:8]}"
    macie, s3 = _clients(local_server)
    macie.enable_macie()
    s3.create_bucket(Bucket=bucket)
    mix = Mix(local_server, bucket)

    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(mix.worker, range(CLIENTS)))

    assert sum(mix.statuses.values()) == OPERATIONS
    assert all(code < 500 for code in mix.statuses), mix.statuses
    # Only pausing may fail: a job already paused (or before any job exists).
    errors = {k for k in mix.done if k.startswith("error:")}
    assert errors <= {
        "error:pause_job:ValidationException",
        "error:pause_job:ResourceNotFoundException",
    }

    cdis = _all(macie, "list_custom_data_identifiers", "items")
    assert len(cdis) == len({c["id"] for c in cdis}) == mix.done["create_cdi"]
    findings = _all(macie, "list_findings", "findingIds")
    assert len(findings) == len(set(findings)) == mix.done["sample"]
    jobs = _all(macie, "list_classification_jobs", "items")
    assert {j["jobId"] for j in jobs} == set(mix.jobs)
    assert len(jobs) == mix.done["create_job"]
    assert {j["jobStatus"] for j in jobs} <= {"RUNNING", "USER_PAUSED"}
    assert all(j.get("userPausedDetails") for j in jobs if j["jobStatus"] == "USER_PAUSED")
    keys = _all(s3, "list_objects_v2", "Contents", Bucket=bucket)
    assert len(keys) == mix.done["put_object"]
