"""Output for people (rich tables) and for scripts (JSON, YAML); never calls AWS.

Data goes to the console given (stdout); JSON and YAML are written as plain text so that
``-o json | jq`` always works: no markup, no wrapping, no colour. Timestamps are ISO 8601.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.text import Text


class Column(NamedTuple):
    """One table column: a header and how to get the cell from a row mapping."""

    header: str
    key: str | Callable[[Mapping[str, Any]], Any]
    justify: str = "left"
    style: str | None = None
    # A per-row style for this column's cell (a severity's colour), over ``style``.
    style_of: Callable[[Mapping[str, Any]], str] | None = None
    # What a cell too long for the column does: "ellipsis" cuts its end, "fold" wraps it
    # (for paths and lists that must stay whole).
    overflow: str = "ellipsis"
    # At least this wide: short fixed values (a severity, a time) stay whole on narrow
    # terminals while the long ones (keys, ids) fold.
    min_width: int | None = None

    def cell(self, row: Mapping[str, Any]) -> str:
        value = self.key(row) if callable(self.key) else _dig(row, self.key)
        return format_cell(value)


class TableSpec(NamedTuple):
    """How to show a list of mappings as a table."""

    columns: Sequence[Column]
    title: str | None = None
    empty: str = "Nothing to show."
    caption: str | None = None


def _dig(row: Mapping[str, Any], dotted: str) -> Any:
    value: Any = row
    for part in dotted.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


# C0 and C1 controls (ESC starts terminal escape sequences: titles, colours, cursor moves),
# DEL, and the invisible format characters that reorder or hide text (bidi overrides,
# zero-width characters). A newline is kept: it only starts a new line in a cell.
_UNSAFE = "[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]"
"""Compiled on first use (``re`` keeps it): a ``-o json`` run never needs it."""


def safe_text(text: str) -> str:
    """``text`` fit for a terminal: control and invisible format characters shown as
    escapes (``\\x1b``, ``\\u202e``), so untrusted names cannot drive the terminal."""
    return re.sub(_UNSAFE, _escape_char, text)


def _escape_char(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def format_cell(value: Any) -> str:
    """A compact, readable cell: ISO times, ``-`` for missing, lists joined."""
    if value is None or value == "":
        return "-"
    if isinstance(value, datetime):
        return iso8601(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(format_cell(v) for v in value) or "-"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={format_cell(v)}" for k, v in value.items()) or "-"
    return str(value)


def iso8601(value: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and ``Z``, as the macie2 API writes times."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    value = value.astimezone(timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso8601(value)
    if isinstance(value, date):
        return value.isoformat()
    from decimal import Decimal  # here: most documents hold none (~1.5 ms of start-up)

    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (bytes, bytearray)):
        import base64

        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if hasattr(value, "to_dict"):
        return value.to_dict()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def to_jsonable(data: Any) -> Any:
    """``data`` with datetimes as ISO strings: what JSON and YAML output print."""
    return json.loads(json.dumps(data, default=_default))


def to_json(data: Any, *, indent: int | None = 2) -> str:
    return json.dumps(data, default=_default, indent=indent, ensure_ascii=False)


def to_yaml(data: Any) -> str:
    import yaml

    return str(yaml.safe_dump(to_jsonable(data), sort_keys=False, allow_unicode=True))


def to_text(data: Any, fmt: str) -> str:
    """``data`` as ``json`` or ``yaml`` text ending in one newline: what ``-o`` prints."""
    return to_json(data) + "\n" if fmt == "json" else to_yaml(data)


def render(data: Any, fmt: str, console: Console, *, table: TableSpec | None = None) -> None:
    """Write ``data`` to ``console`` as ``table``, ``json`` or ``yaml``."""
    if fmt in ("json", "yaml"):
        console.file.write(to_text(data, fmt))
    else:
        render_table(data, console, table)
    console.file.flush()


def render_table(data: Any, console: Console, spec: TableSpec | None) -> None:
    from rich.table import Table
    from rich.text import Text

    if isinstance(data, Mapping) and spec is None:
        kv = Table(show_header=False, box=None, pad_edge=False)
        kv.add_column(style="bold")
        kv.add_column()
        for key, value in data.items():
            # Text, as in the row tables below: values are user- and AWS-provided.
            kv.add_row(Text(safe_text(str(key))), Text(safe_text(format_cell(value))))
        console.print(kv)
        return
    if not isinstance(data, Sequence) or isinstance(data, (str, bytes)):
        console.print(format_cell(data), markup=False, highlight=False)
        return
    rows = list(data)
    if spec is None:
        keys = list(rows[0].keys()) if rows and isinstance(rows[0], Mapping) else []
        spec = TableSpec(columns=[Column(k, k) for k in keys])
    if not rows:
        console.print(spec.empty, markup=False, style="dim")
        return
    # Titles may quote AWS values (a job id); Text keeps them out of markup too.
    out = Table(
        title=None if spec.title is None else Text(spec.title),
        caption=None if spec.caption is None else Text(spec.caption),
        header_style="bold",
    )
    for col in spec.columns:
        out.add_column(
            col.header,
            justify=col.justify,  # type: ignore[arg-type]
            style=col.style,
            overflow=col.overflow,  # type: ignore[arg-type]
            min_width=col.min_width,
        )
    for row in rows:
        # Text objects: cells hold AWS- and user-provided strings, never markup.
        out.add_row(*(_cell_text(col, row) for col in spec.columns))
    console.print(out)


def _cell_text(col: Column, row: Mapping[str, Any]) -> Any:
    from rich.text import Text

    return Text(safe_text(col.cell(row)), style=col.style_of(row) if col.style_of else "")


# -- a Slack Block Kit payload, as a terminal shows it -----------------------------------

_DATE = r"<!date\^\d+\^[^|>]*\|([^>]*)>"


def mrkdwn_plain(text: str) -> str:
    """What a reader sees: our date tokens as their ISO fallback, entities decoded."""
    text = re.sub(_DATE, r"\1", text)
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
