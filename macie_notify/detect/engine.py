"""The matching engine: every selected identifier over a stream of text, in bounded memory.

Text arrives in pieces and is scanned in buffers of about :data:`CHUNK` characters. Each
buffer keeps the last :data:`OVERLAP` characters of the previous one, and every pattern has a
*resume* position, so a match that straddles two buffers is found exactly once and the scan
does not depend on where buffers end.

Where a value needs a keyword (most managed identifiers, custom identifiers with keywords),
keywords are found first and the value pattern only runs in the *regions* that follow them
(unless the CSV header or JSON element names hold the keyword: then everywhere). Both paths
below apply this same rule, so they give identical results:

* **pure**: ``pattern.finditer`` over the buffer (or over the keyword regions);
* **hyperscan** (when the optional ``hyperscan`` wheel imports): one Hyperscan pass reports
  the end offsets of every candidate of every pattern; only windows around them are scanned
  with the same Python pattern. A window's end is wider than any match by one maximal match
  length and matches starting in that margin are left to the next window, so the windowed
  scan finds what the full scan finds (``tests/unit/detect`` checks it on corpora).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from macie_notify.detect.custom import CompiledCustom, CustomIdentifierSpec, MatchTimeout
from macie_notify.detect.fastpath import Databases, Hits
from macie_notify.detect.keywords import KeywordFinder
from macie_notify.detect.lazy import CharClass, LazyPattern
from macie_notify.detect.managed import (
    KEYWORD_DISTANCE,
    RULES,
    Rule,
    keyword_regex,
)
from macie_notify.detect.result import MAX_OCCURRENCES, Detection
from macie_notify.detect.selection import IdentifierSelection
from macie_notify.detect.structured import Structure
from macie_notify.detect.validators import CONTEXT_AFTER

try:  # Python 3.11+
    from re import _compiler as _sre_compile  # type: ignore[attr-defined]
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_compile as _sre_compile
    import sre_parse as _sre_parse

CHUNK = 4 * 1024 * 1024
"""Characters scanned per buffer."""
OVERLAP = 32 * 1024
"""Characters a match plus its look-ahead context may span (longest managed match ~8 KB,
PEM bodies up to :data:`CONTEXT_AFTER`); longer custom matches may be cut at buffer edges."""
KEEP_BEFORE = 1024
"""Characters of context kept before the resume point (keywords precede matches)."""
_UNBOUNDED = OVERLAP - CONTEXT_AFTER - 2
_ASCII = int(re.ASCII)
"""As a plain int for ``re``'s parser and compiler, called directly (``re.compile`` converts
a flag itself): every ``&`` of an ``re.RegexFlag`` is a Python call, 1% of a worker's time."""

Sink = Callable[[int, int], None]

__all__ = ["CHUNK", "OVERLAP", "Engine", "IdentifierSelection", "Tally"]


@dataclass(repr=False, eq=False)  # unused; each generated method costs start-up time
class Tally:
    """Counts and the first occurrences of every detected managed type and custom name."""

    managed: dict[str, Detection] = field(default_factory=dict)
    custom: dict[str, Detection] = field(default_factory=dict)
    timed_out: set[str] = field(default_factory=set)
    """Custom identifiers whose matching ran past :data:`CUSTOM_MATCH_BUDGET_S` in a buffer:
    the rest of the text was not searched with them (the file is not fully scanned)."""


