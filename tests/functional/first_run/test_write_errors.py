"""Files a command cannot write (read-only folder, a parent that is a file) are operational
errors naming the path (exit 1), not "unexpected PermissionError". CI runs as root, which
may write anywhere, so the refusals are simulated where the code meets the file system."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from macie_notify.cli.main import run
from macie_notify.config import example


def _denied(*args: object, **kwargs: object) -> None:
    raise PermissionError(errno.EACCES, "Permission denied")


def test_init_into_a_read_only_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(example.tempfile, "mkstemp", _denied)
    target = tmp_path / "macie-notify.yaml"
    assert run(["init", str(target)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        f"Error: cannot write {target}: Permission denied\n"
        "Hint: check that the folder is writable, or give another PATH\n"
    )
    assert os.listdir(tmp_path) == []


def test_init_under_a_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "afile").write_text("x")
    assert run(["init", str(tmp_path / "afile" / "macie-notify.yaml")]) == 2
    assert capsys.readouterr().err == f"Error: folder {tmp_path / 'afile'} is not a folder\n"


def test_package_into_a_folder_that_refuses_writes_and_unlinks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # As in /root for a normal user: the write and the clean-up are both refused.
    monkeypatch.setattr(Path, "write_bytes", _denied)
    monkeypatch.setattr(Path, "unlink", _denied)
    target = tmp_path / "x.zip"
    assert run(["notify", "package", "-o", str(target)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        f"Error: cannot write {target}: Permission denied\n"
        "Hint: check the folder exists and is writable\n"
    )


def test_package_under_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "afile").write_text("x")
    target = tmp_path / "afile" / "x.zip"
    assert run(["notify", "package", "-o", str(target)]) == 1
    assert capsys.readouterr().err == (
        f"Error: cannot write {target}: Not a directory\n"
        "Hint: check the folder exists and is writable\n"
    )
