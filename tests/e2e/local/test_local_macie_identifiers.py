"""Custom data identifiers over HTTP: CRUD, soft delete, Test, limits and tags."""

from __future__ import annotations

from typing import Any

import pytest


def test_create_get_list_batch_delete(macie: Any) -> None:
    cid = macie.create_custom_data_identifier(
        name="employee-id",
        description="Internal employee numbers",
        regex="EMP-[0-9]{6}",
        keywords=["employee", "emp id"],
        ignoreWords=["EMP-000000"],
        maximumMatchDistance=40,
        severityLevels=[
            {"occurrencesThreshold": 1, "severity": "LOW"},
            {"occurrencesThreshold": 20, "severity": "HIGH"},
        ],
        tags={"team": "devsec"},
    )["customDataIdentifierId"]
    got = macie.get_custom_data_identifier(id=cid)
    assert got["arn"] == f"arn:aws:macie2:us-east-1:123456789012:custom-data-identifier/{cid}"
    assert (got["name"], got["regex"], got["deleted"]) == ("employee-id", "EMP-[0-9]{6}", False)
    assert got["keywords"] == ["employee", "emp id"]
    assert got["maximumMatchDistance"] == 40
    assert got["tags"] == {"team": "devsec"}

    listed = macie.list_custom_data_identifiers()["items"]
    assert [i["id"] for i in listed] == [cid]
    assert set(listed[0]) == {"arn", "createdAt", "description", "id", "name"}

    batch = macie.batch_get_custom_data_identifiers(ids=[cid, "missing"])
    assert [c["id"] for c in batch["customDataIdentifiers"]] == [cid]
    assert batch["notFoundIdentifierIds"] == ["missing"]

    macie.delete_custom_data_identifier(id=cid)
    assert macie.get_custom_data_identifier(id=cid)["deleted"] is True
    assert macie.list_custom_data_identifiers()["items"] == []
    assert macie.batch_get_custom_data_identifiers(ids=[cid])["customDataIdentifiers"][0]["deleted"]


def test_defaults_without_severity_levels(macie: Any) -> None:
    cid = macie.create_custom_data_identifier(name="x", regex="X-[0-9]+")["customDataIdentifierId"]
    got = macie.get_custom_data_identifier(id=cid)
    assert got["maximumMatchDistance"] == 50
    assert got["severityLevels"] == [{"occurrencesThreshold": 1, "severity": "MEDIUM"}]


def test_client_token_makes_create_idempotent(macie: Any) -> None:
    first = macie.create_custom_data_identifier(name="x", regex="x+", clientToken="t-1")
    again = macie.create_custom_data_identifier(name="x", regex="x+", clientToken="t-1")
    assert first["customDataIdentifierId"] == again["customDataIdentifierId"]
    assert len(macie.list_custom_data_identifiers()["items"]) == 1


def test_list_paginates(macie: Any) -> None:
    made = {
        macie.create_custom_data_identifier(name=f"cdi-{n}", regex=f"Z{n}-[0-9]+")[
            "customDataIdentifierId"
        ]
        for n in range(7)
    }
    pages = macie.get_paginator("list_custom_data_identifiers").paginate(
        PaginationConfig={"PageSize": 3}
    )
    sizes, seen = [], set()
    for page in pages:
        sizes.append(len(page["items"]))
        seen |= {i["id"] for i in page["items"]}
    assert sizes == [3, 3, 1]
    assert seen == made


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"name": "n" * 129, "regex": "x"}, "name"),
        ({"name": "n", "regex": "x" * 513}, "regex"),
        ({"name": "n", "regex": "(abc)"}, "capturing groups"),
        ({"name": "n", "regex": "(?<=a)b"}, "look-behind"),
        ({"name": "n", "regex": "a\\1"}, "backreferences"),
        ({"name": "n", "regex": "[unclosed"}, "regex"),
        ({"name": "n", "regex": "x", "keywords": ["ab"]}, "keywords[0]"),
        ({"name": "n", "regex": "x", "keywords": [f"kw{n}x" for n in range(51)]}, "keywords"),
        ({"name": "n", "regex": "x", "ignoreWords": ["abc"]}, "ignoreWords[0]"),
        ({"name": "n", "regex": "x", "maximumMatchDistance": 301}, "maximumMatchDistance"),
        (
            {
                "name": "n",
                "regex": "x",
                "severityLevels": [
                    {"occurrencesThreshold": 10, "severity": "LOW"},
                    {"occurrencesThreshold": 5, "severity": "HIGH"},
                ],
            },
            "ascend",
        ),
        ({"name": "n", "regex": "x", "tags": {"aws:reserved": "v"}}, "tag key"),
        ({"regex": "x"}, "name is required"),
    ],
)
def test_limits_are_validation_exceptions(
    macie: Any, raw_macie: Any, kwargs: dict[str, Any], words: str
) -> None:
    with pytest.raises(raw_macie.exceptions.ValidationException) as info:
        raw_macie.create_custom_data_identifier(**kwargs)
    assert words in info.value.response["Error"]["Message"]


