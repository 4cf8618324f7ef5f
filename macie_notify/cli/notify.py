"""``macie-notify notify ...``: the Slack side of the pipeline.

``package`` writes the Lambda zip that ``setup`` deploys. Its ``-o FILE`` is the zip, so
the global ``-o/--output`` steps aside on this command; give the format before the
command name to get JSON: ``macie-notify -o json notify package -o notifier.zip``.

``preview`` renders the Slack message of a finding without posting it: in the terminal
(header, fields, severity colour) or, with ``-o json``, the exact payload the function
sends (``channel`` aside).
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import IO

import click

from macie_notify.cli import MacieGroup
from macie_notify.cli.context import AppContext
from macie_notify.cli.options import pass_app
from macie_notify.errors import MacieNotifyError, UsageError


@click.group(
    "notify",
    cls=MacieGroup,
    lazy={
        "test": ("macie_notify.cli.notify_delivery", "test_cmd", "Send a test finding."),
        "replay": ("macie_notify.cli.notify_delivery", "replay_cmd", "Re-drive the DLQ."),
    },
)
def notify_group() -> None:
    """Package the Slack notifier Lambda, preview its messages."""


@notify_group.command("package", short_help="Build the Lambda zip and print its CodeSha256.")
@click.option(
    "-o",
    "--output",
    "output_path",
    required=True,
    type=click.Path(dir_okay=False, writable=True, allow_dash=True, path_type=Path),
    help="Where to write the zip (`-` for stdout). "
    "(Choose json/yaml with -o before the command name.)",
)
@pass_app
def package_cmd(app: AppContext, output_path: Path) -> None:
    """Build the deterministic Lambda zip (notifier + slack_sdk) and print its CodeSha256.

    Identical sources give identical bytes, so the CodeSha256 printed here equals the
    deployed function's when its code is current.

    \b
    Examples:
      macie-notify notify package -o notifier.zip
      macie-notify -o json notify package -o notifier.zip   # the summary as JSON
      macie-notify notify package -o - > notifier.zip       # the zip on stdout
    """
    from macie_notify.packaging import HANDLER, build_zip

    data, sha256 = build_zip()
    if str(output_path) == "-":
        # The zip is the data on stdout, so the summary goes to stderr.
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        app.info(f"wrote {len(data)} bytes to stdout; CodeSha256 {sha256}; handler {HANDLER}")
        return
    if output_path.suffix == "" and output_path.name.lower() in ("table", "json", "yaml"):
        fmt = output_path.name
        app.warn(
            f"writing the zip to a file named {fmt!r}; for {fmt} output put the format "
            f"first: macie-notify -o {fmt} notify package -o FILE"
        )
    _write_atomically(output_path, data)
    app.render(
        {"path": str(output_path), "bytes": len(data), "codeSha256": sha256, "handler": HANDLER}
    )


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as exc:
        # A folder that refused the write (read-only, not a folder) may refuse this too.
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise MacieNotifyError(
            f"cannot write {path}: {exc.strerror or exc}", "check the folder exists and is writable"
        ) from None


@notify_group.command("preview", short_help="Show a finding's Slack message in the terminal.")
@click.argument("finding_id", required=False)
@click.option(
    "--event",
    "event_files",
    type=click.File("r", encoding="utf-8"),
    multiple=True,
    help="An EventBridge event or a finding as JSON (`-` for stdin) instead of FINDING_ID; "
    "repeat it, or give a file with a list, to preview a digest.",
)
@pass_app
def preview_cmd(app: AppContext, finding_id: str | None, event_files: tuple[IO[str], ...]) -> None:
    """Show the Slack message for FINDING_ID (fetched with GetFindings) or --event FILE.

    Nothing is posted. With -o json the exact Block Kit payload the function sends.
    Several events (repeated --event, or a list in one file) preview the digest that
    `delivery: digest` posts: one message per job run and bucket, and its thread replies.

    \b
    Examples:
      macie-notify notify preview --event finding.json   # an event or a bare finding
      macie-notify notify preview --event - < tests/events/macie_policy.json
      macie-notify --local notify preview FINDING_ID -o json
      macie-notify notify preview --event batch.json -o json   # a list: the digest
    """
    from macie_notify.findings.event import fetch_finding_event, finding_view
    from macie_notify.notifier.message import build_message
    from macie_notify.render import payload_renderable

    if (finding_id is None) == (not event_files):
        raise UsageError("give exactly one of FINDING_ID or --event FILE")
    if event_files:
        from macie_notify.cli.notify_digest import digest_payloads, events_from_files

        events = events_from_files(event_files)
        if len(events) > 1:
            digests = digest_payloads(events)
            if app.settings.output != "table":
                app.render(digests)
                return
            for entry in digests:
                app.out.print(payload_renderable(entry["message"]))
                for reply in entry["thread"]:
                    app.out.print(payload_renderable(reply))
            return
        event = events[0]
    else:
        assert finding_id is not None
        event = fetch_finding_event(app.aws.client("macie2"), finding_id)
    payload = build_message(finding_view(event))
    if app.settings.output == "table":
        app.out.print(payload_renderable(payload))
    else:
        app.render(payload)
