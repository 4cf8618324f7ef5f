"""The allocator tuning of scanning processes (glibc only)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

GLIBC = sys.platform.startswith("linux") and os.confstr("CS_GNU_LIBC_VERSION") is not None


@pytest.mark.skipif(not GLIBC, reason="glibc only")
def test_large_freed_buffers_are_reused_not_faulted_in_again() -> None:
    # In a child process: the tuning is process-wide and the test runner should keep its own.
    code = """
import resource
from macie_notify.detect.heap import keep_large_buffers
assert keep_large_buffers() and keep_large_buffers()
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(3):  # the first rounds grow the heap
    b"x" * (8 << 20) + b"y"
before = faults()
for _ in range(20):
    b"x" * (8 << 20) + b"y"
print(faults() - before)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # 20 rounds of two 8 MiB buffers would fault in ~80,000 pages without the tuning.
    assert int(out.stdout) < 2000


def test_not_glibc_is_a_no_op(monkeypatch: pytest.MonkeyPatch) -> None:
    from macie_notify.detect import heap

    monkeypatch.setattr(heap, "_done", False)
    monkeypatch.setattr(sys, "platform", "darwin")
    assert heap.keep_large_buffers() is False


def test_allocator_tuned_only_when_megabytes_may_be_scanned(tmp_path: Path) -> None:
    from macie_notify.detect.report import LARGE, _may_be_large

    small, large = tmp_path / "small.txt", tmp_path / "large.txt"
    small.write_text("ssn 536-22-8726\n")
    large.write_bytes(b"x" * LARGE)
    assert not _may_be_large([str(small), str(tmp_path / "missing.txt")])
    assert _may_be_large([str(small), str(large)])
    assert _may_be_large([str(tmp_path)])  # a folder may hold anything
    assert _may_be_large(["-"])
