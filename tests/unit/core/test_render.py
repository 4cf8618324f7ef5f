from __future__ import annotations

import io
import json
from datetime import datetime, timezone

import yaml
from rich.console import Console

from macie_notify.render import Column, TableSpec, format_cell, iso8601, render


def _console() -> tuple[Console, io.StringIO]:
    buf = io.StringIO()
    return Console(file=buf, width=120, no_color=True), buf


ROWS = [
    {
        "id": "abc",
        "severity": {"description": "High"},
        "createdAt": datetime(2024, 3, 11, 19, 46, 53, 31000, tzinfo=timezone.utc),
    },
]


def test_json_output_is_plain_iso8601_json() -> None:
    console, buf = _console()
    render(ROWS, "json", console)
    assert json.loads(buf.getvalue()) == [
        {"id": "abc", "severity": {"description": "High"}, "createdAt": "2024-03-11T19:46:53.031Z"}
    ]


def test_yaml_output_round_trips() -> None:
    console, buf = _console()
    render(ROWS, "yaml", console)
    assert yaml.safe_load(buf.getvalue())[0]["createdAt"] == "2024-03-11T19:46:53.031Z"


def test_table_uses_columns_and_does_not_interpret_markup() -> None:
    console, buf = _console()
    rows = [{"key": "[bold]x[/bold] <!channel>", "severity": {"description": "Low"}}]
    spec = TableSpec(columns=[Column("Key", "key"), Column("Severity", "severity.description")])
    render(rows, "table", console, table=spec)
    text = buf.getvalue()
    assert "[bold]x[/bold] <!channel>" in text
    assert "Severity" in text and "Low" in text


def test_empty_table_says_so() -> None:
    console, buf = _console()
    render([], "table", console, table=TableSpec(columns=[Column("A", "a")], empty="No findings."))
    assert buf.getvalue().strip() == "No findings."


def test_format_cell() -> None:
    assert format_cell(None) == "-"
    assert format_cell(True) == "yes"
    assert format_cell(["a", "b"]) == "a, b"
    assert iso8601(datetime(2024, 1, 2, 3, 4, 5)) == "2024-01-02T03:04:05.000Z"


def test_key_value_table_does_not_interpret_markup() -> None:
    console, buf = _console()
    render({"path": "[reverse]x.zip", "[b]key[/b]": "[/unbalanced]"}, "table", console)
    lines = buf.getvalue().splitlines()
    assert [line.split() for line in lines] == [
        ["path", "[reverse]x.zip"],
        ["[b]key[/b]", "[/unbalanced]"],
    ]


def test_table_title_and_caption_are_not_markup() -> None:
    console, buf = _console()
    spec = TableSpec(columns=[Column("A", "a")], title="job [/x]", caption="[b]note[/b]")
    render([{"a": "a cell wide enough for the title"}], "table", console, table=spec)
    lines = [line.strip() for line in buf.getvalue().splitlines()]
    assert lines[0] == "job [/x]" and lines[-1] == "[b]note[/b]"