@dataclass(repr=False, eq=False)  # unused; each generated method costs start-up time
class _Matcher:
    """One pattern of the engine (a managed rule or a custom identifier) and how its
    candidates are found, accepted and recorded."""

    source: str
    """The Python pattern (``re.ASCII``), compiled on first use: with Hyperscan, most
    patterns never see a candidate in a given run, and compiling them all would cost more
    than a small scan."""
    hs_pattern: str | None
    accept: Callable[[str, int, int, _State], str | None] | None = None
    custom: CompiledCustom | None = None
    gate: _Gate | None = None
    hs_literal: str | None = None
    """Text every match starts with (see :func:`_literal_prefix`): Hyperscan finds it with
    the keyword literals instead of running :attr:`hs_pattern`."""
    hs_flags: int = 0
    ascii_safe: bool = True
    """Hyperscan may scan buffers with non-ASCII text for this pattern (mapped to "?")."""
    back: int | None = None
    """How far before a Hyperscan candidate's end offset a match may start (default: one
    maximal match length)."""
    before: CharClass | None = None
    """A match preceded by one of these characters is dropped (the left word boundary);
    compiled on first use, as a process needs few of them."""
    hs_index: int = -1
    hs_db: int = -1
    compiled: re.Pattern[str] | None = None
    width: int | None = None
    extent: Callable[[str, int, int], int] | None = None
    """See :attr:`Rule.extent`."""

    @property
    def pattern(self) -> re.Pattern[str]:
        if self.compiled is None:
            self._prepare()
        assert self.compiled is not None
        return self.compiled

    @property
    def longest(self) -> int:
        """The longest match (capped at what a buffer overlap can hold)."""
        if self.width is None:
            self._prepare()
        assert self.width is not None
        return self.width

    def _prepare(self) -> None:
        """Compile the pattern and measure its longest match from one parse: a scan needs
        both for a pattern once it has candidates, and ``re`` parses in Python (parsing
        twice cost a fresh worker 5-10 ms). A race prepares twice, harmlessly. The compiled
        pattern has no ``pattern`` text (compiled from the parse): nothing reads it."""
        parsed = _sre_parse.parse(self.source, _ASCII)
        width = _capped(parsed.getwidth()[1])
        compiled = _sre_compile.compile(parsed, _ASCII)
        if self.width is None:
            self.width = width
        if self.compiled is None:
            self.compiled = compiled


class _Gate(NamedTuple):
    """A value must start within ``reach`` characters after one of these keywords ends."""

    kw_re: LazyPattern
    reach: int
    slot: int


@dataclass(repr=False, eq=False)  # unused; each generated method costs start-up time
class _State:
    """Where one scan of a text is: buffer offsets, scan positions, keyword ends, lines."""

    structure: Structure
    tally: Tally
    resume: list[int]
    kw_ends: list[list[int]]
    kw_resume: int = 0
    base: int = 0
    lines_before: int = 0
    """Newlines before the buffer, once :attr:`uncounted` is counted."""
    uncounted: tuple[str | bytes, int, int] | None = None
    """The previous buffer (its :attr:`lines` text), its base and the length dropped from
    it, whose newlines are counted only when an occurrence needs a line: most files stop
    needing them early (every detection type has its first occurrences), and counting is a
    tenth of the scan."""
    lines: str | bytes = ""
    """The current buffer as newlines are counted in it: Hyperscan's bytes of it (the same
    offsets and newlines), else the text itself (see :func:`_newlines`)."""
    column_before: int = 0
    """Characters of the current line that precede the buffer (a line may span buffers)."""
    line_marks: list[int] = field(default_factory=list)
    """Newlines before each :data:`LINE_BLOCK` of the buffer at ``marks_base`` (counted once
    per block, as occurrence lines and the next buffer's start need them)."""
    marks_base: int = -1
    record_from: int = 0
    """Matches starting before this offset are scanned (keeping the scan in step) but not
    recorded: another worker records them (see :mod:`.chunks`)."""
    stop: int | None = None
    """Matches starting at or after this offset are left to the next chunk."""


def _longest(pattern: str, flags: int) -> int:
    return _capped(_sre_parse.parse(pattern, int(flags)).getwidth()[1])


def _capped(width: int) -> int:
    return int(width) if width < _UNBOUNDED else _UNBOUNDED


