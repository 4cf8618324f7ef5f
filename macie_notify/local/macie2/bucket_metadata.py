"""DescribeBuckets' BucketMetadata, read from the local S3 (moto's in-process backend).

The local server hands :func:`s3_buckets` to ``Macie2Backends.bucket_source``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["s3_buckets"]


def s3_buckets(account: str, region: str) -> list[dict[str, Any]]:
    """DescribeBuckets' BucketMetadata for the account's buckets in ``region`` (local S3)."""
    from moto.s3.models import s3_backends

    try:
        backend = s3_backends[account]["aws"]
    except KeyError:
        return []
    out = []
    for bucket in list(backend.buckets.values()):
        if bucket.region_name != region:
            continue
        out.append(_bucket_metadata(backend, bucket, account, region))
    return out


def _bucket_metadata(backend: Any, bucket: Any, account: str, region: str) -> dict[str, Any]:
    from macie_notify.local.macie2.shapes import now_iso
    from macie_notify.render import iso8601

    keys = [k for k in list(bucket.keys.values()) if hasattr(k, "size")]
    size = sum(int(k.size) for k in keys)
    block = bucket.public_access_block
    blocked = bool(block) and all(
        str(getattr(block, a, "false")).lower() == "true"
        for a in (
            "block_public_acls",
            "ignore_public_acls",
            "block_public_policy",
            "restrict_public_buckets",
        )
    )
    encryption = _encryption_type(bucket.encryption)
    try:
        tags = backend.get_bucket_tagging(bucket.name).get("Tags", [])
    except Exception:  # moto raises its own error for "no tags"; treat as none
        tags = []
    return {
        "accountId": account,
        "allowsUnencryptedObjectUploads": "FALSE" if encryption != "NONE" else "TRUE",
        "bucketArn": f"arn:aws:s3:::{bucket.name}",
        "bucketCreatedAt": iso8601(bucket.creation_date),
        "bucketName": bucket.name,
        "classifiableObjectCount": len(keys),
        "classifiableSizeInBytes": size,
        "lastUpdated": now_iso(),
        "objectCount": len(keys),
        "publicAccess": {"effectivePermission": "NOT_PUBLIC" if blocked else "UNKNOWN"},
        "region": region,
        "serverSideEncryption": {"type": encryption},
        "sharedAccess": "NOT_SHARED",
        "sizeInBytes": size,
        "sizeInBytesCompressed": 0,
        "tags": [{"key": t["Key"], "value": t["Value"]} for t in tags],
        "versioning": bucket.versioning_status == "Enabled",
    }


def _encryption_type(config: dict[str, Any] | None) -> str:
    # Since 2023-01-05 every bucket has SSE-S3 by default, even without a configuration.
    if not config:
        return "AES256"
    text = str(config)
    if "aws:kms:dsse" in text:
        return "aws:kms:dsse"
    if "aws:kms" in text:
        return "aws:kms"
    return "AES256"
