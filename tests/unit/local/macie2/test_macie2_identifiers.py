"""TestCustomDataIdentifier semantics (regex, keywords before the match, distance, ignore)."""

from __future__ import annotations

import pytest

from macie_notify.local.macie2.exceptions import ValidationException
from macie_notify.local.macie2.identifiers import check_regex, count_matches


@pytest.mark.parametrize(
    ("text", "keywords", "ignore", "distance", "count"),
    [
        ("EMP-123456", [], [], None, 1),
        ("Employee: EMP-123456", ["employee"], [], None, 1),
        ("employees EMP-123456", ["employee"], [], None, 0),  # not a complete keyword
        ("EMP-123456 employee", ["employee"], [], None, 0),  # keyword must come first
        ("emp id " + "x" * 39 + " EMP-123456", ["emp id"], [], 50, 0),  # end-to-end 51
        ("emp id " + "x" * 38 + " EMP-123456", ["emp id"], [], 50, 1),  # end-to-end 50
        ("EMP-000000 EMP-123456", [], ["EMP-000000"], None, 1),
        ("EMP-000000 EMP-123456", [], ["emp-000000"], None, 2),  # ignore words are case-sensitive
    ],
)
def test_count_matches(
    text: str, keywords: list[str], ignore: list[str], distance: int | None, count: int
) -> None:
    assert count_matches("EMP-[0-9]{6}", text, keywords, ignore, distance) == count


@pytest.mark.parametrize(
    "regex", ["(a)", "(?P<x>a)", "a(?=b)", "(?<!a)b", "(a)\\1", "\\k<x>", "[a"]
)
def test_unsupported_regexes(regex: str) -> None:
    with pytest.raises(ValidationException):
        check_regex(regex)


@pytest.mark.parametrize(
    ("regex", "sample"),
    [
        ("(?:ab)+", "abab"),
        ("[(]x[)]", "(x)"),
        ("\\(x\\)", "(x)"),
        ("a{2,}", "aaa"),
        ("(?i)emp", "EMP"),
    ],
)
def test_supported_regexes(regex: str, sample: str) -> None:
    assert check_regex(regex).fullmatch(sample)
