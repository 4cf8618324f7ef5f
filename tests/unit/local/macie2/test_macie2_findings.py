"""The findings object of a macie2 backend: sort, paging, publication, suppression, nulls."""

from __future__ import annotations

import json
from typing import Any

import pytest

from macie_notify.local.macie2.exceptions import ValidationException
from macie_notify.local.macie2.models import Macie2Backend, Macie2Backends
from macie_notify.local.macie2.paging import decode_cursor, encode_cursor
from macie_notify.local.macie2.sample_findings import sample_finding
from macie_notify.local.macie2.store import SORT_ATTRIBUTES, sort_key

ACCOUNT, REGION = "123456789012", "us-east-1"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def backend(clock: Clock | None = None, synthetic: int = 0) -> Macie2Backend:
    registry = Macie2Backends(clock=clock or Clock())
    made = registry.get(ACCOUNT, REGION)
    made.enable({})
    if synthetic:
        made.findings.load_synthetic(synthetic, seed=11)
    return made


def every_page(b: Macie2Backend, **params: Any) -> list[str]:
    ids: list[str] = []
    token = None
    while True:
        page, token = b.findings.page({**params, "maxResults": 7, "nextToken": token})
        ids += page
        if token is None:
            return ids


def expected_order(b: Macie2Backend, attribute: str, order: str) -> list[str]:
    # Written independently of the store: present values sorted, missing ones last by id.
    docs = b.findings.docs
    present = [(sort_key(d, attribute), fid) for fid, d in docs.items()]
    valued = sorted((p for p in present if p[0] is not None), reverse=order == "DESC")
    missing = sorted(fid for value, fid in present if value is None)
    return [fid for _, fid in valued] + missing


@pytest.mark.parametrize("attribute", SORT_ATTRIBUTES)
def test_every_sort_attribute_in_both_orders(attribute: str) -> None:
    b = backend(synthetic=60)
    for order in ("ASC", "DESC", "ASC"):  # the second ASC must not come from the DESC cache
        criteria = {"attributeName": attribute, "orderBy": order}
        assert every_page(b, sortCriteria=criteria) == expected_order(b, attribute, order)


def test_default_order_is_newest_update_first() -> None:
    b = backend(synthetic=30)
    assert every_page(b) == expected_order(b, "updatedAt", "DESC")


def test_last_page_has_no_token_and_a_full_page_does() -> None:
    b = backend(synthetic=10)
    page, token = b.findings.page({"maxResults": 10})
    assert len(page) == 10 and token is None
    page, token = b.findings.page({"maxResults": 9})
    assert len(page) == 9 and token is not None
    page, token = b.findings.page({"maxResults": 9, "nextToken": token})
    assert len(page) == 1 and token is None


def test_tokens_are_stable_under_inserts() -> None:
    b = backend(synthetic=20)
    first, token = b.findings.page({"maxResults": 5})
    # New findings sort first (newest updatedAt): an offset would repeat the first page.
    for doc in [sample_finding("SensitiveData:S3Object/Personal", ACCOUNT, REGION, "x")] * 5:
        b.findings.put({**doc, "createdAt": "2099-01-01T00:00:00.000Z"})
    second, _ = b.findings.page({"maxResults": 5, "nextToken": token})
    assert not set(first) & set(second)
    assert second == expected_order(b, "updatedAt", "DESC")[10:15]


def test_token_bound_to_its_query_and_not_forgeable() -> None:
    b = backend(synthetic=20)
    _, token = b.findings.page({"maxResults": 5})
    with pytest.raises(ValidationException):
        b.findings.page(
            {"maxResults": 5, "nextToken": token, "sortCriteria": {"attributeName": "type"}}
        )
    with pytest.raises(ValidationException):
        b.findings.page({"nextToken": "garbage!!"})
    assert decode_cursor(encode_cursor("q", [1, "a"]), "q") == [1, "a"]
    with pytest.raises(ValidationException):
        decode_cursor(encode_cursor("q", "not-a-pair"), "q")


def policy_doc(bucket: str = "b") -> dict[str, Any]:
    doc = sample_finding(
        "Policy:IAMUser/S3BucketPublic", ACCOUNT, REGION, "2026-01-01T00:00:00.000Z"
    )
    doc["resourcesAffected"]["s3Bucket"]["arn"] = f"arn:aws:s3:::{bucket}"
    return doc


def published(b: Macie2Backend) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    b.registry.add_listener(lambda f, a, r: seen.append(f))
    return seen


