"""Every operation of botocore's macie2 model, through boto3 over HTTP on the local endpoint.

None answers NotImplemented, and each raw response body is checked against the model's
output shape by a validator written here (member names, types, enums, ISO 8601 times), not
by the emulator's own serializer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import boto3
import botocore.session
import pytest

from macie_notify.local import LocalServer

pytestmark = pytest.mark.e2e

MODEL = botocore.session.get_session().get_service_model("macie2")
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
MEMBER = "222222222222"


def shape_errors(shape: Any, value: Any, path: str = "$") -> list[str]:
    """Differences between a JSON value and a botocore output shape."""
    if value is None:
        return []  # AWS sends some members as null
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{path}: not an object"]
        wire = {m.serialization.get("name", n): m for n, m in shape.members.items()}
        errors = [f"{path}.{k}: not in {shape.name}" for k in value if k not in wire]
        for key, item in value.items():
            if key in wire:
                errors += shape_errors(wire[key], item, f"{path}.{key}")
        return errors
    if kind == "list":
        if not isinstance(value, list):
            return [f"{path}: not a list"]
        items = enumerate(value)
        return [e for i, v in items for e in shape_errors(shape.member, v, f"{path}[{i}]")]
    if kind == "map":
        if not isinstance(value, dict):
            return [f"{path}: not a map"]
        return [e for k, v in value.items() for e in shape_errors(shape.value, v, f"{path}.{k}")]
    return scalar_errors(shape, value, path)


SCALARS: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "timestamp": lambda v: isinstance(v, str) and ISO.match(v) is not None,
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "long": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "double": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
}


def scalar_errors(shape: Any, value: Any, path: str) -> list[str]:
    check = SCALARS.get(shape.type_name)
    if check is not None and not check(value):
        return [f"{path}: {value!r} is not a valid {shape.type_name}"]
    if shape.type_name == "string" and shape.enum and value not in shape.enum:
        return [f"{path}: {value!r} not one of {shape.enum}"]
    return []


class Recorder:
    """Checks every raw macie2 response of a client against the operation's output shape."""

    def __init__(self) -> None:
        self.called: set[str] = set()
        self.problems: dict[str, list[str]] = {}

    def __call__(self, http_response: Any, parsed: Any, model: Any, **_: Any) -> None:
        name = model.name
        assert http_response.status_code != 501, f"{name} is not implemented"
        if http_response.status_code >= 300:
            return
        self.called.add(name)
        raw = http_response.content
        body = json.loads(raw) if raw.strip() else {}
        errors = shape_errors(model.output_shape, body) if model.output_shape else []
        if errors:
            self.problems[name] = errors


def clients(server: LocalServer) -> tuple[Any, Any, Any, Recorder]:
    kw = {"endpoint_url": server.endpoint_url, "region_name": "us-east-1"}
    admin = boto3.client(
        "macie2", aws_access_key_id="testing", aws_secret_access_key="testing", **kw
    )
    sts = boto3.client("sts", aws_access_key_id="testing", aws_secret_access_key="testing", **kw)
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{MEMBER}:role/member", RoleSessionName="m1")[
        "Credentials"
    ]
    member = boto3.client(
        "macie2",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        **kw,
    )
    s3 = boto3.client("s3", aws_access_key_id="testing", aws_secret_access_key="testing", **kw)
    recorder = Recorder()
    for c in (admin, member):
        c.meta.events.register("after-call.macie2", recorder)
    return admin, member, s3, recorder


def test_every_operation_answers_with_its_output_shape() -> None:
    with LocalServer(background=False) as server:
        admin, member, s3, recorder = clients(server)
        run_every_operation(admin, member, s3)
    missing = sorted(set(MODEL.operation_names) - recorder.called)
    assert missing == []
    assert recorder.problems == {}


