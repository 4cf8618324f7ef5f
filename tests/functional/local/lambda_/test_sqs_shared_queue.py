"""moto's queues shared by the local endpoint's threads, as in a finding storm: EventBridge's
delivery threads send while the SQS poller receives and its batch workers delete and
return records. Every message must reach the function exactly once (or the dead-letter
queue after its receives), none lost, none twice, and no moto call may fail.

Real threads, real moto (in-process), the real queue source and poller; only the function
is a stand-in. moto's SQS models are not thread-safe: without the lock of
``macie_notify.local.sqs_lock``, two batch workers deleting at once bring deleted messages
back (each rebuilds the queue's list from the one it started with) and a send appended to
a list being swapped is lost.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from moto import mock_aws

from macie_notify.local.lambda_.event_sources import Mapping_, MotoQueueSource, QueuePoller
from macie_notify.local.lambda_.runner import FunctionSpec, InvocationResult
from macie_notify.local.moto_backends import MotoBackends
from macie_notify.local.sqs_lock import serialize_moto_sqs

ACCOUNT, REGION = "123456789012", "us-east-1"
QUEUE = f"arn:aws:sqs:{REGION}:{ACCOUNT}:storm"
DLQ_NAME = "storm-dlq"
FUNCTION = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:notifier"
# As in a storm: a backlog is queued when the poller starts, more arrives while it runs.
# moto's queue operations cost O(messages in the queue): enough to race, quick to run.
BACKLOG = 150
MESSAGES = 300
SENDERS = 4
IN_FLIGHT = 1000  # records of the batches being settled at once
FAILING = 10  # every tenth message is never delivered: returned twice, then dead-lettered


class OneMapping(MotoQueueSource):
    """moto's queue, behind one mapping (batches of 20, no window, two at once: two
    batch workers delete at the same time)."""

    def mappings(self) -> list[Mapping_]:
        return [Mapping_("m1", FUNCTION, QUEUE, 20, 0.0, 2, True)]


class Notifier:
    """The function: reports every tenth message as failed, counts what it was given."""

    def __init__(self) -> None:
        self.seen: Counter[int] = Counter()
        self._lock = threading.Lock()

    @contextmanager
    def slot(self, spec: FunctionSpec) -> Iterator[None]:
        yield

    def invoke(self, spec: FunctionSpec, event: Any) -> InvocationResult:
        failures = []
        with self._lock:
            for record in event["Records"]:
                n = int(record["body"])
                self.seen[n] += 1
                if n % FAILING == 0:
                    failures.append({"itemIdentifier": record["messageId"]})
        return InvocationResult("r", payload={"batchItemFailures": failures})


@pytest.fixture
def sqs() -> Iterator[Any]:
    with mock_aws():
        serialize_moto_sqs()  # as the local server does when it starts
        client = boto3.client("sqs", region_name=REGION)
        dlq_url = client.create_queue(QueueName=DLQ_NAME)["QueueUrl"]
        dlq_arn = client.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])
        redrive = {"deadLetterTargetArn": dlq_arn["Attributes"]["QueueArn"], "maxReceiveCount": 2}
        client.create_queue(QueueName="storm", Attributes={"RedrivePolicy": json.dumps(redrive)})
        yield client


def test_senders_racing_the_poller_deliver_every_message_once(sqs: Any) -> None:
    notifier = Notifier()
    spec = FunctionSpec("notifier", FUNCTION, "h", b"")
    poller = QueuePoller(OneMapping(), notifier, lambda _arn: spec, poll_s=0.001)  # type: ignore[arg-type]
    errors: list[BaseException] = []
    _send([str(n) for n in range(BACKLOG)])
    senders = [
        _thread(errors, _send, [str(n) for n in range(BACKLOG + i, MESSAGES, SENDERS)])
        for i in range(SENDERS)
    ]
    poller.start()
    try:
        for thread in senders:
            thread.start()
        for thread in senders:
            thread.join(30)
        dlq_url = sqs.get_queue_url(QueueName=DLQ_NAME)["QueueUrl"]
        deadline = time.monotonic() + 60  # a lost message never comes: wait, then fail
        while time.monotonic() < deadline and not (
            len(notifier.seen) == MESSAGES and _dead_lettered(sqs, dlq_url) == MESSAGES // FAILING
        ):
            time.sleep(0.02)
        assert poller.idle(30)
    finally:
        poller.stop()

    assert errors == []
    failing = {n for n in range(MESSAGES) if n % FAILING == 0}
    # Delivered exactly once (then deleted), or twice and then dead-lettered: none lost.
    assert {n: c for n, c in notifier.seen.items() if n not in failing} == {
        n: 1 for n in range(MESSAGES) if n not in failing
    }
    assert {n: notifier.seen[n] for n in failing} == {n: 2 for n in failing}
    dead = _receive_all(sqs, dlq_url)
    assert sorted(int(body) for body in dead) == sorted(failing)
    url = sqs.get_queue_url(QueueName="storm")["QueueUrl"]
    left = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (left["ApproximateNumberOfMessages"], left["ApproximateNumberOfMessagesNotVisible"]) == (
        "0",
        "0",
    )
    # A batch never failed inside moto (a failed receive leaves its records in flight).
    assert [r.error for r in poller.results if r.error] == []


def _dead_lettered(sqs: Any, url: str) -> int:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attrs["Attributes"]["ApproximateNumberOfMessages"])


def _receive_all(sqs: Any, url: str) -> list[str]:
    bodies: list[str] = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60)
        if not got.get("Messages"):
            return bodies
        bodies.extend(m["Body"] for m in got["Messages"])


def test_batch_workers_deleting_at_once_while_senders_send_lose_nothing(sqs: Any) -> None:
    """Two copies' batches settle at the same moment (the poller's workers delete and
    return records) while EventBridge keeps sending: the race, made likely by a backlog."""
    source = OneMapping()
    _send([f"old-{n}" for n in range(IN_FLIGHT)])
    records: list[dict[str, Any]] = []
    while batch := source.receive(QUEUE, 100):
        records.extend(batch)
    assert len(records) == IN_FLIGHT
    errors: list[BaseException] = []
    threads = [_thread(errors, _settle, source, records[i::3]) for i in range(3)]
    threads += [_thread(errors, _send, [f"new-{k}-{n}" for n in range(50)]) for k in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    url = sqs.get_queue_url(QueueName="storm")["QueueUrl"]
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    # Nothing deleted came back in flight; what was returned or sent is there, once.
    assert counts["ApproximateNumberOfMessagesNotVisible"] == "0"
    expected = [r["body"] for r in records if r["body"].endswith("0")]
    expected += [f"new-{k}-{n}" for k in range(3) for n in range(50)]
    assert sorted(_receive_all(sqs, url)) == sorted(expected)


def _settle(source: MotoQueueSource, records: list[dict[str, Any]]) -> None:
    """A batch worker: every tenth record was reported failed and goes back."""
    for record in records:
        if record["body"].endswith("0"):
            source.release(QUEUE, record["receiptHandle"])
        else:
            source.delete(QUEUE, record["receiptHandle"])


def _send(bodies: list[str]) -> None:
    for body in bodies:  # the event router's SQS target path
        MotoBackends().send_message(QUEUE, body, {})


def _thread(errors: list[BaseException], work: Callable[..., None], *args: Any) -> threading.Thread:
    def run() -> None:
        try:
            work(*args)
        except BaseException as exc:  # pragma: no cover - reported by the test
            errors.append(exc)

    return threading.Thread(target=run)


def test_two_servers_in_one_process_do_not_split_a_queue(sqs: Any) -> None:
    """moto's queues belong to the process: of two started pollers only the last polls,
    and the earlier one takes over again when it stops."""
    spec = FunctionSpec("notifier", FUNCTION, "h", b"")
    first, second = Notifier(), Notifier()
    older = QueuePoller(OneMapping(), first, lambda _arn: spec, poll_s=0.001)  # type: ignore[arg-type]
    newer = QueuePoller(OneMapping(), second, lambda _arn: spec, poll_s=0.001)  # type: ignore[arg-type]
    older.start()
    newer.start()
    try:
        assert newer.polls() and not older.polls()
        _send([str(n) for n in range(1, 40) if n % FAILING])
        _wait_until(lambda: len(second.seen) == 36)
        assert first.seen == Counter()
        newer.stop()
        assert older.polls()
        _send(["41"])
        _wait_until(lambda: first.seen == Counter({41: 1}))
    finally:
        newer.stop()
        older.stop()
    assert not older.polls()
    assert sorted(second.seen.values()) == [1] * 36  # each once, by the poller that polled


def _wait_until(done: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)
