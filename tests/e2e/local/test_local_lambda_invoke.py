"""Lambda Invoke on the local endpoint (boto3 and the AWS CLI over HTTP): RequestResponse,
Event (background, retries, on-failure destination), DryRun, errors as Lambda returns
them, and the real notifier zip posting a Macie finding to the Slack sink."""

from __future__ import annotations

import base64
import io
import json
import os
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aws_cli import aws_cli, needs_aws_cli
from botocore.exceptions import ClientError

from macie_notify.local import LocalServer
from macie_notify.packaging import HANDLER, build_zip
from macie_notify.stack.policies import LAMBDA_TRUST

pytestmark = pytest.mark.e2e

ClientFactory = Callable[..., Any]

ACCOUNT = "123456789012"
REGION = "us-east-1"
EVENTS = Path(__file__).parents[2] / "events"
TOKEN = "xoxb-local-invoke-0001-abcdef"
# One zip, several handlers: the runner extracts it once.
HANDLERS = """
import json
import os

import boto3


def echo(event, context):
    print("echo", context.aws_request_id)
    return {
        "event": event,
        "greeting": os.environ["GREETING"],
        "requestId": context.aws_request_id,
        "version": context.function_version,
    }


def fail(event, context):
    raise ValueError(f"boom {event.get('n')}")


def sleepy(event, context):
    import time

    time.sleep(30)


def relay(event, context):
    # Waits for the test's go-ahead, so an Event invoke that blocked would time out.
    sqs = boto3.client("sqs")
    got = sqs.receive_message(QueueUrl=event["go"], WaitTimeSeconds=10).get("Messages")
    sqs.send_message(
        QueueUrl=event["out"],
        MessageBody=json.dumps({"event": event, "requestId": context.aws_request_id,
                                "go": bool(got)}),
    )
    return "relayed"
"""


def _test_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("fns.py", HANDLERS)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def local_server() -> Iterator[LocalServer]:
    """A full server (Slack sink, Lambda Invoke); overrides the package's bare one."""
    with LocalServer() as server:
        yield server


@pytest.fixture(scope="module")
def role(local_server: LocalServer) -> str:
    iam = local_server.client("iam")
    created = iam.create_role(
        RoleName=f"invoke-test-{os.getpid()}", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST)
    )
    return str(created["Role"]["Arn"])


@pytest.fixture
def make_function(client: ClientFactory, role: str) -> Iterator[Callable[..., str]]:
    """``make_function(handler, **env)`` -> a new function's name (unique per test)."""
    lam = client("lambda")
    code = _test_zip()
    created: list[str] = []

    def make(handler: str, code_zip: bytes = code, timeout: int = 10, **env: str) -> str:
        name = f"fn-{handler.rsplit('.', 1)[-1]}-{len(created)}-{time.monotonic_ns()}"
        lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=role,
            Handler=handler,
            Code={"ZipFile": code_zip},
            Timeout=timeout,
            Environment={"Variables": env},
        )
        created.append(name)
        return name

    yield make
    for name in created:
        lam.delete_function(FunctionName=name)


