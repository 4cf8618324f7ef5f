"""Bucket posture -> Macie policy findings, for the local macie2 emulator.

Macie watches the security of every bucket and raises a ``Policy:IAMUser/*`` finding when a
setting gets weaker after Macie was enabled
(https://docs.aws.amazon.com/macie/latest/user/findings-types.html):

==============================  ========  =================================================
type                            severity  regression
==============================  ========  =================================================
S3BucketEncryptionDisabled      Low       default encryption removed, or reset from KMS to
                                          SSE-S3 (S3 encrypts with SSE-S3 by default)
S3BlockPublicAccessDisabled     High      every bucket-level block-public-access setting off
S3BucketPublic                  High      the policy or ACL now allows anonymous or all
                                          authenticated principals (and nothing blocks it)
S3BucketSharedExternally        High      the policy or ACL now grants another account
S3BucketSharedWithCloudFront    Medium    the policy now grants a CloudFront OAI or OAC
S3BucketReplicatedExternally    High      replication now copies to another account
==============================  ========  =================================================

Findings come first from the S3 calls the local endpoint sees
(:mod:`macie_notify.local.macie2.s3_calls`: the call's name and caller, and a baseline
taken when the bucket is created, with S3's defaults). The checker here is the safety net
for changes made outside the endpoint (moto in-process): it reads each bucket through the
S3 API, compares it with what was seen last (a bucket it never saw before is its own
baseline) and records each regression with ``findings.record_policy``: a new finding, or
``count`` + 1 and a new ``updatedAt`` when the same regression happens again on the same
bucket. Checks run on a timer and on demand (``POST /_local/posture/check``); the same timer
publishes queued policy finding updates on each account's publishing frequency.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from macie_notify.local.macie2.sample_findings import SCORES
from macie_notify.local.macie2.shapes import now_iso
from macie_notify.render import iso8601

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

__all__ = ["Posture", "PostureBook", "PostureChecker", "read_posture"]

ENCRYPTION_DISABLED = "Policy:IAMUser/S3BucketEncryptionDisabled"
BLOCK_PUBLIC_ACCESS_DISABLED = "Policy:IAMUser/S3BlockPublicAccessDisabled"
BUCKET_PUBLIC = "Policy:IAMUser/S3BucketPublic"
SHARED_EXTERNALLY = "Policy:IAMUser/S3BucketSharedExternally"
SHARED_WITH_CLOUDFRONT = "Policy:IAMUser/S3BucketSharedWithCloudFront"
REPLICATED_EXTERNALLY = "Policy:IAMUser/S3BucketReplicatedExternally"
_PUBLIC_GROUPS = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)
_OAI = "cloudfront:user/CloudFront Origin Access Identity"
_BLOCK_KEYS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
# type -> (severity, title, description, the API call the periodic check names)
_FINDINGS = {
    ENCRYPTION_DISABLED: (
        "Low",
        "Encryption is disabled for the S3 bucket",
        "Default encryption settings were reset to the Amazon S3 default for the bucket.",
        "DeleteBucketEncryption",
    ),
    BLOCK_PUBLIC_ACCESS_DISABLED: (
        "High",
        "Block Public Access settings are disabled for the S3 bucket",
        "All bucket-level block public access settings were disabled for the bucket.",
        "DeletePublicAccessBlock",
    ),
    BUCKET_PUBLIC: (
        "High",
        "The S3 bucket is publicly accessible",
        "The bucket's policy or ACL allows access to anonymous or all authenticated users.",
        "PutBucketPolicy",
    ),
    SHARED_EXTERNALLY: (
        "High",
        "The S3 bucket is shared with an external AWS account.",
        "The bucket's policy or ACL grants access to another AWS account.",
        "PutBucketPolicy",
    ),
    SHARED_WITH_CLOUDFRONT: (
        "Medium",
        "The S3 bucket is shared with a CloudFront distribution",
        "The bucket policy allows a CloudFront origin access identity or origin access control.",
        "PutBucketPolicy",
    ),
    REPLICATED_EXTERNALLY: (
        "High",
        "The S3 bucket is replicated to an external AWS account",
        "Replication was configured to copy the bucket's objects to another AWS account.",
        "PutBucketReplication",
    ),
}


@dataclass(frozen=True)
class Posture:
    """What matters about one bucket's security, as of one observation."""

    encryption: str = "AES256"  # AES256 | aws:kms | aws:kms:dsse (S3 always encrypts)
    kms_key: str | None = None
    block_public_access: Mapping[str, bool] = field(
        default_factory=lambda: dict.fromkeys(_BLOCK_KEYS, True)
    )
    policy_read: bool = False
    policy_write: bool = False
    acl_read: bool = False
    acl_write: bool = False
    shared_externally: bool = False
    cloudfront: bool = False
    replicated_externally: bool = False
    requires_encryption: bool = False

    @property
    def blocks_nothing(self) -> bool:
        return not any(self.block_public_access.get(k) for k in _BLOCK_KEYS)

    @property
    def public(self) -> bool:
        """Effective public access: a public grant that block-public-access does not stop."""
        blocks = self.block_public_access
        policy = (self.policy_read or self.policy_write) and not blocks.get("RestrictPublicBuckets")
        acl = (self.acl_read or self.acl_write) and not blocks.get("IgnorePublicAcls")
        return bool(policy or acl)


