"""Acceptance: `notify package` / `notify preview` as a new user drives them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from macie_notify.cli.main import run
from macie_notify.packaging import build_zip

EVENTS = Path(__file__).resolve().parents[2] / "events"


pytestmark = pytest.mark.usefixtures("cli_without_config")


def test_package_to_dash_writes_the_zip_to_stdout(
    tmp_path: Path, capfdbinary: pytest.CaptureFixture[bytes]
) -> None:
    assert run(["notify", "package", "-o", "-"]) == 0
    captured = capfdbinary.readouterr()
    data, sha = build_zip()
    assert captured.out == data
    assert not (tmp_path / "-").exists()
    # The summary is one stderr line, however narrow the (non-)terminal.
    err = captured.err.decode()
    assert err.count("\n") == 1 and sha in err


def test_preview_of_a_non_macie_event_says_what_it_got(
    capsys: pytest.CaptureFixture[str],
) -> None:
    event = EVENTS / "non_macie_ec2_state_change.json"
    assert run(["notify", "preview", "--event", str(event)]) == 2
    err = capsys.readouterr().err
    assert err.splitlines()[0] == (
        "Error: not a Macie finding event (source 'aws.ec2', "
        "detail-type 'EC2 Instance State-change Notification')"
    )
    # The hint names only inputs that exist (there is no `findings show` command).
    assert err.splitlines()[1] == (
        "Hint: give an EventBridge event with source aws.macie and detail-type "
        "'Macie Finding', or a finding (as GetFindings returns it)"
    )


def test_preview_of_a_finding_without_severity_is_malformed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    event = tmp_path / "e.json"
    detail = {"id": "x", "type": "Policy:IAMUser/S3BucketPublic"}
    event.write_text(
        json.dumps({"source": "aws.macie", "detail-type": "Macie Finding", "detail": detail})
    )
    assert run(["notify", "preview", "--event", str(event)]) == 2
    err = capsys.readouterr().err
    assert err == "Error: malformed Macie finding: the finding has no 'severity'\n"


def test_package_to_a_file_named_like_a_format_warns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run(["notify", "package", "-o", "json"]) == 0
    assert (tmp_path / "json").stat().st_size > 0
    assert "put the format first: macie-notify -o json notify package -o FILE" in (
        capsys.readouterr().err.replace("\n", " ")
    )
