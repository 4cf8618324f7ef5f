"""A new user's first commands: `init`, then `validate`, in any folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from macie_notify.cli.main import run


def test_init_then_validate_in_an_empty_folder_is_quiet(
    no_local_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # samples.source is the default sample_data: the bundled samples when no such folder.
    assert run(["init"]) == 0
    assert capsys.readouterr().err == (
        "Wrote macie-notify.yaml: set stack.name, then run `macie-notify validate`.\n"
    )
    assert run(["validate"]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "macie-notify.yaml is valid: stack macie-demo, 1 custom identifier, "
        "job daily-scan (daily)\n"
    )


def test_init_with_another_file_suggests_validate_with_that_file(
    no_local_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["init", "-c", "other.yaml"]) == 0
    assert capsys.readouterr().err == (
        "Wrote other.yaml: set stack.name, then run `macie-notify validate -c other.yaml`.\n"
    )
    assert run(["init", "conf dir.yaml"]) == 0
    assert "run `macie-notify validate -c 'conf dir.yaml'`" in capsys.readouterr().err
    assert run(["validate", "-c", "other.yaml"]) == 0


def test_a_missing_folder_that_is_not_the_default_is_a_warning_that_q_silences(
    no_local_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Path("macie-notify.yaml").write_text("stack: {name: first-run}\nsamples: {source: data}\n")
    assert run(["validate"]) == 0
    assert capsys.readouterr().err.splitlines()[0] == (
        "Warning: samples.source (line 2): folder 'data' does not exist (upload-samples needs it)"
    )
    assert run(["validate", "-q"]) == 0
    assert capsys.readouterr() == ("", "")
