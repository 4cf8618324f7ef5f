"""Posture regressions and grants (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from macie_notify.local.macie2.posture import (
    BLOCK_PUBLIC_ACCESS_DISABLED,
    BUCKET_PUBLIC,
    ENCRYPTION_DISABLED,
    SHARED_EXTERNALLY,
    Posture,
    _grants,
    regressions,
)

ON = dict.fromkeys(
    ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True
)
OFF = dict.fromkeys(ON, False)
SECURE = Posture("aws:kms", "key", ON, False, False)


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (SECURE, []),
        (Posture("NONE", None, ON, False, False), [ENCRYPTION_DISABLED]),
        (Posture("AES256", None, ON, False, False), [ENCRYPTION_DISABLED]),  # KMS -> SSE-S3
        (Posture("aws:kms", "key", OFF, False, False), [BLOCK_PUBLIC_ACCESS_DISABLED]),
        (Posture("aws:kms", "key", {}, False, False), [BLOCK_PUBLIC_ACCESS_DISABLED]),
        (Posture("aws:kms", "key", {**ON, "BlockPublicAcls": False}, False, False), []),
        (Posture("aws:kms", "key", ON, True, False), [BUCKET_PUBLIC]),
        (Posture("aws:kms", "key", ON, False, True), [SHARED_EXTERNALLY]),
    ],
)
def test_regressions(after: Posture, expected: list[str]) -> None:
    assert regressions(SECURE, after) == expected


def test_no_regression_when_already_weak() -> None:
    weak = Posture("NONE", None, OFF, True, True)
    assert regressions(weak, weak) == []
    assert regressions(Posture("AES256", None, ON, False, False), SECURE) == []


def stmt(principal: Any, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    out = {"Effect": "Allow", "Principal": principal, "Action": "s3:GetObject"}
    if condition:
        out["Condition"] = condition
    return out


@pytest.mark.parametrize(
    ("statements", "acl", "expected"),
    [
        ([], {}, (False, False)),
        ([stmt("*")], {}, (True, False)),
        ([stmt("*", {"StringEquals": {"aws:SourceVpc": "vpc-1"}})], {}, (False, False)),
        ([stmt({"AWS": "arn:aws:iam::999999999999:root"})], {}, (False, True)),
        ([stmt({"AWS": ["arn:aws:iam::123456789012:role/x"]})], {}, (False, False)),
        ([{**stmt("*"), "Effect": "Deny"}], {}, (False, False)),
        (
            [],
            {
                "Grants": [
                    {
                        "Grantee": {
                            "Type": "Group",
                            "URI": "http://acs.amazonaws.com/groups/global/AllUsers",
                        }
                    }
                ]
            },
            (True, False),
        ),
        (
            [],
            {
                "Owner": {"ID": "me"},
                "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": "someone"}}],
            },
            (False, True),
        ),
    ],
)
def test_grants(
    statements: list[dict[str, Any]], acl: dict[str, Any], expected: tuple[bool, bool]
) -> None:
    assert _grants(statements, acl, "123456789012") == expected