def test_unknown_identifier_is_not_found(macie: Any) -> None:
    with pytest.raises(macie.exceptions.ResourceNotFoundException):
        macie.get_custom_data_identifier(id="3c1d2c3e-0000-4000-8000-00000000dead")
    with pytest.raises(macie.exceptions.ResourceNotFoundException):
        macie.delete_custom_data_identifier(id="nope")


@pytest.mark.parametrize(
    ("kwargs", "count"),
    [
        ({"regex": "EMP-[0-9]{6}", "sampleText": "EMP-123456 EMP-654321"}, 2),
        (
            {
                "regex": "EMP-[0-9]{6}",
                "sampleText": "employee EMP-123456, later EMP-654321",
                "keywords": ["Employee"],
            },
            2,
        ),
        (
            {
                "regex": "EMP-[0-9]{6}",
                "sampleText": "EMP-123456 employee",
                "keywords": ["employee"],
            },
            0,
        ),
        (
            {
                "regex": "EMP-[0-9]{6}",
                "sampleText": "employee " + "." * 60 + " EMP-123456",
                "keywords": ["employee"],
            },
            0,
        ),
        (
            {
                "regex": "EMP-[0-9]{6}",
                "sampleText": "employee " + "." * 60 + " EMP-123456",
                "keywords": ["employee"],
                "maximumMatchDistance": 100,
            },
            1,
        ),
        (
            {
                "regex": "EMP-[0-9]{6}",
                "sampleText": "EMP-000000 EMP-123456",
                "ignoreWords": ["EMP-000000"],
            },
            1,
        ),
    ],
)
def test_test_custom_data_identifier(macie: Any, kwargs: dict[str, Any], count: int) -> None:
    assert macie.test_custom_data_identifier(**kwargs)["matchCount"] == count


def test_test_rejects_long_sample(macie: Any, raw_macie: Any) -> None:
    with pytest.raises(raw_macie.exceptions.ValidationException):
        raw_macie.test_custom_data_identifier(regex="x", sampleText="x" * 1001)


def test_tags_on_identifier(macie: Any) -> None:
    cid = macie.create_custom_data_identifier(name="x", regex="x+", tags={"a": "1"})[
        "customDataIdentifierId"
    ]
    arn = macie.get_custom_data_identifier(id=cid)["arn"]
    tagged = macie.tag_resource(resourceArn=arn, tags={"b": "2"})
    assert tagged["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert macie.list_tags_for_resource(resourceArn=arn)["tags"] == {"a": "1", "b": "2"}
    untagged = macie.untag_resource(resourceArn=arn, tagKeys=["a", "b"])
    assert untagged["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert macie.list_tags_for_resource(resourceArn=arn)["tags"] == {}
    with pytest.raises(macie.exceptions.ResourceNotFoundException):
        macie.list_tags_for_resource(resourceArn=arn.replace(cid, "missing"))
    with pytest.raises(macie.exceptions.ValidationException):
        macie.tag_resource(resourceArn=arn, tags={f"k{n}": "v" for n in range(51)})
