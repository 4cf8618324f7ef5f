"""Bucket posture: regressions, policy and ACL grants, the S3Bucket shape (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from macie_notify.local.macie2.posture import (
    BLOCK_PUBLIC_ACCESS_DISABLED,
    BUCKET_PUBLIC,
    ENCRYPTION_DISABLED,
    REPLICATED_EXTERNALLY,
    S3_DEFAULTS,
    SHARED_EXTERNALLY,
    SHARED_WITH_CLOUDFRONT,
    PolicyGrants,
    Posture,
    acl_grants,
    carried,
    policy_grants,
    regressions,
    s3_bucket,
)

ACCOUNT = "123456789012"
ON = dict.fromkeys(
    ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True
)
OFF = dict.fromkeys(ON, False)
SECURE = Posture("aws:kms", "key", ON)


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (SECURE, []),
        (Posture("AES256", None, ON), [ENCRYPTION_DISABLED]),  # KMS -> SSE-S3
        (Posture("aws:kms", "key", OFF), [BLOCK_PUBLIC_ACCESS_DISABLED]),
        (Posture("aws:kms", "key", {}), [BLOCK_PUBLIC_ACCESS_DISABLED]),
        (Posture("aws:kms", "key", {**ON, "BlockPublicAcls": False}), []),
        # A public policy under RestrictPublicBuckets is not effective: no finding.
        (Posture("aws:kms", "key", ON, policy_read=True), []),
        (
            Posture("aws:kms", "key", OFF, policy_read=True),
            [BLOCK_PUBLIC_ACCESS_DISABLED, BUCKET_PUBLIC],
        ),
        (
            Posture("aws:kms", "key", {**ON, "IgnorePublicAcls": False}, acl_write=True),
            [BUCKET_PUBLIC],
        ),
        (Posture("aws:kms", "key", ON, shared_externally=True), [SHARED_EXTERNALLY]),
        (Posture("aws:kms", "key", ON, cloudfront=True), [SHARED_WITH_CLOUDFRONT]),
        (Posture("aws:kms", "key", ON, replicated_externally=True), [REPLICATED_EXTERNALLY]),
    ],
)
def test_regressions(after: Posture, expected: list[str]) -> None:
    assert regressions(SECURE, after) == expected


def test_no_regression_when_already_weak_or_strengthened() -> None:
    weak = Posture("AES256", None, OFF, True, True, True, True, True, True, True)
    assert regressions(weak, weak) == []
    assert regressions(Posture("AES256", None, ON), SECURE) == []
    assert regressions(S3_DEFAULTS, S3_DEFAULTS) == []


def test_s3_defaults_are_sse_s3_and_everything_blocked() -> None:
    assert S3_DEFAULTS.encryption == "AES256"
    assert dict(S3_DEFAULTS.block_public_access) == ON
    assert not S3_DEFAULTS.public


def test_missing_block_configuration_keeps_what_was_known() -> None:
    read = Posture("AES256", None, {}, policy_read=True)
    assert carried(S3_DEFAULTS, read).block_public_access == ON
    assert not carried(S3_DEFAULTS, read).public
    assert carried(None, read) is read
    explicit = Posture("AES256", None, OFF)
    assert carried(S3_DEFAULTS, explicit) is explicit


def stmt(principal: Any, action: Any = "s3:GetObject", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": principal, "Action": action, **extra}


@pytest.mark.parametrize(
    ("statements", "expected"),
    [
        ([], PolicyGrants()),
        ([stmt("*")], PolicyGrants(public_read=True)),
        ([stmt({"AWS": "*"}, "s3:PutObject")], PolicyGrants(public_write=True)),
        ([stmt("*", "s3:*")], PolicyGrants(public_read=True, public_write=True)),
        ([stmt("*", Condition={"StringEquals": {"aws:SourceVpc": "vpc-1"}})], PolicyGrants()),
        ([stmt({"AWS": "arn:aws:iam::999999999999:root"})], PolicyGrants(shared=True)),
        ([stmt({"AWS": [f"arn:aws:iam::{ACCOUNT}:role/x"]})], PolicyGrants()),
        ([{**stmt("*"), "Effect": "Deny"}], PolicyGrants()),
        (
            [
                stmt(
                    {
                        "AWS": "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity "
                        "E2EXAMPLE"
                    }
                )
            ],
            PolicyGrants(cloudfront=True),
        ),
        ([stmt({"Service": "cloudfront.amazonaws.com"})], PolicyGrants(cloudfront=True)),
        (
            [
                {
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:PutObject",
                    "Condition": {"Null": {"s3:x-amz-server-side-encryption": "true"}},
                }
            ],
            PolicyGrants(requires_encryption=True),
        ),
    ],
)
def test_policy_grants(statements: list[dict[str, Any]], expected: PolicyGrants) -> None:
    assert policy_grants(statements, ACCOUNT) == expected


ALL_USERS = {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}


@pytest.mark.parametrize(
    ("grants", "expected"),
    [
        ([], (False, False, False)),
        ([{"Grantee": ALL_USERS, "Permission": "READ"}], (True, False, False)),
        ([{"Grantee": ALL_USERS, "Permission": "WRITE"}], (False, True, False)),
        ([{"Grantee": ALL_USERS, "Permission": "FULL_CONTROL"}], (True, True, False)),
        (
            [{"Grantee": {"Type": "CanonicalUser", "ID": "someone"}, "Permission": "READ"}],
            (False, False, True),
        ),
        ([{"Grantee": {"Type": "CanonicalUser", "ID": "me"}, "Permission": "READ"}], (False,) * 3),
    ],
)
def test_acl_grants(grants: list[dict[str, Any]], expected: tuple[bool, bool, bool]) -> None:
    assert acl_grants({"Owner": {"ID": "me"}, "Grants": grants}) == expected


def bucket(posture: Posture) -> dict[str, Any]:
    return s3_bucket("b", posture, created="2026-01-01T00:00:00.000Z", owner={"id": "o"}, tags=[])


def test_s3_bucket_flags_follow_the_posture() -> None:
    acl_only = bucket(Posture("AES256", None, OFF, acl_read=True))
    levels = acl_only["publicAccess"]["permissionConfiguration"]["bucketLevelPermissions"]
    assert acl_only["publicAccess"]["effectivePermission"] == "PUBLIC"
    assert levels["accessControlList"] == {
        "allowsPublicReadAccess": True,
        "allowsPublicWriteAccess": False,
    }
    assert levels["bucketPolicy"] == {
        "allowsPublicReadAccess": False,
        "allowsPublicWriteAccess": False,
    }
    policy_write = bucket(Posture("AES256", None, OFF, policy_write=True))
    levels = policy_write["publicAccess"]["permissionConfiguration"]["bucketLevelPermissions"]
    assert levels["bucketPolicy"]["allowsPublicWriteAccess"] is True
    assert levels["blockPublicAccess"] == dict.fromkeys(
        ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"),
        False,
    )


def test_s3_bucket_unencrypted_uploads_and_encryption() -> None:
    default = bucket(S3_DEFAULTS)
    assert default["allowsUnencryptedObjectUploads"] == "TRUE"  # no policy requires headers
    assert default["defaultServerSideEncryption"] == {
        "encryptionType": "AES256",
        "kmsMasterKeyId": None,
    }
    assert default["createdAt"] == "2026-01-01T00:00:00.000Z"
    assert default["publicAccess"]["effectivePermission"] == "NOT_PUBLIC"
    required = bucket(Posture("aws:kms", "k", ON, requires_encryption=True))
    assert required["allowsUnencryptedObjectUploads"] == "FALSE"
    assert required["defaultServerSideEncryption"]["kmsMasterKeyId"] == "k"
