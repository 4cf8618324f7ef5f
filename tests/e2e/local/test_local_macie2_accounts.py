"""Several accounts on one endpoint (the account comes from the caller's credentials):
invitations, a delegated administrator, and the administrator's view of members' findings.
The AWS CLI, unmodified, drives an allow list, an export configuration with a job writing
its results, and a delegated administrator listing a member's findings."""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from aws_cli import aws_cli, needs_aws_cli

from macie_notify.local import LocalServer

pytestmark = pytest.mark.e2e

ADMIN = "123456789012"
MEMBER = "222222222222"
MANAGEMENT = "444444444444"


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        yield srv


@pytest.fixture(autouse=True)
def _fresh(server: LocalServer) -> None:
    server.reset()


def credentials(server: LocalServer, account: str) -> dict[str, str]:
    """Credentials of a role in ``account`` (STS), as another account's caller has."""
    sts = server.client("sts")
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/ops", RoleSessionName="ops")[
        "Credentials"
    ]
    return {
        "aws_access_key_id": creds["AccessKeyId"],
        "aws_secret_access_key": creds["SecretAccessKey"],
        "aws_session_token": creds["SessionToken"],
    }


def macie_as(server: LocalServer, account: str) -> Any:
    return boto3.client(
        "macie2",
        endpoint_url=server.endpoint_url,
        region_name="us-east-1",
        **credentials(server, account),
    )


def test_invited_member_findings_are_the_administrators_too(server: LocalServer) -> None:
    admin, member = server.client("macie2"), macie_as(server, MEMBER)
    admin.enable_macie()
    member.enable_macie()
    member.create_sample_findings(findingTypes=["SensitiveData:S3Object/Financial"])
    admin.create_sample_findings(findingTypes=["Policy:IAMUser/S3BucketPublic"])
    assert len(admin.list_findings()["findingIds"]) == 1  # not a member yet

    admin.create_member(account={"accountId": MEMBER, "email": "m@example.com"})
    assert admin.get_member(id=MEMBER)["relationshipStatus"] == "Created"
    assert admin.create_invitations(accountIds=[MEMBER])["unprocessedAccounts"] == []
    assert member.get_invitations_count()["invitationsCount"] == 1
    (invitation,) = member.list_invitations()["invitations"]
    assert invitation["accountId"] == ADMIN
    member.accept_invitation(administratorAccountId=ADMIN, invitationId=invitation["invitationId"])
    assert member.get_administrator_account()["administrator"]["relationshipStatus"] == "Enabled"
    assert [m["accountId"] for m in admin.list_members()["members"]] == [MEMBER]

    ids = admin.list_findings()["findingIds"]
    got = admin.get_findings(findingIds=ids)["findings"]
    assert sorted(f["accountId"] for f in got) == [ADMIN, MEMBER]
    counts = admin.get_finding_statistics(groupBy="type")["countsByGroup"]
    assert sorted((c["groupKey"], c["count"]) for c in counts) == [
        ("Policy:IAMUser/S3BucketPublic", 1),
        ("SensitiveData:S3Object/Financial", 1),
    ]
    assert len(member.list_findings()["findingIds"]) == 1  # a member sees only its own

    admin.update_member_session(id=MEMBER, status="PAUSED")
    assert member.get_macie_session()["status"] == "PAUSED"
    member.disassociate_from_administrator_account()
    assert admin.get_member(id=MEMBER)["relationshipStatus"] == "Resigned"
    assert len(admin.list_findings()["findingIds"]) == 1
    assert member.get_administrator_account().get("administrator") is None


def test_paging_across_members_is_one_ordering(server: LocalServer) -> None:
    admin, member = server.client("macie2"), macie_as(server, MEMBER)
    admin.enable_macie()
    member.enable_macie()
    for client in (admin, member):
        client.create_sample_findings()
    manager = macie_as(server, MANAGEMENT)
    manager.enable_macie()
    manager.enable_organization_admin_account(adminAccountId=ADMIN)
    assert manager.list_organization_admin_accounts()["adminAccounts"] == [
        {"accountId": ADMIN, "status": "ENABLED"}
    ]
    admin.create_member(account={"accountId": MEMBER, "email": "m@example.com"})
    assert admin.get_member(id=MEMBER)["relationshipStatus"] == "Enabled"  # delegated: at once
    criteria = {"attributeName": "type", "orderBy": "DESC"}
    pages, token = [], None
    while True:
        kwargs = {"maxResults": 5, "sortCriteria": criteria}
        page = admin.list_findings(**kwargs, **({"nextToken": token} if token else {}))
        pages += page["findingIds"]
        token = page.get("nextToken")
        if not token:
            break
    everything = admin.get_findings(findingIds=pages[:50])["findings"]
    assert len(pages) == 22 and len(set(pages)) == 22
    types = [f["type"] for f in sorted(everything, key=lambda f: pages.index(f["id"]))]
    assert types == sorted(types, reverse=True)
    configuration = admin.describe_organization_configuration()
    assert (configuration["autoEnable"], configuration["maxAccountLimitReached"]) == (False, False)
    admin.update_organization_configuration(autoEnable=True)
    assert admin.describe_organization_configuration()["autoEnable"] is True
    with pytest.raises(member.exceptions.AccessDeniedException):
        member.describe_organization_configuration()


