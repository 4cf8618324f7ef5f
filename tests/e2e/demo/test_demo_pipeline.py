"""``macie-notify demo`` end to end: the embedded local AWS, the job, the notifier, the sink."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from macie_notify.cli.main import run
from macie_notify.config.example import example_text
from macie_notify.demo import sample_data_dir
from macie_notify.demo.deploy import DEMO_BOT_TOKEN

pytestmark = pytest.mark.e2e

PREFIX = "samples/"


def _signature(finding_type: str, severity: str, sensitive: Any, custom: Any) -> tuple[Any, ...]:
    managed = {d["type"]: d["count"] for c in sensitive for d in c["detections"]}
    named = {d["name"]: d["count"] for d in custom["detections"]}
    return finding_type, severity, managed, named


def _scan(config: Path, folder: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code = run(["scan", str(folder), "-c", str(config), "-o", "json"])
    out = capsys.readouterr().out
    assert code == 0, out
    return {
        PREFIX + f["path"]: _signature(
            f["findingType"], f["severity"], f["sensitiveData"], f["customDataIdentifiers"]
        )
        for f in json.loads(out)["files"]
    }


def _demo_findings(document: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for f in document["findings"]:
        result = f["classificationDetails"]["result"]
        out[f["resourcesAffected"]["s3Object"]["key"]] = _signature(
            f["type"],
            f["severity"]["description"],
            result["sensitiveData"],
            result["customDataIdentifiers"],
        )
    return out


def test_demo_json_agrees_with_scan_and_posts_every_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)  # no ./macie-notify.yaml: the packaged example config

    code = run(["demo", "-o", "json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    document = json.loads(captured.out)
    assert set(document) == {
        "endpoint",
        "findings",
        "policyFinding",
        "slackMessages",
        "teardown",
        "summary",
    }
    assert document["endpoint"].startswith("http://127.0.0.1:")

    # The same identifiers scanned locally give the same findings, file for file.
    config = tmp_path / "example.yaml"
    config.write_text(example_text(), encoding="utf-8")
    expected = _scan(config, sample_data_dir(), capsys)
    assert expected, "the bundled sample data has sensitive files"
    assert _demo_findings(document) == expected

    # Every sensitive-data type the sample data is there to show.
    kinds = {f["type"].rsplit("/", 1)[-1] for f in document["findings"]}
    assert kinds == {"Personal", "Financial", "Credentials", "CustomIdentifier", "Multiple"}

    # The example posts Low and above: every finding reached the channel, once, and so
    # did the policy finding raised by removing the bucket's default encryption.
    policy = document["policyFinding"]
    assert policy["type"] == "Policy:IAMUser/S3BucketEncryptionDisabled"
    assert policy["resourcesAffected"]["s3Bucket"]["name"] == document["summary"]["bucket"]
    ids = [f["id"] for f in document["findings"]]
    posted = {
        fid
        for m in document["slackMessages"]
        for fid in [*ids, policy["id"]]
        if fid in json.dumps(m)
    }
    assert posted == {*ids, policy["id"]}
    assert len(document["slackMessages"]) == len(ids) + 1
    assert document["summary"]["policyFinding"] == {
        "id": policy["id"],
        "type": policy["type"],
        "qualifies": True,
        "postedToSlack": True,
    }
    # Teardown deleted the stack, bucket and its objects included, and a fresh read
    # finds nothing left.
    deleted = {(r["resource"], r["name"]) for r in document["teardown"]["deleted"]}
    assert ("bucket", document["summary"]["bucket"]) in deleted
    assert ("lambda-function", "macie-demo-notifier") in deleted
    assert document["teardown"]["left"] == []
    assert document["summary"]["tornDown"] is True
    assert {m["channel_name"] for m in document["slackMessages"]} == {"aws-macie-events"}
    summary = document["summary"]
    # qualifying / postedToSlack count the policy finding too.
    assert (summary["findings"], summary["qualifying"], summary["postedToSlack"]) == (
        len(ids),
        len(ids) + 1,
        len(ids) + 1,
    )
    assert summary["notPosted"] == []
    assert summary["bucket"] == "macie-demo-data-123456789012-eu-west-1"
    assert all(f["createdAt"].endswith("Z") for f in document["findings"])  # ISO 8601

    # Progress went to stderr, one line a step; the bot token never appears.
    assert "✓ Macie enabled" in captured.err
    assert "✓ uploaded 9 sample files" in captured.err
    assert DEMO_BOT_TOKEN not in captured.out + captured.err
    assert "Traceback" not in captured.err


CUSTOM_CONFIG = """\
stack: {name: badge-demo, region: us-east-1, tags: {team: physec}}
bucket: {name: badge-demo-bucket}
samples: {prefix: inbox/}
custom_data_identifiers:
  - name: badge-number
    regex: 'BDG-[0-9]{4}'
    keywords: [badge]
    severity_levels:
      - {occurrences_threshold: 1, severity: LOW}
      - {occurrences_threshold: 3, severity: HIGH}
