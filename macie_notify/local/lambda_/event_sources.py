"""SQS event source mappings for the local Lambda: poll, batch, invoke, settle.

What Lambda does for an SQS mapping
(https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html,
https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html), reproduced:

- a batch goes when ``BatchSize`` messages are visible or ``MaximumBatchingWindowInSeconds``
  has passed since the first one was seen (on the injected clock);
- at most ``ScalingConfig.MaximumConcurrency`` batches of one mapping run at once, and the
  function's reserved concurrency is honoured too (the runner's slots);
- a batch whose invocation fails returns whole; with ``ReportBatchItemFailures`` only the
  records named in ``batchItemFailures`` return (an unknown or empty identifier fails the
  whole batch, as Lambda does); the rest are deleted;
- a message received ``maxReceiveCount`` times goes to the dead-letter queue: moto's
  ``ReceiveMessage`` applies the queue's redrive policy.

One difference, on purpose: a returned record is visible again at once instead of after
the queue's visibility timeout (minutes, by Lambda's advice), so retries and the
dead-letter path of a storm replay in seconds. moto's own SQS-to-Lambda path (which would
start docker on every SendMessage) is switched off by :func:`disable_moto_sqs_invoke`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from macie_notify.local.lambda_.runner import FunctionSpec, LambdaRunner
from macie_notify.local.sqs_lock import moto_sqs

log = logging.getLogger(__name__)

POLL_S = 0.05
# moto's visibility timeout while a batch runs: longer than any local function run.
IN_FLIGHT_VISIBILITY_S = 900

_patch_lock = threading.Lock()
# moto's queues and mappings belong to the process, not to one server: when two local
# servers run in one process (tests do), only the poller started last polls, so one
# mapping's batches never go to two pollers (split, or invoked by a stopping server).
_started: list[QueuePoller] = []
_started_lock = threading.Lock()


def disable_moto_sqs_invoke() -> None:
    """moto invokes a mapped function (through docker) from SendMessage; the poller here
    does that instead, so moto's queues never learn about mappings."""
    from moto.sqs.models import Queue

    with _patch_lock:
        if isinstance(getattr(Queue, "lambda_event_source_mappings", None), property):
            return

        def empty(_queue: Any) -> dict[str, Any]:
            return {}

        def ignore(_queue: Any, _value: Any) -> None:
            return None

        Queue.lambda_event_source_mappings = property(empty, ignore)  # type: ignore[assignment]


@dataclass(frozen=True)
class Mapping_:
    uuid: str
    function_arn: str
    queue_arn: str
    batch_size: int
    window_s: float
    max_concurrency: int | None
    report_failures: bool


class MotoQueueSource:
    """The mappings and queues as moto stores them (imports stay inside the methods)."""

    def mappings(self) -> list[Mapping_]:
        from moto.awslambda.models import lambda_backends

        out = []
        for _account, regions in list(lambda_backends.items()):
            for _region, backend in list(regions.items()):
                for esm in list(backend.list_event_source_mappings("", "")):
                    arn = str(esm.event_source_arn)
                    if ":sqs:" not in arn or not esm.enabled:
                        continue
                    scaling = esm.scaling_config or {}
                    out.append(
                        Mapping_(
                            uuid=str(esm.uuid),
                            function_arn=str(esm.function_arn),
                            queue_arn=arn,
                            batch_size=int(esm.batch_size or 10),
                            window_s=float(esm.max_batch_window or 0),
                            max_concurrency=scaling.get("MaximumConcurrency"),
                            report_failures="ReportBatchItemFailures"
                            in (esm.function_response_types or []),
                        )
                    )
        return out

    def _queue(self, arn: str) -> tuple[Any, str] | None:
        from moto.sqs.models import sqs_backends

        parts = arn.split(":")
        backend = sqs_backends[parts[4]][parts[3]]
        return (backend, parts[5]) if parts[5] in backend.queues else None

    # Each step holds the SQS lock: the router's SendMessage, the server's SQS requests and
    # the batch workers' deletes touch the same moto lists (see local/sqs_lock.py).
    def visible(self, arn: str) -> int:
        with moto_sqs():
            found = self._queue(arn)
            if found is None:
                return 0
            backend, name = found
            return len(backend.queues[name].messages)  # moto lists the visible ones only

    def receive(self, arn: str, count: int) -> list[dict[str, Any]]:
        region = arn.split(":")[3]
        with moto_sqs():
            found = self._queue(arn)
            if found is None:
                return []
            backend, name = found
            # No wait: the poller polls; a long poll here would only delay other mappings.
            messages = backend.receive_message(name, count, 0, IN_FLIGHT_VISIBILITY_S)
            return [_record(m, arn, region) for m in messages]

    def delete(self, arn: str, receipt: str) -> None:
        with moto_sqs():
            found = self._queue(arn)
            if found is not None:
                found[0].delete_message(found[1], receipt)

    def release(self, arn: str, receipt: str) -> None:
        with moto_sqs():
            found = self._queue(arn)
            if found is not None:
                found[0].change_message_visibility(found[1], receipt, 0)


