"""``macie-notify upload-samples``: sync the sample folder to the stack's bucket."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from macie_notify.cli.options import pass_app

if TYPE_CHECKING:
    from macie_notify.cli.context import AppContext
    from macie_notify.samples import Progress, SyncPlan, SyncResult


@click.command("upload-samples")
@click.option(
    "--source",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder to upload [default: the config's samples.source; the bundled sample "
    "data when that is the default sample_data and has no folder].",
)
@click.option(
    "--delete", is_flag=True, help="Also delete objects under the prefix that are not local."
)
@click.option("--dry-run", is_flag=True, help="Print what would change; change nothing.")
@click.option(
    "--concurrency",
    default=16,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Parallel transfers.",
)
@pass_app
def upload_samples_cmd(
    app: AppContext, source: str | None, delete: bool, dry_run: bool, concurrency: int
) -> None:
    """Sync the sample files to the stack's bucket, under samples.prefix.

    Files whose size and MD5 already match the object are skipped; the rest are uploaded
    in parallel with their Content-Type and the bucket's default encryption. --delete
    removes objects under the prefix (never outside it) that no longer exist locally.
    Hidden files and folders are skipped.

    \b
    Examples:
      macie-notify upload-samples
      macie-notify upload-samples --source ./my-data --delete --dry-run
      macie-notify upload-samples -o json       # {"uploaded", "skipped", "deleted", "bytes", ...}
    """
    from macie_notify import samples

    config = app.config
    folder = samples.resolve_source(config.samples.source, config.base_dir, source)
    aws = app.aws
    # A configured name needs no STS call; the default one embeds the account id.
    bucket = config.bucket.name or config.bucket.resolved_name(
        config.stack.name, aws.account_id, aws.region
    )
    s3 = aws.client("s3")
    plan = samples.plan_sync(
        s3, bucket, folder, config.samples.prefix, delete=delete, concurrency=concurrency
    )
    for warning in plan.warnings:
        app.warn(warning)
    if dry_run:
        _render_plan(app, plan)
        return
    with _progress(app, plan) as progress:
        result = samples.apply_sync(s3, plan, progress, concurrency=concurrency)
    _render_result(app, result)
    if result.failed:
        raise _partial(result)


@contextmanager
def _progress(app: AppContext, plan: SyncPlan) -> Iterator[Progress | None]:
    """Files and bytes on stderr, only for people (a TTY, not --quiet) and only with work."""
    if app.settings.quiet or not app.err.is_terminal or not plan.uploads:
        yield None
        return
    import threading

    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    total = len(plan.uploads)
    with Progress(
        TextColumn("Uploading {task.fields[files]}/" + str(total) + " files"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=app.err,
        transient=True,
    ) as bar:
        # One row: the bar and byte counts follow the bytes, the text the files.
        task = bar.add_task("upload", total=plan.upload_bytes, files=0)
        lock = threading.Lock()  # called from the transfer threads
        done = [0]

        def advance(files: int, size: int) -> None:
            with lock:
                done[0] += files
                bar.update(task, advance=size, files=done[0])

        yield advance


def _render_plan(app: AppContext, plan: SyncPlan) -> None:
    if app.settings.output != "table":
        app.render(plan.to_dict())
        return
    from macie_notify.render import Column, TableSpec

    rows = [{"action": f"upload ({u.reason})", "key": u.key, "bytes": u.size} for u in plan.uploads]
    rows += [{"action": "delete", "key": key, "bytes": None} for key in plan.deletes]
    app.render(
        rows,
        table=TableSpec(
            columns=[
                Column("Action", "action"),
                Column("Key", "key"),
                Column("Bytes", "bytes", justify="right"),
            ],
            title=f"Dry run: s3://{plan.bucket}/{plan.prefix} from {plan.source}",
            empty="Nothing to do: the bucket already holds every file.",
        ),
    )
    app.out.print(
        f"Would upload {_files(len(plan.uploads))} ({_size(plan.upload_bytes)}), "
        f"skip {len(plan.unchanged)} unchanged, delete {len(plan.deletes)}.",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


def _render_result(app: AppContext, result: SyncResult) -> None:
    if app.settings.output != "table":
        app.render(result.to_dict())
        return
    plan = result.plan
    app.out.print(
        f"Uploaded {_files(len(result.uploaded))} ({_size(result.bytes)}), skipped "
        f"{len(plan.unchanged)} unchanged, deleted {len(result.deleted)} in "
        f"{result.seconds:.1f} s: s3://{plan.bucket}/{plan.prefix} from {plan.source}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


def _partial(result: SyncResult) -> Exception:
    from macie_notify.errors import PartialFailure

    key, reason = result.failed[0]
    done = [f"{len(result.uploaded)} uploaded", f"{len(result.deleted)} deleted"]
    return PartialFailure(
        f"{len(result.failed)} of {len(result.plan.uploads) + len(result.plan.deletes)} "
        f"changes failed, e.g. {key}: {reason}",
        done,
        hint="run it again: files already uploaded are skipped",
    )


def _files(count: int) -> str:
    return f"{count} file{'' if count == 1 else 's'}"


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KiB"
    return f"{size / 1048576:.1f} MiB"
