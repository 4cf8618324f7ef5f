"""``macie-notify status``: what exists, its drift, Macie, the job's last run, the cost."""

from __future__ import annotations

from typing import Any

import click

from macie_notify.cli.context import AppContext
from macie_notify.cli.options import pass_app


@click.command("status")
@pass_app
def status_cmd(app: AppContext) -> None:
    """Show each resource's state and drift, the Macie session, the job and its last run
    statistics, and the job's estimated monthly cost. Reads only.

    `-o json` prints {stack, account, region, resources, macie, jobs, cost}.
    """
    from macie_notify.cli.stack_common import cost_lines, make_engine

    engine = make_engine(app)
    report = engine.status()
    if app.settings.output != "table":
        app.render(report)
        return
    _tables(app, report)
    for line in cost_lines(report["cost"]):
        app.out.print(line, markup=False, highlight=False, soft_wrap=True)


def _tables(app: AppContext, report: dict[str, Any]) -> None:
    from macie_notify.render import Column, TableSpec

    app.render(
        report["resources"],
        table=TableSpec(
            columns=[
                Column("Resource", "resource"),
                Column("Name", "name"),
                Column("State", "state"),
                Column("Drift", "drift"),
            ],
            title=f"Stack {report['stack']} ({report['account']}, {report['region']})",
        ),
    )
    macie = report["macie"]
    line = f"Macie: {macie['status']}"
    if "findingPublishingFrequency" in macie:
        hub = "on" if macie["publishToSecurityHub"] else "off"
        line += f", findings published every {macie['findingPublishingFrequency']}, "
        line += f"Security Hub publication {hub}"
    app.out.print(line, markup=False, highlight=False, soft_wrap=True)
    app.render(
        report["jobs"],
        table=TableSpec(
            columns=[
                Column("Job", "name"),
                Column("Status", "status"),
                Column("Type", "jobType"),
                Column("Last run", "lastRunTime"),
                Column("Objects", "approximateNumberOfObjectsToProcess"),
                Column("Runs", "numberOfRuns"),
                Column("Error", "lastRunErrorStatus"),
            ],
            title="Classification jobs",
            empty="No classification job yet: run `macie-notify setup`.",
        ),
    )
