"""Realistic finding documents: CreateSampleFindings samples and benchmark synthetics.

Shapes follow the Finding model of the macie2 API; sample findings carry
``sample: true`` and placeholder resources as Macie's own samples do.
https://docs.aws.amazon.com/macie/latest/user/findings-sample.html
"""

from __future__ import annotations

import random
import secrets
from datetime import datetime, timedelta, timezone
from typing import Any

from macie_notify.render import iso8601

POLICY_TYPES: dict[str, tuple[str, str, str]] = {
    # type -> (severity, title, description)
    "Policy:IAMUser/S3BlockPublicAccessDisabled": (
        "High",
        "Block Public Access settings are disabled for the S3 bucket",
        "All bucket-level block public access settings were disabled for the S3 bucket.",
    ),
    "Policy:IAMUser/S3BucketEncryptionDisabled": (
        "Low",
        "Encryption is disabled for the S3 bucket",
        "Default encryption settings were reset to the S3 default for the S3 bucket.",
    ),
    "Policy:IAMUser/S3BucketPublic": (
        "High",
        "The S3 bucket is publicly accessible",
        "An ACL or bucket policy now allows the general public to access the S3 bucket.",
    ),
    "Policy:IAMUser/S3BucketReplicatedExternally": (
        "High",
        "The S3 bucket is replicated to an external AWS account",
        "Replication was configured to copy objects to an account outside the organization.",
    ),
    "Policy:IAMUser/S3BucketSharedExternally": (
        "High",
        "The S3 bucket is shared with an external AWS account.",
        "An ACL or bucket policy shares the S3 bucket with an external AWS account.",
    ),
    "Policy:IAMUser/S3BucketSharedWithCloudFront": (
        "Medium",
        "The S3 bucket is shared with a CloudFront distribution",
        "The bucket policy allows a CloudFront origin access identity or control.",
    ),
}

# type -> (severity, title, sensitive data categories with detections)
SENSITIVE_TYPES: dict[str, tuple[str, str, list[tuple[str, str, int]]]] = {
    "SensitiveData:S3Object/Credentials": (
        "High",
        "The S3 object contains credentials data.",
        [("CREDENTIALS", "AWS_CREDENTIALS", 2)],
    ),
    "SensitiveData:S3Object/CustomIdentifier": (
        "Medium",
        "The S3 object contains text that matches custom data identifier criteria",
        [],
    ),
    "SensitiveData:S3Object/Financial": (
        "High",
        "The S3 object contains financial information.",
        [("FINANCIAL_INFORMATION", "CREDIT_CARD_NUMBER", 12)],
    ),
    "SensitiveData:S3Object/Multiple": (
        "High",
        "The S3 object contains multiple categories of sensitive information.",
        [
            ("PERSONAL_INFORMATION", "USA_SOCIAL_SECURITY_NUMBER", 25),
            ("FINANCIAL_INFORMATION", "CREDIT_CARD_NUMBER", 3),
        ],
    ),
    "SensitiveData:S3Object/Personal": (
        "High",
        "The S3 object contains personal information.",
        [
            ("PERSONAL_INFORMATION", "USA_SOCIAL_SECURITY_NUMBER", 40),
            ("PERSONAL_INFORMATION", "NAME", 40),
        ],
    ),
}

FINDING_TYPES = tuple(sorted([*POLICY_TYPES, *SENSITIVE_TYPES]))
SCORES = {"Low": 1, "Medium": 2, "High": 3}


def new_finding_id() -> str:
    """Real finding ids are 32 lowercase hex characters."""
    return secrets.token_hex(16)


