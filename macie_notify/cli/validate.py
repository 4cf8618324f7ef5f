"""``macie-notify validate``: check the config offline; no boto3, no rich, no AWS call."""

from __future__ import annotations

from typing import Any

import click

from macie_notify.cli.context import AppContext
from macie_notify.cli.options import pass_app
from macie_notify.config.export import config_to_dict
from macie_notify.errors import ConfigError, ConfigProblem


@click.command("validate")
@pass_app
def validate_cmd(app: AppContext) -> None:
    """Check the config offline: schema, regexes, Macie and AWS limits.

    Exit 0 with a one-line summary (and any warnings) on stderr, or exit 2 listing every
    problem as `path (line N): message`. With -o json|yaml the verdict is also printed on
    stdout: {"valid": true, "summary", "warnings", "config"} or
    {"valid": false, "error", "problems": [{"path", "line", "message"}]}.
    """
    path = app.settings.config_path
    try:
        config = app.config
    except ConfigError as exc:
        failure = {"valid": False, "source": path, "error": exc.message}
        _emit(app, {**failure, "problems": _problems(exc.problems)})
        raise
    if not app.settings.quiet:  # -q: only errors and data (JSON keeps the warnings)
        for warning in config.warnings:
            click.echo(f"Warning: {warning}", err=True)
    _emit(
        app,
        {
            "valid": True,
            "source": path,
            "summary": config.summary(),
            "warnings": _problems(config.warnings),
            "config": config_to_dict(config),
        },
    )
    if not app.settings.quiet:
        click.echo(f"{path} is valid: {config.summary()}", err=True)


def _problems(problems: tuple[ConfigProblem, ...]) -> list[dict[str, Any]]:
    return [{"path": p.path, "line": p.line, "message": p.message} for p in problems]


def _emit(app: AppContext, data: dict[str, Any]) -> None:
    """Machine-readable verdict on stdout for -o json / yaml (nothing for table)."""
    fmt = app.settings.output
    if fmt == "table":
        return
    from macie_notify.render import to_text

    click.echo(to_text(data, fmt), nl=False)
