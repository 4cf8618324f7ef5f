"""``notify test`` and ``notify replay``: the deployed notifier, driven directly."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import click

from macie_notify.cli.context import AppContext
from macie_notify.cli.options import pass_app
from macie_notify.errors import MacieNotifyError

if TYPE_CHECKING:
    from macie_notify.delivery import Target


def _target(app: AppContext) -> Target:
    from macie_notify.delivery import Target
    from macie_notify.stack.naming import Names

    config = app.config
    aws = app.aws
    bucket = config.bucket.resolved_name(config.stack.name, aws.account_id, aws.region)
    names = Names(config.stack.name, aws.account_id, aws.region, aws.partition, bucket)
    return Target(names.function, names.log_group, names.queue)


@click.command("test", short_help="Send a test finding through the deployed notifier.")
@click.option(
    "--log-timeout",
    default=30.0,
    show_default=True,
    type=click.FloatRange(0, 600),
    help="Seconds to wait for the function's log line.",
)
@pass_app
def test_cmd(app: AppContext, log_timeout: float) -> None:
    """Invoke the stack's notifier with a synthetic finding marked as a test (posted past
    the filters), and report the delivery and its latency from the function's log group.

    Exit 1 when the function did not post it.
    """
    from macie_notify.delivery import send_test

    target = _target(app)
    app.info(f"Invoking {target.function} with a test finding ...")
    report = send_test(
        app.aws,
        target,
        clock=time.monotonic,
        sleep=time.sleep,
        now=datetime.now(timezone.utc),
        log_timeout=log_timeout,
    )
    app.render(report)
    if report["decision"] != "posted":
        raise MacieNotifyError(
            f"the notifier did not post the test finding ({report['decision']}: "
            f"{report['error'] or 'no reason given'})",
            f"read the function's log group {target.log_group}",
        )
    where = f" to {report['channel']}" if report["channel"] else ""
    timing = f", {report['functionMs']} ms in the function" if report["functionMs"] else ""
    app.info(f"Posted{where} in {report['invokeSeconds']:.2f} s{timing}.")


@click.command("replay", short_help="Re-drive the dead-letter queue through the notifier.")
@click.option("--dry-run", is_flag=True, help="Only list the waiting events.")
@click.option(
    "--max",
    "limit",
    default=100,
    show_default=True,
    type=click.IntRange(1, 10000),
    help="At most this many messages.",
)
@pass_app
def replay_cmd(app: AppContext, dry_run: bool, limit: int) -> None:
    """Send each event waiting in the dead-letter queue through the function again, and
    delete it from the queue only once the function posted it. --dry-run lists them.

    Exit 1 when some could not be delivered (they stay in the queue).
    """
    from macie_notify.delivery import replay

    target = _target(app)
    items = replay(app.aws, target, limit=limit, dry_run=dry_run)
    rows = [item.row() for item in items]
    app.render(rows, table=_table(target.queue, dry_run))
    if dry_run:
        app.info(f"{len(rows)} event(s) waiting in {target.queue} (dry run: nothing sent).")
        return
    posted = sum(1 for row in rows if row["replay"] == "posted")
    app.info(f"{posted} of {len(rows)} event(s) delivered and removed from {target.queue}.")
    if posted < len(rows):
        raise MacieNotifyError(
            f"{len(rows) - posted} event(s) could not be delivered; they stay in {target.queue}",
            "see the error column; fix the cause and run `macie-notify notify replay` again",
        )


def _table(queue: str, dry_run: bool) -> Any:
    from macie_notify.render import Column, TableSpec

    columns = [
        Column("Finding", "findingId"),
        Column("Type", "type"),
        Column("Severity", "severity"),
        Column("Origin", "origin"),
        Column("Why", "reason"),
    ]
    if not dry_run:
        columns += [Column("Replay", "replay"), Column("Error", "error")]
    return TableSpec(columns=columns, title=f"Dead-letter queue {queue}", empty="Nothing waiting.")
