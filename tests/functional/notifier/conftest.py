"""A Slack stand-in on 127.0.0.1 (http.server in a thread) and event loading.

The stand-in answers ``chat.postMessage`` and incoming-webhook posts from a script of
responses (status, headers, body), then with success; it records every request so tests
can check what reached "Slack" and how often.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

EVENTS = Path(__file__).resolve().parents[2] / "events"
OK_POST = (200, {}, {"ok": True, "channel": "C0123456789", "ts": "1700000000.000100"})


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class SlackStandIn:
    """Scripted responses first, then 200 ok; ``requests`` in arrival order."""

    url: str = ""
    script: list[tuple[int, dict[str, str], Any]] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)

    @property
    def api_url(self) -> str:
        return self.url + "/api/"

    @property
    def webhook_url(self) -> str:
        return self.url + "/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX"

    def next_response(self, path: str) -> tuple[int, dict[str, str], Any]:
        if self.script:
            return self.script.pop(0)
        return (200, {}, "ok") if path.startswith("/services/") else OK_POST


def _handler_for(stand_in: SlackStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            stand_in.requests.append(Recorded("POST", self.path, dict(self.headers), body))
            status, headers, payload = stand_in.next_response(self.path)
            data = payload if isinstance(payload, str) else json.dumps(payload)
            raw = data.encode()
            self.send_response(status)
            ctype = "text/plain" if isinstance(payload, str) else "application/json"
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(raw)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            return

    return Handler


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    stand_in = SlackStandIn()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(stand_in))
    stand_in.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield stand_in
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def load_event() -> Callable[[str], dict[str, Any]]:
    def load(name: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
        return data

    return load


@pytest.fixture
def cli_without_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The CLI in an empty folder, with no config file, profile, endpoint or local switch."""
    monkeypatch.chdir(tmp_path)
    for name in ("MACIE_NOTIFY_CONFIG", "AWS_PROFILE", "AWS_ENDPOINT_URL", "MACIE_NOTIFY_LOCAL"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path
