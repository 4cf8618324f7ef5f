"""``macie-notify local slack``: what the local Slack sink received, in the terminal."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import click

from macie_notify.cli.context import LOCAL_ENDPOINT, AppContext
from macie_notify.cli.options import pass_app


@click.command("slack")
@click.option("--channel", help="Only this channel (#name or ID).")
@click.option("--clear", is_flag=True, help="Forget the messages after showing them.")
@click.option(
    "--limit", type=click.IntRange(1), default=None, help="Only the N most recent messages."
)
@pass_app
def slack_cmd(app: AppContext, channel: str | None, clear: bool, limit: int | None) -> None:
    """Show the messages the local Slack sink received (from `local serve` or `demo`).

    -o json prints them as recorded: channel, ts, text, blocks, attachments.
    """
    import datetime as dt

    from macie_notify.local.client import fetch_messages, summary
    from macie_notify.render import Column, TableSpec

    endpoint = app.settings.endpoint_url or LOCAL_ENDPOINT
    messages = fetch_messages(endpoint, channel=channel, clear=clear)
    if limit:
        messages = messages[-limit:]
    if app.settings.output != "table":
        app.render(messages)
        return

    def when(row: Mapping[str, Any]) -> str:
        stamp = float(str(row["ts"]))
        return dt.datetime.fromtimestamp(stamp, dt.timezone.utc).strftime("%H:%M:%S")

    app.render(
        messages,
        table=TableSpec(
            columns=[
                Column("Time (UTC)", when),
                Column("Channel", lambda r: f"#{r['channel_name']}"),
                Column("Via", "via"),
                Column("Message", summary),
            ],
            title="Local Slack sink",
            empty=f"No messages yet at {endpoint}.",
        ),
    )
