"""Every `macie-notify ...` example in README.md, run as written against the local endpoint.

The examples are read from README.md's fenced and indented code blocks (a leading ``$ ``
prompt dropped, ``[...]`` optional parts of a synopsis spelled out), then run by bash in
a folder holding a config and the files they name, with AWS_ENDPOINT_URL pointing at a
LocalServer. Deliberately not run here (SKIPPED, keep it tiny):

- the install one-liner (``python3 -m venv ... && pip install ... && macie-notify demo``):
  it needs a fresh virtual environment; its ``macie-notify demo`` is run on its own;
- ``local serve``: a server that runs until Ctrl-C on a fixed port (tests/e2e/local
  covers it).
"""

from __future__ import annotations

import os
import pty
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from macie_notify.config.example import example_text
from macie_notify.local import LocalServer
from macie_notify.samples import bundled_sample_data

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[3]
README = ROOT / "README.md"
BIN = Path(sys.executable).parent
SKIPPED = ("pip install", "macie-notify local serve")
TOKEN = "xoxb-readme-0000000000"


def examples() -> list[str]:
    """The README's command lines that run macie-notify, in the README's order."""
    out: list[str] = []
    fenced = False
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
            continue
        if not (fenced or line.startswith("    ")):
            continue
        text = line.strip().removeprefix("$ ")
        if text.startswith("macie-notify ") or " && macie-notify " in text:
            out.append(text)
    return out


def runnable(example: str) -> str | None:
    """The line bash runs: the comment off, ``[--opt VALUE]`` spelled out; None if SKIPPED."""
    if any(marker in example for marker in SKIPPED):
        return None
    return re.sub(r"\[([^\]]*)\]", r"\1", without_comment(example))


def without_comment(example: str) -> str:
    # A comment starts at " # " or after a run of spaces ('#aws-macie-events' is a value).
    return re.split(r"\s+#\s|\s{2,}#", example, maxsplit=1)[0].strip()


# The exit code each example must give (0 unless named): the README says which.
EXPECTED = {
    "macie-notify validate -c broken.yaml": 2,
    "macie-notify scan build/ -c macie-notify.yaml --fail-on Medium": 3,
}

BROKEN = """\
stack:
  name: readme-demo
custom_data_identifiers:
  - name: employee-id
    regex: 'EMP-[0-9]{6}'
    keywords: [employee, id]
notification: {}
"""


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        yield srv


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A project folder: the config, the sample data, and the files the examples name."""
    (tmp_path / "macie-notify.yaml").write_text(example_text(), encoding="utf-8")
    (tmp_path / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    shutil.copytree(bundled_sample_data(), tmp_path / "sample_data")
    (tmp_path / "build").mkdir()
    shutil.copy(bundled_sample_data() / "employees.csv", tmp_path / "build" / "employees.csv")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "notes.txt").write_text("Nothing sensitive here.\n", encoding="utf-8")
    shutil.copytree(ROOT / "tests" / "events", tmp_path / "tests" / "events")
    (tmp_path / ".git").mkdir()
    return tmp_path


def _env(server: LocalServer) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(server.environment("eu-west-1"))
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        SLACK_BOT_TOKEN=TOKEN,
        NO_COLOR="1",
        COLUMNS="160",
    )
    return env


def _run(command: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """bash -c COMMAND with a terminal on stdin answering "y": `setup` and `teardown` ask
    before changing anything, as the README says."""
    main, side = pty.openpty()
    try:
        os.write(main, b"y\n")
        return subprocess.run(
            ["bash", "-c", command],
            cwd=cwd,
            env=env,
            stdin=side,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        os.close(side)
        os.close(main)


def test_the_readme_has_the_examples_this_test_expects() -> None:
    found = examples()
    assert len(found) >= 15, found
    assert any("&& macie-notify demo" in e for e in found)
    assert sum(runnable(e) is None for e in found) == 2  # the SKIPPED list, no more


def test_every_readme_example_runs(workspace: Path, server: LocalServer) -> None:
    env = _env(server)
    ran: list[str] = []
    for example in examples():
        command = runnable(example)
        if command is None:
            continue
        if "FINDING_ID" in command:
            macie2 = server.client("macie2", "eu-west-1")
            command = command.replace("FINDING_ID", macie2.list_findings()["findingIds"][0])
        done = _run(command, workspace, env)
        want = EXPECTED.get(without_comment(example), 0)
        assert done.returncode == want, (example, done.stdout[-2000:], done.stderr[-2000:])
        assert "Traceback" not in done.stderr, (example, done.stderr)
        assert TOKEN not in done.stdout + done.stderr, example  # the token stays secret
        ran.append(command)
    assert len(ran) == len(examples()) - 2

    # What the examples promised, checked on what they left behind.
    assert (workspace / "notifier.zip").stat().st_size > 0
    assert (workspace / "macie.sarif").read_text(encoding="utf-8").lstrip().startswith("{")
    assert '"files"' in (workspace / "scan.json").read_text(encoding="utf-8")


def test_the_validate_example_prints_what_the_readme_shows(
    workspace: Path, server: LocalServer
) -> None:
    text = README.read_text(encoding="utf-8")
    shown = text.split("$ macie-notify validate -c broken.yaml\n", 1)[1].split("```", 1)[0]
    done = _run("macie-notify validate -c broken.yaml", workspace, _env(server))
    assert done.returncode == 2
    assert done.stderr == shown
