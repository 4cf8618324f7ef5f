"""Which S3 call raises which policy finding (pure)."""

from __future__ import annotations

import pytest

from macie_notify.local.macie2.posture import (
    BLOCK_PUBLIC_ACCESS_DISABLED,
    BUCKET_PUBLIC,
    ENCRYPTION_DISABLED,
    REPLICATED_EXTERNALLY,
    S3_DEFAULTS,
    SHARED_EXTERNALLY,
    SHARED_WITH_CLOUDFRONT,
    Posture,
)
from macie_notify.local.macie2.s3_calls import decide, s3_operation

OFF = dict.fromkeys(
    ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), False
)
KMS = Posture("aws:kms", "key")


@pytest.mark.parametrize(
    ("method", "path", "query", "host", "expected"),
    [
        ("PUT", "/b1", "", "localhost:5000", ("CreateBucket", "b1")),
        ("DELETE", "/b1", "", "localhost:5000", ("DeleteBucket", "b1")),
        ("PUT", "/b1", "policy", "127.0.0.1:5000", ("PutBucketPolicy", "b1")),
        ("DELETE", "/b1/", "encryption=", "localhost", ("DeleteBucketEncryption", "b1")),
        ("PUT", "/b1", "publicAccessBlock", "localhost", ("PutPublicAccessBlock", "b1")),
        ("DELETE", "/b1", "publicAccessBlock", "localhost", ("DeletePublicAccessBlock", "b1")),
        ("PUT", "/b1", "acl", "localhost", ("PutBucketAcl", "b1")),
        ("PUT", "/b1", "replication", "localhost", ("PutBucketReplication", "b1")),
        ("PUT", "/", "policy", "b2.localhost:5000", ("PutBucketPolicy", "b2")),
        ("PUT", "/b1/key.txt", "", "localhost", None),  # PutObject
        ("PUT", "/b1/key.txt", "acl", "localhost", None),  # PutObjectAcl
        ("PUT", "/b1", "tagging", "localhost", None),
        ("GET", "/b1", "policy", "localhost", None),
        ("GET", "/", "", "localhost", None),
    ],
)
def test_s3_operation(
    method: str, path: str, query: str, host: str, expected: tuple[str, str] | None
) -> None:
    assert s3_operation(method, path, query, host) == expected


@pytest.mark.parametrize(
    ("before", "after", "operation", "expected"),
    [
        # DeleteBucketEncryption resets to S3's default: reported even from SSE-S3.
        (S3_DEFAULTS, S3_DEFAULTS, "DeleteBucketEncryption", [ENCRYPTION_DISABLED]),
        (KMS, S3_DEFAULTS, "DeleteBucketEncryption", [ENCRYPTION_DISABLED]),
        (KMS, S3_DEFAULTS, "PutBucketEncryption", [ENCRYPTION_DISABLED]),
        (S3_DEFAULTS, KMS, "PutBucketEncryption", []),
        (
            S3_DEFAULTS,
            Posture(block_public_access={}),
            "DeletePublicAccessBlock",
            [BLOCK_PUBLIC_ACCESS_DISABLED],
        ),
        (
            S3_DEFAULTS,
            Posture(block_public_access=OFF),
            "PutPublicAccessBlock",
            [BLOCK_PUBLIC_ACCESS_DISABLED],
        ),
        (
            Posture(block_public_access={**OFF, "RestrictPublicBuckets": True}, policy_read=True),
            Posture(block_public_access=OFF, policy_read=True),
            "PutPublicAccessBlock",
            [BLOCK_PUBLIC_ACCESS_DISABLED, BUCKET_PUBLIC],
        ),
        (
            Posture(block_public_access=OFF),
            Posture(block_public_access=OFF, policy_read=True),
            "PutBucketPolicy",
            [BUCKET_PUBLIC],
        ),
        (
            Posture(block_public_access=OFF),
            Posture(block_public_access=OFF, acl_write=True),
            "PutBucketAcl",
            [BUCKET_PUBLIC],
        ),
        (S3_DEFAULTS, Posture(shared_externally=True), "PutBucketPolicy", [SHARED_EXTERNALLY]),
        (S3_DEFAULTS, Posture(shared_externally=True), "PutBucketAcl", [SHARED_EXTERNALLY]),
        (S3_DEFAULTS, Posture(cloudfront=True), "PutBucketPolicy", [SHARED_WITH_CLOUDFRONT]),
        (
            S3_DEFAULTS,
            Posture(replicated_externally=True),
            "PutBucketReplication",
            [REPLICATED_EXTERNALLY],
        ),
        # A call never raises a finding about a setting it does not change.
        (S3_DEFAULTS, Posture(replicated_externally=True), "PutBucketPolicy", []),
        (S3_DEFAULTS, Posture(shared_externally=True), "DeleteBucketPolicy", []),
        (S3_DEFAULTS, Posture(block_public_access=OFF), "PutBucketPolicy", []),
    ],
)
def test_decide(before: Posture, after: Posture, operation: str, expected: list[str]) -> None:
    assert decide(before, after, operation) == expected
