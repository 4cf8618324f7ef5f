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


class Candidate(Protocol):
    """What a matcher exposes to Hyperscan."""

    hs_pattern: str | None
    hs_flags: int
    hs_index: int
    hs_db: int


_COMPILED: dict[tuple[tuple[str, int], ...], tuple[Any, int, threading.Lock]] = {}
_COMPILED_LOCK = threading.Lock()


def _compiled(
    hyperscan: Any, patterns: tuple[tuple[str, int], ...]
) -> tuple[Any, int, threading.Lock]:
    """A compiled database per pattern set, shared by engines and kept in the on-disk
    cache (compiling takes ~0.25 s a set); the lock serialises scans because a database's
    scratch space cannot be shared."""
    with _COMPILED_LOCK:
        found = _COMPILED.get(patterns)
    if found is not None:
        return found
    db = None
    if patterns:
        db, _ = load_or_compile(
            hyperscan, hyperscan.HS_MODE_BLOCK, patterns, lambda: _compile(hyperscan, patterns)
        )
    with _COMPILED_LOCK:
        return _COMPILED.setdefault(patterns, (db, len(patterns), threading.Lock()))


def _compile(hyperscan: Any, patterns: tuple[tuple[str, int], ...]) -> Any:
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    db.compile(
        expressions=[p.encode() for p, _ in patterns],
        ids=list(range(len(patterns))),
        elements=len(patterns),
        flags=[flags for _, flags in patterns],
    )
    return db


class Databases:
    """Hyperscan databases (block mode) of the matchers' candidate patterns."""

    def __init__(self, hyperscan: Any, groups: Sequence[Sequence[Candidate]]) -> None:
        sets: list[tuple[tuple[str, int], ...]] = []
        for group_id, group in enumerate(groups):
            patterns: dict[tuple[str, int], int] = {}
            for m in group:
                if m.hs_pattern is not None:
                    m.hs_index = patterns.setdefault((m.hs_pattern, m.hs_flags), len(patterns))
                    m.hs_db = group_id
            sets.append(tuple(patterns))
        # Hyperscan releases the GIL while compiling: a cold cache compiles the sets on
        # as many threads as there are sets (half the wait with two sets on two cores).
        with ThreadPoolExecutor(max_workers=max(1, len(sets))) as pool:
            self.compiled = list(pool.map(lambda p: _compiled(hyperscan, p), sets))

    def scan(self, group: int, data: bytes) -> list[list[int]]:
        db, count, lock = self.compiled[group]
        hits: list[list[int]] = [[] for _ in range(count)]

        def on_match(ident: int, start: int, end: int, flags: int, context: object) -> None:
            hits[ident].append(end)

        with lock:
            db.scan(data, match_event_handler=on_match)
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
        if m.hs_index < 0 or self.dbs.compiled[m.hs_db][0] is None:
            return None
        if m.hs_db not in self.groups:
            self.groups[m.hs_db] = self.dbs.scan(m.hs_db, self.data)
        return self.groups[m.hs_db][m.hs_index]
