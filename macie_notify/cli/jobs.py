"""``macie-notify jobs ...``: classification jobs (list, show, run now, pause/resume/cancel).

``list`` and ``show`` only read, so they need no config file. ``run`` starts a one-time
job from the config's job definition (or over ``--bucket`` without one).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import click

from macie_notify.cli import MacieGroup
from macie_notify.cli.context import AppContext
from macie_notify.cli.options import pass_app
from macie_notify.errors import AwsError


@click.group("jobs", cls=MacieGroup)
def jobs_group() -> None:
    """Macie classification jobs: list, show, run now, pause, resume, cancel."""


def _jobs_table() -> Any:
    from macie_notify.render import Column, TableSpec

    return TableSpec(
        columns=[
            Column("Id", "jobId"),
            Column("Name", "name"),
            Column("Type", "jobType"),
            Column("Status", "jobStatus"),
            Column("Created", "createdAt"),
            Column("Last run errors", "lastRunErrorStatus.code"),
        ],
        empty="No classification jobs.",
    )


@jobs_group.command("list", short_help="Every classification job, newest first.")
@pass_app
def list_cmd(app: AppContext) -> None:
    """Every classification job, newest first (JSON: JobSummary objects as the API gives them)."""
    from macie_notify.jobs import list_jobs
    from macie_notify.render import to_jsonable

    app.render(to_jsonable(list_jobs(app.aws.client("macie2"))), table=_jobs_table())


def _report(job: Mapping[str, Any], counts: Mapping[str, Any]) -> dict[str, Any]:
    from macie_notify.render import to_jsonable

    return {"job": to_jsonable(dict(job)), "findings": dict(counts)}


def _print_report(app: AppContext, report: Mapping[str, Any]) -> None:
    if app.settings.output != "table":
        app.render(report)
        return
    job, counts = report["job"], report["findings"]
    definition = job.get("s3JobDefinition") or {}
    buckets = [b for d in definition.get("bucketDefinitions") or [] for b in d.get("buckets", [])]
    stats = job.get("statistics") or {}
    app.render(
        {
            "Job": f"{job.get('name')} ({job.get('jobId')})",
            "Type": job.get("jobType"),
            "Status": job.get("jobStatus"),
            "Created": job.get("createdAt"),
            "Last run": job.get("lastRunTime"),
            "Last run errors": (job.get("lastRunErrorStatus") or {}).get("code"),
            "Runs": _number(stats.get("numberOfRuns")),
            "Objects to process": _number(stats.get("approximateNumberOfObjectsToProcess")),
            "Buckets": buckets or "(bucket criteria)",
            "Managed identifiers": job.get("managedDataIdentifierSelector") or "RECOMMENDED",
            "Custom identifiers": job.get("customDataIdentifierIds") or [],
            "Sampling": f"{job.get('samplingPercentage', 100)}%",
            "Findings": counts.get("total", 0),
            **{f"  {k}": v for k, v in sorted(counts.get("bySeverity", {}).items())},
            **{f"  {k}": v for k, v in sorted(counts.get("byType", {}).items())},
        }
    )


def _number(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


@jobs_group.command("show", short_help="A job's definition, status, statistics and findings.")
@click.argument("job_id")
@pass_app
def show_cmd(app: AppContext, job_id: str) -> None:
    """The job's definition, status, last run statistics and the findings it produced.

    JSON: {"job": <DescribeClassificationJob>, "findings": {"total", "bySeverity", "byType"}}
    """
    from macie_notify.jobs import describe, finding_counts

    macie2 = app.aws.client("macie2")
    _print_report(app, _report(describe(macie2, job_id), finding_counts(macie2, job_id)))


@jobs_group.command("run", short_help="Start a one-time classification job now.")
@click.option("--bucket", help="Scan this bucket (no config needed: every managed identifier).")
@click.option("--wait", "wait_", is_flag=True, help="Poll until the run completes, then report.")
@click.option(
    "--interval",
    type=click.FloatRange(min=1),
    default=10,
    show_default=True,
    help="Seconds between polls with --wait.",
)
@click.option("--timeout", type=click.FloatRange(min=1), help="Give up waiting after SECONDS.")
@pass_app
def run_cmd(
    app: AppContext, bucket: str | None, wait_: bool, interval: float, timeout: float | None
) -> None:
    """Start a one-time job now: the config's job definition (its identifiers, scope and
    sampling) over the stack's bucket, or over --bucket.

    \b
    Examples:
      macie-notify jobs run --wait
      macie-notify jobs run --bucket my-data-bucket --wait -o json
    """
    from macie_notify.jobs import RunRequest, finding_counts, run_now, wait

    macie2 = app.aws.client("macie2")
    config = app.config if bucket is None else app.config_or_none()
    started = run_now(
        macie2,
        RunRequest(bucket=bucket, config=config),
        account_id=app.aws.account_id,
        region=app.aws.region,
        now=app.clock(),
    )
    app.info(f"started job {started['name']} ({started['jobId']}) over {started['bucket']}")
    if not wait_:
        app.render(started)
        return

    def progress(job: Mapping[str, Any]) -> None:
        stats = job.get("statistics") or {}
        objects = _number(stats.get("approximateNumberOfObjectsToProcess"))
        app.info(f"job {job.get('jobId')}: {job.get('jobStatus')} (objects to process: {objects})")

    job = wait(
        macie2,
        started["jobId"],
        interval=interval,
        sleep=app.sleep,
        progress=progress,
        timeout=timeout,
        clock=app.clock,
    )
    _print_report(app, _report(job, finding_counts(macie2, started["jobId"])))
    status = job.get("jobStatus")
    if status not in ("COMPLETE", "IDLE"):
        raise AwsError(f"job {started['jobId']} ended {status}")
    if (job.get("lastRunErrorStatus") or {}).get("code") == "ERROR":
        app.warn("the run could not analyse everything (lastRunErrorStatus ERROR)")


def _status_command(action: str, help_text: str) -> click.Command:
    @click.argument("job_id")
    @pass_app
    def command(app: AppContext, job_id: str) -> None:
        from macie_notify.jobs import change_status

        result = change_status(app.aws.client("macie2"), job_id, action)
        if not result["changed"]:
            app.info(f"job {job_id} is already {result['jobStatus']}; nothing to do")
        app.render(result)

    command.__doc__ = help_text
    return click.command(action, short_help=help_text.splitlines()[0])(command)


jobs_group.add_command(
    _status_command("pause", "Pause a job (USER_PAUSED) from IDLE, PAUSED or RUNNING.")
)
jobs_group.add_command(_status_command("resume", "Resume a job the user paused (RUNNING)."))
jobs_group.add_command(
    _status_command("cancel", "Cancel a job for good (CANCELLED); Macie cannot delete jobs.")
)
