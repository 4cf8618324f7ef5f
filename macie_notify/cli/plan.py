"""``macie-notify plan``: what setup would do, per resource. Reads only."""

from __future__ import annotations

import click

from macie_notify.cli.context import AppContext
from macie_notify.cli.options import pass_app


@click.command("plan")
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 4 when changes are pending (0 when the stack is up to date).",
)
@click.option("--no-cost", is_flag=True, help="Skip the monthly cost estimate.")
@pass_app
def plan_cmd(app: AppContext, detailed_exitcode: bool, no_cost: bool) -> None:
    """Show what `setup` would create, update, replace or leave alone, and why.

    Reads the stack from AWS (no state file) and compares it with the config. `-o json`
    prints a list of {resource, name, action, reason, id}.
    """
    from macie_notify.cli.stack_common import cost_lines, counts, make_engine, show_plan
    from macie_notify.errors import EXIT_CHANGES

    engine = make_engine(app, deploying=True)
    plan = engine.plan()
    show_plan(app, plan, title=f"Plan for stack {plan.stack} ({plan.region})")
    app.info(f"Plan: {counts(plan)}.")
    if not no_cost:
        for line in cost_lines(engine.cost()):
            app.info(line)
    if detailed_exitcode and plan.pending:
        click.get_current_context().exit(EXIT_CHANGES)
