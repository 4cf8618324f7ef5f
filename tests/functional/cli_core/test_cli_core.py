"""The root group: global options anywhere, exit codes, no tracebacks unless --verbose."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest

from macie_notify.cli import MacieGroup, cli
from macie_notify.cli.context import AppContext
from macie_notify.cli.main import run
from macie_notify.cli.options import pass_app
from macie_notify.errors import AwsError, FindingsAtThreshold

seen: dict[str, object] = {}


@click.command("probe")
@click.option("--fail", type=click.Choice(["aws", "findings", "bug", "interrupt"]))
@pass_app
def probe(app: AppContext, fail: str | None) -> None:
    """Record the settings the command sees."""
    seen.update(vars(app.settings))
    if fail == "aws":
        raise AwsError("ListFindings failed: boom", "try again")
    if fail == "findings":
        raise FindingsAtThreshold("2 findings at or above High")
    if fail == "bug":
        raise RuntimeError("unexpected thing")
    if fail == "interrupt":
        raise KeyboardInterrupt


@click.group("grp", cls=MacieGroup)
def grp() -> None:
    """A nested group."""


@grp.command("leaf")
@pass_app
def leaf(app: AppContext) -> None:
    seen.update(vars(app.settings))


@pytest.fixture(autouse=True)
def _register() -> object:
    cli.add_command(probe)
    cli.add_command(grp)
    seen.clear()
    yield
    cli.commands.pop("probe", None)
    cli.commands.pop("grp", None)


@pytest.mark.parametrize(
    "argv",
    [
        ["--region", "eu-west-1", "-o", "json", "probe"],
        ["probe", "--region", "eu-west-1", "-o", "json"],
        ["--region", "eu-west-1", "probe", "--output", "JSON"],
    ],
)
def test_global_options_before_or_after_command(argv: list[str]) -> None:
    assert run(argv) == 0
    assert seen["region"] == "eu-west-1"
    assert seen["output"] == "json"


def test_global_options_on_nested_commands() -> None:
    assert run(["grp", "leaf", "--local", "-c", "x.yaml", "-q"]) == 0
    assert seen["local"] is True
    assert seen["config_path"] == "x.yaml"
    assert seen["config_explicit"] is True
    assert seen["quiet"] is True


def test_environment_supplies_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MACIE_NOTIFY_LOCAL", "1")
    monkeypatch.setenv("MACIE_NOTIFY_CONFIG", "team.yaml")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5000")
    assert run(["probe"]) == 0
    assert seen["local"] is True
    assert seen["config_path"] == "team.yaml"
    assert seen["endpoint_url"] == "http://127.0.0.1:5000"


def test_flag_beats_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5000")
    assert run(["probe", "--endpoint-url", "http://127.0.0.1:6000"]) == 0
    assert seen["endpoint_url"] == "http://127.0.0.1:6000"


@pytest.mark.parametrize(
    ("fail", "code", "lines"),
    [
        ("aws", 1, ["Error: ListFindings failed: boom", "Hint: try again"]),
        ("findings", 3, ["Error: 2 findings at or above High"]),
        (
            "bug",
            1,
            [
                "Error: unexpected RuntimeError: unexpected thing",
                "Hint: run again with --verbose for the traceback, and report it as a bug.",
            ],
        ),
        ("interrupt", 130, ["", "Interrupted."]),
    ],
)
def test_errors_map_to_exit_codes_without_traceback(
    fail: str, code: int, lines: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["probe", "--fail", fail]) == code
    captured = capsys.readouterr()
    assert captured.err.splitlines() == lines
    assert captured.out == ""


def test_verbose_shows_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["probe", "--fail", "bug", "-v"]) == 1
    assert "Traceback (most recent call last)" in capsys.readouterr().err


def test_bad_option_value_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["probe", "-o", "xml"]) == 2
    err = capsys.readouterr().err
    assert "'xml' is not one of 'table', 'json', 'yaml'" in err
    assert "Traceback" not in err


def test_unknown_command_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["nosuchcommand"]) == 2
    assert "No such command 'nosuchcommand'" in capsys.readouterr().err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from macie_notify import __version__

    assert run(["--version"]) == 0
    assert capsys.readouterr().out == f"macie-notify, version {__version__}\n"


def test_help_imports_nothing_heavy() -> None:
    code = (
        "import sys\n"
        "from macie_notify.cli.main import run\n"
        "rc = run(['--help'])\n"
        "names = ('boto3', 'botocore', 'moto', 'rich', 'yaml')\n"
        "heavy = sorted(m for m in names if m in sys.modules)\n"
        "print(rc, heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip().splitlines()[-1] == "0 []"


def test_every_registered_command_loads_and_has_help() -> None:
    from macie_notify.cli import COMMANDS

    ctx = click.Context(cli)
    for name in COMMANDS:
        cmd = cli.get_command(ctx, name)
        assert cmd is not None, name
        assert cmd.help or cmd.short_help, f"{name} has no help text"
