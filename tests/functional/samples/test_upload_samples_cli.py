"""``macie-notify upload-samples`` through the CLI entry point, on moto's S3 in-process."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from rich.console import Console
from samples_helpers import BUCKET, keys, write_config

from macie_notify.cli import cli
from macie_notify.cli.context import AppContext, GlobalSettings
from macie_notify.cli.main import run
from macie_notify.samples import bundled_sample_data, sample_files

LOCAL_KEYS = ["samples/nested/config.json", "samples/notes.txt", "samples/people.csv"]


def upload(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = run(["upload-samples", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_summary_of_a_first_run_and_a_rerun(
    s3: Any, source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, source="data")
    code, out, err = upload(capsys, "-c", str(config), "-o", "json")
    assert (code, err) == (0, "")
    doc = json.loads(out)
    size = sum(p.stat().st_size for p in sample_files(source))
    assert {k: v for k, v in doc.items() if k != "seconds"} == {
        "bucket": BUCKET,
        "prefix": "samples/",
        "source": str(source),
        "uploaded": 3,
        "skipped": 0,
        "deleted": 0,
        "failed": [],
        "bytes": size,
    }
    assert keys(s3) == LOCAL_KEYS
    code, out, _ = upload(capsys, "-c", str(config), "-o", "json")
    assert code == 0
    assert (json.loads(out)["uploaded"], json.loads(out)["skipped"]) == (0, 3)


def test_table_summary_line(
    s3: Any, source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, source="data")
    code, out, err = upload(capsys, "-c", str(config))
    assert code == 0 and err == ""  # not a TTY: no progress bar
    assert out.startswith("Uploaded 3 files (30 B), skipped 0 unchanged, deleted 0 in ")
    assert out.endswith(f" s: s3://{BUCKET}/samples/ from {source}\n")


def test_dry_run_prints_the_plan_and_changes_nothing(
    s3: Any, source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s3.put_object(Bucket=BUCKET, Key="samples/stale.txt", Body=b"old")
    config = write_config(tmp_path, source="data")
    code, out, _ = upload(capsys, "-c", str(config), "--dry-run", "--delete", "-o", "json")
    assert code == 0
    doc = json.loads(out)
    assert [(u["key"], u["reason"]) for u in doc["uploads"]] == [(k, "new") for k in LOCAL_KEYS]
    assert doc["deletes"] == ["samples/stale.txt"]
    assert doc["summary"] == {"upload": 3, "skip": 0, "delete": 1, "bytes": 30}
    assert keys(s3) == ["samples/stale.txt"]  # nothing uploaded, nothing deleted
    code, out, _ = upload(capsys, "-c", str(config), "--dry-run", "--delete")
    assert code == 0
    assert "upload (new)" in out and "samples/stale.txt" in out
    assert out.rstrip().endswith("Would upload 3 files (30 B), skip 0 unchanged, delete 1.")


def test_delete_through_the_cli(
    s3: Any, source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s3.put_object(Bucket=BUCKET, Key="samples/stale.txt", Body=b"old")
    s3.put_object(Bucket=BUCKET, Key="elsewhere/stale.txt", Body=b"old")
    config = write_config(tmp_path, source="data")
    code, out, _ = upload(capsys, "-c", str(config), "--delete", "-o", "json")
    assert code == 0 and json.loads(out)["deleted"] == 1
    assert keys(s3) == sorted([*LOCAL_KEYS, "elsewhere/stale.txt"])


def test_missing_bucket_is_exit_1_and_suggests_setup(
    s3: Any, source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s3.delete_bucket(Bucket=BUCKET)
    config = write_config(tmp_path, source="data")
    code, out, err = upload(capsys, "-c", str(config))
    assert (code, out) == (1, "")
    assert err == (
        f"Error: bucket {BUCKET} does not exist\n"
        "Hint: create it with `macie-notify setup` (or check --region and bucket.name)\n"
    )


def test_missing_source_folder_is_exit_2_naming_the_path(
    s3: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, source="my-files")
    code, out, err = upload(capsys, "-c", str(config))
    assert (code, out) == (2, "")
    assert (
        err.splitlines()[0]
        == f"Error: samples.source folder {tmp_path / 'my-files'} does not exist"
    )
    code, _, err = upload(capsys, "-c", str(config), "--source", str(tmp_path / "nope"))
    assert code == 2 and f"--source {tmp_path / 'nope'}: no such folder" in err


def test_the_default_source_falls_back_to_the_bundled_sample_data(
    s3: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path)  # samples.source: the default sample_data, absent here
    code, out, _ = upload(capsys, "-c", str(config), "-o", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["source"] == str(bundled_sample_data())
    expected = sorted(f"samples/{p.name}" for p in sample_files(bundled_sample_data()))
    assert keys(s3) == expected and doc["uploaded"] == len(expected)


def test_a_missing_config_says_which_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = upload(capsys, "-c", str(tmp_path / "none.yaml"))
    assert code == 2 and f"config file {tmp_path / 'none.yaml'} not found" in err


def test_progress_bar_on_a_terminal_shows_files_and_bytes(
    s3: Any, source: Path, tmp_path: Path
) -> None:
    config = write_config(tmp_path, source="data")
    stderr = io.StringIO()
    app = AppContext(
        settings=GlobalSettings(config_path=str(config), config_explicit=True),
        _err=Console(file=stderr, force_terminal=True, width=100),
        _out=Console(file=io.StringIO(), width=100),
    )
    result = CliRunner().invoke(cli, ["upload-samples"], obj=app)
    assert result.exit_code == 0, result.output
    shown = stderr.getvalue()
    assert "Uploading 3/3 files" in shown and "30 bytes" in shown
    quiet = AppContext(
        settings=GlobalSettings(config_path=str(config), config_explicit=True, quiet=True),
        _err=Console(file=(silent := io.StringIO()), force_terminal=True),
        _out=Console(file=io.StringIO()),
    )
    (source / "notes.txt").write_text("changed!\n")
    assert CliRunner().invoke(cli, ["upload-samples"], obj=quiet).exit_code == 0
    assert silent.getvalue() == ""
