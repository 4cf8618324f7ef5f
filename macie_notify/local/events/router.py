"""Local EventBridge delivery of Macie findings: finding -> event -> matching rules -> targets.

moto stores rules and targets but cannot deliver to Lambda targets, and its pattern
matching is incomplete, so the local server routes Macie's events itself:

1. :func:`macie_event` wraps a finding in Macie's envelope (version "0", a UUID id,
   ``detail-type`` "Macie Finding", ``source`` "aws.macie", second-precision ``time``,
   empty ``resources``, ``detail`` = the finding as GetFindings returns it;
   https://docs.aws.amazon.com/macie/latest/user/findings-publish-event-schemas.html).
2. Every ENABLED rule on the account's default bus whose pattern matches
   (:mod:`macie_notify.local.events.patterns`) gets the event.
3. Each target receives it, transformed by ``Input`` / ``InputPath`` when set:
   Lambda targets through :class:`~macie_notify.local.lambda_.runner.LambdaRunner`'s
   asynchronous invocation (EventBridge's part ends when Lambda accepts the event; the
   function's own retries and dead-letter handling follow), SQS targets by SendMessage,
   CloudWatch Logs targets by PutLogEvents.

Delivery failures follow https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html:
a missing target or a Lambda function whose resource policy does not let
``events.amazonaws.com`` invoke it goes straight to the target's dead-letter queue; other
errors are retried per the target's ``RetryPolicy`` (attempts and event age; the local
backoff is short and the sleep injected) and then dead-lettered. The dead-letter message
is the event with ``RULE_ARN``, ``TARGET_ARN``, ``ERROR_CODE`` and ``ERROR_MESSAGE``
attributes.

Delivery never runs on the API request thread: :class:`EventRouter` owns one worker
thread and a small pool for Lambda invocations, all joined by :meth:`EventRouter.stop`.
The clock and the sleep between retries are injected, so tests never wait.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

from macie_notify.local.events.patterns import EventPattern, InvalidEventPattern, parse_pattern
from macie_notify.local.events.rules import RuleInfo, TargetError, TargetInfo
from macie_notify.local.lambda_.runner import FunctionSpec, LambdaRunner
from macie_notify.local.retries import retry_with_max_age

__all__ = ["Delivery", "EventRouter", "Resources", "macie_event", "transform_input"]

log = logging.getLogger(__name__)


def macie_event(
    finding: Mapping[str, Any],
    account_id: str,
    region: str,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The EventBridge event Macie publishes for a new or updated finding."""
    stamp = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Macie Finding",
        "source": "aws.macie",
        "account": account_id,
        "time": stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [],
        "detail": dict(finding),
    }


class Resources(Protocol):
    """What the router reads and writes in the local AWS (moto's backends in the server)."""

    def rules(self, account_id: str, region: str) -> list[RuleInfo]: ...

    def function(self, arn: str) -> FunctionSpec | None: ...

    def lambda_allows(self, function_arn: str, rule_arn: str) -> bool: ...

    def send_message(self, queue_arn: str, body: str, attributes: Mapping[str, str]) -> None: ...

    def put_log_events(
        self, group_arn: str, stream: str, events: Sequence[tuple[int, str]]
    ) -> None: ...


@dataclass
class Delivery:
    """What happened to one event at one target (kept for the control API and tests)."""

    event_id: str
    rule: str
    target: str
    status: str  # delivered | dead-lettered | dropped | unsupported | failed
    attempts: int = 0
    error: str | None = None
    lambda_outcome: Any = None

    def to_dict(self) -> dict[str, Any]:
        out = {
            "eventId": self.event_id,
            "rule": self.rule,
            "target": self.target,
            "status": self.status,
            "attempts": self.attempts,
            "error": self.error,
        }
        if self.lambda_outcome is not None:
            out["lambda"] = {
                "condition": self.lambda_outcome.condition,
                "attempts": len(self.lambda_outcome.attempts),
                "sentTo": list(self.lambda_outcome.sent_to),
            }
        return out


@dataclass
class _Work:
    event: dict[str, Any]
    account_id: str
    region: str
    received: float  # the router's clock when the event was published


_STOP = object()


