"""The Hyperscan side of the engine: compiled databases and candidate offsets per buffer.

Hyperscan (https://intel.github.io/hyperscan/dev-reference/) reports the end offset of every
match of every pattern in one pass. The engine only uses those offsets to pick the windows
where Python's ``re`` then looks (see :mod:`.engine`), so Hyperscan never decides a result.
The ``hyperscan`` module itself is passed in by the engine, which imports it lazily;
compiled databases are cached on disk by :mod:`.hscache`.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from macie_notify.detect.hscache import load_or_compile

_ALNUM = frozenset(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


class Candidate(Protocol):
    """What a matcher exposes to Hyperscan."""

    hs_pattern: str | None
    hs_flags: int
    hs_index: int
    hs_db: int


PatternSet = tuple[tuple[tuple[str, int], ...], bool]
"""A database's ``(pattern, flags)`` pairs, and whether they are literals (compiled by
Hyperscan's literal compiler, which takes a fraction of the time of the regex one)."""

_COMPILED: dict[PatternSet, tuple[Any, int, threading.Lock]] = {}
_COMPILED_LOCK = threading.Lock()


def _compiled(hyperscan: Any, patterns: PatternSet) -> tuple[Any, int, threading.Lock]:
    """A compiled database per pattern set, shared by engines and kept in the on-disk
    cache; the lock serialises scans because a database's scratch space cannot be shared."""
    with _COMPILED_LOCK:
        found = _COMPILED.get(patterns)
    if found is not None:
        return found
    db = None
    if patterns[0]:
        db, _ = load_or_compile(
            hyperscan,
            hyperscan.HS_MODE_BLOCK,
            patterns[0],
            lambda: _compile(hyperscan, patterns),
            literal=patterns[1],
        )
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
    """Hyperscan databases (block mode): one per group of matchers' candidate patterns, and
    one of keyword literals, whose hits all mean the same thing (a keyword may end here)."""

    KEYWORDS = -1
    """The group id of the keyword literals."""

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
        for group_id, group in enumerate(groups):
            patterns: dict[tuple[str, int], int] = {}
            for m in group:
                if m.hs_pattern is not None:
                    m.hs_index = patterns.setdefault((m.hs_pattern, m.hs_flags), len(patterns))
                    m.hs_db = group_id
            self._sets.append((tuple(patterns), False))
        caseless = int(hyperscan.HS_FLAG_CASELESS)
        self._sets.append((tuple((word, caseless) for word in keyword_literals), True))
        self._short = [len(w) for w in keyword_literals[:short_literals]]
        self._compiled: list[tuple[Any, int, threading.Lock] | None] = [None] * len(self._sets)
        now = [i for i in range(len(self._sets)) if i not in on_demand]
        # Hyperscan releases the GIL while compiling: a cold cache compiles the sets on
        # as many threads as there are sets.
        with ThreadPoolExecutor(max_workers=max(1, len(now))) as pool:
            loaded = pool.map(lambda i: _compiled(hyperscan, self._sets[i]), now)
            for i, done in zip(now, loaded, strict=True):
                self._compiled[i] = done

    def has(self, group: int) -> bool:
        """Whether ``group`` has any pattern Hyperscan can run."""
        return bool(self._sets[group][0])

    def _database(self, group: int) -> tuple[Any, int, threading.Lock]:
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

    def keyword_hits(self, data: bytes) -> list[tuple[int, int]]:
        """``(end, literal id)`` of the keyword literals' matches, in order."""
        db, _, lock = self._database(self.KEYWORDS)
        hits: list[tuple[int, int]] = []
        if db is None:
            return hits
        add, short, size = hits.append, self._short, len(data)

        def on_match(ident: int, start: int, end: int, flags: int, context: object) -> None:
            if ident >= len(short):
                add((end, ident))
                return
            first = end - short[ident] - 1
            if (end == size or data[end] not in _ALNUM) and (
                first < 0 or data[first] not in _ALNUM
            ):
                add((end, ident))

        with lock:
            db.scan(data, match_event_handler=on_match)
        hits.sort()
        return hits


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

    def get(self, m: Candidate) -> list[int] | None:
        if m.hs_index < 0 or not self.dbs.has(m.hs_db):
            return None
        if m.hs_db not in self.groups:
            self.groups[m.hs_db] = self.dbs.scan(m.hs_db, self.data)
        return self.groups[m.hs_db][m.hs_index]

    def keyword_hits(self) -> list[tuple[int, int]]:
        """``(end, literal id)`` of the keyword literals' matches, in order."""
        return self.dbs.keyword_hits(self.data)
