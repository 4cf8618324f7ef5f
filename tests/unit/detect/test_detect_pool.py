"""Worker processes give the results of one process: per file, and for large files cut
into chunks (a value across a chunk boundary counted once, lines absolute)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from macie_notify.detect import CustomIdentifierSpec, FileResult, IdentifierSelection, Scanner
from macie_notify.detect import chunks as chunks_module
from macie_notify.detect import scanner as scanner_module
from macie_notify.detect.managed import LOCAL_IDENTIFIERS
from macie_notify.detect.pool import ScanPool

VALUES = [
    "SSN: 536-22-8726",
    "credit card 4539 1488 0000 0001",
    "aws_secret_access_key=Zx8q1Rk2Lm3Np4Oq5Pr6Qs7Rt8Su9Tv0UwXyZa1B",
    "phone (415) 867-5309",
    "IBAN DE89 3704 0044 0532 0130 00",
    "employee EMP-654321",
    "café ünïcode 536-22-8726 ssn",
]
CUSTOM = (
    CustomIdentifierSpec.from_api(
        {"name": "employee-id", "regex": "EMP-[0-9]{6}", "keywords": ["employee"]}
    ),
)


def text(size: int, seed: int) -> str:
    rnd = random.Random(seed)
    words = "the of data record value customer order shipped invoice notes".split()
    parts, total = [], 0
    while total < size:
        piece = rnd.choice(VALUES) if rnd.random() < 0.2 else " ".join(rnd.sample(words, 4))
        piece += rnd.choice([" ", "\n", ", ", "\t", "\n\n"])
        parts.append(piece)
        total += len(piece)
    return "".join(parts)


def shape(results: list[FileResult]) -> list[Any]:
    return [
        (
            r.path,
            r.bytes,
            r.status,
            r.reason,
            r.files,
            {k: (d.count, d.occurrences) for k, d in r.managed.items()},
            {k: (d.count, d.occurrences, d.severity) for k, d in r.custom.items()},
        )
        for r in results
    ]


@pytest.fixture(scope="module", params=["pure", "hyperscan"])
def scanner(request: pytest.FixtureRequest) -> Scanner:
    if request.param == "hyperscan":
        pytest.importorskip("hyperscan")
    selection = IdentifierSelection("INCLUDE", tuple(sorted(LOCAL_IDENTIFIERS)))
    return Scanner(selection, CUSTOM, use_hyperscan=request.param == "hyperscan")


def test_files_and_chunks_match_one_process(
    scanner: Scanner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small chunks so that a ~700 KB file has many boundaries, some inside values.
    monkeypatch.setattr(scanner_module, "CHUNK_BYTES", 40_000)
    (tmp_path / "big.log").write_text(text(700_000, 1), encoding="utf-8")
    (tmp_path / "small.txt").write_text(text(5_000, 2), encoding="utf-8")
    (tmp_path / "table.csv").write_text("name,ssn\n" + "a,536-22-8726\n" * 9000)
    plan = chunks_module.plan("big.log", str(tmp_path / "big.log"), 40_000)
    assert plan is not None and len(plan) > 10
    assert chunks_module.plan("table.csv", str(tmp_path / "table.csv"), 40_000) is None  # CSV
    one = shape(list(scanner.scan_paths([str(tmp_path)], jobs=1)))
    two = shape(list(scanner.scan_paths([str(tmp_path)], jobs=2)))
    assert [r[0] for r in one] == ["big.log", "small.txt", "table.csv"]
    assert two == one
    big = one[0]
    assert big[5]["USA_SOCIAL_SECURITY_NUMBER"][0] > 100  # the text really has detections


def test_pool_scans_objects_for_jobs(scanner: Scanner) -> None:
    """The API the local classification jobs use: objects in memory, results in order."""
    data = [(f"k{i}", text(3_000, i).encode()) for i in range(6)]
    with ScanPool(scanner, jobs=2) as pool:
        pooled = list(pool.scan_objects(data, ahead=3))
    assert shape(pooled) == shape([scanner.scan_bytes(body, name=key) for key, body in data])


def test_workers_started_fresh_rebuild_the_scanner(
    scanner: Scanner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A threaded caller (the local server) gets workers that do not fork it: the scanner
    travels as its definitions and is rebuilt there, with the same results."""
    from macie_notify.detect import pool as pool_module

    monkeypatch.setattr(pool_module.threading, "active_count", lambda: 2)
    body = text(4_000, 9).encode()
    with ScanPool(scanner, jobs=1) as pool:
        assert pool.method != "fork"
        (pooled,) = pool.scan_objects([("obj", body)])
    assert shape([pooled]) == shape([scanner.scan_bytes(body, name="obj")])


def test_paths_and_stdin_keep_their_order_and_share_the_workers(
    scanner: Scanner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files named one after another go to the workers together (not one path at a time);
    stdin is read in its place between them."""
    import io

    from macie_notify.detect import pool as pool_module

    for name in "abcd":
        (tmp_path / f"{name}.log").write_text(text(3_000, ord(name)), encoding="utf-8")
    args = [str(tmp_path / "a.log"), str(tmp_path / "b.log"), "-", str(tmp_path / "c.log")]
    args.append(str(tmp_path / "d.log"))
    stdin = text(2_000, 5).encode()
    maps: list[int] = []
    real_map = pool_module.ScanPool.map

    def counting_map(self: ScanPool, fn: Any, items: Any, *, ahead: int | None = None) -> Any:
        maps.append(0)
        for done in real_map(self, fn, items, ahead=ahead):
            maps[-1] += 1
            yield done

    monkeypatch.setattr(pool_module.ScanPool, "map", counting_map)
    one = shape(list(scanner.scan_paths(args, stdin=io.BufferedReader(io.BytesIO(stdin)), jobs=1)))
    two = shape(list(scanner.scan_paths(args, stdin=io.BufferedReader(io.BytesIO(stdin)), jobs=2)))
    assert [r[0] for r in one] == ["a.log", "b.log", "-", "c.log", "d.log"]
    assert two == one
    assert maps == [2, 2]  # a+b, then c+d: two batches around stdin, not four


def test_one_file_is_scanned_without_workers(
    scanner: Scanner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Starting workers costs more than scanning a small file: a single input is scanned in
    the calling process, unless it is cut into chunks (then the workers share it)."""
    from macie_notify.detect import pool as pool_module

    started: list[int] = []
    real_init = pool_module.ScanPool.__init__

    def counting_init(self: ScanPool, *args: Any, **kwargs: Any) -> None:
        started.append(1)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(pool_module.ScanPool, "__init__", counting_init)
    monkeypatch.setattr(scanner_module, "CHUNK_BYTES", 40_000)
    (tmp_path / "one").mkdir()
    small = tmp_path / "one" / "small.txt"
    small.write_text(text(5_000, 3), encoding="utf-8")
    big = tmp_path / "big.log"
    big.write_text(text(200_000, 4), encoding="utf-8")
    for path in (small, tmp_path / "one"):  # the file, or a folder holding only it
        alone = shape(list(scanner.scan_paths([str(path)], jobs=2)))
        assert alone == shape(list(scanner.scan_paths([str(path)], jobs=1)))
        assert alone[0][0] == "small.txt" and alone[0][5]  # scanned, with detections
    assert started == []
    chunked = shape(list(scanner.scan_paths([str(big)], jobs=2)))
    assert started == [1]
    assert chunked == shape(list(scanner.scan_paths([str(big)], jobs=1)))
