"""Bucket posture -> Macie policy findings, for the local macie2 emulator.

Macie watches the security of every bucket and raises a ``Policy:IAMUser/*`` finding when a
setting gets weaker after Macie was enabled
(https://docs.aws.amazon.com/macie/latest/user/findings-types.html):

==============================  ========  =================================================
type                            severity  regression
==============================  ========  =================================================
S3BucketEncryptionDisabled      Low       default encryption removed (or reset from KMS to
                                          SSE-S3, its meaning since S3 encrypts by default)
S3BlockPublicAccessDisabled     High      every bucket-level block-public-access setting off
S3BucketPublic                  High      the policy or ACL now allows anonymous or all
                                          authenticated principals
S3BucketSharedExternally        High      the policy or ACL now grants another account
==============================  ========  =================================================

The checker reads each bucket through the S3 API, compares it with what it saw last time
(the first sight of a bucket is its baseline: moto does not apply S3's defaults of SSE-S3
and blocked public access to new buckets, so comparing a new bucket with those defaults
would raise findings nobody caused), and records each regression with the
models' ``record_policy_finding``: a new finding, or ``count`` + 1 and a new ``updatedAt``
when the same regression happens again on the same bucket. Checks run on a timer and on
demand (``POST /_local/posture/check``); the timer thread starts with the server and is
joined when it stops.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from macie_notify.local.control import json_reply, read_json
from macie_notify.local.macie2.samples import SCORES
from macie_notify.local.macie2.shapes import now_iso

__all__ = ["Posture", "PostureChecker", "install", "read_posture"]

ENCRYPTION_DISABLED = "Policy:IAMUser/S3BucketEncryptionDisabled"
BLOCK_PUBLIC_ACCESS_DISABLED = "Policy:IAMUser/S3BlockPublicAccessDisabled"
BUCKET_PUBLIC = "Policy:IAMUser/S3BucketPublic"
SHARED_EXTERNALLY = "Policy:IAMUser/S3BucketSharedExternally"
_PUBLIC_GROUPS = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)
_FINDINGS = {
    ENCRYPTION_DISABLED: (
        "Low",
        "Encryption is disabled for the S3 bucket",
        "Default encryption was removed from the bucket.",
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
}


@dataclass(frozen=True)
class Posture:
    """What matters about one bucket's security, as of one check."""

    encryption: str  # NONE | AES256 | aws:kms | aws:kms:dsse
    kms_key: str | None
    block_public_access: dict[str, bool]
    public: bool
    shared_externally: bool

    @property
    def blocks_nothing(self) -> bool:
        return not any(self.block_public_access.values())


def regressions(before: Posture, after: Posture) -> list[str]:
    """The finding types a change from ``before`` to ``after`` raises."""
    out = []
    kms = ("aws:kms", "aws:kms:dsse")
    if (before.encryption != "NONE" and after.encryption == "NONE") or (
        before.encryption in kms and after.encryption == "AES256"
    ):
        out.append(ENCRYPTION_DISABLED)
    if after.blocks_nothing and not before.blocks_nothing:
        out.append(BLOCK_PUBLIC_ACCESS_DISABLED)
    if after.public and not before.public:
        out.append(BUCKET_PUBLIC)
    if after.shared_externally and not before.shared_externally:
        out.append(SHARED_EXTERNALLY)
    return out


# --- reading a bucket through the S3 API ---------------------------------------------------


def _error_code(exc: Exception) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


def _encryption(client: Any, bucket: str) -> tuple[str, str | None]:
    try:
        config = client.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
    except client.exceptions.ClientError as exc:
        if _error_code(exc) == "ServerSideEncryptionConfigurationNotFoundError":
            return "NONE", None
        raise
    default = config["Rules"][0].get("ApplyServerSideEncryptionByDefault") or {}
    return str(default.get("SSEAlgorithm", "AES256")), default.get("KMSMasterKeyID")


def _public_access_block(client: Any, bucket: str) -> dict[str, bool]:
    try:
        config = client.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    except client.exceptions.ClientError as exc:
        if _error_code(exc) == "NoSuchPublicAccessBlockConfiguration":
            return {}
        raise
    return {k: bool(v) for k, v in config.items()}


def _policy_statements(client: Any, bucket: str) -> list[dict[str, Any]]:
    try:
        text = client.get_bucket_policy(Bucket=bucket)["Policy"]
    except client.exceptions.ClientError as exc:
        if _error_code(exc) == "NoSuchBucketPolicy":
            return []
        raise
    statements = json.loads(text).get("Statement") or []
    return [s for s in (statements if isinstance(statements, list) else [statements])]


def _principals(statement: Mapping[str, Any]) -> list[str]:
    principal = statement.get("Principal")
    if principal == "*":
        return ["*"]
    if not isinstance(principal, Mapping):
        return []
    values = principal.get("AWS", [])
    return [str(v) for v in (values if isinstance(values, list) else [values])]


def _grants(
    statements: Iterable[Mapping[str, Any]], acl: Mapping[str, Any], account: str
) -> tuple[bool, bool]:
    """(public, shared with another account) from the bucket policy and ACL."""
    public = shared = False
    for statement in statements:
        if statement.get("Effect") != "Allow":
            continue
        for principal in _principals(statement):
            # A "*" principal narrowed by a condition (e.g. aws:SourceVpc) is not public.
            if principal in ("*", "arn:aws:iam::*:root") and not statement.get("Condition"):
                public = True
            elif principal != "*" and account not in principal:
                shared = True
    owner = (acl.get("Owner") or {}).get("ID")
    for grant in acl.get("Grants") or []:
        grantee = grant.get("Grantee") or {}
        if grantee.get("URI") in _PUBLIC_GROUPS:
            public = True
        elif grantee.get("Type") == "CanonicalUser" and grantee.get("ID") not in (None, owner):
            shared = True
    return public, shared


