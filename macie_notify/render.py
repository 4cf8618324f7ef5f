"""Output for people (rich tables) and for scripts (JSON, YAML); never calls AWS.

Data goes to the console given (stdout); JSON and YAML are written as plain text so that
``-o json | jq`` always works: no markup, no wrapping, no colour. Timestamps are ISO 8601.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console


@dataclass(frozen=True)
class Column:
    """One table column: a header and how to get the cell from a row mapping."""

    header: str
    key: str | Callable[[Mapping[str, Any]], Any]
    justify: str = "left"
    style: str | None = None

    def cell(self, row: Mapping[str, Any]) -> str:
        value = self.key(row) if callable(self.key) else _dig(row, self.key)
        return format_cell(value)


@dataclass(frozen=True)
class TableSpec:
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
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (bytes, bytearray)):
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
            kv.add_row(Text(str(key)), Text(format_cell(value)))
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
        out.add_column(col.header, justify=col.justify, style=col.style)  # type: ignore[arg-type]
    for row in rows:
        # Text objects: cells hold AWS- and user-provided strings, never markup.
        out.add_row(*(Text(col.cell(row)) for col in spec.columns))
    console.print(out)
