"""``macie-notify demo --endpoint-url``: a running local endpoint, run twice; delivery failures."""

from __future__ import annotations

import json
import os
import shlex
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from macie_notify.cli.main import run
from macie_notify.local import LocalServer

pytestmark = pytest.mark.e2e


def _aws_cli(server: LocalServer, command: str) -> str:
    """Run an `aws ...` command line against the endpoint, as after the exports it prints."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(server.environment("eu-west-1"))
    env.update(AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_PAGER="")
    argv = shlex.split(command)
    assert argv[0] == "aws"
    done = subprocess.run(
        [str(Path(sys.executable).with_name("aws")), *argv[1:]],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        runner = srv.event_router.runner
        runner.retry_delays = (0.05, 0.1)  # Lambda's async retries, quickly
        yield srv


def test_refused_token_exits_1_then_a_second_run_reuses_everything(
    server: LocalServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    server.slack_sink.configure(tokens=["xoxb-only-this-one"])  # the demo's token is refused

    code = run(["demo", "--endpoint-url", server.endpoint_url, "-o", "json"])
    captured = capsys.readouterr()
    assert code == 1
    first = json.loads(captured.out)  # the report is printed before the verdict
    assert first["slackMessages"] == []
    assert len(first["summary"]["notPosted"]) == len(first["findings"]) + 1 > 1  # + policy
    lines = captured.err.strip().splitlines()
    assert lines[-2].startswith("Error: ")
    assert "did not reach Slack" in lines[-2]
    assert "invalid_auth" in lines[-2]  # the notifier's own log says why
    assert lines[-1] == (
        "Hint: run again with --keep-running and read the function's log: "
        "aws logs filter-log-events --log-group-name /aws/lambda/macie-demo-notifier "
        "--query 'events[].message' --output text"
    )
    assert "✓ local AWS (running) at " + server.endpoint_url in captured.err
    # The hint's command works with the AWS CLI the project installs (v1: no `logs tail`).
    logged = _aws_cli(server, lines[-1].split("log: ", 1)[1])
    assert "invalid_auth" in logged

    server.slack_sink.configure(tokens=None)  # any xoxb- token again
    code = run(["demo", "--endpoint-url", server.endpoint_url, "-o", "json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    second = json.loads(captured.out)
    # Only the second job's findings, every one posted; nothing was created twice (the
    # failed run kept its stack for the log, the second reused it).
    assert second["summary"]["jobId"] != first["summary"]["jobId"]
    assert len(second["findings"]) == len(first["findings"])
    assert second["summary"]["postedToSlack"] == len(second["findings"]) + 1  # + policy
    assert "✓ custom data identifier employee-id [no-op]" in captured.err
    assert "✓ Lambda macie-demo-notifier (python3.12)\n" not in captured.err
    # The policy finding of the first run was updated, published at once and posted.
    assert second["summary"]["policyFinding"]["postedToSlack"] is True
    # Then teardown left nothing behind on the endpoint (Macie stays enabled on a server
    # the user started, as `teardown` leaves it).
    assert second["teardown"]["left"] == []
    region = "eu-west-1"
    assert server.client("s3", region).list_buckets()["Buckets"] == []
    assert server.client("lambda", region).list_functions()["Functions"] == []
    assert server.client("events", region).list_rules()["Rules"] == []
    assert server.client("secretsmanager", region).list_secrets()["SecretList"] == []
    assert server.client("sqs", region).list_queues().get("QueueUrls", []) == []
    # (Macie's own /aws/macie/classificationjobs group is Macie's, as on AWS)
    groups = server.client("logs", region).describe_log_groups()["logGroups"]
    assert [g["logGroupName"] for g in groups if "macie-demo" in g["logGroupName"]] == []
    assert server.client("macie2", region).list_custom_data_identifiers()["items"] == []
    roles = server.client("iam", region).list_roles()["Roles"]
    assert [r["RoleName"] for r in roles if r["RoleName"].startswith("macie-demo")] == []


def test_an_endpoint_that_is_not_local_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code = run(["demo", "--endpoint-url", f"http://127.0.0.1:{port}"])
    err = capsys.readouterr().err
    assert code == 1
    assert f"Error: http://127.0.0.1:{port} is not a macie-notify local endpoint" in err
    assert "Hint: start one with `macie-notify local serve`" in err
    assert "Traceback" not in err
