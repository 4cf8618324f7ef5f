"""Large inputs stream in bounded memory: the bench's RSS mode on a smaller stream.

`python bench/scan.py --mode rss` does the same with 1 GiB (peak RSS < 200 MiB); here
48 MiB keeps the test quick while exercising the same buffering (12 buffers). The peak is
the fresh subprocess's own, as the kernel reports it when the process is reaped (not this
test process's, which may already hold much more)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[3]


def test_generated_stream_scans_in_flat_memory() -> None:
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "scan.py"), "--mode", "rss", "--size-mb", "48"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    assert proc.returncode == 0, output
    before = re.search(r"before scanning (\d+) MiB", output)
    assert before is not None, output
    peak_mib = usage.ru_maxrss / 1024  # KiB on Linux
    # Scanning adds buffers of a few MB, whatever the input size.
    assert peak_mib - int(before.group(1)) < 64, (peak_mib, output)
    assert peak_mib < 200
