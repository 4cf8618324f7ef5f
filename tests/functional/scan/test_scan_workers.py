"""`scan` of several files on a terminal: the progress line shows, and the workers are
still forked (rich's refresh thread would make the process threaded, and a threaded
process starts its workers fresh, which costs far more)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="fork only")

_SCRIPT = """
import sys
from macie_notify.detect import pool
real = pool.ScanPool.__init__
def init(self, *args, **kwargs):
    real(self, *args, **kwargs)
    sys.stderr.write(f"POOL {self.method}\\n")
pool.ScanPool.__init__ = init
from macie_notify.cli.main import main
sys.argv = ["macie-notify", "scan", *sys.argv[1:]]
main()
"""


def test_a_terminal_scan_shows_progress_and_forks_its_workers(tmp_path: Path) -> None:
    paths = []
    for name in ("a.txt", "b.txt"):
        path = tmp_path / name
        path.write_text("Employee SSN: 304-11-3823\n" * 50)
        paths.append(str(path))
    env = {**os.environ, "TTY_COMPATIBLE": "1", "MACIE_NOTIFY_CACHE_DIR": str(tmp_path / "c")}
    env.pop("NO_COLOR", None)
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, *paths, "--jobs", "2"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "POOL fork\n" in done.stderr  # not forkserver
    assert "Scanning" in done.stderr  # the progress line was drawn
    assert "a.txt" in done.stdout and "b.txt" in done.stdout
