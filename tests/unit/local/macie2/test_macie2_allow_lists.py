"""Allow lists: CRUD limits and statuses, and masking allowed text before a scan (pure)."""

from __future__ import annotations

import re

import pytest

from macie_notify.local.macie2.allow_lists import AllowLists, mask, words_of
from macie_notify.local.macie2.exceptions import (
    ResourceNotFoundException,
    ServiceQuotaExceededException,
    ValidationException,
)


def lists() -> AllowLists:
    return AllowLists(lambda kind, rid: f"arn:aws:macie2:us-east-1:123456789012:{kind}/{rid}")


def test_mask_keeps_length_lines_and_positions() -> None:
    data = b"id 304-11-3823\nname Jane Roe\n"
    masked = mask(data, [re.compile(r"304-11-\d{4}")])
    assert masked == b"id            \nname Jane Roe\n"
    assert len(masked) == len(data)


def test_mask_leaves_binary_and_unmatched_data_alone() -> None:
    binary = b"\x1f\x8b\x08\x00\xff\xfe"
    assert mask(binary, [re.compile("x")]) is binary
    assert mask(b"plain", []) == b"plain"


def test_words_match_whole_text_case_insensitively() -> None:
    registry = lists()
    item = registry.create(
        {"name": "w", "criteria": {"s3WordsList": {"bucketName": "b", "objectKey": "k"}}}
    )
    read = {("b", "k"): b"Jane Roe\n\n  acme corp  \n"}
    (pattern,) = registry.matchers([item["id"]], lambda b, k: read[(b, k)])
    text = "jane roe met ACME CORP and Jane Roebuck"
    assert [m.group(0) for m in pattern.finditer(text)] == ["jane roe", "ACME CORP"]
    assert words_of(b"a\n\nb \n") == ["a", "b"]


def test_status_follows_the_words_file() -> None:
    registry = lists()
    item = registry.create(
        {"name": "w", "criteria": {"s3WordsList": {"bucketName": "b", "objectKey": "k"}}}
    )

    def missing(bucket: str, key: str) -> bytes:
        raise KeyError(key)

    assert registry.status(item, missing)["code"] == "S3_OBJECT_NOT_FOUND"
    assert registry.status(item, lambda b, k: b"  \n")["code"] == "S3_OBJECT_EMPTY"
    assert registry.status(item, lambda b, k: b"word\n") == {"code": "OK"}
    regex = registry.create({"name": "r", "criteria": {"regex": "[0-9]+"}})
    assert registry.status(regex, None) == {"code": "OK"}
    # An unreadable words list is skipped by jobs rather than failing them.
    assert registry.matchers([item["id"]], missing) == []


@pytest.mark.parametrize(
    "params",
    [
        {"name": "", "criteria": {"regex": "a"}},
        {"name": "x" * 129, "criteria": {"regex": "a"}},
        {"name": "ok", "criteria": {}},
        {
            "name": "ok",
            "criteria": {"regex": "a", "s3WordsList": {"bucketName": "b", "objectKey": "k"}},
        },
        {"name": "ok", "description": "d" * 513, "criteria": {"regex": "a"}},
        {"name": "ok", "criteria": {"regex": "(unclosed"}},
    ],
)
def test_invalid_lists_are_refused(params: dict) -> None:
    with pytest.raises(ValidationException):
        lists().create(params)


def test_limits_quota_and_deletion_checks() -> None:
    registry = lists()
    assert registry.create(
        {"name": "x" * 128, "description": "d" * 512, "criteria": {"regex": "a"}}
    )
    for n in range(9):
        registry.create({"name": f"l{n}", "criteria": {"regex": "a"}})
    with pytest.raises(ServiceQuotaExceededException):
        registry.create({"name": "eleventh", "criteria": {"regex": "a"}})
    first = registry.summaries()[0]["id"]
    with pytest.raises(ValidationException):
        registry.delete(first, ["job-1"], ignore_job_checks=False)
    registry.delete(first, ["job-1"], ignore_job_checks=True)
    with pytest.raises(ResourceNotFoundException):
        registry.get(first)
    assert len(registry.summaries()) == 9
