"""Custom data identifier semantics for TestCustomDataIdentifier (and local checks).

``count_matches`` is the one seam to swap for ``macie_notify.detect``'s engine once it
provides custom-identifier semantics; until then this is a faithful minimal version of
https://docs.aws.amazon.com/macie/latest/user/cdis-options.html:
regex matches; a match containing an ignore word (case-sensitive) is dropped; with
keywords, a complete keyword (case-insensitive) must end before the match starts, and
the distance from the keyword's end to the match's end must be at most
``maximumMatchDistance`` (default 50).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from macie_notify.local.macie2.exceptions import ValidationException

DEFAULT_DISTANCE = 50

_UNSUPPORTED = (
    ("(?=", "look-ahead"),
    ("(?!", "negative look-ahead"),
    ("(?<=", "look-behind"),
    ("(?<!", "negative look-behind"),
    ("(?(", "conditional patterns"),
    ("(?P<", "capturing groups"),
    ("(?P=", "backreferences"),
    ("(?<", "capturing groups"),
)


def check_regex(regex: str) -> re.Pattern[str]:
    """Compile a Macie regex, rejecting the PCRE features Macie does not support."""
    problem = _unsupported_feature(regex)
    if problem:
        raise ValidationException(f"The regex isn't valid: {problem} aren't supported.")
    try:
        return re.compile(regex)
    except re.error as exc:
        raise ValidationException(f"The regex isn't valid: {exc}.") from exc


def _unsupported_feature(regex: str) -> str | None:
    in_class = False
    i = 0
    while i < len(regex):
        ch = regex[i]
        if ch == "\\":
            nxt = regex[i + 1 : i + 2]
            if not in_class and ((nxt.isdigit() and nxt != "0") or nxt == "k"):
                return "backreferences"
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            i += 1 if regex[i + 1 : i + 2] == "]" else 0
        elif ch == "(":
            problem = _group_problem(regex[i:])
            if problem:
                return problem
        i += 1
    return None


def _group_problem(rest: str) -> str | None:
    for prefix, name in _UNSUPPORTED:
        if rest.startswith(prefix):
            return name
    if not rest.startswith("(?"):
        return "capturing groups (use (?:...))"
    return None


def count_matches(
    regex: str,
    text: str,
    keywords: Sequence[str] = (),
    ignore_words: Sequence[str] = (),
    maximum_match_distance: int | None = None,
) -> int:
    """How many occurrences Macie would count in ``text``."""
    pattern = check_regex(regex)
    distance = DEFAULT_DISTANCE if maximum_match_distance is None else maximum_match_distance
    keyword_ends = _keyword_ends(text, keywords)
    count = 0
    for match in pattern.finditer(text):
        if match.end() == match.start():
            continue
        if any(word in match.group(0) for word in ignore_words):
            continue
        if keywords and not any(
            end <= match.start() and match.end() - end <= distance for end in keyword_ends
        ):
            continue
        count += 1
    return count


def _keyword_ends(text: str, keywords: Sequence[str]) -> list[int]:
    lowered = text.lower()
    ends = []
    for keyword in keywords:
        word = keyword.lower()
        # "complete keyword": not glued to letters or digits on either side.
        for found in re.finditer(rf"(?<![0-9a-z]){re.escape(word)}(?![0-9a-z])", lowered):
            ends.append(found.end())
    return ends
