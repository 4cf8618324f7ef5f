"""Hostile and unlucky invocations: nothing after a post fails, waits fit the time left.

A raise after Slack accepted the message makes Lambda retry the event and post it
again; a wait past the function's timeout kills it before it logs. Each test below
reproduces one way that used to happen, against the local Slack stand-in.
"""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import redirect_stdout
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from functools import partial
from typing import Any

import boto3
import pytest
from moto import mock_aws

from macie_notify.notifier import credentials, handler
from macie_notify.notifier.settings import Settings
from macie_notify.notifier.slack import DeliveryError, RetryPolicy, deliver, retry_after_seconds

LoadEvent = Callable[[str], dict[str, Any]]
TOKEN = "xoxb-1111-2222-abcdefSECRET"
NOW = datetime(2026, 1, 5, 12, 0, 0, tzinfo=timezone.utc)
RATE_LIMITED = {"ok": False, "error": "ratelimited"}


@pytest.fixture(autouse=True)
def _fresh_container(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("SLACK_BOT_TOKEN", "SLACK_CHANNEL", "SLACK_API_URL", "SLACK_WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    handler.reset()
    credentials.clear_cache()
    yield
    handler.reset()
    credentials.clear_cache()


def _settings(api_url: str) -> Settings:
    return Settings.from_env(
        {"SLACK_CHANNEL": "#c", "SLACK_BOT_TOKEN": TOKEN, "SLACK_API_URL": api_url}
    )


def _strict_stdout() -> io.TextIOWrapper:
    """A stdout that, like Lambda's, cannot write what UTF-8 cannot encode."""
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")


def _logged_lines(stream: io.TextIOWrapper) -> list[dict[str, Any]]:
    stream.flush()
    raw = stream.buffer.getvalue()  # type: ignore[attr-defined]
    return [json.loads(line) for line in raw.decode("utf-8").splitlines()]


@pytest.mark.parametrize("key", ["accountId", "region", "type", "id"])
def test_a_lone_surrogate_is_posted_once_and_logged(
    slack: Any, load_event: LoadEvent, key: str
) -> None:
    event = load_event("macie_policy")
    event["detail"][key] = event["detail"][key] + "\ud800"
    stdout = _strict_stdout()
    with redirect_stdout(stdout):
        record = handler.handle(event, lambda: _settings(slack.api_url), partial(deliver))
    assert record["decision"] == "posted"
    assert len(slack.requests) == 1
    body = slack.requests[0].body.decode("utf-8")  # Slack received valid UTF-8
    assert "\\ud800" not in body
    [line] = _logged_lines(stdout)
    assert line["decision"] == "posted"


def test_a_count_past_float_range_is_shown_not_raised(slack: Any, load_event: LoadEvent) -> None:
    event = load_event("macie_policy")
    event["detail"]["count"] = "COUNT"
    event = json.loads(json.dumps(event).replace('"COUNT"', "1e400"))  # valid JSON
    assert event["detail"]["count"] == float("inf")
    record, _ = _run(event, _settings(slack.api_url))
    assert record["decision"] == "posted" and len(slack.requests) == 1
    fields = [
        f["text"]
        for b in slack.requests[0].json()["attachments"][0]["blocks"]
        for f in b.get("fields", [])
    ]
    assert "*Count*\n1" in fields


def test_a_failing_log_after_a_post_does_not_fail_the_invocation(
    slack: Any, load_event: LoadEvent
) -> None:
    def broken_log(record: Mapping[str, Any]) -> None:
        raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")

    stdout = _strict_stdout()
    with redirect_stdout(stdout):
        record = handler.handle(
            load_event("macie_policy"), lambda: _settings(slack.api_url), deliver, broken_log
        )
    assert record["decision"] == "posted" and len(slack.requests) == 1
    [line] = _logged_lines(stdout)
    assert line == {
        "requestId": None,
        "decision": "posted",
        "level": "INFO",
        "logError": "UnicodeEncodeError",
    }


def _run(
    event: object, settings: Settings, retry: RetryPolicy | None = None
) -> tuple[dict[str, Any], list[Mapping[str, Any]]]:
    logs: list[Mapping[str, Any]] = []
    send = partial(deliver, retry=retry or RetryPolicy(jitter=False))
    return handler.handle(event, lambda: settings, send, logs.append, "req-1"), logs


# -- Retry-After ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", 0.0),
        ("7", 7.0),
        (" 120 ", 120.0),
        ("1.5", 1.5),
        (format_datetime(NOW + timedelta(seconds=4), usegmt=True), 4.0),
        ("Mon, 05 Jan 2026 12:00:09 GMT", 9.0),
        ("Monday, 05-Jan-26 12:00:03 GMT", 3.0),  # RFC 850, which HTTP still accepts
        ("Mon Jan  5 12:00:02 2026", 2.0),  # asctime
        (format_datetime(NOW - timedelta(seconds=30), usegmt=True), 0.0),  # past: no wait
        ("-3", 0.0),
        ("soon", None),
        ("nan", None),
        ("1e400", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_forms(value: str | None, expected: float | None) -> None:
    assert retry_after_seconds(value, lambda: NOW) == expected


@pytest.mark.parametrize(
    ("header", "waited"),
    [
        ("2", 2.0),
        ("1.5", 1.5),
        (format_datetime(NOW + timedelta(seconds=6), usegmt=True), 6.0),
        ("whenever", 1.0),  # unreadable: slack_sdk's default of one second
    ],
)
def test_rate_limit_waits_what_retry_after_says(
    slack: Any, load_event: LoadEvent, header: str, waited: float
) -> None:
    slack.script.append((429, {"Retry-After": header}, RATE_LIMITED))
    waits: list[float] = []
    retry = RetryPolicy(jitter=False, sleep=waits.append, now=lambda: NOW)
    record, _ = _run(load_event("macie_policy"), _settings(slack.api_url), retry)
    assert record["decision"] == "posted"
    assert waits == [waited] and len(slack.requests) == 2


def test_rate_limit_jitter_adds_at_most_a_second(slack: Any, load_event: LoadEvent) -> None:
    slack.script.append((429, {"Retry-After": "3"}, RATE_LIMITED))
    waits: list[float] = []
    retry = RetryPolicy(sleep=waits.append)
    _run(load_event("macie_policy"), _settings(slack.api_url), retry)
    [wait] = waits
    assert 3.0 <= wait < 4.0


def test_a_wait_past_the_time_left_is_not_made(slack: Any, load_event: LoadEvent) -> None:
    slack.script.append((429, {"Retry-After": "100"}, RATE_LIMITED))
    waits: list[float] = []
    retry = RetryPolicy(jitter=False, sleep=waits.append, time_left=lambda: 29.0)
    with pytest.raises(DeliveryError) as info:
        _run(load_event("macie_policy"), _settings(slack.api_url), retry)
    assert str(info.value) == (
        "chat.postMessage failed: ratelimited (HTTP 429); "
        "no retry: a 100.0 s wait is more than the invocation has left"
    )
    assert waits == [] and len(slack.requests) == 1


def test_the_wait_budget_counts_the_next_request_and_the_reserve(
    slack: Any, load_event: LoadEvent
) -> None:
    # 18 s wait + 10 s request timeout + 1 s reserve = 29 s: fits in 29 s, not in 28.9 s.
    for left, retried in ((29.0, True), (28.9, False)):
        slack.requests.clear()
        slack.script.append((429, {"Retry-After": "18"}, RATE_LIMITED))
        waits: list[float] = []
        retry = RetryPolicy(jitter=False, sleep=waits.append, time_left=lambda t=left: t)
        try:
            _run(load_event("macie_policy"), _settings(slack.api_url), retry)
        except DeliveryError:
            assert not retried
        assert waits == ([18.0] if retried else [])
        assert len(slack.requests) == (2 if retried else 1)


def test_request_timeout_shrinks_with_the_time_left() -> None:
    assert RetryPolicy().request_timeout() == 10
    assert RetryPolicy(time_left=lambda: 60.0).request_timeout() == 10
    assert RetryPolicy(time_left=lambda: 5.5).request_timeout() == 4
    assert RetryPolicy(time_left=lambda: 0.2).request_timeout() == 1


def test_server_error_backoff_uses_the_injected_sleep(slack: Any, load_event: LoadEvent) -> None:
    slack.script.extend([(503, {}, "busy"), (500, {}, "oops")])
    waits: list[float] = []
    retry = RetryPolicy(jitter=False, backoff=0.5, sleep=waits.append)
    record, _ = _run(load_event("macie_policy"), _settings(slack.api_url), retry)
    assert record["decision"] == "posted" and len(slack.requests) == 3
    assert waits == [0.5, 1.0]  # backoff doubled, no real time spent


def test_lambda_handler_caps_the_wait_by_the_context(
    slack: Any, load_event: LoadEvent, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_CHANNEL", "#c")
    monkeypatch.setenv("SLACK_API_URL", slack.api_url)
    slack.script.append((429, {"Retry-After": "100"}, RATE_LIMITED))

    class Context:
        aws_request_id = "req-9"

        def get_remaining_time_in_millis(self) -> int:
            return 29_500

    stdout = _strict_stdout()
    started = time.monotonic()
    with redirect_stdout(stdout), pytest.raises(DeliveryError, match="HTTP 429"):
        handler.lambda_handler(load_event("macie_policy"), Context())
    assert time.monotonic() - started < 5  # returned at once instead of sleeping 100 s
    [line] = _logged_lines(stdout)
    assert line["decision"] == "failed" and line["requestId"] == "req-9"
    assert "no retry" in line["error"] and len(slack.requests) == 1


# -- secrets stay out of logs and exceptions ---------------------------------------------


def test_a_non_json_error_body_is_neither_logged_nor_raised(
    slack: Any, load_event: LoadEvent, caplog: pytest.LogCaptureFixture
) -> None:
    echo = f"<html>502 Bad Gateway; request headers: Authorization: Bearer {TOKEN}</html>"
    slack.script.append((502, {}, echo))
    caplog.set_level(logging.DEBUG)
    with pytest.raises(DeliveryError) as info:
        _run(load_event("macie_policy"), _settings(slack.api_url))
    assert str(info.value) == "chat.postMessage failed: unexpected response (HTTP 502)"
    assert TOKEN not in caplog.text and "Bearer" not in caplog.text


@pytest.fixture
def _unpinned_sdk_loggers() -> Iterator[None]:
    """botocore's loggers as a fresh process has them (another test may have pinned them)."""
    names = ("botocore", "boto3", "urllib3", "botocore.parsers", "botocore.endpoint")
    levels = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.NOTSET)
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@mock_aws
@pytest.mark.usefixtures("_unpinned_sdk_loggers")
def test_a_debug_root_logger_does_not_log_the_secret(caplog: pytest.LogCaptureFixture) -> None:
    sm = boto3.client("secretsmanager", region_name="us-east-1")
    arn = sm.create_secret(Name="macie-demo/slack", SecretString=TOKEN)["ARN"]
    caplog.set_level(logging.DEBUG)  # as a handler's logging.basicConfig(level=DEBUG) would
    logging.getLogger("botocore.parsers").debug("probe %s", "visible")
    assert "probe visible" in caplog.text  # the capture does see botocore's DEBUG records
    assert credentials.fetch_secret(arn) == TOKEN
    assert TOKEN not in caplog.text


@pytest.mark.parametrize("remaining", [None, "soon", float("nan")])
def test_an_odd_context_clock_does_not_stop_the_post(
    slack: Any, load_event: LoadEvent, monkeypatch: pytest.MonkeyPatch, remaining: object
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_CHANNEL", "#c")
    monkeypatch.setenv("SLACK_API_URL", slack.api_url)

    class Context:
        aws_request_id = "req-odd"

        def get_remaining_time_in_millis(self) -> object:
            return remaining

    stdout = _strict_stdout()
    with redirect_stdout(stdout):
        record = handler.lambda_handler(load_event("macie_policy"), Context())
    assert record["decision"] == "posted" and len(slack.requests) == 1


def test_webhook_rate_limit_waits_and_fits_the_time_left(slack: Any, load_event: LoadEvent) -> None:
    settings = Settings.from_env({"SLACK_WEBHOOK_URL": slack.webhook_url})
    slack.script.append((429, {"Retry-After": "1.5"}, "rate_limited"))
    waits: list[float] = []
    record, _ = _run(
        load_event("macie_policy"), settings, RetryPolicy(jitter=False, sleep=waits.append)
    )
    assert record["decision"] == "posted" and record["mode"] == "webhook"
    assert waits == [1.5] and len(slack.requests) == 2
    slack.script.append((429, {"Retry-After": "60"}, "rate_limited"))
    retry = RetryPolicy(jitter=False, sleep=waits.append, time_left=lambda: 29.0)
    with pytest.raises(DeliveryError) as info:
        _run(load_event("macie_policy"), settings, retry)
    assert str(info.value) == (
        "webhook failed: rate_limited (HTTP 429); "
        "no retry: a 60.0 s wait is more than the invocation has left"
    )
    assert waits == [1.5] and len(slack.requests) == 3
