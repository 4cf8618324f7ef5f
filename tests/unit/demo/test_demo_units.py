"""Pure parts of the demo: the time budget and stage errors, the report, sources, the config."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from macie_notify.config import loads
from macie_notify.demo import example_config, resolve_source, sample_data_dir
from macie_notify.demo.deploy import SlackTarget, demo_config, describe
from macie_notify.demo.errors import DemoError
from macie_notify.demo.report import (
    DemoReport,
    detections_summary,
    message_rows,
    messages_for,
    qualifying_ids,
)
from macie_notify.demo.stages import Budget, stage
from macie_notify.errors import AwsError, UsageError
from macie_notify.samples import sample_files

if TYPE_CHECKING:
    from tests.conftest import FakeClock


def test_budget_names_the_timeout_not_the_time_left(fake_clock: FakeClock) -> None:
    budget = Budget(1, fake_clock.monotonic)
    fake_clock.advance(0.25)
    assert budget.left("setup") == pytest.approx(0.75)
    fake_clock.advance(4)
    with pytest.raises(DemoError) as caught:
        budget.left("job", "classification job j1 had not completed")
    assert caught.value.message == (
        "job: the demo did not finish within --timeout 1 s "
        "(classification job j1 had not completed)"
    )


def test_stage_errors_name_the_stage_and_keep_the_hint() -> None:
    with pytest.raises(DemoError) as caught:
        with stage("upload-samples", embedded=True, url="http://127.0.0.1:1"):
            raise AwsError("PutObject was denied: nope", "check the bucket policy")
    assert caught.value.message == "upload-samples: PutObject was denied: nope"
    assert caught.value.hint == "check the bucket policy"


def test_unreachable_embedded_server_is_not_told_to_start_local_serve() -> None:
    for embedded, expected in ((True, "loopback networking up"), (False, "local serve")):
        with pytest.raises(DemoError) as caught:
            with stage("setup", embedded=embedded, url="http://127.0.0.1:1"):
                raise AwsError(
                    "Could not reach the local endpoint http://127.0.0.1:1.",
                    "start it with `macie-notify local serve` in another terminal.",
                )
        assert expected in (caught.value.hint or "")


def test_demo_config_force_destroys_only_a_bucket_it_creates() -> None:
    config = example_config()
    assert not config.bucket.force_destroy
    assert demo_config(config).bucket.force_destroy
    adopted = loads("stack: {name: s-1}\nbucket: {name: theirs, create: false}\n")
    assert demo_config(adopted) is adopted  # a user's bucket is never emptied


def _finding(fid: str, severity: str, key: str, **extra: Any) -> dict[str, Any]:
    score = {"Low": 1, "Medium": 2, "High": 3}[severity]
    return {
        "id": fid,
        "type": "SensitiveData:S3Object/Personal",
        "severity": {"description": severity, "score": score},
        "resourcesAffected": {"s3Object": {"key": key}},
        "classificationDetails": {
            "result": {
                "sensitiveData": [
                    {"detections": [{"type": "USA_SOCIAL_SECURITY_NUMBER", "count": 3}]}
                ],
                "customDataIdentifiers": {"detections": [{"name": "employee-id", "count": 1}]},
            }
        },
        **extra,
    }


def test_qualifying_uses_the_notifier_filters() -> None:
    findings = [
        _finding("high", "High", "a.csv"),
        _finding("low", "Low", "b.csv"),
        _finding("sample", "High", "c.csv", sample=True),
    ]
    env = {"MIN_SEVERITY": "Medium", "SLACK_CHANNEL": "#x", "SLACK_BOT_TOKEN": "xoxb-1"}
    assert qualifying_ids(findings, env) == ("high",)
    env["FINDING_TYPES_EXCLUDE"] = "SensitiveData:"
    assert qualifying_ids(findings, env) == ()


def test_report_matches_messages_by_finding_id() -> None:
    findings = [_finding("f-1", "High", "samples/a.csv"), _finding("f-2", "Low", "samples/b")]
    messages = [
        {"channel_name": "alerts", "text": "finding f-2", "blocks": []},
        {"channel_name": "alerts", "text": "someone else's message", "blocks": []},
    ]
    ours, delivered = messages_for(findings, messages)
    assert delivered == ("f-2",)
    assert [m["text"] for m in ours] == ["finding f-2"]
    report = DemoReport(
        endpoint="http://127.0.0.1:1",
        region="us-east-1",
        bucket="b",
        job_id="j",
        channel="#alerts",
        min_severity="Low",
        findings=tuple(findings),
        policy_finding=None,
        slack_messages=tuple(ours),
        qualifying=("f-1", "f-2"),
        delivered=delivered,
        seconds=3.25,
    )
    assert report.missing == ("f-1",)
    assert not report.ok
    assert report.summary_line() == (
        "2 findings (Personal 2), 1 posted to Slack #alerts (Low and above) in 3.2 s; "
        "1 that qualify were not posted"
    )
    assert report.to_dict()["summary"]["notPosted"] == ["f-1"]
    assert message_rows(report) == [
        {"channel": "#alerts", "message": "finding f-2", "object": "samples/b"}
    ]
    assert detections_summary(findings[0]) == "USA_SOCIAL_SECURITY_NUMBER x3, employee-id x1"


def test_sources_and_sample_data(tmp_path: Path) -> None:
    bundled = sample_data_dir()
    assert (bundled / "employees.csv").is_file()
    assert resolve_source(example_config(), None) == bundled  # no config folder: bundled
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("a")
    (tmp_path / "docs" / ".hidden").write_text("h")
    config = loads("stack: {name: s-1}\nsamples: {source: docs}\n", base_dir=str(tmp_path))
    assert resolve_source(config, None) == tmp_path / "docs"
    assert [p.name for p in sample_files(tmp_path / "docs")] == ["a.txt"]
    assert resolve_source(config, tmp_path) == tmp_path
    with pytest.raises(UsageError, match="no such folder"):
        resolve_source(config, tmp_path / "missing")


def test_demo_stack_inputs_and_progress_lines() -> None:
    from macie_notify.stack import Action, Change

    config = example_config()
    slack = SlackTarget("http://127.0.0.1:4566")
    assert slack.api_url == "http://127.0.0.1:4566/_local/slack/api/"
    assert slack.credential(config).startswith("xoxb-")
    rule = Change("eventbridge-rule", "macie-demo-macie-findings", Action.CREATE)
    assert describe(rule, config) == (
        "EventBridge rule macie-demo-macie-findings -> macie-demo-notifier"
    )
    bucket = Change("bucket", "b-1", Action.NOOP)
    assert describe(bucket, config) == (
        "bucket b-1 (encrypted, versioned, public access blocked, TLS only) [no-op]"
    )
