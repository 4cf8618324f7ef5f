"""Policy findings from the S3 calls the endpoint answers: API, caller, baseline, shapes,
publication on the session's frequency, and null members an EventBridge pattern can match."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from macie_notify.local import LocalServer
from macie_notify.local.events.patterns import matches
from macie_notify.local.events.router import macie_event

pytestmark = pytest.mark.e2e

ACCOUNT = "123456789012"
OTHER = "999999999999"
PUBLIC_READ = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::BUCKET/*",
        }
    ],
}
KMS = {
    "Rules": [
        {
            "ApplyServerSideEncryptionByDefault": {
                "SSEAlgorithm": "aws:kms",
                "KMSMasterKeyID": "arn:aws:kms:us-east-1:123456789012:key/k1",
            }
        }
    ]
}


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        yield srv


@pytest.fixture
def published(server: LocalServer) -> Iterator[list[dict[str, Any]]]:
    server.reset()
    seen: list[dict[str, Any]] = []

    def listener(finding: dict[str, Any], account: str, region: str) -> None:
        seen.append(finding)

    server.macie2_backends.add_listener(listener)
    yield seen
    server.macie2_backends.remove_listener(listener)
    server.reset()


def client(server: LocalServer, service: str, key: str = "testing", secret: str = "t") -> Any:
    return boto3.client(
        service,
        endpoint_url=server.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
    )


def user_s3(server: LocalServer, name: str) -> Any:
    """An S3 client signed with a new IAM user's access key."""
    iam = client(server, "iam")
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return client(server, "s3", key["AccessKeyId"], key["SecretAccessKey"])


def findings(server: LocalServer) -> list[dict[str, Any]]:
    macie = client(server, "macie2")
    ids = macie.list_findings()["findingIds"]
    return macie.get_findings(findingIds=ids)["findings"] if ids else []


def by_type(server: LocalServer) -> dict[str, dict[str, Any]]:
    return {f["type"].rsplit("/", 1)[-1]: f for f in findings(server)}


def test_created_and_weakened_at_once_names_the_call_and_the_user(
    server: LocalServer, published: list[dict[str, Any]]
) -> None:
    client(server, "macie2").enable_macie()
    s3 = user_s3(server, "alice")
    s3.create_bucket(Bucket="weak-at-once")
    s3.delete_bucket_encryption(Bucket="weak-at-once")
    s3.delete_public_access_block(Bucket="weak-at-once")
    found = by_type(server)
    assert sorted(found) == ["S3BlockPublicAccessDisabled", "S3BucketEncryptionDisabled"]
    encryption = found["S3BucketEncryptionDisabled"]
    assert encryption["policyDetails"]["action"]["apiCallDetails"]["api"] == (
        "DeleteBucketEncryption"
    )
    assert (
        found["S3BlockPublicAccessDisabled"]["policyDetails"]["action"]["apiCallDetails"]["api"]
        == "DeletePublicAccessBlock"
    )
    identity = encryption["policyDetails"]["actor"]["userIdentity"]
    assert identity["type"] == "IAMUser"
    assert identity["iamUser"]["userName"] == "alice"
    assert identity["iamUser"]["arn"] == f"arn:aws:iam::{ACCOUNT}:user/alice"
    bucket = encryption["resourcesAffected"]["s3Bucket"]
    assert bucket["createdAt"] and bucket["owner"]["id"]
    assert bucket["tags"] == []
    assert bucket["defaultServerSideEncryption"] == {"encryptionType": "AES256"}  # null key
    assert encryption["resourcesAffected"].get("s3Object") is None
    assert [f["count"] for f in published] == [1, 1]  # new findings: published at once


