"""Helpers shared by the pipeline tests (a module of its own: conftest names collide)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from macie_notify.local.client import local_call


def wait_for(predicate: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def queue_with_rule(aws: Callable[[str], Any], name: str, pattern: dict[str, Any]) -> str:
    """An SQS queue that an EventBridge rule with ``pattern`` targets; returns its URL."""
    sqs, events = aws("sqs"), aws("events")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events.put_rule(Name=f"{name}-rule", EventPattern=json.dumps(pattern))
    events.put_targets(Rule=f"{name}-rule", Targets=[{"Id": "queue", "Arn": arn}])
    return str(url)


def drain_queue(aws: Callable[[str], Any], url: str) -> list[dict[str, Any]]:
    sqs, out = aws("sqs"), []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return out
        for message in got:
            out.append(message)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def drain_events(endpoint: str) -> None:
    """Wait until the router has delivered everything (``POST /_local/events/drain``)."""
    assert local_call(endpoint, "POST", "/_local/events/drain", timeout=90)["drained"] is True
