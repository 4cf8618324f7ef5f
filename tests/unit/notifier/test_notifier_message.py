"""build_message: hand-written expectations, snapshots per finding type, hostile input.

What matters in each message (header, colour, fields, fallback text, console link) is
written out by hand in ``EXPECTED`` below, from the fixture and the documented layout,
not from the code. The snapshots in ``snapshots/<event>.json`` additionally pin the
whole payload, so an unintended change anywhere shows up as a diff. After an intended
change, rewrite them (that run fails on purpose), review the diff and run again:

    UPDATE_SNAPSHOTS=1 .venv/bin/pytest -q tests/unit/notifier/test_notifier_message.py
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.models.attachments import BlockAttachment
from slack_sdk.models.blocks import Block

from macie_notify.notifier.event import MacieFindingEvent
from macie_notify.notifier.message import (
    MAX_BLOCKS,
    build_message,
    code,
    console_url,
    escape,
    fit,
    neutralise,
)

SNAPSHOTS = Path(__file__).with_name("snapshots")
SNAPSHOT_EVENTS = [
    "macie_policy",
    "macie_sensitive_credentials",
    "macie_sensitive_custom_identifier",
    "macie_sensitive_financial",
    "macie_sensitive_multiple",
    "macie_sensitive_personal",
    "macie_sample",
]
LoadEvent = Callable[[str], dict[str, Any]]


def _message(load_event: LoadEvent, name: str) -> dict[str, Any]:
    return build_message(MacieFindingEvent.from_event(load_event(name)))


@pytest.mark.parametrize("name", SNAPSHOT_EVENTS)
def test_payload_matches_snapshot(load_event: LoadEvent, name: str) -> None:
    payload = _message(load_event, name)
    path = SNAPSHOTS / f"{name}.json"
    rendered = json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
        pytest.fail(f"{path.name} rewritten: review the diff, then run without UPDATE_SNAPSHOTS")
    assert path.exists(), f"no snapshot for {name}; run with UPDATE_SNAPSHOTS=1"
    assert json.loads(path.read_text(encoding="utf-8")) == payload


def _text_objects(node: Any) -> Iterator[dict[str, Any]]:
    """Every text object ({type: mrkdwn|plain_text, text}) anywhere in the payload."""
    if isinstance(node, dict):
        if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
            yield node
        for value in node.values():
            yield from _text_objects(value)
    elif isinstance(node, list):
        for value in node:
            yield from _text_objects(value)


def _all_blocks(payload: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = list(payload["blocks"])
    for attachment in payload.get("attachments", []):
        blocks.extend(attachment["blocks"])
    return blocks


def _assert_within_slack_limits(payload: dict[str, Any]) -> None:
    blocks = _all_blocks(payload)
    assert len(blocks) <= MAX_BLOCKS
    for block in blocks:
        # slack_sdk's models carry Slack's documented limits as validators.
        Block.parse(block).validate_json()  # type: ignore[union-attr]
    for attachment in payload["attachments"]:
        BlockAttachment(**attachment).validate_json()
    assert 0 < len(payload["text"]) <= 4000
    for obj in _text_objects(payload):
        assert 0 < len(obj["text"]) <= 3000
        if obj["type"] == "mrkdwn":
            assert obj["verbatim"] is True


@pytest.mark.parametrize("name", [*SNAPSHOT_EVENTS, "macie_archived", "macie_hostile"])
def test_every_fixture_is_valid_block_kit(load_event: LoadEvent, name: str) -> None:
    _assert_within_slack_limits(_message(load_event, name))


# Angle-bracket sequences we emit ourselves: Slack dates only (the link is a button URL).
_OWN_TOKEN = re.compile(r"<!date\^\d+\^\{date_short_pretty\} \{time\}\|[0-9TZ:-]+>")


def test_hostile_finding_has_no_live_mention_or_link(load_event: LoadEvent) -> None:
    payload = _message(load_event, "macie_hostile")
    _assert_within_slack_limits(payload)
    texts = [o["text"] for o in _text_objects(payload)] + [payload["text"]]
    texts += [a["fallback"] for a in payload["attachments"]]
    for text in texts:
        stripped = _OWN_TOKEN.sub("", text)
        assert "<" not in stripped and ">" not in stripped, stripped[:200]
        assert "\u202e" not in text and "\u202c" not in text
        # Every & starts an entity we wrote: nothing raw can form a control sequence.
        assert re.fullmatch(r"([^&]|&amp;|&lt;|&gt;)*", text), text[:200]
    flat = json.dumps(payload, ensure_ascii=False)
    assert "&lt;!channel&gt;" in flat and "[U+202E]" in flat
    assert "🔥" in flat and "שלום" in flat  # emoji and RTL script survive, controls do not
    buttons = [b for b in _all_blocks(payload) if b["type"] == "actions"]
    assert [e["url"] for b in buttons for e in b["elements"]] == [
        "https://us-east-1.console.aws.amazon.com/macie/home?region=us-east-1"
        "#findings?search=id%3D0f1e2d3c4b5a49687766554433221100&macros=current"
        "&itemId=0f1e2d3c4b5a49687766554433221100"
    ]


def test_hostile_key_is_truncated_in_a_code_span(load_event: LoadEvent) -> None:
    payload = _message(load_event, "macie_hostile")
    fields = [f["text"] for b in _all_blocks(payload) for f in b.get("fields", [])]
    key_field = next(f for f in fields if f.startswith("*Object key*"))
    value = key_field.split("\n", 1)[1]
    assert value.startswith("`reports/&lt;!channel&gt;") and value.endswith("…`")
    assert len(value) <= 300 and value.count("`") == 2


def test_escape_and_fit_never_split_an_entity() -> None:
    assert escape("a&b<c>d") == "a&amp;b&lt;c&gt;d"
    text = escape("x" * 8 + "<<<<")
    for limit in range(5, len(text)):
        cut = fit(text, limit)
        assert len(cut) <= limit
        assert re.fullmatch(r"x*(&lt;)*…", cut), cut


def test_code_span_cannot_be_closed_by_a_backtick() -> None:
    assert code("a`b <!here>") == "`aˋb &lt;!here&gt;`"


def test_neutralise_shows_bidi_and_control_characters() -> None:
    assert neutralise("a\u202eb\u2066c\x00d\ne") == "a[U+202E]b[U+2066]c[U+0000]d e"
    assert neutralise("👩\u200d💻") == "👩\u200d💻"


@pytest.mark.parametrize(
    ("partition", "region", "expected"),
    [
        (
            "aws",
            "eu-west-1",
            "https://eu-west-1.console.aws.amazon.com/macie/home?region=eu-west-1",
        ),
        ("aws-cn", "cn-north-1", "https://console.amazonaws.cn/macie/home?region=cn-north-1"),
        (
            "aws-us-gov",
            "us-gov-west-1",
            "https://console.amazonaws-us-gov.com/macie/home?region=us-gov-west-1",
        ),
        ("aws-iso", "us-iso-east-1", None),
        ("aws", "eu-west-1/../evil", None),
    ],
)
def test_console_url_per_partition(
    load_event: LoadEvent, partition: str, region: str, expected: str | None
) -> None:
    event = load_event("macie_policy")
    event["detail"].update(partition=partition, region=region, id="ab/c d")
    url = console_url(MacieFindingEvent.from_event(event))
    if expected is None:
        assert url is None
    else:
        assert url == f"{expected}#findings?search=id%3Dab%2Fc%20d&macros=current&itemId=ab%2Fc%20d"


def test_many_detections_are_summarised(load_event: LoadEvent) -> None:
    payload = _message(load_event, "macie_sensitive_multiple")
    sections = [b["text"]["text"] for b in _all_blocks(payload) if "text" in b]
    listing = next(s for s in sections if s.startswith("*Sensitive data*"))
    assert listing.count("•") == 9
    assert listing.endswith("• and 2 more types (3 occurrences)")
    assert "`NAME` × 120" in listing
