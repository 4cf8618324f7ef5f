"""The GitHub Actions workflow in docs/ci.md: each of its `run:` commands, in order,
against the embedded local AWS instead of an AWS account (the OIDC step's part)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from macie_notify.config.example import example_text
from macie_notify.local import LocalServer
from macie_notify.samples import bundled_sample_data

pytestmark = pytest.mark.e2e

DOC = Path(__file__).resolve().parents[3] / "docs" / "ci.md"
BIN = Path(sys.executable).parent


def workflow() -> dict[str, Any]:
    """The one YAML block of docs/ci.md that is a workflow (it has ``jobs``)."""
    for block in re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S):
        doc = yaml.safe_load(block)
        if isinstance(doc, dict) and "jobs" in doc:
            return doc
    raise AssertionError("docs/ci.md has no workflow")


def run_steps(job: dict[str, Any]) -> list[tuple[str, dict[str, str]]]:
    """(command, env) of each `run:` step, without the install (the venv has it); the env
    is the job's with the step's on top, as GitHub Actions merges them."""
    steps = []
    for step in job["steps"]:
        command = step.get("run")
        if command and not command.startswith("pip install"):
            env = {**(job.get("env") or {}), **(step.get("env") or {})}
            steps.append((command, {k: str(v) for k, v in env.items()}))
    return steps


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with LocalServer() as server:
        yield server.endpoint_url


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A repository as the workflow checks it out: a config and some data files."""
    (tmp_path / "macie-notify.yaml").write_text(
        example_text().replace("region: eu-west-1", "region: us-east-1"), encoding="utf-8"
    )
    shutil.copytree(bundled_sample_data(), tmp_path / "data")
    (tmp_path / ".git").mkdir()  # excluded by the scan step
    (tmp_path / ".git" / "config").write_text("aws_secret_access_key = not-scanned\n")
    return tmp_path


def shell(command: str, cwd: Path, endpoint: str, env: dict[str, str]) -> Any:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    environ.update(
        PATH=f"{BIN}{os.pathsep}{environ.get('PATH', '')}",
        # What aws-actions/configure-aws-credentials exports, pointed at the local AWS.
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_REGION="us-east-1",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    # ${{ secrets.NAME }} -> a dummy value of the right shape
    for key, value in env.items():
        environ[key] = re.sub(r"\$\{\{\s*secrets\.\w+\s*\}\}", "xoxb-ci-0000000000", value)
    return subprocess.run(
        ["bash", "-e", "-c", command],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_scan_job(checkout: Path, endpoint: str) -> None:
    steps = run_steps(workflow()["jobs"]["scan"])
    assert [c.split()[1] for c, _ in steps] == ["validate", "scan"]
    for command, env in steps:
        done = shell(command, checkout, endpoint, env)
        assert done.returncode == 0, (command, done.stderr)
    sarif = json.loads((checkout / "macie.sarif").read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0"
    located = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for result in sarif["runs"][0]["results"]
        for loc in result["locations"]
    }
    assert any(uri.endswith("employees.csv") for uri in located)
    assert not any(".git" in uri for uri in located)


def test_the_deploy_job(checkout: Path, endpoint: str) -> None:
    steps = run_steps(workflow()["jobs"]["deploy"])
    assert [c.split()[1] for c, _ in steps] == ["plan", "setup", "findings"]
    for command, env in steps:
        done = shell(command, checkout, endpoint, env)
        if command.startswith("macie-notify findings list") and done.returncode == 3:
            # High findings from the job setup started: exactly what the step reports.
            assert "at or above High" in done.stderr, done.stderr
            continue
        assert done.returncode == 0, (command, done.stderr)
        assert "xoxb-ci-0000000000" not in done.stdout + done.stderr  # the token stays secret
    again = shell("macie-notify plan --detailed-exitcode", checkout, endpoint, steps[0][1])
    assert again.returncode == 0, again.stdout + again.stderr  # setup converged the stack
