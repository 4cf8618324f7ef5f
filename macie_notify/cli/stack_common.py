"""What plan / setup / status / teardown share: the engine for the config, the plan table,
the confirmation rule and the progress lines (all talk on stderr, data on stdout)."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

from macie_notify.cli.context import AppContext
from macie_notify.errors import UsageError

if TYPE_CHECKING:
    from macie_notify.render import TableSpec
    from macie_notify.stack import Engine, Event, Plan

_MARK = {"create": "+", "update": "~", "replace": "-/+", "delete": "-", "no-op": " "}


def make_engine(app: AppContext, *, disable_macie: bool = False, deploying: bool = False) -> Engine:
    """The engine for the config, the Slack secret read from the variable the config names.

    ``deploying`` (plan, setup): the config's warnings are repeated, as validate gives them.
    """
    from macie_notify.stack import Engine

    config = app.config
    # What validate warns about (token_store: env above all) is said where it takes effect.
    for warning in config.warnings if deploying else ():
        app.warn(str(warning))
    secret_env = config.notifications.slack.secret_env
    app.info(f"Reading the stack {config.stack.name} ({_where(app)}) ...")
    return Engine.for_config(
        config,
        app.aws,
        secret_value=os.environ.get(secret_env) or None,
        disable_macie=disable_macie,
    )


def _where(app: AppContext) -> str:
    endpoint = app.aws.endpoint_url
    return f"{app.aws.region}" + (f" on {endpoint}" if endpoint else "")


def plan_table(title: str) -> TableSpec:
    from macie_notify.render import Column, TableSpec

    return TableSpec(
        columns=[
            Column("", lambda row: _MARK.get(str(row.get("action")), "")),
            Column("Resource", "resource"),
            Column("Name", "name"),
            Column("Action", "action"),
            Column("Reason", "reason"),
        ],
        title=title,
        empty="The stack has no resources.",
    )


_PLANNED = {
    "create": "to create",
    "update": "to update",
    "replace": "to replace",
    "delete": "to delete",
    "no-op": "unchanged",
}
_DONE = {
    "create": "created",
    "update": "updated",
    "replace": "replaced",
    "delete": "deleted",
    "no-op": "unchanged",
}


def counts(plan_or_changes: Any, *, done: bool = False) -> str:
    """``2 to create, 1 to update, 7 unchanged`` (or ``2 created, ...`` once applied)."""
    changes = getattr(plan_or_changes, "changes", plan_or_changes)
    tally: dict[str, int] = {}
    for change in changes:
        tally[change.action.value] = tally.get(change.action.value, 0) + 1
    words = _DONE if done else _PLANNED
    parts = [f"{tally[a]} {words[a]}" for a in words if tally.get(a)]
    return ", ".join(parts) or "nothing"


def show_plan(app: AppContext, plan: Plan, *, title: str, to_stderr: bool = False) -> None:
    """The plan as data (stdout), or as a table on stderr ahead of a confirmation."""
    if to_stderr:
        if app.settings.quiet:
            return
        from macie_notify.render import render

        render(plan.to_list(), "table", app.err, table=plan_table(title))
        return
    app.render(plan.to_list(), table=plan_table(title))


def confirm(app: AppContext, yes: bool, question: str) -> bool:
    """--yes, or a yes at the terminal; never a prompt without one (exit 2 instead)."""
    if yes:
        return True
    if not sys.stdin.isatty():
        raise UsageError(
            "refusing to change AWS without a confirmation, and there is no terminal to ask",
            "pass --yes to apply the plan above (or --dry-run to only show it)",
        )
    import click

    return click.confirm(question, default=False, err=True)


def say(app: AppContext, line: str) -> None:
    """A line of talk with ARNs intact (rich would turn ``:secret:`` into an emoji)."""
    if not app.settings.quiet:
        app.err.print(line, markup=False, highlight=False, emoji=False, soft_wrap=True)


def progress(app: AppContext) -> Any:
    """The executor's callback: one line per finished (or failed) step, on stderr."""

    def on_event(event: Event) -> None:
        c = event.change
        if event.phase == "done":
            ident = f" {c.id}" if c.id and c.id != c.name else ""
            say(app, f"✓ {c.action} {c.resource} {c.name}{ident} ({event.seconds:.1f} s)")
        elif event.phase == "failed":
            say(app, f"✗ {c.action} {c.resource} {c.name}: {event.error}")

    return on_event


def cost_lines(cost: dict[str, Any]) -> list[str]:
    """The monthly estimate and its assumptions, as lines of talk."""
    if "monthlyUsd" not in cost:
        return [f"Cost estimate: {cost.get('note', 'not available')}"]
    gib = cost["classifiableBytes"] / 1024**3
    lines = [
        f"Cost estimate: about ${cost['monthlyUsd']:.2f} a month for the job "
        f"({gib:.3f} GB classifiable in {cost['bucket']} x {cost['samplingPercentage']}% "
        f"sampled x {cost['runsPerMonth']:g} runs a month x ${cost['pricePerGbUsd']:.2f}/GB); "
        f"first run about ${cost['firstRunUsd']:.2f}"
    ]
    lines += [f"  assumes {text}" for text in cost["assumptions"]]
    return lines
