"""Custom data identifiers with Macie's semantics.

The fields mirror macie2's CreateCustomDataIdentifier
(https://docs.aws.amazon.com/macie/latest/APIReference/custom-data-identifiers.html) and the
rules are those of https://docs.aws.amazon.com/macie/latest/user/cdis-options.html:

* ``regex`` in Macie's PCRE subset (:mod:`.macie_regex` refuses what Macie refuses);
* ``keywords`` (case-insensitive): a complete keyword must come *before* the match, with at
  most ``maximumMatchDistance`` characters between the keyword's end and the match's end
  (a match only partly within the distance does not count); in CSV/TSV the column name and
  in JSON the element names on the path also count as "near";
* ``ignoreWords`` (case-sensitive): a match that contains one is dropped;
* ``severityLevels``: the highest level whose ``occurrencesThreshold`` <= the count; fewer
  occurrences than the lowest threshold give no finding; none given means Medium.

Matching time is bounded. Macie's engine never backtracks; Python's does, so a pattern
such as ``\\d+\\d+\\d+\\d+X`` can run for hours on a long run of digits (the nested repeats
that run for minutes on a short line are refused up front, :mod:`.backtracking`).
:meth:`CompiledCustom.finditer` therefore matches with the ``regex`` package, the same
syntax as ``re`` with a ``timeout`` and with the GIL released while it matches (``re``
offers neither: a runaway ``re`` match cannot be stopped and freezes every other thread
of the process). Past the budget it raises :class:`MatchTimeout`; callers report the
text as not fully scanned, or the request as refused.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from macie_notify.detect.lazy import LazyPattern
from macie_notify.detect.managed import keyword_regex

# macie_regex (with its backtracking checks) is imported by the functions that need it: a
# scan without custom identifiers never does (~2.5 ms of start-up).

DEFAULT_MATCH_DISTANCE = 50
MATCH_BUDGET_S = 1.0
"""Default time for one identifier over one text (a TestCustomDataIdentifier sample)."""
_SEVERITY_ORDER = {"LOW": 1, "MEDIUM": 2, "HIGH": 3}


class SeverityLevel(NamedTuple):
    """``{occurrencesThreshold, severity}`` as in the macie2 API."""

    occurrences_threshold: int
    severity: str  # LOW | MEDIUM | HIGH


@dataclass(frozen=True)
class CustomIdentifierSpec:
    """A custom data identifier as stored by Macie (or written in the config)."""

    name: str
    regex: str
    keywords: tuple[str, ...] = ()
    ignore_words: tuple[str, ...] = ()
    maximum_match_distance: int = DEFAULT_MATCH_DISTANCE
    severity_levels: tuple[SeverityLevel, ...] = ()
    id: str | None = None
    """The macie2 identifier ID (the emulator sets it; it becomes ``detections[].arn``)."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> CustomIdentifierSpec:
        """From a CreateCustomDataIdentifier request or GetCustomDataIdentifier response."""
        return cls(
            name=str(data["name"]),
            regex=str(data["regex"]),
            keywords=tuple(data.get("keywords") or ()),
            ignore_words=tuple(data.get("ignoreWords") or ()),
            maximum_match_distance=int(data.get("maximumMatchDistance") or DEFAULT_MATCH_DISTANCE),
            severity_levels=tuple(
                SeverityLevel(int(lvl["occurrencesThreshold"]), str(lvl["severity"]).upper())
                for lvl in data.get("severityLevels") or ()
            ),
            id=data.get("id") or data.get("customDataIdentifierId"),
        )

    @classmethod
    def from_config(cls, item: Any) -> CustomIdentifierSpec:
        """From a ``config.custom_data_identifiers`` item (snake_case attributes)."""
        levels = getattr(item, "severity_levels", ()) or ()
        return cls(
            name=item.name,
            regex=item.regex,
            keywords=tuple(getattr(item, "keywords", ()) or ()),
            ignore_words=tuple(getattr(item, "ignore_words", ()) or ()),
            maximum_match_distance=int(
                getattr(item, "maximum_match_distance", None) or DEFAULT_MATCH_DISTANCE
            ),
            severity_levels=tuple(
                SeverityLevel(int(lvl.occurrences_threshold), str(lvl.severity).upper())
                for lvl in levels
            ),
        )

    def problems(self) -> list[str]:
        """Why Macie would refuse this identifier's regex (empty: fine)."""
        from macie_notify.detect.macie_regex import regex_problems

        return regex_problems(self.regex)

    def severity_for(self, count: int) -> str | None:
        """``LOW``/``MEDIUM``/``HIGH`` for ``count`` occurrences; None below every threshold."""
        if count <= 0:
            return None
        if not self.severity_levels:
            return "MEDIUM"
        best: SeverityLevel | None = None
        for level in self.severity_levels:
            if count >= level.occurrences_threshold and (
                best is None or _SEVERITY_ORDER[level.severity] > _SEVERITY_ORDER[best.severity]
            ):
                best = level
        return best.severity if best else None


