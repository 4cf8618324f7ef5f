"""``notify package`` and ``notify preview`` through the CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from click.testing import CliRunner

from macie_notify.aws import Aws, AwsSettings
from macie_notify.cli import cli
from macie_notify.cli.context import AppContext, GlobalSettings
from macie_notify.cli.main import run
from macie_notify.notifier.event import MacieFindingEvent
from macie_notify.notifier.message import build_message
from macie_notify.packaging import build_zip

LoadEvent = Callable[[str], dict[str, Any]]
EVENTS = Path(__file__).resolve().parents[2] / "events"


@pytest.fixture(autouse=True)
def _no_config(cli_without_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")


def test_package_writes_the_zip_and_prints_its_identity(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "notifier.zip"
    assert run(["notify", "package", "-o", str(target)]) == 0
    data, sha = build_zip()
    assert target.read_bytes() == data
    out = capsys.readouterr().out.split()
    assert out == [
        "path", str(target), "bytes", str(len(data)), "codeSha256", sha,
        "handler", "notifier.handler.lambda_handler",
    ]  # fmt: skip


def test_package_as_json_with_the_format_before_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "n.zip"
    assert run(["-o", "json", "notify", "package", "-o", str(target)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown == {
        "path": str(target),
        "bytes": target.stat().st_size,
        "codeSha256": build_zip()[1],
        "handler": "notifier.handler.lambda_handler",
    }


def test_package_into_a_missing_folder_is_one_readable_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["notify", "package", "-o", str(tmp_path / "nope" / "n.zip")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: cannot write") and "Traceback" not in err


def test_preview_json_is_the_payload(
    load_event: LoadEvent, capsys: pytest.CaptureFixture[str]
) -> None:
    path = EVENTS / "macie_sensitive_personal.json"
    assert run(["notify", "preview", "--event", str(path), "-o", "json"]) == 0
    expected = build_message(MacieFindingEvent.from_event(load_event("macie_sensitive_personal")))
    assert json.loads(capsys.readouterr().out) == expected


def test_preview_accepts_a_bare_finding(
    load_event: LoadEvent, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    event = load_event("macie_policy")
    path = tmp_path / "finding.json"
    path.write_text(json.dumps([event["detail"]]))
    assert run(["-o", "json", "notify", "preview", "--event", str(path)]) == 0
    assert json.loads(capsys.readouterr().out) == build_message(MacieFindingEvent(event))


def test_preview_in_the_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    path = EVENTS / "macie_hostile.json"
    assert run(["notify", "preview", "--no-color", "--event", str(path)]) == 0
    out = capsys.readouterr().out
    assert "🔴 High · Personal information in an S3 object" in out
    assert "Object key" in out and "reports/<!channel>" in out  # shown as text, unescaped
    assert "Open in the Macie console" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give exactly one of FINDING_ID or --event FILE"),
        (["abc", "--event", str(EVENTS / "macie_policy.json")], "give exactly one"),
        (["--event", str(EVENTS / "non_macie_ec2_state_change.json")], "not a Macie finding"),
        (["--event", str(EVENTS / "README.md")], "is not JSON"),
    ],
)
def test_preview_usage_errors(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["notify", "preview", *args]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "event.json is nested too deeply to be a finding"),
        (
            '{"source": ' + "[" * 500 + "]" * 500 + ', "detail-type": "' + "x" * 100 + '"}',
            "not a Macie finding event (source <list>, detail-type <str>)",
        ),
    ],
)
def test_preview_of_a_deeply_nested_event_is_one_clean_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    path = tmp_path / "event.json"
    path.write_text(text, encoding="utf-8")
    assert run(["notify", "preview", "--event", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.splitlines()[0] == "Error: " + message.replace("event.json", str(path))
    assert "Traceback" not in err and len(err) < 400


def _app_with_stubbed_macie2(finding: dict[str, Any] | None) -> tuple[AppContext, Stubber]:
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    aws = Aws(AwsSettings(region="us-east-1"), session=session)
    stubber = Stubber(aws.client("macie2"))
    findings = [finding] if finding else []
    stubber.add_response("get_findings", {"findings": findings}, {"findingIds": ["f-1"]})
    stubber.activate()
    app = AppContext(settings=GlobalSettings(output="json"), _aws=aws)
    return app, stubber


def _drop_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_nulls(v) for v in value]
    return value


def _api_shaped(detail: dict[str, Any]) -> dict[str, Any]:
    """What boto3 returns: absent members left out (the event writes null), datetimes."""
    finding: dict[str, Any] = _drop_nulls(detail)
    for key in ("createdAt", "updatedAt"):
        finding[key] = datetime.fromisoformat(finding[key].replace("Z", "+00:00"))
    return finding


def test_preview_by_finding_id_uses_get_findings(load_event: LoadEvent) -> None:
    event = load_event("macie_policy")
    app, stubber = _app_with_stubbed_macie2(_api_shaped(event["detail"]))
    result = CliRunner().invoke(cli, ["notify", "preview", "f-1"], obj=app)
    assert result.exit_code == 0, result.output
    stubber.assert_no_pending_responses()
    assert json.loads(result.output) == build_message(MacieFindingEvent(event))


def test_preview_of_an_unknown_finding_id(load_event: LoadEvent) -> None:
    app, _ = _app_with_stubbed_macie2(None)
    result = CliRunner().invoke(cli, ["notify", "preview", "f-1"], obj=app, standalone_mode=False)
    assert "no finding f-1" in str(result.exception)
    assert getattr(result.exception, "exit_code", None) == 1
