"""The on-disk cache of compiled Hyperscan databases: hit, miss, damage, other builds."""

from __future__ import annotations

import os
import threading
import zlib
from pathlib import Path
from typing import Any

import pytest

from macie_notify.detect import IdentifierSelection, Scanner, hscache
from macie_notify.detect import fastpath as fastpath_module

PATTERNS = (("abc", 0), ("d[0-9]+", 1))


class FakeHyperscan:
    """What hscache uses of the hyperscan module: a database is its bytes."""

    __version__ = "9.9.9"

    class Scratch:
        def __init__(self, db: Any) -> None:
            self.db = db

    class Db:
        def __init__(self, blob: bytes) -> None:
            self.blob = blob
            self.scratch: Any = None

    def __init__(self) -> None:
        self.loaded = 0

    def dumpb(self, db: Db) -> bytes:
        return db.blob

    def loadb(self, blob: bytes, mode: int) -> Db:
        if not blob.startswith(b"db:"):
            raise ValueError("not a database of this build")
        self.loaded += 1
        return self.Db(blob)


def load_or_compile(hs: FakeHyperscan, calls: list[int], folder: Path) -> tuple[Any, bool]:
    """What the engine does with the cache (``fastpath``): load, else compile and store.
    Returns the database and whether it was loaded."""
    slot = hscache.locate(hs, 1, PATTERNS, folder=folder)
    db = hscache.load(hs, 1, slot)
    if db is not None:
        return db, True
    calls.append(1)
    db = FakeHyperscan.Db(b"db:compiled")
    hscache.store(hs, slot, db)
    return db, False


def test_compiled_once_then_loaded(tmp_path: Path) -> None:
    hs, calls = FakeHyperscan(), []
    first, hit = load_or_compile(hs, calls, tmp_path)
    assert (hit, len(calls), first.blob) == (False, 1, b"db:compiled")
    again, hit = load_or_compile(hs, calls, tmp_path)
    assert (hit, len(calls), again.blob) == (True, 1, b"db:compiled")
    assert isinstance(again.scratch, FakeHyperscan.Scratch)  # loaded databases need one
    (stored,) = (tmp_path / "hyperscan").iterdir()
    assert not [p for p in stored.parent.iterdir() if p.name.startswith(".tmp-")]


def test_damaged_or_foreign_files_are_compiled_again(tmp_path: Path) -> None:
    hs, calls = FakeHyperscan(), []
    load_or_compile(hs, calls, tmp_path)
    (stored,) = (tmp_path / "hyperscan").iterdir()
    data = bytearray(stored.read_bytes())
    data[-1] ^= 0xFF  # a flipped bit: the checksum no longer matches
    stored.write_bytes(bytes(data))
    _, hit = load_or_compile(hs, calls, tmp_path)
    assert (hit, len(calls)) == (False, 2)
    assert stored.read_bytes() != bytes(data)  # rewritten
    # a database another build wrote under the same key (checksum fine, loadb refuses)
    stored.write_bytes(stored_file(hscache.cache_key(hs, 1, PATTERNS), b"other-build"))
    _, hit = load_or_compile(hs, calls, tmp_path)
    assert (hit, len(calls)) == (False, 3)
    stored.write_bytes(b"")  # truncated to nothing
    _, hit = load_or_compile(hs, calls, tmp_path)
    assert (hit, len(calls)) == (False, 4)


def stored_file(key: str, payload: bytes) -> bytes:
    body = key.encode() + b"\n" + payload
    return hscache._MAGIC + zlib.crc32(body).to_bytes(4, "big") + body


def test_another_keys_database_under_the_same_name_is_a_miss(tmp_path: Path) -> None:
    """File names are a CRC of the key: a clash must cost a compile, not load the other
    patterns' database (which would give wrong candidates)."""
    hs, calls = FakeHyperscan(), []
    load_or_compile(hs, calls, tmp_path)
    (stored,) = (tmp_path / "hyperscan").iterdir()
    other = hscache.cache_key(hs, 1, PATTERNS[:1])
    stored.write_bytes(stored_file(other, b"db:other-patterns"))
    db, hit = load_or_compile(hs, calls, tmp_path)
    assert (hit, len(calls), db.blob) == (False, 2, b"db:compiled")
    db, hit = load_or_compile(hs, calls, tmp_path)
    assert (hit, len(calls), db.blob) == (True, 2, b"db:compiled")  # rewritten, then loaded


