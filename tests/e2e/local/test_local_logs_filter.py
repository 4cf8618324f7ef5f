"""FilterLogEvents on the local endpoint applies JSON and term filter patterns
(moto alone matched every event for a JSON pattern)."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError


def _group(client: Any) -> tuple[Any, str]:
    logs = client("logs")
    group = f"/rv/{uuid.uuid4().hex[:8]}"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    lines = [
        {"decision": "posted", "findingType": "Policy:IAMUser/S3BucketPublic"},
        {"decision": "failed", "findingType": "SensitiveData:S3Object/Credentials"},
        {"decision": "skipped", "findingType": "SensitiveData:S3Object/Personal"},
    ]
    now = int(time.time() * 1000)  # Logs refuses events older than 14 days
    logs.put_log_events(
        logGroupName=group,
        logStreamName="s",
        logEvents=[
            {"timestamp": now + i, "message": json.dumps(line)} for i, line in enumerate(lines)
        ],
    )
    return logs, group


def _found(logs: Any, group: str, pattern: str) -> list[str]:
    events = logs.filter_log_events(logGroupName=group, filterPattern=pattern)["events"]
    return [json.loads(e["message"])["decision"] for e in events]


def test_json_and_term_patterns(client: Any) -> None:
    logs, group = _group(client)
    assert _found(logs, group, '{ $.decision = "failed" }') == ["failed"]
    assert _found(logs, group, '{ $.findingType = "SensitiveData:*" }') == ["failed", "skipped"]
    assert _found(logs, group, '{ $.decision = "posted" || $.decision = "skipped" }') == [
        "posted",
        "skipped",
    ]
    assert _found(logs, group, "?posted ?failed") == ["posted", "failed"]
    assert _found(logs, group, "") == ["posted", "failed", "skipped"]


def test_unreadable_pattern_is_invalid_parameter(client: Any) -> None:
    logs, group = _group(client)
    with pytest.raises(ClientError) as caught:
        logs.filter_log_events(logGroupName=group, filterPattern="{ $.decision = }")
    assert caught.value.response["Error"]["Code"] == "InvalidParameterException"
