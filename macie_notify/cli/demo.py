"""``macie-notify demo``: the whole pipeline end to end on the embedded local AWS."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from macie_notify.aws import resolve_endpoint
from macie_notify.cli.context import AppContext
from macie_notify.cli.options import pass_app
from macie_notify.errors import EXIT_INTERRUPTED

if TYPE_CHECKING:
    from macie_notify.config import Config
    from macie_notify.demo import DemoReport, Endpoint


@click.command("demo")
@click.option(
    "--port",
    default=0,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port of the embedded local AWS (0: a free port).",
)
@click.option(
    "--source",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder of files to upload and scan [default: the config's samples.source, "
    "else the bundled sample data].",
)
@click.option(
    "--timeout",
    default=120.0,
    show_default=True,
    type=click.FloatRange(1, 3600),
    help="Seconds to wait for the classification job and the Slack deliveries.",
)
@click.option(
    "--keep-running",
    is_flag=True,
    help="Keep the local AWS up after the report (Ctrl-C stops it) to explore it.",
)
@pass_app
def demo_cmd(
    app: AppContext, port: int, source: str | None, timeout: float, keep_running: bool
) -> None:
    """Run the whole pipeline on the embedded local AWS, in one command.

    Enables Macie, creates the secured bucket and uploads the sample files, creates the
    custom data identifiers, deploys the Slack notifier with its EventBridge rule, runs a
    one-time classification job, then shows the findings and the Slack messages they
    produced. No AWS account or Slack workspace is needed: everything runs in-process
    (or on `macie-notify local serve` with --local / --endpoint-url). Exit 1 when a
    finding that qualifies did not reach Slack.
    """
    from macie_notify import demo

    config, label = _config(app)
    folder = demo.resolve_source(config, source)
    app.info(f"macie-notify demo: {label}, sample data from {folder}")
    # The endpoint the user started (--endpoint-url / --local), else None: embed one.
    running = resolve_endpoint(app.settings.endpoint_url, app.settings.local)
    with demo.open_endpoint(running, port) as endpoint:
        where = "embedded" if endpoint.embedded else "running"
        app.info(f"✓ local AWS ({where}) at {endpoint.url}")
        report = demo.run_demo(
            config,
            folder,
            endpoint,
            region=app.settings.region,
            timeout=timeout,
            progress=lambda line: app.info(f"✓ {line}"),
        )
        _render(app, report)
        if keep_running:
            _hold(app, endpoint, report)
    if not report.ok:
        raise _not_delivered(report)


def _config(app: AppContext) -> tuple[Config, str]:
    """``-c`` or ./macie-notify.yaml when present, else the packaged example."""
    config = app.config_or_none()
    if config is not None:
        return config, f"config {app.settings.config_path}"
    from macie_notify.demo import example_config

    return example_config(), "the packaged example config"


def _render(app: AppContext, report: DemoReport) -> None:
    if app.settings.output != "table":
        app.render(report.to_dict())
        return
    from macie_notify.demo.report import detections_summary, message_rows, object_key
    from macie_notify.render import Column, TableSpec

    app.render(
        list(report.findings),
        table=TableSpec(
            columns=[
                Column("Severity", "severity.description"),
                # "SensitiveData:S3Object/Multiple" -> "Multiple": the table fits 80 columns.
                Column("Type", lambda row: str(row.get("type", "")).rsplit("/", 1)[-1]),
                Column("Object", object_key),
                Column("Detections", detections_summary),
            ],
            title=f"Macie findings (job {report.job_id})",
            empty="No findings: nothing in the sample files matched the job's identifiers.",
        ),
    )
    app.render(
        message_rows(report),
        table=TableSpec(
            columns=[
                Column("Channel", "channel"),
                Column("Message", "message"),
                Column("Object", "object"),
            ],
            title="Slack messages (local sink)",
            empty="No Slack messages.",
        ),
    )
    app.out.print(report.summary_line(), markup=False, highlight=False, soft_wrap=True)


def _hold(app: AppContext, endpoint: Endpoint, report: DemoReport) -> None:
    """Serve until Ctrl-C, telling the user how to reach the endpoint."""
    import threading

    env = endpoint.environment(report.region)
    lines = [f"export {key}={value}" for key, value in env.items()]
    first = report.findings[0]["id"] if report.findings else "FINDING_ID"
    lines += [
        "aws macie2 list-findings",
        f"macie-notify notify preview {first} --endpoint-url {endpoint.url} "
        f"--region {report.region}",
        f"macie-notify local slack --endpoint-url {endpoint.url}",
    ]
    text = "\n".join([f"# the local AWS stays up at {endpoint.url}; try:", *lines]) + "\n"
    # Like `local serve`: the exports are the data of a table run; JSON keeps stdout parseable.
    stream = app.out.file if app.settings.output == "table" else app.err.file
    stream.write(text)
    stream.flush()
    if not endpoint.embedded:
        return  # the user's `local serve` keeps running without us
    try:
        app.info("Serving; press Ctrl-C to stop.")
        threading.Event().wait()
    except KeyboardInterrupt:
        # Ctrl-C is how --keep-running ends, but still an interruption: 130, as documented.
        app.info("Stopping.")
        raise click.exceptions.Exit(EXIT_INTERRUPTED) from None


def _not_delivered(report: DemoReport) -> Exception:
    from macie_notify.demo import NotDelivered

    missing = report.missing
    first = missing[0]
    record = report.notifier_log.get(first) or {}
    why = record.get("error") or record.get("reason") or record.get("decision")
    detail = f" (notifier: {why})" if why else ""
    return NotDelivered(
        f"{len(missing)} of {len(report.qualifying)} findings at or above "
        f"{report.min_severity} did not reach Slack, e.g. {first}{detail}",
        # AWS CLI v1 (what the project installs) has no `aws logs tail`.
        hint="run again with --keep-running and read the function's log: "
        f"aws logs filter-log-events --log-group-name /aws/lambda/{report.function} "
        "--query 'events[].message' --output text",
    )