def run_every_operation(m: Any, member: Any, s3: Any) -> None:
    s3.create_bucket(Bucket="walk-data")
    s3.create_bucket(Bucket="walk-results")
    s3.put_object(Bucket="walk-data", Key="allowed.txt", Body=b"Jane Roe\nJohn Doe\n")
    s3.put_object(Bucket="walk-data", Key="ssn.txt", Body=b"SSN: 078-05-1121 and 219-09-9999\n")
    m.enable_macie()
    m.get_macie_session()
    m.update_macie_session(findingPublishingFrequency="ONE_HOUR")
    m.put_findings_publication_configuration(
        securityHubConfiguration={
            "publishClassificationFindings": True,
            "publishPolicyFindings": True,
        }
    )
    m.get_findings_publication_configuration()
    m.list_managed_data_identifiers()
    cid = m.create_custom_data_identifier(name="emp", regex="EMP-[0-9]{6}")[
        "customDataIdentifierId"
    ]
    m.get_custom_data_identifier(id=cid)
    m.batch_get_custom_data_identifiers(ids=[cid, "nope"])
    m.list_custom_data_identifiers()
    m.test_custom_data_identifier(regex="EMP-[0-9]{6}", sampleText="EMP-123456")
    allow = m.create_allow_list(
        name="names",
        criteria={"s3WordsList": {"bucketName": "walk-data", "objectKey": "allowed.txt"}},
    )["id"]
    m.get_allow_list(id=allow)
    m.update_allow_list(
        id=allow,
        name="names",
        criteria={"s3WordsList": {"bucketName": "walk-data", "objectKey": "allowed.txt"}},
    )
    m.list_allow_lists()
    m.put_classification_export_configuration(
        configuration={
            "s3Destination": {
                "bucketName": "walk-results",
                "keyPrefix": "macie/",
                "kmsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/walk",
            }
        }
    )
    m.get_classification_export_configuration()
    job = m.create_classification_job(
        jobType="ONE_TIME",
        name="walk",
        allowListIds=[allow],
        customDataIdentifierIds=[cid],
        s3JobDefinition={
            "bucketDefinitions": [{"accountId": "123456789012", "buckets": ["walk-data"]}]
        },
    )["jobId"]
    m.describe_classification_job(jobId=job)
    m.list_classification_jobs()
    m.update_classification_job(jobId=job, jobStatus="CANCELLED")
    m.tag_resource(resourceArn=m.get_allow_list(id=allow)["arn"], tags={"team": "sec"})
    m.list_tags_for_resource(resourceArn=m.get_allow_list(id=allow)["arn"])
    m.untag_resource(resourceArn=m.get_allow_list(id=allow)["arn"], tagKeys=["team"])
    m.create_sample_findings()
    ids = m.list_findings()["findingIds"]
    m.get_findings(findingIds=ids)
    m.get_finding_statistics(groupBy="type")
    flt = m.create_findings_filter(
        action="NOOP", name="walk-filter", findingCriteria={"criterion": {}}
    )["id"]
    m.get_findings_filter(id=flt)
    m.update_findings_filter(id=flt, description="d")
    m.list_findings_filters()
    m.delete_findings_filter(id=flt)
    m.describe_buckets()
    m.get_bucket_statistics()
    m.search_resources()
    m.get_usage_statistics()
    m.get_usage_totals()
    m.update_reveal_configuration(
        configuration={"status": "ENABLED", "kmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/r"}
    )
    m.get_reveal_configuration()
    m.get_sensitive_data_occurrences_availability(findingId=ids[0])
    m.get_sensitive_data_occurrences(findingId=ids[0])
    m.update_automated_discovery_configuration(status="ENABLED")
    config = m.get_automated_discovery_configuration()
    m.list_automated_discovery_accounts()
    m.batch_update_automated_discovery_accounts(
        accounts=[{"accountId": "123456789012", "status": "ENABLED"}]
    )
    scope = config["classificationScopeId"]
    m.get_classification_scope(id=scope)
    m.update_classification_scope(
        id=scope, s3={"excludes": {"bucketNames": ["walk-results"], "operation": "ADD"}}
    )
    m.list_classification_scopes()
    template = config["sensitivityInspectionTemplateId"]
    m.get_sensitivity_inspection_template(id=template)
    m.update_sensitivity_inspection_template(id=template, description="walk")
    m.list_sensitivity_inspection_templates()
    arn = "arn:aws:s3:::walk-data"
    m.get_resource_profile(resourceArn=arn)
    m.update_resource_profile(resourceArn=arn, sensitivityScoreOverride=100)
    m.list_resource_profile_detections(resourceArn=arn)
    m.list_resource_profile_artifacts(resourceArn=arn)
    m.update_resource_profile_detections(
        resourceArn=arn, suppressDataIdentifiers=[{"id": "NAME", "type": "MANAGED"}]
    )
    # Organizations: 123456789012 is the delegated administrator, MEMBER joins by invitation.
    member.enable_macie()
    member.enable_organization_admin_account(adminAccountId="333333333333")
    member.list_organization_admin_accounts()
    member.disable_organization_admin_account(adminAccountId="333333333333")
    m.create_member(account={"accountId": MEMBER, "email": "member@example.com"})
    m.create_invitations(accountIds=[MEMBER])
    m.get_member(id=MEMBER)
    member.get_invitations_count()
    invitation = member.list_invitations()["invitations"][0]["invitationId"]
    member.accept_invitation(administratorAccountId="123456789012", invitationId=invitation)
    member.get_administrator_account()
    member.get_master_account()
    m.list_members()
    m.update_member_session(id=MEMBER, status="PAUSED")
    m.disassociate_member(id=MEMBER)
    m.delete_member(id=MEMBER)
    m.create_member(account={"accountId": MEMBER, "email": "member@example.com"})
    m.create_invitations(accountIds=[MEMBER])
    member.decline_invitations(accountIds=["123456789012"])
    m.create_invitations(accountIds=[MEMBER])
    member.delete_invitations(accountIds=["123456789012"])
    m.create_invitations(accountIds=[MEMBER])
    invitation = member.list_invitations()["invitations"][0]["invitationId"]
    member.accept_invitation(administratorAccountId="123456789012", invitationId=invitation)
    member.disassociate_from_administrator_account()
    m.create_invitations(accountIds=[MEMBER])
    invitation = member.list_invitations()["invitations"][0]["invitationId"]
    member.accept_invitation(masterAccount="123456789012", invitationId=invitation)
    member.disassociate_from_master_account()
    member.enable_organization_admin_account(adminAccountId="123456789012")
    m.describe_organization_configuration()
    m.update_organization_configuration(autoEnable=True)
    m.delete_allow_list(id=allow, ignoreJobChecks="true")
    m.delete_custom_data_identifier(id=cid)
    m.disable_macie()


def test_the_shape_validator_catches_mistakes() -> None:
    shape = MODEL.operation_model("GetMacieSession").output_shape
    good = {"createdAt": "2026-01-01T00:00:00.000Z", "status": "ENABLED"}
    assert shape_errors(shape, good) == []
    assert shape_errors(shape, {**good, "extra": 1}) == ["$.extra: not in GetMacieSessionResponse"]
    assert shape_errors(shape, {**good, "status": "ON"})[0].startswith("$.status: 'ON' not one")
    assert shape_errors(shape, {**good, "createdAt": 1767225600})[0].startswith("$.createdAt")
