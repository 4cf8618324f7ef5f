"""Archives and inputs that once cost gigabytes, minutes, or went unreported: one memory
budget across nesting levels, the same ratio check at every level, one summary entry for
members past a limit, a time budget per file, and every input accounted for."""

from __future__ import annotations

import gzip
import io
import os
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from macie_notify.detect import FileResult, IdentifierSelection, Limits, Scanner
from macie_notify.detect import scanner as scanner_module

SSN = b"ssn 536-22-8726\n"
SELECTION = IdentifierSelection("INCLUDE", ("USA_SOCIAL_SECURITY_NUMBER",))


def make_scanner(**kwargs: object) -> Scanner:
    return Scanner(SELECTION, use_hyperscan=False, **kwargs)  # type: ignore[arg-type]


def scan(scanner: Scanner, data: bytes, name: str) -> list[FileResult]:
    stream = io.BufferedReader(io.BytesIO(data))
    return list(scanner.scan_file(stream, name=name, seekable=True))  # as a file is


def stored_zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_nested_zips_share_one_memory_budget() -> None:
    # Each level holds the next one in memory; with one budget for all levels, the inner
    # levels run out of it (with a budget per level, every level would fit).
    data = SSN + b"x" * 300_000
    for level in range(9):
        data = stored_zip({f"level{level}.zip" if level else "inner.txt": data})
    limits = Limits(max_nested_archive_bytes=1_000_000)
    results = scan(make_scanner(limits=limits), data, "nest.zip")
    assert [(r.status, r.reason) for r in results] == [("SKIPPED", "ARCHIVE_EXCEEDS_SIZE_LIMIT")]
    assert results[0].path.count("!") == 4  # levels 1-3 fit (0.3 + 0.3 + 0.3 MB), not the 4th


def test_budget_is_given_back_after_each_member() -> None:
    inner = stored_zip({"a.txt": SSN + b"y" * 400_000})
    data = stored_zip({f"part{i}.zip": inner for i in range(5)})
    limits = Limits(max_nested_archive_bytes=600_000)  # one inner zip at a time fits
    results = scan(make_scanner(limits=limits), data, "parts.zip")
    assert [r.status for r in results] == ["COMPLETE"] * 5
    assert all(r.managed["USA_SOCIAL_SECURITY_NUMBER"].count == 1 for r in results)


def test_members_past_the_limit_are_one_summary_entry() -> None:
    data = stored_zip({f"empty{i:05}.txt": b"" for i in range(3_000)} | {"last.txt": SSN})
    results = scan(make_scanner(limits=Limits(max_members=1_000)), data, "many.zip")
    skipped = [r for r in results if r.status == "SKIPPED"]
    assert [(r.path, r.reason, r.files) for r in skipped] == [
        ("many.zip!*", "ARCHIVE_TOTAL_DOCUMENTS_PROCESSED_OVER_LIMIT", 2_001)
    ]
    # the 1,000 clean members read are counted together, not kept one by one
    scanned = make_scanner(limits=Limits(max_members=1_000)).scan_entry(
        scanner_module.Entry("many.zip", "-"), io.BufferedReader(io.BytesIO(data))
    )
    assert [(r.status, r.files) for r in scanned] == [("COMPLETE", 1_000), ("SKIPPED", 2_001)]


def test_default_member_limit_is_macies() -> None:
    assert Limits().max_members == 1_000_000
    assert Limits().max_depth == 10


def test_gzip_inside_a_zip_gets_the_ratio_check() -> None:
    bomb = gzip.compress(b"a" * 30_000_000, compresslevel=9)  # ~1000:1
    data = stored_zip({"logs.txt.gz": bomb})
    (alone,) = scan(make_scanner(), bomb, "logs.txt.gz")
    (inside,) = scan(make_scanner(), data, "logs.zip")
    assert alone.reason == inside.reason == "ARCHIVE_TOTAL_BYTES_EXTRACTED_OVER_LIMIT"
    assert inside.path == "logs.zip!logs.txt.gz"