def aws(server: LocalServer, account: str | None, *args: str) -> Any:
    """The AWS CLI as the server's default account, or as a role's caller in ``account``."""
    if account is None:
        return aws_cli(server, *args)
    creds = credentials(server, account)
    keys = {
        "AWS_ACCESS_KEY_ID": creds["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": creds["aws_secret_access_key"],
        "AWS_SESSION_TOKEN": creds["aws_session_token"],
    }
    return aws_cli(server, *args, credentials=keys)


@needs_aws_cli
def test_aws_cli_allow_list_export_and_delegated_administrator(server: LocalServer) -> None:
    s3 = server.client("s3")
    s3.create_bucket(Bucket="cli-data")
    s3.create_bucket(Bucket="cli-results")
    s3.put_object(Bucket="cli-data", Key="people.txt", Body=b"SSN: 304-11-3823\nSSN: 142-31-1665\n")
    aws(server, None, "macie2", "enable-macie")
    allow = aws(
        server,
        None,
        "macie2",
        "create-allow-list",
        "--name",
        "test-ssns",
        "--criteria",
        json.dumps({"regex": "304-11-[0-9]{4}"}),
    )["id"]
    assert aws(server, None, "macie2", "get-allow-list", "--id", allow)["status"]["code"] == "OK"
    listed = aws(server, None, "macie2", "list-allow-lists")["allowLists"]
    assert [a["id"] for a in listed] == [allow]
    destination = {
        "s3Destination": {
            "bucketName": "cli-results",
            "keyPrefix": "exports/",
            "kmsKeyArn": f"arn:aws:kms:us-east-1:{ADMIN}:key/cli",
        }
    }
    aws(
        server,
        None,
        "macie2",
        "put-classification-export-configuration",
        "--configuration",
        json.dumps(destination),
    )
    got = aws(server, None, "macie2", "get-classification-export-configuration")
    assert got["configuration"] == destination
    job = aws(
        server,
        None,
        "macie2",
        "create-classification-job",
        "--job-type",
        "ONE_TIME",
        "--name",
        "cli-job",
        "--allow-list-ids",
        allow,
        "--s3-job-definition",
        json.dumps({"bucketDefinitions": [{"accountId": ADMIN, "buckets": ["cli-data"]}]}),
    )["jobId"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = aws(server, None, "macie2", "describe-classification-job", "--job-id", job)
        if status["jobStatus"] == "COMPLETE":
            break
        time.sleep(0.1)
    assert status["jobStatus"] == "COMPLETE"
    (key,) = [o["Key"] for o in s3.list_objects_v2(Bucket="cli-results")["Contents"]]
    assert key.startswith(f"exports/AWSLogs/{ADMIN}/Macie/us-east-1/{job}/")
    (record,) = [
        json.loads(line)
        for line in gzip.decompress(
            s3.get_object(Bucket="cli-results", Key=key)["Body"].read()
        ).splitlines()
    ]
    (data,) = record["classificationDetails"]["result"]["sensitiveData"]
    assert data["detections"][0]["count"] == 1  # the allow-listed number is not reported

    # The management account delegates administration; the admin adds the member and lists
    # the member's findings.
    aws(server, MANAGEMENT, "macie2", "enable-macie")
    aws(
        server,
        MANAGEMENT,
        "macie2",
        "enable-organization-admin-account",
        "--admin-account-id",
        ADMIN,
    )
    aws(
        server,
        None,
        "macie2",
        "create-member",
        "--account",
        json.dumps({"accountId": MEMBER, "email": "member@example.com"}),
    )
    aws(
        server,
        MEMBER,
        "macie2",
        "create-sample-findings",
        "--finding-types",
        "SensitiveData:S3Object/Credentials",
    )
    ids = aws(
        server,
        None,
        "macie2",
        "list-findings",
        "--finding-criteria",
        json.dumps({"criterion": {"accountId": {"eq": [MEMBER]}}}),
    )["findingIds"]
    found = aws(server, None, "macie2", "get-findings", "--finding-ids", *ids)["findings"]
    assert [(f["accountId"], f["type"]) for f in found] == [
        (MEMBER, "SensitiveData:S3Object/Credentials")
    ]


def test_each_account_sees_its_own_s3(server: LocalServer) -> None:
    creds = credentials(server, MEMBER)
    kw = {"endpoint_url": server.endpoint_url, "region_name": "us-east-1", **creds}
    s3, macie = boto3.client("s3", **kw), boto3.client("macie2", **kw)
    macie.enable_macie()
    s3.create_bucket(Bucket="member-owned")
    s3.put_object(Bucket="member-owned", Key="people.txt", Body=b"SSN: 304-11-3823\n")
    s3.delete_bucket_encryption(Bucket="member-owned")
    (policy,) = macie.get_findings(findingIds=macie.list_findings()["findingIds"])["findings"]
    identity = policy["policyDetails"]["actor"]["userIdentity"]
    assert identity["type"] == "AssumedRole"
    assert identity["assumedRole"]["accountId"] == MEMBER
    assert identity["assumedRole"]["arn"] == f"arn:aws:sts::{MEMBER}:assumed-role/ops/ops"
    default = server.client("macie2")
    default.enable_macie()
    assert default.list_findings()["findingIds"] == []  # not the default account's
    job = macie.create_classification_job(
        jobType="ONE_TIME",
        name="member-job",
        s3JobDefinition={"bucketDefinitions": [{"accountId": MEMBER, "buckets": ["member-owned"]}]},
    )["jobId"]
    deadline = time.monotonic() + 30
    while macie.describe_classification_job(jobId=job)["jobStatus"] != "COMPLETE":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert macie.describe_classification_job(jobId=job)["lastRunErrorStatus"] == {"code": "NONE"}
    types = {
        f["type"]
        for f in macie.get_findings(findingIds=macie.list_findings()["findingIds"])["findings"]
    }
    assert types == {"Policy:IAMUser/S3BucketEncryptionDisabled", "SensitiveData:S3Object/Personal"}