def test_policy_updates_wait_for_the_publishing_frequency() -> None:
    clock = Clock()
    b = backend(clock)
    seen = published(b)
    with b.transaction():
        first = b.findings.record_policy(policy_doc())
    assert [f["count"] for f in seen] == [1]  # a new finding goes out at once
    with b.transaction():
        b.findings.record_policy(policy_doc())
        b.findings.record_policy(policy_doc())
    assert [f["count"] for f in seen] == [1] and b.queued_updates == 1
    clock.now += 899
    assert b.registry.flush_due() == 0
    clock.now += 1  # FIFTEEN_MINUTES after the session began
    assert b.registry.flush_due() == 1
    assert [(f["id"], f["count"]) for f in seen] == [(first["id"], 1), (first["id"], 3)]
    assert b.registry.flush_due() == 0  # nothing queued


def test_publishing_frequency_follows_the_session_and_flush_forces() -> None:
    clock = Clock()
    b = backend(clock)
    b.update_session({"findingPublishingFrequency": "ONE_HOUR"})
    seen = published(b)
    with b.transaction():
        b.findings.record_policy(policy_doc())
        b.findings.record_policy(policy_doc())
    clock.now += 900
    assert b.registry.flush_due() == 0
    assert b.registry.flush() == 1
    assert [f["count"] for f in seen] == [1, 2]


def test_sensitive_findings_go_out_at_once() -> None:
    b = backend()
    seen = published(b)
    with b.transaction():
        b.findings.put(sample_finding("SensitiveData:S3Object/Financial", ACCOUNT, REGION, "t"))
    assert [f["category"] for f in seen] == ["CLASSIFICATION"]


def test_archive_rule_suppresses_new_and_updated_findings_only() -> None:
    b = backend()
    seen = published(b)
    with b.transaction():
        existing = b.findings.record_policy(policy_doc())
    b.create_filter(
        {
            "action": "ARCHIVE",
            "name": "hide-public",
            "findingCriteria": {"criterion": {"type": {"eq": ["Policy:IAMUser/S3BucketPublic"]}}},
        }
    )
    assert b.findings.docs[existing["id"]]["archived"] is False  # left as it was
    with b.transaction():
        other = b.findings.record_policy(policy_doc("other-bucket"))
        updated = b.findings.record_policy(policy_doc())
    assert other["archived"] is True and updated["archived"] is True
    assert b.registry.flush() == 0  # a suppressed update is not published either
    assert [f["id"] for f in seen] == [existing["id"]]


def test_null_members_are_kept_as_aws_sends_them() -> None:
    b = backend()
    with b.transaction():
        policy = b.findings.put(policy_doc())
        sensitive = b.findings.put(
            sample_finding("SensitiveData:S3Object/Personal", ACCOUNT, REGION, "t")
        )
    as_sent = json.loads(b.findings.store.json_text(policy["id"]))
    assert as_sent["classificationDetails"] is None
    assert as_sent["resourcesAffected"]["s3Object"] is None
    assert as_sent["resourcesAffected"]["s3Bucket"]["defaultServerSideEncryption"] == {
        "encryptionType": "AES256",
        "kmsMasterKeyId": None,
    }
    data = json.loads(b.findings.store.json_text(sensitive["id"]))
    assert data["policyDetails"] is None
    assert data["classificationDetails"]["result"]["status"] == {"code": "COMPLETE", "reason": None}
    assert data["resourcesAffected"]["s3Object"]["serverSideEncryption"]["kmsMasterKeyId"] is None


def test_sample_public_bucket_finding_says_public() -> None:
    doc = sample_finding("Policy:IAMUser/S3BucketPublic", ACCOUNT, REGION, "t")
    access = doc["resourcesAffected"]["s3Bucket"]["publicAccess"]
    assert access["effectivePermission"] == "PUBLIC"
    levels = access["permissionConfiguration"]["bucketLevelPermissions"]
    assert levels["bucketPolicy"]["allowsPublicReadAccess"] is True
    assert levels["blockPublicAccess"]["restrictPublicBuckets"] is False
    quiet = sample_finding("Policy:IAMUser/S3BucketEncryptionDisabled", ACCOUNT, REGION, "t")
    assert quiet["resourcesAffected"]["s3Bucket"]["publicAccess"]["effectivePermission"] == (
        "NOT_PUBLIC"
    )


def test_member_findings_also_reach_the_administrators_bus() -> None:
    registry = Macie2Backends(clock=Clock())
    admin, member = registry.get("111111111111", REGION), registry.get("222222222222", REGION)
    admin.enable({})
    member.enable({})
    seen: list[tuple[str, str]] = []
    registry.add_listener(lambda f, account, region: seen.append((f["accountId"], account)))
    org = registry.organization(REGION)
    org.enable_admin("999999999999", "111111111111")
    org.create_member("111111111111", REGION, {"accountId": "222222222222", "email": "m@x"}, None)
    with member.transaction():
        member.findings.put(
            sample_finding("SensitiveData:S3Object/Financial", ACCOUNT, REGION, "t")
        )
    with admin.transaction():
        admin.findings.put(policy_doc())
    assert seen == [
        ("222222222222", "222222222222"),
        ("222222222222", "111111111111"),
        ("111111111111", "111111111111"),
    ]