job: {schedule: {weekly: MONDAY}, managed_identifiers: NONE}
notifications:
  slack: {channel: '#physical-security'}
  min_severity: High
"""


def test_custom_config_and_source_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "macie-notify.yaml").write_text(CUSTOM_CONFIG, encoding="utf-8")
    crafted = tmp_path / "crafted"
    crafted.mkdir()
    (crafted / "visitors.txt").write_text(
        "Visitor log\nbadge BDG-1001 lobby\nbadge BDG-1002 lab\nbadge BDG-1003 roof\n",
        encoding="utf-8",
    )

    code = run(["demo", "--source", str(crafted), "-o", "json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    document = json.loads(captured.out)
    (finding,) = document["findings"]
    assert finding["type"] == "SensitiveData:S3Object/CustomIdentifier"
    assert finding["severity"]["description"] == "High"
    assert finding["resourcesAffected"]["s3Object"]["key"] == "inbox/visitors.txt"
    assert finding["resourcesAffected"]["s3Bucket"]["name"] == "badge-demo-bucket"
    custom = finding["classificationDetails"]["result"]["customDataIdentifiers"]
    assert [(d["name"], d["count"]) for d in custom["detections"]] == [("badge-number", 3)]
    # The policy finding is Low: below this config's High, so not posted (nor missing).
    assert document["summary"]["policyFinding"]["qualifies"] is False
    (message,) = document["slackMessages"]
    assert message["channel_name"] == "physical-security"
    assert finding["id"] in json.dumps(message)
    assert document["summary"]["postedToSlack"] == 1
    assert document["summary"]["minSeverity"] == "High"
    assert "✓ uploaded 1 sample file from" in captured.err


def _console_script() -> list[str]:
    script = Path(sys.executable).with_name("macie-notify")
    return [str(script)] if script.exists() else [sys.executable, "-m", "macie_notify"]


def test_console_script_exit_code_and_table(tmp_path: Path) -> None:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "160"}
    done = subprocess.run(
        [*_console_script(), "demo"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Macie findings" in done.stdout
    assert "Slack messages (local sink)" in done.stdout
    last = done.stdout.strip().splitlines()[-1]
    assert re.match(
        r"^(\d+) findings \(.*Multiple 1.*\), \1 posted to Slack #aws-macie-events", last
    )
    assert last.endswith("; the policy finding posted; torn down"), last
    assert "✓ EventBridge rule macie-demo-macie-findings -> macie-demo-notifier" in done.stderr
    assert "Traceback" not in done.stderr
    assert DEMO_BOT_TOKEN not in done.stdout + done.stderr


def test_keep_running_serves_until_ctrl_c(tmp_path: Path) -> None:
    env = {**os.environ, "NO_COLOR": "1"}
    # stdout to a file: the JSON report outgrows a pipe's buffer while stderr is being read.
    report = (tmp_path / "report.json").open("w+")
    proc = subprocess.Popen(
        [*_console_script(), "demo", "--keep-running", "-o", "json"],
        cwd=tmp_path,
        env=env,
        stdout=report,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        seen = []
        for line in proc.stderr:
            seen.append(line)
            if line.startswith("Serving; press Ctrl-C"):
                break
        text = "".join(seen)
        assert "export AWS_ENDPOINT_URL=http://127.0.0.1:" in text, text
        assert "macie-notify notify preview " in text
        endpoint = text.split("export AWS_ENDPOINT_URL=", 1)[1].split()[0]
        with urllib.request.urlopen(f"{endpoint}/_local/slack/messages", timeout=10) as resp:
            assert json.loads(resp.read())["messages"], "the sink is still up, with messages"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        report.close()
    out = (tmp_path / "report.json").read_text()
    assert proc.returncode == 130, err  # an interruption, as the README's exit codes say
    assert json.loads(out)["summary"]["notPosted"] == []
    assert err.rstrip().endswith("Stopping.")
    assert "Traceback" not in err
