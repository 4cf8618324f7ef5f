"""Acceptance: talk on stderr stays one line per message when stderr is a pipe or a log."""

from __future__ import annotations

import io

from rich.console import Console

from macie_notify.cli.context import AppContext, GlobalSettings

LONG = "arn:aws:lambda:eu-west-1:123456789012:function:macie-demo-notifier " * 3


def _app(quiet: bool = False) -> tuple[AppContext, io.StringIO]:
    buffer = io.StringIO()
    console = Console(file=buffer, width=40, no_color=True, highlight=False, soft_wrap=False)
    return AppContext(settings=GlobalSettings(quiet=quiet), _err=console), buffer


def test_info_is_not_cut_at_the_console_width() -> None:
    app, buffer = _app()
    app.info(LONG.strip())
    assert buffer.getvalue() == LONG.strip() + "\n"


def test_warn_is_not_cut() -> None:
    app, buffer = _app()
    app.warn(LONG.strip())
    assert buffer.getvalue() == f"Warning: {LONG.strip()}\n"


def test_quiet_silences_warnings() -> None:
    # -q is "only errors and data": a warning is neither.
    app, buffer = _app(quiet=True)
    app.warn(LONG.strip())
    assert buffer.getvalue() == ""


def test_arns_print_verbatim_on_the_real_consoles(capsys: object) -> None:
    # rich turns ":secret:" into an emoji unless told not to; a Secrets Manager ARN has one.
    arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:macie-demo/slack-AbCdEf"
    app = AppContext(settings=GlobalSettings(no_color=True))
    app.info(arn)
    app.out.print(arn, markup=False)
    captured = capsys.readouterr()  # type: ignore[attr-defined]
    assert captured.err == arn + "\n"
    assert captured.out == arn + "\n"
