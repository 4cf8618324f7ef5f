"""The sink's per-channel rate: a burst passes, then 429 with Retry-After until the bucket
refills on the injected clock; channels are independent; the control switches it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from werkzeug.routing import Submount
from werkzeug.serving import make_server

from macie_notify.local.controls import ControlApp
from macie_notify.local.slack.sink import ChannelRate, SlackSink

TOKEN = "xoxb-1111-2222-abcdef"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def served() -> Iterator[tuple[SlackSink, Clock, str]]:
    clock = Clock()
    sink = SlackSink(clock=clock)
    app = ControlApp([Submount("/_local/slack", sink.rules())])
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield sink, clock, f"http://127.0.0.1:{server.server_port}/_local/slack/"
    finally:
        server.shutdown()
        thread.join(5)


def post(base: str, channel: str) -> tuple[int, str | None]:
    client = WebClient(token=TOKEN, base_url=base + "api/")
    try:
        client.chat_postMessage(channel=channel, text="x")
    except SlackApiError as exc:
        return exc.response.status_code, exc.response.headers.get("Retry-After")
    return 200, None


def test_bucket_arithmetic() -> None:
    rate = ChannelRate(per_second=1.0, burst=2)
    assert [rate.take("c", 0.0) for _ in range(3)] == [0.0, 0.0, 1.0]
    assert rate.take("c", 0.5) == 0.5
    assert rate.take("c", 1.0) == 0.0
    assert rate.take("other", 1.0) == 0.0


def test_burst_then_429_then_refill_per_channel(served: tuple[SlackSink, Clock, str]) -> None:
    sink, clock, base = served
    sink.set_rate(1.0, burst=3)
    assert [post(base, "#a")[0] for _ in range(3)] == [200, 200, 200]
    assert post(base, "#a") == (429, "1")
    assert post(base, "#b") == (200, None)  # another channel has its own bucket
    clock.now += 2.0
    assert [post(base, "#a")[0] for _ in range(3)] == [200, 200, 429]
    assert sink.stats()["rate_limited"] == 2
    assert len(sink.messages("#a")) == 5


def test_the_control_switches_the_rate_off_and_on(served: tuple[SlackSink, Clock, str]) -> None:
    import urllib.request

    _sink, _clock, base = served

    def faults(body: object) -> dict[str, object]:
        request = urllib.request.Request(
            base + "faults", data=json.dumps(body).encode(), method="POST"
        )
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=10) as answer:
            return dict(json.loads(answer.read()))

    assert faults({"rate": None})["rate"] is None
    assert all(post(base, "#c")[0] == 200 for _ in range(30))
    assert faults({"rate": {"per_second": 2, "burst": 1}})["rate"] == {
        "per_second": 2.0,
        "burst": 1,
    }
    assert [post(base, "#c")[0] for _ in range(2)] == [200, 429]
    # A faults body without "rate" leaves the rate as it is.
    assert faults({"rate_limit": {"count": 0}})["rate"] == {"per_second": 2.0, "burst": 1}
