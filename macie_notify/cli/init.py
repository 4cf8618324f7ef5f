"""``macie-notify init [--force] [PATH]``: write the commented starter config."""

from __future__ import annotations

import click

from macie_notify.cli.context import AppContext
from macie_notify.cli.options import pass_app


@click.command("init")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
@pass_app
def init_cmd(app: AppContext, path: str | None, force: bool) -> None:
    """Write a starter macie-notify.yaml documenting every key.

    PATH defaults to -c/--config, else ./macie-notify.yaml. An existing file is left
    alone unless --force is given.
    """
    from macie_notify.config.example import write_example

    target = path or app.settings.config_path
    replaced = write_example(target, force=force)
    if app.settings.output != "table":
        from macie_notify.render import to_text

        click.echo(to_text({"path": target, "replaced": replaced}, app.settings.output), nl=False)
    if not app.settings.quiet:
        verb = "Replaced" if replaced else "Wrote"
        click.echo(
            f"{verb} {target}: set stack.name, then run `{_validate_for(target)}`.", err=True
        )


def _validate_for(target: str) -> str:
    """The validate command that reads ``target``: ``-c`` unless it is the default file."""
    import os
    import shlex

    from macie_notify.cli.context import GlobalSettings

    default = GlobalSettings.from_environ().config_path  # MACIE_NOTIFY_CONFIG, else ./...
    if os.path.abspath(target) == os.path.abspath(default):
        return "macie-notify validate"
    return f"macie-notify validate -c {shlex.quote(target)}"
