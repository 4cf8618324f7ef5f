"""``macie-notify teardown``: delete what setup created (only what carries the stack's tags)."""

from __future__ import annotations

import click

from macie_notify.cli.context import AppContext
from macie_notify.cli.options import pass_app

DISABLE_WARNING = (
    "--disable-macie disables Amazon Macie in this account and Region: Macie then "
    "deletes ALL its findings, jobs and custom data identifiers, not only this stack's."
)


@click.command("teardown")
@click.option("--yes", "-y", is_flag=True, help="Delete without asking (for scripts and CI).")
@click.option("--dry-run", is_flag=True, help="Only show what would be deleted.")
@click.option(
    "--disable-macie",
    is_flag=True,
    help="Also disable Macie (deletes every finding, job and identifier it has).",
)
@pass_app
def teardown_cmd(app: AppContext, yes: bool, dry_run: bool, disable_macie: bool) -> None:
    """Delete the stack's resources in reverse dependency order.

    Only resources tagged macie-notify:stack=<name> are deleted. Jobs are cancelled
    (Macie cannot delete them), custom identifiers deleted. An adopted bucket
    (bucket.create: false) is never deleted, nor a non-empty one unless
    bucket.force_destroy is true. Macie stays enabled unless --disable-macie.
    """
    from macie_notify.cli.stack_common import (
        confirm,
        counts,
        make_engine,
        plan_table,
        progress,
        show_plan,
    )

    if disable_macie:
        app.warn(DISABLE_WARNING)
    engine = make_engine(app, disable_macie=disable_macie)
    plan = engine.teardown_plan()
    title = f"Teardown of stack {plan.stack} ({plan.region})"
    if dry_run or not plan.pending:
        show_plan(app, plan, title=title)
        app.info(f"Teardown: {counts(plan)}" + (" (dry run)." if dry_run else ": nothing to do."))
        return
    show_plan(app, plan, title=title, to_stderr=True)
    app.info(f"Teardown: {counts(plan)}.")
    if not confirm(app, yes, f"Delete these {len(plan.pending)} resources?"):
        app.info("Nothing was deleted.")
        return
    result = engine.apply(plan, progress(app))
    app.info(f"Teardown complete in {result.seconds:.1f} s: {counts(plan, done=True)}.")
    app.render(result.to_list(), table=plan_table(title))
