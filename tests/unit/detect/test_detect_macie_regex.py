"""Macie's regex subset: what is refused, and that accepted patterns behave like PCRE."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from macie_notify.detect.macie_regex import (
    MAX_BOUNDED_REPEAT,
    compile_macie_regex,
    regex_problems,
    translate,
)

ACCEPTED = [
    r"EMP-[0-9]{6}",
    r"(?:EMP|EMPLOYEE)-\d{6}",
    r"(?i)emp-\d+",
    r"(?i:emp)-\d+",
    r"AKIA[0-9A-Z]{16}",
    r"\bEMP\b-\d{6}",
    r"\d{100,}",
    r"[[:alpha:]]{3}\d",
    r"\Qa.b\E\d",
    r"(?#comment)EMP\d",
    r"[]x]y",
    r"x{" + str(MAX_BOUNDED_REPEAT) + "}",
    r"\x{41}\d",
    r"\h?\d+\z",
    "[a-z]+\\.example\\.com",
]

REFUSED = [
    (r"(EMP)-\d+", "capturing groups"),
    (r"(?<name>EMP)\d", "capturing groups"),
    (r"(?P<name>EMP)\d", "capturing groups"),
    (r"(?'name'EMP)\d", "capturing groups"),
    (r"(?:a)\1", "backreferences"),
    (r"(?:a)(?P=x)", "backreferences"),
    (r"\k<x>a", "backreferences"),
    (r"\g{1}a", "backreferences"),
    (r"EMP(?=-)", "look-ahead"),
    (r"EMP(?!-)", "look-ahead"),
    (r"(?<=x)EMP", "look-behind"),
    (r"(?<!x)EMP", "look-behind"),
    (r"(?(1)a|b)", "conditional"),
    (r"a(?R)?", "recursion"),
    (r"a(?1)?", "recursion"),
    (r"a(?&x)", "recursion"),
    (r"a(?{ print })", "embedded code"),
    (r"a(??{ code })", "embedded code"),
    (r"a(?C1)b", "callouts"),
    (r"(*UTF)abc", "PCRE verbs"),
    (r"(?|a|b)", "branch-reset"),
    (r"(?s)a.b", "only (?i)"),
    (r"(?m)^a", "only (?i)"),
    (r"(?x)a b", "only (?i)"),
    (r"\d{100,1000}", "too large"),
    (r"\d{" + str(MAX_BOUNDED_REPEAT + 1) + "}", "too large"),
    (r"a*b*a*", "match empty text"),
    (r"x?", "match empty text"),
    (r"^", "match empty text"),
    (r"EMP[0-9", "does not compile"),
    (r"EMP\d+)", "does not compile"),
    (r"\p{L}+", "Unicode properties"),
    (r"a{,3}b", "write {0,3}"),
    (r"[[:^alpha:]]", "POSIX class"),
    ("", "empty"),
    ("a" * 513, "Macie allows 512"),
]


@pytest.mark.parametrize("pattern", ACCEPTED)
def test_accepted(pattern: str) -> None:
    assert regex_problems(pattern) == []
    assert isinstance(compile_macie_regex(pattern), re.Pattern)


@pytest.mark.parametrize(("pattern", "fragment"), REFUSED)
def test_refused(pattern: str, fragment: str) -> None:
    problems = regex_problems(pattern)
    assert problems, pattern
    assert fragment in problems[0]
    with pytest.raises(re.error, match=re.escape(problems[0])):
        compile_macie_regex(pattern)


def test_problem_names_the_position() -> None:
    assert regex_problems(r"EMP-(\d+)") == [
        "capturing groups are not supported by Macie: use (?:...) (at position 4)"
    ]


def test_every_problem_is_reported() -> None:
    problems = regex_problems(r"(a)(?=b)\1")
    assert [p.split(" are ")[0] for p in problems] == [
        "capturing groups",
        "look-ahead assertions (?=...)",
        "backreferences (\\1)",
    ]


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        # PCRE: "(?i)" reaches to the end of the group, including later alternatives.
        (r"a(?i)b|c", "C", True),
        (r"a(?i)b|c", "aB", True),
        (r"a(?i)b|c", "AB", False),
        (r"(?:x(?i)y)z", "xYz", True),
        (r"(?:x(?i)y)z", "xYZ", False),
        (r"[[:digit:]]{2}", "42", True),
        (r"\Qa.b\E", "a.b", True),
        (r"\Qa.b\E", "axb", False),
        (r"\h\d", "\t7", True),
        (r"EMP\z", "EMP\n", False),
        (r"EMP\Z", "EMP\n", True),
        (r"\d{3}", "١٢٣", False),  # Arabic-Indic digits: \d is ASCII in PCRE
        (r"\x{45}MP", "EMP", True),
        (r"\o{105}MP", "EMP", True),  # octal 105 = 'E'
        (r"\cA", "\x01", True),
    ],
)
def test_semantics_follow_pcre(pattern: str, text: str, matches: bool) -> None:
    assert (compile_macie_regex(pattern).search(text) is not None) is matches


def test_translation_is_plain_python() -> None:
    assert translate(r"a(?i)b|c") == (r"a(?i:b)|(?i:c)", [])
    assert translate(r"[[:alpha:]]\h") == (r"[a-zA-Z][ \t\xa0]", [])


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab(?:)|[]{}*+\\1-=<!^$.dwsiPRk,0'\"")), max_size=20))
def test_never_raises_and_agrees_with_compile(pattern: str) -> None:
    problems = regex_problems(pattern)
    if problems:
        with pytest.raises(re.error):
            compile_macie_regex(pattern)
    else:
        compile_macie_regex(pattern)
