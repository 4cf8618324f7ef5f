"""The SQS mapping poller with a fake queue and runner: batch size, window on the injected
clock, maximum concurrency, partial batch failures and Lambda's rule for bad answers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from macie_notify.local.lambda_.event_sources import Mapping_, QueuePoller
from macie_notify.local.lambda_.runner import FunctionSpec, InvocationResult

QUEUE = "arn:aws:sqs:us-east-1:123456789012:q"
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:f"


@dataclass
class FakeQueue:
    visible_ids: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    released: list[str] = field(default_factory=list)
    mapping: Mapping_ = field(
        default_factory=lambda: Mapping_("u1", FUNCTION, QUEUE, 3, 10.0, 2, True)
    )

    def mappings(self) -> list[Mapping_]:
        return [self.mapping]

    def visible(self, arn: str) -> int:
        return len(self.visible_ids)

    def receive(self, arn: str, count: int) -> list[dict[str, Any]]:
        taken, self.visible_ids = self.visible_ids[:count], self.visible_ids[count:]
        return [{"messageId": i, "receiptHandle": f"r-{i}", "body": "{}"} for i in taken]

    def delete(self, arn: str, receipt: str) -> None:
        self.deleted.append(receipt[2:])

    def release(self, arn: str, receipt: str) -> None:
        self.released.append(receipt[2:])
        self.visible_ids.append(receipt[2:])


class FakeRunner:
    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.events: list[Any] = []

    @contextmanager
    def slot(self, spec: FunctionSpec) -> Iterator[None]:
        yield

    def invoke(self, spec: FunctionSpec, event: Any) -> InvocationResult:
        self.events.append(event)
        answer = self.answer(event) if callable(self.answer) else self.answer
        if isinstance(answer, Exception):
            return InvocationResult("r", error={"errorType": "Boom"})
        return InvocationResult("r", payload=answer)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class DeferredPool:
    """Keeps submitted batches until the test runs them (no threads under test here)."""

    def __init__(self) -> None:
        self.jobs: list[tuple[Any, tuple[Any, ...]]] = []

    def submit(self, fn: Any, *args: Any) -> None:
        self.jobs.append((fn, args))

    def run(self) -> None:
        jobs, self.jobs = self.jobs, []
        for fn, args in jobs:
            fn(*args)


def poller(queue: FakeQueue, runner: FakeRunner, clock: Clock) -> QueuePoller:
    spec = FunctionSpec("f", FUNCTION, "h", b"")
    p = QueuePoller(queue, runner, lambda arn: spec, clock=clock)  # type: ignore[arg-type]
    p._pool = DeferredPool()  # type: ignore[assignment]
    return p


def poll(p: QueuePoller) -> int:
    started = p.poll_once()
    p._pool.run()  # type: ignore[union-attr]
    return started


def test_a_full_batch_goes_at_once_a_partial_one_after_the_window() -> None:
    queue, clock = FakeQueue(visible_ids=["a", "b", "c", "d"]), Clock()
    runner = FakeRunner({"batchItemFailures": []})
    p = poller(queue, runner, clock)
    assert poll(p) == 1  # a, b, c: a full batch; d waits for the window
    assert [len(e["Records"]) for e in runner.events] == [3]
    clock.now = 9.9
    assert poll(p) == 0
    clock.now = 10.0
    assert poll(p) == 1
    assert queue.deleted == ["a", "b", "c", "d"] and queue.released == []


def test_only_the_reported_records_come_back() -> None:
    queue, clock = FakeQueue(visible_ids=["a", "b", "c"]), Clock()
    runner = FakeRunner({"batchItemFailures": [{"itemIdentifier": "b"}]})
    p = poller(queue, runner, clock)
    poll(p)
    assert queue.deleted == ["a", "c"] and queue.released == ["b"]
    assert (p.results[0].records, p.results[0].failed) == (3, 1)


def test_an_unknown_identifier_or_an_error_returns_the_whole_batch() -> None:
    for answer in ({"batchItemFailures": [{"itemIdentifier": "zzz"}]}, RuntimeError()):
        queue, clock = FakeQueue(visible_ids=["a", "b", "c"]), Clock()
        p = poller(queue, FakeRunner(answer), clock)
        poll(p)
        assert sorted(queue.released) == ["a", "b", "c"] and queue.deleted == []


def test_maximum_concurrency_holds_further_batches() -> None:
    queue, clock = FakeQueue(visible_ids=[str(i) for i in range(9)]), Clock()
    gate = threading.Event()
    runner = FakeRunner({})
    spec = FunctionSpec("f", FUNCTION, "h", b"")
    p = QueuePoller(queue, runner, lambda arn: spec, clock=clock)  # type: ignore[arg-type]
    started: list[Any] = []

    class HeldPool:
        def submit(self, fn: Any, *args: Any) -> None:
            started.append(args)  # never finishes: the batch stays running

    p._pool = HeldPool()  # type: ignore[assignment]
    assert p.poll_once() == 2  # MaximumConcurrency 2: the third batch waits
    assert p.poll_once() == 0
    assert len(started) == 2 and len(queue.visible_ids) == 3
    gate.set()
