"""The Hyperscan side of the engine: compiled databases and candidate offsets per buffer.

Hyperscan (https://intel.github.io/hyperscan/dev-reference/) reports the end offset of every
match of every pattern in one pass. The engine only uses those offsets to pick the windows
where Python's ``re`` then looks (see :mod:`.engine`), so Hyperscan never decides a result.
The ``hyperscan`` module itself is passed in by the engine, which imports it lazily;
compiled databases are cached on disk by :mod:`.hscache`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar, cast

from macie_notify.detect.hscache import Slot, load, locate, store

T = TypeVar("T")
Item = TypeVar("Item")
_ALNUM = frozenset(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


class Candidate(Protocol):
    """What a matcher exposes to Hyperscan."""

    hs_pattern: str | None
    hs_literal: str | None
    """Instead of a pattern: text every match starts with (in either case), found in the
    same pass as the keyword literals."""
    hs_flags: int
    hs_index: int
    hs_db: int


PatternSet = tuple[tuple[tuple[str, int], ...], bool]
"""A database's ``(pattern, flags)`` pairs, and whether they are literals (compiled by
Hyperscan's literal compiler, which takes a fraction of the time of the regex one)."""

_Entry = tuple[Any, int, threading.Lock]
"""A database (None: no patterns), its pattern count, and the lock its scans take."""
_COMPILED: dict[PatternSet, _Entry] = {}
_COMPILED_LOCK = threading.Lock()


def _cached(hyperscan: Any, patterns: PatternSet) -> tuple[_Entry | None, Slot | None]:
    """A pattern set's database if this process or the on-disk cache has it (else None),
    and its cache slot."""
    with _COMPILED_LOCK:
        found = _COMPILED.get(patterns)
    if found is not None:
        return found, None
    if not patterns[0]:
        return _keep(patterns, None), None
    slot = locate(hyperscan, hyperscan.HS_MODE_BLOCK, patterns[0], literal=patterns[1])
    db = load(hyperscan, hyperscan.HS_MODE_BLOCK, slot)
    return (None if db is None else _keep(patterns, db)), slot


def _built(hyperscan: Any, patterns: PatternSet, slot: Slot | None) -> _Entry:
    """A pattern set compiled, and kept in ``slot`` for the next runs."""
    db = _compile(hyperscan, patterns)
    store(hyperscan, slot, db)
    return _keep(patterns, db)


def _compiled(hyperscan: Any, patterns: PatternSet) -> _Entry:
    """A compiled database per pattern set, shared by engines and kept in the on-disk
    cache; the lock serialises scans because a database's scratch space cannot be shared."""
    found, slot = _cached(hyperscan, patterns)
    return found if found is not None else _built(hyperscan, patterns, slot)


def _keep(patterns: PatternSet, db: Any) -> _Entry:
    with _COMPILED_LOCK:
        return _COMPILED.setdefault(patterns, (db, len(patterns[0]), threading.Lock()))


def _compile(hyperscan: Any, patterns: PatternSet) -> Any:
    pairs, literal = patterns
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    db.compile(
        expressions=[p.encode() for p, _ in pairs],
        ids=list(range(len(pairs))),
        elements=len(pairs),
        flags=[flags for _, flags in pairs],
        literal=literal,
    )
    return db