class MatchTimeout(TimeoutError):
    """A custom identifier's regex ran past its time budget on one text."""

    def __init__(self, name: str, budget: float) -> None:
        super().__init__(
            f"custom data identifier {name!r}: matching took longer than {budget:g} s "
            "(the regex backtracks too much on this text)"
        )
        self.name = name
        self.budget = budget


@functools.lru_cache(maxsize=512)
def _bounded_pattern(regex: str) -> Any:
    """``regex`` compiled by the ``regex`` package (imported on first use: scan only)."""
    import regex as regex_package  # type: ignore[import-untyped]

    from macie_notify.detect.macie_regex import translate

    python_pattern = translate(regex)[0]
    return regex_package.compile(python_pattern, regex_package.ASCII | regex_package.VERSION0)


class CompiledCustom(NamedTuple):
    """A spec with its compiled regex and keyword pattern, ready for the engine."""

    spec: CustomIdentifierSpec
    pattern: re.Pattern[str]
    keyword_re: LazyPattern | None
    longest_keyword: int

    @classmethod
    def build(cls, spec: CustomIdentifierSpec) -> CompiledCustom:
        """Compile ``spec``; ``re.error`` with Macie's reason when the regex is refused."""
        from macie_notify.detect.macie_regex import compile_macie_regex

        return cls(
            spec=spec,
            pattern=compile_macie_regex(spec.regex),
            keyword_re=keyword_regex(list(spec.keywords)),
            longest_keyword=max((len(k) for k in spec.keywords), default=0) + 4,
        )

    def finditer(
        self,
        text: str,
        pos: int = 0,
        endpos: int | None = None,
        *,
        timeout: float = MATCH_BUDGET_S,
    ) -> Iterator[re.Match[str]]:
        """The regex's matches in ``text[pos:endpos]``, like ``pattern.finditer``, within
        ``timeout`` seconds in all; :class:`MatchTimeout` past it.

        Safe to call from any thread: the match runs without the GIL, so a slow pattern
        holds one core, never the other threads.
        """
        pattern = _bounded_pattern(self.spec.regex)
        end = len(text) if endpos is None else endpos
        try:
            yield from pattern.finditer(text, pos, end, concurrent=True, timeout=timeout)
        except TimeoutError:
            raise MatchTimeout(self.spec.name, timeout) from None

    def ignored(self, text: str) -> bool:
        return any(word in text for word in self.spec.ignore_words)

    def keyword_before(self, text: str, start: int, end: int, floor: int = 0) -> bool:
        """A complete keyword ends before ``start`` and within the distance of ``end``
        (and starts at or after ``floor``: the start of the CSV cell or JSON value)."""
        if self.keyword_re is None:
            return True
        limit = end - self.spec.maximum_match_distance
        lo = max(0, floor, limit - self.longest_keyword)
        return any(m.end() >= limit for m in self.keyword_re.finditer(text, lo, start))
