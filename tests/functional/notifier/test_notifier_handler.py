"""The handler end to end against a local Slack stand-in (and moto for Secrets Manager)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import Any

import boto3
import pytest
from moto import mock_aws

from macie_notify.notifier import credentials, handler
from macie_notify.notifier.settings import Settings, SettingsError
from macie_notify.notifier.slack import DeliveryError, RetryPolicy, deliver

LoadEvent = Callable[[str], dict[str, Any]]
TOKEN = "xoxb-1111-2222-abcdefSECRET"
FAST = RetryPolicy(jitter=False, rate_limit_retries=2, sleep=lambda seconds: None)


@pytest.fixture(autouse=True)
def _fresh_container(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test is a cold start: no cached settings or secrets, a known environment."""
    for name in list(__import__("os").environ):
        if name.startswith(("SLACK_", "MIN_SEVERITY", "FINDING_TYPES_", "INCLUDE_SAMPLE")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    handler.reset()
    credentials.clear_cache()
    yield
    handler.reset()
    credentials.clear_cache()


def _token_settings(api_url: str) -> Settings:
    return Settings.from_env(
        {"SLACK_CHANNEL": "#aws-macie-events", "SLACK_BOT_TOKEN": TOKEN, "SLACK_API_URL": api_url}
    )


def _run(
    event: object, settings: Settings, retry: RetryPolicy = FAST
) -> tuple[dict[str, Any], list[Mapping[str, Any]]]:
    logs: list[Mapping[str, Any]] = []
    record = handler.handle(
        event, lambda: settings, partial(deliver, retry=retry), logs.append, "req-1"
    )
    return record, logs


def test_posts_a_finding(slack: Any, load_event: LoadEvent) -> None:
    record, logs = _run(load_event("macie_policy"), _token_settings(slack.api_url))
    assert record["decision"] == "posted" and record["ts"] == "1700000000.000100"
    assert logs == [record] and record["findingId"] == "90b1c5e2f3a44d6b8e7f9a0b1c2d3e4f"
    [request] = slack.requests
    assert request.path == "/api/chat.postMessage"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    body = request.json()
    assert body["channel"] == "#aws-macie-events"
    assert body["unfurl_links"] is False and body["attachments"][0]["color"] == "#E01E5A"
    assert TOKEN not in json.dumps(record)


def test_rate_limit_is_retried_after_retry_after(slack: Any, load_event: LoadEvent) -> None:
    slack.script.append((429, {"Retry-After": "3"}, {"ok": False, "error": "ratelimited"}))
    waits: list[float] = []
    retry = RetryPolicy(jitter=False, rate_limit_retries=2, sleep=waits.append)
    record, _ = _run(load_event("macie_sensitive_personal"), _token_settings(slack.api_url), retry)
    assert record["decision"] == "posted"
    assert len(slack.requests) == 2 and waits == [3.0]  # waited as told, before the retry


def test_rate_limited_past_retries_raises(slack: Any, load_event: LoadEvent) -> None:
    slack.script.extend([(429, {"Retry-After": "4"}, {"ok": False, "error": "ratelimited"})] * 3)
    waits: list[float] = []
    retry = RetryPolicy(jitter=False, rate_limit_retries=2, sleep=waits.append)
    with pytest.raises(DeliveryError, match=r"ratelimited \(HTTP 429\)"):
        _run(load_event("macie_policy"), _token_settings(slack.api_url), retry)
    assert len(slack.requests) == 3 and waits == [4.0, 4.0]  # first try + 2 retries


def test_server_errors_raise_after_retries(slack: Any, load_event: LoadEvent) -> None:
    slack.script.extend([(500, {}, "<html>oops</html>")] * 3)
    logs: list[Mapping[str, Any]] = []
    with pytest.raises(DeliveryError) as info:
        handler.handle(
            load_event("macie_policy"),
            lambda: _token_settings(slack.api_url),
            partial(deliver, retry=FAST),
            logs.append,
        )
    assert len(slack.requests) == 3  # 1 + server_error_retries
    assert "HTTP 500" in str(info.value) and TOKEN not in str(info.value)
    assert logs[0]["decision"] == "failed" and logs[0]["level"] == "ERROR"
    assert TOKEN not in json.dumps(logs)


def test_server_error_then_success_posts(slack: Any, load_event: LoadEvent) -> None:
    slack.script.append((503, {}, "busy"))
    record, _ = _run(load_event("macie_policy"), _token_settings(slack.api_url))
    assert record["decision"] == "posted" and len(slack.requests) == 2


def test_invalid_auth_raises_without_retrying(slack: Any, load_event: LoadEvent) -> None:
    slack.script.append((200, {}, {"ok": False, "error": "invalid_auth"}))
    with pytest.raises(DeliveryError, match=r"invalid_auth \(HTTP 200\)") as info:
        _run(load_event("macie_policy"), _token_settings(slack.api_url))
    assert TOKEN not in str(info.value) and info.value.__cause__ is None
    assert len(slack.requests) == 1


def test_unreachable_slack_raises(load_event: LoadEvent) -> None:
    settings = _token_settings("http://127.0.0.1:9/api/")  # discard port: refused
    with pytest.raises(DeliveryError, match="URLError"):
        _run(
            load_event("macie_policy"), settings, RetryPolicy(backoff=0.01, jitter=False, timeout=2)
        )


@pytest.mark.parametrize("name", ["non_macie_ec2_state_change", "malformed"])
def test_foreign_and_malformed_events_are_ignored(
    slack: Any, load_event: LoadEvent, name: str
) -> None:
    event = (
        {"source": "aws.macie", "detail-type": "Macie Finding", "detail": {"id": "x"}}
        if name == "malformed"
        else load_event(name)
    )
    record, logs = _run(event, _token_settings(slack.api_url))
    assert record["decision"] == "ignored" and logs == [record]
    assert slack.requests == []


def test_skipped_findings_are_not_posted(slack: Any, load_event: LoadEvent) -> None:
    record, _ = _run(load_event("macie_sample"), _token_settings(slack.api_url))
    assert record["decision"] == "skipped" and "sample" in record["reason"]
    assert slack.requests == []


@mock_aws
def test_token_from_secrets_manager_is_fetched_once_per_container(
    slack: Any, load_event: LoadEvent, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    sm = boto3.client("secretsmanager", region_name="us-east-1")
    arn = sm.create_secret(Name="macie-demo/slack", SecretString=TOKEN)["ARN"]
    monkeypatch.setenv("SLACK_TOKEN_SECRET_ARN", arn)
    monkeypatch.setenv("SLACK_CHANNEL", "C0123456789")
    monkeypatch.setenv("SLACK_API_URL", slack.api_url)
    first = handler.lambda_handler(load_event("macie_policy"), None)
    # The secret is gone: a second fetch would fail, so success proves the cache.
    sm.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)
    second = handler.lambda_handler(load_event("macie_sensitive_personal"), None)
    assert first["decision"] == second["decision"] == "posted"
    assert [r.headers["Authorization"] for r in slack.requests] == [f"Bearer {TOKEN}"] * 2
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["decision"] for line in lines] == ["posted", "posted"]
    assert TOKEN not in "\n".join(lines)
    credentials.clear_cache()  # a new container would fetch again, and now fail
    with pytest.raises(DeliveryError, match="ResourceNotFoundException"):
        handler.lambda_handler(load_event("macie_policy"), None)