MIN_LITERAL = 3
"""Shorter fixed starts ("+1") are too common to stand for a pattern's candidates."""
MAX_LITERAL = 16
"""Longer fixed starts are cut: Hyperscan's literal compiler takes three times as long with
a literal of 35 characters ("-----BEGIN OPENSSH PRIVATE KEY-----") among the keywords."""
_PLAIN = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -:_,;=@#/%&'\"<>!~"
)  # spelt out: importing ``string`` (it compiles a pattern) cost every scan 0.7 ms
_CASE_PAIR = re.compile(r"\[([A-Za-z])([A-Za-z])\]")


def _literal_prefix(pattern: str) -> str:
    """The characters every match of ``pattern`` starts with (a letter in either case for
    ``[Aa]``), if there are at least :data:`MIN_LITERAL` of them (at most
    :data:`MAX_LITERAL` are kept); else "". Read from the
    pattern's text, conservatively: anything but a plain, escaped or case-pair character
    ends it, and so does a quantifier (the character before it is then left out)."""
    out: list[str] = []
    i, size = 0, len(pattern)
    while i < size:
        char = pattern[i]
        pair = _CASE_PAIR.match(pattern, i) if char == "[" else None
        if char == "\\" and i + 1 < size and not pattern[i + 1].isalnum():
            char, i = pattern[i + 1], i + 2
        elif pair is not None and pair[1] != pair[2] and pair[1].lower() == pair[2].lower():
            char, i = pair[1], pair.end()
        elif char in _PLAIN:
            i += 1
        else:
            break
        if i < size and pattern[i] in "?*+{":
            break
        out.append(char)
    return "".join(out[:MAX_LITERAL]) if len(out) >= MIN_LITERAL else ""


_ANCHOR = re.compile(r"(?<![\\\[])\^|(?<!\\)\$|\\[AZzG]")