# A new bucket as S3 creates it: SSE-S3 default encryption, every public access blocked.
S3_DEFAULTS = Posture()


def regressions(before: Posture, after: Posture) -> list[str]:
    """The finding types a change from ``before`` to ``after`` raises."""
    out = []
    kms = ("aws:kms", "aws:kms:dsse")
    if before.encryption in kms and after.encryption not in kms:
        out.append(ENCRYPTION_DISABLED)
    if after.blocks_nothing and not before.blocks_nothing:
        out.append(BLOCK_PUBLIC_ACCESS_DISABLED)
    if after.public and not before.public:
        out.append(BUCKET_PUBLIC)
    if after.shared_externally and not before.shared_externally:
        out.append(SHARED_EXTERNALLY)
    if after.cloudfront and not before.cloudfront:
        out.append(SHARED_WITH_CLOUDFRONT)
    if after.replicated_externally and not before.replicated_externally:
        out.append(REPLICATED_EXTERNALLY)
    return out


# --- reading a bucket through the S3 API ---------------------------------------------------


def _error_code(exc: Exception) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


def _read(client: S3Client, call: str, missing: str, **kwargs: Any) -> Any:
    """One S3 read; None when the configuration does not exist."""
    try:
        return getattr(client, call)(**kwargs)
    except client.exceptions.ClientError as exc:
        if _error_code(exc) == missing:
            return None
        raise


def _encryption(client: S3Client, bucket: str) -> tuple[str, str | None]:
    found = _read(
        client,
        "get_bucket_encryption",
        "ServerSideEncryptionConfigurationNotFoundError",
        Bucket=bucket,
    )
    if found is None:
        return "AES256", None  # S3's default since January 2023
    rules = found["ServerSideEncryptionConfiguration"].get("Rules") or [{}]
    default = rules[0].get("ApplyServerSideEncryptionByDefault") or {}
    return str(default.get("SSEAlgorithm", "AES256")), default.get("KMSMasterKeyID")


def _public_access_block(client: S3Client, bucket: str) -> dict[str, bool]:
    found = _read(
        client, "get_public_access_block", "NoSuchPublicAccessBlockConfiguration", Bucket=bucket
    )
    if found is None:
        return {}
    return {k: bool(v) for k, v in found["PublicAccessBlockConfiguration"].items()}


def _policy_statements(client: S3Client, bucket: str) -> list[dict[str, Any]]:
    found = _read(client, "get_bucket_policy", "NoSuchBucketPolicy", Bucket=bucket)
    if found is None:
        return []
    statements = json.loads(found["Policy"]).get("Statement") or []
    return list(statements if isinstance(statements, list) else [statements])


