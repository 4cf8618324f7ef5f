"""Session calls, the "Macie is not enabled." gate and DisableMacie's wipe, over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

# A minimal valid call of each emulated operation that needs an enabled account.
GATED_CALLS: list[tuple[str, dict[str, Any]]] = [
    ("get_macie_session", {}),
    ("update_macie_session", {"status": "PAUSED"}),
    ("disable_macie", {}),
    ("get_findings_publication_configuration", {}),
    ("put_findings_publication_configuration", {}),
    ("create_custom_data_identifier", {"name": "n", "regex": "x+"}),
    ("get_custom_data_identifier", {"id": "a"}),
    ("list_custom_data_identifiers", {}),
    ("batch_get_custom_data_identifiers", {"ids": ["a"]}),
    ("delete_custom_data_identifier", {"id": "a"}),
    ("test_custom_data_identifier", {"regex": "x", "sampleText": "x"}),
    (
        "create_classification_job",
        {
            "jobType": "ONE_TIME",
            "name": "j",
            "s3JobDefinition": {"bucketDefinitions": [{"accountId": "1", "buckets": ["b"]}]},
        },
    ),
    ("describe_classification_job", {"jobId": "a"}),
    ("list_classification_jobs", {}),
    ("update_classification_job", {"jobId": "a", "jobStatus": "CANCELLED"}),
    ("list_findings", {}),
    ("get_findings", {"findingIds": ["a"]}),
    ("get_finding_statistics", {"groupBy": "type"}),
    ("create_sample_findings", {}),
    ("create_findings_filter", {"action": "NOOP", "name": "abc", "findingCriteria": {}}),
    ("get_findings_filter", {"id": "a"}),
    ("list_findings_filters", {}),
    ("update_findings_filter", {"id": "a"}),
    ("delete_findings_filter", {"id": "a"}),
    ("describe_buckets", {}),
    ("tag_resource", {"resourceArn": "arn:aws:macie2:us-east-1:1:x/y", "tags": {"a": "b"}}),
    ("untag_resource", {"resourceArn": "arn:aws:macie2:us-east-1:1:x/y", "tagKeys": ["a"]}),
    ("list_tags_for_resource", {"resourceArn": "arn:aws:macie2:us-east-1:1:x/y"}),
]


@pytest.mark.parametrize(("method", "kwargs"), GATED_CALLS, ids=[c[0] for c in GATED_CALLS])
def test_every_call_is_denied_before_enable(
    client: Any, method: str, kwargs: dict[str, Any]
) -> None:
    macie = client("macie2")
    with pytest.raises(macie.exceptions.AccessDeniedException) as info:
        getattr(macie, method)(**kwargs)
    assert info.value.response["Error"]["Message"] == "Macie is not enabled."
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_managed_identifiers_need_no_session(client: Any) -> None:
    macie = client("macie2")
    pages = macie.get_paginator("list_managed_data_identifiers").paginate()
    items = [i for page in pages for i in page["items"]]
    ids = {i["id"] for i in items}
    assert len(items) == len(ids) > 150
    assert {"id": "USA_SOCIAL_SECURITY_NUMBER", "category": "PERSONAL_INFORMATION"} in items
    assert "AWS_CREDENTIALS" in ids


def test_enable_get_update_disable(client: Any) -> None:
    macie = client("macie2", region="eu-west-1")
    assert (
        macie.enable_macie(findingPublishingFrequency="ONE_HOUR")["ResponseMetadata"][
            "HTTPStatusCode"
        ]
        == 200
    )
    session = macie.get_macie_session()
    assert session["status"] == "ENABLED"
    assert session["findingPublishingFrequency"] == "ONE_HOUR"
    assert session["serviceRole"].endswith("/AWSServiceRoleForAmazonMacie")
    assert session["createdAt"] == session["updatedAt"]

    macie.update_macie_session(status="PAUSED", findingPublishingFrequency="SIX_HOURS")
    session = macie.get_macie_session()
    assert (session["status"], session["findingPublishingFrequency"]) == ("PAUSED", "SIX_HOURS")

    with pytest.raises(macie.exceptions.ConflictException) as info:
        macie.enable_macie()
    assert info.value.response["Error"]["Message"] == "Macie has already been enabled"

    macie.disable_macie()
    with pytest.raises(macie.exceptions.AccessDeniedException):
        macie.get_macie_session()


def test_state_is_per_region_and_account(client: Any) -> None:
    client("macie2", region="eu-west-1").enable_macie()
    with pytest.raises(ClientError) as info:
        client("macie2", region="us-west-2").get_macie_session()
    assert info.value.response["Error"]["Code"] == "AccessDeniedException"
    other = client("macie2", region="eu-west-1")

    def as_other_account(request: Any, **_: Any) -> None:
        request.headers["x-moto-account-id"] = "111122223333"  # moto's per-request account

    other.meta.events.register("before-sign.macie2", as_other_account)
    with pytest.raises(other.exceptions.AccessDeniedException):
        other.get_macie_session()
    other.enable_macie()
    cdi = other.create_custom_data_identifier(name="n", regex="x+")["customDataIdentifierId"]
    assert ":111122223333:" in other.get_custom_data_identifier(id=cdi)["arn"]


def test_enable_with_same_client_token_is_idempotent(client: Any) -> None:
    macie = client("macie2")
    macie.enable_macie(clientToken="token-1")
    macie.enable_macie(clientToken="token-1")
    with pytest.raises(macie.exceptions.ConflictException):
        macie.enable_macie(clientToken="token-2")


def test_disable_wipes_everything(macie: Any) -> None:
    cdi = macie.create_custom_data_identifier(name="emp", regex="EMP-[0-9]{6}")
    macie.create_sample_findings()
    macie.create_findings_filter(action="NOOP", name="keep", findingCriteria={"criterion": {}})
    macie.create_classification_job(
        jobType="ONE_TIME",
        name="scan",
        s3JobDefinition={"bucketDefinitions": [{"accountId": "123456789012", "buckets": ["b"]}]},
    )
    macie.disable_macie()
    macie.enable_macie()
    assert macie.list_findings()["findingIds"] == []
    assert macie.list_classification_jobs()["items"] == []
    assert macie.list_custom_data_identifiers()["items"] == []
    assert macie.list_findings_filters()["findingsFilterListItems"] == []
    with pytest.raises(macie.exceptions.ResourceNotFoundException):
        macie.get_custom_data_identifier(id=cdi["customDataIdentifierId"])


def test_publication_configuration(macie: Any) -> None:
    assert macie.get_findings_publication_configuration()["securityHubConfiguration"] == {
        "publishClassificationFindings": False,
        "publishPolicyFindings": True,
    }
    macie.put_findings_publication_configuration(
        securityHubConfiguration={
            "publishClassificationFindings": True,
            "publishPolicyFindings": False,
        }
    )
    config = macie.get_findings_publication_configuration()["securityHubConfiguration"]
    assert config == {"publishClassificationFindings": True, "publishPolicyFindings": False}


def test_bad_enum_is_a_validation_exception(raw_macie: Any) -> None:
    with pytest.raises(raw_macie.exceptions.ValidationException) as info:
        raw_macie.enable_macie(findingPublishingFrequency="HOURLY")
    assert "findingPublishingFrequency" in info.value.response["Error"]["Message"]
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
