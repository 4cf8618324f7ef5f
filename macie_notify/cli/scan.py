"""``macie-notify scan PATH...``: find sensitive data in local files before it reaches S3."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Any, cast

import click

from macie_notify.cli.options import SEVERITY, pass_app
from macie_notify.errors import FindingsAtThreshold, MacieNotifyError, UsageError
from macie_notify.launch import collector_paused

if TYPE_CHECKING:
    from macie_notify.cli.context import AppContext
    from macie_notify.detect import Scanner
    from macie_notify.detect.report import ScanReport


@click.command("scan")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option(
    "--fail-on",
    type=SEVERITY,
    default=None,
    help="Exit 3 when a file's finding severity is at or above this (Low, Medium, High).",
)
@click.option(
    "--exclude",
    "excludes",
    multiple=True,
    metavar="GLOB",
    help="Skip files or folders matching this glob (repeatable), e.g. '*.log' or 'vendor/*'.",
)
@click.option(
    "--engine",
    type=click.Choice(["auto", "hyperscan", "pure"]),
    default="auto",
    show_default=True,
    help="Matching engine: Hyperscan when it can be imported (auto), or the pure-Python one.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes scanning files [default: the number of CPUs].",
)
@click.option(
    "--skip-unreadable",
    is_flag=True,
    help="With --fail-on: files and folders that cannot be read do not fail the run.",
)
@click.option(
    "-o",
    "--output",
    type=click.Choice(["table", "json", "yaml", "sarif"], case_sensitive=False),
    default=None,
    help="Output format: table, json, yaml, or sarif (SARIF 2.1.0, for code scanning).",
)
@pass_app
def scan_cmd(
    app: AppContext,
    paths: tuple[str, ...],
    fail_on: str | None,
    excludes: tuple[str, ...],
    engine: str,
    jobs: int | None,
    skip_unreadable: bool,
    output: str | None,
) -> None:
    """Scan local files with Macie's identifiers (`-` reads stdin).

    With a config (-c, MACIE_NOTIFY_CONFIG, or ./macie-notify.yaml when present): the
    config's custom data identifiers and the job's managed identifier selection, as the
    Macie job would use them. Without one: every managed identifier the engine evaluates.
    Folders are scanned recursively; gzip, zip and tar archives are opened (members shown
    as archive.zip!member).

    \b
    Examples:
      macie-notify scan sample_data
      macie-notify scan . --exclude '.git' -o json
      macie-notify scan build/ -c macie-notify.yaml --fail-on Medium   # exit 3 at Medium+
      macie-notify scan . -o sarif > macie.sarif     # for code scanning
      git diff --cached | macie-notify scan -

    With --fail-on, a file or folder that cannot be read fails the run (exit 1) unless
    --skip-unreadable is given: a gate must not pass what it did not see.
    """
    if output is not None:
        app.settings.output = output.lower()
    missing = [p for p in paths if p != "-" and not os.path.exists(p)]
    if missing:
        raise UsageError(f"no such file or folder: {missing[0]}", hint="check the PATH argument")
    # The engine is hundreds of thousands of objects that live as long as the scan: the
    # collector would walk them again and again while they are made (~5 ms).
    with collector_paused():
        scanner = _scanner(app, engine)
    if app.settings.verbose:
        app.info(_engine_note(scanner, engine))
    if scanner.not_evaluated_locally():
        app.info(
            f"Note: {len(scanner.not_evaluated_locally())} selected managed identifiers are not "
            "evaluated locally (e.g. NAME, ADDRESS); Macie may still report them."
        )
    from macie_notify.detect.pool import default_jobs
    from macie_notify.detect.report import run_scan

    with _progress(app) as on_file:
        stdin = _stdin() if "-" in paths else None
        report = run_scan(
            scanner,
            paths,
            exclude=excludes,
            stdin=stdin,
            on_file=on_file,
            jobs=jobs or default_jobs(),
        )
    _render(app, report)
    if fail_on:
        _gate(report, fail_on, skip_unreadable)


def _gate(report: ScanReport, fail_on: str, skip_unreadable: bool) -> None:
    from macie_notify.render import safe_text

    hits = report.at_or_above(fail_on)
    if hits:
        raise FindingsAtThreshold(
            f"{len(hits)} file(s) with findings at or above {fail_on}: {safe_text(hits[0].path)}"
            + (" ..." if len(hits) > 1 else "")
        )
    unreadable = report.unreadable
    if unreadable and not skip_unreadable:
        raise MacieNotifyError(
            f"{len(unreadable)} input(s) could not be read, so were not checked: "
            f"{safe_text(unreadable[0])}" + (" ..." if len(unreadable) > 1 else ""),
            hint="fix the permissions, or pass --skip-unreadable to accept it",
        )


def _engine_note(scanner: Scanner, engine: str) -> str:
    if scanner.uses_hyperscan:
        return "Matching engine: Hyperscan (compiled database cached in the user's cache folder)."
    if engine == "pure":
        return "Matching engine: pure Python (--engine pure)."
    return (
        "Matching engine: pure Python, because the hyperscan package could not be imported "
        "(reinstall macie-notify, or pip install hyperscan); scans are several times slower."
    )


def _scanner(app: AppContext, engine: str) -> Scanner:
    from macie_notify.detect import (
        LOCAL_IDENTIFIERS,
        CustomIdentifierSpec,
        IdentifierSelection,
        Scanner,
    )

    # Without a config: every identifier the engine can evaluate, so nothing to warn about.
    selection = IdentifierSelection("INCLUDE", tuple(sorted(LOCAL_IDENTIFIERS)))
    custom: list[CustomIdentifierSpec] = []
    config = app.config_or_none()  # -c, MACIE_NOTIFY_CONFIG, or ./macie-notify.yaml if present
    if config is not None:
        selection = IdentifierSelection.from_config(config.job.managed_identifiers)
        names = set(config.job.custom_identifier_names(config.custom_data_identifiers))
        custom = [
            CustomIdentifierSpec.from_config(item)
            for item in config.custom_data_identifiers
            if item.name in names
        ]
    use = {"auto": None, "hyperscan": True, "pure": False}[engine]
    try:
        return Scanner(selection, custom, use_hyperscan=use)
    except ImportError as exc:
        raise UsageError(
            "--engine hyperscan needs the hyperscan package, which could not be imported",
            hint="pip install hyperscan (a wheel exists for most platforms), or --engine auto",
        ) from exc


def _stdin() -> IO[bytes]:
    stream: Any = sys.stdin.buffer
    if getattr(stream, "peek", None) is None:  # CliRunner's BytesIO; the engine peeks
        return io.BufferedReader(stream)
    return cast("IO[bytes]", stream)


@contextmanager
def _progress(app: AppContext) -> Iterator[Callable[[str, int], None] | None]:
    """A transient progress line on stderr, only for people (a TTY, not --quiet)."""
    if app.settings.quiet or not app.err_is_terminal:
        yield None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn

    columns = (SpinnerColumn(), TextColumn("{task.description}", markup=False))
    # Refreshed as each file ends, not by rich's refresh thread: a scan whose process runs
    # a thread starts its workers fresh (forking a threaded process is unsafe), not forked.
    with Progress(*columns, console=app.err, transient=True, auto_refresh=False) as progress:
        task = progress.add_task("Scanning", total=None)
        seen = {"files": 0, "bytes": 0}

        def on_file(path: str, size: int) -> None:
            seen["files"] += 1
            seen["bytes"] += size
            mib = seen["bytes"] / 1048576
            progress.update(
                task,
                description=f"Scanning {seen['files']} files, {mib:.1f} MiB: {path}",
                refresh=True,
            )

        yield on_file


def _detections(row: Mapping[str, Any]) -> str:
    parts = [
        f"{d['type']} x{d['count']}" for group in row["sensitiveData"] for d in group["detections"]
    ]
    parts += [f"{d['name']} x{d['count']}" for d in row["customDataIdentifiers"]["detections"]]
    return ", ".join(parts)


def _render(app: AppContext, report: ScanReport) -> None:
    if app.settings.output == "sarif":
        from macie_notify import __version__
        from macie_notify.detect.sarif import sarif_log
        from macie_notify.render import to_json

        app.out.file.write(to_json(sarif_log(report.files, tool_version=__version__)) + "\n")
        app.out.file.flush()
        return
    doc = report.to_dict()
    if app.settings.output != "table":
        app.render(doc)
        return
    from macie_notify.render import Column, TableSpec

    # Paths wrap instead of losing their end (which made every member of an archive look
    # the same), and very long ones are shortened in the middle: the archive and the
    # member's own name both stay visible.
    width = max(40, app.out.width)
    path = Column("Path", lambda r: middle_ellipsis(r["path"], width), overflow="fold")
    files = TableSpec(
        columns=[
            path,
            Column("Bytes", "bytes", justify="right"),
            Column("Finding type", lambda r: str(r["findingType"]).rsplit("/", 1)[-1]),
            Column("Severity", "severity"),
            Column("Detections", _detections, overflow="fold"),
        ],
        title="Sensitive data found",
        empty="No sensitive data found.",
    )
    app.render(doc["files"], table=files)
    if doc.get("skipped"):
        skipped = TableSpec(
            columns=[path, Column("Reason", _reason, overflow="fold")],
            title="Not scanned (or not fully)",
        )
        app.render(doc["skipped"], table=skipped)
    s = report.summary
    app.info(
        f"{s.files_scanned} file{'' if s.files_scanned == 1 else 's'} scanned "
        f"({s.bytes / 1048576:.1f} MiB in {s.seconds:.2f} s), "
        f"{s.files_with_findings} with findings, {len(report.skipped)} not scanned."
    )


def _reason(row: Mapping[str, Any]) -> str:
    files = row.get("files")
    return f"{row['reason']} ({files} files)" if files else str(row["reason"])


def middle_ellipsis(text: str, width: int) -> str:
    """``text`` at most ``width`` characters, cut in the middle (``abc…xyz``)."""
    if len(text) <= width:
        return text
    keep = width - 1
    head = keep // 2
    return text[:head] + "…" + text[len(text) - (keep - head) :]
