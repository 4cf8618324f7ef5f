"""``jobs list|show|run|pause|resume|cancel`` against the local endpoint (jobs really run)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from macie_notify.cli import cli
from macie_notify.cli.context import AppContext, GlobalSettings
from macie_notify.cli.main import run
from macie_notify.local import LocalServer
from macie_notify.local.client import local_call

pytestmark = pytest.mark.e2e

DATA = Path(__file__).resolve().parents[3] / "macie_notify" / "data" / "sample_data"
ACCOUNT = "123456789012"
NOW = datetime(2026, 5, 4, 3, 2, 1, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer() as local:
        yield local


@pytest.fixture
def macie(server: LocalServer) -> Any:
    local_call(server.endpoint_url, "POST", "/_local/reset")
    client = server.client("macie2")
    client.enable_macie()
    return client


def cli_run(server: LocalServer, capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    capsys.readouterr()
    code = run(["--endpoint-url", server.endpoint_url, "--region", "us-east-1", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


class Polls:
    """The injected sleep of ``--wait``: records the interval asked for and gives the
    job's thread a moment (the run happens on the endpoint, not in this test)."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        assert len(self.calls) < 600, "the job never finished"
        threading.Event().wait(0.05)


def app_for(server: LocalServer, tmp_path: Path, output: str = "json", **kw: Any) -> AppContext:
    settings = GlobalSettings(
        endpoint_url=server.endpoint_url,
        region="us-east-1",
        output=output,
        config_path=str(tmp_path / "macie-notify.yaml"),
        **kw,
    )
    return AppContext(settings=settings, clock=lambda: NOW, sleep=Polls())


def bucket_with_samples(server: LocalServer, name: str) -> None:
    s3 = server.client("s3")
    s3.create_bucket(Bucket=name)
    for path in ("employees.csv", "release-notes.md"):
        s3.put_object(Bucket=name, Key=f"samples/{path}", Body=(DATA / path).read_bytes())