def test_public_policy_after_unblocking_and_acl_flags(
    server: LocalServer, published: list[dict[str, Any]]
) -> None:
    client(server, "macie2").enable_macie()
    s3 = client(server, "s3")
    s3.create_bucket(Bucket="made-public")
    policy = json.dumps(PUBLIC_READ).replace("BUCKET", "made-public")
    # With S3's default block-public-access a public policy has no effect: no finding.
    s3.put_bucket_policy(Bucket="made-public", Policy=policy)
    assert "S3BucketPublic" not in by_type(server)
    s3.delete_public_access_block(Bucket="made-public")
    public = by_type(server)["S3BucketPublic"]
    assert public["policyDetails"]["action"]["apiCallDetails"]["api"] == "DeletePublicAccessBlock"
    access = public["resourcesAffected"]["s3Bucket"]["publicAccess"]
    assert access["effectivePermission"] == "PUBLIC"
    levels = access["permissionConfiguration"]["bucketLevelPermissions"]
    assert levels["bucketPolicy"] == {
        "allowsPublicReadAccess": True,
        "allowsPublicWriteAccess": False,
    }
    assert levels["accessControlList"] == {
        "allowsPublicReadAccess": False,
        "allowsPublicWriteAccess": False,
    }
    assert public["policyDetails"]["actor"]["userIdentity"]["type"] == "Root"

    s3.create_bucket(Bucket="acl-public")
    s3.put_public_access_block(
        Bucket="acl-public",
        PublicAccessBlockConfiguration=dict.fromkeys(
            ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"),
            False,
        ),
    )
    owner = s3.get_bucket_acl(Bucket="acl-public")["Owner"]
    everyone = {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}
    s3.put_bucket_acl(
        Bucket="acl-public",
        AccessControlPolicy={
            "Owner": owner,
            "Grants": [
                {"Grantee": everyone, "Permission": "READ"},
                {"Grantee": everyone, "Permission": "WRITE"},
            ],
        },
    )
    acl_finding = next(
        f
        for f in findings(server)
        if f["type"].endswith("S3BucketPublic")
        and f["resourcesAffected"]["s3Bucket"]["name"] == "acl-public"
    )
    assert acl_finding["policyDetails"]["action"]["apiCallDetails"]["api"] == "PutBucketAcl"
    levels = acl_finding["resourcesAffected"]["s3Bucket"]["publicAccess"][
        "permissionConfiguration"
    ]["bucketLevelPermissions"]
    assert levels["accessControlList"] == {
        "allowsPublicReadAccess": True,
        "allowsPublicWriteAccess": True,
    }
    assert levels["bucketPolicy"]["allowsPublicReadAccess"] is False