def _record(message: Any, arn: str, region: str) -> dict[str, Any]:
    """An SQS message as Lambda hands it to the function."""
    return {
        "messageId": str(message.id),
        "receiptHandle": str(message.receipt_handle),
        "body": str(message.body),
        "attributes": {
            "ApproximateReceiveCount": str(message.approximate_receive_count),
            "SentTimestamp": str(message.sent_timestamp),
            "SenderId": "AIDAEXAMPLE",
            "ApproximateFirstReceiveTimestamp": str(message.approximate_first_receive_timestamp),
        },
        "messageAttributes": {},
        "md5OfBody": str(message.body_md5),
        "eventSource": "aws:sqs",
        "eventSourceARN": arn,
        "awsRegion": region,
    }


@dataclass
class _State:
    window_started: float | None = None
    running: int = 0


@dataclass
class BatchResult:
    """One batch's outcome (kept for tests and the controls)."""

    mapping: str
    records: int
    failed: int
    error: str | None = None


@dataclass
class QueuePoller:
    """Polls every enabled SQS mapping on a background thread."""

    source: MotoQueueSource
    runner: LambdaRunner
    function: Callable[[str], FunctionSpec | None]
    clock: Callable[[], float] = time.time
    poll_s: float = POLL_S
    workers: int = 8
    history: int = 10_000
    results: list[BatchResult] = field(default_factory=list)
    _states: dict[str, _State] = field(default_factory=dict)
    _lock: threading.Condition = field(default_factory=threading.Condition)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _pool: ThreadPoolExecutor | None = None

    def start(self) -> QueuePoller:
        if self._thread is None:
            with _started_lock:
                _started.append(self)
            self._stop.clear()
            self._pool = ThreadPoolExecutor(self.workers, "macie-notify-sqs")
            self._thread = threading.Thread(target=self._run, name="macie-notify-sqs", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        thread, self._thread = self._thread, None
        with _started_lock:
            _started[:] = [p for p in _started if p is not self]
        self._stop.set()
        if thread is not None:
            thread.join(timeout)
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=False)

    def reset(self) -> None:
        with self._lock:
            self.results.clear()
            self._states.clear()

    def idle(self, timeout: float = 30.0) -> bool:
        """Wait until no batch is running (the queues may still hold messages)."""
        with self._lock:
            return self._lock.wait_for(
                lambda: all(s.running == 0 for s in self._states.values()), timeout
            )

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if self.polls():
                    self.poll_once()
            except Exception:  # a vanished queue or function must not end the poller
                log.exception("SQS event source polling failed")
            self._stop.wait(self.poll_s)

    def polls(self) -> bool:
        """Whether this poller is the process's polling one (the last started)."""
        with _started_lock:
            return bool(_started) and _started[-1] is self

    def poll_once(self) -> int:
        """Start every batch that is due; returns how many were started."""
        started = 0
        for mapping in self.source.mappings():
            started += self._poll(mapping)
        return started

    def _poll(self, mapping: Mapping_) -> int:
        started = 0
        while True:
            with self._lock:
                state = self._states.setdefault(mapping.uuid, _State())
                limit = mapping.max_concurrency or self.workers
                if state.running >= limit:
                    return started
            visible = self.source.visible(mapping.queue_arn)
            now = self.clock()
            with self._lock:
                if visible == 0:
                    state.window_started = None
                    return started
                if state.window_started is None:
                    state.window_started = now
                full = visible >= mapping.batch_size
                if not full and now - state.window_started < mapping.window_s:
                    return started
            records = self.source.receive(mapping.queue_arn, mapping.batch_size)
            if not records:  # all went to the dead-letter queue, or another poll took them
                return started
            spec = self.function(mapping.function_arn)
            with self._lock:
                state.window_started = None
                state.running += 1
            if spec is None or self._pool is None:
                self._settle(mapping, records, None, "function not found")
                return started
            self._pool.submit(self._invoke, mapping, spec, records)
            started += 1

    def _invoke(self, mapping: Mapping_, spec: FunctionSpec, records: list[dict[str, Any]]) -> None:
        error: str | None = None
        failed: set[str] | None = None
        try:
            with self.runner.slot(spec):
                result = self.runner.invoke(spec, {"Records": records})
            if not result.ok:
                error = str((result.error or {}).get("errorType", "error"))
            elif mapping.report_failures:
                failed = _failed_ids(result.payload, records)
                if failed is None:
                    error = "invalid batchItemFailures"
            else:
                failed = set()
        except Exception as exc:  # the runner itself failed: the batch returns whole
            error = type(exc).__name__
        self._settle(mapping, records, failed, error)

    def _settle(
        self,
        mapping: Mapping_,
        records: list[dict[str, Any]],
        failed: set[str] | None,
        error: str | None,
    ) -> None:
        returned = 0
        for record in records:
            if failed is None or record["messageId"] in failed:
                self.source.release(mapping.queue_arn, record["receiptHandle"])
                returned += 1
            else:
                self.source.delete(mapping.queue_arn, record["receiptHandle"])
        with self._lock:
            self.results.append(BatchResult(mapping.uuid, len(records), returned, error))
            del self.results[: -self.history]
            self._states[mapping.uuid].running -= 1
            self._lock.notify_all()


def _failed_ids(payload: Any, records: list[dict[str, Any]]) -> set[str] | None:
    """The record ids named in ``batchItemFailures``; None when the answer is invalid."""
    if payload is None or payload == {}:
        return set()
    if not isinstance(payload, dict):
        return set()
    items = payload.get("batchItemFailures")
    if items is None:
        return set()
    if not isinstance(items, list):
        return None
    known = {r["messageId"] for r in records}
    out = set()
    for item in items:
        rid = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not isinstance(rid, str) or rid not in known:
            return None
        out.add(rid)
    return out
