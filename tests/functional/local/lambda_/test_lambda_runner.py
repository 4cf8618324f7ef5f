"""The Lambda runner: real subprocesses running zips built in the test."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from macie_notify.local.lambda_.runner import FunctionSpec, LambdaRunner
from macie_notify.packaging import code_sha256

HANDLER = """
import json, logging, os, sys, time

logger = logging.getLogger()
logger.setLevel(logging.INFO)

def ok(event, context):
    print("hello from", context.function_name)
    logger.info("info line")
    names = ["AWS_REGION", "AWS_DEFAULT_REGION", "AWS_LAMBDA_FUNCTION_NAME",
             "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
             "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_EXECUTION_ENV",
             "LAMBDA_TASK_ROOT", "_HANDLER", "TZ", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID",
             "SLACK_API_URL", "MY_SETTING", "HOME_SECRET"]
    return {
        "event": event,
        "env": {n: os.environ.get(n) for n in names},
        "context": {
            "function_name": context.function_name,
            "function_version": context.function_version,
            "invoked_function_arn": context.invoked_function_arn,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "aws_request_id": context.aws_request_id,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "remaining": context.get_remaining_time_in_millis(),
        },
        "cwd": os.getcwd(),
    }

def boom(event, context):
    raise ValueError("cannot deliver " + event.get("id", "?"))

def slow(event, context):
    time.sleep(30)

def imports_slack(event, context):
    import slack_sdk

def has_boto3(event, context):
    import boto3
    return boto3.__name__

def exits(event, context):
    sys.exit(3)

def unserializable(event, context):
    return {1, 2}

SEEN = []
print("init ran")

def counts(event, context):
    SEEN.append(event.get("n"))
    return {"seen": list(SEEN), "pid": os.getpid(), "stream": context.log_stream_name}

def sleeps_then_counts(event, context):
    time.sleep(float(event.get("sleep", 0)))
    return counts(event, context)
