"""``macie-notify scan`` end to end through the CLI entry point (``run`` returns the exit code)."""

from __future__ import annotations

import io
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from macie_notify.cli.main import run

ROOT = Path(__file__).parents[3]
SAMPLES = ROOT / "sample_data"
EXAMPLE_CONFIG = ROOT / "config.example.yaml"


def scan_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], str]:
    code = run(["scan", *argv, "-o", "json"])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def detections(doc: dict[str, Any]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for f in doc["files"]:
        found = {d["type"]: d["count"] for g in f["sensitiveData"] for d in g["detections"]}
        found.update({d["name"]: d["count"] for d in f["customDataIdentifiers"]["detections"]})
        out[f["path"]] = found
    return out


def test_sample_data_with_the_example_config(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc, err = scan_json(capsys, str(SAMPLES), "-c", str(EXAMPLE_CONFIG))
    assert code == 0
    assert detections(doc) == {
        "aws_credentials": {"AWS_CREDENTIALS": 2},
        "employees.csv": {
            "CANADA_SOCIAL_INSURANCE_NUMBER": 12,
            "PHONE_NUMBER": 12,
            "USA_SOCIAL_SECURITY_NUMBER": 12,
            "employee-id": 12,
        },
        "hr-settings.ini": {"employee-id": 1},
        "id_ed25519": {"OPENSSH_PRIVATE_KEY": 1},
        "payments.json": {
            "CREDIT_CARD_EXPIRATION": 5,
            "CREDIT_CARD_NUMBER": 5,
            "CREDIT_CARD_SECURITY_CODE": 5,
        },
        "travel-bookings.txt": {"DATE_OF_BIRTH": 3, "PHONE_NUMBER": 3, "USA_PASSPORT_NUMBER": 3},
    }
    types = {f["path"]: (f["findingType"], f["severity"]) for f in doc["files"]}
    assert types == {
        "aws_credentials": ("SensitiveData:S3Object/Credentials", "High"),
        "employees.csv": ("SensitiveData:S3Object/Multiple", "High"),
        "hr-settings.ini": ("SensitiveData:S3Object/CustomIdentifier", "Low"),
        "id_ed25519": ("SensitiveData:S3Object/Credentials", "High"),
        "payments.json": ("SensitiveData:S3Object/Financial", "High"),
        "travel-bookings.txt": ("SensitiveData:S3Object/Personal", "High"),
    }
    summary = doc["summary"]
    assert (summary["filesScanned"], summary["filesWithFindings"]) == (9, 6)
    assert "NAME" in summary["notEvaluatedLocally"]
    assert "not evaluated locally" in err


def test_json_shape_is_the_documented_one(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc, err = scan_json(capsys, str(SAMPLES / "employees.csv"))
    assert code == 0 and err == ""
    assert set(doc) == {"files", "summary"}
    (entry,) = doc["files"]
    assert list(entry) == [
        "path", "bytes", "findingType", "severity", "sensitiveData", "customDataIdentifiers",
    ]  # fmt: skip
    assert entry["path"] == "employees.csv"
    assert entry["bytes"] == (SAMPLES / "employees.csv").stat().st_size
    assert entry["sensitiveData"] == [
        {
            "category": "PERSONAL_INFORMATION",
            "totalCount": 36,
            "detections": [
                {"type": "CANADA_SOCIAL_INSURANCE_NUMBER", "count": 12},
                {"type": "PHONE_NUMBER", "count": 12},
                {"type": "USA_SOCIAL_SECURITY_NUMBER", "count": 12},
            ],
        }
    ]
    assert entry["customDataIdentifiers"] == {"totalCount": 0, "detections": []}
    assert list(doc["summary"]) == ["filesScanned", "filesWithFindings", "bytes", "seconds"]


def test_fail_on(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run(["scan", str(SAMPLES), "--fail-on", "high", "-o", "json"]) == 3
    _, err = capsys.readouterr()
    assert "Error: 5 file(s) with findings at or above High: aws_credentials ..." in err
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "notes.txt").write_text("nothing to see\n")
    assert run(["scan", str(clean), "--fail-on", "Low"]) == 0


def test_exclude_globs(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc, _ = scan_json(
        capsys, str(SAMPLES), "--exclude", "*.csv", "--exclude", "id_*", "--exclude", "*.json"
    )
    assert code == 0
    assert [f["path"] for f in doc["files"]] == ["aws_credentials", "travel-bookings.txt"]


def test_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"my ssn: 536-22-8726\n")))
    code, doc, _ = scan_json(capsys, "-")
    assert code == 0
    assert detections(doc) == {"-": {"USA_SOCIAL_SECURITY_NUMBER": 1}}


def test_missing_path_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["scan", "/nonexistent/folder"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "Error: no such file or folder: /nonexistent/folder",
        "Hint: check the PATH argument",
    ]


def test_skipped_files_are_listed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    shutil.copy(SAMPLES / "aws_credentials", tmp_path / "creds")
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    code, doc, _ = scan_json(capsys, str(tmp_path))
    assert code == 0
    assert doc["skipped"] == [
        {"path": "broken.zip", "reason": "UNABLE_TO_PARSE_FILE"},
        {"path": "image.png", "reason": "UNSUPPORTED_FILE_TYPE_EXCEPTION"},
    ]
    assert run(["scan", str(tmp_path), "--no-color"]) == 0
    out, err = capsys.readouterr()
    assert "Not scanned" in out and "UNABLE_TO_PARSE_FILE" in out
    assert "creds" in out and "AWS_CREDENTIALS x2" in out
    assert "1 file scanned" in err and "2 not scanned" in err


def test_engines_agree(capsys: pytest.CaptureFixture[str]) -> None:
    """Hyperscan against the pure-Python engine, each named explicitly (skipped only where
    hyperscan, a normal dependency, cannot be imported)."""
    pytest.importorskip("hyperscan")
    _, fast, _ = scan_json(capsys, str(SAMPLES), "--engine", "hyperscan")
    _, pure, _ = scan_json(capsys, str(SAMPLES), "--engine", "pure")
    for doc in (fast, pure):
        doc["summary"].pop("seconds")
    assert fast == pure
    assert fast["summary"]["filesWithFindings"] >= 5  # the comparison is not of empty sets


def test_yaml_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["scan", str(SAMPLES / "id_ed25519"), "-o", "yaml"]) == 0
    out = capsys.readouterr().out
    assert "type: OPENSSH_PRIVATE_KEY" in out and "filesWithFindings: 1" in out