def _replication_accounts(client: S3Client, bucket: str) -> list[str]:
    found = _read(
        client, "get_bucket_replication", "ReplicationConfigurationNotFoundError", Bucket=bucket
    )
    rules = ((found or {}).get("ReplicationConfiguration") or {}).get("Rules") or []
    return [str((r.get("Destination") or {}).get("Account") or "") for r in rules]


def _listed(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in (value if isinstance(value, list) else [value])]


@dataclass
class PolicyGrants:
    """What a bucket policy allows, for Macie's bucket-level permission fields."""

    public_read: bool = False
    public_write: bool = False
    shared: bool = False
    cloudfront: bool = False
    requires_encryption: bool = False


def policy_grants(statements: Iterable[Mapping[str, Any]], account: str) -> PolicyGrants:
    found = PolicyGrants()
    for statement in statements:
        actions = [a.lower() for a in _listed(statement.get("Action"))]
        principal = statement.get("Principal")
        if statement.get("Effect") == "Deny":
            # Deny PutObject unless an encryption header is sent: uploads must be encrypted.
            condition = json.dumps(statement.get("Condition") or {})
            puts = any(a in ("s3:putobject", "s3:*", "*") for a in actions)
            if puts and "s3:x-amz-server-side-encryption" in condition:
                found.requires_encryption = True
            continue
        if statement.get("Effect") != "Allow":
            continue
        aws = _listed(principal.get("AWS")) if isinstance(principal, Mapping) else []
        services = _listed(principal.get("Service")) if isinstance(principal, Mapping) else []
        everyone = principal == "*" or "*" in aws or "arn:aws:iam::*:root" in aws
        if everyone and not statement.get("Condition"):
            # A "*" principal narrowed by a condition (aws:SourceVpc...) is not public.
            reads = any(a in ("s3:*", "*") or a.startswith(("s3:get", "s3:list")) for a in actions)
            writes = any(
                a in ("s3:*", "*") or a.startswith(("s3:put", "s3:delete", "s3:abort"))
                for a in actions
            )
            found.public_read = found.public_read or reads
            found.public_write = found.public_write or writes
        if "cloudfront.amazonaws.com" in services or any(_OAI in p for p in aws):
            found.cloudfront = True
        others = [a for a in aws if a != "*" and _OAI not in a and "arn:aws:iam::*" not in a]
        if any(account not in arn for arn in others):
            found.shared = True
    return found


def acl_grants(acl: Mapping[str, Any]) -> tuple[bool, bool, bool]:
    """(public read, public write, shared with another account) from a bucket ACL."""
    read = write = shared = False
    owner = (acl.get("Owner") or {}).get("ID")
    for grant in acl.get("Grants") or []:
        grantee = grant.get("Grantee") or {}
        permission = grant.get("Permission")
        if grantee.get("URI") in _PUBLIC_GROUPS:
            read = read or permission in ("READ", "FULL_CONTROL")
            write = write or permission in ("WRITE", "FULL_CONTROL")
        elif grantee.get("Type") == "CanonicalUser" and grantee.get("ID") not in (None, owner):
            shared = True
    return read, write, shared


def posture_of(
    *,
    encryption: str,
    kms_key: str | None,
    block_public_access: dict[str, bool],
    statements: Iterable[Mapping[str, Any]],
    acl: Mapping[str, Any],
    replication_accounts: Iterable[str],
    account_id: str,
) -> Posture:
    """The posture of a bucket from its settings, however they were read (over S3's API
    or from moto's objects)."""
    policy = policy_grants(statements, account_id)
    acl_read, acl_write, acl_shared = acl_grants(acl)
    return Posture(
        encryption=encryption,
        kms_key=kms_key,
        block_public_access=block_public_access,
        policy_read=policy.public_read,
        policy_write=policy.public_write,
        acl_read=acl_read,
        acl_write=acl_write,
        shared_externally=policy.shared or acl_shared,
        cloudfront=policy.cloudfront,
        replicated_externally=any(a and a != account_id for a in replication_accounts),
        requires_encryption=policy.requires_encryption,
    )