def test_key_changes_with_patterns_version_and_mode() -> None:
    hs = FakeHyperscan()
    key = hscache.cache_key(hs, 1, PATTERNS)
    assert key == hscache.cache_key(FakeHyperscan(), 1, PATTERNS)
    assert key != hscache.cache_key(hs, 2, PATTERNS)
    assert key != hscache.cache_key(hs, 1, PATTERNS[:1])
    newer = FakeHyperscan()
    newer.__version__ = "10.0"  # type: ignore[misc]
    assert key != hscache.cache_key(newer, 1, PATTERNS)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_cache_only_costs_the_compile(tmp_path: Path) -> None:
    tmp_path.chmod(0o500)
    try:
        hs, calls = FakeHyperscan(), []
        db, hit = load_or_compile(hs, calls, tmp_path)
        assert (db.blob, hit, len(calls)) == (b"db:compiled", False, 1)
    finally:
        tmp_path.chmod(0o700)


def test_unwritable_cache_only_costs_the_compile(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")  # the cache folder cannot be created below a file
    hs, calls = FakeHyperscan(), []
    db, hit = load_or_compile(hs, calls, blocker)
    assert (db.blob, hit, len(calls)) == (b"db:compiled", False, 1)


def test_cache_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(hscache.ENV_DIR, raising=False)
    monkeypatch.setattr(hscache.sys, "platform", "linux")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert hscache.cache_dir() == str(tmp_path / "xdg" / "macie-notify")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    assert hscache.cache_dir() == str(tmp_path / ".cache" / "macie-notify")
    monkeypatch.setenv(hscache.ENV_DIR, str(tmp_path / "mine"))
    assert hscache.cache_dir() == str(tmp_path / "mine")
    monkeypatch.setenv(hscache.ENV_DIR, "off")
    assert hscache.cache_dir() is None


@pytest.fixture
def real_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Hyperscan's databases cached under ``tmp_path``, none in this process yet (reset
    ``fastpath._COMPILED`` again to be a new process)."""
    pytest.importorskip("hyperscan")
    monkeypatch.setenv(hscache.ENV_DIR, str(tmp_path))
    monkeypatch.setattr(fastpath_module, "_COMPILED", {})
    return tmp_path / "hyperscan"


def test_a_real_database_is_loaded_by_the_next_run(
    real_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    selection = IdentifierSelection("INCLUDE", ("USA_SOCIAL_SECURITY_NUMBER", "AWS_CREDENTIALS"))
    text = b"ssn 536-22-8726\naws_secret_access_key=Zx8q1Rk2Lm3Np4Oq5Pr6Qs7Rt8Su9Tv0UwXyZa1B\n"
    first = Scanner(selection, use_hyperscan=True).scan_bytes(text, name="a.txt")
    assert list(real_cache.iterdir())
    monkeypatch.setattr(fastpath_module, "_COMPILED", {})  # as a new process would be

    def no_compile(*args: object) -> None:
        raise AssertionError("compiled again instead of loading the cached database")

    monkeypatch.setattr(fastpath_module, "_compile", no_compile)
    second = Scanner(selection, use_hyperscan=True).scan_bytes(text, name="a.txt")
    assert (
        {k: d.count for k, d in second.managed.items()}
        == {k: d.count for k, d in first.managed.items()}
        == {"USA_SOCIAL_SECURITY_NUMBER": 1, "AWS_CREDENTIALS": 1}
    )


def test_only_the_sets_missing_from_the_cache_compile_and_a_warm_one_starts_no_thread(
    real_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    selection = IdentifierSelection("INCLUDE", ("USA_SOCIAL_SECURITY_NUMBER", "CREDIT_CARD_NUMBER"))
    Scanner(selection, use_hyperscan=True)
    stored = sorted(real_cache.iterdir())
    assert len(stored) >= 2
    stored[0].unlink()  # one set's database is gone
    monkeypatch.setattr(fastpath_module, "_COMPILED", {})  # as a new process would be
    compiled: list[bool] = []
    real_compile = fastpath_module._compile

    def counting(hyperscan: object, patterns: tuple[object, bool]) -> object:
        compiled.append(patterns[1])
        return real_compile(hyperscan, patterns)  # type: ignore[arg-type]

    monkeypatch.setattr(fastpath_module, "_compile", counting)
    Scanner(selection, use_hyperscan=True)
    assert len(compiled) == 1
    assert sorted(real_cache.iterdir()) == stored  # stored again

    monkeypatch.setattr(fastpath_module, "_COMPILED", {})
    started: list[threading.Thread] = []
    real_start = threading.Thread.start
    monkeypatch.setattr(threading.Thread, "start", lambda t: (started.append(t), real_start(t)))
    Scanner(selection, use_hyperscan=True)
    assert len(compiled) == 1  # nothing compiled this time
    assert started == []
