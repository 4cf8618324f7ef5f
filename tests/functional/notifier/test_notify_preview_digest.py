"""``notify preview`` with several events: the digest, grouped as the function groups a
batch, as JSON (the exact payloads) and in the terminal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from macie_notify.cli.main import run
from macie_notify.notifier.digest import digest_message, group, thread_replies
from macie_notify.notifier.event import MacieFindingEvent

EVENTS = Path(__file__).resolve().parents[2] / "events"
NAMES = ("macie_sensitive_personal", "macie_sensitive_financial", "macie_policy")


@pytest.fixture(autouse=True)
def _no_config(cli_without_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")


def _events() -> list[dict[str, object]]:
    return [json.loads((EVENTS / f"{n}.json").read_text()) for n in NAMES]


def _expected(events: list[dict[str, object]]) -> list[dict[str, object]]:
    pairs = [(str(i), MacieFindingEvent.from_event(e)) for i, e in enumerate(events)]
    return [{"message": digest_message(g), "thread": thread_replies(g)} for g in group(pairs)]


def test_a_list_in_one_file_is_a_digest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = _events()
    path = tmp_path / "batch.json"
    path.write_text(json.dumps(events))
    assert run(["-o", "json", "notify", "preview", "--event", str(path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == _expected(events)
    texts = [entry["message"]["text"] for entry in out]
    assert all(" finding" in t and " in s3://" in t for t in texts)
    assert sum(int(t.split(" ", 1)[0]) for t in texts) == len(events)


def test_repeated_events_in_the_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["notify", "preview", "--no-color"]
    for name in NAMES[:2]:
        args += ["--event", str(EVENTS / f"{name}.json")]
    assert run(args) == 0
    out = capsys.readouterr().out
    assert "List them all: macie-notify findings list --job" in out
    assert "Findings 1-" in out


def test_an_empty_list_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "empty.json"
    path.write_text("[]")
    assert run(["notify", "preview", "--event", str(path)]) == 2
    assert "holds no events" in capsys.readouterr().err