def _queue(client: ClientFactory, name: str) -> tuple[str, str]:
    sqs = client("sqs")
    url = sqs.create_queue(QueueName=f"{name}-{time.monotonic_ns()}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return str(url), str(arn["Attributes"]["QueueArn"])


@pytest.fixture
def relay(client: ClientFactory, make_function: Callable[..., str]) -> tuple[str, str, str]:
    """``fns.relay`` and its two queues: (function name, go-ahead URL, output URL)."""
    go_url, _ = _queue(client, "go")
    out_url, _ = _queue(client, "out")
    return make_function("fns.relay"), go_url, out_url


def _receive(client: ClientFactory, url: str, wait: int = 15) -> dict[str, Any]:
    sqs = client("sqs")
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages")
        if got:
            return dict(got[0])
    raise AssertionError(f"nothing arrived on {url} within {wait} s")


# --- RequestResponse -----------------------------------------------------------------------


def test_sync_invoke_returns_the_handler_result_and_log_tail(
    client: ClientFactory, make_function: Callable[..., str]
) -> None:
    name = make_function("fns.echo", GREETING="hello")
    out = client("lambda").invoke(FunctionName=name, Payload=b'{"a": [1, 2]}', LogType="Tail")
    assert out["StatusCode"] == 200
    assert out["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in out
    body = json.loads(out["Payload"].read())
    request_id = out["ResponseMetadata"]["RequestId"]
    assert body == {
        "event": {"a": [1, 2]},
        "greeting": "hello",
        "requestId": request_id,
        "version": "$LATEST",
    }
    log = base64.b64decode(out["LogResult"]).decode()
    assert log.startswith(f"START RequestId: {request_id} Version: $LATEST\n")
    assert f"echo {request_id}\n" in log
    assert f"END RequestId: {request_id}\n" in log
    assert f"REPORT RequestId: {request_id}\tDuration: " in log


def test_empty_payload_is_an_empty_object_and_name_forms_resolve(
    client: ClientFactory, make_function: Callable[..., str]
) -> None:
    lam = client("lambda")
    name = make_function("fns.echo", GREETING="hi")
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
    forms: list[dict[str, str]] = [
        {"FunctionName": arn},
        {"FunctionName": f"{ACCOUNT}:function:{name}"},
        {"FunctionName": f"{name}:$LATEST"},
        {"FunctionName": name, "Qualifier": "$LATEST"},
    ]
    for form in forms:
        out = lam.invoke(**form)
        assert out["StatusCode"] == 200, form
        assert json.loads(out["Payload"].read())["event"] == {}, form
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as info:
        lam.invoke(FunctionName=name, Qualifier="nope")
    assert info.value.response["Error"]["Message"] == f"Function not found: {arn}:nope"
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.invoke(FunctionName=f"{name}:$LATEST", Qualifier="7")


def test_published_version_and_alias_report_the_executed_version(
    client: ClientFactory, make_function: Callable[..., str]
) -> None:
    lam = client("lambda")
    name = make_function("fns.echo", GREETING="v1")
    version = lam.publish_version(FunctionName=name)["Version"]
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion=version)
    for qualifier in (version, "live"):
        out = lam.invoke(FunctionName=name, Qualifier=qualifier)
        assert out["ExecutedVersion"] == version
        assert json.loads(out["Payload"].read())["version"] == version


def test_handler_error_is_an_unhandled_function_error(
    client: ClientFactory, make_function: Callable[..., str]
) -> None:
    name = make_function("fns.fail")
    out = client("lambda").invoke(FunctionName=name, Payload=b'{"n": 7}')
    assert out["StatusCode"] == 200
    assert out["FunctionError"] == "Unhandled"
    assert out["ExecutedVersion"] == "$LATEST"
    body = json.loads(out["Payload"].read())
    assert list(body) == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert body["errorMessage"] == "boom 7"
    assert body["errorType"] == "ValueError"
    assert body["requestId"] == out["ResponseMetadata"]["RequestId"]
    assert any("in fail" in frame for frame in body["stackTrace"])


def test_timeout_is_reported_by_the_sandbox(
    client: ClientFactory, make_function: Callable[..., str]
) -> None:
    name = make_function("fns.sleepy", timeout=1)
    out = client("lambda").invoke(FunctionName=name)
    assert out["FunctionError"] == "Unhandled"
    body = json.loads(out["Payload"].read())
    request_id = out["ResponseMetadata"]["RequestId"]
    assert body == {
        "errorMessage": f"RequestId: {request_id} Error: Task timed out after 1.00 seconds",
        "errorType": "Sandbox.Timedout",
    }


def test_missing_module_is_an_import_error_with_an_empty_request_id(
    client: ClientFactory, make_function: Callable[..., str]
) -> None:
    name = make_function("nosuch.handler")
    out = client("lambda").invoke(FunctionName=name)
    body = json.loads(out["Payload"].read())
    assert out["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.ImportModuleError"
    assert body["errorMessage"].startswith("Unable to import module 'nosuch'")
    assert body["requestId"] == ""


# --- request errors ------------------------------------------------------------------------


def test_unknown_function_is_resource_not_found(local_server: LocalServer) -> None:
    import urllib.error
    import urllib.request

    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials

    lam = local_server.client("lambda")
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as info:
        lam.invoke(FunctionName="no-such-function", Payload=b"{}")
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:no-such-function"
    assert info.value.response["Error"]["Message"] == f"Function not found: {arn}"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.invoke(FunctionName="no-such-function", InvocationType="DryRun")
    # The wire format: rest-json error header and a {"Type", "message"} body.
    url = f"{local_server.endpoint_url}/2015-03-31/functions/no-such-function/invocations"
    request = botocore.awsrequest.AWSRequest("POST", url, data=b"{}")
    creds = botocore.credentials.Credentials("testing", "testing")
    botocore.auth.SigV4Auth(creds, "lambda", REGION).add_auth(request)
    prepared = urllib.request.Request(
        url, data=b"{}", headers=dict(request.headers.items()), method="POST"
    )
    no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with pytest.raises(urllib.error.HTTPError) as raw:
        no_proxy.open(prepared, timeout=10)
    assert raw.value.code == 404
    assert raw.value.headers["x-amzn-ErrorType"] == "ResourceNotFoundException"
    assert json.loads(raw.value.read()) == {"Type": "User", "message": f"Function not found: {arn}"}


def test_bad_invocation_type_and_payload_are_rejected(
    client: ClientFactory, make_function: Callable[..., str]
) -> None:
    lam = client("lambda")
    name = make_function("fns.echo", GREETING="x")
    with pytest.raises(lam.exceptions.InvalidParameterValueException) as bad_type:
        lam.invoke(FunctionName=name, InvocationType="Later")
    assert bad_type.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    for payload in (b"not json", b'{"a": ', b"\xff\xfe"):
        with pytest.raises(lam.exceptions.InvalidRequestContentException) as bad_body:
            lam.invoke(FunctionName=name, Payload=payload)
        message = bad_body.value.response["Error"]["Message"]
        assert message.startswith("Could not parse request body into json"), payload
    with pytest.raises(ClientError) as bad_name:
        lam.invoke(FunctionName="has space")
    assert bad_name.value.response["Error"]["Code"] == "ValidationException"


def test_dry_run_checks_the_function_and_runs_nothing(
    local_server: LocalServer, client: ClientFactory, make_function: Callable[..., str]
) -> None:
    name = make_function("fns.echo", GREETING="x")
    out = client("lambda").invoke(FunctionName=name, InvocationType="DryRun")
    assert out["StatusCode"] == 204
    assert out["Payload"].read() == b""
    logs = client("logs").describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{name}")
    assert logs["logGroups"] == []


# --- Event ---------------------------------------------------------------------------------


def test_event_invoke_answers_202_and_runs_in_the_background(
    client: ClientFactory, relay: tuple[str, str, str]
) -> None:
    name, go_url, out_url = relay
    event = {"go": go_url, "out": out_url}
    out = client("lambda").invoke(
        FunctionName=name, InvocationType="Event", Payload=json.dumps(event).encode()
    )
    assert out["StatusCode"] == 202
    assert out["Payload"].read() == b""
    # Only now may the function finish: a blocking Event invoke would not have returned.
    client("sqs").send_message(QueueUrl=go_url, MessageBody="go")
    record = json.loads(_receive(client, out_url)["Body"])
    assert record["event"] == event
    assert record["go"] is True


def test_deprecated_invoke_async_is_an_event_invocation(
    client: ClientFactory, relay: tuple[str, str, str]
) -> None:
    name, go_url, out_url = relay
    client("sqs").send_message(QueueUrl=go_url, MessageBody="go")
    event = {"go": go_url, "out": out_url}
    out = client("lambda").invoke_async(FunctionName=name, InvokeArgs=json.dumps(event))
    assert out["Status"] == 202
    assert json.loads(_receive(client, out_url)["Body"])["event"] == event


def test_failing_event_is_retried_then_sent_to_the_on_failure_destination(
    local_server: LocalServer, client: ClientFactory, make_function: Callable[..., str]
) -> None:
    lam = client("lambda")
    url, arn = _queue(client, "on-failure")
    name = make_function("fns.fail")
    lam.put_function_event_invoke_config(
        FunctionName=name,
        MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": arn}},
    )
    runner = local_server.lambda_invoke.runner
    saved, runner.retry_delays = runner.retry_delays, (0.05,)
    try:
        out = lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"n": 3}')
        assert out["StatusCode"] == 202
        record = json.loads(_receive(client, url)["Body"])
    finally:
        runner.retry_delays = saved
    context = record["requestContext"]
    assert context["condition"] == "RetriesExhausted"
    assert context["approximateInvokeCount"] == 2
    assert context["functionArn"] == f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}:$LATEST"
    assert record["requestPayload"] == {"n": 3}
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorMessage"] == "boom 3"


