"""moto in-process S3 for the samples sync, and a sample folder with hidden files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from samples_helpers import BUCKET, REGION


@pytest.fixture
def s3() -> Iterator[Any]:
    """An S3 client inside mock_aws, with the stack's bucket created (no TLS policy)."""
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        yield client


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """Three files (one in a sub-folder) plus hidden ones that must never be uploaded."""
    folder = tmp_path / "data"
    (folder / "nested").mkdir(parents=True)
    (folder / "people.csv").write_text("name,ssn\nA,123\n")
    (folder / "notes.txt").write_text("hello\n")
    (folder / "nested" / "config.json").write_text('{"a": 1}\n')
    (folder / ".hidden").write_text("secret\n")
    (folder / ".git").mkdir()
    (folder / ".git" / "HEAD").write_text("ref\n")
    return folder
