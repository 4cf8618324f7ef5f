"""CloudWatch Logs filter patterns as the local FilterLogEvents applies them."""

from __future__ import annotations

import json

import pytest

from macie_notify.local.logs_filter import LogFilter

LINE = json.dumps(
    {
        "decision": "failed",
        "durationMs": 12.5,
        "detail": {"type": "SensitiveData:S3Object/Credentials", "none": None, "yes": True},
        "items": [{"x": 1}],
    }
)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ('{ $.decision = "failed" }', True),
        ('{ $.decision = "posted" }', False),
        ("{$.durationMs > 10}", True),
        ("{ $.durationMs <= 12 }", False),
        ('{ $.detail.type = "SensitiveData:*" }', True),
        ("{ $.detail.type = Policy* }", False),
        ('{ ($.decision = "x") || $.detail.yes IS TRUE }', True),
        ('{ $.decision = "failed" && $.durationMs < 1 }', False),
        ("{ $.detail.none IS NULL && $.nothing NOT EXISTS }", True),
        ("{ $.items[0].x = 1 }", True),
        ('{ $.decision != "failed" }', False),
        ('{ $.nothing != "x" }', False),  # != needs the field
        ("failed", True),
        ('"S3Object/Credentials"', True),
        ("failed -Credentials", False),
        ("?nope ?failed", True),
        ("?nope ?neither", False),
        ("", True),
    ],
)
def test_patterns(pattern: str, expected: bool) -> None:
    assert LogFilter(pattern).matches(LINE) is expected


def test_json_pattern_never_matches_plain_text() -> None:
    assert LogFilter('{ $.decision = "failed" }').matches("decision failed") is False