def test_stop_waits_for_background_invocations(
    client: ClientFactory, relay: tuple[str, str, str]
) -> None:
    """A second server (moto's state is shared): stop() joins its invoke pool, letting
    background invocations finish within its grace period."""
    name, go_url, out_url = relay
    client("sqs").send_message(QueueUrl=go_url, MessageBody="go")
    before = set(threading.enumerate())
    other = LocalServer().start()
    try:
        lam = other.client("lambda")
        payload = json.dumps({"go": go_url, "out": out_url}).encode()
        assert (
            lam.invoke(FunctionName=name, InvocationType="Event", Payload=payload)["StatusCode"]
            == 202
        )
    finally:
        other.stop(grace_s=60)  # a generous grace: the test is about joining, not killing
    left = [t for t in set(threading.enumerate()) - before if t.name.startswith("macie-notify")]
    assert left == []
    got = client("sqs").receive_message(QueueUrl=out_url, WaitTimeSeconds=0)
    assert json.loads(got["Messages"][0]["Body"])["go"] is True


# --- clients -------------------------------------------------------------------------------


@needs_aws_cli
def test_aws_cli_lambda_invoke(
    local_server: LocalServer, make_function: Callable[..., str], tmp_path: Path
) -> None:
    name = make_function("fns.echo", GREETING="from-cli")
    outfile = tmp_path / "out.json"
    answer = aws_cli(
        local_server,
        "lambda",
        "invoke",
        "--endpoint-url",
        local_server.endpoint_url,
        "--function-name",
        name,
        "--payload",
        '{"from": "cli"}',  # awscli v1 sends a blob argument as it is
        str(outfile),
        region=REGION,
    )
    assert answer == {"StatusCode": 200, "ExecutedVersion": "$LATEST"}
    result = json.loads(outfile.read_text())
    assert result["event"] == {"from": "cli"}
    assert result["greeting"] == "from-cli"


