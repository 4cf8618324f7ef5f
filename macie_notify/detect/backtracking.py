"""Patterns whose matching can take exponential time in a backtracking engine.

Macie runs custom data identifiers on an automaton that never backtracks; ``scan`` and
the local emulator run them on Python's backtracking engine. There, a repeat of a part
that itself holds a variable-length repeat, such as ``(?:a+)+b`` or ``(?:\\w+\\s?)+X``,
can split a run of characters between its iterations in exponentially many ways, all of
which are tried before the match fails: a 43-character line then takes minutes.

:func:`backtracking_problems` finds such nested repeats in a pattern already translated
to Python's syntax, from ``re``'s own parse tree. The test: an outer repeat that may run
many times (unbounded, or ten times or more) over a body holding an inner
variable-length repeat, where every other character the body must consume could also be
consumed by that inner repeat. A character the inner repeat cannot match, required in
each iteration (``(?:\\d+-)+``, ``(?:[a-z]+\\.)+``), fixes where iterations split, so those
patterns are accepted. Atomic groups and possessive repeats never give back what they
matched and are accepted too. What this misses (polynomial cases such as
``\\d+\\d+\\d+X``) is bounded at match time instead (:mod:`macie_notify.detect.custom`).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import Any

with warnings.catch_warnings():
    # The public names of re's parser (deprecated aliases since 3.11, the only ones on 3.10).
    warnings.simplefilter("ignore", DeprecationWarning)
    import sre_constants as C
    import sre_parse

# Code points a class is evaluated over: ASCII and Latin-1 (the flags are re.ASCII, so
# classes beyond it only differ in literals) and one stand-in for every other character.
_ALPHABET = frozenset(range(257))
_OTHER = 256
_DIGITS = frozenset(range(0x30, 0x3A))
_WORD = _DIGITS | frozenset(range(0x41, 0x5B)) | frozenset(range(0x61, 0x7B)) | {0x5F}
_SPACE = frozenset({0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D})
_CATEGORIES = {
    C.CATEGORY_DIGIT: _DIGITS,
    C.CATEGORY_NOT_DIGIT: _ALPHABET - _DIGITS,
    C.CATEGORY_WORD: _WORD,
    C.CATEGORY_NOT_WORD: _ALPHABET - _WORD,
    C.CATEGORY_SPACE: _SPACE,
    C.CATEGORY_NOT_SPACE: _ALPHABET - _SPACE,
}
_REPEATS = {C.MAX_REPEAT, C.MIN_REPEAT}
# Python 3.11 and later (on 3.10 the translator turns (?>...) into (?:...)).
_ATOMIC = {getattr(C, "ATOMIC_GROUP", None), getattr(C, "POSSESSIVE_REPEAT", None)} - {None}
MANY_ITERATIONS = 10
"""An outer repeat allowing this many iterations or more counts as "many"."""

PROBLEM = (
    "nested repeats over the same characters (such as (?:a+)+ or (?:\\w+\\s?)+) can take "
    "exponential time to fail; repeat the inner part alone (a+), or make each repetition "
    "end with a character the inner repeat cannot match (such as (?:\\d+-)+)"
)


@dataclass(frozen=True)
class _Part:
    """What one element of a sequence can consume."""

    chars: frozenset[int]
    required: bool  # consumes at least one character whenever it matches
    varies: bool  # holds a variable-length repeat that can give characters back


def _fold(chars: frozenset[int], icase: bool) -> frozenset[int]:
    if not icase:
        return chars
    return chars | {ord(chr(c).swapcase()) for c in chars if c < 128 and chr(c).isalpha()}


def _code(point: int) -> int:
    return point if point < 256 else _OTHER


def _class_chars(items: list[tuple[Any, Any]]) -> frozenset[int]:
    chars: set[int] = set()
    negate = False
    for op, av in items:
        if op is C.NEGATE:
            negate = True
        elif op is C.LITERAL:
            chars.add(_code(av))
        elif op is C.RANGE:
            low, high = av
            chars.update(range(low, min(high, 255) + 1))
            if high > 255:
                chars.add(_OTHER)
        elif op is C.CATEGORY:
            chars.update(_CATEGORIES.get(av, _ALPHABET))
        else:  # anything unexpected: assume it may match anything
            chars.update(_ALPHABET)
    return _ALPHABET - chars if negate else frozenset(chars)


def _atom_chars(op: Any, av: Any) -> frozenset[int] | None:
    """Characters a single-character element matches; None if it is not one."""
    if op is C.LITERAL:
        return frozenset({_code(av)})
    if op is C.NOT_LITERAL:
        return _ALPHABET - {_code(av)}
    if op is C.ANY:
        return _ALPHABET - {0x0A}
    if op is C.IN:
        return _class_chars(av)
    return None


class _Finder:
    def __init__(self) -> None:
        self.found = False

    def sequence(self, items: Any, icase: bool) -> list[_Part]:
        """The parts of a sequence, checking every repeat inside it on the way."""
        parts: list[_Part] = []
        for op, av in items:
            part = self.element(op, av, icase)
            if part is not None:
                parts.append(part)
        return parts

    def element(self, op: Any, av: Any, icase: bool) -> _Part | None:
        chars = _atom_chars(op, av)
        if chars is not None:
            return _Part(_fold(chars, icase), True, False)
        if op in _REPEATS:
            return self.repeat(av, icase)
        if op is C.SUBPATTERN:
            flags = av[1] or 0
            return self.group(av[-1], icase or bool(flags & re.IGNORECASE))
        if op is C.BRANCH:
            return self.branch(av[1], icase)
        if op in _ATOMIC:
            # (?>...) and X*+ never give back what they matched: nothing to split later.
            low, body = (av[0], av[-1]) if isinstance(av, tuple) else (1, av)
            inner = self.group(body, icase)
            return inner and _Part(inner.chars, inner.required and low > 0, False)
        return None  # zero-width: anchors, \b

    def group(self, items: Any, icase: bool) -> _Part | None:
        parts = self.sequence(items, icase)
        if not parts:
            return None
        return _Part(
            frozenset().union(*(p.chars for p in parts)),
            any(p.required for p in parts),
            any(p.varies for p in parts),
        )

    def branch(self, alternatives: Any, icase: bool) -> _Part | None:
        groups = [self.group(alt, icase) for alt in alternatives]
        present = [g for g in groups if g is not None]
        if not present:
            return None
        return _Part(
            frozenset().union(*(g.chars for g in present)),
            all(g is not None and g.required for g in groups),
            any(g.varies for g in present),
        )

    def repeat(self, av: Any, icase: bool) -> _Part | None:
        low, high, body = av
        many = high is C.MAXREPEAT or high >= MANY_ITERATIONS
        if many and self._body_ambiguous(body, icase):
            self.found = True
        inner = self.group(body, icase)
        if inner is None:
            return None
        varies = inner.varies or (high is C.MAXREPEAT or high > low)
        return _Part(inner.chars, inner.required and low > 0, varies)

    def _body_ambiguous(self, body: Any, icase: bool) -> bool:
        items = list(body)
        if len(items) == 1 and items[0][0] is C.BRANCH:
            return any(self._ambiguous(self._quiet(alt, icase)) for alt in items[0][1][1])
        if len(items) == 1 and items[0][0] is C.SUBPATTERN:
            flags = items[0][1][1] or 0
            return self._body_ambiguous(items[0][1][-1], icase or bool(flags & re.IGNORECASE))
        return self._ambiguous(self._quiet(items, icase))

    def _quiet(self, items: Any, icase: bool) -> list[_Part]:
        """The parts of ``items`` without reporting (the caller reports them once)."""
        return _Finder().sequence(items, icase)

    @staticmethod
    def _ambiguous(parts: list[_Part]) -> bool:
        for i, part in enumerate(parts):
            if not part.varies:
                continue
            others = [p for j, p in enumerate(parts) if j != i and p.required]
            if all(p.chars & part.chars for p in others):
                return True
        return False


def backtracking_problems(python_pattern: str) -> list[str]:
    """One problem if ``python_pattern`` (Python syntax, re.ASCII) nests ambiguous repeats."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            tree = sre_parse.parse(python_pattern, re.ASCII)
    except (re.error, RecursionError, OverflowError):
        return []  # not compilable: reported by the caller's compile step
    finder = _Finder()
    finder.sequence(tree, False)
    return [PROBLEM] if finder.found else []


__all__ = ["MANY_ITERATIONS", "PROBLEM", "backtracking_problems"]