def test_run_bucket_wait_reports_statistics_and_finding_counts(
    server: LocalServer, macie: Any, tmp_path: Path
) -> None:
    bucket_with_samples(server, "jobs-run-bucket")
    app = app_for(server, tmp_path)
    result = CliRunner().invoke(
        cli, ["jobs", "run", "--bucket", "jobs-run-bucket", "--wait", "--interval", "7"], obj=app
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    job = report["job"]
    assert job["jobType"] == "ONE_TIME" and job["jobStatus"] == "COMPLETE"
    assert job["name"] == "macie-notify-run-20260504T030201Z"
    assert job["managedDataIdentifierSelector"] == "ALL"
    assert job["s3JobDefinition"]["bucketDefinitions"] == [
        {"accountId": ACCOUNT, "buckets": ["jobs-run-bucket"]}
    ]
    ids = macie.list_findings(
        findingCriteria={"criterion": {"classificationDetails.jobId": {"eq": [job["jobId"]]}}}
    )["findingIds"]
    findings = macie.get_findings(findingIds=ids)["findings"]
    assert report["findings"]["total"] == len(findings) >= 1
    by_severity: dict[str, int] = {}
    for f in findings:
        by_severity[f["severity"]["description"]] = (
            by_severity.get(f["severity"]["description"], 0) + 1
        )
    assert report["findings"]["bySeverity"] == by_severity
    assert set(app.sleep.calls) == {7}  # type: ignore[attr-defined]
    assert f"started job macie-notify-run-20260504T030201Z ({job['jobId']})" in result.stderr
    assert "COMPLETE" in result.stderr.splitlines()[-1]


def test_run_from_the_config_uses_its_job_identifiers_and_stack_bucket(
    server: LocalServer, macie: Any, tmp_path: Path
) -> None:
    config = tmp_path / "macie-notify.yaml"
    config.write_text(
        "stack:\n  name: jobsdemo\n  tags: {team: devsec}\n"
        "custom_data_identifiers:\n"
        "  - name: employee-id\n    regex: 'EMP-[0-9]{6}'\n"
        "job:\n  name: nightly\n  schedule: daily\n  sampling_percentage: 50\n"
        "  scope: {include_prefixes: [samples/]}\n"
    )
    cdi = macie.create_custom_data_identifier(name="employee-id", regex="EMP-[0-9]{6}")
    bucket_with_samples(server, f"jobsdemo-data-{ACCOUNT}-us-east-1")
    app = app_for(server, tmp_path, config_explicit=True)
    result = CliRunner().invoke(cli, ["jobs", "run"], obj=app)
    assert result.exit_code == 0, result.output
    started = json.loads(result.stdout)
    assert started["name"] == "jobsdemo-nightly-run-20260504T030201Z"
    job = macie.describe_classification_job(jobId=started["jobId"])
    assert job["jobType"] == "ONE_TIME"  # a run now, whatever the schedule
    assert job["customDataIdentifierIds"] == [cdi["customDataIdentifierId"]]
    assert job["samplingPercentage"] == 50
    assert job["s3JobDefinition"]["bucketDefinitions"][0]["buckets"] == [
        f"jobsdemo-data-{ACCOUNT}-us-east-1"
    ]
    assert job["tags"] == {
        "team": "devsec",
        "managed-by": "macie-notify",
        "macie-notify:stack": "jobsdemo",
    }


def test_run_from_config_names_a_missing_identifier(
    server: LocalServer, macie: Any, tmp_path: Path
) -> None:
    config = tmp_path / "macie-notify.yaml"
    config.write_text(
        "stack:\n  name: jobsdemo\ncustom_data_identifiers:\n"
        "  - name: employee-id\n    regex: 'EMP-[0-9]{6}'\n"
    )
    app = app_for(server, tmp_path, config_explicit=True)
    result = CliRunner().invoke(cli, ["jobs", "run"], obj=app)
    assert "custom data identifiers not found in Macie: employee-id" in str(result.exception)


def test_run_without_config_or_bucket_says_which_file(
    server: LocalServer, macie: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    code, _, err = cli_run(server, capsys, "jobs", "run")
    assert code == 2
    assert "macie-notify.yaml" in err


def scheduled_job(macie: Any, name: str) -> str:
    response = macie.create_classification_job(
        jobType="SCHEDULED",
        name=name,
        initialRun=False,
        scheduleFrequency={"dailySchedule": {}},
        s3JobDefinition={"bucketDefinitions": [{"accountId": ACCOUNT, "buckets": ["b"]}]},
    )
    return str(response["jobId"])


def test_list_and_show(server: LocalServer, macie: Any, capsys: pytest.CaptureFixture[str]) -> None:
    first, second = scheduled_job(macie, "job-a"), scheduled_job(macie, "job-b")
    code, out, _ = cli_run(server, capsys, "jobs", "list", "-o", "json")
    assert code == 0
    listed = json.loads(out)
    assert [j["jobId"] for j in listed] == [second, first]  # newest first
    assert [j["jobStatus"] for j in listed] == ["IDLE", "IDLE"]
    code, out, _ = cli_run(server, capsys, "jobs", "show", first, "-o", "json")
    assert code == 0
    shown = json.loads(out)
    assert shown["job"]["name"] == "job-a" and shown["job"]["jobStatus"] == "IDLE"
    assert shown["findings"] == {"total": 0, "bySeverity": {}, "byType": {}}
    code, out, _ = cli_run(server, capsys, "jobs", "show", first)
    assert code == 0
    assert "job-a" in out and "IDLE" in out and "Findings" in out


def test_show_unknown_job(
    server: LocalServer, macie: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = cli_run(server, capsys, "jobs", "show", "f" * 32)
    assert code == 1
    assert err.startswith(f"Error: no classification job {'f' * 32} in this account and Region")


def test_pause_resume_cancel_follow_the_allowed_transitions(
    server: LocalServer, macie: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    job_id = scheduled_job(macie, "job-p")

    def act(action: str) -> tuple[int, Any, str]:
        code, out, err = cli_run(server, capsys, "jobs", action, job_id, "-o", "json")
        return code, json.loads(out) if out else None, err

    code, out, _ = act("pause")
    assert code == 0 and out == {
        "jobId": job_id, "previous": "IDLE", "jobStatus": "USER_PAUSED", "changed": True,
    }  # fmt: skip
    assert macie.describe_classification_job(jobId=job_id)["jobStatus"] == "USER_PAUSED"
    code, out, err = act("pause")  # again: nothing to do
    assert code == 0 and out["changed"] is False
    assert f"job {job_id} is already USER_PAUSED; nothing to do" in err
    code, out, _ = act("resume")
    assert code == 0 and (out["previous"], out["jobStatus"]) == ("USER_PAUSED", "RUNNING")
    code, out, _ = act("cancel")
    assert code == 0 and out["jobStatus"] == "CANCELLED"
    assert macie.describe_classification_job(jobId=job_id)["jobStatus"] == "CANCELLED"
    code, out, err = act("resume")
    assert code == 2 and out is None
    assert err.splitlines() == [
        f"Error: cannot resume job {job_id}: it is CANCELLED",
        "Hint: Macie allows resume only from USER_PAUSED",
    ]
