"""The console script: the CLI imported with the cyclic collector paused, then run with it on."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from macie_notify import launch


def test_the_console_script_is_the_launcher() -> None:
    # The installed entry point, as pip wrote it from pyproject.toml (no TOML parser on 3.10).
    from importlib.metadata import entry_points

    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "macie-notify"]
    assert script.value == "macie_notify.launch:main"


@pytest.fixture(autouse=True)
def _unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()  # launch.main freezes what exists (it owns a real process)


def test_the_cli_runs_with_the_collector_on(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    monkeypatch.setattr("macie_notify.cli.main.main", lambda: seen.append(gc.isenabled()))
    launch.main()
    assert seen == [True]
    assert gc.isenabled()


def test_what_the_imports_made_is_frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    counts: list[tuple[int, int]] = []
    monkeypatch.setattr("macie_notify.cli.main.main", lambda: counts.append(gc.get_count()))
    gc.unfreeze()
    launch.main()
    assert gc.get_freeze_count() > 0
    assert counts[0][0] < 100  # no collection of the imports' objects is pending


def test_a_collector_the_caller_turned_off_stays_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("macie_notify.cli.main.main", lambda: None)
    gc.disable()
    try:
        launch.main()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_imports_run_with_the_collector_paused() -> None:
    probe = (
        "import gc, sys\n"
        "states = []\n"
        "class Probe:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'click':\n"
        "            states.append(gc.isenabled())\n"
        "        return None\n"
        "sys.meta_path.insert(0, Probe())\n"
        "sys.argv = ['macie-notify', '--version']\n"
        "from macie_notify import launch\n"
        "try:\n"
        "    launch.main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(states, gc.isenabled())\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[False] True"


def test_a_process_that_freezes_gets_the_paused_blocks_objects_frozen() -> None:
    gc.unfreeze()
    with launch.collector_paused():
        kept = [[] for _ in range(100)]
    assert gc.get_freeze_count() == 0  # a test run, a library caller: nothing frozen
    gc.freeze()
    before = gc.get_freeze_count()
    with launch.collector_paused():
        kept += [[] for _ in range(100)]
    assert gc.get_freeze_count() >= before + 100


def test_the_console_scripts_scan_engine_is_frozen(tmp_path: Path) -> None:
    sample = tmp_path / "a.txt"
    sample.write_text("ssn 536-22-8726\n")
    probe = (
        "import gc, sys\n"
        "import macie_notify.detect.report as report\n"
        "seen = []\n"
        "real = report.run_scan\n"
        "def spy(scanner, *args, **kwargs):\n"
        "    seen.append(any(o is scanner.engine for o in gc.get_objects()))\n"
        "    return real(scanner, *args, **kwargs)\n"
        "report.run_scan = spy\n"
        f"sys.argv = ['macie-notify', 'scan', {str(sample)!r}, '-o', 'json']\n"
        "from macie_notify import launch\n"
        "try:\n"
        "    launch.main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('tracked', seen)\n"
    )
    env = {**os.environ, "MACIE_NOTIFY_CACHE_DIR": str(tmp_path / "cache")}
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env
    )
    # Not among the collector's generations: frozen, never walked again.
    assert out.stdout.strip().splitlines()[-1] == "tracked [False]"