"""


def make_zip(files: Mapping[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in sorted(files.items()):
            zf.writestr(name, text)
    return buf.getvalue()


CODE = make_zip({"app/__init__.py": "", "app/main.py": HANDLER})
ARN = "arn:aws:lambda:eu-west-1:123456789012:function:macie-demo-notifier"
DLQ = "arn:aws:sqs:eu-west-1:123456789012:macie-demo-dlq"
DEST = "arn:aws:sqs:eu-west-1:123456789012:macie-demo-failures"


def spec(handler: str = "app.main.ok", **kwargs: Any) -> FunctionSpec:
    base: dict[str, Any] = {
        "name": "macie-demo-notifier",
        "arn": ARN,
        "handler": handler,
        "code": CODE,
        "code_sha256": code_sha256(CODE),
        "region": "eu-west-1",
        "timeout_s": 5,
        "environment": {"MY_SETTING": "on", "AWS_REGION": "us-west-2"},
    }
    base.update(kwargs)
    return FunctionSpec(**base)


class FakeQueues:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, dict[str, str]]] = []

    def send_message(self, queue_arn: str, body: str, attributes: Mapping[str, str]) -> None:
        self.sent.append((queue_arn, body, dict(attributes)))


class FakeLogs:
    def __init__(self) -> None:
        self.events: list[tuple[str, str, list[tuple[int, str]]]] = []

    def put_log_events(self, group: str, stream: str, events: Sequence[tuple[int, str]]) -> None:
        self.events.append((group, stream, list(events)))


@pytest.fixture
def parts(tmp_path: Path) -> Iterator[tuple[LambdaRunner, FakeQueues, FakeLogs, list[float]]]:
    queues, logs = FakeQueues(), FakeLogs()
    sleeps: list[float] = []  # sleeps.append is the injected sleep
    runner = LambdaRunner(
        tmp_path / "cache",
        endpoint_url="http://127.0.0.1:4566",
        slack_api_url="http://127.0.0.1:4566/_local/slack/api/",
        queues=queues,
        logs=logs,
        sleep=sleeps.append,
        retry_delays=(1.0, 2.0),
    )
    yield runner, queues, logs, sleeps
    runner.close(grace_s=1)


def test_handler_gets_runtime_environment_and_context(
    parts: tuple[LambdaRunner, FakeQueues, FakeLogs, list[float]], monkeypatch: pytest.MonkeyPatch
) -> None:
    runner, _, logs, _ = parts
    monkeypatch.setenv("HOME_SECRET", "host value must not leak")
    result = runner.invoke(spec(), {"id": "e1"}, request_id="req-1")
    assert result.ok, result.error
    env = result.payload["env"]
    root = runner.task_root(spec())
    assert env == {
        "AWS_REGION": "eu-west-1",  # reserved: the runtime's value wins
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_LAMBDA_FUNCTION_NAME": "macie-demo-notifier",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/macie-demo-notifier",
        "AWS_LAMBDA_LOG_STREAM_NAME": env["AWS_LAMBDA_LOG_STREAM_NAME"],
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
        "LAMBDA_TASK_ROOT": str(root),
        "_HANDLER": "app.main.ok",
        "TZ": ":UTC",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:4566",
        "AWS_ACCESS_KEY_ID": "testing",
        "SLACK_API_URL": "http://127.0.0.1:4566/_local/slack/api/",
        "MY_SETTING": "on",
        "HOME_SECRET": None,
    }
    assert (
        "]" in env["AWS_LAMBDA_LOG_STREAM_NAME"]
        and "[$LATEST]" in env["AWS_LAMBDA_LOG_STREAM_NAME"]
    )
    ctx = result.payload["context"]
    assert ctx["function_name"] == "macie-demo-notifier"
    assert ctx["invoked_function_arn"] == ARN
    assert ctx["memory_limit_in_mb"] == "128"
    assert ctx["aws_request_id"] == "req-1"
    assert ctx["log_group_name"] == "/aws/lambda/macie-demo-notifier"
    assert 0 < ctx["remaining"] <= 5000
    assert result.payload["cwd"] == str(root)
    assert result.payload["event"] == {"id": "e1"}
    (group, stream, events) = logs.events[0]
    assert group == "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/macie-demo-notifier"
    assert stream == env["AWS_LAMBDA_LOG_STREAM_NAME"]
    lines = [m for _, m in events]
    assert lines[0] == "START RequestId: req-1 Version: $LATEST"
    assert "hello from macie-demo-notifier" in lines
    assert any(m.startswith("[INFO]\t") and m.endswith("\treq-1\tinfo line") for m in lines)
    assert lines[-2] == "END RequestId: req-1"
    assert lines[-1].startswith("REPORT RequestId: req-1\tDuration: ")


def test_function_slack_api_url_wins(
    parts: tuple[LambdaRunner, FakeQueues, FakeLogs, list[float]],
) -> None:
    runner = parts[0]
    result = runner.invoke(spec(environment={"SLACK_API_URL": "http://elsewhere/api/"}), {})
    assert result.payload["env"]["SLACK_API_URL"] == "http://elsewhere/api/"


@pytest.mark.parametrize(
    ("handler", "error_type", "message"),
    [
        ("app.main.boom", "ValueError", "cannot deliver e9"),
        ("app.missing.fn", "Runtime.ImportModuleError", "Unable to import module 'app.missing'"),
        ("app.main.nope", "Runtime.HandlerNotFound", "Handler 'nope' missing on module 'app.main'"),
        # The zip does not ship slack_sdk, and the runtime does not provide it.
        ("app.main.imports_slack", "ModuleNotFoundError", "No module named 'slack_sdk'"),
        ("app.main.exits", "Runtime.ExitError", "Runtime exited"),
        ("app.main.unserializable", "Runtime.MarshalError", "Unable to marshal response"),
    ],
)
def test_errors(
    parts: tuple[LambdaRunner, FakeQueues, FakeLogs, list[float]],
    handler: str,
    error_type: str,
    message: str,
) -> None:
    result = parts[0].invoke(spec(handler), {"id": "e9"})
    assert not result.ok
    assert result.error is not None
    assert result.error["errorType"] == error_type
    assert message in result.error["errorMessage"]


def test_error_logs_have_lambda_error_line(
    parts: tuple[LambdaRunner, FakeQueues, FakeLogs, list[float]],
) -> None:
    result = parts[0].invoke(spec("app.main.boom"), {"id": "e9"})
    assert "[ERROR] ValueError: cannot deliver e9" in result.logs
    assert result.error is not None and any("boom" in f for f in result.error["stackTrace"])


def test_runtime_provides_boto3(
    parts: tuple[LambdaRunner, FakeQueues, FakeLogs, list[float]],
) -> None:
    result = parts[0].invoke(spec("app.main.has_boto3"), {})
    assert (result.ok, result.payload) == (True, "boto3")


def test_timeout_kills_the_handler(
    parts: tuple[LambdaRunner, FakeQueues, FakeLogs, list[float]],
) -> None:
    result = parts[0].invoke(spec("app.main.slow", timeout_s=1), {}, request_id="req-t")
    assert result.timed_out
    assert result.error is not None
    assert result.error["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in result.error["errorMessage"]
    assert "req-t Task timed out after 1.00 seconds" in result.logs
    assert result.duration_ms < 5000


def test_unsupported_runtime(parts: tuple[LambdaRunner, FakeQueues, FakeLogs, list[float]]) -> None:
    result = parts[0].invoke(spec(runtime="nodejs20.x"), {})
    assert result.error is not None and result.error["errorType"] == "Runtime.InvalidRuntime"


def test_code_cache_is_keyed_by_sha(
    parts: tuple[LambdaRunner, FakeQueues, FakeLogs, list[float]],
) -> None:
    runner = parts[0]
    first = runner.task_root(spec())
    assert runner.task_root(spec()) == first
    other = make_zip({"app/__init__.py": "", "app/main.py": HANDLER + "\n# v2\n"})
    second = runner.task_root(spec(code=other, code_sha256=code_sha256(other)))
    assert second != first
    assert (second / "app" / "main.py").read_text().endswith("# v2\n")


def test_async_success_runs_once(
    parts: tuple[LambdaRunner, FakeQueues, FakeLogs, list[float]],
) -> None:
    runner, queues, _, sleeps = parts
    outcome = runner.invoke_async(spec(dead_letter_arn=DLQ), {"id": "ok"})
    assert outcome.delivered
    assert len(outcome.attempts) == 1
    assert sleeps == []
    assert queues.sent == []


def test_async_failure_retries_twice_then_dead_letter_queue(
    parts: tuple[LambdaRunner, FakeQueues, FakeLogs, list[float]],
) -> None:
    runner, queues, logs, sleeps = parts
    event = {"id": "e9", "source": "aws.macie"}
    outcome = runner.invoke_async(spec("app.main.boom", dead_letter_arn=DLQ), event)
    assert outcome.condition == "RetriesExhausted"
    assert len(outcome.attempts) == 3
    assert sleeps == [1.0, 2.0]
    # Retries of one event keep its request id, as Lambda does.
    assert len({a.request_id for a in outcome.attempts}) == 1
    assert len(logs.events) == 3
    ((arn, body, attrs),) = queues.sent
    assert arn == DLQ
    assert json.loads(body) == event
    assert attrs == {
        "RequestID": outcome.attempts[0].request_id,
        "ErrorCode": "200",
        "ErrorMessage": "cannot deliver e9",
    }
    assert outcome.sent_to == [DLQ]


def test_async_on_failure_destination_gets_invocation_record(
    parts: tuple[LambdaRunner, FakeQueues, FakeLogs, list[float]],
) -> None:
    runner, queues, _, sleeps = parts
    fn = spec("app.main.boom", on_failure_arn=DEST, max_retry_attempts=1)
    outcome = runner.invoke_async(fn, {"id": "e9"})
    assert len(outcome.attempts) == 2
    assert sleeps == [1.0]
    ((arn, body, _),) = queues.sent
    record = json.loads(body)
    assert arn == DEST
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["requestContext"]["functionArn"] == ARN + ":$LATEST"
    assert record["requestPayload"] == {"id": "e9"}
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorType"] == "ValueError"


def test_from_configuration() -> None:
    config = {
        "FunctionName": "fn",
        "FunctionArn": ARN,
        "Handler": "notifier.handler.lambda_handler",
        "Runtime": "python3.12",
        "Timeout": 30,
        "MemorySize": 256,
        "CodeSha256": code_sha256(CODE),
        "Environment": {"Variables": {"SLACK_CHANNEL": "#x"}},
        "DeadLetterConfig": {"TargetArn": DLQ},
    }
    invoke = {"MaximumRetryAttempts": 0, "DestinationConfig": {"OnFailure": {"Destination": DEST}}}
    fn = FunctionSpec.from_configuration(config, CODE, invoke)
    assert (fn.region, fn.timeout_s, fn.memory_mb, fn.max_retry_attempts) == (
        "eu-west-1",
        30,
        256,
        0,
    )
    assert (fn.dead_letter_arn, fn.on_failure_arn) == (DLQ, DEST)
    assert fn.environment == {"SLACK_CHANNEL": "#x"}


def test_an_interpreter_that_cannot_start_is_a_failed_invocation(
    parts: tuple[LambdaRunner, FakeQueues, FakeLogs, list[float]], tmp_path: Path
) -> None:
    _, queues, logs, sleeps = parts
    runner = LambdaRunner(
        tmp_path / "other-cache",
        queues=queues,
        logs=logs,
        sleep=sleeps.append,
        retry_delays=(1.0, 2.0),
        python=str(tmp_path / "no-such-python"),
    )
    outcome = runner.invoke_async(spec(dead_letter_arn=DLQ), {"id": "e1"})
    assert outcome.condition == "RetriesExhausted"
    assert len(outcome.attempts) == 3 and sleeps == [1.0, 2.0]
    error = outcome.attempts[-1].error
    assert error is not None
    assert error["errorType"] == "Runtime.InvalidEntrypoint"
    assert error["errorMessage"].endswith(
        f"Error: fork/exec {tmp_path / 'no-such-python'}: No such file or directory"
    )
    (queue, body, attributes) = queues.sent[0]
    assert (queue, json.loads(body)) == (DLQ, {"id": "e1"})
    assert attributes["ErrorMessage"] == error["errorMessage"]
    assert outcome.sent_to == [DLQ]


def test_a_closed_runner_starts_nothing_and_keeps_the_event(
    parts: tuple[LambdaRunner, FakeQueues, FakeLogs, list[float]],
) -> None:
    runner, queues, _, sleeps = parts
    runner.close(grace_s=0)
    outcome = runner.invoke_async(spec(dead_letter_arn=DLQ), {"id": "e2"})
    # No retry while stopping: the event goes straight where failures go.
    assert (outcome.condition, len(outcome.attempts), sleeps) == ("RetriesExhausted", 1, [])
    error = outcome.attempts[0].error
    assert error is not None and error["errorMessage"].endswith("the local server is stopping")
    assert [q for q, _, _ in queues.sent] == [DLQ]
    runner.reopen()
    assert runner.invoke(spec(), {"id": "e3"}).ok


def test_code_over_250_mb_unzipped_is_never_extracted(
    parts: tuple[LambdaRunner, FakeQueues, FakeLogs, list[float]], zip_bomb: bytes
) -> None:
    runner = parts[0]
    result = runner.invoke(spec(code=zip_bomb), {}, "req-big")
    assert result.error is not None
    assert result.error["errorMessage"] == (
        "RequestId: req-big Error: Unzipped size must be smaller than 262144000 bytes"
    )
    assert not (runner.cache_dir / "code").exists()


def test_a_warm_environment_is_reused_with_its_state(
    parts: tuple[LambdaRunner, FakeQueues, FakeLogs, list[float]],
) -> None:
    """As on Lambda: the init phase runs once per environment, module-level state carries
    over to the next invocation, and the environment keeps its log stream."""
    runner, _, logs, _ = parts
    first = runner.invoke(spec("app.main.counts"), {"n": 1})
    second = runner.invoke(spec("app.main.counts"), {"n": 2})
    assert first.payload["seen"] == [1] and second.payload["seen"] == [1, 2]
    assert first.payload["pid"] == second.payload["pid"]
    assert first.payload["stream"] == second.payload["stream"]
    assert "init ran" in first.logs and "init ran" not in second.logs
    streams = {stream for _, stream, _ in logs.events}
    assert streams == {first.payload["stream"]}


def test_concurrent_invocations_get_environments_of_their_own(
    parts: tuple[LambdaRunner, FakeQueues, FakeLogs, list[float]],
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    runner = parts[0]
    with ThreadPoolExecutor(2) as pool:
        results = list(
            pool.map(
                lambda n: runner.invoke(spec("app.main.sleeps_then_counts"), {"n": n, "sleep": 1}),
                [1, 2],
            )
        )
    assert len({r.payload["pid"] for r in results}) == 2
    assert len({r.payload["stream"] for r in results}) == 2
    # Both stay warm: the next two sequential invocations reuse them.
    later = [runner.invoke(spec("app.main.sleeps_then_counts"), {"n": n}) for n in (3, 4)]
    assert {r.payload["pid"] for r in later} <= {r.payload["pid"] for r in results}


def test_a_timeout_or_a_new_configuration_starts_a_fresh_environment(
    parts: tuple[LambdaRunner, FakeQueues, FakeLogs, list[float]],
) -> None:
    runner = parts[0]
    fast = spec("app.main.sleeps_then_counts", timeout_s=1)
    assert runner.invoke(fast, {"n": 1}).payload["seen"] == [1]
    assert runner.invoke(fast, {"n": 2, "sleep": 3}).timed_out
    after_timeout = runner.invoke(fast, {"n": 3})
    assert after_timeout.payload["seen"] == [3]  # the timed-out environment was not reused
    changed = spec("app.main.sleeps_then_counts", timeout_s=1, environment={"MY_SETTING": "x"})
    assert runner.invoke(changed, {"n": 4}).payload["seen"] == [4]


def test_a_failed_init_is_retried_in_a_new_environment(
    parts: tuple[LambdaRunner, FakeQueues, FakeLogs, list[float]],
) -> None:
    runner = parts[0]
    for _ in range(2):
        result = runner.invoke(spec("app.missing.handler"), {})
        assert result.error is not None
        assert result.error["errorType"] == "Runtime.ImportModuleError"


def test_closing_the_runner_ends_its_warm_environments(
    parts: tuple[LambdaRunner, FakeQueues, FakeLogs, list[float]],
) -> None:
    import os

    runner = parts[0]
    pid = runner.invoke(spec("app.main.counts"), {"n": 1}).payload["pid"]
    runner.close(grace_s=1)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
