"""The root ``macie-notify`` group.

Subcommands load lazily from the table below so that ``--help`` and ``validate`` never
import boto3, rich or moto; the help line of each command lives here for the same reason.
"""

from __future__ import annotations

import importlib

import click

from macie_notify import __version__
from macie_notify.cli.context import AppContext
from macie_notify.cli.options import attach_global_options

# name -> (module, attribute, one-line help). A command is listed only once it works.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "init": ("macie_notify.cli.init", "init_cmd", "Write a starter macie-notify.yaml."),
    "validate": (
        "macie_notify.cli.validate",
        "validate_cmd",
        "Check the config offline (schema, regexes, Macie limits).",
    ),
    "plan": ("macie_notify.cli.plan", "plan_cmd", "Show what setup would change, and why."),
    "setup": ("macie_notify.cli.setup", "setup_cmd", "Create or update the whole stack."),
    "status": (
        "macie_notify.cli.status",
        "status_cmd",
        "Show the stack's state, drift, job runs and cost.",
    ),
    "teardown": (
        "macie_notify.cli.teardown",
        "teardown_cmd",
        "Delete what setup created (this stack's tagged resources).",
    ),
    "local": ("macie_notify.cli.local", "local_group", "Run the embedded local AWS (--local)."),
    "demo": ("macie_notify.cli.demo", "demo_cmd", "Run the whole pipeline on the local AWS."),
    "scan": ("macie_notify.cli.scan", "scan_cmd", "Scan local files for sensitive data."),
    "findings": (
        "macie_notify.cli.findings",
        "findings_group",
        "List, show, count and follow Macie findings (--tail).",
    ),
    "identifiers": (
        "macie_notify.cli.identifiers",
        "identifiers_group",
        "Managed and custom data identifiers: list, test on a sample.",
    ),
    "jobs": (
        "macie_notify.cli.jobs",
        "jobs_group",
        "Classification jobs: list, show, run now (--wait), pause, resume, cancel.",
    ),
    "notify": (
        "macie_notify.cli.notify",
        "notify_group",
        "Package the Slack notifier, preview messages.",
    ),
    "upload-samples": (
        "macie_notify.cli.upload_samples",
        "upload_samples_cmd",
        "Sync the sample files to the stack's bucket.",
    ),
}


class MacieGroup(click.Group):
    """A group whose commands all accept the global options; entries in ``lazy`` load on use."""

    def __init__(
        self, *args: object, lazy: dict[str, tuple[str, str, str]] | None = None, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        cmd = self.commands.get(cmd_name)
        if cmd is None and cmd_name in self.lazy:
            module, attr, _ = self.lazy[cmd_name]
            cmd = getattr(importlib.import_module(module), attr)
            assert isinstance(cmd, click.Command)
            self.commands[cmd_name] = cmd
        if cmd is None:
            return None
        attach_global_options(cmd)
        if isinstance(cmd, click.Group) and not isinstance(cmd, MacieGroup):
            for sub in cmd.commands.values():
                attach_global_options(sub)
        return cmd

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            # The table's line, loaded or not: the listing must not change once a
            # command has been imported (in-process callers, tests).
            if name in self.lazy:
                rows.append((name, self.lazy[name][2]))
            else:
                cmd = self.get_command(ctx, name)
                if cmd is not None and not cmd.hidden:
                    rows.append((name, cmd.get_short_help_str(limit=formatter.width - 30)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(
    cls=MacieGroup,
    lazy=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "--version", prog_name="macie-notify")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Amazon Macie watching your S3 data, and Slack told about it.

    Try the whole pipeline offline with `macie-notify demo`: Macie, a secured bucket,
    custom data identifiers, a classification job, and every finding posted to Slack
    through EventBridge and the notifier Lambda, on an embedded local AWS. Global options
    work before or after the command name.
    """
    ctx.ensure_object(AppContext)


attach_global_options(cli)

__all__ = ["COMMANDS", "MacieGroup", "cli"]