class Clock:
    """Advances ``step`` seconds each time it is read."""

    def __init__(self, step: float) -> None:
        self.now = 0.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_time_budget_reports_a_file_as_not_fully_scanned() -> None:
    data = SSN + b"z" * 5_000_000 + SSN
    scanner = make_scanner(limits=Limits(max_seconds=25), clock=Clock(10))
    (result,) = scan(scanner, data, "slow.txt")
    assert (result.status, result.reason) == ("PARTIAL", "SCAN_TIME_LIMIT_EXCEEDED")
    assert result.managed["USA_SOCIAL_SECURITY_NUMBER"].count == 1  # what was read counts
    assert result.bytes < len(data)


def test_time_budget_stops_an_archive_with_one_entry() -> None:
    data = stored_zip({f"m{i}.txt": SSN for i in range(50)})
    scanner = make_scanner(limits=Limits(max_seconds=25), clock=Clock(1))
    results = scan(scanner, data, "slow.zip")
    last = results[-1]
    assert (last.path, last.status, last.reason) == (
        "slow.zip!*",
        "SKIPPED",
        "SCAN_TIME_LIMIT_EXCEEDED",
    )
    assert len(results) - 1 + last.files == 50


def test_empty_archives_are_accounted_for() -> None:
    empty_zip = stored_zip({})
    (result,) = scan(make_scanner(), empty_zip, "empty.zip")
    assert (result.path, result.status, result.files) == ("empty.zip", "COMPLETE", 1)


def by_path(results: Iterator[FileResult]) -> dict[str, tuple[str, str | None]]:
    return {r.path: (r.status, r.reason) for r in results}


def test_devices_links_and_unreadable_folders_are_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "ok.txt").write_bytes(SSN)
    os.symlink("/dev/zero", tmp_path / "zero")
    os.symlink("/dev/urandom", tmp_path / "random")
    (tmp_path / "real").mkdir()
    os.symlink(tmp_path / "real", tmp_path / "loop")
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "secret.txt").write_bytes(SSN)
    real_scandir = os.scandir

    def scandir(path: str) -> object:  # root reads anything: deny the folder explicitly
        if os.path.basename(path) == "locked":
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(scanner_module.os, "scandir", scandir)
    assert by_path(make_scanner().scan_paths([str(tmp_path)])) == {
        "locked/": ("SKIPPED", "PERMISSION_DENIED"),
        "loop/": ("SKIPPED", "SYMBOLIC_LINK_TO_FOLDER_NOT_FOLLOWED"),
        "ok.txt": ("COMPLETE", None),
        "random": ("SKIPPED", "UNSUPPORTED_FILE_TYPE_EXCEPTION"),
        "zero": ("SKIPPED", "UNSUPPORTED_FILE_TYPE_EXCEPTION"),
    }


def test_unreadable_file_is_listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.txt").write_bytes(SSN)
    real_open = scanner_module._open

    def deny(path: str, wait: float) -> object:
        if path.endswith("a.txt"):
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, wait)

    monkeypatch.setattr(scanner_module, "_open", deny)
    assert by_path(make_scanner().scan_paths([str(tmp_path)])) == {
        "a.txt": ("SKIPPED", "PERMISSION_DENIED")
    }


def test_a_fifo_nobody_writes_to_does_not_block(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    scanner = make_scanner(pipe_wait=0.05)
    assert by_path(scanner.scan_paths([str(fifo)])) == {"pipe": ("SKIPPED", "NO_DATA_FROM_PIPE")}


def test_a_fifo_with_a_writer_is_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)

    def write() -> None:
        with open(fifo, "wb") as out:
            out.write(SSN * 3)

    writer = threading.Thread(target=write)
    writer.start()
    (result,) = make_scanner(pipe_wait=30).scan_paths([str(fifo)])
    writer.join()
    assert result.managed["USA_SOCIAL_SECURITY_NUMBER"].count == 3
