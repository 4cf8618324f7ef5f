"""DescribeBuckets' BucketMetadata, read from the local S3 (moto's in-process backend).

The local server hands :func:`s3_buckets` to ``Macie2Backends.bucket_source``.
"""

from __future__ import annotations

import json
from typing import Any

from macie_notify.local.macie2.posture import Posture, posture_of, s3_bucket

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
    posture = _posture(bucket, account)
    try:
        tags = backend.get_bucket_tagging(bucket.name).get("Tags", [])
    except Exception:  # moto raises its own error for "no tags"; treat as none
        tags = []
    replication = [a for a in _replication_accounts(bucket) if a]
    external = sorted({a for a in replication if a != account})
    shown = s3_bucket(bucket.name, posture, created=None, owner={}, tags=[])
    return {
        "accountId": account,
        "allowsUnencryptedObjectUploads": shown["allowsUnencryptedObjectUploads"],
        "bucketArn": f"arn:aws:s3:::{bucket.name}",
        "bucketCreatedAt": iso8601(bucket.creation_date),
        "bucketName": bucket.name,
        "classifiableObjectCount": len(keys),
        "classifiableSizeInBytes": size,
        "lastUpdated": now_iso(),
        "objectCount": len(keys),
        "publicAccess": shown["publicAccess"],
        "region": region,
        "replicationDetails": {
            "replicated": bool(replication),
            "replicatedExternally": bool(external),
            "replicationAccounts": sorted(set(replication)),
        },
        "serverSideEncryption": {"type": posture.encryption, "kmsMasterKeyId": posture.kms_key},
        "sharedAccess": "EXTERNAL" if posture.shared_externally else "NOT_SHARED",
        "sizeInBytes": size,
        "sizeInBytesCompressed": 0,
        "tags": [{"key": t["Key"], "value": t["Value"]} for t in tags],
        "versioning": bucket.versioning_status == "Enabled",
    }


_BLOCKS = {
    "BlockPublicAcls": "block_public_acls",
    "IgnorePublicAcls": "ignore_public_acls",
    "BlockPublicPolicy": "block_public_policy",
    "RestrictPublicBuckets": "restrict_public_buckets",
}


def _posture(bucket: Any, account: str) -> Posture:
    """The bucket's posture from moto's objects (no HTTP: DescribeBuckets lists them all).

    Without a block-public-access configuration nothing is blocked: moto let a public
    policy or ACL in, which S3 only accepts when nothing blocks it.
    """
    statements: list[dict[str, Any]] = []
    if bucket.policy:
        try:
            found = json.loads(bucket.policy.decode()).get("Statement") or []
            statements = found if isinstance(found, list) else [found]
        except ValueError:
            statements = []
    block = bucket.public_access_block
    blocks = (
        {k: str(getattr(block, a, "false")).lower() == "true" for k, a in _BLOCKS.items()}
        if block
        else {}
    )
    encryption, key = _encryption(bucket.encryption)
    return posture_of(
        encryption=encryption,
        kms_key=key,
        block_public_access=blocks,
        statements=statements,
        acl=_acl(bucket),
        replication_accounts=_replication_accounts(bucket),
        account_id=account,
    )


def _acl(bucket: Any) -> dict[str, Any]:
    """moto's ACL object as GetBucketAcl answers it."""
    grants = []
    for grant in getattr(getattr(bucket, "acl", None), "grants", None) or []:
        for grantee in grant.grantees:
            shown = (
                {"Type": "Group", "URI": grantee.uri}
                if grantee.uri
                else {"Type": "CanonicalUser", "ID": grantee.id}
            )
            grants += [{"Grantee": shown, "Permission": p} for p in grant.permissions]
    from moto.s3.models import OWNER

    return {"Owner": {"ID": OWNER}, "Grants": grants}


def _replication_accounts(bucket: Any) -> list[str]:
    config = getattr(bucket, "replication", None) or {}
    rules = config.get("Rule") or []
    rules = rules if isinstance(rules, list) else [rules]
    return [str((r.get("Destination") or {}).get("Account") or "") for r in rules]


def _encryption(config: dict[str, Any] | None) -> tuple[str, str | None]:
    # Since 2023-01-05 every bucket has SSE-S3 by default, even without a configuration.
    if not config:
        return "AES256", None
    rule = config.get("Rule") or {}
    rule = rule[0] if isinstance(rule, list) and rule else rule
    default = (rule or {}).get("ApplyServerSideEncryptionByDefault") or {}
    algorithm = str(default.get("SSEAlgorithm") or "AES256")
    return algorithm, default.get("KMSMasterKeyID")