class Engine:
    """Compiled identifiers, reusable for many files (thread-safe)."""

    def __init__(
        self,
        identifiers: frozenset[str],
        custom: Sequence[CustomIdentifierSpec] = (),
        *,
        use_hyperscan: bool | None = None,
    ) -> None:
        self.identifiers = identifiers
        self.keywords = KeywordFinder()
        self.slots = 0
        """Keyword sets registered (``self.keywords`` slots)."""
        self.matchers: list[_Matcher] = [
            self._rule_matcher(rule) for rule in RULES if identifiers & set(rule.reports)
        ]
        self.matchers += [self._custom_matcher(CompiledCustom.build(s)) for s in custom]
        self._lock = threading.Lock()
        self._dbs: Databases | None = None
        if use_hyperscan is not False:
            self._dbs = self._compile_hyperscan(required=bool(use_hyperscan))

    @property
    def uses_hyperscan(self) -> bool:
        return self._dbs is not None

    # -- building --------------------------------------------------------------------------
    def _gate(
        self, keywords: Sequence[str], reach: int, kw_re: LazyPattern | None = None
    ) -> _Gate | None:
        """``kw_re``: the keywords' pattern, when the caller has it (then compiled once)."""
        if kw_re is None:
            kw_re = keyword_regex(list(keywords))
        if kw_re is None:
            return None
        slot = self.keywords.add(keywords)
        self.slots += 1
        return _Gate(kw_re, reach, slot)

    def _rule_matcher(self, rule: Rule) -> _Matcher:
        python = rule.python_pattern()
        kw = keyword_regex(rule.keywords)
        kw_len = max((len(k) for k in rule.keywords), default=0) + 8
        # The same alternatives for lower-cased ASCII text (see _near); an ASCII source only:
        # case-insensitive matching pairs some non-ASCII letters with ASCII ones ("ı", "i").
        low = None
        if kw is not None and all(k.isascii() for k in rule.keywords):
            low = LazyPattern(lambda: kw.pattern.lower())
        selected = self.identifiers

        def accept(buf: str, s: int, e: int, st: _State) -> str | None:
            text = buf[s:e]
            if not rule.check(text) or (rule.context and not rule.context(buf, s, e)):
                return None
            ident = rule.resolve(text) if rule.resolve else rule.reports[0]
            if ident is None or ident not in selected:
                return None
            near = kw is not None and _near(kw, low, kw_len, buf, s, st)
            if rule.yields_to:
                return None if rule.yields_to in selected and near else ident
            return ident if kw is None or near else None

        gated = rule.keywords and not rule.yields_to
        # Everywhere patterns that start with a few fixed characters ("-----BEGIN ", "+44",
        # "Authorization:") are found by those, in the literal pass: out of the everywhere
        # database, which then compiles in half the time and scans a third faster.
        literal = _literal_prefix(rule.core) if rule.prefilter and not gated else ""
        return _Matcher(
            python,
            None if literal else rule.hyperscan_pattern(),
            accept,
            hs_literal=literal or None,
            gate=self._gate(rule.keywords, KEYWORD_DISTANCE, kw) if gated else None,
            before=CharClass(before, re.ASCII) if (before := rule.before_pattern()) else None,
            back=len(literal) if literal else rule.anchor_reach,
            extent=rule.extent,
        )

    def _custom_matcher(self, compiled: CompiledCustom) -> _Matcher:
        from macie_notify.detect.macie_regex import translate  # only custom identifiers need it

        python = translate(compiled.spec.regex)[0]
        longest = _longest(python, re.ASCII)
        hs_ok = longest < _UNBOUNDED and not _ANCHOR.search(python)

        def accept(buf: str, s: int, e: int, st: _State) -> str | None:
            text = buf[s:e]
            if compiled.ignored(text):
                return None
            floor = st.structure.value_start(buf, s)
            if compiled.keyword_re is not None and not compiled.keyword_before(buf, s, e, floor):
                name = st.structure.field_name(buf, s, st.base)
                if not (name and compiled.keyword_re.search(name)):
                    return None
            return compiled.spec.name

        gate = self._gate(compiled.spec.keywords, compiled.spec.maximum_match_distance)
        hs = python if hs_ok else None
        return _Matcher(
            python,
            hs,
            accept,
            compiled,
            gate,
            ascii_safe=False,
            compiled=compiled.pattern,
            width=longest,
        )

    def _compile_hyperscan(self, *, required: bool) -> Databases | None:
        try:
            import hyperscan
        except ImportError:
            if required:
                raise
            return None
        for matcher in self.matchers:
            if matcher.custom is not None and matcher.hs_pattern is not None:
                if not _hyperscan_accepts(hyperscan, matcher.hs_pattern):
                    matcher.hs_pattern = None
        # Gated value patterns go in a database of their own, scanned only for the (rare)
        # buffers where a CSV header or JSON key holds their keyword: elsewhere only keyword
        # regions are searched, and their candidates would be wasted callbacks.
        always = [m for m in self.matchers if m.gate is None]
        gated = [m for m in self.matchers if m.gate is not None]
        literals = self.keywords.literals()
        # One database of the patterns that run everywhere (one pass over a buffer; two
        # halves compiled on two cores cost a third more per buffer than one with both).
        # The gated database takes longest to compile and is scanned only in rare buffers.
        groups = [always, gated]
        return Databases(hyperscan, groups, literals, self.keywords.short_count, on_demand=[1])

    # -- scanning --------------------------------------------------------------------------
    def scan(
        self,
        pieces: Iterable[str],
        structure: Structure,
        *,
        record_from: int = 0,
        stop: int | None = None,
    ) -> Tally:
        """Scan a stream of decoded text (any piece sizes); returns counts and occurrences.

        ``record_from`` and ``stop`` scan a window of a larger text: only matches starting
        in ``[record_from, stop)`` are recorded; the text before is context (keywords, and
        the scan position of every pattern, as the full scan would have it) and the text
        after ``stop`` (at least :data:`OVERLAP` characters) completes the last matches."""
        kws = self.slots
        st = _State(structure, Tally(), [0] * len(self.matchers), [[] for _ in range(kws)])
        st.record_from, st.stop = record_from, stop
        parts: list[str] = []
        size = 0
        for piece in pieces:
            parts.append(piece)
            size += len(piece)
            if size >= CHUNK:
                buf = "".join(parts)  # one copy per buffer, not one per piece
                parts.clear()  # the pieces are not needed while the buffer is scanned
                self._process(buf, st, final=False)
                drop = len(buf) - OVERLAP - KEEP_BEFORE
                _count_uncounted(st)  # at most one buffer is kept for later counting
                st.uncounted = (st.lines, st.base, drop)
                newline = buf.rfind("\n", 0, drop)
                st.column_before = drop - newline - 1 if newline >= 0 else st.column_before + drop
                st.base += drop
                parts, size = [buf[drop:]], len(buf) - drop
        # The last buffer is final even in a window: ``stop`` bounds it, and the text after
        # ``stop`` (OVERLAP characters, or fewer at the end of the file) completes matches.
        buf = "".join(parts)
        parts.clear()
        self._process(buf, st, final=True)
        return st.tally

    def _process(self, buf: str, st: _State, *, final: bool) -> None:
        limit = len(buf) if final else len(buf) - OVERLAP
        if st.stop is not None:
            limit = max(0, min(limit, st.stop - st.base))
        if st.base == 0:
            st.structure.prepare(buf)
        ascii_only = buf.isascii()
        hits = Hits(self._dbs, buf, ascii_only, final) if self._dbs is not None else None
        st.lines = hits.data if hits is not None else buf
        if self.slots:
            self._keyword_ends(buf, st, limit, hits, ascii_only)
        for index, m in enumerate(self.matchers):
            if m.custom is not None and m.custom.spec.name in st.tally.timed_out:
                continue
            start = max(0, st.resume[index] - st.base)
            regions = self._regions(m, buf, start, st)
            sink = _recorder(self, m, buf, st)
            try:
                last = self._run(m, buf, start, limit, hits, ascii_only, sink, regions)
            except MatchTimeout:
                # A user's regex that backtracks without end must not hold the scan (or a
                # local job) forever: this identifier stops here and the file says so.
                assert m.custom is not None
                st.tally.timed_out.add(m.custom.spec.name)
                last = limit
            st.resume[index] = st.base + max(last, limit)

    def _keyword_ends(
        self, buf: str, st: _State, limit: int, hits: Hits | None, ascii_only: bool
    ) -> None:
        """Update ``st.kw_ends`` with the keywords that start in ``[resume, limit)``."""
        start = max(0, st.kw_resume - st.base)
        found_at = hits.keyword_hits() if hits is not None else None
        # Pure path, ASCII text: keywords are searched in the lower-cased copy (same offsets,
        # and ``re`` matches case-sensitive patterns several times faster).
        low = buf.lower() if ascii_only and found_at is None else None
        found = self.keywords.ends(buf, low, start, limit, found_at)
        for slot, new in enumerate(found):
            carried = [e for e in st.kw_ends[slot] if e >= st.base]
            st.kw_ends[slot] = carried + [st.base + e for e in new]
        st.kw_resume = st.base + limit

    def _regions(
        self, m: _Matcher, buf: str, start: int, st: _State
    ) -> Iterable[tuple[int, int]] | None:
        """Keyword regions for a gated value pattern, or None to scan everywhere."""
        gate = m.gate
        if gate is None:
            return None
        ends = st.kw_ends[gate.slot]
        local = [e - st.base for e in ends]
        if st.structure.keyword_in_fields(gate.kw_re, buf, local):
            return None
        if not local:
            return ()
        # A value starts within ``reach`` of the keyword end; + longest + 3 keeps that
        # start out of the untrusted margin at the region's end (see _scan_regions).
        ahead = gate.reach + m.longest + 3
        return _windows(local, 0, ahead, start, len(buf))

    def _run(
        self,
        m: _Matcher,
        buf: str,
        start: int,
        limit: int,
        hits: Hits | None,
        ascii_only: bool,
        sink: Sink,
        regions: Iterable[tuple[int, int]] | None = None,
    ) -> int:
        if regions is not None:
            return _scan_regions(m, buf, start, limit, regions, sink)
        ends = hits.get(m) if hits is not None and (ascii_only or m.ascii_safe) else None
        if ends == []:
            return start  # no candidate: the pattern is not even compiled
        if ends is not None:
            # The candidate's end offset lies inside its match (or one past it, for patterns
            # with a right boundary character): the match starts at most ``longest + 1``
            # before it, and ``longest + 3`` after it keeps that start before the margin.
            back, ahead = (m.back or m.longest) + 2, m.longest + 3
            return _scan_regions(
                m, buf, start, limit, _windows(ends, back, ahead, start, len(buf)), sink
            )
        return _scan_range(_finder(m), buf, start, limit, sink)

    def record(self, m: _Matcher, buf: str, s: int, e: int, st: _State) -> None:
        assert m.accept is not None
        if st.base + s < st.record_from:
            return
        key = m.accept(buf, s, e, st)
        if key is None:
            return
        table = st.tally.custom if m.custom is not None else st.tally.managed
        det = table.get(key)
        if det is None:
            det = table[key] = Detection(key)
            if m.custom is not None:
                det.identifier_id = m.custom.spec.id
        det.count += 1
        if len(det.occurrences) < MAX_OCCURRENCES:
            newline = buf.rfind("\n", 0, s)
            column = s - newline if newline >= 0 else st.column_before + s + 1
            _count_uncounted(st)
            line = st.lines_before + _lines_before(st, st.lines, st.base, s) + 1
            found = st.structure.locate(buf, s, st.base, line, column)
            if "end" in found:  # a Range is inclusive: the line the match ends on
                stop = m.extent(buf, s, e) if m.extent is not None else e
                found["end"] = line + buf.count("\n", s, max(s, stop - 1))
            det.occurrences.append(found)


