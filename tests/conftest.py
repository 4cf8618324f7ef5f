"""Shared fixtures. Tests are hermetic: no real AWS credentials or config are ever read."""

from __future__ import annotations

import io
import json
import os
import signal
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

TESTS_DIR = Path(__file__).parent
EVENTS_DIR = TESTS_DIR / "events"

_SCRUB = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_REGION",
    "MACIE_NOTIFY_CONFIG",
    "MACIE_NOTIFY_LOCAL",
    "SLACK_BOT_TOKEN",
    "SLACK_WEBHOOK_URL",
)


def pytest_configure(config: pytest.Config) -> None:
    # Pin the environment once for the whole run (and for subprocesses it starts), as
    # chalice's tests do: a developer's ~/.aws must never leak into a test.
    for name in _SCRUB:
        os.environ.pop(name, None)
    os.environ["AWS_CONFIG_FILE"] = os.devnull
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    os.environ["AWS_ACCESS_KEY_ID"] = "testing"
    os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"  # dummy for moto
    os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    # The Ctrl-C tests send SIGINT to a child `macie-notify`. A run started in the
    # background by a non-interactive shell (`pytest ... &` in a script) has SIGINT ignored,
    # every child inherits that, and Python keeps an ignored SIGINT ignored: the child would
    # never see the Ctrl-C. Give the run the handler a terminal gives it.
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture
def no_local_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty folder with no AWS region, profile or config around."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    return tmp_path


def load_event(name: str) -> dict[str, Any]:
    """A JSON fixture from tests/events/, relative to this file."""
    path = EVENTS_DIR / (name if name.endswith(".json") else f"{name}.json")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


class FakeClock:
    """A clock that only moves when told to (or when FakeSleep sleeps)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 1, 1, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        return self.now.timestamp()

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class FakeSleep:
    """Records sleeps and advances a FakeClock instead of sleeping."""

    def __init__(self, clock: FakeClock | None = None) -> None:
        self.clock = clock
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        if self.clock is not None:
            self.clock.advance(seconds)


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake_sleep(fake_clock: FakeClock) -> FakeSleep:
    return FakeSleep(fake_clock)


@pytest.fixture
def call_recorder() -> Iterator[list[str]]:
    """Collects ``service.Operation`` names of every botocore call made while active.

    Register it on a session with ``session.events.register("before-call", recorder_hook)``;
    see tests that use it.
    """
    calls: list[str] = []
    yield calls


@pytest.fixture(scope="session")
def zip_bomb() -> bytes:
    """A tiny zip whose directory says its member unpacks to 262,144,001 bytes, one over
    Lambda's 250 MB limit (how a zip bomb looks to a check that must not decompress it)."""
    unzipped = 262_144_001
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.bin", bytes(1024))
    data = bytearray(buffer.getvalue())
    central = data.rindex(b"PK\x01\x02")
    local = data.index(b"PK\x03\x04")
    data[central + 24 : central + 28] = unzipped.to_bytes(4, "little")
    data[local + 22 : local + 26] = unzipped.to_bytes(4, "little")
    return bytes(data)
