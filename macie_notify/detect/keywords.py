"""Where keywords end: the positions that open the regions gated value patterns search.

One set of keywords per gated identifier. A keyword *occurrence* of set ``i`` is a position
``p`` with a word boundary before it where set ``i``'s pattern (a trie of its keywords,
longest first, with a word boundary after) matches; the set's *ends* are those matches'
ends. The definition depends on positions only, not on how a scan advances, so any way of
finding candidate positions gives the same ends, as long as it misses none:

* pure path: one search for the union of every set, restarted one character after each hit
  (so overlapping keywords are all seen);
* Hyperscan path: the same search, but only in windows around the end offsets Hyperscan
  reported for the keyword patterns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from macie_notify.detect.managed import keyword_trie

_FLAGS = re.IGNORECASE | re.ASCII
_WORD = re.compile("[0-9a-z]", _FLAGS)


class KeywordFinder:
    """Every keyword set of an engine, searched in one pass."""

    def __init__(self) -> None:
        self.patterns: list[tuple[re.Pattern[str], re.Pattern[str]]] = []
        """Per set: (case-insensitive pattern, lower-case pattern for lower-cased text)."""
        self.by_first: dict[str, list[int]] = {}
        """Sets by the first two characters of their keywords (as they can appear in text)."""
        self.ascii_only = True
        self.longest = 0
        self._keywords: list[str] = []
        self._union: tuple[re.Pattern[str], re.Pattern[str]] | None = None
        self._wide: re.Pattern[str] | None = None

    def add(self, keywords: Iterable[str]) -> int:
        """Register one set; returns its slot."""
        words = [k.lower() for k in keywords]
        slot = len(self.patterns)
        source = f"(?:{keyword_trie(words)})(?![0-9a-z])"
        self.patterns.append((re.compile(source, _FLAGS), re.compile(source)))
        for prefix in sorted({p for w in words for p in _prefixes(w)}):
            self.by_first.setdefault(prefix, []).append(slot)
        self.ascii_only = self.ascii_only and all(w.isascii() for w in words)
        self.longest = max(self.longest, *(len(w) for w in words))
        self._keywords += words
        self._union = self._wide = None
        return slot

    @property
    def keywords(self) -> tuple[str, ...]:
        """Every registered keyword, lower-cased (for a Hyperscan prefilter)."""
        return tuple(self._keywords)

    def _wide_union(self) -> re.Pattern[str] | None:
        """The keywords with non-ASCII characters, which no ASCII prefilter can find."""
        if self._wide is None:
            wide = [k for k in self._keywords if not k.isascii()]
            if not wide:
                return None
            source = f"(?<![0-9a-z])(?:{keyword_trie(wide)})(?![0-9a-z])"
            self._wide = re.compile(source, _FLAGS)
        return self._wide

    def _union_patterns(self) -> tuple[re.Pattern[str], re.Pattern[str]]:
        if self._union is None:
            # The look-behind rejects positions inside a word before the trie is entered
            # (most positions of a text): with Macie's ~600 keywords the search runs about a
            # third faster. ``_candidates`` still checks the boundary (window edges).
            source = f"(?<![0-9a-z])(?:{keyword_trie(self._keywords)})(?![0-9a-z])"
            self._union = (re.compile(source, _FLAGS), re.compile(source))
        return self._union

    def ends(
        self,
        buf: str,
        low: str | None,
        start: int,
        limit: int,
        windows: Iterable[tuple[int, int]] | None = None,
    ) -> list[list[int]]:
        """Sorted keyword ends per set, for occurrences starting in ``[start, limit)``.

        ``low`` is ``buf.lower()`` when ``buf`` is ASCII (same offsets, faster matching);
        ``windows`` (merged, sorted) restrict where candidates are looked for.
        """
        out: list[list[int]] = [[] for _ in self.patterns]
        if windows is None:
            text, which = (low, 1) if low is not None else (buf, 0)
            union = self._union_patterns()[which]
            self._candidates(text, union, which, start, len(text), limit, out, 0)
        elif buf.isascii():
            # Lower-case each window (plus the context a match may read) instead of the
            # whole buffer: the same text around every candidate, at a fraction of the cost.
            for lo, hi in windows:
                first, last = max(0, lo - 1), min(len(buf), hi + self.longest + 1)
                segment = buf[first:last].lower()
                union = self._union_patterns()[1]
                lo, hi, stop = max(lo, start) - first, hi - first, limit - first
                self._candidates(segment, union, 1, lo, hi, stop, out, first)
        else:
            union = self._union_patterns()[0]
            for lo, hi in windows:
                self._candidates(buf, union, 0, max(lo, start), hi, limit, out, 0)
            # Windows come from ASCII candidates: keywords with non-ASCII characters
            # ("führerschein", "आधार") are searched for in the whole buffer instead.
            wide = self._wide_union()
            if wide is not None:
                self._candidates(buf, wide, 0, start, len(buf), limit, out, 0)
                out = [sorted(set(ends)) for ends in out]
        for ends in out:
            ends.sort()
        return out

    def _candidates(
        self,
        text: str,
        union: re.Pattern[str],
        which: int,
        pos: int,
        hi: int,
        limit: int,
        out: list[list[int]],
        offset: int,
    ) -> None:
        # ``hi`` may cut a keyword at a window's end: the union then finds extra positions,
        # harmless because each set's pattern is matched against the whole text below.
        while True:
            found = union.search(text, pos, hi)
            if found is None or found.start() >= limit:
                return
            p = found.start()
            pos = p + 1
            if p + offset > 0 and _WORD.match(text, p - 1):
                continue
            prefix = text[p : p + 2] if which else text[p : p + 2].lower()
            for slot in self.by_first.get(prefix, ()):
                match = self.patterns[slot][which].match(text, p)
                if match is not None:
                    out[slot].append(match.end() + offset)


def _prefixes(word: str) -> set[str]:
    """The two-character prefixes ``word`` can start with (a space may be "_", "-" or gone)."""
    if len(word) < 2:
        return {word}
    if word[1] != " ":
        return {word[:2]}
    rest = word[2:3]
    return {word[0] + sep for sep in " _-"} | ({word[0] + rest} if rest else set())
