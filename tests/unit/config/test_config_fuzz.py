"""Whatever YAML arrives, loads() returns a Config or raises ConfigError: never anything else."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from macie_notify.config import ConfigError, loads
from macie_notify.config.identifiers import CDI_KEYS, JOB_KEYS, LEVEL_KEYS
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