class EventRouter:
    """Matches events against rules and delivers them, off the request threads."""

    def __init__(
        self,
        resources: Resources,
        runner: LambdaRunner,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        backoff: Sequence[float] = (0.05, 0.1, 0.2, 0.5, 1.0),
        lambda_workers: int = 4,
        history: int = 1000,
    ) -> None:
        self.resources = resources
        self.runner = runner
        self.sleep = sleep
        self.clock = clock
        self.backoff = tuple(backoff)
        self._history = history
        self._queue: queue.Queue[Any] = queue.Queue()
        self._lock = threading.Lock()
        self._deliveries: list[Delivery] = []
        self._pending_lambda: set[Future[Any]] = set()
        self._lambda_workers = lambda_workers
        self._pool: ThreadPoolExecutor | None = None
        self._worker: threading.Thread | None = None
        self._patterns: dict[str, tuple[str | None, EventPattern | None]] = {}
        self._start_lock = threading.Lock()
        # Notified whenever an event or a Lambda invocation finishes (drain waits on it).
        self._idle = threading.Condition(self._lock)

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> EventRouter:
        if self._worker is None:
            self._pool = ThreadPoolExecutor(self._lambda_workers, "macie-notify-lambda")
            self._worker = threading.Thread(
                target=self._run, name="macie-notify-events", daemon=True
            )
            self._worker.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Finish queued deliveries, then join the worker and the Lambda pool."""
        worker, self._worker = self._worker, None
        if worker is not None:
            self._queue.put(_STOP)
            worker.join(timeout)
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=False)

    def drain(self, timeout: float = 30.0) -> bool:
        """Wait until every queued event and Lambda invocation is done (tests, controls)."""
        with self._idle:
            return self._idle.wait_for(self._is_idle, timeout)

    def _is_idle(self) -> bool:
        return self._queue.unfinished_tasks == 0 and not self._pending_lambda

    # --- input -----------------------------------------------------------------------------

    def on_finding(self, finding: dict[str, Any], account_id: str, region: str) -> None:
        """The macie2 backends' listener: publish a new or updated finding."""
        now = dt.datetime.fromtimestamp(self.clock(), dt.timezone.utc)
        self.publish(macie_event(finding, account_id, region, now), account_id, region)

    def publish(self, event: dict[str, Any], account_id: str, region: str) -> None:
        # The worker starts with the first event, so an unused server owns no thread.
        with self._start_lock:
            if self._worker is None:
                self.start()
        self._queue.put(_Work(event, account_id, region, self.clock()))

    def deliveries(self) -> list[dict[str, Any]]:
        with self._lock:
            return [d.to_dict() for d in self._deliveries]

    def reset(self) -> None:
        with self._lock:
            self._deliveries.clear()
        self._patterns.clear()

    # --- worker ----------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            work = self._queue.get()
            try:
                if work is _STOP:
                    return
                self._route(work)
            except Exception:  # a bad rule or target must not kill the worker
                log.exception("event delivery failed")
            finally:
                with self._idle:
                    self._queue.task_done()
                    self._idle.notify_all()

    def _route(self, work: _Work) -> None:
        for rule in self.resources.rules(work.account_id, work.region):
            if rule.state != "ENABLED":
                continue
            pattern = self._compiled(rule)
            if pattern is None or not pattern.matches(work.event):
                continue
            for target in rule.targets:
                self._deliver(work, rule, target)

    def _compiled(self, rule: RuleInfo) -> EventPattern | None:
        cached = self._patterns.get(rule.arn)
        if cached is not None and cached[0] == rule.pattern:
            return cached[1]
        compiled: EventPattern | None = None
        if rule.pattern:
            try:
                compiled = parse_pattern(rule.pattern)
            except InvalidEventPattern as exc:
                log.warning("rule %s: %s", rule.name, exc)
        self._patterns[rule.arn] = (rule.pattern, compiled)
        return compiled

    def _record(self, delivery: Delivery) -> None:
        with self._lock:
            self._deliveries.append(delivery)
            del self._deliveries[: -self._history]

    # --- one target ------------------------------------------------------------------------

    def _deliver(self, work: _Work, rule: RuleInfo, target: TargetInfo) -> None:
        event_id = str(work.event.get("id", ""))
        delivery = Delivery(event_id, rule.name, target.arn, "delivered")
        try:
            payload = transform_input(work.event, target)
        except ValueError as exc:
            self._fail(work, rule, target, delivery, TargetError("InvalidInput", str(exc), False))
            return
        errors: list[TargetError] = []  # the latest attempt's error, when it failed

        def attempt(number: int) -> bool:
            delivery.attempts = number + 1
            errors.clear()
            try:
                self._send(rule, target, payload, delivery)
            except TargetError as exc:
                errors.append(exc)
                return not exc.retriable  # a non-retriable error ends the attempts
            return True

        retry_with_max_age(
            attempt,
            retries=target.max_retry_attempts,
            max_age_s=target.max_event_age_s,
            received=work.received,
            delays=self.backoff,
            sleep=self.sleep,
            clock=self.clock,
        )
        if errors:
            self._fail(work, rule, target, delivery, errors[-1])
        else:
            self._record(delivery)

    def _send(self, rule: RuleInfo, target: TargetInfo, payload: str, delivery: Delivery) -> None:
        service = target.arn.split(":")[2] if target.arn.count(":") >= 5 else ""
        if service == "sqs":
            self.resources.send_message(target.arn, payload, {})
        elif service == "logs":
            stream = uuid.uuid4().hex
            stamp = int(self.clock() * 1000)
            self.resources.put_log_events(target.arn, stream, [(stamp, payload)])
        elif service == "lambda":
            self._invoke_lambda(rule, target, payload, delivery)
        else:
            delivery.status = "unsupported"
            log.warning("rule %s: target %s is not emulated locally", rule.name, target.arn)

    def _invoke_lambda(
        self, rule: RuleInfo, target: TargetInfo, payload: str, delivery: Delivery
    ) -> None:
        spec = self.resources.function(target.arn)
        if spec is None:
            raise TargetError(
                "ResourceNotFoundException", f"Function not found: {target.arn}", retriable=False
            )
        if not self.resources.lambda_allows(spec.arn, rule.arn):
            raise TargetError(
                "AccessDeniedException",
                f"EventBridge is not allowed to invoke {spec.arn} (no resource policy for "
                f"events.amazonaws.com and {rule.arn}); add it with lambda add-permission",
                retriable=False,
            )
        if self._pool is None:
            raise TargetError("InternalException", "the event router is stopped")
        event = json.loads(payload)
        future = self._pool.submit(self.runner.invoke_async, spec, event)
        with self._lock:
            self._pending_lambda.add(future)

        def done(f: Future[Any]) -> None:
            error = f.exception()
            if error is not None:  # a runner failure is no delivery
                log.error("Lambda target %s failed: %s", target.arn, error)
            with self._idle:
                self._pending_lambda.discard(f)
                if error is None:
                    delivery.lambda_outcome = f.result()
                else:
                    delivery.status = "failed"
                    delivery.error = f"{type(error).__name__}: {error}"
                self._idle.notify_all()

        future.add_done_callback(done)

    def _fail(
        self,
        work: _Work,
        rule: RuleInfo,
        target: TargetInfo,
        delivery: Delivery,
        error: TargetError,
    ) -> None:
        delivery.error = f"{error.code}: {error.message}"
        delivery.status = "dropped"
        if target.dead_letter_arn:
            attributes = {
                "RULE_ARN": rule.arn,
                "TARGET_ARN": target.arn,
                "ERROR_CODE": error.code,
                "ERROR_MESSAGE": error.message[:1000],
            }
            try:
                self.resources.send_message(
                    target.dead_letter_arn, json.dumps(work.event), attributes
                )
                delivery.status = "dead-lettered"
            except TargetError as exc:
                log.warning("dead-letter queue %s: %s", target.dead_letter_arn, exc.message)
        else:
            log.warning("rule %s: event dropped at %s: %s", rule.name, target.arn, error.message)
        self._record(delivery)


def transform_input(event: Mapping[str, Any], target: TargetInfo) -> str:
    """The text a target receives: the event, ``Input`` as given, or ``InputPath``'s value."""
    if target.input is not None:
        return target.input
    if target.input_path:
        return json.dumps(json_path(event, target.input_path))
    if target.input_transformer:
        log.warning("target %s: InputTransformer is not emulated; sending the event", target.id)
    return json.dumps(event)


def json_path(event: Mapping[str, Any], path: str) -> Any:
    """The ``$.a.b`` subset of JSONPath that InputPath uses."""
    if path == "$":
        return event
    if not path.startswith("$."):
        raise ValueError(f"unsupported InputPath {path!r}")
    value: Any = event
    for part in path[2:].split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value
