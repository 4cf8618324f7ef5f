"""The Slack sink, driven over loopback HTTP by the real slack_sdk clients (routed as the
local server routes it, under ``/_local/slack``)."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient
from werkzeug.routing import Submount
from werkzeug.serving import make_server

from macie_notify.local.controls import ControlApp
from macie_notify.local.slack.sink import SlackSink

TOKEN = "xoxb-1111-2222-abcdef"


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[SlackSink, str]]:
    sink = SlackSink()
    app = ControlApp([Submount("/_local/slack", sink.rules())])
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield sink, f"http://127.0.0.1:{server.server_port}/_local/slack/"
    finally:
        server.shutdown()
        thread.join(5)


@pytest.fixture
def sink(served: tuple[SlackSink, str]) -> Iterator[SlackSink]:
    s = served[0]
    s.reset()
    s.configure(tokens=None, channels=None, webhooks=None)
    yield s
    s.reset()


@pytest.fixture
def base(served: tuple[SlackSink, str]) -> str:
    return served[1]


def client(base: str, token: str | None = TOKEN, **kwargs: Any) -> WebClient:
    return WebClient(token=token, base_url=base + "api/", **kwargs)


def http(method: str, url: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_auth_test(sink: SlackSink, base: str) -> None:
    resp = client(base).auth_test()
    assert resp["ok"] is True
    assert resp["bot_id"] == "B0LOCAL01"


def test_post_message_json_body_is_recorded(sink: SlackSink, base: str) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*High* finding"}}]
    resp = client(base).chat_postMessage(
        channel="#aws-macie-events", text="fallback", blocks=blocks
    )
    assert resp["ok"] is True
    assert resp["channel"].startswith("C")
    assert resp["message"]["text"] == "fallback"
    (msg,) = sink.messages()
    assert msg["channel_name"] == "aws-macie-events"
    assert msg["channel"] == resp["channel"]
    assert msg["ts"] == resp["ts"]
    assert msg["blocks"] == blocks
    assert msg["via"] == "chat.postMessage"
    assert TOKEN not in json.dumps(msg)


def test_post_message_form_body_with_token_param(sink: SlackSink, base: str) -> None:
    body = urllib.parse.urlencode(
        {"token": TOKEN, "channel": "general", "text": "hi", "blocks": json.dumps([])}
    ).encode()
    req = urllib.request.Request(base + "api/chat.postMessage", data=body, method="POST")
    req.add_header("Content-Type", "application/x-www-form-urlencoded")
    with urllib.request.urlopen(req, timeout=5) as resp:
        assert json.loads(resp.read())["ok"] is True
    assert [m["text"] for m in sink.messages("#general")] == ["hi"]


def test_channel_ids_are_stable_per_name(sink: SlackSink, base: str) -> None:
    web = client(base)
    first = web.chat_postMessage(channel="#a", text="1")["channel"]
    assert web.chat_postMessage(channel="a", text="2")["channel"] == first
    assert web.chat_postMessage(channel="#b", text="3")["channel"] != first
    assert [m["text"] for m in sink.messages(first)] == ["1", "2"]


@pytest.mark.parametrize(
    ("token", "error"),
    [(None, "not_authed"), ("not-a-token", "invalid_auth"), ("xoxb-other", "invalid_auth")],
)
def test_bad_tokens(sink: SlackSink, base: str, token: str | None, error: str) -> None:
    sink.configure(tokens=[TOKEN])
    with pytest.raises(SlackApiError) as info:
        client(base, token=token).chat_postMessage(channel="#x", text="t")
    assert info.value.response["error"] == error
    assert info.value.response.status_code == 200
    assert sink.messages() == []


def test_unknown_channel_when_channels_are_configured(sink: SlackSink, base: str) -> None:
    sink.configure(channels={"#aws-macie-events": "C0MACIE01"})
    web = client(base)
    assert web.chat_postMessage(channel="C0MACIE01", text="by id")["channel"] == "C0MACIE01"
    assert web.chat_postMessage(channel="#aws-macie-events", text="by name")["ok"]
    with pytest.raises(SlackApiError) as info:
        web.chat_postMessage(channel="#random", text="t")
    assert info.value.response["error"] == "channel_not_found"
    assert [m["channel_name"] for m in sink.messages()] == ["aws-macie-events"] * 2


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


@pytest.mark.parametrize(
    ("kwargs", "error", "detail"),
    [
        ({}, "no_text", None),
        ({"text": "x" * 40_001}, "msg_too_long", None),
        (
            {"text": "t", "blocks": [section("b")] * 51},
            "invalid_blocks",
            "no more than 50 items allowed [json-pointer:/blocks]",
        ),
        (
            {"text": "t", "blocks": [section("b" * 3001)]},
            "invalid_blocks",
            "must be less than 3001 characters [json-pointer:/blocks/0/text/text]",
        ),
        ({"text": "t", "blocks": [{"text": "no type"}]}, "invalid_blocks", "missing required"),
    ],
)
@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_slack_limits(
    sink: SlackSink, base: str, kwargs: dict[str, Any], error: str, detail: str | None
) -> None:
    with pytest.raises(SlackApiError) as info:
        client(base).chat_postMessage(channel="#x", **kwargs)
    assert info.value.response["error"] == error
    if detail:
        assert any(detail in e for e in info.value.response["errors"])
    assert sink.messages() == []


def test_limits_are_inclusive(sink: SlackSink, base: str) -> None:
    resp = client(base).chat_postMessage(
        channel="#x", text="x" * 40_000, blocks=[section("b")] * 50
    )
    assert resp["ok"]


def test_rate_limit_is_429_with_retry_after(sink: SlackSink, base: str) -> None:
    sink.set_faults(rate_limit_count=1, retry_after=7)
    with pytest.raises(SlackApiError) as info:
        client(base).chat_postMessage(channel="#x", text="t")
    assert info.value.response.status_code == 429
    assert info.value.response["error"] == "ratelimited"
    assert info.value.response.headers["Retry-After"] == "7"
    # One fault consumed: the next post goes through.
    assert client(base).chat_postMessage(channel="#x", text="t")["ok"]


def test_rate_limit_honoured_by_slack_sdk_retry_handler(sink: SlackSink, base: str) -> None:
    sink.set_faults(rate_limit_count=2, retry_after=0)
    web = client(base, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)])
    assert web.chat_postMessage(channel="#x", text="after retries")["ok"]
    assert sink.requests == 3
    assert [m["text"] for m in sink.messages()] == ["after retries"]


def test_outage_until_switched_off(sink: SlackSink, base: str) -> None:
    sink.set_faults(outage_status=503)
    for _ in range(2):
        with pytest.raises(SlackApiError) as info:
            client(base).chat_postMessage(channel="#x", text="t")
        assert info.value.response.status_code == 503
    sink.set_faults()
    assert client(base).chat_postMessage(channel="#x", text="t")["ok"]
    with pytest.raises(ValueError, match="outage status"):
        sink.set_faults(outage_status=404)


def test_webhook(sink: SlackSink, base: str) -> None:
    hook = WebhookClient(base + "webhook/T000/B000/XXXX")
    resp = hook.send(text="hello", blocks=[section("hi")])
    assert (resp.status_code, resp.body) == (200, "ok")
    (msg,) = sink.messages()
    assert msg["via"] == "webhook"
    assert msg["webhook"] == "T000/B000/XXXX"
    assert msg["blocks"] == [section("hi")]


def test_webhook_errors(sink: SlackSink, base: str) -> None:
    sink.configure(webhooks=["known"])
    assert WebhookClient(base + "webhook/unknown").send(text="x").body == "no_service"
    known = WebhookClient(base + "webhook/known")
    resp = known.send(blocks=[])
    assert (resp.status_code, resp.body) == (400, "no_text")
    resp = known.send(text="t", blocks=[section("b")] * 51)
    assert (resp.status_code, resp.body) == (400, "invalid_blocks")
    sink.set_faults(rate_limit_count=1, retry_after=3)
    resp = known.send(text="t")
    assert resp.status_code == 429
    assert resp.headers["Retry-After"] == "3"
    assert sink.messages() == []


def test_control_endpoints(sink: SlackSink, base: str) -> None:
    client(base).chat_postMessage(channel="#a", text="one")
    client(base).chat_postMessage(channel="#b", text="two")
    status, body = http("GET", base + "messages?channel=%23b")
    assert status == 200
    assert [m["text"] for m in body["messages"]] == ["two"]
    status, body = http("POST", base + "faults", {"rate_limit": {"count": 2, "retry_after": 4}})
    assert body["rate_limit"] == {"count": 2, "retry_after": 4}
    assert sink.faults.rate_limit_count == 2
    status, body = http("POST", base + "faults", {"outage": {"status": 418}})
    assert status == 400
    status, body = http("POST", base + "config", {"tokens": [TOKEN], "channels": {"#a": "C0A"}})
    assert body == {"tokens": 1, "channels": {"a": "C0A"}, "webhooks": None}
    assert TOKEN not in json.dumps(body)
    status, body = http("DELETE", base + "messages")
    assert (status, body) == (200, {"messages": []})
    assert http("GET", base + "nope")[0] == 404
