"""Whatever arrives, load()/loads() return a Config or raise ConfigError: never anything else.

Documents built from the config's own keys reach deep into the rules; raw bytes, YAML
syntax (anchors, merge keys, tags, nesting) and byte-level damage to the example config
reach the reader and the YAML parser.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from macie_notify.config import Config, ConfigError, load, loads
from macie_notify.config.example import example_text
from macie_notify.config.identifiers import CDI_KEYS, LEVEL_KEYS
from macie_notify.config.job import JOB_KEYS
from macie_notify.config.sections import (
    BUCKET_KEYS,
    NOTIFICATIONS_KEYS,
    ROOT_KEYS,
    SLACK_KEYS,
    STACK_KEYS,
)

KEYS = sorted(
    {*ROOT_KEYS, *STACK_KEYS, *BUCKET_KEYS, *CDI_KEYS, *LEVEL_KEYS, *JOB_KEYS, *NOTIFICATIONS_KEYS}
    | {*SLACK_KEYS, "weekly", "monthly", "include", "exclude", "lambda", "memory_mb", "x"}
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.sampled_from(
        ["", "all", "ALL", "NONE", "daily", "once", "#c", "EMP-\\d+", "(x)", "a" * 600]
    ),
    st.text(max_size=12),
)
VALUES: st.SearchStrategy[Any] = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)
    ),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=7))
def test_random_documents(document: dict[str, Any]) -> None:
    text = yaml.safe_dump(document)
    try:
        config = loads(text)
    except ConfigError as exc:
        assert exc.problems, text
        assert all(p.message for p in exc.problems)
    else:
        assert config.stack.name


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_random_text(text: str) -> None:
    try:
        loads(text)
    except ConfigError:
        pass


def _load_bytes(path: Path, data: bytes) -> Config | None:
    path.write_bytes(data)
    try:
        return load(str(path))
    except ConfigError as exc:
        assert exc.message and all(p.message for p in exc.problems)
        return None


@pytest.fixture(scope="module")
def config_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz") / "macie-notify.yaml"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes(config_path: Path, data: bytes) -> None:
    _load_bytes(config_path, data)


# YAML's own syntax, in fragments a person or a fuzzer would combine.
YAML_PIECES = st.sampled_from(
    [
        "stack:", "name: demo", "  ", "\n", "- ", "[", "]", "{", "}", ": ", ", ", "&a ", "*a",
        "<<: ", "<<: *a", "!!str ", "!!python/object ", "!tag ", "? ", "|", ">", "'", '"',
        "---", "...", "%YAML 1.1", "#", "\t", "\ufeff", "\x00", "\ud800", "~", "null",
        "1e400", "0x1F", ".inf", "2024-01-01", "custom_data_identifiers:", "regex: '(?:a+)+b'",
        "job:", "schedule: {weekly: MONDAY}", "tags: {<<: 5}", "<<: 5\n", "<<: [1]\n",
        "[" * 60, "]" * 60, "- " * 60, "{a: " * 1500,
    ]
)  # fmt: skip


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(YAML_PIECES, max_size=30))
def test_yaml_syntax_pieces(config_path: Path, pieces: list[str]) -> None:
    _load_bytes(config_path, "".join(pieces).encode("utf-8", "surrogatepass"))
    # The same after a valid start, so that the pieces land inside a section.
    valid_start = "stack:\n  name: demo\n" + "".join(pieces)
    _load_bytes(config_path, valid_start.encode("utf-8", "surrogatepass"))


EXAMPLE = example_text().encode("utf-8")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=len(EXAMPLE)),
            st.integers(min_value=0, max_value=8),
            st.binary(max_size=6),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_damaged_example(config_path: Path, edits: list[tuple[int, int, bytes]]) -> None:
    data = EXAMPLE
    for at, cut, insert in edits:
        data = data[:at] + insert + data[at + cut :]
    _load_bytes(config_path, data)
