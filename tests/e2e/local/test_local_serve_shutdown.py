"""Stopping the local endpoint: SIGTERM is Ctrl-C, running functions (and their children)
are killed, their temporary folder is removed; a function that cannot start is a failed
invocation, not a delivered one."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

import boto3
import pytest

from macie_notify.local import LocalServer
from macie_notify.local.server import CACHE_PREFIX

pytestmark = pytest.mark.e2e

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
# The function starts a child of its own, records both PIDs, then outlives any test.
SLOW = """
import os
import subprocess
import time


def handler(event, context):
    child = subprocess.Popen(["sleep", "300"])
    with open(os.environ["PID_FILE"], "w") as f:
        f.write(f"{os.getpid()} {child.pid}")
    time.sleep(300)
"""


def _zip(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("slow.py", source)
    return buffer.getvalue()


def _clients(endpoint: str) -> tuple[Any, Any]:
    kw: dict[str, Any] = {
        "endpoint_url": endpoint,
        "region_name": "us-east-1",
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }
    return boto3.client("iam", **kw), boto3.client("lambda", **kw)


def _start_slow_function(endpoint: str, pid_file: Path, name: str) -> None:
    iam, lam = _clients(endpoint)
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler="slow.handler",
        Code={"ZipFile": _zip(SLOW)},
        Timeout=300,
        Environment={"Variables": {"PID_FILE": str(pid_file)}},
    )
    lam.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")


def _wait_for_pids(pid_file: Path, timeout: float = 60) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pid_file.exists() and pid_file.read_text().strip():
            return [int(p) for p in pid_file.read_text().split()]
        time.sleep(0.05)
    raise AssertionError("the function never started")


def _gone(pid: int, timeout: float = 10) -> bool:
    """The process ended (a zombie waiting for its reaper has ended too)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


def test_sigterm_stops_serve_kills_functions_and_removes_their_folder(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "macie_notify", "local", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        endpoint = proc.stdout.readline().rsplit(" ", 1)[1].strip()
        pid_file = tmp_path / "pids"
        _start_slow_function(endpoint, pid_file, "slow-sigterm")
        pids = _wait_for_pids(pid_file)
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 130
        # The function got SIGTERM and a 5 s grace at most, not its 300 s timeout.
        assert time.monotonic() - started < 20
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert all(_gone(pid) for pid in pids), pids
    leftovers = list(Path(tempfile.gettempdir()).glob(f"{CACHE_PREFIX}{proc.pid}-*"))
    assert leftovers == []
    assert "Traceback" not in (proc.stderr.read() if proc.stderr else "")


def test_stop_kills_a_running_function_and_its_children(tmp_path: Path) -> None:
    pid_file = tmp_path / "pids"
    server = LocalServer().start()
    try:
        _start_slow_function(server.endpoint_url, pid_file, "slow-stop")
        pids = _wait_for_pids(pid_file)
        cache = server.lambda_runner.cache_dir
        assert cache.is_dir()
        started = time.monotonic()
    finally:
        server.stop(grace_s=0.5)
    assert time.monotonic() - started < 15
    assert all(_gone(pid) for pid in pids), pids
    assert not cache.exists()


def test_kill_does_not_wait_for_the_grace(tmp_path: Path) -> None:
    pid_file = tmp_path / "pids"
    server = LocalServer().start()
    try:
        _start_slow_function(server.endpoint_url, pid_file, "slow-kill")
        pids = _wait_for_pids(pid_file)
        server.kill()  # what a second Ctrl-C does while stop() waits
        assert all(_gone(pid) for pid in pids), pids
    finally:
        server.stop(grace_s=60)


def test_a_cache_left_by_a_killed_server_is_removed(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = Path(tempfile.gettempdir()) / f"{CACHE_PREFIX}{dead.pid}-0123abcd"
    (stale / "code").mkdir(parents=True)
    with LocalServer(background=False):
        assert not stale.exists()


def test_code_over_250_mb_unzipped_is_refused_at_upload(
    local_server: LocalServer, zip_bomb: bytes
) -> None:
    iam, lam = _clients(local_server.endpoint_url)
    role = iam.create_role(RoleName="bomb-role", AssumeRolePolicyDocument=json.dumps(TRUST))
    create: dict[str, Any] = {
        "FunctionName": "bomb",
        "Runtime": "python3.12",
        "Role": role["Role"]["Arn"],
        "Handler": "slow.handler",
    }
    with pytest.raises(lam.exceptions.InvalidParameterValueException) as info:
        lam.create_function(**create, Code={"ZipFile": zip_bomb})
    assert info.value.response["Error"]["Message"] == (
        "Unzipped size must be smaller than 262144000 bytes"
    )
    with pytest.raises(lam.exceptions.InvalidParameterValueException) as info:
        lam.create_function(**create, Code={"ZipFile": b"not a zip"})
    assert info.value.response["Error"]["Message"].startswith("Could not unzip uploaded file.")
    lam.create_function(**create, Code={"ZipFile": _zip(SLOW)})
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.update_function_code(FunctionName="bomb", ZipFile=zip_bomb)
    lam.delete_function(FunctionName="bomb")