def read_posture(client: Any, bucket: str, account_id: str) -> Posture:
    encryption, key = _encryption(client, bucket)
    blocks = _public_access_block(client, bucket)
    public, shared = _grants(
        _policy_statements(client, bucket), client.get_bucket_acl(Bucket=bucket), account_id
    )
    if blocks.get("BlockPublicPolicy") and blocks.get("RestrictPublicBuckets"):
        public = False  # S3 refuses or ignores public policies under these settings
    return Posture(encryption, key, blocks, public, shared)


# --- the checker ---------------------------------------------------------------------------


class PostureChecker:
    """Compares every bucket of every enabled account with what it saw last time."""

    def __init__(
        self,
        backends: Any,
        s3_client: Callable[[str, str], Any],
        interval_s: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.backends = backends
        self._s3_client = s3_client
        self.interval_s = interval_s
        self._clock = clock
        self._seen: dict[tuple[str, str, str], Posture] = {}
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
            self._seen.clear()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.check()
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
            location = client.get_bucket_location(Bucket=name).get("LocationConstraint")
            if (location or "us-east-1") != backend.region:
                continue
            key = (backend.account_id, backend.region, name)
            now = read_posture(client, name, backend.account_id)
            before = self._seen.get(key)
            self._seen[key] = now
            if before is None:
                continue
            for kind in regressions(before, now):
                doc = policy_finding(kind, name, now, backend.account_id)
                with backend.transaction():
                    recorded.append(backend.record_policy_finding(doc))
        return recorded


def policy_finding(kind: str, bucket: str, posture: Posture, account_id: str) -> dict[str, Any]:
    severity, title, description, api = _FINDINGS[kind]
    stamp = now_iso()
    blocks = {
        "blockPublicAcls": posture.block_public_access.get("BlockPublicAcls", False),
        "blockPublicPolicy": posture.block_public_access.get("BlockPublicPolicy", False),
        "ignorePublicAcls": posture.block_public_access.get("IgnorePublicAcls", False),
        "restrictPublicBuckets": posture.block_public_access.get("RestrictPublicBuckets", False),
    }
    return {
        "category": "POLICY",
        "type": kind,
        "title": title,
        "description": f"{description} Bucket: {bucket}.",
        "severity": {
            "description": severity,
            "score": SCORES[severity],
        },
        "count": 1,
        "policyDetails": {
            "action": {
                "actionType": "AWS_API_CALL",
                "apiCallDetails": {
                    "api": api,
                    "apiServiceName": "s3.amazonaws.com",
                    "firstSeen": stamp,
                    "lastSeen": stamp,
                },
            },
            "actor": {
                "userIdentity": {
                    "type": "Root",
                    "root": {"accountId": account_id, "principalId": account_id},
                }
            },
        },
        "resourcesAffected": {
            "s3Bucket": {
                "allowsUnencryptedObjectUploads": "TRUE"
                if posture.encryption == "NONE"
                else "FALSE",
                "arn": f"arn:aws:s3:::{bucket}",
                "defaultServerSideEncryption": {
                    "encryptionType": posture.encryption,
                    "kmsMasterKeyId": posture.kms_key,
                },
                "name": bucket,
                "publicAccess": {
                    "effectivePermission": "PUBLIC" if posture.public else "NOT_PUBLIC",
                    "permissionConfiguration": {
                        "bucketLevelPermissions": {
                            "blockPublicAccess": blocks,
                            "accessControlList": {
                                "allowsPublicReadAccess": posture.public,
                                "allowsPublicWriteAccess": False,
                            },
                            "bucketPolicy": {
                                "allowsPublicReadAccess": posture.public,
                                "allowsPublicWriteAccess": False,
                            },
                        }
                    },
                },
            }
        },
    }


class PostureControl:
    """``/_local/posture``: ``POST check`` runs a check now; ``GET/PUT interval``."""

    def __init__(self, checker: PostureChecker) -> None:
        self.checker = checker

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        path = str(environ.get("PATH_INFO", "")).strip("/")
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        status = 200
        payload: dict[str, Any] = {}
        if (method, path) == ("POST", "check"):
            found = self.checker.check()
            payload = {
                "findings": [{"id": f["id"], "type": f["type"], "count": f["count"]} for f in found]
            }
        elif path == "interval" and method in ("PUT", "POST"):
            body = read_json(environ)
            self.checker.interval_s = max(1.0, float(body.get("seconds", self.checker.interval_s)))
            payload = {"seconds": self.checker.interval_s}
        elif (method, path) == ("GET", "interval"):
            payload = {"seconds": self.checker.interval_s}
        else:
            status, payload = 404, {"error": f"no posture control {method} /{path}"}
        return json_reply(start_response, status, payload)


def install(server: Any) -> None:
    """LocalServer extension: posture checks on a timer and at ``/_local/posture/check``."""

    def s3_client(account_id: str, region: str) -> Any:
        return server.client("s3", region)

    checker = PostureChecker(server.macie2_backends, s3_client)
    server.register_local_app("posture", PostureControl(checker))
    server.app.control.reset_hooks.append(checker.reset)
    server.on_start.append(checker.start)
    server.on_stop.append(checker.stop)
    server.posture = checker