def test_kms_to_sse_s3_sharing_cloudfront_and_replication(
    server: LocalServer, published: list[dict[str, Any]]
) -> None:
    client(server, "macie2").enable_macie()
    s3 = client(server, "s3")
    s3.create_bucket(Bucket="shared-things")
    s3.put_bucket_encryption(Bucket="shared-things", ServerSideEncryptionConfiguration=KMS)
    sse_s3 = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}
    s3.put_bucket_encryption(Bucket="shared-things", ServerSideEncryptionConfiguration=sse_s3)
    statements = [
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::shared-things/*",
        },
        {
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::shared-things/*",
        },
    ]
    s3.put_bucket_policy(
        Bucket="shared-things",
        Policy=json.dumps({"Version": "2012-10-17", "Statement": statements}),
    )
    s3.put_bucket_versioning(Bucket="shared-things", VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_replication(
        Bucket="shared-things",
        ReplicationConfiguration={
            "Role": f"arn:aws:iam::{ACCOUNT}:role/replication",
            "Rules": [
                {
                    "ID": "to-other",
                    "Priority": 1,
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "DeleteMarkerReplication": {"Status": "Disabled"},
                    "Destination": {"Bucket": "arn:aws:s3:::elsewhere", "Account": OTHER},
                }
            ],
        },
    )
    apis = {
        t: f["policyDetails"]["action"]["apiCallDetails"]["api"] for t, f in by_type(server).items()
    }
    assert apis == {
        "S3BucketEncryptionDisabled": "PutBucketEncryption",
        "S3BucketSharedExternally": "PutBucketPolicy",
        "S3BucketSharedWithCloudFront": "PutBucketPolicy",
        "S3BucketReplicatedExternally": "PutBucketReplication",
    }


def test_bucket_created_while_paused_is_watched_once_resumed(
    server: LocalServer, published: list[dict[str, Any]]
) -> None:
    macie = client(server, "macie2")
    macie.enable_macie()
    macie.update_macie_session(status="PAUSED")
    s3 = client(server, "s3")
    s3.create_bucket(Bucket="made-while-paused")
    s3.delete_bucket_encryption(Bucket="made-while-paused")
    assert findings(server) == []  # a suspended Macie reports nothing
    macie.update_macie_session(status="ENABLED")
    s3.delete_public_access_block(Bucket="made-while-paused")
    assert list(by_type(server)) == ["S3BlockPublicAccessDisabled"]


def test_an_update_is_published_only_at_the_flush(
    server: LocalServer, published: list[dict[str, Any]]
) -> None:
    client(server, "macie2").enable_macie()
    s3 = client(server, "s3")
    s3.create_bucket(Bucket="repeated")
    s3.delete_bucket_encryption(Bucket="repeated")
    s3.delete_bucket_encryption(Bucket="repeated")
    (finding,) = findings(server)
    assert finding["count"] == 2
    assert [f["count"] for f in published] == [1]
    request = urllib.request.Request(
        f"{server.endpoint_url}/_local/findings/publish", method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as resp:
        assert json.loads(resp.read()) == {"published": 1}
    assert [(f["id"], f["count"]) for f in published] == [(finding["id"], 1), (finding["id"], 2)]


def test_null_members_match_an_eventbridge_null_pattern(
    server: LocalServer, published: list[dict[str, Any]]
) -> None:
    macie = client(server, "macie2")
    macie.enable_macie()
    s3 = client(server, "s3")
    s3.create_bucket(Bucket="null-pattern")
    s3.delete_bucket_encryption(Bucket="null-pattern")
    macie.create_sample_findings(findingTypes=["SensitiveData:S3Object/Personal"])
    pattern = {"detail": {"classificationDetails": [None]}}
    events = {f["category"]: macie_event(f, ACCOUNT, "us-east-1") for f in published}
    assert matches(pattern, events["POLICY"])
    assert not matches(pattern, events["CLASSIFICATION"])
    assert matches({"detail": {"policyDetails": [None]}}, events["CLASSIFICATION"])
    raw = urllib.request.Request(
        f"{server.endpoint_url}/_local/health", method="GET"
    )  # the endpoint is still healthy after every call above
    with urllib.request.urlopen(raw, timeout=30) as resp:
        assert resp.status == 200


def test_describe_buckets_reports_the_posture(
    server: LocalServer, published: list[dict[str, Any]]
) -> None:
    macie = client(server, "macie2")
    macie.enable_macie()
    s3 = client(server, "s3")
    s3.create_bucket(Bucket="meta-plain")
    s3.create_bucket(Bucket="meta-open")
    s3.put_bucket_encryption(Bucket="meta-open", ServerSideEncryptionConfiguration=KMS)
    s3.delete_public_access_block(Bucket="meta-open")
    statements = [
        *PUBLIC_READ["Statement"],
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::meta-open/*",
        },
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:PutObject",
            "Resource": "arn:aws:s3:::meta-open/*",
            "Condition": {"Null": {"s3:x-amz-server-side-encryption": "true"}},
        },
    ]
    policy = json.dumps({"Version": "2012-10-17", "Statement": statements})
    s3.put_bucket_policy(Bucket="meta-open", Policy=policy.replace("BUCKET", "meta-open"))
    buckets = {
        b["bucketName"]: b
        for b in macie.describe_buckets(criteria={"bucketName": {"prefix": "meta-"}})["buckets"]
    }
    plain, open_ = buckets["meta-plain"], buckets["meta-open"]
    assert plain["publicAccess"]["effectivePermission"] == "NOT_PUBLIC"
    assert (plain["sharedAccess"], plain["allowsUnencryptedObjectUploads"]) == (
        "NOT_SHARED",
        "TRUE",
    )
    assert plain["serverSideEncryption"] == {"type": "AES256"}
    assert open_["publicAccess"]["effectivePermission"] == "PUBLIC"
    levels = open_["publicAccess"]["permissionConfiguration"]["bucketLevelPermissions"]
    assert levels["bucketPolicy"]["allowsPublicReadAccess"] is True
    assert (open_["sharedAccess"], open_["allowsUnencryptedObjectUploads"]) == ("EXTERNAL", "FALSE")
    assert open_["serverSideEncryption"]["type"] == "aws:kms"
