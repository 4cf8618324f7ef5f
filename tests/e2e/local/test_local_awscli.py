"""The AWS CLI (awscli from PyPI) as a second, independent client of the endpoint."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from macie_notify.local import LocalServer

AWS = Path(sys.executable).with_name("aws")
pytestmark = pytest.mark.skipif(not AWS.exists(), reason="awscli is not installed")


def aws(server: LocalServer, *args: str) -> Any:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "HTTP_PROXY", "HTTPS_PROXY"))
    }
    env.update(server.environment("us-east-1"))
    env.update(
        {
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_PAGER": "",
            "NO_PROXY": "127.0.0.1,localhost",
        }
    )
    done = subprocess.run(
        [str(AWS), "macie2", *args, "--output", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else {}


def test_aws_cli_end_to_end(local_server: LocalServer) -> None:
    aws(local_server, "enable-macie", "--finding-publishing-frequency", "FIFTEEN_MINUTES")
    assert aws(local_server, "get-macie-session")["status"] == "ENABLED"
    cid = aws(
        local_server,
        "create-custom-data-identifier",
        "--name",
        "employee-id",
        "--regex",
        "EMP-[0-9]{6}",
        "--keywords",
        "employee",
    )["customDataIdentifierId"]
    tested = aws(
        local_server,
        "test-custom-data-identifier",
        "--regex",
        "EMP-[0-9]{6}",
        "--keywords",
        "employee",
        "--sample-text",
        "employee EMP-123456",
    )
    assert tested == {"matchCount": 1}
    job = aws(
        local_server,
        "create-classification-job",
        "--job-type",
        "ONE_TIME",
        "--name",
        "cli-job",
        "--custom-data-identifier-ids",
        cid,
        "--s3-job-definition",
        json.dumps({"bucketDefinitions": [{"accountId": "123456789012", "buckets": ["b"]}]}),
    )
    assert len(job["jobId"]) == 32
    aws(local_server, "create-sample-findings")
    ids = aws(local_server, "list-findings")["findingIds"]
    assert len(ids) == 11
    findings = aws(local_server, "get-findings", "--finding-ids", *ids[:5])["findings"]
    assert len(findings) == 5
    assert all(f["sample"] for f in findings)
    assert findings[0]["createdAt"].endswith("Z")
