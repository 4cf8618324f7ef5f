"""TestEventPattern on the local endpoint answers with the rules' matcher (moto's is empty)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

EVENTS = Path(__file__).resolve().parents[2] / "events"


@pytest.fixture
def policy_event() -> str:
    return (EVENTS / "macie_policy.json").read_text()


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ({"source": ["aws.macie"], "detail-type": ["Macie Finding"]}, True),
        ({"source": ["aws.ec2"]}, False),
        ({"detail": {"severity": {"description": [{"prefix": "Hi"}]}}}, True),
        ({"detail": {"type": [{"anything-but": {"prefix": "Policy:"}}]}}, False),
        ({"detail": {"severity": {"score": [{"numeric": [">=", 3]}]}}}, True),
        ({"detail": {"type": [{"wildcard": "Policy:*/S3Block*"}]}}, True),
    ],
)
def test_result_is_the_match(
    client: Any, policy_event: str, pattern: dict[str, Any], expected: bool
) -> None:
    events = client("events")
    answer = events.test_event_pattern(EventPattern=json.dumps(pattern), Event=policy_event)
    assert answer["Result"] is expected


def test_bad_pattern_is_invalid_event_pattern(client: Any, policy_event: str) -> None:
    events = client("events")
    with pytest.raises(ClientError) as caught:
        events.test_event_pattern(EventPattern='{"source": "aws.macie"}', Event=policy_event)
    assert caught.value.response["Error"]["Code"] == "InvalidEventPatternException"


def test_event_without_envelope_is_a_validation_error(client: Any) -> None:
    events = client("events")
    with pytest.raises(ClientError) as caught:
        events.test_event_pattern(EventPattern='{"source": ["x"]}', Event='{"source": "x"}')
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert "detail-type" in caught.value.response["Error"]["Message"]