class Databases:
    """Hyperscan databases (block mode): one per group of matchers' candidate patterns, one
    of the short keywords and one of the other keyword literals and the matchers' fixed
    starts (``hs_literal``). Keyword hits all mean the same thing: a keyword may end here.

    The short keyword literals (see :data:`~.keywords.SHORT`) are not in the literal
    database: as bare literals they hit all over base64 and hex, and filtering those hits in
    Python cost more than the rest of the keyword pass. Each is a pattern requiring the
    boundary after it, in a database of their own (compiled beside the others on a cold
    cache: inside the everywhere database they made its compile, the longest, a third
    longer); the boundary before it is checked here.
    """

    def __init__(
        self,
        hyperscan: Any,
        groups: Sequence[Sequence[Candidate]],
        keyword_literals: Sequence[str] = (),
        short_literals: int = 0,
        *,
        on_demand: Sequence[int] = (),
    ) -> None:
        """``keyword_literals``: the first ``short_literals`` only count between two
        characters that are not ASCII letters or digits. The groups in ``on_demand`` are
        compiled (or loaded) when first scanned: they are for rare buffers."""
        self._hyperscan = hyperscan
        self._sets: list[PatternSet] = []
        caseless = int(hyperscan.HS_FLAG_CASELESS)
        short = keyword_literals[:short_literals]
        values: dict[str, int] = {}
        literal_users: list[Candidate] = []
        for group_id, group in enumerate(groups):
            patterns: dict[tuple[str, int], int] = {}
            for m in group:
                if m.hs_literal is not None:
                    m.hs_index = values.setdefault(m.hs_literal.lower(), len(values))
                    literal_users.append(m)
                elif m.hs_pattern is not None:
                    m.hs_index = patterns.setdefault((m.hs_pattern, m.hs_flags), len(patterns))
                    m.hs_db = group_id
            self._sets.append((tuple(patterns), False))
        self._short = [len(word) for word in short]
        self.short_group = len(self._sets) if short else -1
        if short:
            self._sets.append((tuple((_bounded_after(word), caseless) for word in short), False))
        self.literals_at = len(self._sets)
        for m in literal_users:
            m.hs_db = self.literals_at
        rest = [*keyword_literals[short_literals:]]
        self._first_value = len(rest)
        self._value_count = len(values)
        self._sets.append((tuple((word, caseless) for word in [*rest, *values]), True))
        self._compiled: list[_Entry | None] = [None] * len(self._sets)
        self._load(on_demand)

    def _load(self, on_demand: Sequence[int]) -> None:
        """Every set not ``on_demand``, from this process or the cache, else compiled."""
        hyperscan = self._hyperscan
        missing: list[tuple[int, Slot | None]] = []
        for i in range(len(self._sets)):
            if i not in on_demand:
                found, slot = _cached(hyperscan, self._sets[i])
                self._compiled[i] = found
                if found is None:
                    missing.append((i, slot))
        # A cold cache: Hyperscan releases the GIL while compiling, so the missing sets
        # compile at once on as many threads. This thread takes the literal set (the
        # longest to compile, ~20 ms), the others start first; the cache was read above,
        # so that no thread waits for another's Python to start compiling.
        missing.sort(key=lambda item: not self._sets[item[0]][1])
        built = _on_threads(lambda item: _built(hyperscan, self._sets[item[0]], item[1]), missing)
        for (i, _), entry in zip(missing, built, strict=True):
            self._compiled[i] = entry

    def has(self, group: int) -> bool:
        """Whether ``group`` has any pattern Hyperscan can run."""
        return bool(self._sets[group][0])

    def _database(self, group: int) -> _Entry:
        found = self._compiled[group]
        if found is None:  # an on-demand group (two threads may both load it: harmless)
            found = self._compiled[group] = _compiled(self._hyperscan, self._sets[group])
        return found

    def scan(self, group: int, data: bytes) -> list[list[int]]:
        db, count, lock = self._database(group)
        hits: list[list[int]] = [[] for _ in range(count)]

        def on_match(ident: int, start: int, end: int, flags: int, context: object) -> None:
            hits[ident].append(end)

        with lock:
            db.scan(data, match_event_handler=on_match)
        return hits

    def scan_literals(self, data: bytes) -> tuple[list[tuple[int, int]], list[list[int]]]:
        """One pass of the literal database: ``(end, literal id)`` of the keyword literals
        (unsorted), and the end offsets of each value literal (``hs_index``)."""
        keywords: list[tuple[int, int]] = []
        values: list[list[int]] = [[] for _ in range(self._value_count)]
        db, _, lock = self._database(self.literals_at)
        if db is None:
            return keywords, values
        add, base, first_value = keywords.append, len(self._short), self._first_value

        def on_match(ident: int, start: int, end: int, flags: int, context: object) -> None:
            if ident < first_value:
                add((end, ident + base))
            else:
                values[ident - first_value].append(end)

        with lock:
            db.scan(data, match_event_handler=on_match)
        return keywords, values

    def keyword_hits(
        self,
        data: bytes,
        literal_hits: list[tuple[int, int]],
        short_group_hits: list[list[int]] | None,
    ) -> list[tuple[int, int]]:
        """``(end, literal id)`` of every keyword literal's matches, in order, from
        :meth:`scan_literals`' keyword hits and :meth:`scan` of :attr:`short_group` over the
        same data."""
        hits = list(literal_hits)
        if short_group_hits is not None:
            for ident, size in enumerate(self._short):
                for end in short_group_hits[ident]:
                    end -= 1  # the boundary character after the word
                    before = end - size - 1
                    if before < 0 or data[before] not in _ALNUM:
                        hits.append((end, ident))
        hits.sort()
        return hits


