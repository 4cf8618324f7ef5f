"""``macie-notify findings ...``: list, show, stats and tail Macie findings.

Commands that only read: they work without a config file (using its Region when one is
present). Filters are evaluated by Macie (``findingCriteria``), never after the fact.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import click

from macie_notify.cli import MacieGroup
from macie_notify.cli.context import AppContext
from macie_notify.cli.options import SEVERITY, SinceType, pass_app
from macie_notify.errors import FindingsAtThreshold, UsageError

LIST_FORMATS = ("table", "json", "yaml", "csv")
GROUPS = ("type", "severity", "bucket", "job")


def filter_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """The filters shared by list, stats and tail (all evaluated by Macie)."""
    options = [
        click.option("--severity", type=SEVERITY, help="Minimum severity: Low, Medium or High."),
        click.option(
            "--type",
            "types",
            multiple=True,
            metavar="TYPE",
            help="Finding type or prefix (Policy:, SensitiveData:S3Object/Personal); repeatable.",
        ),
        click.option(
            "--category",
            type=click.Choice(("CLASSIFICATION", "POLICY"), case_sensitive=False),
            help="Sensitive-data (CLASSIFICATION) or POLICY findings.",
        ),
        click.option("--bucket", "buckets", multiple=True, help="Bucket name; repeatable."),
        click.option("--job", "jobs", multiple=True, help="Classification job id; repeatable."),
        click.option(
            "--since",
            type=SinceType(),
            help="Updated since a duration ago (30m, 24h, 7d) or an ISO 8601 time.",
        ),
        click.option(
            "--archived",
            is_flag=True,
            help="Show archived (suppressed) findings instead of current ones.",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def tail_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Options of ``findings tail``, also accepted by ``findings --tail``."""
    options = [
        click.option(
            "--interval",
            type=click.FloatRange(min=1),
            default=30,
            show_default=True,
            help="Seconds between polls.",
        ),
        click.option(
            "--checkpoint",
            type=click.Path(dir_okay=False),
            help="Keep the cursor in FILE: a new run continues where the last one stopped.",
        ),
        click.option(
            "--max-findings",
            type=click.IntRange(min=1),
            help="Stop after printing N findings.",
        ),
        click.option(
            "--duration",
            type=click.FloatRange(min=0),
            help="Stop after SECONDS.",
        ),
        click.option(
            "--fail-on",
            type=SEVERITY,
            help="Exit 3 at the end when a printed finding is at or above this severity.",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _filters(params: Mapping[str, Any]) -> Any:
    from macie_notify.findings.criteria import Filters

    return Filters(
        severity=params.get("severity"),
        types=tuple(params.get("types") or ()),
        category=params.get("category"),
        buckets=tuple(params.get("buckets") or ()),
        jobs=tuple(params.get("jobs") or ()),
        since=params.get("since"),
        archived=bool(params.get("archived")),
    )


@click.group("findings", cls=MacieGroup, invoke_without_command=True)
@click.option("--tail", "tail", is_flag=True, help="Follow new and updated findings (= tail).")
@filter_options
@tail_options
@pass_app
@click.pass_context
def findings_group(ctx: click.Context, /, app: AppContext, tail: bool, **params: Any) -> None:
    """List, show, count and follow Macie findings.

    \b
    Examples:
      macie-notify findings list --severity High --since 24h
      macie-notify findings list --type Policy: -o json | jq length
      macie-notify findings stats --group-by bucket
      macie-notify findings --tail --checkpoint .macie-cursor -o json
    """
    if ctx.invoked_subcommand is not None:
        if tail:
            raise UsageError("--tail follows findings by itself; drop it or the subcommand")
        return
    if not tail:
        click.echo(ctx.get_help())
        return
    _tail(app, params)


@findings_group.command("list", short_help="Findings matching filters, as a table, JSON or CSV.")
@filter_options
@click.option(
    "--sort",
    default="updated:desc",
    show_default=True,
    metavar="FIELD[:asc|desc]",
    help="updated, created, severity, type, count, resource, first-seen or last-seen.",
)
@click.option("--limit", type=click.IntRange(min=1), help="At most N findings.")
@click.option(
    "--fail-on",
    type=SEVERITY,
    help="Exit 3 when a listed finding is at or above this severity (for CI).",
)
@click.option(
    "-o",
    "--output",
    "fmt",
    type=click.Choice(LIST_FORMATS, case_sensitive=False),
    help="table, json (an array of findings as GetFindings returns them), yaml or csv.",
)
@pass_app
def list_cmd(
    app: AppContext,
    sort: str,
    limit: int | None,
    fail_on: str | None,
    fmt: str | None,
    **params: Any,
) -> None:
    """Findings matching the filters (current ones unless --archived), newest first.

    \b
    Examples:
      macie-notify findings list --severity Medium --since 7d
      macie-notify findings list --type SensitiveData: --bucket my-bucket -o csv
      macie-notify findings list --since 1d --fail-on High   # exit 3 in CI
    """
    from macie_notify.findings.criteria import parse_sort
    from macie_notify.findings.retrieval import Retriever

    criteria = _filters(params).criteria()
    order = parse_sort(sort)
    found = Retriever(app.aws.client("macie2")).fetch(criteria, order, limit)
    print_findings(app, found, (fmt or app.settings.output).lower())
    _fail_on(found, fail_on)


def print_findings(app: AppContext, found: Sequence[Mapping[str, Any]], fmt: str) -> None:
    from macie_notify.findings import present

    if fmt == "csv":
        app.out.file.write(present.to_csv(found))
        app.out.file.flush()
    elif fmt == "json":
        # One finding per line: json's C encoder cannot indent, and 10,000 findings
        # indented by the Python encoder take seconds. Still one JSON array.
        from macie_notify.findings.retrieval import RawFinding
        from macie_notify.render import to_json

        lines = ",\n".join(
            f.raw if isinstance(f, RawFinding) else to_json(f, indent=None) for f in found
        )
        app.out.file.write(f"[\n{lines}\n]\n" if found else "[]\n")
        app.out.file.flush()
    elif fmt == "yaml":
        from macie_notify.render import to_yaml

        app.out.file.write(to_yaml(list(found)))
        app.out.file.flush()
    else:
        from macie_notify.render import render

        render(list(found), "table", app.out, table=present.FINDINGS_TABLE)
        if found:
            app.info(present.count_summary(found))


def _fail_on(found: Sequence[Mapping[str, Any]], threshold: str | None) -> None:
    from macie_notify.findings.present import at_or_above

    if threshold is None:
        return
    hits = at_or_above(found, threshold)
    if hits:
        noun = "finding" if len(hits) == 1 else "findings"
        raise FindingsAtThreshold(f"{len(hits)} {noun} at or above {threshold}")


@findings_group.command("show", short_help="One finding in full.")
@click.argument("finding_id")
@pass_app
def show_cmd(app: AppContext, finding_id: str) -> None:
    """One finding: what the Slack message shows plus where each detection was found.

    With -o json or yaml, the finding exactly as GetFindings returns it.
    """
    from macie_notify.findings import present
    from macie_notify.findings.event import finding_view, get_finding
    from macie_notify.notifier.event import envelope
    from macie_notify.notifier.message import build_message
    from macie_notify.render import payload_renderable

    finding = get_finding(app.aws.client("macie2"), finding_id)
    if app.settings.output != "table":
        app.render(finding)
        return
    app.out.print(payload_renderable(build_message(finding_view(envelope(finding)))))
    rows = present.occurrence_rows(finding)
    if rows:
        app.render(rows, table=present.OCCURRENCES_TABLE)


@findings_group.command("stats", short_help="Counts of findings grouped by a field.")
@filter_options
@click.option(
    "--group-by",
    type=click.Choice(GROUPS, case_sensitive=False),
    default="severity",
    show_default=True,
    help="Count per finding type, severity, bucket or classification job.",
)
@pass_app
def stats_cmd(app: AppContext, group_by: str, **params: Any) -> None:
    """Counts of matching findings (GetFindingStatistics), largest group first.

    JSON: [{"groupKey": "High", "count": 12}, ...]
    """
    from macie_notify.findings import present, statistics

    rows = statistics(app.aws.client("macie2"), _filters(params).criteria(), group_by.lower())
    app.render(rows, table=present.STATS_TABLE)
    if app.settings.output == "table" and rows:
        total = sum(r["count"] for r in rows)
        app.info(f"{_count(total, 'finding')} in {_count(len(rows), 'group')}")


@findings_group.command("tail", short_help="Follow new and updated findings.")
@filter_options
@tail_options
@pass_app
def tail_cmd(app: AppContext, **params: Any) -> None:
    """Print the findings updated since --since (default: the last hour), then follow.

    Polls every --interval seconds for findings whose updatedAt moved past the last one
    printed. A new finding, and each repeat of a policy finding (its count grew), is
    printed once. With -o json: JSON Lines, one finding per line. Ctrl-C stops (exit 130).

    \b
    Examples:
      macie-notify findings tail --severity High
      macie-notify findings tail --checkpoint ci.cursor --duration 0 --fail-on High
    """
    _tail(app, params)


def _tail(app: AppContext, params: Mapping[str, Any]) -> None:
    from macie_notify.findings.tail import Checkpoint, Tailer

    since: datetime = params.get("since") or app.clock() - timedelta(hours=1)
    filters = _filters({**params, "since": None})
    fmt = app.settings.output
    severities: list[str] = []
    printer = _tail_printer(app, fmt)

    def emit(finding: dict[str, Any]) -> None:
        printer(finding)
        severities.append(str((finding.get("severity") or {}).get("description")))

    path = params.get("checkpoint")
    tailer = Tailer(
        app.aws.client("macie2"),
        filters.criteria(),
        since=since,
        interval=float(params.get("interval") or 30),
        clock=app.clock,
        sleep=app.sleep,
        note=app.warn,
        checkpoint=Checkpoint(path) if path else None,
        max_findings=params.get("max_findings"),
        duration=params.get("duration"),
    )
    if tailer.resumed:
        app.info(f"continuing from the checkpoint {path}")
    tailer.run(emit)
    _fail_on([{"severity": {"description": s}} for s in severities], params.get("fail_on"))


def _tail_printer(app: AppContext, fmt: str) -> Callable[[dict[str, Any]], None]:
    from macie_notify.findings import present
    from macie_notify.findings.retrieval import RawFinding
    from macie_notify.render import to_json, to_yaml

    if fmt == "json":

        def line(finding: dict[str, Any]) -> None:
            raw = finding.raw if isinstance(finding, RawFinding) else None
            app.out.file.write((raw or to_json(finding, indent=None)) + "\n")
            app.out.file.flush()

        return line
    if fmt == "yaml":

        def document(finding: dict[str, Any]) -> None:
            app.out.file.write("---\n" + to_yaml(finding))
            app.out.file.flush()

        return document

    def row(finding: dict[str, Any]) -> None:
        from rich.text import Text

        severity = present.severity_label(finding)
        text = Text(f"{finding.get('updatedAt')}  ")
        text.append(f"{severity:<6}", style=present.SEVERITY_STYLES.get(severity, ""))
        count = int(finding.get("count") or 1)
        repeat = f" (x{count})" if count > 1 else ""
        text.append(
            f"  {present.terminal_text(finding.get('type'))}  "
            f"{present.terminal_text(_where(finding))}{repeat}  "
        )
        text.append(present.terminal_text(finding.get("id")), style="dim")
        app.out.print(text, soft_wrap=True)

    return row


def _where(finding: Mapping[str, Any]) -> str:
    from macie_notify.findings.present import bucket_name, object_key

    bucket, key = bucket_name(finding) or "-", object_key(finding)
    return f"{bucket}/{key}" if key else bucket


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
