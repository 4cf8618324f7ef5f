"""The console script: the CLI imported with the cyclic collector paused, then run with it on."""

from __future__ import annotations

import gc
import subprocess
import sys

import pytest

from macie_notify import launch


def test_the_console_script_is_the_launcher() -> None:
    # The installed entry point, as pip wrote it from pyproject.toml (no TOML parser on 3.10).
    from importlib.metadata import entry_points

    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "macie-notify"]
    assert script.value == "macie_notify.launch:main"


def test_the_cli_runs_with_the_collector_on(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    monkeypatch.setattr("macie_notify.cli.main.main", lambda: seen.append(gc.isenabled()))
    launch.main()
    assert seen == [True]
    assert gc.isenabled()


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
