"""The event router with in-memory resources: matching, targets, retries, dead letters."""

from __future__ import annotations

import datetime as dt
import io
import json
import threading
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from macie_notify.local.events.router import EventRouter, macie_event, transform_input
from macie_notify.local.events.rules import RuleInfo, TargetError, TargetInfo
from macie_notify.local.lambda_.runner import FunctionSpec, LambdaRunner

ACCOUNT, REGION = "123456789012", "eu-west-1"
RULE_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/macie-demo-findings"
QUEUE = f"arn:aws:sqs:{REGION}:{ACCOUNT}:events"
DLQ = f"arn:aws:sqs:{REGION}:{ACCOUNT}:dlq"
FN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:notifier"
LOGS = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/events/macie:*"
PATTERN = json.dumps({"source": ["aws.macie"], "detail-type": ["Macie Finding"]})

FINDING: dict[str, Any] = {
    "id": "ba3c75616234b8a67797b8000371aaba",
    "type": "SensitiveData:S3Object/Personal",
    "severity": {"description": "High", "score": 3},
}


def lambda_zip(body: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("fn.py", body)
    return buf.getvalue()


class FakeResources:
    def __init__(self) -> None:
        self.rule_list: list[RuleInfo] = []
        self.queues: dict[str, list[tuple[str, dict[str, str]]]] = {QUEUE: [], DLQ: []}
        self.logs: list[tuple[str, str, list[tuple[int, str]]]] = []
        self.functions: dict[str, FunctionSpec] = {}
        self.allowed: set[tuple[str, str]] = set()
        self.flaky_sends = 0

    def rules(self, account_id: str, region: str) -> list[RuleInfo]:
        assert (account_id, region) == (ACCOUNT, REGION)
        return self.rule_list

    def function(self, arn: str) -> FunctionSpec | None:
        return self.functions.get(arn)

    def lambda_allows(self, function_arn: str, rule_arn: str) -> bool:
        return (function_arn, rule_arn) in self.allowed

    def send_message(self, queue_arn: str, body: str, attributes: Mapping[str, str]) -> None:
        if self.flaky_sends and queue_arn != DLQ:
            self.flaky_sends -= 1
            raise TargetError("InternalFailure", "try again")
        if queue_arn not in self.queues:
            raise TargetError("ResourceNotFoundException", "Queue not found", retriable=False)
        self.queues[queue_arn].append((body, dict(attributes)))

    def put_log_events(
        self, group_arn: str, stream: str, events: Sequence[tuple[int, str]]
    ) -> None:
        self.logs.append((group_arn, stream, list(events)))


@pytest.fixture
def env(tmp_path: Path) -> Any:
    res = FakeResources()
    sleeps: list[float] = []  # sleeps.append is the injected sleep
    runner = LambdaRunner(
        tmp_path, queues=res, logs=res, sleep=sleeps.append, retry_delays=(0.5, 1.0)
    )
    router = EventRouter(res, runner, sleep=sleeps.append, backoff=(0.1, 0.2, 0.4)).start()
    yield res, router, sleeps
    router.stop()


def rule(
    *targets: TargetInfo, pattern: str | None = PATTERN, state: str = "ENABLED", name: str = "r"
) -> RuleInfo:
    return RuleInfo(name, RULE_ARN if name == "r" else RULE_ARN + name, pattern, state, targets)


def deliver(router: EventRouter, finding: Mapping[str, Any] = FINDING) -> None:
    router.on_finding(dict(finding), ACCOUNT, REGION)
    assert router.drain(20)


def test_macie_event_envelope() -> None:
    now = dt.datetime(2024, 3, 11, 19, 46, 53, 31000, tzinfo=dt.timezone.utc)
    event = macie_event(FINDING, ACCOUNT, REGION, now)
    assert event == {
        "version": "0",
        "id": event["id"],
        "detail-type": "Macie Finding",
        "source": "aws.macie",
        "account": ACCOUNT,
        "time": "2024-03-11T19:46:53Z",
        "region": REGION,
        "resources": [],
        "detail": FINDING,
    }
    assert len(event["id"]) == 36
    assert macie_event(FINDING, ACCOUNT, REGION)["id"] != event["id"]


def test_only_enabled_matching_rules_deliver(env: Any) -> None:
    res, router, _ = env
    target = TargetInfo("q", QUEUE)
    res.rule_list = [
        rule(target),
        rule(target, state="DISABLED", name="off"),
        rule(target, pattern=json.dumps({"source": ["aws.s3"]}), name="other"),
        rule(target, pattern='{"source": "not-an-array"}', name="broken"),
        rule(
            target,
            pattern=json.dumps({"detail": {"severity": {"score": [{"numeric": [">=", 2]}]}}}),
            name="sev",
        ),
    ]
    deliver(router)
    bodies = [json.loads(body) for body, _ in res.queues[QUEUE]]
    assert len(bodies) == 2
    assert all(b["detail"] == FINDING and b["source"] == "aws.macie" for b in bodies)
    assert [d["rule"] for d in router.deliveries()] == ["r", "sev"]
    assert all(d["status"] == "delivered" for d in router.deliveries())


def test_input_and_input_path() -> None:
    event = macie_event(FINDING, ACCOUNT, REGION)
    assert transform_input(event, TargetInfo("t", QUEUE, input='{"fixed": 1}')) == '{"fixed": 1}'
    assert (
        json.loads(transform_input(event, TargetInfo("t", QUEUE, input_path="$.detail"))) == FINDING
    )
    assert (
        json.loads(
            transform_input(event, TargetInfo("t", QUEUE, input_path="$.detail.severity.score"))
        )
        == 3
    )
    assert json.loads(transform_input(event, TargetInfo("t", QUEUE))) == event
    with pytest.raises(ValueError, match="unsupported InputPath"):
        transform_input(event, TargetInfo("t", QUEUE, input_path="detail"))


def test_missing_queue_goes_straight_to_dead_letter_queue(env: Any) -> None:
    res, router, sleeps = env
    missing = f"arn:aws:sqs:{REGION}:{ACCOUNT}:gone"
    res.rule_list = [rule(TargetInfo("q", missing, dead_letter_arn=DLQ))]
    deliver(router)
    assert sleeps == []
    ((body, attrs),) = res.queues[DLQ]
    assert json.loads(body)["detail"] == FINDING
    assert attrs == {
        "RULE_ARN": RULE_ARN,
        "TARGET_ARN": missing,
        "ERROR_CODE": "ResourceNotFoundException",
        "ERROR_MESSAGE": "Queue not found",
    }
    (delivery,) = router.deliveries()
    assert (delivery["status"], delivery["attempts"]) == ("dead-lettered", 1)


def test_retry_policy_then_dead_letter(env: Any) -> None:
    res, router, sleeps = env
    res.flaky_sends = 10
    res.rule_list = [rule(TargetInfo("q", QUEUE, max_retry_attempts=2, dead_letter_arn=DLQ))]
    deliver(router)
    assert sleeps == [0.1, 0.2]
    assert res.queues[QUEUE] == []
    assert res.queues[DLQ][0][1]["ERROR_CODE"] == "InternalFailure"
    assert router.deliveries()[0]["attempts"] == 3


def test_transient_error_recovers_within_retries(env: Any) -> None:
    res, router, sleeps = env
    res.flaky_sends = 1
    res.rule_list = [rule(TargetInfo("q", QUEUE, dead_letter_arn=DLQ))]
    deliver(router)
    assert sleeps == [0.1]
    assert len(res.queues[QUEUE]) == 1
    assert res.queues[DLQ] == []


def test_no_dead_letter_queue_drops(env: Any) -> None:
    res, router, _ = env
    res.rule_list = [rule(TargetInfo("q", f"arn:aws:sqs:{REGION}:{ACCOUNT}:gone"))]
    deliver(router)
    assert router.deliveries()[0]["status"] == "dropped"


def test_logs_target(env: Any) -> None:
    res, router, _ = env
    res.rule_list = [rule(TargetInfo("l", LOGS))]
    deliver(router)
    ((group, _, events),) = res.logs
    assert group == LOGS
    assert json.loads(events[0][1])["detail"] == FINDING


def function(body: str, **kwargs: Any) -> FunctionSpec:
    return FunctionSpec(
        name="notifier",
        arn=FN,
        handler="fn.handler",
        code=lambda_zip(body),
        region=REGION,
        **kwargs,
    )


def test_lambda_target_needs_a_resource_policy(env: Any) -> None:
    res, router, _ = env
    res.functions[FN] = function("def handler(e, c): return 1")
    res.rule_list = [rule(TargetInfo("f", FN, dead_letter_arn=DLQ))]
    deliver(router)
    (delivery,) = router.deliveries()
    assert delivery["status"] == "dead-lettered"
    assert res.queues[DLQ][0][1]["ERROR_CODE"] == "AccessDeniedException"


def test_missing_function_is_dead_lettered(env: Any) -> None:
    res, router, _ = env
    res.rule_list = [rule(TargetInfo("f", FN, dead_letter_arn=DLQ))]
    deliver(router)
    assert res.queues[DLQ][0][1]["ERROR_CODE"] == "ResourceNotFoundException"


def test_lambda_target_receives_the_event(env: Any) -> None:
    res, router, _ = env
    body = "import json\ndef handler(e, c):\n    print('GOT', json.dumps(e['detail']['id']))\n"
    res.functions[FN] = function(body)
    res.allowed.add((FN, RULE_ARN))
    res.rule_list = [rule(TargetInfo("f", FN))]
    deliver(router)
    (delivery,) = router.deliveries()
    assert delivery["status"] == "delivered"
    assert delivery["lambda"] == {"condition": "Success", "attempts": 1, "sentTo": []}
    ((group, _, events),) = res.logs
    assert group.endswith(":log-group:/aws/lambda/notifier")
    assert f'GOT "{FINDING["id"]}"' in [m for _, m in events]


def test_failing_lambda_retried_twice_then_its_dead_letter_queue(env: Any) -> None:
    res, router, sleeps = env
    res.functions[FN] = function(
        "def handler(e, c):\n    raise RuntimeError('slack down')\n", dead_letter_arn=DLQ
    )
    res.allowed.add((FN, RULE_ARN))
    res.rule_list = [rule(TargetInfo("f", FN))]
    deliver(router)
    assert router.deliveries()[0]["lambda"] == {
        "condition": "RetriesExhausted",
        "attempts": 3,
        "sentTo": [DLQ],
    }
    assert sleeps == [0.5, 1.0]
    ((body, attrs),) = res.queues[DLQ]
    assert json.loads(body)["detail"] == FINDING
    assert attrs["ErrorMessage"] == "slack down"


def test_a_function_whose_interpreter_cannot_start_fails_and_is_dead_lettered(
    tmp_path: Path,
) -> None:
    res = FakeResources()
    sleeps: list[float] = []
    runner = LambdaRunner(
        tmp_path,
        queues=res,
        logs=res,
        sleep=sleeps.append,
        retry_delays=(0.5, 1.0),
        python=str(tmp_path / "missing-python"),
    )
    router = EventRouter(res, runner, sleep=sleeps.append).start()
    try:
        res.functions[FN] = function("def handler(e, c):\n    pass\n", dead_letter_arn=DLQ)
        res.allowed.add((FN, RULE_ARN))
        res.rule_list = [rule(TargetInfo("f", FN))]
        deliver(router)
    finally:
        router.stop()
    (delivery,) = router.deliveries()
    assert delivery["lambda"] == {"condition": "RetriesExhausted", "attempts": 3, "sentTo": [DLQ]}
    assert sleeps == [0.5, 1.0]
    ((body, attrs),) = res.queues[DLQ]
    assert json.loads(body)["detail"] == FINDING
    assert attrs["ErrorMessage"].endswith("missing-python: No such file or directory")


def test_stop_joins_every_thread(tmp_path: Path) -> None:
    before = set(threading.enumerate())  # other tests' servers may share this process
    res = FakeResources()
    router = EventRouter(res, LambdaRunner(tmp_path)).start()
    res.rule_list = [rule(TargetInfo("q", QUEUE))]
    router.on_finding(dict(FINDING), ACCOUNT, REGION)
    router.stop()
    assert len(res.queues[QUEUE]) == 1
    names = [t.name for t in threading.enumerate() if t not in before]
    assert not any(n.startswith(("macie-notify-events", "macie-notify-lambda")) for n in names)
