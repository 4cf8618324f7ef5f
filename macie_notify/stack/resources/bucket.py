"""The S3 bucket: created (and then tagged as this stack's) or adopted (never tagged,
never deleted), with encryption, versioning, the four public access block settings,
BucketOwnerEnforced ownership and the TLS-only statement merged into its policy.

Each setting is read and written on its own, so a second run writes nothing and a
failed run resumes where it stopped.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, cast

from macie_notify.errors import AwsError
from macie_notify.stack.model import Action, Observed, Spec
from macie_notify.stack.naming import is_managed, missing_tags, tag_list, tag_map
from macie_notify.stack.policies import merge_tls, tls_statement, tls_statement_of
from macie_notify.stack.resources.base import Context, changed, error_code, tag_reason

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.literals import BucketVersioningStatusType
    from mypy_boto3_s3.type_defs import (
        ObjectIdentifierTypeDef,
        ServerSideEncryptionConfigurationTypeDef,
    )

    from macie_notify.aws import Aws

PAB_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
OWNERSHIP: Final = "BucketOwnerEnforced"
_ABSENT = {
    "ServerSideEncryptionConfigurationNotFoundError",
    "NoSuchPublicAccessBlockConfiguration",
    "OwnershipControlsNotFoundError",
    "NoSuchBucketPolicy",
    "NoSuchTagSet",
}


@dataclass(frozen=True)
class BucketSpec(Spec):
    kind = "bucket"
    arn: str = ""
    region: str = "us-east-1"
    create: bool = True
    encryption: str = "SSE-S3"
    kms_key_arn: str | None = None
    versioning: bool = True
    block_public_access: bool = True
    enforce_tls: bool = True
    force_destroy: bool = False
    tags: Mapping[str, str] = field(default_factory=dict)
    # teardown: also read whether the bucket holds any object version
    check_empty: bool = False

    def encryption_rule(self) -> dict[str, Any]:
        if self.encryption == "SSE-KMS":
            return {
                "ApplyServerSideEncryptionByDefault": {
                    "SSEAlgorithm": "aws:kms",
                    "KMSMasterKeyID": self.kms_key_arn,
                },
                "BucketKeyEnabled": True,
            }
        return {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}


def _read(call: Any, **kwargs: Any) -> Any:
    """A Get* answer, or None when the setting was never put."""
    import botocore.exceptions

    try:
        return call(**kwargs)
    except botocore.exceptions.ClientError as exc:
        if error_code(exc) in _ABSENT:
            return None
        raise


def observe(aws: Aws, spec: BucketSpec) -> Observed | None:
    import botocore.exceptions

    s3: S3Client = aws.client("s3")
    try:
        s3.head_bucket(Bucket=spec.name)
    except botocore.exceptions.ClientError as exc:
        # HeadBucket has no body, so its error code is the HTTP status.
        if error_code(exc) in ("404", "NoSuchBucket"):
            return None
        if error_code(exc) == "403":
            raise AwsError(
                f"bucket {spec.name} exists but this account cannot read it",
                "bucket names are global: set bucket.name to a name of your own",
            ) from None
        raise
    # Six independent reads: in parallel, they are the longest chain of a no-op plan.
    reads = {
        "enc": s3.get_bucket_encryption,
        "pab": s3.get_public_access_block,
        "owner": s3.get_bucket_ownership_controls,
        "policy": s3.get_bucket_policy,
        "tagging": s3.get_bucket_tagging,
        "versioning": s3.get_bucket_versioning,
    }
    with ThreadPoolExecutor(max_workers=len(reads)) as pool:
        futures = {key: pool.submit(_read, call, Bucket=spec.name) for key, call in reads.items()}
        got = {key: future.result() for key, future in futures.items()}
    rules = (got["enc"] or {}).get("ServerSideEncryptionConfiguration", {}).get("Rules", [])
    default = (rules[0] if rules else {}).get("ApplyServerSideEncryptionByDefault", {})
    owner_rules = (got["owner"] or {}).get("OwnershipControls", {}).get("Rules", [])
    state = {
        "sse": default.get("SSEAlgorithm"),
        "kms_key": default.get("KMSMasterKeyID"),
        "versioning": (got["versioning"] or {}).get("Status"),
        "pab": dict((got["pab"] or {}).get("PublicAccessBlockConfiguration", {})),
        "ownership": owner_rules[0].get("ObjectOwnership") if owner_rules else None,
        "policy": json.loads(got["policy"]["Policy"]) if got["policy"] else None,
        "tags": tag_map((got["tagging"] or {}).get("TagSet", [])),
    }
    if spec.check_empty:
        state["empty"] = is_empty(aws, spec.name)
    return Observed(id=spec.name, outputs={"name": spec.name, "arn": spec.arn}, state=state)


def _settings_diff(spec: BucketSpec, s: Mapping[str, Any]) -> dict[str, str]:
    """setting -> reason, for each setting that must be written."""
    out: dict[str, str] = {}
    want_sse = spec.encryption_rule()["ApplyServerSideEncryptionByDefault"]
    if s["sse"] != want_sse["SSEAlgorithm"] or (
        spec.encryption == "SSE-KMS" and s["kms_key"] != spec.kms_key_arn
    ):
        out["encryption"] = changed("encryption", s["sse"], want_sse["SSEAlgorithm"])
    if spec.versioning and s["versioning"] != "Enabled":
        out["versioning"] = changed("versioning", s["versioning"], "Enabled")
    elif not spec.versioning and s["versioning"] == "Enabled":
        out["versioning"] = changed("versioning", "Enabled", "Suspended")
    if spec.block_public_access and any(s["pab"].get(f) is not True for f in PAB_FLAGS):
        off = [f for f in PAB_FLAGS if s["pab"].get(f) is not True]
        out["public_access_block"] = "public access block: " + ", ".join(off) + " -> true"
    if s["ownership"] != OWNERSHIP:
        out["ownership"] = changed("object ownership", s["ownership"], OWNERSHIP)
    current = tls_statement_of(s["policy"])
    if spec.enforce_tls and current != tls_statement(spec.arn):
        out["policy"] = "policy: TLS-only statement " + ("to fix" if current else "missing")
    elif not spec.enforce_tls and current is not None:
        out["policy"] = "policy: TLS-only statement to remove (enforce_tls is false)"
    if spec.create:
        missing = missing_tags(spec.tags, s["tags"])
        if missing:
            out["tags"] = tag_reason(missing)
    return out


def diff(spec: BucketSpec, observed: Observed | None) -> tuple[Action, list[str]]:
    if observed is None:
        if not spec.create:
            raise AwsError(
                f"bucket {spec.name} does not exist, and bucket.create is false (adopt)",
                "create the bucket first, or set bucket.create: true",
            )
        return Action.CREATE, ["does not exist"]
    reasons = list(_settings_diff(spec, observed.state).values())
    return (Action.UPDATE if reasons else Action.NOOP), reasons


def apply(
    ctx: Context, spec: BucketSpec, observed: Observed | None, action: Action
) -> dict[str, str]:
    s3: S3Client = ctx.aws.client("s3")
    if observed is None:
        params: dict[str, Any] = {"Bucket": spec.name}
        # us-east-1 refuses a LocationConstraint naming itself; every other Region needs one.
        if spec.region != "us-east-1":
            params["CreateBucketConfiguration"] = {"LocationConstraint": spec.region}
        s3.create_bucket(**params)
        # Tagged first: a run that fails after this still leaves a bucket teardown knows.
        s3.put_bucket_tagging(Bucket=spec.name, Tagging={"TagSet": tag_list(spec.tags)})
        state: Mapping[str, Any] = {
            "sse": None,
            "kms_key": None,
            "versioning": None,
            "pab": {},
            "ownership": None,
            "policy": None,
            "tags": dict(spec.tags),
        }
    else:
        state = observed.state
    for setting in _settings_diff(spec, state):
        _WRITERS[setting](s3, spec, state)
    return {"name": spec.name, "arn": spec.arn}


def _put_encryption(s3: S3Client, spec: BucketSpec, state: Mapping[str, Any]) -> None:
    s3.put_bucket_encryption(
        Bucket=spec.name,
        # The config reader requires kms_key_arn with SSE-KMS, so the rule is complete.
        ServerSideEncryptionConfiguration=cast(
            "ServerSideEncryptionConfigurationTypeDef", {"Rules": [spec.encryption_rule()]}
        ),
    )


def _put_versioning(s3: S3Client, spec: BucketSpec, state: Mapping[str, Any]) -> None:
    status: BucketVersioningStatusType = "Enabled" if spec.versioning else "Suspended"
    s3.put_bucket_versioning(Bucket=spec.name, VersioningConfiguration={"Status": status})


def _put_pab(s3: S3Client, spec: BucketSpec, state: Mapping[str, Any]) -> None:
    s3.put_public_access_block(
        Bucket=spec.name,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )


def _put_ownership(s3: S3Client, spec: BucketSpec, state: Mapping[str, Any]) -> None:
    s3.put_bucket_ownership_controls(
        Bucket=spec.name, OwnershipControls={"Rules": [{"ObjectOwnership": OWNERSHIP}]}
    )


def _put_policy(s3: S3Client, spec: BucketSpec, state: Mapping[str, Any]) -> None:
    """Merge our statement into whatever policy the bucket has; other statements stay."""
    merged = merge_tls(state["policy"], spec.arn, spec.enforce_tls)
    if merged is None:
        s3.delete_bucket_policy(Bucket=spec.name)
    else:
        s3.put_bucket_policy(Bucket=spec.name, Policy=json.dumps(merged))


def _put_tags(s3: S3Client, spec: BucketSpec, state: Mapping[str, Any]) -> None:
    # PutBucketTagging replaces the whole set: keep the tags someone else put.
    tags = {**state["tags"], **spec.tags}
    s3.put_bucket_tagging(Bucket=spec.name, Tagging={"TagSet": tag_list(tags)})


_WRITERS = {
    "encryption": _put_encryption,
    "versioning": _put_versioning,
    "public_access_block": _put_pab,
    "ownership": _put_ownership,
    "policy": _put_policy,
    "tags": _put_tags,
}


def is_empty(aws: Aws, name: str) -> bool:
    """No object versions and no delete markers (a read)."""
    page = aws.client("s3").list_object_versions(Bucket=name, MaxKeys=1)
    return not page.get("Versions") and not page.get("DeleteMarkers")


def keep_reason(spec: BucketSpec, observed: Observed, stack: str) -> str | None:
    if not spec.create:
        return "kept: adopted (bucket.create is false); teardown never deletes it"
    if not is_managed(observed.state.get("tags", {}), stack):
        return f"kept: not created by stack {stack}"
    if not observed.state.get("empty", True) and not spec.force_destroy:
        return "kept: not empty (set bucket.force_destroy: true to empty and delete it)"
    return None


def delete(ctx: Context, spec: BucketSpec, observed: Observed) -> None:
    s3: S3Client = ctx.aws.client("s3")
    if spec.force_destroy:
        _empty(s3, spec.name)
    s3.delete_bucket(Bucket=spec.name)


def _empty(s3: S3Client, name: str) -> None:
    """Delete every object version and delete marker, 1,000 a call."""
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=name):
        items: list[ObjectIdentifierTypeDef] = [
            {"Key": v["Key"], "VersionId": v["VersionId"]}
            for v in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
        ]
        if items:
            s3.delete_objects(Bucket=name, Delete={"Objects": items, "Quiet": True})
