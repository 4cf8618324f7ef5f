"""Help text: every command's one-line help fits its group's listing (no cut-off "...")."""

from __future__ import annotations

import click
from click.testing import CliRunner

from macie_notify.cli import COMMANDS, cli


def _listing(*args: str) -> list[str]:
    result = CliRunner().invoke(cli, [*args, "--help"], terminal_width=80)
    assert result.exit_code == 0, result.output
    _, _, commands = result.output.partition("\nCommands:\n")
    return [line.strip() for line in commands.splitlines() if line.strip()]


def test_group_listings_show_whole_one_line_helps() -> None:
    groups = [
        name
        for name in COMMANDS
        if isinstance(cli.get_command(click.Context(cli), name), click.Group)
    ]
    assert groups, "no command groups registered"
    for args in [(), *((g,) for g in groups)]:
        rows = _listing(*args)
        assert rows, f"{args} lists no commands"
        cut = [row for row in rows if row.endswith("...")]
        assert cut == [], f"{' '.join(args) or 'root'}: one-line help cut off: {cut}"
