"""Compiled Hyperscan databases kept on disk, so a run loads them instead of compiling.

Compiling the managed identifiers' patterns takes about half a second; loading a serialized
database takes microseconds. A database is stored under a key made of its patterns and flags,
the Hyperscan version and the machine architecture (a serialized database is only valid for
the library and platform that built it), so a changed identifier set or an upgrade simply
misses the cache. Writes go to a temporary file in the same folder and are renamed into
place, so concurrent runs never read a half-written file; a file that fails its checksum or
cannot be loaded is compiled again and rewritten. Caching is best effort: a read-only or
missing cache folder only costs the compile.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
from collections.abc import Callable, Sequence
from typing import Any

# os.path, not pathlib, and tempfile imported only to write: every scan starts here.

ENV_DIR = "MACIE_NOTIFY_CACHE_DIR"
"""Overrides the cache folder (``off`` disables the cache)."""
_MAGIC = b"macie-notify-hsdb-1\n"


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
    material = {
        "literal": literal,
        "hyperscan": str(getattr(hyperscan, "__version__", "?")),
        "machine": platform.machine(),
        "platform": sys.platform,
        "mode": mode,
        "patterns": [list(p) for p in patterns],
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def load_or_compile(
    hyperscan: Any,
    mode: int,
    patterns: Sequence[tuple[str, int]],
    compile_db: Callable[[], Any],
    *,
    literal: bool = False,
    folder: str | os.PathLike[str] | None = None,
) -> tuple[Any, bool]:
    """The database for ``patterns``: from the cache, else ``compile_db()`` (then stored).
    Returns ``(database, loaded_from_cache)``."""
    folder = folder if folder is not None else cache_dir()
    if folder is None:
        return compile_db(), False
    name = f"{cache_key(hyperscan, mode, patterns, literal)}.hsdb"
    path = os.path.join(folder, "hyperscan", name)
    payload = _read(path)
    if payload is not None:
        try:
            db = hyperscan.loadb(payload, mode)
            db.scratch = hyperscan.Scratch(db)  # compile() allocates one; loadb() does not
            return db, True
        except Exception:  # hyperscan.error: another build's database, or damaged
            pass
    db = compile_db()
    try:
        _write(path, hyperscan.dumpb(db))
    except (OSError, ValueError):
        pass  # read-only home, full disk: the next run compiles again
    return db, False


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as stored:
            data = stored.read()
    except OSError:
        return None
    head = len(_MAGIC) + 32
    if not data.startswith(_MAGIC) or len(data) < head:
        return None
    digest, payload = data[len(_MAGIC) : head], data[head:]
    return payload if hashlib.sha256(payload).digest() == digest else None


def _write(path: str, payload: bytes) -> None:
    import tempfile

    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".hsdb")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(_MAGIC + hashlib.sha256(payload).digest() + payload)
        os.replace(temp, path)  # atomic: readers see the old file or the whole new one
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