def read_posture(client: S3Client, bucket: str, account_id: str) -> Posture:
    # Read in this order, one call each: encryption, policy, ACL, block, replication.
    encryption, key = _encryption(client, bucket)
    statements = _policy_statements(client, bucket)
    acl = client.get_bucket_acl(Bucket=bucket)
    return posture_of(
        encryption=encryption,
        kms_key=key,
        statements=statements,
        acl=acl,
        block_public_access=_public_access_block(client, bucket),
        replication_accounts=_replication_accounts(client, bucket),
        account_id=account_id,
    )


def bucket_doc(
    client: S3Client, bucket: str, account_id: str, posture: Posture | None = None
) -> dict[str, Any]:
    """``resourcesAffected.s3Bucket`` as Macie fills it, read from the bucket."""
    posture = posture or read_posture(client, bucket, account_id)
    listing = client.list_buckets()
    created = next(
        (b.get("CreationDate") for b in listing.get("Buckets", []) if b["Name"] == bucket), None
    )
    owner = listing.get("Owner") or {}
    tags = _read(client, "get_bucket_tagging", "NoSuchTagSet", Bucket=bucket) or {}
    return s3_bucket(
        bucket,
        posture,
        created=iso8601(created) if created is not None else None,
        owner={"displayName": owner.get("DisplayName"), "id": owner.get("ID")},
        tags=[{"key": t["Key"], "value": t["Value"]} for t in tags.get("TagSet", [])],
    )


def s3_bucket(
    bucket: str,
    posture: Posture,
    *,
    created: str | None,
    owner: Mapping[str, Any],
    tags: list[dict[str, str]],
) -> dict[str, Any]:
    """The S3Bucket shape of a finding for one posture (pure)."""
    block = posture.block_public_access
    return {
        "allowsUnencryptedObjectUploads": "FALSE" if posture.requires_encryption else "TRUE",
        "arn": f"arn:aws:s3:::{bucket}",
        "createdAt": created,
        "defaultServerSideEncryption": {
            "encryptionType": posture.encryption,
            "kmsMasterKeyId": posture.kms_key,
        },
        "name": bucket,
        "owner": dict(owner),
        "publicAccess": {
            "effectivePermission": "PUBLIC" if posture.public else "NOT_PUBLIC",
            "permissionConfiguration": {
                "accountLevelPermissions": {
                    "blockPublicAccess": {
                        "blockPublicAcls": False,
                        "blockPublicPolicy": False,
                        "ignorePublicAcls": False,
                        "restrictPublicBuckets": False,
                    }
                },
                "bucketLevelPermissions": {
                    "accessControlList": {
                        "allowsPublicReadAccess": posture.acl_read,
                        "allowsPublicWriteAccess": posture.acl_write,
                    },
                    "blockPublicAccess": {
                        "blockPublicAcls": bool(block.get("BlockPublicAcls")),
                        "blockPublicPolicy": bool(block.get("BlockPublicPolicy")),
                        "ignorePublicAcls": bool(block.get("IgnorePublicAcls")),
                        "restrictPublicBuckets": bool(block.get("RestrictPublicBuckets")),
                    },
                    "bucketPolicy": {
                        "allowsPublicReadAccess": posture.policy_read,
                        "allowsPublicWriteAccess": posture.policy_write,
                    },
                },
            },
        },
        "tags": tags,
    }


def carried(before: Posture | None, now: Posture) -> Posture:
    """``now``, with the block-public-access settings of ``before`` when S3 reports none.

    moto creates buckets without S3's default block-public-access configuration; only
    Put/DeletePublicAccessBlock change it, so its absence keeps what was known.
    """
    if before is None or now.block_public_access:
        return now
    return replace(now, block_public_access=before.block_public_access)


