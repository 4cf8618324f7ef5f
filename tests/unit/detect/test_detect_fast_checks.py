"""The engine's cheaper forms of its checks give the same answers as the plain ones: the
card-number anchor (Hyperscan), left boundaries as sets, lower-cased keyword windows,
Luhn sums in C and one parse per pattern."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from macie_notify.detect import IdentifierSelection, Scanner
from macie_notify.detect import engine as engine_module
from macie_notify.detect import validators as v
from macie_notify.detect.lazy import ASCII_FOLDS, CharClass, LazyPattern
from macie_notify.detect.managed import LOCAL_IDENTIFIERS, RULES, keyword_regex
from macie_notify.detect.structured import Structure


def _luhn_reference(number: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(number)):
        value = ord(char) - 48
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0 and len(number) > 1


@given(st.text(alphabet="0123456789", max_size=40))
def test_luhn_matches_the_digit_by_digit_sum(number: str) -> None:
    assert v.luhn_ok(number) == _luhn_reference(number)


def test_luhn_refuses_what_is_not_ascii_digits() -> None:
    assert v.luhn_ok("4539148800000001")
    assert not v.luhn_ok("٤٥٣٩١٤٨٨٠٠٠٠٠٠٠١")  # Arabic-Indic digits


@pytest.mark.parametrize(
    "text",
    ["4539148800000001", "4539 1488 0000 0001", "12-34", "", "٣", "12.34/56", "1 2é3", "a1b2"],
)
def test_digits_keeps_only_ascii_digits(text: str) -> None:
    assert v.digits(text) == re.sub("[^0-9]", "", text)


@pytest.mark.parametrize(
    "cls", ["[0-9]", "[0-9A-Za-z]", "[0-9A-Za-z_-]", "[A-Za-z0-9+/=]", "[0-9/]"]
)
def test_char_class_answers_as_its_pattern(cls: str) -> None:
    boundary = CharClass(cls, re.ASCII)
    pattern = re.compile(cls, re.ASCII)
    for char in [*map(chr, range(200)), "é", "٣", "\u212a", "ſ"]:
        assert boundary.holds(char) == bool(pattern.match(char)), repr(char)


def _near_case_insensitive(kw: LazyPattern, kw_len: int, text: str, s: int) -> bool:
    """``engine._near`` as it was: one case-insensitive search of the original text."""
    lo = max(0, s - engine_module.KEYWORD_DISTANCE - kw_len)
    found = kw.compiled.finditer(text, lo, s)
    return any(k.end() >= s - engine_module.KEYWORD_DISTANCE for k in found)


class _State:
    structure = Structure()
    base = 0


ASCII_RULES = [r for r in RULES if r.keywords and all(k.isascii() for k in r.keywords)]


@pytest.mark.parametrize("rule", ASCII_RULES[:12], ids=lambda r: r.name)
def test_lower_cased_keyword_windows_find_what_case_insensitive_search_finds(rule) -> None:
    kw = keyword_regex(rule.keywords)
    assert kw is not None
    low = LazyPattern(lambda: kw.pattern.lower())
    kw_len = max(len(k) for k in rule.keywords) + 8
    rnd = random.Random(rule.name)
    before = ["", " ", "x", "X", "9", ":", "_", "é", "\n", "ab", "Ab"]
    after = ["", " ", ":", "x", "1", "-", "#", "=", "\t"]
    found = 0
    for _ in range(60):
        parts = []
        for _ in range(rnd.randrange(1, 6)):
            word = "".join(
                c.upper() if rnd.random() < 0.3 else c for c in rnd.choice(rule.keywords)
            )
            word = word.replace(" ", rnd.choice([" ", "_", "-", ""]))
            parts.append(rnd.choice(before) + word + rnd.choice(after))
        text = "".join(parts) + "4539148800000001"
        for s in range(len(text) + 1):
            expected = _near_case_insensitive(kw, kw_len, text, s)
            assert engine_module._near(kw, low, kw_len, text, s, _State()) == expected
            found += expected
    assert found  # the cases hold keywords near values


def test_keywords_beyond_ascii_are_searched_case_insensitively() -> None:
    # Case-insensitive matching pairs "ı" with "i": a lower-cased copy would not.
    kw = keyword_regex(("numarası",))
    assert kw is not None
    assert engine_module._near(kw, None, 16, "NUMARASI 12345", 9, _State())


def test_one_parse_gives_the_compiled_pattern_and_its_longest_match() -> None:
    for rule in RULES[:40]:
        matcher = engine_module._Matcher(rule.python_pattern(), None)
        expected = re.compile(rule.python_pattern(), re.ASCII)
        assert matcher.longest == engine_module._longest(rule.python_pattern(), re.ASCII)
        sample = "card 4539 1488 0000 0001, DE89 3704 0044 0532 0130 00, 536-22-8726"
        assert [m.span() for m in matcher.pattern.finditer(sample)] == [
            m.span() for m in expected.finditer(sample)
        ]


def _luhn_complete(prefix: str) -> str:
    for check in "0123456789":
        if _luhn_reference(prefix + check):
            return prefix + check
    raise AssertionError(prefix)


def _card_forms(rnd: random.Random) -> str:
    digits = _luhn_complete(rnd.choice("3456") + "".join(rnd.choices("0123456789", k=14)))
    sep = rnd.choice(" -")
    groups = [digits[i : i + 4] for i in range(0, 16, 4)]
    return rnd.choice(
        [
            digits,
            digits[:13],
            digits + "123",
            sep.join(groups),
            sep.join(groups) + sep + "12",
            digits[:4] + sep + digits[4:10] + sep + digits[10:15],
            "9" + digits,  # a digit before it: no card
            digits + "1234",  # 20 digits: no card
        ]
    )


@pytest.fixture(scope="module")
def both() -> tuple[Scanner, Scanner]:
    pytest.importorskip("hyperscan")
    selection = IdentifierSelection("INCLUDE", tuple(sorted(LOCAL_IDENTIFIERS)))
    return Scanner(selection, use_hyperscan=True), Scanner(selection, use_hyperscan=False)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10**6), tail=st.booleans())
def test_card_numbers_found_by_their_anchor_as_by_the_full_pattern(
    both: tuple[Scanner, Scanner], seed: int, tail: bool
) -> None:
    rnd = random.Random(seed)
    fillers = ["card ", "visa: ", "x", "a", "-", " ", "\n", "credit card number ", "ref "]
    text = "".join(rnd.choice(fillers) + _card_forms(rnd) for _ in range(rnd.randrange(1, 30)))
    text = text if tail else text + " end"  # a number at the very end of the text, or not
    fast, pure = (s.engine.scan([text], Structure()) for s in both)
    assert {k: (d.count, d.occurrences) for k, d in fast.managed.items()} == {
        k: (d.count, d.occurrences) for k, d in pure.managed.items()
    }


def test_ascii_folds_are_every_character_that_matches_an_ascii_letter() -> None:
    beyond = "".join(chr(c) for c in range(0x80, 0x10000) if not 0xD800 <= c < 0xE000)
    found = {c for a in "abcdefghijklmnopqrstuvwxyz" for c in re.findall(a, beyond, re.I)}
    assert found == ASCII_FOLDS


def test_a_keyword_with_such_a_character_is_not_ruled_out_by_its_needles() -> None:
    # Whether the pattern was compiled before must not change the answer.
    assert keyword_regex(("numarası",)).search("NUMARASI 12345")  # type: ignore[union-attr]
    assert keyword_regex(("numéro",)).search("NUMERO 12345") is None  # type: ignore[union-attr]


def _merged_reference(
    ends: list[int], back: int, ahead: int, start: int, size: int
) -> list[tuple[int, int]]:
    spans = sorted((max(e - back, start), min(e + ahead, size)) for e in ends)
    out: list[list[int]] = []
    for lo, hi in spans:
        if hi <= start or hi <= lo:
            continue
        if out and lo <= out[-1][1]:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return [(lo, hi) for lo, hi in out]


@given(
    ends=st.lists(st.integers(0, 500), max_size=40).map(sorted),
    back=st.integers(0, 30),
    ahead=st.integers(1, 30),
    start=st.integers(0, 100),
    size=st.integers(100, 520),
)
def test_candidate_windows_are_merged_and_clipped(
    ends: list[int], back: int, ahead: int, start: int, size: int
) -> None:
    got = engine_module._windows(ends, back, ahead, start, size)
    assert got == _merged_reference(ends, back, ahead, start, size)


@given(
    text=st.text(alphabet="ab\n\r é€", max_size=300), lo=st.integers(0, 300), hi=st.integers(0, 300)
)
def test_newlines_counted_in_hyperscan_bytes_as_in_the_text(text: str, lo: int, hi: int) -> None:
    # Hyperscan's bytes of a buffer: one byte per character, "?" beyond ASCII.
    data = text.encode("ascii", "replace")
    assert engine_module._newlines(data, lo, hi) == engine_module._newlines(text, lo, hi)
    assert engine_module._newlines(text, lo, hi) == text.count("\n", lo, hi)


def test_occurrence_lines_past_buffers_of_non_ascii_text(both: tuple[Scanner, Scanner]) -> None:
    line = "café naïve résumé\n"
    text = line * 3000 + "SSN: 536-22-8726\n" + line * 2000 + "ssn 536-22-8727\n"
    with_small_buffers = engine_module.CHUNK, engine_module.OVERLAP
    engine_module.CHUNK, engine_module.OVERLAP = 20_000, 4_000
    try:
        fast, pure = (s.engine.scan([text], Structure()) for s in both)
    finally:
        engine_module.CHUNK, engine_module.OVERLAP = with_small_buffers
    found = fast.managed["USA_SOCIAL_SECURITY_NUMBER"].occurrences
    assert [o["start"] for o in found] == [3001, 5002]
    assert found == pure.managed["USA_SOCIAL_SECURITY_NUMBER"].occurrences


def test_keyword_boundary_set_is_the_case_insensitive_ascii_class() -> None:
    from macie_notify.detect.keywords import _WORD

    pattern = re.compile("[0-9a-z]", re.IGNORECASE | re.ASCII)
    for code in range(0x10000):
        char = chr(code)
        assert (char in _WORD) == bool(pattern.match(char)), hex(code)


def _vin_reference(text: str) -> bool:
    vin = text.upper()
    if len(vin) != 17 or vin.isdigit() or not any(c.isalpha() for c in vin):
        return False
    if not any(c.isdigit() for c in vin):
        return False
    total = 0
    for char, weight in zip(vin, v._VIN_WEIGHTS, strict=True):
        total += (int(char) if char.isdigit() else v._VIN_VALUES.get(char, 0)) * weight
    if not (vin[8].isdigit() or vin[8] == "X"):
        return True
    expected = total % 11
    return vin[8] == ("X" if expected == 10 else str(expected))


@given(st.text(alphabet="ABCDEFGHJKLMNPRSTUVWXYZ0123456789xioq-é٣", min_size=16, max_size=18))
def test_vin_check_digit_as_summed_one_character_at_a_time(text: str) -> None:
    assert v.vin_ok(text) == _vin_reference(text)


def test_a_known_vin_passes() -> None:
    assert v.vin_ok("1HGCM82633A004352")
    assert not v.vin_ok("1HGCM82643A004352")


@given(st.text(alphabet="0123456789 -٣", max_size=24))
def test_card_separators_as_a_set_of_non_digits(text: str) -> None:
    assert v.card_separators_ok(text) == (len({c for c in text if not c.isdigit()}) <= 1)