LINE_BLOCK = 4096
"""Characters per newline-count block: an occurrence counts at most this many itself."""


def _count_uncounted(st: _State) -> None:
    if st.uncounted is not None:
        text, base, drop = st.uncounted
        st.uncounted = None
        st.lines_before += _lines_before(st, text, base, drop)


def _lines_before(st: _State, text: str | bytes, base: int, pos: int) -> int:
    """Newlines in ``text[:pos]`` (``text`` starts at ``base``). Counting from the start each
    time cost a tenth of the scan, so a buffer's blocks are counted once and kept."""
    marks = st.line_marks
    if st.marks_base != base:
        marks[:] = [0]
        st.marks_base = base
    block = pos // LINE_BLOCK
    while len(marks) <= block:
        at = (len(marks) - 1) * LINE_BLOCK
        marks.append(marks[-1] + _newlines(text, at, at + LINE_BLOCK))
    return marks[block] + _newlines(text, block * LINE_BLOCK, pos)


def _newlines(text: str | bytes, lo: int, hi: int) -> int:
    """Newlines in ``text[lo:hi]``. ``str.count`` tests one character at a time; bytes
    lose their newlines through ``memchr`` in a third less time (the count is the
    difference in length). The ranges counted never reach Hyperscan's final sentinel."""
    if isinstance(text, str):
        return text.count("\n", lo, hi)
    part = text[lo:hi]
    return len(part) - len(part.replace(b"\n", b""))


