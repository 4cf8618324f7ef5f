"""Findings over HTTP: samples, every FindingCriteria operator, sort, paging, statistics,
findings filters (suppression) and the publication hook."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import botocore.session
import pytest

from macie_notify.local import LocalServer

ACCOUNT = "123456789012"
ALL_TYPES = botocore.session.get_session().get_service_model("macie2").shape_for("FindingType").enum


def all_ids(macie: Any, **kwargs: Any) -> list[str]:
    pages = macie.get_paginator("list_findings").paginate(**kwargs)
    return [i for page in pages for i in page["findingIds"]]


def findings_by_type(macie: Any) -> dict[str, dict[str, Any]]:
    ids = all_ids(macie)
    found = []
    for start in range(0, len(ids), 50):
        found += macie.get_findings(findingIds=ids[start : start + 50])["findings"]
    return {f["type"]: f for f in found}


def test_sample_findings_cover_every_type(macie: Any) -> None:
    macie.create_sample_findings()
    by_type = findings_by_type(macie)
    assert sorted(by_type) == sorted(ALL_TYPES)
    for ftype, finding in by_type.items():
        assert finding["sample"] is True
        assert finding["archived"] is False
        assert finding["accountId"] == ACCOUNT
        assert (finding["region"], finding["partition"]) == ("us-east-1", "aws")
        assert finding["schemaVersion"] == "1.0"
        assert len(finding["id"]) == 32
        assert (
            finding["severity"]["score"]
            == {"Low": 1, "Medium": 2, "High": 3}[finding["severity"]["description"]]
        )
        assert isinstance(finding["createdAt"], datetime)
        assert finding["resourcesAffected"]["s3Bucket"]["name"]
        if ftype.startswith("Policy:"):
            assert finding["category"] == "POLICY"
            assert "classificationDetails" not in finding
            assert finding["policyDetails"]["action"]["actionType"] == "AWS_API_CALL"
        else:
            assert finding["category"] == "CLASSIFICATION"
            assert finding["count"] == 1
            result = finding["classificationDetails"]["result"]
            assert result["status"]["code"] == "COMPLETE"
            assert finding["resourcesAffected"]["s3Object"]["key"]


def test_sample_findings_for_requested_types(macie: Any, raw_macie: Any) -> None:
    macie.create_sample_findings(findingTypes=["Policy:IAMUser/S3BucketPublic"])
    assert list(findings_by_type(macie)) == ["Policy:IAMUser/S3BucketPublic"]
    with pytest.raises(raw_macie.exceptions.ValidationException):
        raw_macie.create_sample_findings(findingTypes=["Policy:Nope"])


def test_timestamps_are_iso8601_with_millis_on_the_wire(
    local_server: LocalServer, macie: Any
) -> None:
    macie.create_sample_findings(findingTypes=["SensitiveData:S3Object/Financial"])
    fid = all_ids(macie)[0]
    captured: dict[str, bytes] = {}

    def keep(http_response: Any, **_: Any) -> None:
        captured["body"] = http_response.content

    macie.meta.events.register("after-call.macie2.GetFindings", keep)
    macie.get_findings(findingIds=[fid])
    body = captured["body"].decode()
    assert '"createdAt":"' in body
    created = body.split('"createdAt":"', 1)[1].split('"', 1)[0]
    assert created.endswith("Z") and len(created) == len("2024-03-11T19:46:53.031Z")


@pytest.fixture
def loaded(local_server: LocalServer, macie: Any) -> Any:
    """300 synthetic findings loaded in-process, plus the 11 samples."""
    backend = local_server.macie2_backends.get(ACCOUNT, "us-east-1")
    with backend.transaction():
        backend.load_synthetic(300, seed=7)
    macie.create_sample_findings()
    return backend


def brute(backend: Any, predicate: Any) -> set[str]:
    return {fid for fid, doc in backend.findings.docs.items() if predicate(doc)}


def test_eq_neq_and_bool_fields(macie: Any, loaded: Any) -> None:
    got = set(
        all_ids(
            macie,
            findingCriteria={
                "criterion": {
                    "severity.description": {"eq": ["High"]},
                    "category": {"neq": ["POLICY"]},
                }
            },
        )
    )
    expected = brute(
        loaded,
        lambda d: d["severity"]["description"] == "High" and d["category"] != "POLICY",
    )
    assert got == expected and got
    samples = set(all_ids(macie, findingCriteria={"criterion": {"sample": {"eq": ["true"]}}}))
    assert len(samples) == 11


def test_nested_array_paths(macie: Any, loaded: Any) -> None:
    field = "classificationDetails.result.sensitiveData.detections.type"
    got = set(
        all_ids(macie, findingCriteria={"criterion": {field: {"eq": ["CREDIT_CARD_NUMBER"]}}})
    )

    def has_card(d: dict[str, Any]) -> bool:
        result = (d.get("classificationDetails") or {}).get("result") or {}
        return any(
            det["type"] == "CREDIT_CARD_NUMBER"
            for sd in result.get("sensitiveData") or []
            for det in sd["detections"]
        )

    assert got == brute(loaded, has_card) and got


def test_eq_exact_match(macie: Any, raw_macie: Any, loaded: Any) -> None:
    field = "classificationDetails.result.sensitiveData.category"
    only_personal = set(
        all_ids(
            macie,
            findingCriteria={"criterion": {field: {"eqExactMatch": ["PERSONAL_INFORMATION"]}}},
        )
    )
    types = {loaded.findings.docs[i]["type"] for i in only_personal}
    assert types == {"SensitiveData:S3Object/Personal"}
    with pytest.raises(raw_macie.exceptions.ValidationException):
        raw_macie.list_findings(findingCriteria={"criterion": {"type": {"eqExactMatch": ["x"]}}})
    with pytest.raises(raw_macie.exceptions.ValidationException):
        raw_macie.list_findings(
            findingCriteria={"criterion": {field: {"eqExactMatch": ["A"], "eq": ["B"]}}}
        )


def test_ranges_on_numbers_and_times(macie: Any, loaded: Any) -> None:
    docs = list(loaded.findings.docs.values())
    created = sorted(d["createdAt"] for d in docs)
    pivot = created[len(created) // 2]
    millis = int(datetime.fromisoformat(pivot.replace("Z", "+00:00")).timestamp() * 1000)
    got = set(all_ids(macie, findingCriteria={"criterion": {"createdAt": {"gte": millis}}}))
    assert got == brute(loaded, lambda d: d["createdAt"] >= pivot)
    got = set(all_ids(macie, findingCriteria={"criterion": {"createdAt": {"lt": millis}}}))
    assert got == brute(loaded, lambda d: d["createdAt"] < pivot)
    got = set(
        all_ids(macie, findingCriteria={"criterion": {"severity.score": {"gt": 1, "lte": 2}}})
    )
    assert got == brute(loaded, lambda d: d["severity"]["score"] == 2) and got


def test_unknown_field_is_rejected(raw_macie: Any, loaded: Any) -> None:
    with pytest.raises(raw_macie.exceptions.ValidationException):
        raw_macie.list_findings(findingCriteria={"criterion": {"severity.level": {"eq": ["x"]}}})


@pytest.mark.parametrize("order", ["ASC", "DESC"])
def test_sort_criteria(macie: Any, loaded: Any, order: str) -> None:
    ids = all_ids(macie, sortCriteria={"attributeName": "createdAt", "orderBy": order})
    stamps = [loaded.findings.docs[i]["createdAt"] for i in ids]
    assert stamps == sorted(stamps, reverse=order == "DESC")
    assert len(ids) == len(loaded.findings)


def test_paging_and_tokens(macie: Any, raw_macie: Any, loaded: Any) -> None:
    first = macie.list_findings(maxResults=20)
    assert len(first["findingIds"]) == 20
    second = macie.list_findings(maxResults=20, nextToken=first["nextToken"])
    assert not set(first["findingIds"]) & set(second["findingIds"])
    assert len(all_ids(macie, PaginationConfig={"PageSize": 50})) == 311
    with pytest.raises(macie.exceptions.ValidationException):
        macie.list_findings(nextToken="garbage!!")
    with pytest.raises(macie.exceptions.ValidationException):
        macie.list_findings(
            nextToken=first["nextToken"],
            findingCriteria={"criterion": {"type": {"eq": ["x"]}}},
        )


def test_get_findings_limits_and_sort(macie: Any, raw_macie: Any, loaded: Any) -> None:
    ids = all_ids(macie)[:30]
    found = macie.get_findings(
        findingIds=[*ids, "0" * 32],
        sortCriteria={"attributeName": "severity.score", "orderBy": "DESC"},
    )["findings"]
    assert {f["id"] for f in found} == set(ids)
    scores = [f["severity"]["score"] for f in found]
    assert scores == sorted(scores, reverse=True)
    with pytest.raises(raw_macie.exceptions.ValidationException):
        raw_macie.get_findings(findingIds=[f"{n:032x}" for n in range(51)])


def test_statistics(macie: Any, loaded: Any) -> None:
    rows = macie.get_finding_statistics(groupBy="severity.description")["countsByGroup"]
    expected: dict[str, int] = {}
    for doc in loaded.findings.docs.values():
        key = doc["severity"]["description"]
        expected[key] = expected.get(key, 0) + 1
    assert {r["groupKey"]: r["count"] for r in rows} == expected
    counts = [r["count"] for r in rows]
    assert counts == sorted(counts, reverse=True)
    top = macie.get_finding_statistics(
        groupBy="resourcesAffected.s3Bucket.name",
        size=3,
        findingCriteria={"criterion": {"sample": {"eq": ["false"]}}},
        sortCriteria={"attributeName": "groupKey", "orderBy": "ASC"},
    )["countsByGroup"]
    assert [r["groupKey"] for r in top] == [
        "synthetic-bucket-00",
        "synthetic-bucket-01",
        "synthetic-bucket-02",
    ]


def test_archive_filter_suppresses_new_findings_only(macie: Any, local_server: LocalServer) -> None:
    published: list[dict[str, Any]] = []
    backends = local_server.macie2_backends

    def listener(finding: dict[str, Any], account: str, region: str) -> None:
        published.append(finding)

    backends.add_listener(listener)
    try:
        macie.create_sample_findings(findingTypes=["Policy:IAMUser/S3BucketEncryptionDisabled"])
        made = macie.create_findings_filter(
            action="ARCHIVE",
            name="hide-low",
            description="low severity is noise",
            findingCriteria={"criterion": {"severity.description": {"eq": ["Low"]}}},
            position=1,
            tags={"a": "b"},
        )
        macie.create_sample_findings(findingTypes=["Policy:IAMUser/S3BucketEncryptionDisabled"])
        macie.create_sample_findings(findingTypes=["Policy:IAMUser/S3BucketPublic"])
    finally:
        backends.remove_listener(listener)
    current = all_ids(macie, findingCriteria={"criterion": {"archived": {"eq": ["false"]}}})
    archived = all_ids(macie, findingCriteria={"criterion": {"archived": {"eq": ["true"]}}})
    # The rule leaves the Low finding made before it alone and archives the one made after.
    assert len(current) == 2 and len(archived) == 1
    assert len(all_ids(macie)) == 3  # ListFindings returns archived ones unless asked not to
    # Suppressed findings are never published: the first Low one (before the rule) and the High one.
    assert [p["type"] for p in published] == [
        "Policy:IAMUser/S3BucketEncryptionDisabled",
        "Policy:IAMUser/S3BucketPublic",
    ]
    got = macie.get_findings_filter(id=made["id"])
    assert (got["name"], got["action"], got["position"], got["tags"]) == (
        "hide-low",
        "ARCHIVE",
        1,
        {"a": "b"},
    )
    assert got["arn"] == made["arn"] and ":findings-filter/" in got["arn"]


def test_filter_crud_and_errors(macie: Any, raw_macie: Any) -> None:
    ids = [
        macie.create_findings_filter(
            action="NOOP", name=f"filter-{n}", findingCriteria={"criterion": {}}, position=n + 1
        )["id"]
        for n in range(3)
    ]
    listed = macie.list_findings_filters()["findingsFilterListItems"]
    assert [i["id"] for i in listed] == ids
    assert set(listed[0]) == {"action", "arn", "id", "name", "tags"}
    updated = macie.update_findings_filter(id=ids[0], name="renamed", action="ARCHIVE")
    assert updated["id"] == ids[0]
    assert macie.get_findings_filter(id=ids[0])["name"] == "renamed"
    macie.delete_findings_filter(id=ids[1])
    with pytest.raises(macie.exceptions.ResourceNotFoundException):
        macie.get_findings_filter(id=ids[1])
    with pytest.raises(macie.exceptions.ResourceNotFoundException):
        macie.update_findings_filter(id=ids[1], name="x-y-z")
    with pytest.raises(raw_macie.exceptions.ValidationException):
        raw_macie.create_findings_filter(
            action="NOOP", name="ab", findingCriteria={"criterion": {}}
        )
    with pytest.raises(raw_macie.exceptions.ValidationException):
        raw_macie.create_findings_filter(
            action="NOOP", name="abc", findingCriteria={"criterion": {"nope": {"eq": ["x"]}}}
        )
    with pytest.raises(raw_macie.exceptions.ValidationException):
        raw_macie.list_findings_filters(maxResults=26)
    pages = list(
        macie.get_paginator("list_findings_filters").paginate(PaginationConfig={"PageSize": 1})
    )
    assert len(pages) == 2


def test_python_api_for_part_two(local_server: LocalServer, macie: Any) -> None:
    backend = local_server.macie2_backends.get(ACCOUNT, "us-east-1")
    published: list[tuple[str, int]] = []
    local_server.macie2_backends.add_listener(
        lambda f, a, r: published.append((f["type"], f["count"]))
    )
    try:
        doc = {
            "type": "Policy:IAMUser/S3BucketPublic",
            "category": "POLICY",
            "severity": {"description": "High", "score": 3},
            "title": "t",
            "description": "d",
            "resourcesAffected": {"s3Bucket": {"arn": "arn:aws:s3:::b", "name": "b"}},
            "policyDetails": {
                "action": {"apiCallDetails": {"lastSeen": "2024-01-01T00:00:00.000Z"}}
            },
        }
        with backend.transaction():
            first = backend.findings.record_policy(doc)
        with backend.transaction():
            again = backend.findings.record_policy(doc)
        # The update waits for the publishing frequency (or the flush control).
        assert published == [("Policy:IAMUser/S3BucketPublic", 1)]
        assert local_server.macie2_backends.flush() == 1
    finally:
        local_server.macie2_backends.listeners.clear()
    assert first["id"] == again["id"] and again["count"] == 2
    assert published == [("Policy:IAMUser/S3BucketPublic", 1), ("Policy:IAMUser/S3BucketPublic", 2)]
    got = macie.get_findings(findingIds=[first["id"]])["findings"][0]
    assert got["count"] == 2 and got["updatedAt"] >= got["createdAt"]
    assert got["policyDetails"]["action"]["apiCallDetails"]["lastSeen"] > datetime(
        2024, 1, 2, tzinfo=timezone.utc
    )
