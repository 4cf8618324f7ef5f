"""Where keywords end: the positions that open the regions gated value patterns search.

One set of keywords per gated identifier. A keyword *occurrence* of set ``i`` is a position
``p`` with a word boundary before it where set ``i``'s pattern (a trie of its keywords,
longest first, with a word boundary after) matches; the set's *ends* are those matches'
ends. The definition depends on positions only, not on how they are found, so any way of
finding candidate positions gives the same ends, as long as it misses none:

* pure path: one search for the union of every set, restarted one character after each hit
  (so overlapping keywords are all seen);
* Hyperscan path: :meth:`KeywordFinder.literals` are matched by Hyperscan; each hit names
  the sets that may start a little before it and how far before, and only those sets are
  matched there. No union pattern is compiled (``re`` takes a tenth of a second for
  Macie's ~600 keywords, in every worker process).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from macie_notify.detect.lazy import LazyPattern
from macie_notify.detect.managed import keyword_trie

_FLAGS = re.IGNORECASE | re.ASCII
_WORD = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
"""What a keyword may not touch on either side (``[0-9a-z]``, case-insensitive, ASCII)."""


class KeywordFinder:
    """Every keyword set of an engine, searched in one pass."""

    def __init__(self) -> None:
        self.patterns: list[tuple[LazyPattern, LazyPattern]] = []
        """Per set: (case-insensitive pattern, lower-case pattern for lower-cased text)."""
        self.by_first: dict[str, list[int]] = {}
        """Sets by the first two characters of their keywords (as they can appear in text)."""
        self.ascii_only = True
        self.longest = 0
        self._keywords: list[str] = []
        self._slots_of: dict[str, list[int]] = {}
        self._literal_sets: list[list[tuple[int, int, int, bool]]] = []
        """Per literal (Hyperscan id): (set, least, most characters from the start of the
        keyword occurrence to the literal's end, whether the set's pattern can only end
        where the literal does: see :func:`_alone_in_sets`)."""
        self.short_count = 0
        """How many of :meth:`literals` (the first) are short whole keywords."""
        self._union: tuple[LazyPattern, LazyPattern] | None = None
        self._wide: LazyPattern | None = None

    def add(self, keywords: Iterable[str]) -> int:
        """Register one set; returns its slot."""
        words = [k.lower() for k in keywords]
        slot = len(self.patterns)

        def source() -> str:
            return f"(?:{keyword_trie(words)})(?![0-9a-z])"

        self.patterns.append((LazyPattern(source, _FLAGS), LazyPattern(source)))
        for prefix in sorted({p for w in words for p in _prefixes(w)}):
            self.by_first.setdefault(prefix, []).append(slot)
        self.ascii_only = self.ascii_only and all(w.isascii() for w in words)
        self.longest = max(self.longest, *(len(w) for w in words))
        self._keywords += words
        for word in words:
            self._slots_of.setdefault(word, []).append(slot)
        self._union = self._wide = None
        return slot

    @property
    def keywords(self) -> tuple[str, ...]:
        """Every registered keyword, lower-cased (for a Hyperscan prefilter)."""
        return tuple(self._keywords)

    def _wide_union(self) -> LazyPattern | None:
        """The keywords with non-ASCII characters, which no ASCII prefilter can find."""
        if self._wide is None:
            wide = [k for k in self._keywords if not k.isascii()]
            if not wide:
                return None
            source = f"(?<![0-9a-z])(?:{keyword_trie(wide)})(?![0-9a-z])"
            self._wide = LazyPattern(source, _FLAGS)
        return self._wide

    def _union_patterns(self) -> tuple[LazyPattern, LazyPattern]:
        if self._union is None:
            # The look-behind rejects positions inside a word before the trie is entered
            # (most positions of a text): with Macie's ~600 keywords the search runs about a
            # third faster. ``_candidates`` still checks the boundary (window edges).
            source = f"(?<![0-9a-z])(?:{keyword_trie(self._keywords)})(?![0-9a-z])"
            self._union = (LazyPattern(source, _FLAGS), LazyPattern(source))
        return self._union

    def literals(self) -> list[str]:
        """The literals Hyperscan looks for (caseless, by its literal compiler) so that no
        ASCII keyword occurrence is missed: every occurrence ends where one of them ends.

        A keyword of one or two words is itself a literal, in each spelling of its
        separator (space, ``_``, ``-`` or none); a longer one is found by its last two
        words, which end where it ends: spelling out every separator of "numero de
        securite sociale" would be 64 literals, and compiling Macie's ~570 keywords that way
        takes seven times longer for no fewer candidates. The first :attr:`short_count`
        need a boundary on both sides (see :data:`SHORT`).
        """
        reach: dict[str, set[tuple[int, int, int, bool]]] = {}
        alone = _alone_in_sets(self._slots_of)
        whole: set[str] = set()  # literals that are a whole keyword
        suffixes: set[str] = set()  # literals that end a longer keyword
        for keyword, slots in self._slots_of.items():
            if not keyword.isascii():
                continue  # searched for in Python: Hyperscan sees non-ASCII text as "?"
            words = keyword.split(" ")
            if len(words) == 1:
                spellings: tuple[str, ...] = (keyword,)
            else:
                a, b = words[-2], words[-1]
                spellings = (f"{a} {b}", f"{a}_{b}", f"{a}-{b}", a + b)
            # The words before the last two, each followed by a separator of 0 or 1 chars.
            head = words[:-2]
            least = sum(map(len, head))
            one_spelling = not head and _one_spelling(words)
            for literal in spellings:
                if not literal:
                    continue
                if head:
                    suffixes.add(literal)
                else:
                    whole.add(literal)
                lo = least + len(literal)
                spans = reach.setdefault(literal, set())
                exact = one_spelling and "?" not in literal  # non-ASCII text reads "?"
                spans.update(
                    [(slot, lo, lo + len(head), exact and alone[slot, keyword]) for slot in slots]
                )
        # A literal that is also the end of a longer keyword may follow a letter there.
        short = sorted(w for w in whole - suffixes if len(w) < SHORT)
        rest = sorted(sorted(reach.keys() - set(short)), key=len)  # by length, then text
        ordered = [*short, *rest]
        self._literal_sets = [sorted(reach[w]) for w in ordered]
        self.short_count = len(short)
        return ordered

    def ends(
        self,
        buf: str,
        low: str | None,
        start: int,
        limit: int,
        hits: Iterable[tuple[int, int]] | None = None,
    ) -> list[list[int]]:
        """Sorted keyword ends per set, for occurrences starting in ``[start, limit)``.

        ``low`` is ``buf.lower()`` when ``buf`` is ASCII (same offsets, faster matching);
        ``hits`` are Hyperscan's ``(end, literal id)`` for :meth:`literals` (then only the
        sets they name are matched, where they name).
        """
        out: list[list[int]] = [[] for _ in self.patterns]
        if hits is None:
            text, which = (low, 1) if low is not None else (buf, 0)
            union = self._union_patterns()[which]
            self._candidates(text, union, which, start, len(text), limit, out)
            for ends in out:
                ends.sort()
            return out
        tried: set[tuple[int, int]] = set()
        size = len(buf)
        for end, ident in hits:
            if end < size and buf[end] in _WORD:
                # No keyword ends here (each ends before a boundary), and one that starts
                # where this literal points ends at a literal of its own. Most literal hits
                # in base64 or hex are these: skipping them spares matching, and compiling
                # the patterns of sets the text never holds.
                continue
            for slot, least, most, exact in self._literal_sets[ident]:
                first = end - most if end - most > start else start
                positions = range(first, min(limit, end - least + 1))
                # Exact: the set's pattern would match here and end at ``end``.
                self._match_at(buf, slot, positions, out, tried, end if exact else None)
        # Keywords with non-ASCII characters ("führerschein", "आधार") have no literal:
        # they are searched for in the whole buffer.
        wide = None if buf.isascii() else self._wide_union()
        if wide is not None:
            self._candidates(buf, wide, 0, start, len(buf), limit, out, tried)
        for ends in out:
            ends.sort()
        return out

    def _match_at(
        self,
        buf: str,
        slot: int,
        positions: range,
        out: list[list[int]],
        tried: set[tuple[int, int]],
        known_end: int | None = None,
    ) -> None:
        """Set ``slot`` matched at each of ``positions`` with a boundary before it.
        ``known_end``: where a match there ends, known without the pattern (a keyword
        alone in its set, see :func:`_alone_in_sets`), which is then neither compiled nor
        run."""
        pattern = self.patterns[slot][0]
        for p in positions:
            if (slot, p) in tried:
                continue
            tried.add((slot, p))
            if p > 0 and buf[p - 1] in _WORD:
                continue
            if known_end is not None:
                out[slot].append(known_end)
                continue
            match = pattern.match(buf, p)
            if match is not None:
                out[slot].append(match.end())

    def _candidates(
        self,
        text: str,
        union: LazyPattern,
        which: int,
        pos: int,
        hi: int,
        limit: int,
        out: list[list[int]],
        tried: set[tuple[int, int]] | None = None,
    ) -> None:
        """Union matches from ``pos``; ``tried`` (set, position) pairs are skipped."""
        while True:
            found = union.search(text, pos, hi)
            if found is None or found.start() >= limit:
                return
            p = found.start()
            pos = p + 1
            if p > 0 and text[p - 1] in _WORD:
                continue
            prefix = text[p : p + 2] if which else text[p : p + 2].lower()
            for slot in self.by_first.get(prefix, ()):
                if tried is not None and (slot, p) in tried:
                    continue
                match = self.patterns[slot][which].match(text, p)
                if match is not None:
                    out[slot].append(match.end())


def _one_spelling(words: list[str]) -> bool:
    """Whether a keyword's occurrence at a given offset can only be one of its spellings:
    each ``[ _-]?`` between two words takes the text's separator or none, and the next word
    decides which, unless that word is empty or starts with ``_`` or ``-`` ("card " in
    ``card  1`` is "card" and "card ")."""
    return all(words) and not any(word[0] in "_-" for word in words[1:])


def _plain(keyword: str) -> str:
    """A keyword as the text of any of its occurrences reads without its separators."""
    return keyword.replace(" ", "").replace("_", "").replace("-", "")


def _alone_in_sets(slots_of: dict[str, list[int]]) -> dict[tuple[int, str], bool]:
    """``(set, keyword)``: whether no other keyword of the set is a prefix of the keyword
    or starts with it, separators aside. Then where a whole-keyword literal of it matches
    (a boundary on both sides), the set's pattern matches exactly that text, if the
    keyword itself has one spelling there (:func:`_one_spelling`): any match of the pattern
    there is some keyword's occurrence, and two occurrences that start at the same offset
    are one a prefix of the other. Its end is the literal's, with no regex to compile or
    run (most keyword hits, and in base64 text most compiles of a set)."""
    by_slot: dict[int, list[str]] = {}
    for keyword, slots in slots_of.items():
        for slot in slots:
            by_slot.setdefault(slot, []).append(keyword)
    alone: dict[tuple[int, str], bool] = {}
    for slot, keywords in by_slot.items():
        plain = sorted((_plain(k), k) for k in keywords)
        related = [False] * len(plain)
        # Sorted, a form follows its prefixes, and the forms between them start with them
        # too: the stack holds the chain of prefixes of the current form.
        stack: list[int] = []
        for index, (form, _) in enumerate(plain):
            while stack and not form.startswith(plain[stack[-1]][0]):
                stack.pop()
            if stack:
                related[index] = related[stack[-1]] = True
            stack.append(index)
        for (_, keyword), is_related in zip(plain, related, strict=True):
            alone[slot, keyword] = not is_related
    return alone


SHORT = 4
"""Whole-keyword literals shorter than this count only with a character that is not an
ASCII letter or digit on both sides ("cf", "mc" or "rg" alone hit all over base64 and hex
text): Hyperscan finds them with the boundary after them (:mod:`.fastpath`), and the one
before is checked on its hits."""


def _prefixes(word: str) -> set[str]:
    """The two-character prefixes ``word`` can start with (a space may be "_", "-" or gone)."""
    if len(word) < 2:
        return {word}
    if word[1] != " ":
        return {word[:2]}
    rest = word[2:3]
    return {word[0] + sep for sep in " _-"} | ({word[0] + rest} if rest else set())