class PostureBook:
    """The last posture seen of every bucket, shared by the S3-call observer and the checker."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str, str], Posture] = {}

    def get(self, key: tuple[str, str, str]) -> Posture | None:
        with self._lock:
            return self._seen.get(key)

    def swap(self, key: tuple[str, str, str], posture: Posture) -> Posture | None:
        """Record ``posture``; the one it replaces (None on first sight)."""
        with self._lock:
            before = self._seen.get(key)
            self._seen[key] = posture
            return before

    def forget(self, key: tuple[str, str, str]) -> None:
        with self._lock:
            self._seen.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()


# --- the checker ---------------------------------------------------------------------------


class PostureChecker:
    """Compares every bucket of every enabled account with what was seen last time."""

    def __init__(
        self,
        backends: Any,
        s3_client: Callable[[str, str], S3Client],
        interval_s: float = 60.0,
        clock: Callable[[], float] = time.time,
        book: PostureBook | None = None,
    ) -> None:
        self.backends = backends
        self._s3_client = s3_client
        self.interval_s = interval_s
        self._clock = clock
        self.book = book or PostureBook()
        self._check_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._loop, name="macie-notify-posture", daemon=True
            )
            self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)

    def reset(self) -> None:
        with self._check_lock:
            self.book.clear()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.check()
                self.backends.flush_due(self._clock())
            except Exception:  # a failed check must not end the timer; the next one retries
                continue

    def check(self) -> list[dict[str, Any]]:
        """One pass over every enabled account and Region; returns the findings recorded."""
        recorded: list[dict[str, Any]] = []
        with self._check_lock:
            for backend in self.backends.all():
                session = backend.session
                if session is None or session.get("status") != "ENABLED":
                    continue
                recorded += self._check_backend(backend)
        return recorded

    def _check_backend(self, backend: Any) -> list[dict[str, Any]]:
        client = self._s3_client(backend.account_id, backend.region)
        recorded = []
        for bucket in client.list_buckets().get("Buckets", []):
            name = bucket["Name"]
            # us-east-1 answers no constraint (the stubs type only the other Regions).
            location: str | None = client.get_bucket_location(Bucket=name).get("LocationConstraint")
            if (location or "us-east-1") != backend.region:
                continue
            key = (backend.account_id, backend.region, name)
            now = carried(self.book.get(key), read_posture(client, name, backend.account_id))
            before = self.book.swap(key, now)
            if before is None:
                continue
            kinds = regressions(before, now)
            if not kinds:
                continue
            doc = bucket_doc(client, name, backend.account_id, now)
            for kind in kinds:
                finding = policy_finding(kind, doc, root_actor(backend.account_id))
                with backend.transaction():
                    recorded.append(backend.findings.record_policy(finding))
        return recorded


def root_actor(account_id: str) -> dict[str, Any]:
    """The caller when nothing better is known (a change made outside the endpoint)."""
    return {
        "domainDetails": None,
        "ipAddressDetails": None,
        "userIdentity": {
            "type": "Root",
            "root": {
                "accountId": account_id,
                "arn": f"arn:aws:iam::{account_id}:root",
                "principalId": account_id,
            },
        },
    }


def policy_finding(
    kind: str,
    bucket: Mapping[str, Any],
    actor: Mapping[str, Any],
    api: str | None = None,
) -> dict[str, Any]:
    """A policy finding of type ``kind`` for a bucket (its S3Bucket shape), call and caller."""
    severity, title, description, default_api = _FINDINGS[kind]
    stamp = now_iso()
    return {
        "category": "POLICY",
        "type": kind,
        "title": title,
        "description": f"{description} Bucket: {bucket['name']}.",
        "severity": {"description": severity, "score": SCORES[severity]},
        "count": 1,
        "classificationDetails": None,
        "policyDetails": {
            "action": {
                "actionType": "AWS_API_CALL",
                "apiCallDetails": {
                    "api": api or default_api,
                    "apiServiceName": "s3.amazonaws.com",
                    "firstSeen": stamp,
                    "lastSeen": stamp,
                },
            },
            "actor": dict(actor),
        },
        "resourcesAffected": {"s3Bucket": dict(bucket), "s3Object": None},
    }
