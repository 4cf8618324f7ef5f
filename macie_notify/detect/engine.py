"""The matching engine: every selected identifier over a stream of text, in bounded memory.

Text arrives in pieces and is scanned in buffers of about :data:`CHUNK` characters. Each
buffer keeps the last :data:`OVERLAP` characters of the previous one, and every pattern has a
*resume* position, so a match that straddles two buffers is found exactly once and the scan
is the same as one ``finditer`` over the whole file (up to :data:`OVERLAP` characters of
context per match).

Two paths give identical results:

* **pure**: ``pattern.finditer`` over the buffer for every pattern;
* **hyperscan** (when the optional ``hyperscan`` wheel imports): one Hyperscan pass over the
  buffer reports the end offsets of every candidate; only windows around them are scanned
  with the same Python pattern. A window's end is wider than any match by one maximal match
  length, and matches that start in that margin are left to the next window, so the windowed
  scan and the full scan find the same matches (``tests/unit/detect`` checks it on corpora).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from macie_notify.detect.catalog import MANAGED_IDENTIFIER_CATEGORIES, RECOMMENDED_IDENTIFIERS
from macie_notify.detect.custom import CompiledCustom, CustomIdentifierSpec
from macie_notify.detect.macie_regex import translate
from macie_notify.detect.managed import (
    CONTEXT_AFTER,
    KEYWORD_DISTANCE,
    LOCAL_IDENTIFIERS,
    RULES,
    Rule,
    keyword_regex,
)
from macie_notify.detect.result import MAX_OCCURRENCES, Detection
from macie_notify.detect.structured import Structure

try:  # Python 3.11+
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse as _sre_parse

CHUNK = 4 * 1024 * 1024
"""Characters scanned per buffer."""
OVERLAP = 32 * 1024
"""Characters a match plus its look-ahead context may span (longest managed match ~8 KB,
PEM bodies up to :data:`CONTEXT_AFTER`); longer custom matches may be cut at buffer edges."""
KEEP_BEFORE = 1024
"""Characters of context kept before the resume point (keywords precede matches)."""
_UNBOUNDED = OVERLAP - CONTEXT_AFTER - 2


@dataclass(frozen=True)
class IdentifierSelection:
    """macie2's ``managedDataIdentifierSelector`` + ``managedDataIdentifierIds``.

    https://docs.aws.amazon.com/macie/latest/APIReference/jobs.html (CreateClassificationJob).
    """

    selector: str = "ALL"  # ALL | RECOMMENDED | NONE | INCLUDE | EXCLUDE
    ids: tuple[str, ...] = ()

    @classmethod
    def from_config(cls, managed: Any) -> IdentifierSelection:
        """From ``config.job.managed_identifiers`` (an object with selector and ids, or a str)."""
        if isinstance(managed, str):
            return cls(managed.upper())
        selector = getattr(managed, "selector", None) or getattr(managed, "kind", "ALL")
        return cls(str(selector).upper(), tuple(getattr(managed, "ids", ()) or ()))

    def resolve(self) -> frozenset[str]:
        """The managed identifier IDs this selection turns on."""
        every = frozenset(MANAGED_IDENTIFIER_CATEGORIES)
        selector = self.selector.upper()
        if selector == "ALL":
            return every
        if selector == "RECOMMENDED":
            return frozenset(RECOMMENDED_IDENTIFIERS)
        if selector == "NONE":
            return frozenset()
        if selector == "INCLUDE":
            return frozenset(self.ids)
        if selector == "EXCLUDE":
            return every - frozenset(self.ids)
        raise ValueError(f"unknown managedDataIdentifierSelector {self.selector!r}")

    def not_evaluated_locally(self) -> tuple[str, ...]:
        return tuple(sorted(self.resolve() - LOCAL_IDENTIFIERS))


@dataclass
class Tally:
    """Counts and the first occurrences of every detected managed type and custom name."""

    managed: dict[str, Detection] = field(default_factory=dict)
    custom: dict[str, Detection] = field(default_factory=dict)


@dataclass
class _Matcher:
    pattern: re.Pattern[str]
    longest: int
    hs_pattern: str | None
    accept: Callable[[str, int, int, _State], str | None]
    custom: CompiledCustom | None = None
    hs_index: int = -1


@dataclass
class _State:
    structure: Structure
    tally: Tally
    resume: list[int]
    base: int = 0
    lines_before: int = 0


def _longest(pattern: str, flags: int) -> int:
    width = _sre_parse.parse(pattern, flags).getwidth()[1]
    return int(width) if width < _UNBOUNDED else _UNBOUNDED


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
        self.matchers: list[_Matcher] = [
            self._rule_matcher(rule) for rule in RULES if identifiers & set(rule.reports)
        ]
        self.matchers += [self._custom_matcher(CompiledCustom.build(s)) for s in custom]
        self._lock = threading.Lock()
        self._db: Any = None
        if use_hyperscan is not False:
            self._db = self._compile_hyperscan(required=bool(use_hyperscan))

    @property
    def uses_hyperscan(self) -> bool:
        return self._db is not None

    # -- building --------------------------------------------------------------------------
    def _rule_matcher(self, rule: Rule) -> _Matcher:
        python = rule.python_pattern()
        kw = keyword_regex(rule.keywords)
        kw_len = max((len(k) for k in rule.keywords), default=0) + 8
        selected = self.identifiers

        def accept(buf: str, s: int, e: int, st: _State) -> str | None:
            text = buf[s:e]
            if not rule.check(text) or (rule.context and not rule.context(buf, s, e)):
                return None
            ident = rule.resolve(text) if rule.resolve else rule.reports[0]
            if ident is None or ident not in selected:
                return None
            if rule.yields_to:
                if rule.yields_to in selected and _near(kw, kw_len, buf, s, e, st):
                    return None
                return ident
            if kw is not None and not (rule.keyword_or and rule.keyword_or(text)):
                if not _near(kw, kw_len, buf, s, e, st):
                    return None
            return ident

        return _Matcher(
            re.compile(python, re.ASCII),
            _longest(python, re.ASCII),
            rule.hyperscan_pattern(),
            accept,
        )

    @staticmethod
    def _custom_matcher(compiled: CompiledCustom) -> _Matcher:
        python = translate(compiled.spec.regex)[0]
        longest = _longest(python, re.ASCII)
        hs_ok = longest < _UNBOUNDED and not _ANCHOR.search(python)

        def accept(buf: str, s: int, e: int, st: _State) -> str | None:
            text = buf[s:e]
            if compiled.ignored(text):
                return None
            if compiled.keyword_re is not None and not compiled.keyword_before(buf, s, e):
                name = st.structure.field_name(buf, s, st.base)
                if not (name and compiled.keyword_re.search(name)):
                    return None
            return compiled.spec.name

        return _Matcher(compiled.pattern, longest, python if hs_ok else None, accept, compiled)

    def _compile_hyperscan(self, *, required: bool) -> Any:
        try:
            import hyperscan
        except ImportError:
            if required:
                raise
            return None
        patterns: dict[str, int] = {}
        for matcher in self.matchers:
            if matcher.hs_pattern is None:
                continue
            if matcher.custom is not None and not _hyperscan_accepts(hyperscan, matcher.hs_pattern):
                matcher.hs_pattern = None
                continue
            matcher.hs_index = patterns.setdefault(matcher.hs_pattern, len(patterns))
        if not patterns:
            return None
        db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        expressions = [p.encode() for p in patterns]
        db.compile(
            expressions=expressions,
            ids=list(range(len(expressions))),
            elements=len(expressions),
            flags=[0] * len(expressions),
        )
        self._hs_count = len(expressions)
        return db

    # -- scanning --------------------------------------------------------------------------
    def scan(self, pieces: Iterable[str], structure: Structure) -> Tally:
        """Scan a stream of decoded text (any piece sizes); returns counts and occurrences."""
        st = _State(structure, Tally(), [0] * len(self.matchers))
        buf = ""
        for piece in pieces:
            buf = buf + piece if buf else piece
            if len(buf) >= CHUNK:
                self._process(buf, st, final=False)
                drop = len(buf) - OVERLAP - KEEP_BEFORE
                st.lines_before += buf.count("\n", 0, drop)
                st.base += drop
                buf = buf[drop:]
        self._process(buf, st, final=True)
        return st.tally

    def _process(self, buf: str, st: _State, *, final: bool) -> None:
        limit = len(buf) if final else len(buf) - OVERLAP
        if st.base == 0:
            st.structure.prepare(buf)
        ascii_only = buf.isascii()
        hits = self._hyperscan_hits(buf, ascii_only) if self._db is not None else None
        for index, matcher in enumerate(self.matchers):
            start = max(0, st.resume[index] - st.base)
            windowed = hits is not None and matcher.hs_index >= 0
            if windowed and matcher.custom is not None and not ascii_only:
                windowed = False  # custom patterns run on ASCII-mapped data only when exact
            if windowed:
                assert hits is not None
                last = self._scan_windows(matcher, buf, start, limit, hits[matcher.hs_index], st)
            else:
                last = self._scan_range(matcher, buf, start, limit, st)
            st.resume[index] = st.base + max(last, limit)

    def _hyperscan_hits(self, buf: str, ascii_only: bool) -> list[list[int]]:
        # Non-ASCII characters become "?" so that byte offsets equal character offsets; the
        # managed patterns are ASCII and never need a non-ASCII character to match.
        data = (buf.encode("ascii") if ascii_only else buf.encode("ascii", "replace")) + b"\n"
        hits: list[list[int]] = [[] for _ in range(self._hs_count)]

        def on_match(ident: int, start: int, end: int, flags: int, context: object) -> None:
            hits[ident].append(end)

        with self._lock:
            self._db.scan(data, match_event_handler=on_match)
        return hits

    def _scan_range(self, m: _Matcher, buf: str, start: int, limit: int, st: _State) -> int:
        last = start
        for found in m.pattern.finditer(buf, start):
            s = found.start()
            if s >= limit:
                break
            self._record(m, buf, s, found.end(), st)
            last = found.end()
        return last

    def _scan_windows(
        self, m: _Matcher, buf: str, start: int, limit: int, ends: list[int], st: _State
    ) -> int:
        last, size, width = start, len(buf), m.longest
        for lo, hi in _windows(ends, width, start, size):
            lo = max(lo, last)
            if lo >= limit:
                break
            cut = hi - width - 2 if hi < size else size
            for found in m.pattern.finditer(buf, lo, hi):
                s = found.start()
                if s >= limit or s > cut:
                    break
                self._record(m, buf, s, found.end(), st)
                last = found.end()
        return last

    def _record(self, m: _Matcher, buf: str, s: int, e: int, st: _State) -> None:
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
            line_start = buf.rfind("\n", 0, s) + 1
            line = st.lines_before + buf.count("\n", 0, s) + 1
            det.occurrences.append(st.structure.locate(buf, s, st.base, line, s - line_start + 1))


def _windows(ends: list[int], width: int, start: int, size: int) -> Iterable[tuple[int, int]]:
    """Merged ``[lo, hi)`` ranges around candidate end offsets (sorted by Hyperscan)."""
    back, ahead = width + 18, 2 * width + 8
    lo = hi = -1
    for end in ends:
        if end + ahead <= start:
            continue
        a, b = end - back, min(size, end + ahead)
        if a <= hi:
            hi = max(hi, b)
            continue
        if hi > lo:
            yield max(lo, start), hi
        lo, hi = a, b
    if hi > lo:
        yield max(lo, start), hi


def _near(kw: re.Pattern[str] | None, kw_len: int, buf: str, s: int, e: int, st: _State) -> bool:
    """A keyword ending at most 30 characters before the value, or in its field name.

    Macie says "within 30 characters of the data"; like its custom identifiers, we only look
    before the value: a keyword *after* a value mostly belongs to the next one
    (``card 4929 ... exp 04/27 cvv 123`` must not make the card's digit groups CVVs).
    """
    if kw is None:
        return False
    lo = max(0, s - KEYWORD_DISTANCE - kw_len)
    if any(k.end() >= s - KEYWORD_DISTANCE for k in kw.finditer(buf, lo, s)):
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