def bucket_doc(account_id: str, region: str, name: str, created: str) -> dict[str, Any]:
    """``resourcesAffected.s3Bucket`` for a bucket with the usual secure defaults."""
    block = {
        "blockPublicAcls": True,
        "blockPublicPolicy": True,
        "ignorePublicAcls": True,
        "restrictPublicBuckets": True,
    }
    return {
        "allowsUnencryptedObjectUploads": "TRUE",
        "arn": f"arn:aws:s3:::{name}",
        "createdAt": created,
        "defaultServerSideEncryption": {"encryptionType": "AES256"},
        "name": name,
        "owner": {"displayName": "macie-local", "id": account_id * 4 + "0" * 16},
        "publicAccess": {
            "effectivePermission": "NOT_PUBLIC",
            "permissionConfiguration": {
                "accountLevelPermissions": {"blockPublicAccess": dict(block)},
                "bucketLevelPermissions": {
                    "accessControlList": {
                        "allowsPublicReadAccess": False,
                        "allowsPublicWriteAccess": False,
                    },
                    "blockPublicAccess": dict(block),
                    "bucketPolicy": {
                        "allowsPublicReadAccess": False,
                        "allowsPublicWriteAccess": False,
                    },
                },
            },
        },
        "tags": [{"key": "environment", "value": "sample"}],
    }


def object_doc(bucket: str, key: str, size: int, modified: str) -> dict[str, Any]:
    """``resourcesAffected.s3Object`` for an object in ``bucket``."""
    extension = key.rsplit(".", 1)[1] if "." in key.rsplit("/", 1)[-1] else ""
    return {
        "bucketArn": f"arn:aws:s3:::{bucket}",
        "eTag": secrets.token_hex(16),
        "extension": extension,
        "key": key,
        "lastModified": modified,
        "path": f"{bucket}/{key}",
        "publicAccess": False,
        "serverSideEncryption": {"encryptionType": "AES256"},
        "size": size,
        "storageClass": "STANDARD",
        "tags": [],
        "versionId": "",
    }


def policy_finding(
    ftype: str, account_id: str, region: str, bucket: str, when: str
) -> dict[str, Any]:
    """A policy finding as Macie reports it for a bucket-level change."""
    severity, title, description = POLICY_TYPES[ftype]
    api = "PutBucketEncryption" if "Encryption" in ftype else "PutBucketPolicy"
    if "BlockPublicAccess" in ftype:
        api = "DeletePublicAccessBlock"
    bucket_info = bucket_doc(account_id, region, bucket, when)
    if ftype == "Policy:IAMUser/S3BucketPublic":
        # The sample describes a bucket whose policy made it public: say so throughout.
        access = bucket_info["publicAccess"]
        access["effectivePermission"] = "PUBLIC"
        levels = access["permissionConfiguration"]["bucketLevelPermissions"]
        levels["bucketPolicy"]["allowsPublicReadAccess"] = True
        levels["blockPublicAccess"] = dict.fromkeys(levels["blockPublicAccess"], False)
    elif ftype == "Policy:IAMUser/S3BlockPublicAccessDisabled":
        levels = bucket_info["publicAccess"]["permissionConfiguration"]["bucketLevelPermissions"]
        levels["blockPublicAccess"] = dict.fromkeys(levels["blockPublicAccess"], False)
    return {
        "category": "POLICY",
        "classificationDetails": None,
        "count": 1,
        "description": description,
        "policyDetails": {
            "action": {
                "actionType": "AWS_API_CALL",
                "apiCallDetails": {
                    "api": api,
                    "apiServiceName": "s3.amazonaws.com",
                    "firstSeen": when,
                    "lastSeen": when,
                },
            },
            "actor": {
                "domainDetails": None,
                "ipAddressDetails": {
                    "ipAddressV4": "192.0.2.10",
                    "ipCity": {"name": "Seattle"},
                    "ipCountry": {"code": "US", "name": "United States"},
                    "ipGeoLocation": {"lat": 47.61, "lon": -122.33},
                    "ipOwner": {
                        "asn": "64496",
                        "asnOrg": "Example",
                        "isp": "Example",
                        "org": "Example",
                    },
                },
                "userIdentity": {
                    "type": "IAMUser",
                    "iamUser": {
                        "accountId": account_id,
                        "arn": f"arn:aws:iam::{account_id}:user/macie-sample-user",
                        "principalId": "AIDAEXAMPLEPRINCIPAL",
                        "userName": "macie-sample-user",
                    },
                },
            },
        },
        "resourcesAffected": {"s3Bucket": bucket_info, "s3Object": None},
        "severity": {"description": severity, "score": SCORES[severity]},
        "title": title,
        "type": ftype,
    }