def _recorder(engine: Engine, m: _Matcher, buf: str, st: _State) -> Sink:
    before = m.before

    def sink(s: int, e: int) -> None:
        if before is None or s == 0 or not before.holds(buf[s - 1]):
            engine.record(m, buf, s, e, st)

    return sink


Finder = Callable[[str, int, int], Iterator["re.Match[str]"]]
CUSTOM_MATCH_BUDGET_S = 5.0
"""Time one custom identifier may spend on one buffer (the validator refuses the patterns
known to backtrack without end; this bounds the rest)."""


def _finder(m: _Matcher) -> Finder:
    """``finditer`` for a matcher: custom patterns run time-bounded (``MatchTimeout``)."""
    custom = m.custom
    if custom is None:
        return m.pattern.finditer
    return lambda buf, lo, hi: custom.finditer(buf, lo, hi, timeout=CUSTOM_MATCH_BUDGET_S)


def _scan_range(find: Finder, buf: str, start: int, limit: int, sink: Sink) -> int:
    last = start
    for found in find(buf, start, len(buf)):
        s = found.start()
        if s >= limit:
            break
        sink(s, found.end())
        last = found.end()
    return last


def _scan_regions(
    m: _Matcher, buf: str, start: int, limit: int, regions: Iterable[tuple[int, int]], sink: Sink
) -> int:
    """``finditer`` inside each region; a match starting in a region's last ``longest + 2``
    characters is not trusted (the region end may have cut it) and is left to a later one."""
    last, size = start, len(buf)
    find: Finder | None = None
    margin = 0
    for lo, hi in regions:
        if lo < last:
            lo = last
        if lo >= limit:
            break
        if find is None:  # compiled for the first region, not for a buffer with none
            find = _finder(m)
            margin = m.longest + 2
        cut = hi - margin if hi < size else size
        for found in find(buf, lo, hi):
            s = found.start()
            if s >= limit or s > cut:
                break
            sink(s, found.end())
            last = found.end()
    return last


