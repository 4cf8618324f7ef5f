"""Custom data identifier semantics for the emulator: one seam over ``macie_notify.detect``.

TestCustomDataIdentifier and CreateCustomDataIdentifier use the detection engine's
custom-identifier rules, so ``scan``, a local classification job and this API agree
(https://docs.aws.amazon.com/macie/latest/user/cdis-options.html): Macie's regex subset;
a match containing an ignore word (case-sensitive) is dropped; with keywords, a complete
keyword (case-insensitive) must end before the match, within ``maximumMatchDistance``
(default 50) characters of the match's end.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from macie_notify.detect.custom import (
    DEFAULT_MATCH_DISTANCE,
    CompiledCustom,
    CustomIdentifierSpec,
    MatchTimeout,
)
from macie_notify.detect.macie_regex import compile_macie_regex, regex_problems
from macie_notify.local.macie2.exceptions import ValidationException


def check_regex(regex: str) -> re.Pattern[str]:
    """Compile a Macie regex; ValidationException naming Macie's reason when refused."""
    problems = regex_problems(regex)
    if problems:
        raise ValidationException(f"The regex isn't valid: {problems[0]}.")
    try:
        return compile_macie_regex(regex)
    except re.error as exc:
        raise ValidationException(f"The regex isn't valid: {exc}.") from exc


def count_matches(
    regex: str,
    text: str,
    keywords: Sequence[str] = (),
    ignore_words: Sequence[str] = (),
    maximum_match_distance: int | None = None,
) -> int:
    """How many occurrences Macie would count in ``text`` (plain, unstructured text)."""
    check_regex(regex)
    spec = CustomIdentifierSpec(
        name="test",
        regex=regex,
        keywords=tuple(keywords),
        ignore_words=tuple(ignore_words),
        maximum_match_distance=maximum_match_distance or DEFAULT_MATCH_DISTANCE,
    )
    compiled = CompiledCustom.build(spec)
    count = 0
    try:
        # Time-limited and without the GIL: a backtracking pattern cannot starve the
        # server's other requests.
        for match in compiled.finditer(text):
            if match.end() == match.start() or compiled.ignored(match.group(0)):
                continue
            if compiled.keyword_before(text, match.start(), match.end()):
                count += 1
    except MatchTimeout as exc:
        raise ValidationException(f"The regex isn't valid: {exc}.") from None
    return count