def _on_threads(fn: Callable[[Item], T], items: Sequence[Item]) -> list[T]:
    """``fn`` over ``items``, each on a thread of its own (the first on this one); the first
    error is raised here. Plain threads: ``concurrent.futures`` costs ~5 ms to import, more
    than loading every cached database."""
    results: list[T | None] = [None] * len(items)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            results[index] = fn(items[index])
        except BaseException as exc:  # re-raised by the caller's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(1, len(items))]
    for thread in threads:
        thread.start()
    if items:
        run(0)
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return cast("list[T]", results)  # every slot is set: no error was raised


def _bounded_after(word: str) -> str:
    """``word`` followed by a character that is not an ASCII letter or digit (a final buffer
    ends with a newline, so a word at the end of the text has one)."""
    return re.escape(word) + "[^0-9A-Za-z]"


class Hits:
    """Candidate end offsets in one buffer, per database, computed on first use."""

    def __init__(self, dbs: Databases, buf: str, ascii_only: bool, final: bool) -> None:
        self.dbs = dbs
        # Non-ASCII characters become "?" so that byte offsets equal character offsets; the
        # managed patterns are ASCII and never need a non-ASCII character to match.
        encoded = buf.encode("ascii") if ascii_only else buf.encode("ascii", "replace")
        # At the end of the text a newline stands for "no next character", which a pattern's
        # right boundary class accepts; earlier buffers need none (their last characters
        # are scanned again at the start of the next buffer).
        self.data = encoded + b"\n" if final else encoded
        self.groups: dict[int, list[list[int]]] = {}
        self._literals: tuple[list[tuple[int, int]], list[list[int]]] | None = None

    def get(self, m: Candidate) -> list[int] | None:
        if m.hs_index < 0:
            return None
        if m.hs_db == self.dbs.literals_at:
            return self._literal_scan()[1][m.hs_index]
        if not self.dbs.has(m.hs_db):
            return None
        return self._scan(m.hs_db)[m.hs_index]

    def _literal_scan(self) -> tuple[list[tuple[int, int]], list[list[int]]]:
        if self._literals is None:
            self._literals = self.dbs.scan_literals(self.data)
        return self._literals

    def _scan(self, group: int) -> list[list[int]]:
        found = self.groups.get(group)
        if found is None:
            found = self.groups[group] = self.dbs.scan(group, self.data)
        return found

    def keyword_hits(self) -> list[tuple[int, int]]:
        """``(end, literal id)`` of the keyword literals' matches, in order."""
        short = self.dbs.short_group
        short_hits = self._scan(short) if short >= 0 else None
        return self.dbs.keyword_hits(self.data, self._literal_scan()[0], short_hits)
