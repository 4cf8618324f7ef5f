"""``macie-notify setup``: converge every resource of the stack to the config."""

from __future__ import annotations

import click

from macie_notify.cli.context import AppContext
from macie_notify.cli.options import pass_app


@click.command("setup")
@click.option("--yes", "-y", is_flag=True, help="Apply without asking (for scripts and CI).")
@click.option("--dry-run", is_flag=True, help="Only show the plan (the same as `plan`).")
@pass_app
def setup_cmd(app: AppContext, yes: bool, dry_run: bool) -> None:
    """Create or update every resource so that the stack matches the config.

    Shows the plan, asks for confirmation on a terminal (never without one: pass --yes),
    then applies it, independent resources in parallel, one progress line per step on
    stderr. Running it again with the same config changes nothing. `-o json` prints the
    plan's list with the ids filled in.
    """
    from macie_notify.cli.stack_common import (
        confirm,
        cost_lines,
        counts,
        make_engine,
        plan_table,
        progress,
        show_plan,
    )

    engine = make_engine(app, deploying=True)
    plan = engine.plan()
    title = f"Plan for stack {plan.stack} ({plan.region})"
    if dry_run:
        show_plan(app, plan, title=title)
        app.info(f"Plan: {counts(plan)} (dry run: nothing was changed).")
        for line in cost_lines(engine.cost()):
            app.info(line)
        return
    if not plan.pending:
        app.info(f"The stack {plan.stack} is up to date: nothing to do.")
        app.render(plan.to_list(), table=plan_table(f"Stack {plan.stack} ({plan.region})"))
        return
    show_plan(app, plan, title=title, to_stderr=True)
    app.info(f"Plan: {counts(plan)}.")
    if not confirm(app, yes, f"Apply these {len(plan.pending)} changes?"):
        app.info("Nothing was changed.")
        return
    result = engine.apply(plan, progress(app))
    app.info(f"Setup complete in {result.seconds:.1f} s: {counts(plan, done=True)}.")
    app.render(result.to_list(), table=plan_table(f"Stack {plan.stack} ({plan.region})"))
    for line in cost_lines(engine.cost()):
        app.info(line)