def test_the_default_config_file_is_used_when_present(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "macie-notify.yaml").write_text(
        "stack: {name: demo}\n"
        "custom_data_identifiers:\n"
        "  - {name: ticket, regex: 'TCK-[0-9]{5}'}\n"
        "job: {managed_identifiers: NONE}\n",
        encoding="utf-8",
    )
    (tmp_path / "notes.txt").write_text("see TCK-12345 and TCK-54321\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert run(["scan", "notes.txt", "-o", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["files"][0]["customDataIdentifiers"] == {
        "totalCount": 2,
        "detections": [{"name": "ticket", "count": 2}],
    }


def test_the_collector_runs_again_after_a_scan(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Garbage collection pauses while scan builds its engine (start-up objects live as long
    as the scan); whoever runs the CLI in-process gets it back, after an error too."""
    import gc

    sample = tmp_path / "a.txt"
    sample.write_text("ssn 536-22-8726\n", encoding="utf-8")
    assert gc.isenabled()
    code, doc, _ = scan_json(capsys, str(sample))
    assert (code, doc["summary"]["filesScanned"], gc.isenabled()) == (0, 1, True)
    code = run(["scan", str(sample), "-c", str(tmp_path / "missing.yaml")])
    assert (code, gc.isenabled()) == (2, True)
