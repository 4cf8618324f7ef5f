"""Run the CLI in-process with an injected :class:`Aws` (hooked clients), as cli.main does:
MacieNotifyError -> its lines on stderr and its exit code."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click
import pytest

from macie_notify.aws import Aws
from macie_notify.cli import cli
from macie_notify.cli.context import AppContext, GlobalSettings
from macie_notify.errors import MacieNotifyError


def run_cli(
    args: Sequence[str], aws: Aws, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    capsys.readouterr()
    app = AppContext(settings=GlobalSettings(), _aws=aws)
    try:
        result = cli.main(args=list(args), prog_name="macie-notify", standalone_mode=False, obj=app)
        code = result if isinstance(result, int) else 0
    except click.exceptions.Exit as exc:
        code = int(exc.exit_code)
    except MacieNotifyError as exc:
        for line in exc.lines():
            print(line, file=sys.stderr)
        code = exc.exit_code
    captured = capsys.readouterr()
    return code, captured.out, captured.err