@mock_aws
def test_webhook_from_secrets_manager(
    slack: Any, load_event: LoadEvent, monkeypatch: pytest.MonkeyPatch
) -> None:
    sm = boto3.client("secretsmanager", region_name="us-east-1")
    secret = json.dumps({"webhook_url": slack.webhook_url})
    arn = sm.create_secret(Name="macie-demo/webhook", SecretString=secret)["ARN"]
    settings = Settings.from_env({"SLACK_WEBHOOK_SECRET_ARN": arn})
    record, _ = _run(load_event("macie_policy"), settings)
    assert record["decision"] == "posted" and record["mode"] == "webhook"
    assert slack.requests[0].path.startswith("/services/")
    assert "channel" not in slack.requests[0].json()
    slack.script.extend([(500, {}, "internal_error")] * 3)
    with pytest.raises(DeliveryError) as info:
        _run(load_event("macie_policy"), settings)
    assert slack.webhook_url not in str(info.value) and "HTTP 500" in str(info.value)
    slack.script.append((404, {}, "no_service"))
    with pytest.raises(DeliveryError, match=r"no_service \(HTTP 404\)"):
        _run(load_event("macie_policy"), settings)
    path = slack.webhook_url.removeprefix(slack.url)
    slack.script.append((404, {}, f"unknown path: {path}"))  # a proxy echoing the secret
    with pytest.raises(DeliveryError) as echoed:
        _run(load_event("macie_policy"), settings)
    assert str(echoed.value) == "webhook failed: unexpected response (HTTP 404)"


@pytest.mark.parametrize("url", ["hooks.example/services/T0/B0/SECRET", "ftp://h/SECRET"])
def test_a_webhook_url_without_http_scheme_fails_without_quoting_it(url: str) -> None:
    settings = Settings.from_env({"SLACK_WEBHOOK_URL": url})
    with pytest.raises(DeliveryError) as info:
        deliver({"text": "x"}, settings, retry=FAST)
    assert str(info.value) == "webhook failed: the webhook URL is not an http(s) URL"


def test_misconfigured_function_raises_so_the_event_is_kept(
    load_event: LoadEvent, capsys: Any
) -> None:
    with pytest.raises(SettingsError):
        handler.lambda_handler(load_event("macie_policy"), None)
    record = json.loads(capsys.readouterr().out)
    assert record["decision"] == "failed" and "no Slack destination" in record["error"]


def test_lambda_handler_env_mode_posts(
    slack: Any, load_event: LoadEvent, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_CHANNEL", "#aws-macie-events")
    monkeypatch.setenv("SLACK_API_URL", slack.api_url)
    monkeypatch.setenv("MIN_SEVERITY", "High")
    context = type("Context", (), {"aws_request_id": "abc-123"})()
    assert handler.lambda_handler(load_event("macie_policy"), context)["decision"] == "posted"
    low = handler.lambda_handler(load_event("macie_sensitive_custom_identifier"), context)
    assert low["decision"] == "skipped"
    out = capsys.readouterr().out
    assert TOKEN not in out and '"requestId": "abc-123"' in out
    assert len(slack.requests) == 1


def test_an_unexpected_error_is_logged_as_failed_and_raised(load_event: LoadEvent) -> None:
    def broken(payload: Mapping[str, Any], settings: Settings) -> Any:
        raise KeyError(TOKEN)

    logs: list[Mapping[str, Any]] = []
    with pytest.raises(KeyError):
        handler.handle(
            load_event("macie_policy"), lambda: _token_settings("http://x/"), broken, logs.append
        )
    assert logs[0]["decision"] == "failed" and logs[0]["error"] == "unexpected KeyError"