def test_notifier_zip_posts_a_macie_finding_to_the_slack_sink(
    local_server: LocalServer, client: ClientFactory, make_function: Callable[..., str]
) -> None:
    code, _ = build_zip()
    name = make_function(
        HANDLER,
        code_zip=code,
        timeout=30,
        SLACK_CHANNEL="#aws-macie-events",
        SLACK_BOT_TOKEN=TOKEN,
    )
    event = json.loads((EVENTS / "macie_sensitive_personal.json").read_text())
    sink = local_server.slack_sink
    sink.configure(tokens=[TOKEN], channels={"#aws-macie-events": "C0INVOKE1"})
    try:
        out = client("lambda").invoke(
            FunctionName=name, Payload=json.dumps(event).encode(), LogType="Tail"
        )
        messages = sink.messages(channel="C0INVOKE1")
    finally:
        sink.configure(tokens=None, channels=None)
        sink.reset()
    assert "FunctionError" not in out, out["Payload"].read()
    result = json.loads(out["Payload"].read())
    assert result["decision"] == "posted"
    assert result["findingId"] == event["detail"]["id"]
    (message,) = messages
    assert message["via"] == "chat.postMessage"
    assert event["detail"]["resourcesAffected"]["s3Bucket"]["name"] in json.dumps(message)
    assert TOKEN not in base64.b64decode(out["LogResult"]).decode()
