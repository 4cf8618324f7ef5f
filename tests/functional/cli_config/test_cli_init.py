"""`macie-notify init`: writes the packaged example, never overwrites without --force."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from macie_notify.cli.main import run
from macie_notify.config import load
from macie_notify.config.example import example_text

ROOT = Path(__file__).resolve().parents[3]


def test_writes_default_path(no_local_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run(["init"])
    out, err = capsys.readouterr()
    written = no_local_config / "macie-notify.yaml"
    assert code == 0
    assert out == ""
    assert err == ("Wrote macie-notify.yaml: set stack.name, then run `macie-notify validate`.\n")
    assert written.read_text(encoding="utf-8") == example_text()
    assert load(str(written)).stack.name == "macie-demo"


def test_then_validate_succeeds(no_local_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["init"]) == 0
    assert run(["validate"]) == 0
    assert "macie-notify.yaml is valid: stack macie-demo" in capsys.readouterr().err


def test_path_argument_and_config_option(tmp_path: Path) -> None:
    assert run(["init", str(tmp_path / "a.yaml")]) == 0
    assert run(["init", "-c", str(tmp_path / "b.yaml")]) == 0
    assert (tmp_path / "a.yaml").read_text(encoding="utf-8") == example_text()
    assert (tmp_path / "b.yaml").read_text(encoding="utf-8") == example_text()


def test_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "macie-notify.yaml"
    target.write_text("stack: {name: mine}\n", encoding="utf-8")
    code = run(["init", str(target)])
    err = capsys.readouterr().err
    assert code == 2
    assert err == (
        f"Error: {target} already exists; not overwriting it\n"
        "Hint: use `macie-notify init --force` to replace it, or give another PATH\n"
    )
    assert target.read_text(encoding="utf-8") == "stack: {name: mine}\n"
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left behind


def test_force_overwrites(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "macie-notify.yaml"
    target.write_text("stack: {name: mine}\n", encoding="utf-8")
    code = run(["init", "--force", str(target), "-o", "json"])
    out, err = capsys.readouterr()
    assert code == 0
    assert json.loads(out) == {"path": str(target), "replaced": True}
    assert err.startswith("Replaced ")
    assert target.read_text(encoding="utf-8") == example_text()


def test_missing_folder_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(["init", str(tmp_path / "nope" / "x.yaml")])
    assert code == 2
    assert capsys.readouterr().err == f"Error: folder {tmp_path / 'nope'} does not exist\n"


def test_root_example_is_the_packaged_one() -> None:
    link = ROOT / "config.example.yaml"
    assert link.is_symlink()
    assert link.read_text(encoding="utf-8") == example_text()
