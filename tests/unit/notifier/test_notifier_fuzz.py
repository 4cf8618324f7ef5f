"""Any JSON value as an event: the handler never raises, posts at most once, always logs.

Lambda hands the function whatever JSON the invoker sent. A raise before the post
loses nothing (the event is retried), but a raise after it posts the finding again, and
a payload or log line that cannot be encoded fails one of the two. Events are drawn
three ways: any JSON value, a Macie envelope around any JSON finding, and a real
fixture with one field anywhere replaced by any JSON value (the most searching).
"""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Iterator, Mapping
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from macie_notify.notifier import handler
from macie_notify.notifier.outcome import Delivered
from macie_notify.notifier.settings import Settings

EVENTS = Path(__file__).resolve().parents[2] / "events"
FIXTURES = ["macie_hostile", "macie_policy", "macie_sensitive_multiple", "macie_sample"]
SETTINGS = Settings(channel="#c", bot_token="xoxb-test", include_samples=True)

# Everything json.loads can return, lone surrogates and 1e400 (inf) included.
TEXT = st.text(alphabet=st.characters(exclude_categories=()), max_size=12)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    TEXT,
    st.sampled_from([float("inf"), "\ud800", "a\udfffb", "\u202e\x00\u200b", 1e308, 10**400]),
    st.sampled_from(["Low", "High", "2", "aws.macie", "us-east-1\n", "2024-03-11T19:46:53Z"]),
)
JSON: st.SearchStrategy[Any] = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(TEXT | st.just("name"), inner, max_size=4)
    ),
    max_leaves=20,
)


def _fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
    return data


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a JSON document (keys and list positions), the root excluded."""
    if isinstance(node, (dict, list)):
        for key, value in node.items() if isinstance(node, dict) else enumerate(node):
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))


PLACES = {name: list(_paths(_fixture(name))) for name in FIXTURES}


def _holds(node: Any, key: Any) -> bool:
    if isinstance(node, dict):
        return isinstance(key, str)
    return isinstance(node, list) and isinstance(key, int) and key < len(node)


def _replace(node: Any, path: tuple[Any, ...], value: Any) -> None:
    """Set ``path`` to ``value`` if an earlier replacement left that place in the tree."""
    for key in path[:-1]:
        if not _holds(node, key) or (isinstance(node, dict) and key not in node):
            return
        node = node[key]
    if _holds(node, path[-1]):
        node[path[-1]] = value


@st.composite
def mutated_fixtures(draw: st.DrawFn) -> dict[str, Any]:
    """A fixture with one to six of its fields (at any depth) replaced by any JSON."""
    name = draw(st.sampled_from(FIXTURES))
    event = copy.deepcopy(_fixture(name))
    for path in draw(st.lists(st.sampled_from(PLACES[name]), min_size=1, max_size=6)):
        _replace(event, path, draw(JSON))
    return event


MACIE_ENVELOPES = st.fixed_dictionaries(
    {"source": st.just("aws.macie"), "detail-type": st.just("Macie Finding"), "detail": JSON},
    optional={"id": JSON, "account": JSON, "region": JSON, "macie-notify-test": JSON},
)
EVENTS_ANY = st.one_of(JSON, MACIE_ENVELOPES, mutated_fixtures())


def _surrogates(text: str) -> bool:
    return any(0xD800 <= ord(ch) <= 0xDFFF for ch in text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EVENTS_ANY)
def test_any_json_event_is_handled_without_raising_or_posting_twice(event: Any) -> None:
    posted: list[Mapping[str, Any]] = []

    def send(payload: Mapping[str, Any], config: Settings) -> Delivered:
        # What slack_sdk would send: the payload must be JSON that UTF-8 can carry.
        json.dumps(payload, ensure_ascii=False, allow_nan=False).encode("utf-8")
        posted.append(payload)
        return Delivered("token", ts="1.2", channel="C1")

    stdout = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    with redirect_stdout(stdout):
        record = handler.handle(event, lambda: SETTINGS, send, handler.log_line, "req")
    stdout.flush()
    lines = stdout.buffer.getvalue().decode("utf-8").splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1 and json.loads(lines[0])["decision"] == record["decision"]
    assert len(posted) == (1 if record["decision"] == "posted" else 0)
    assert record["decision"] in ("posted", "skipped", "ignored")
    assert not _surrogates(json.dumps(posted, ensure_ascii=False))
