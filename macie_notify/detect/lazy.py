"""Regular expressions compiled on first use.

``re`` takes milliseconds to compile each keyword pattern (hundreds of alternatives), and an
engine holds hundreds of them, most of which never see a candidate in a given scan. Compiled
patterns cannot be shared with worker processes started fresh or cached on disk, so each
process compiles only what its files need.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator

_SEPARATORS = str.maketrans("", "", " _-")
ASCII_FOLDS = frozenset("\u0130\u0131\u017f\u212a")
"""The characters beyond ASCII that case-insensitive matching pairs with ASCII letters
("İ" and "ı" with "i", "ſ" with "s", the Kelvin sign with "k"); ``lower()`` does not."""


class LazyPattern:
    """The subset of :class:`re.Pattern` the engine uses, compiling on the first call (a
    race between threads compiles twice, harmlessly).

    ``needles`` (for keyword patterns) lets most searches skip the pattern altogether: each
    match holds one of them once the text is lower-cased and stripped of spaces, ``_`` and
    ``-`` (the separators a keyword's spaces match). Only ASCII text is checked so: Unicode
    case folding has pairs that ``lower()`` does not map ("ſ" matches "s"), and a keyword
    holding one of :data:`ASCII_FOLDS` disables the check.
    """

    __slots__ = ("_compiled", "_source", "flags", "needles")

    def __init__(
        self,
        pattern: str | Callable[[], str],
        flags: int = 0,
        needles: tuple[str, ...] = (),
    ) -> None:
        """``pattern`` may be a function giving it: building a large pattern's text (a
        keyword trie) is itself worth deferring."""
        self._source = pattern
        self.flags = flags
        # A needle with one of these cannot rule out ASCII text (its letter may match one).
        folds = any(c in ASCII_FOLDS for n in needles for c in n)
        self.needles = () if folds else tuple({_plain(n) for n in needles})
        self._compiled: re.Pattern[str] | None = None

    @property
    def pattern(self) -> str:
        if not isinstance(self._source, str):
            self._source = self._source()
        return self._source

    def absent(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> bool:
        """True when ``text[pos:endpos]`` surely holds no match (False: it may)."""
        if not self.needles:
            return False
        part = text[pos:endpos]
        if not part.isascii():
            return False
        plain = part.lower().translate(_SEPARATORS)
        return not any(needle in plain for needle in self.needles)

    def ready(self) -> re.Pattern[str] | LazyPattern:
        """The compiled pattern once it exists, else this object. For short windows that
        almost always hold a keyword (a value's surroundings): :meth:`absent` costs about
        as much as the search there, and only pays when it spares a compile."""
        return self._compiled if self._compiled is not None else self

    @property
    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.pattern, self.flags)
        return self._compiled

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        if self.absent(text, pos, endpos):
            return None
        return self.compiled.search(text, pos, endpos)

    def match(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compiled.match(text, pos, endpos)

    def finditer(
        self, text: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> Iterator[re.Match[str]]:
        if self.absent(text, pos, endpos):
            return iter(())
        return self.compiled.finditer(text, pos, endpos)


class CharClass:
    """A one-character class (``[0-9A-Za-z]``), asked about single characters. ASCII ones
    are looked up in a set made from the compiled pattern on first use: a value's left
    boundary is checked for every candidate, and a set lookup costs a tenth of a match."""

    __slots__ = ("_ascii", "pattern")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = LazyPattern(pattern, flags)
        self._ascii: frozenset[str] | None = None

    def holds(self, char: str) -> bool:
        if not char.isascii():
            return self.pattern.match(char) is not None
        members = self._ascii
        if members is None:
            match = self.pattern.compiled.match
            members = self._ascii = frozenset(c for c in map(chr, range(128)) if match(c))
        return char in members


def _plain(needle: str) -> str:
    """A needle as :meth:`LazyPattern.absent` compares it (lower case, no separators).
    ``replace`` is several times faster than ``translate`` on words this short (an engine
    has about a thousand); ``translate`` wins on the long texts ``absent`` checks."""
    return needle.lower().replace(" ", "").replace("_", "").replace("-", "")
