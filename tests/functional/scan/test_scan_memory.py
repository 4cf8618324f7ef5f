"""Large inputs stream in bounded memory: the bench's RSS mode on a smaller stream.

`python bench/scan.py --mode rss` does the same with 1 GiB (peak RSS < 200 MiB); here
48 MiB keeps the test quick while exercising the same buffering (12 buffers). The peak is
the fresh subprocess's own (its VmHWM), not this test process's: ``ru_maxrss`` of a child
also counts the test runner's memory that the fork copied before the exec."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[3]


def test_generated_stream_scans_in_flat_memory() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "scan.py"), "--mode", "rss", "--size-mb", "48"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    peak = re.search(r"peak RSS\s+(\d+) MiB \(before scanning (\d+) MiB\)", proc.stdout)
    assert peak is not None, proc.stdout
    # Scanning adds buffers of a few MB, whatever the input size.
    assert int(peak.group(1)) - int(peak.group(2)) < 64, proc.stdout
    assert int(peak.group(1)) < 200, proc.stdout
