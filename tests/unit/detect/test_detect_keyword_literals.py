"""Keyword occurrences found from Hyperscan's literal hits are exactly those the pure path's
union search finds: every spelling of a separator, any case, long keywords found by their
last two words, short ones beside letters, digits and non-ASCII text."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from macie_notify.detect import LOCAL_IDENTIFIERS, CustomIdentifierSpec
from macie_notify.detect.engine import Engine
from macie_notify.detect.fastpath import Hits
from macie_notify.detect.keywords import SHORT, KeywordFinder

hyperscan = pytest.importorskip("hyperscan")

CUSTOM = (
    CustomIdentifierSpec.from_api(
        {"name": "emp", "regex": "EMP-[0-9]{6}", "keywords": ["employee badge no", "cf"]}
    ),
)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(frozenset(LOCAL_IDENTIFIERS), CUSTOM, use_hyperscan=True)


def both(engine: Engine, text: str) -> tuple[list[list[int]], list[list[int]]]:
    finder = engine.keywords
    pure = finder.ends(text, text.lower() if text.isascii() else None, 0, len(text))
    assert engine._dbs is not None
    hits = Hits(engine._dbs, text, text.isascii(), final=True).keyword_hits()
    return pure, finder.ends(text, None, 0, len(text), hits)


def spell(keyword: str, rnd: random.Random) -> str:
    out = "".join(rnd.choice([" ", "_", "-", ""]) if c == " " else c for c in keyword)
    return "".join(c.upper() if rnd.random() < 0.3 else c for c in out)


NEIGHBOURS = [" ", "\n", ",", "x", "7", "é", "_", "-", ":", '"', "", "Z"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**9), count=st.integers(1, 60))
def test_literal_hits_find_what_the_union_finds(engine: Engine, seed: int, count: int) -> None:
    rnd = random.Random(seed)
    keywords = engine.keywords.keywords
    parts = []
    for _ in range(count):
        parts.append(rnd.choice(NEIGHBOURS))
        parts.append(spell(rnd.choice(keywords), rnd))
        parts.append(rnd.choice(NEIGHBOURS))
    pure, fast = both(engine, "".join(parts))
    assert pure == fast


def test_every_keyword_in_every_spelling(engine: Engine) -> None:
    rnd = random.Random(5)
    text = " ".join(f"{spell(k, rnd)}: 1," for k in engine.keywords.keywords for _ in range(2))
    pure, fast = both(engine, text)
    assert pure == fast
    assert sum(map(len, fast)) >= len(engine.keywords.keywords)


def test_a_long_keyword_is_found_by_its_last_two_words() -> None:
    finder = KeywordFinder()
    slot = finder.add(["numero de securite sociale"])
    literals = finder.literals()
    assert "securite sociale" in literals and "numero de securite sociale" not in literals
    text = "NUMERO-DE_SECURITESociale 1"
    end = text.index(" 1")
    hits = [(end, literals.index("securite" + "sociale"))]
    assert finder.ends(text, None, 0, len(text), hits)[slot] == [end]


def test_short_literals_are_only_the_whole_keywords() -> None:
    finder = KeywordFinder()
    finder.add(["cf"])
    finder.add(["n o p"])  # found by "o p", "op"...: inside "nop", "op" follows a letter
    literals = finder.literals()
    short = literals[: finder.short_count]
    assert short == ["cf"] and all(len(w) < SHORT for w in short)
    assert {"op", "o p"} <= set(literals[finder.short_count :])


def test_a_keyword_alone_in_its_set_ends_where_its_literal_does_without_compiling() -> None:
    finder = KeywordFinder()
    slot = finder.add(["codice fiscale", "cf"])
    literals = finder.literals()
    text = "x +CF/ codice-fiscale: 1"
    hits = sorted(
        [
            (text.index("/"), literals.index("cf")),
            (text.index(":"), literals.index("codice-fiscale")),
        ]
    )
    assert finder.ends(text, None, 0, len(text), hits)[slot] == [text.index("/"), text.index(":")]
    assert finder.patterns[slot][0]._compiled is None  # no regex was needed
    assert finder.ends(text, text.lower(), 0, len(text))[slot] == [5, 21]  # the pure path


@pytest.mark.parametrize(
    ("keywords", "text"),
    [
        (["a b", "ab cd"], "ab cd."),  # the trie takes "a b" (ends at 2), not "ab cd"
        (["card", "card number"], "card number: 1"),
        (["id", "id-"], "id-: 1"),  # a keyword that goes on past its separator
        (["credit card", "creditcard"], "CreditCard 1"),
        # a keyword with two spellings at one offset ("card" and "card "): the longer wins
        (["card "], "card  1234"),
        (["id -"], "id--: 1"),
        (["no _"], "no__ 1"),
    ],
)
def test_keywords_sharing_a_start_are_matched_by_the_pattern(
    keywords: list[str], text: str
) -> None:
    finder = KeywordFinder()
    slot = finder.add(keywords)
    literals = finder.literals()
    low = text.lower()
    hits = sorted(
        (low.index(lit) + len(lit), ident) for ident, lit in enumerate(literals) if lit in low
    )
    pure = finder.ends(text, low, 0, len(text))
    assert finder.ends(text, None, 0, len(text), hits) == pure
    assert pure[slot]
