"""Sensitive data discovery results: one record per analysed object, exported to S3.

With a classification export configuration, Macie writes a result for every object a
job analyses (with or without sensitive data) to the configured bucket, as gzip-compressed
JSON Lines encrypted with the configured KMS key, under
``<keyPrefix>AWSLogs/<account>/Macie/<region>/<jobId>/<account>/``; findings then point at
their object's record with ``classificationDetails.detailedResultsLocation``
(https://docs.aws.amazon.com/macie/latest/user/discovery-results-repository-s3.html).
The record carries what the finding's ``classificationDetails`` and ``resourcesAffected``
carry, plus the run's identifiers.
"""

from __future__ import annotations

import gzip
import json
import uuid
from collections.abc import Mapping
from typing import Any

__all__ = ["NOT_SET", "result_key", "result_record", "write_results"]

NOT_SET = "s3://[export-config-not-set]"
RESULTS_VERSION = "1.1"


def result_key(destination: Mapping[str, Any], account_id: str, region: str, job_id: str) -> str:
    prefix = str(destination.get("keyPrefix") or "")
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    return (
        f"{prefix}AWSLogs/{account_id}/Macie/{region}/{job_id}/{account_id}/{uuid.uuid4()}.jsonl.gz"
    )


def result_record(
    job: Mapping[str, Any],
    account_id: str,
    region: str,
    created_at: str,
    classification: Mapping[str, Any],
    resources: Mapping[str, Any],
) -> dict[str, Any]:
    """The record of one analysed object."""
    return {
        "version": RESULTS_VERSION,
        "accountId": account_id,
        "region": region,
        "partition": "aws",
        "createdAt": created_at,
        "originType": "SENSITIVE_DATA_DISCOVERY_JOB",
        "jobId": job["jobId"],
        "jobArn": job["jobArn"],
        "resourcesAffected": dict(resources),
        "classificationDetails": {
            "jobId": job["jobId"],
            "jobArn": job["jobArn"],
            "originType": "SENSITIVE_DATA_DISCOVERY_JOB",
            "result": dict(classification),
        },
    }


def write_results(
    client: Any, destination: Mapping[str, Any], key: str, records: list[Mapping[str, Any]]
) -> str:
    """Write records as one gzip JSON Lines object; its ``s3://`` location."""
    body = gzip.compress(
        "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records).encode("utf-8")
    )
    extra: dict[str, Any] = {}
    if destination.get("kmsKeyArn"):
        extra = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": destination["kmsKeyArn"]}
    client.put_object(
        Bucket=destination["bucketName"],
        Key=key,
        Body=body,
        ContentType="application/jsonl",
        ContentEncoding="gzip",
        **extra,
    )
    return f"s3://{destination['bucketName']}/{key}"
