"""``macie-notify demo``: the whole pipeline end to end on the embedded local AWS."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from macie_notify.aws import resolve_endpoint
from macie_notify.cli.context import AppContext
from macie_notify.cli.options import pass_app
from macie_notify.errors import EXIT_INTERRUPTED, UsageError

if TYPE_CHECKING:
    from macie_notify.config import Config
    from macie_notify.demo import DemoReport, Endpoint


@click.command("demo")
@click.option(
    "--port",
    default=None,
    type=click.IntRange(0, 65535),
    help="Port of the embedded local AWS [default: 0, a free port]; not with --local or "
    "--endpoint-url.",
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
    help="Seconds the whole demo may take (setup, job, deliveries, teardown).",
)
@click.option(
    "--keep-running",
    is_flag=True,
    help="Keep the local AWS up after the report (Ctrl-C stops it) to explore it.",
)
@pass_app
def demo_cmd(
    app: AppContext, port: int | None, source: str | None, timeout: float, keep_running: bool
) -> None:
    """Run the whole pipeline on the embedded local AWS, in one command.

    What `setup`, `upload-samples`, `jobs run --wait` and `findings list` do, in turn:
    Macie enabled, the secured bucket, the custom data identifiers, the Slack notifier
    and its EventBridge rule; the sample files uploaded; a one-time classification job;
    the findings and the Slack messages they produced. Then the bucket's default
    encryption is removed and the policy finding Macie raises is followed to Slack, and
    `teardown` deletes the stack (not with --keep-running). No AWS account or Slack
    workspace is needed: everything runs in-process (or on `macie-notify local serve`
    with --local / --endpoint-url). Exit 1 when a stage fails or a finding that
    qualifies did not reach Slack.
    """
    from macie_notify import demo

    # The endpoint the user started (--endpoint-url / --local), else None: embed one.
    running = resolve_endpoint(app.settings.endpoint_url, app.settings.local)
    if running and port is not None:
        raise UsageError(
            "--port is for the demo's own local AWS; with --local / --endpoint-url the "
            "demo uses the endpoint you started",
            hint="drop --port, or drop --local / --endpoint-url (and AWS_ENDPOINT_URL)",
        )
    config, label = _config(app)
    folder = demo.resolve_source(config, source)
    app.info(f"macie-notify demo: {label}, sample data from {folder}")
    with demo.open_endpoint(running, port or 0) as endpoint:
        where = "embedded" if endpoint.embedded else "running"
        app.info(f"✓ local AWS ({where}) at {endpoint.url}")
        report = demo.run_demo(
            config,
            folder,
            endpoint,
            region=app.settings.region,
            timeout=timeout,
            keep=keep_running,
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
    from macie_notify.cli.findings import print_findings
    from macie_notify.demo.report import message_rows
    from macie_notify.render import Column, TableSpec

    # The findings as `findings list --job ID` shows them, then the policy finding.
    _heading(app, f"Macie findings (job {report.job_id})")
    print_findings(app, report.findings, "table")
    if report.policy_finding is not None:
        _heading(app, f"Policy finding (default encryption removed from {report.bucket})")
        print_findings(app, [report.policy_finding], "table")
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


def _heading(app: AppContext, text: str) -> None:
    app.out.print(text, style="bold", markup=False, highlight=False, soft_wrap=True)


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