def sensitive_finding(
    ftype: str,
    account_id: str,
    region: str,
    bucket: str,
    key: str,
    when: str,
    job_id: str | None = None,
) -> dict[str, Any]:
    """A sensitive-data finding for one object, with detections per SENSITIVE_TYPES."""
    severity, title, parts = SENSITIVE_TYPES[ftype]
    by_category: dict[str, list[dict[str, Any]]] = {}
    for category, mdi, count in parts:
        by_category.setdefault(category, []).append(
            {"count": count, "type": mdi, "occurrences": _occurrences(count)}
        )
    sensitive = [
        {"category": c, "detections": d, "totalCount": sum(x["count"] for x in d)}
        for c, d in by_category.items()
    ]
    custom: dict[str, Any] = {"detections": [], "totalCount": 0}
    if ftype.endswith("CustomIdentifier"):
        custom = {
            "detections": [
                {
                    "arn": f"arn:aws:macie2:{region}:{account_id}:custom-data-identifier/"
                    "3c1d2c3e-0000-4000-8000-000000000001",
                    "count": 6,
                    "name": "employee-id",
                    "occurrences": _occurrences(6),
                }
            ],
            "totalCount": 6,
        }
    job_id = job_id or secrets.token_hex(16)
    size = 2048 + len(key) * 37
    return {
        "category": "CLASSIFICATION",
        "classificationDetails": {
            "detailedResultsLocation": f"s3://[export-config-not-set]/AWSLogs/{account_id}/Macie/"
            f"{region}/{job_id}/{account_id}/{secrets.token_hex(8)}.jsonl.gz",
            "jobArn": f"arn:aws:macie2:{region}:{account_id}:classification-job/{job_id}",
            "jobId": job_id,
            "originType": "SENSITIVE_DATA_DISCOVERY_JOB",
            "result": {
                "additionalOccurrences": any(p[2] > 15 for p in parts),
                "customDataIdentifiers": custom,
                "mimeType": "text/csv" if key.endswith(".csv") else "text/plain",
                "sensitiveData": sensitive,
                "sizeClassified": size,
                "status": {"code": "COMPLETE", "reason": None},
            },
        },
        "count": 1,
        "description": f"The object contains sensitive data ({ftype.rsplit('/', 1)[-1]}).",
        "policyDetails": None,
        "resourcesAffected": {
            "s3Bucket": bucket_doc(account_id, region, bucket, when),
            "s3Object": object_doc(bucket, key, size, when),
        },
        "severity": {"description": severity, "score": SCORES[severity]},
        "title": title,
        "type": ftype,
    }


def _occurrences(count: int) -> dict[str, Any]:
    located = min(count, 15)
    return {
        "lineRanges": [{"start": n + 2, "end": n + 2, "startColumn": 12} for n in range(located)]
    }


def sample_finding(ftype: str, account_id: str, region: str, when: str) -> dict[str, Any]:
    """One CreateSampleFindings sample of ``ftype`` (``sample`` is set by the backend)."""
    bucket = "macie-sample-finding-bucket"
    if ftype in POLICY_TYPES:
        return policy_finding(ftype, account_id, region, bucket, when)
    return sensitive_finding(ftype, account_id, region, bucket, "1/sample-records.csv", when)


def synthetic_findings(
    count: int, account_id: str, region: str, seed: int = 0
) -> list[dict[str, Any]]:
    """``count`` varied findings over 30 days, 20 buckets and every type (benchmarks)."""
    rng = random.Random(seed)
    start = datetime.now(timezone.utc) - timedelta(days=30)
    out = []
    for n in range(count):
        ftype = FINDING_TYPES[rng.randrange(len(FINDING_TYPES))]
        when = iso8601(start + timedelta(seconds=rng.randrange(30 * 86400)))
        bucket = f"synthetic-bucket-{rng.randrange(20):02d}"
        if ftype in POLICY_TYPES:
            doc = policy_finding(ftype, account_id, region, bucket, when)
        else:
            key = f"data/{rng.randrange(100000):06d}/records-{n}.csv"
            doc = sensitive_finding(ftype, account_id, region, bucket, key, when)
        doc["createdAt"] = doc["updatedAt"] = when
        out.append(doc)
    return out
