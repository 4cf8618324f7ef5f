"""Weakening a bucket raises the two policy findings and their events; a repeat counts up
and is published at the flush; the periodic check catches changes made outside the
endpoint; the posture and job timers never outlive the server."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from pipeline_helpers import drain_events, drain_queue, queue_with_rule

from macie_notify.local import LocalServer

pytestmark = pytest.mark.e2e

BUCKET = "macie-demo-data"
BLOCK_ALL = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}
SSE_S3 = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}


def check_now(endpoint: str) -> list[dict[str, Any]]:
    request = urllib.request.Request(f"{endpoint}/_local/posture/check", method="POST")
    with urllib.request.urlopen(request, timeout=60) as resp:
        return list(json.loads(resp.read())["findings"])


def secure_bucket(s3: Any) -> None:
    s3.put_bucket_encryption(Bucket=BUCKET, ServerSideEncryptionConfiguration=SSE_S3)
    s3.put_public_access_block(Bucket=BUCKET, PublicAccessBlockConfiguration=BLOCK_ALL)


def weaken_bucket(s3: Any) -> None:
    s3.delete_bucket_encryption(Bucket=BUCKET)
    s3.delete_public_access_block(Bucket=BUCKET)


def publish_now(endpoint: str) -> int:
    request = urllib.request.Request(f"{endpoint}/_local/findings/publish", method="POST")
    with urllib.request.urlopen(request, timeout=60) as resp:
        return int(json.loads(resp.read())["published"])


def test_weakened_bucket_raises_two_policy_findings_and_events(
    aws: Callable[[str], Any], server: LocalServer
) -> None:
    s3, macie = aws("s3"), aws("macie2")
    url = queue_with_rule(
        aws, "policy", {"source": ["aws.macie"], "detail": {"category": ["POLICY"]}}
    )
    macie.enable_macie()
    s3.create_bucket(Bucket=BUCKET)
    secure_bucket(s3)
    assert macie.list_findings()["findingIds"] == []  # securing a bucket is no finding
    assert check_now(server.endpoint_url) == []  # the safety net agrees: nothing changed

    weaken_bucket(s3)  # the calls themselves raise the findings
    assert check_now(server.endpoint_url) == []
    findings = macie.get_findings(findingIds=macie.list_findings()["findingIds"])["findings"]
    by_type = {f["type"]: f for f in findings}
    assert sorted(by_type) == [
        "Policy:IAMUser/S3BlockPublicAccessDisabled",
        "Policy:IAMUser/S3BucketEncryptionDisabled",
    ]
    assert by_type["Policy:IAMUser/S3BucketEncryptionDisabled"]["severity"] == {
        "description": "Low",
        "score": 1,
    }
    assert (
        by_type["Policy:IAMUser/S3BlockPublicAccessDisabled"]["severity"]["description"] == "High"
    )
    for finding in findings:
        assert finding["category"] == "POLICY"
        assert finding["count"] == 1
        assert finding["resourcesAffected"]["s3Bucket"]["name"] == BUCKET
        assert "s3Object" not in finding["resourcesAffected"]  # null on the wire
        assert finding["policyDetails"]["action"]["actionType"] == "AWS_API_CALL"
    drain_events(server.endpoint_url)
    events = [json.loads(m["Body"]) for m in drain_queue(aws, url)]
    assert sorted(e["detail"]["type"] for e in events) == sorted(by_type)

    # The same regression again: count and updatedAt move at once, but the update is
    # published on the session's publishing frequency (here: the flush control).
    secure_bucket(s3)
    weaken_bucket(s3)
    again = macie.get_findings(findingIds=[f["id"] for f in findings])["findings"]
    assert {f["type"]: f["count"] for f in again} == {t: 2 for t in by_type}
    updated = next(f for f in again if f["type"].endswith("S3BucketEncryptionDisabled"))
    assert updated["updatedAt"] > updated["createdAt"]
    drain_events(server.endpoint_url)
    assert drain_queue(aws, url) == []
    assert publish_now(server.endpoint_url) == 2
    drain_events(server.endpoint_url)
    assert sorted(json.loads(m["Body"])["detail"]["count"] for m in drain_queue(aws, url)) == [2, 2]


def test_public_policy_raises_bucket_public(aws: Callable[[str], Any], server: LocalServer) -> None:
    s3, macie = aws("s3"), aws("macie2")
    macie.enable_macie()
    s3.create_bucket(Bucket=BUCKET)
    s3.delete_public_access_block(Bucket=BUCKET)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{BUCKET}/*",
            }
        ],
    }
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(policy))
    findings = macie.get_findings(findingIds=macie.list_findings()["findingIds"])["findings"]
    apis = {f["type"]: f["policyDetails"]["action"]["apiCallDetails"]["api"] for f in findings}
    assert apis == {
        "Policy:IAMUser/S3BlockPublicAccessDisabled": "DeletePublicAccessBlock",
        "Policy:IAMUser/S3BucketPublic": "PutBucketPolicy",
    }


def test_the_periodic_check_catches_changes_made_outside_the_endpoint(
    aws: Callable[[str], Any], server: LocalServer
) -> None:
    from moto.s3.models import s3_backends

    s3, macie = aws("s3"), aws("macie2")
    macie.enable_macie()
    s3.create_bucket(Bucket=BUCKET)
    s3.delete_public_access_block(Bucket=BUCKET)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{BUCKET}/*",
            }
        ],
    }
    # Straight into moto's backend: the endpoint never sees this call.
    s3_backends["123456789012"]["aws"].put_bucket_policy(BUCKET, json.dumps(policy).encode())
    assert [f["type"] for f in check_now(server.endpoint_url)] == ["Policy:IAMUser/S3BucketPublic"]


def test_no_policy_findings_before_macie_is_enabled(
    aws: Callable[[str], Any], server: LocalServer
) -> None:
    s3 = aws("s3")
    s3.create_bucket(Bucket=BUCKET)
    secure_bucket(s3)
    assert check_now(server.endpoint_url) == []
    weaken_bucket(s3)
    assert check_now(server.endpoint_url) == []


TIMERS = (
    "macie-notify-posture",
    "macie-notify-job",
    "macie-notify-events",
    "macie-notify-lambda",
    "macie-notify-local",
)


def test_timers_do_not_outlive_the_server() -> None:
    before = {t.ident for t in threading.enumerate()}
    with LocalServer() as srv:
        boto = {
            "endpoint_url": srv.endpoint_url,
            "region_name": "us-east-1",
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
        }
        import boto3

        macie = boto3.client("macie2", **boto)
        boto3.client("s3", **boto).create_bucket(Bucket="timers")
        macie.enable_macie()
        macie.create_classification_job(
            jobType="SCHEDULED",
            name="daily",
            initialRun=True,
            scheduleFrequency={"dailySchedule": {}},
            s3JobDefinition={
                "bucketDefinitions": [{"accountId": "123456789012", "buckets": ["timers"]}]
            },
        )
        names = {t.name for t in threading.enumerate()}
        assert "macie-notify-posture" in names
        assert "macie-notify-job-timer" in names
    leftover = [
        t.name for t in threading.enumerate() if t.ident not in before and t.name.startswith(TIMERS)
    ]
    assert leftover == []


def test_a_stopped_server_does_not_keep_the_process_alive() -> None:
    program = (
        "from macie_notify.local import LocalServer\n"
        "import boto3\n"
        "srv = LocalServer().start()\n"
        "kw = dict(endpoint_url=srv.endpoint_url, region_name='us-east-1',\n"
        "          aws_access_key_id='testing', aws_secret_access_key='testing')\n"
        "boto3.client('macie2', **kw).enable_macie()\n"
        "boto3.client('s3', **kw).create_bucket(Bucket='keepalive')\n"
        "boto3.client('macie2', **kw).create_classification_job(jobType='SCHEDULED',\n"
        "    name='d', initialRun=True, scheduleFrequency={'dailySchedule': {}},\n"
        "    s3JobDefinition={'bucketDefinitions': [{'accountId': '123456789012',\n"
        "    'buckets': ['keepalive']}]})\n"
        "srv.stop()\n"
        "print('stopped')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "stopped"
