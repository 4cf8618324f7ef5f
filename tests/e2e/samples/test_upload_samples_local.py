"""``macie-notify upload-samples`` over HTTP against the local endpoint."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from macie_notify.cli.main import run
from macie_notify.local import LocalServer
from macie_notify.samples import bundled_sample_data, sample_files

pytestmark = pytest.mark.e2e

REGION = "eu-west-1"
STACK = "upload-e2e"
BUCKET = f"{STACK}-data-123456789012-{REGION}"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with LocalServer() as server:
        yield server.endpoint_url


@pytest.fixture
def s3(endpoint: str) -> Iterator[Any]:
    client = boto3.client("s3", endpoint_url=endpoint, region_name=REGION)
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    client.put_bucket_encryption(
        Bucket=BUCKET,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    yield client
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def upload(
    capsys: pytest.CaptureFixture[str], endpoint: str, config: Path, *argv: str
) -> dict[str, Any]:
    code = run(
        ["upload-samples", "-c", str(config), "--endpoint-url", endpoint, "-o", "json", *argv]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    doc: dict[str, Any] = json.loads(out)
    return doc


def test_sync_the_bundled_samples_then_rerun_then_delete(
    s3: Any, endpoint: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "macie-notify.yaml"
    config.write_text(f"stack: {{name: {STACK}, region: {REGION}}}\n")
    files = sample_files(bundled_sample_data())
    first = upload(capsys, endpoint, config)
    assert (first["uploaded"], first["skipped"], first["deleted"]) == (len(files), 0, 0)
    assert first["bytes"] == sum(p.stat().st_size for p in files)
    head = s3.head_object(Bucket=BUCKET, Key="samples/employees.csv")
    assert (head["ContentType"], head["ServerSideEncryption"]) == ("text/csv", "AES256")

    again = upload(capsys, endpoint, config)
    assert (again["uploaded"], again["skipped"], again["bytes"]) == (0, len(files), 0)

    s3.put_object(Bucket=BUCKET, Key="samples/removed-locally.txt", Body=b"x")
    s3.put_object(Bucket=BUCKET, Key="reports/keep.txt", Body=b"x")
    plan = upload(capsys, endpoint, config, "--delete", "--dry-run")
    assert plan["deletes"] == ["samples/removed-locally.txt"] and plan["uploads"] == []
    done = upload(capsys, endpoint, config, "--delete")
    assert done["deleted"] == 1
    listed = s3.list_objects_v2(Bucket=BUCKET)["Contents"]
    assert "reports/keep.txt" in {item["Key"] for item in listed}
    assert len(listed) == len(files) + 1
