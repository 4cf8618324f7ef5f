"""Compiled Hyperscan databases kept on disk, so a run loads them instead of compiling.

Compiling the managed identifiers' patterns takes about half a second; loading a serialized
database takes microseconds. A database's key is everything it depends on: its patterns and
flags, the Hyperscan version and the machine architecture (a serialized database is only
valid for the library and platform that built it), so a changed identifier set or an
upgrade simply misses the cache. The file is named after a CRC of the key and holds the key
itself, so two keys sharing a name are a miss, never the wrong database (and no ``hashlib``:
importing it costs a few milliseconds of every scan's start-up). Writes go to a temporary
file in the same folder and are renamed into place, so concurrent runs never read a
half-written file; a file that fails its checksum or cannot be loaded is compiled again and
rewritten. Caching is best effort: a read-only or missing cache folder only costs the
compile.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import threading
import zlib
from collections.abc import Sequence
from typing import Any, NamedTuple

# os.path, not pathlib, and no tempfile: every scan starts here.

ENV_DIR = "MACIE_NOTIFY_CACHE_DIR"
"""Overrides the cache folder (``off`` disables the cache)."""
_MAGIC = b"macie-notify-hsdb-2\n"


def cache_dir() -> str | None:
    """The user's cache folder for this tool, as each platform names it."""
    override = os.environ.get(ENV_DIR)
    if override:
        return None if override == "off" else override
    home = os.path.expanduser("~")
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.join(home, "AppData", "Local")
        return os.path.join(base, "macie-notify", "Cache")
    if sys.platform == "darwin":
        return os.path.join(home, "Library", "Caches", "macie-notify")
    xdg = os.environ.get("XDG_CACHE_HOME")
    # XDG: a relative XDG_CACHE_HOME is invalid and must be ignored.
    base_dir = xdg if xdg and os.path.isabs(xdg) else os.path.join(home, ".cache")
    return os.path.join(base_dir, "macie-notify")


def cache_key(
    hyperscan: Any, mode: int, patterns: Sequence[tuple[str, int]], literal: bool = False
) -> str:
    """Everything a serialized database depends on, as one string."""
    material = {
        "literal": literal,
        "hyperscan": str(getattr(hyperscan, "__version__", "?")),
        "machine": platform.machine(),
        "platform": sys.platform,
        "mode": mode,
        "patterns": [list(p) for p in patterns],
    }
    return json.dumps(material, sort_keys=True)


class Slot(NamedTuple):
    """Where one database is kept: its file and the key the file must hold."""

    path: str
    key: bytes


def locate(
    hyperscan: Any,
    mode: int,
    patterns: Sequence[tuple[str, int]],
    *,
    literal: bool = False,
    folder: str | os.PathLike[str] | None = None,
) -> Slot | None:
    """The cache slot of these patterns; None when caching is off."""
    folder = folder if folder is not None else cache_dir()
    if folder is None:
        return None
    key = cache_key(hyperscan, mode, patterns, literal).encode()
    return Slot(os.path.join(folder, "hyperscan", f"{zlib.crc32(key):08x}.hsdb"), key)


def load(hyperscan: Any, mode: int, slot: Slot | None) -> Any | None:
    """The database stored in ``slot``; None when missing, damaged or another build's."""
    payload = _read(slot.path, slot.key) if slot is not None else None
    if payload is None:
        return None
    try:
        db = hyperscan.loadb(payload, mode)
        db.scratch = hyperscan.Scratch(db)  # compile() allocates one; loadb() does not
    except Exception:  # hyperscan.error: another build's database, or damaged
        return None
    return db


def store(hyperscan: Any, slot: Slot | None, db: Any) -> None:
    """Keep ``db`` in ``slot``, best effort."""
    if slot is None:
        return
    try:
        _write(slot.path, slot.key, hyperscan.dumpb(db))
    except (OSError, ValueError):
        pass  # read-only home, full disk: the next run compiles again


def _read(path: str, key: bytes) -> bytes | None:
    """The database stored at ``path`` for ``key``; None when missing, damaged, or another
    key's (the file is ``_MAGIC``, a CRC-32 of the rest, the key, a newline, the database)."""
    try:
        with open(path, "rb") as stored:
            data = stored.read()
    except OSError:
        return None
    head = len(_MAGIC) + 4
    if not data.startswith(_MAGIC) or len(data) < head:
        return None
    checksum, body = data[len(_MAGIC) : head], data[head:]
    if _crc(body) != checksum or not body.startswith(key + b"\n"):
        return None
    return body[len(key) + 1 :]


def _crc(data: bytes) -> bytes:
    return zlib.crc32(data).to_bytes(4, "big")


def _write(path: str, key: bytes, payload: bytes) -> None:
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    # A name no other writer uses (process and thread), without tempfile (~5 ms to import).
    temp = os.path.join(folder, f".tmp-{os.getpid()}-{threading.get_ident()}.hsdb")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            body = key + b"\n" + payload  # a JSON key holds no raw newline
            out.write(_MAGIC + _crc(body) + body)
        os.replace(temp, path)  # atomic: readers see the old file or the whole new one
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
