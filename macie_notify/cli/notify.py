"""``macie-notify notify ...``: the Slack side of the pipeline.

``package`` writes the Lambda zip that ``setup`` deploys. Its ``-o FILE`` is the zip, so
the global ``-o/--output`` steps aside on this command; give the format before the
command name to get JSON: ``macie-notify -o json notify package -o notifier.zip``.

``preview`` renders the Slack message of a finding without posting it: in the terminal
(header, fields, severity colour) or, with ``-o json``, the exact payload the function
sends (``channel`` aside).
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

from macie_notify.cli import MacieGroup
from macie_notify.cli.context import AppContext
from macie_notify.cli.options import pass_app
from macie_notify.errors import MacieNotifyError, UsageError

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.text import Text


@click.group("notify", cls=MacieGroup)
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
        tmp.unlink(missing_ok=True)
        raise MacieNotifyError(
            f"cannot write {path}: {exc.strerror or exc}", "check the folder exists and is writable"
        ) from None


@notify_group.command("preview", short_help="Show a finding's Slack message in the terminal.")
@click.argument("finding_id", required=False)
@click.option(
    "--event",
    "event_file",
    type=click.File("r", encoding="utf-8"),
    help="An EventBridge event or a finding as JSON (`-` for stdin) instead of FINDING_ID.",
)
@pass_app
def preview_cmd(app: AppContext, finding_id: str | None, event_file: IO[str] | None) -> None:
    """Show the Slack message for FINDING_ID (fetched with GetFindings) or --event FILE.

    Nothing is posted. With -o json the exact Block Kit payload the function sends.

    \b
    Examples:
      macie-notify notify preview --event finding.json   # an event or a bare finding
      macie-notify notify preview --event - < tests/events/macie_policy.json
      macie-notify --local notify preview FINDING_ID -o json
    """
    from macie_notify.notifier.message import build_message

    if (finding_id is None) == (event_file is None):
        raise UsageError("give exactly one of FINDING_ID or --event FILE")
    if event_file is not None:
        event = event_from_file(event_file)
    else:
        assert finding_id is not None
        event = fetch_finding_event(app.aws.client("macie2"), finding_id)
    payload = build_message(_finding_view(event))
    if app.settings.output == "table":
        app.out.print(payload_renderable(payload))
    else:
        app.render(payload)


def _finding_view(event: dict[str, Any]) -> Any:
    from macie_notify.notifier.event import (
        MacieFindingEvent,
        MalformedEvent,
        is_macie_finding_event,
    )

    if not is_macie_finding_event(event):
        source, kind = event.get("source"), event.get("detail-type")
        raise UsageError(
            f"not a Macie finding event (source {source!r}, detail-type {kind!r})",
            "give an EventBridge event with source aws.macie and detail-type 'Macie Finding', "
            "or a finding (as GetFindings returns it)",
        )
    try:
        return MacieFindingEvent.from_event(event)
    except MalformedEvent as exc:
        raise UsageError(f"malformed Macie finding: {exc}") from None


def event_from_file(stream: IO[str]) -> dict[str, Any]:
    """An EventBridge event, a bare finding, or a one-element list of either."""
    from macie_notify.notifier.event import envelope, is_macie_finding_event

    try:
        data = json.load(stream)
    except ValueError as exc:
        raise UsageError(f"{stream.name} is not JSON: {exc}") from None
    if isinstance(data, list):
        if len(data) != 1:
            raise UsageError(f"{stream.name} holds {len(data)} items; give one finding")
        data = data[0]
    if isinstance(data, dict) and not is_macie_finding_event(data) and "severity" in data:
        return envelope(data)
    if not isinstance(data, dict):
        raise UsageError(f"{stream.name} does not hold a JSON object")
    return data


def fetch_finding_event(macie2: Any, finding_id: str) -> dict[str, Any]:
    """GetFindings for one id, wrapped in the EventBridge envelope Macie publishes."""
    from macie_notify.notifier.event import envelope
    from macie_notify.render import to_jsonable

    findings = macie2.get_findings(findingIds=[finding_id]).get("findings", [])
    if not findings:
        raise MacieNotifyError(
            f"no finding {finding_id} in this account and Region",
            "list ids with `aws macie2 list-findings`, or check --region",
        )
    return envelope(to_jsonable(findings[0]))


# -- terminal rendering of a Block Kit payload ------------------------------------------

_DATE = re.compile(r"<!date\^\d+\^[^|>]*\|([^>]*)>")


def mrkdwn_plain(text: str) -> str:
    """What a reader sees: our date tokens as their ISO fallback, entities decoded."""
    text = _DATE.sub(r"\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _styled(text: str, style: str = "") -> Text:
    """mrkdwn -> rich Text: our ``*bold*`` lines in bold, code-span backticks dropped.

    Text, never markup, since everything here may come from the finding (a backtick
    from the finding was already turned into U+02CB by the message builder).
    """
    from rich.text import Text

    out = Text(style=style)
    for n, line in enumerate(mrkdwn_plain(text).replace("`", "").split("\n")):
        if n:
            out.append("\n")
        bold = len(line) > 2 and line.startswith("*") and line.endswith("*")
        out.append(line[1:-1] if bold else line, style="bold" if bold else "")
    return out


def _block_renderables(block: dict[str, Any]) -> list[RenderableType]:
    from rich.table import Table

    kind = block.get("type")
    out: list[RenderableType] = []
    if kind == "section" and block.get("fields"):
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="fold")
        for item in block["fields"]:
            label, _, value = item["text"].partition("\n")
            grid.add_row(_styled(label), _styled(value))
        out.append(grid)
    if kind == "section" and block.get("text"):
        out.append(_styled(block["text"]["text"]))
    if kind == "context":
        out += [_styled(e.get("text", ""), "dim") for e in block.get("elements", [])]
    if kind == "actions":
        for element in block.get("elements", []):
            url = str(element.get("url", ""))
            out.append(_styled(f"{element['text']['text']}: {url}", f"underline link {url}"))
    return out


def payload_renderable(payload: dict[str, Any]) -> RenderableType:
    """A rich panel that reads like the Slack message: header, fields, colour bar."""
    from rich.console import Group
    from rich.panel import Panel

    attachments = payload.get("attachments") or [{}]
    colour = str(attachments[0].get("color") or "white")
    title = ""
    parts: list[RenderableType] = []
    for block in payload.get("blocks", []):
        if block.get("type") == "header":
            title = block["text"]["text"]
        else:
            parts += _block_renderables(block)
    for attachment in attachments:
        for block in attachment.get("blocks", []):
            parts += _block_renderables(block)
    return Panel(Group(*parts), title=_styled(title, "bold"), border_style=colour, expand=False)