def _windows(
    ends: Iterable[int], back: int, ahead: int, start: int, size: int
) -> list[tuple[int, int]]:
    """``[e - back, e + ahead)`` around each of the sorted ``ends``, merged where they
    overlap and clipped to ``[start, size)`` (a loop of plain comparisons: it runs for
    every candidate)."""
    out: list[tuple[int, int]] = []
    lo = hi = -1
    for e in ends:
        a, b = e - back, e + ahead
        if b > size:
            b = size
        if b <= start:
            continue
        if a <= hi:
            if b > hi:
                hi = b
            continue
        if hi > lo:
            out.append((lo if lo > start else start, hi))
        lo, hi = a, b
    if hi > lo:
        out.append((lo if lo > start else start, hi))
    return out


def _near(
    kw: LazyPattern, low: LazyPattern | None, kw_len: int, buf: str, s: int, st: _State
) -> bool:
    """A keyword ending at most 30 characters before the value, or in its field name.

    Macie says "within 30 characters of the data"; like its custom identifiers, we only look
    before the value: a keyword *after* a value mostly belongs to the next one
    (``card 4929 ... exp 04/27 cvv 123`` must not make the card's digit groups CVVs).

    ``low`` is ``kw`` for lower-cased text (None when its keywords are not all ASCII). An
    ASCII window is lower-cased and searched with it: the same matches, in half the time of
    a case-insensitive search (which folds every character it compares). The window starts
    one character early, for the pattern's look-behind.
    """
    first = s - KEYWORD_DISTANCE
    lo = first - kw_len if first > kw_len else 0
    start = lo - 1 if lo else 0
    window = buf[start:s]
    if low is not None and window.isascii():
        found = low.compiled.finditer(window.lower(), lo - start)
        hits = [k.start() + start for k in found if k.end() + start >= first]
    else:
        hits = [k.start() for k in kw.ready().finditer(buf, lo, s) if k.end() >= first]
    # In CSV/JSON the text before a value only counts inside the same cell or value.
    if hits and st.structure.same_value(buf, max(hits), s):
        return True
    name = st.structure.field_name(buf, s, st.base)
    return bool(name and kw.search(name))


def _hyperscan_accepts(hyperscan: Any, pattern: str) -> bool:
    try:
        db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        db.compile(expressions=[pattern.encode()], ids=[0], elements=1, flags=[0])
    except Exception:  # hyperscan.error: a construct Hyperscan lacks -> pure path
        return False
    return True
