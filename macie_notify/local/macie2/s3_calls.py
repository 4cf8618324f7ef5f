"""Policy findings from the S3 calls the local endpoint answers.

Macie learns of a bucket's weakening from the call that made it (CloudTrail), so the
finding names that call (``apiCallDetails.api``) and its caller (``actor``). The local
endpoint sees every S3 request: :func:`s3_operation` names a request, :func:`decide` (pure)
says which finding a successful call raises given the bucket's posture before and after
it, and :class:`S3CallObserver` ties them to the server: after moto answers a bucket
configuration call with success it reads the bucket again and records the findings.

A bucket's baseline is taken when it is created through the endpoint, with S3's defaults
(SSE-S3 and every public access blocked), so a bucket created and weakened at once, or
while Macie was suspended, still raises its finding once Macie is enabled.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote

from macie_notify.local.macie2.posture import (
    BLOCK_PUBLIC_ACCESS_DISABLED,
    BUCKET_PUBLIC,
    ENCRYPTION_DISABLED,
    REPLICATED_EXTERNALLY,
    S3_DEFAULTS,
    SHARED_EXTERNALLY,
    SHARED_WITH_CLOUDFRONT,
    Posture,
    PostureBook,
    bucket_doc,
    carried,
    policy_finding,
    read_posture,
    regressions,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

__all__ = ["S3Call", "S3CallObserver", "actor_for", "decide", "s3_operation"]

log = logging.getLogger(__name__)

# (method, bucket subresource) -> S3 API operation; None = the bucket itself.
_OPERATIONS = {
    ("PUT", None): "CreateBucket",
    ("DELETE", None): "DeleteBucket",
    ("PUT", "encryption"): "PutBucketEncryption",
    ("DELETE", "encryption"): "DeleteBucketEncryption",
    ("PUT", "publicAccessBlock"): "PutPublicAccessBlock",
    ("DELETE", "publicAccessBlock"): "DeletePublicAccessBlock",
    ("PUT", "policy"): "PutBucketPolicy",
    ("DELETE", "policy"): "DeleteBucketPolicy",
    ("PUT", "acl"): "PutBucketAcl",
    ("PUT", "replication"): "PutBucketReplication",
    ("DELETE", "replication"): "DeleteBucketReplication",
}
# What each call can weaken (a call never raises a finding about another setting).
_CAUSES: dict[str, frozenset[str]] = {
    "PutBucketEncryption": frozenset({ENCRYPTION_DISABLED}),
    "DeleteBucketEncryption": frozenset({ENCRYPTION_DISABLED}),
    "PutPublicAccessBlock": frozenset({BLOCK_PUBLIC_ACCESS_DISABLED, BUCKET_PUBLIC}),
    "DeletePublicAccessBlock": frozenset({BLOCK_PUBLIC_ACCESS_DISABLED, BUCKET_PUBLIC}),
    "PutBucketPolicy": frozenset({BUCKET_PUBLIC, SHARED_EXTERNALLY, SHARED_WITH_CLOUDFRONT}),
    "PutBucketAcl": frozenset({BUCKET_PUBLIC, SHARED_EXTERNALLY}),
    "PutBucketReplication": frozenset({REPLICATED_EXTERNALLY}),
}
WATCHED = frozenset(_OPERATIONS.values())


@dataclass(frozen=True)
class S3Call:
    """One successful S3 call on a bucket, as the endpoint saw it."""

    operation: str
    bucket: str
    account_id: str
    region: str
    actor: Mapping[str, Any] = field(default_factory=dict)


def s3_operation(method: str, path: str, query: str, host: str = "") -> tuple[str, str] | None:
    """(operation, bucket) for a bucket-level S3 request this module watches, else None.

    Both addressing styles: ``/bucket?policy`` and ``bucket.<endpoint host>/?policy``.
    """
    params = parse_qs(query, keep_blank_values=True)
    parts = [p for p in path.split("/") if p]
    hostname = host.split(":", 1)[0]
    virtual = hostname.count(".") >= 1 and not hostname.replace(".", "").isdigit()
    if virtual and hostname.split(".", 1)[1] in ("localhost", "s3.localhost"):
        bucket, rest = hostname.split(".", 1)[0], parts
    elif parts:
        bucket, rest = unquote(parts[0]), parts[1:]
    else:
        return None
    if rest:
        return None  # an object request
    known = [k for k in params if (method.upper(), k) in _OPERATIONS]
    sub = known[0] if known else None
    if sub is None and params:
        return None  # another subresource (tagging, versioning, ...)
    operation = _OPERATIONS.get((method.upper(), sub))
    return (operation, bucket) if operation else None


def decide(before: Posture, after: Posture, operation: str) -> list[str]:
    """The policy finding types a successful ``operation`` raises (pure).

    DeleteBucketEncryption always does: it resets the bucket to S3's default encryption,
    which Macie reports even when the default was already SSE-S3.
    """
    causes = _CAUSES.get(operation, frozenset())
    found = [kind for kind in regressions(before, after) if kind in causes]
    if operation == "DeleteBucketEncryption" and ENCRYPTION_DISABLED not in found:
        found.insert(0, ENCRYPTION_DISABLED)
    return found


def actor_for(access_key: str, account_id: str) -> dict[str, Any]:
    """The ``policyDetails.actor`` of a call signed with ``access_key`` (moto's IAM and STS)."""
    from moto.iam.models import iam_backends
    from moto.sts.models import sts_backends

    identity: dict[str, Any] | None = None
    try:
        user = iam_backends[account_id]["global"].get_user_from_access_key_id(access_key)
    except Exception:  # an unknown account or key: fall through to the other kinds
        user = None
    if user is not None:
        identity = {
            "type": "IAMUser",
            "iamUser": {
                "accountId": account_id,
                "arn": user.arn,
                "principalId": user.id,
                "userName": user.name,
            },
        }
    else:
        try:
            role = sts_backends[account_id]["global"].get_assumed_role_from_access_key(access_key)
        except Exception:
            role = None
        if role is not None:
            identity = {
                "type": "AssumedRole",
                "assumedRole": {
                    "accessKeyId": access_key,
                    "accountId": account_id,
                    "arn": role.arn,
                    "principalId": role.user_id,
                    "sessionContext": None,
                },
            }
    if identity is None:
        identity = {
            "type": "Root",
            "root": {
                "accessKeyId": access_key,
                "accountId": account_id,
                "arn": f"arn:aws:iam::{account_id}:root",
                "principalId": account_id,
            },
        }
    return {"domainDetails": None, "ipAddressDetails": None, "userIdentity": identity}


class S3CallObserver:
    """Turns the endpoint's successful bucket calls into policy findings."""

    def __init__(
        self,
        backends: Any,
        s3_client: Callable[[str, str], S3Client],
        book: PostureBook,
    ) -> None:
        self.backends = backends
        self._s3_client = s3_client
        self.book = book

    def wrap(
        self,
        app: Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]],
        environ: dict[str, Any],
        start_response: Callable[..., Any],
        account_id: str,
        region: str,
        access_key: str,
    ) -> Iterable[bytes]:
        """Run ``app`` (moto) and observe the call once it answered with success."""
        found = s3_operation(
            str(environ.get("REQUEST_METHOD", "GET")),
            str(environ.get("PATH_INFO", "")),
            str(environ.get("QUERY_STRING", "")),
            str(environ.get("HTTP_HOST", "")),
        )
        if found is None:
            return app(environ, start_response)
        status: list[int] = []

        def capture(code: str, headers: Any, exc_info: Any = None) -> Any:
            status.append(int(code.split(" ", 1)[0]))
            return start_response(code, headers, exc_info)

        body = list(app(environ, capture))
        if status and 200 <= status[0] < 300:
            operation, bucket = found
            try:
                actor = actor_for(access_key, account_id)
                self.observe(S3Call(operation, bucket, account_id, region, actor))
            except Exception:  # observing must never break the S3 answer already made
                log.exception("policy finding for %s on %s failed", operation, bucket)
        return body

    def observe(self, call: S3Call) -> list[dict[str, Any]]:
        """Record the call's effect on the bucket; the findings it raised."""
        key = (call.account_id, call.region, call.bucket)
        if call.operation == "CreateBucket":
            self.book.swap(key, S3_DEFAULTS)
            return []
        if call.operation == "DeleteBucket":
            self.book.forget(key)
            return []
        client = self._s3_client(call.account_id, call.region)
        after = read_posture(client, call.bucket, call.account_id)
        if call.operation not in ("PutPublicAccessBlock", "DeletePublicAccessBlock"):
            after = carried(self.book.get(key), after)
        before = self.book.swap(key, after)
        backend = self.backends.get(call.account_id, call.region)
        session = backend.session
        if before is None or session is None or session.get("status") != "ENABLED":
            return []
        kinds = decide(before, after, call.operation)
        if not kinds:
            return []
        doc = bucket_doc(client, call.bucket, call.account_id, after)
        recorded = []
        with backend.transaction():
            for kind in kinds:
                finding = policy_finding(kind, doc, call.actor, api=call.operation)
                recorded.append(backend.findings.record_policy(finding))
        return recorded
