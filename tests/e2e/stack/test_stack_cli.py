"""plan / setup / status through the CLI: shapes, exit codes, confirmation, errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.e2e.stack.conftest import CONFIG, TOKEN, make_aws
from tests.e2e.stack.stack_cli import run_cli

pytestmark = pytest.mark.e2e


@pytest.fixture
def cfg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    path = tmp_path / "macie-notify.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    return str(path)


def test_plan_json_and_detailed_exitcode(
    url: str, cfg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    aws = make_aws(url)
    code, out, err = run_cli(["plan", "-c", cfg, "-o", "json", "--detailed-exitcode"], aws, capsys)
    assert code == 4, err
    rows = json.loads(out)
    assert {tuple(sorted(r)) for r in rows} == {("action", "id", "name", "reason", "resource")}
    assert [r["action"] for r in rows] == ["create"] * 11
    assert "Plan: 11 to create." in err
    code, out, err = run_cli(["setup", "-c", cfg, "--dry-run", "-o", "json"], aws, capsys)
    assert (code, json.loads(out)) == (0, rows)  # --dry-run is plan
    assert run_cli(["plan", "-c", cfg], aws, capsys)[0] == 0  # no --detailed-exitcode


def test_setup_refuses_without_terminal_then_applies_with_yes(
    url: str, cfg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    aws = make_aws(url)
    code, out, err = run_cli(["setup", "-c", cfg], aws, capsys)
    assert code == 2 and out == ""
    assert "pass --yes" in err
    code, out, err = run_cli(["setup", "-c", cfg, "--yes", "-o", "json"], aws, capsys)
    assert code == 0, err
    rows = json.loads(out)
    assert all(r["id"] for r in rows if r["resource"] != "macie")
    assert "✓ create eventbridge-rule stacktest-macie-findings" in err
    assert "Setup complete in" in err
    assert TOKEN not in out + err
    code, out, err = run_cli(["plan", "-c", cfg, "--detailed-exitcode"], aws, capsys)
    assert code == 0 and "Plan: 11 unchanged." in err


def test_status_reports_drift_macie_and_the_job(
    url: str, cfg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    aws = make_aws(url)
    assert run_cli(["setup", "-c", cfg, "--yes"], aws, capsys)[0] == 0
    aws.client("logs").put_retention_policy(
        logGroupName="/aws/lambda/stacktest-notifier", retentionInDays=7
    )
    code, out, err = run_cli(["status", "-c", cfg, "-o", "json"], aws, capsys)
    assert code == 0, err
    report = json.loads(out)
    assert set(report) == {"stack", "account", "region", "resources", "macie", "jobs", "cost"}
    states = {r["resource"]: (r["state"], r["drift"]) for r in report["resources"]}
    assert states["log-group"] == ("drifted", "retention days: 7 -> 30")
    assert states["bucket"] == ("in sync", "")
    assert report["macie"]["status"] == "ENABLED"
    (job,) = report["jobs"]
    assert job["name"].startswith("stacktest-nightly-") and job["current"] is True
    assert job["status"] in ("RUNNING", "IDLE")
    cost = report["cost"]
    assert cost["classifiableBytes"] == 0 and cost["monthlyUsd"] == 0
    assert cost["source"] == "https://aws.amazon.com/macie/pricing/"


def test_access_denied_names_the_resource_step_and_action(
    url: str, cfg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    def deny(model: Any, **_: Any) -> None:
        if model.name == "PutPublicAccessBlock":
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "nope"}}, model.name)

    code, _out, err = run_cli(["setup", "-c", cfg, "--yes"], make_aws(url, deny), capsys)
    assert code == 1
    lines = [line for line in err.splitlines() if line.startswith(("Error:", "Hint:"))]
    assert lines[0] == (
        "Error: bucket stacktest-data-123456789012-eu-west-1: PutPublicAccessBlock failed "
        "(create): access denied"
    )
    assert lines[1] == (
        "Hint: allow s3:PutBucketPublicAccessBlock for your credentials (IAM policy or SCP), "
        "then run again"
    )
    assert "Completed before the failure:" in err


def test_missing_token_is_a_usage_error(
    url: str, cfg: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SLACK_BOT_TOKEN")
    code, _out, err = run_cli(["plan", "-c", cfg], make_aws(url), capsys)
    assert code == 2
    assert "Hint: export SLACK_BOT_TOKEN=... (the Slack bot token) and run again" in err


def test_plan_and_setup_repeat_the_token_store_env_warning(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "macie-notify.yaml"
    path.write_text(
        "stack:\n  name: envstore\nnotifications:\n  slack:\n    token_store: env\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    aws = make_aws(url)
    for command in (["plan"], ["setup", "--dry-run"]):
        code, out, err = run_cli([*command, "-c", str(path)], aws, capsys)
        assert code == 0, err
        assert "Warning: notifications.slack.token_store (line 5)" in err
        assert TOKEN not in out + err
    code, _, err = run_cli(["status", "-c", str(path)], aws, capsys)
    assert "token_store" not in err  # said where the secret is deployed, not on every read
