"""notify test and notify replay against a stack deployed on the local endpoint."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from macie_notify.notifier.event import envelope
from tests.conftest import load_event
from tests.e2e.stack.conftest import CONFIG, TOKEN, config, make_aws, setup
from tests.e2e.stack.stack_cli import run_cli

pytestmark = pytest.mark.e2e

QUEUE = "stacktest-notifier-dlq"


def _local(url: str, method: str, path: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url + path, method=method, data=data)
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


@pytest.fixture
def cfg(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    path = tmp_path / "macie-notify.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    setup(config(), make_aws(url))
    return str(path)


def test_notify_test_posts_and_reads_the_function_log(
    url: str, cfg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(["notify", "test", "-c", cfg, "-o", "json"], make_aws(url), capsys)
    assert code == 0, err
    report = json.loads(out)
    assert report["decision"] == "posted"
    assert report["channel"] and report["ts"]
    assert report["logged"] is True and report["functionMs"] is not None
    assert report["logGroup"] == "/aws/lambda/stacktest-notifier"
    messages = _local(url, "GET", "/_local/slack/messages")["messages"]
    assert any(report["findingId"] in json.dumps(m) for m in messages)
    assert "Posted to" in err


def test_notify_test_fails_with_exit_1_when_slack_refuses(
    url: str, cfg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _local(url, "POST", "/_local/slack/config", {"tokens": ["xoxb-some-other-token"]})
    code, _out, err = run_cli(["notify", "test", "-c", cfg], make_aws(url), capsys)
    assert code == 1
    assert "Error: the notifier did not post the test finding (failed: " in err
    assert "invalid_auth" in err
    assert TOKEN not in err


def _dead_letters(url: str) -> list[dict[str, Any]]:
    """One Lambda on-failure record and one EventBridge target dead letter."""
    sqs = make_aws(url).client("sqs")
    queue_url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
    personal = load_event("macie_sensitive_personal")
    financial = load_event("macie_sensitive_financial")
    record = {
        "version": "1.0",
        "requestContext": {"condition": "RetriesExhausted", "approximateInvokeCount": 3},
        "requestPayload": personal,
        "responsePayload": {"errorMessage": "Slack rate limited"},
    }
    sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(record))
    sqs.send_message(
        QueueUrl=queue_url,
        MessageBody=json.dumps(envelope(financial["detail"])),
        MessageAttributes={"ERROR_CODE": {"DataType": "String", "StringValue": "SDK_CLIENT_ERROR"}},
    )
    return [personal, financial]


def _waiting(url: str) -> int:
    sqs = make_aws(url).client("sqs")
    queue_url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
    attrs = sqs.get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(
        attrs["ApproximateNumberOfMessagesNotVisible"]
    )


def test_replay_lists_redrives_and_deletes_only_what_was_posted(
    url: str, cfg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    events = _dead_letters(url)
    ids = sorted(e["detail"]["id"] for e in events)
    code, out, err = run_cli(
        ["notify", "replay", "--dry-run", "-c", cfg, "-o", "json"], make_aws(url), capsys
    )
    assert code == 0, err
    rows = json.loads(out)
    assert sorted(r["findingId"] for r in rows) == ids
    assert {r["origin"]: r["reason"] for r in rows} == {
        "lambda on-failure": "RetriesExhausted",
        "eventbridge target": "SDK_CLIENT_ERROR",
    }
    assert _waiting(url) == 2

    _local(url, "POST", "/_local/slack/config", {"tokens": ["xoxb-some-other-token"]})
    code, out, err = run_cli(["notify", "replay", "-c", cfg, "-o", "json"], make_aws(url), capsys)
    assert code == 1
    assert {r["replay"] for r in json.loads(out)} == {"failed"}
    assert "2 event(s) could not be delivered" in err
    assert _waiting(url) == 2  # nothing lost

    _local(url, "POST", "/_local/slack/config", {"tokens": None})
    code, out, err = run_cli(["notify", "replay", "-c", cfg, "-o", "json"], make_aws(url), capsys)
    assert code == 0, err
    assert {r["replay"] for r in json.loads(out)} == {"posted"}
    assert _waiting(url) == 0
    messages = json.dumps(_local(url, "GET", "/_local/slack/messages")["messages"])
    assert all(fid in messages for fid in ids)
