"""SQS on the local endpoint is serialized by one lock (moto's queues are not thread-safe),
and a long poll waits outside it: while a ReceiveMessage waits for its queue, other
queues' calls (over HTTP and the event router's SendMessage) go through at once, and a
message sent to the waiting queue ends the wait."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from macie_notify.local import LocalServer

WAIT_S = 5


def test_a_long_poll_does_not_hold_the_queues(
    local_server: LocalServer, client: Callable[..., Any]
) -> None:
    sqs = client("sqs")
    waiting_url = sqs.create_queue(QueueName=f"long-poll-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    other_url = sqs.create_queue(QueueName=f"busy-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    waiting_arn = _arn(sqs, waiting_url)
    got: list[Any] = []
    poller = client("sqs")  # a client of its own: botocore clients are not shared by threads

    def long_poll() -> None:
        got.append(poller.receive_message(QueueUrl=waiting_url, WaitTimeSeconds=WAIT_S))

    started = time.monotonic()
    waiter = threading.Thread(target=long_poll)
    waiter.start()
    time.sleep(0.3)  # the receive is in its wait now (a queue of its own, nothing to take)

    sent = time.monotonic()
    for n in range(5):
        sqs.send_message(QueueUrl=other_url, MessageBody=f"http-{n}")
        local_server.moto.send_message(_arn(sqs, other_url), f"router-{n}", {})
    assert time.monotonic() - sent < 2  # not behind the 5 s wait
    assert waiter.is_alive()

    local_server.moto.send_message(waiting_arn, "wake up", {})
    waiter.join(WAIT_S + 5)
    assert [m["Body"] for m in got[0]["Messages"]] == ["wake up"]
    assert time.monotonic() - started < WAIT_S  # the send ended the wait
    others = sqs.receive_message(QueueUrl=other_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
    assert len(others["Messages"]) == 10


def _arn(sqs: Any, url: str) -> str:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return str(attrs["Attributes"]["QueueArn"])
