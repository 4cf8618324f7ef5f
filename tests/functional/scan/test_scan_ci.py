"""``scan`` as a CI gate: SARIF output, unreadable input, worker processes, and a table that
stays readable (and harmless) whatever the file names."""

from __future__ import annotations

import io
import json
import sys
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from macie_notify.cli.main import run
from macie_notify.detect import scanner as scanner_module

ROOT = Path(__file__).parents[3]
SAMPLES = ROOT / "sample_data"
SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"
SSN = "ssn 536-22-8726\n"


def json_doc(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    assert run(["scan", *argv, "-o", "json"]) == 0
    doc: dict[str, Any] = json.loads(capsys.readouterr().out)
    doc["summary"].pop("seconds")
    return doc


def test_sarif_output_validates_against_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["scan", str(SAMPLES), "-o", "sarif"]) == 0
    log = json.loads(capsys.readouterr().out)
    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text(encoding="utf-8"))).validate(log)
    doc = json_doc(capsys, str(SAMPLES))
    expected = {
        (f["path"], d["type"]) for f in doc["files"] for g in f["sensitiveData"]
        for d in g["detections"]
    }  # fmt: skip
    (sarif_run,) = log["runs"]
    results = sarif_run["results"]
    got = {
        (r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], r["ruleId"])
        for r in results
    }
    assert got == expected and len(results) == len(expected)  # one result per detection
    rules = {rule["id"] for rule in sarif_run["tool"]["driver"]["rules"]}
    assert rules == {rule for _, rule in expected}
    creds = next(r for r in results if r["ruleId"] == "AWS_CREDENTIALS")
    assert creds["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1
    assert creds["level"] == "error" and creds["properties"]["count"] == 2


def test_sarif_on_custom_identifiers_and_archive_members(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("dir/people.txt", "\n\n" + SSN)
    (tmp_path / "bundle.zip").write_bytes(buf.getvalue())
    assert run(["scan", str(tmp_path / "bundle.zip"), "-o", "sarif"]) == 0
    log = json.loads(capsys.readouterr().out)
    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text(encoding="utf-8"))).validate(log)
    (result,) = log["runs"][0]["results"]
    location = result["locations"][0]
    assert location["physicalLocation"] == {
        "artifactLocation": {"uri": "bundle.zip"},
        "region": {"startLine": 3, "startColumn": 5},
    }
    assert location["message"]["text"] == "in archive member dir/people.txt"


def test_jobs_do_not_change_the_output(capsys: pytest.CaptureFixture[str]) -> None:
    one = json_doc(capsys, str(SAMPLES), "--jobs", "1")
    two = json_doc(capsys, str(SAMPLES), "--jobs", "2")
    pure = json_doc(capsys, str(SAMPLES), "--jobs", "2", "--engine", "pure")
    assert one == two == pure
    assert one["summary"]["filesWithFindings"] >= 5


def deny_reading(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    real_open = scanner_module._open

    def guarded(path: str, wait: float) -> Any:
        if path.endswith(name):  # as root (CI) chmod does not stop a read: deny it here
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, wait)

    monkeypatch.setattr(scanner_module, "_open", guarded)


def test_unreadable_input_fails_the_gate_unless_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "clean.txt").write_text("nothing to see\n")
    (tmp_path / "locked.txt").write_text(SSN)
    deny_reading(monkeypatch, "locked.txt")
    base = ["scan", str(tmp_path), "--jobs", "1"]
    assert run([*base, "--fail-on", "Low"]) == 1
    out, err = capsys.readouterr()
    assert "PERMISSION_DENIED" in out and "locked.txt" in out
    assert "1 input(s) could not be read" in err and "--skip-unreadable" in err
    assert run([*base, "--fail-on", "Low", "--skip-unreadable"]) == 0
    assert "No sensitive data found." in capsys.readouterr().out
    assert run(base) == 0  # no gate: listed, not an error
    assert "PERMISSION_DENIED" in capsys.readouterr().out
    doc = json_doc(capsys, str(tmp_path), "--jobs", "1")
    assert doc["skipped"] == [{"path": "locked.txt", "reason": "PERMISSION_DENIED"}]


def test_findings_win_over_unreadable_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.txt").write_text(SSN)
    (tmp_path / "b.txt").write_text(SSN)
    deny_reading(monkeypatch, "b.txt")
    assert run(["scan", str(tmp_path), "--jobs", "1", "--fail-on", "High"]) == 3


def first_column(table: str) -> str:
    """The first column's cells of a rich table, joined (folded cells back in one piece)."""
    return "".join(line.split("│")[1].strip() for line in table.splitlines() if "│" in line)


def test_control_characters_in_names_are_neutralised(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("ok\x1b]0;PWN\x07.txt", SSN)
        zf.writestr("bad\x1b[2J\u202e.txt", b"\x89PNG\r\n\x1a\n\x00")
    (tmp_path / "ansi2.zip").write_bytes(buf.getvalue())
    assert run(["scan", str(tmp_path), "--no-color"]) == 0
    out, err = capsys.readouterr()
    assert "\x1b" not in out + err and "\u202e" not in out + err and "\x07" not in out
    paths = first_column(out)
    assert "\\x1b]0;PWN\\x07" in paths and "\\x1b[2J\\u202e" in paths


def test_archive_members_stay_apart_at_80_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    folder = "exports/2024/customer-relationship-management/quarterly-snapshots"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in ("alpha", "bravo", "charlie"):
            zf.writestr(f"{folder}/{name}-accounts.txt", SSN)
    (tmp_path / "customer-data-backup.zip").write_bytes(buf.getvalue())
    assert run(["scan", str(tmp_path), "--no-color"]) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 80
    paths = first_column(out)
    for name in ("alpha", "bravo", "charlie"):  # both ends of every path are visible
        assert "customer-data-backup.zip!exports/2024/c…" in paths
        assert f"/{name}-accounts.txt" in paths


def test_verbose_names_the_engine(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    target = str(SAMPLES / "id_ed25519")
    assert run(["scan", target, "-v", "--engine", "pure"]) == 0
    assert "Matching engine: pure Python (--engine pure)" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "hyperscan", None)  # as if it could not be imported
    assert run(["scan", target, "-v"]) == 0
    err = capsys.readouterr().err
    assert "pure Python, because the hyperscan package could not be imported" in err
    assert run(["scan", target, "--engine", "hyperscan"]) == 2


def test_pre_commit_hook_runs_the_scan_gate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "macie-notify-scan" and hook["language"] == "python"
    program, *argv = hook["entry"].split()
    assert program == "macie-notify"
    (tmp_path / "staged.txt").write_text(SSN)
    (tmp_path / "clean.txt").write_text("hello\n")
    # pre-commit appends the hook's args, then the staged file names
    assert run([*argv, str(tmp_path / "staged.txt"), str(tmp_path / "clean.txt")]) == 3
    assert run([*argv, "--fail-on", "High", str(tmp_path / "clean.txt")]) == 0
    capsys.readouterr()
