"""Regexes that would hang a backtracking engine: refused up front, or stopped in time.

Nested repeats over the same characters are refused by ``regex_problems`` (so by
``validate``, ``scan`` and the emulator's CreateCustomDataIdentifier alike); what slips
through (overlapping alternatives, polynomial cases) is stopped by the time limit of
``CompiledCustom.finditer``, which also leaves the other threads running.
"""

from __future__ import annotations

import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from macie_notify.config import ConfigError, loads
from macie_notify.detect.backtracking import PROBLEM, backtracking_problems
from macie_notify.detect.custom import CompiledCustom, CustomIdentifierSpec, MatchTimeout
from macie_notify.detect.macie_regex import regex_problems, translate
from macie_notify.local.macie2.exceptions import ValidationException
from macie_notify.local.macie2.identifiers import count_matches

EXPONENTIAL = [
    r"(?:\w+\s?)+X",
    r"(?:a+)+b",
    r"(?:a+)*b",
    r"(?:\d{1,3},?)+X",  # 1,234,567 written loosely
    r"(?:\s*\w+)+;",
    r"(?:.*,)+X",
    r"(?:x|a+)+b",  # the inner repeat in one alternative
    r"(?:(?:ab)+)+c",  # the inner repeat is a group
    r"(?:a+a)+b",  # the required part is matched by the inner repeat too
    r"(?i:(?:A+a)+b)",  # the same only when case is ignored
    r"(?:(?:a+)b?)+c",
    r"x(?:[a-z]{2,30}\s?){1,10}",  # bounded, but ten iterations or more
    r"ID(?:[A-Z0-9]+-?)+Z",
]
LINEAR = [
    r"(?:\d+-)+X",  # every iteration ends with "-", which \d+ cannot match
    r"(?:[a-z]+\.)+[a-z]{2,}",
    r"(?:\w+[.-])*\w+@",
    r"(?:[A-Z]{2}\d+)+",  # the fixed-length part cannot give characters back
    r"(?:\d{3}-?)+",
    r"(?:a|b)+c",
    r"\d+(?:\.\d+)*",
    r"[a-z]+(?:[ -][a-z]+)*",
    r"(?>a+)+b",  # atomic: nothing to give back
    r"(?:a+)++b",  # possessive
    r"\d{1,3}(?:,\d{3})*",
    r"(?:\d{1,3},?){1,5}X",  # at most five iterations
    r"EMP-\d{6}",
    r"(?i)emp-[0-9a-f]{8}",
    r"(?:a+b)+",
]


@pytest.mark.parametrize("pattern", EXPONENTIAL)
def test_nested_repeats_over_the_same_characters_are_refused(pattern: str) -> None:
    assert regex_problems(pattern) == [PROBLEM]


@pytest.mark.parametrize("pattern", LINEAR)
def test_repeats_that_cannot_split_a_run_two_ways_are_accepted(pattern: str) -> None:
    assert backtracking_problems(translate(pattern)[0]) == []
    assert regex_problems(pattern) == []


def test_validate_names_the_field_line_and_reason() -> None:
    text = (
        "stack:\n  name: demo\ncustom_data_identifiers:\n"
        "  - name: words\n    regex: '(?:\\w+\\s?)+X'\n"
    )
    with pytest.raises(ConfigError) as info:
        loads(text)
    [problem] = info.value.problems
    assert (problem.path, problem.line) == ("custom_data_identifiers[0].regex", 5)
    assert problem.message == PROBLEM


# -- the time limit ---------------------------------------------------------------------

OVERLAPPING = r"(?:a|aa)+b"  # accepted (no nested repeat) yet exponential: Fibonacci paths


def _compiled(pattern: str, name: str = "slow") -> CompiledCustom:
    return CompiledCustom.build(CustomIdentifierSpec(name=name, regex=pattern))


def test_a_runaway_match_stops_at_its_budget() -> None:
    assert regex_problems(OVERLAPPING) == []
    with pytest.raises(MatchTimeout) as info:
        list(_compiled(OVERLAPPING).finditer("a" * 200, timeout=0.05))
    assert str(info.value) == (
        "custom data identifier 'slow': matching took longer than 0.05 s "
        "(the regex backtracks too much on this text)"
    )
    assert isinstance(info.value, TimeoutError)


def test_a_runaway_match_leaves_other_threads_running() -> None:
    # re holds the GIL for a whole match: this thread could not even wake up from its
    # sleep until the match ended. Here it runs while the match is still going.
    compiled = _compiled(OVERLAPPING)
    outcome: list[str] = []

    def run() -> None:
        try:
            list(compiled.finditer("a" * 200, timeout=1.5))
            outcome.append("finished")
        except MatchTimeout:
            outcome.append("timed out")

    worker = threading.Thread(target=run)
    worker.start()
    time.sleep(0.2)  # the worker is inside the match by now
    total = sum(range(200_000))  # Python bytecode: needs the GIL
    still_matching = worker.is_alive()
    worker.join()
    assert total and still_matching and outcome == ["timed out"]


def test_the_emulator_answers_a_runaway_test_request_with_a_validation_error() -> None:
    with pytest.raises(ValidationException, match="matching took longer than"):
        count_matches(OVERLAPPING, "a" * 300)


PATTERNS = [r"EMP-\d{6}", r"(?i)key[:=]\s*[a-z0-9]{4,8}", r"\b[A-Z]{2}\d{2,4}\b", r"x\h+y"]


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(PATTERNS),
    st.text(alphabet="EMPKeyk-:= \t0123456789ABxyzXY\n", max_size=60),
    st.integers(min_value=0, max_value=5),
)
def test_bounded_matching_finds_what_re_finds(pattern: str, text: str, pos: int) -> None:
    compiled = _compiled(pattern)
    expected = [m.span() for m in compiled.pattern.finditer(text, pos)]
    assert [m.span() for m in compiled.finditer(text, pos)] == expected
