"""What a job run reads from S3 and the sensitive-data finding it writes for an object.

``resourcesAffected`` and ``classificationDetails`` follow the Finding shape of the macie2
API (https://docs.aws.amazon.com/macie/latest/APIReference/findings-describe.html).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from macie_notify.local.macie2.sample_findings import SCORES
from macie_notify.render import iso8601

__all__ = [
    "S3Object",
    "affected_resources",
    "bucket_details",
    "bucket_tags",
    "custom_arns",
    "finding_doc",
    "list_objects",
]

TITLES = {
    "SensitiveData:S3Object/Personal": "The S3 object contains personal information.",
    "SensitiveData:S3Object/Financial": "The S3 object contains financial information.",
    "SensitiveData:S3Object/Credentials": "The S3 object contains credentials data.",
    "SensitiveData:S3Object/CustomIdentifier": (
        "The S3 object contains text that matches custom data identifier criteria."
    ),
    "SensitiveData:S3Object/Multiple": (
        "The S3 object contains multiple categories of sensitive data."
    ),
}


@dataclass
class S3Object:
    """One listed object, with what Macie copies into ``resourcesAffected.s3Object``."""

    bucket: str
    key: str
    size: int
    last_modified: dt.datetime
    etag: str = ""
    storage_class: str = "STANDARD"
    tags: list[dict[str, str]] = field(default_factory=list)


def list_objects(client: Any, bucket: str, with_tags: bool) -> Iterator[S3Object]:
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            tags: list[dict[str, str]] = []
            if with_tags:
                tagging = client.get_object_tagging(Bucket=bucket, Key=item["Key"])
                tags = [{"key": t["Key"], "value": t["Value"]} for t in tagging.get("TagSet", [])]
            yield S3Object(
                bucket=bucket,
                key=item["Key"],
                size=int(item.get("Size", 0)),
                last_modified=item["LastModified"],
                etag=str(item.get("ETag", "")).strip('"'),
                storage_class=str(item.get("StorageClass") or "STANDARD"),
                tags=tags,
            )


def bucket_tags(client: Any, bucket: str) -> list[dict[str, str]]:
    try:
        tag_set = client.get_bucket_tagging(Bucket=bucket).get("TagSet", [])
    except client.exceptions.ClientError:
        return []  # NoSuchTagSet: a bucket without tags
    return [{"key": t["Key"], "value": t["Value"]} for t in tag_set]


def bucket_details(client: Any, bucket: str, account_id: str) -> dict[str, Any]:
    """``resourcesAffected.s3Bucket`` as Macie fills it for sensitive-data findings."""
    from macie_notify.local.macie2.posture import bucket_doc

    return bucket_doc(client, bucket, account_id)


def custom_arns(result: dict[str, Any], arns: Mapping[str, str]) -> dict[str, Any]:
    """Custom detections carry the identifier's ARN (the engine knows only its id)."""
    for det in (result.get("customDataIdentifiers") or {}).get("detections") or []:
        det["arn"] = arns.get(str(det.get("arn")), det.get("arn"))
    return result


def affected_resources(
    obj: S3Object, bucket: Mapping[str, Any], got: Mapping[str, Any]
) -> dict[str, Any]:
    """``resourcesAffected`` for one analysed object (findings and detailed results)."""
    extension = obj.key.rsplit(".", 1)[-1] if "." in obj.key.rsplit("/", 1)[-1] else ""
    default = bucket.get("defaultServerSideEncryption") or {}
    # S3 encrypts every new object with the bucket's default (SSE-S3 unless configured).
    encryption = got.get("ServerSideEncryption") or default.get("encryptionType") or "AES256"
    kms_key = got.get("SSEKMSKeyId") or (
        default.get("kmsMasterKeyId") if encryption.startswith("aws:kms") else None
    )
    public = (bucket.get("publicAccess") or {}).get("effectivePermission") == "PUBLIC"
    return {
        "s3Bucket": dict(bucket),
        "s3Object": {
            "bucketArn": f"arn:aws:s3:::{obj.bucket}",
            "eTag": obj.etag,
            "extension": extension,
            "key": obj.key,
            "lastModified": iso8601(obj.last_modified),
            "path": f"{obj.bucket}/{obj.key}",
            "publicAccess": public,
            "serverSideEncryption": {"encryptionType": encryption, "kmsMasterKeyId": kms_key},
            "size": obj.size,
            "storageClass": obj.storage_class,
            "tags": obj.tags,
            "versionId": got.get("VersionId"),
        },
    }


def finding_doc(
    job: Mapping[str, Any],
    resources: Mapping[str, Any],
    result: Any,
    classification: Mapping[str, Any],
    location: str,
) -> dict[str, Any]:
    """One sensitive-data finding (the Finding shape) for an object with detections."""
    severity = str(result.severity)
    return {
        "category": "CLASSIFICATION",
        "type": result.finding_type,
        "title": TITLES.get(result.finding_type, "The S3 object contains sensitive data."),
        "description": f"The object contains {result.finding_type.split('/')[-1]} sensitive data.",
        "severity": {"description": severity, "score": SCORES[severity]},
        "count": 1,
        "classificationDetails": {
            "detailedResultsLocation": location,
            "jobArn": job["jobArn"],
            "jobId": job["jobId"],
            "originType": "SENSITIVE_DATA_DISCOVERY_JOB",
            "result": dict(classification),
        },
        "resourcesAffected": dict(resources),
    }
