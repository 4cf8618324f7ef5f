"""The AWS CLI (awscli from PyPI) as a second, independent client of the endpoint."""

from __future__ import annotations

import json
from typing import Any

from aws_cli import aws_cli, needs_aws_cli

from macie_notify.local import LocalServer

pytestmark = needs_aws_cli


def aws(server: LocalServer, *args: str) -> Any:
    return aws_cli(server, "macie2", *args)


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
