"""/_local/ controls, latency, and `macie-notify local serve`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from typing import Any

import pytest

from macie_notify.local import LocalServer
from macie_notify.local.client import LocalEndpointError, local_call


def call(server: LocalServer, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"{server.endpoint_url}{path}",
        data=data,
        method=method,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def test_health_and_unknown_control(local_server: LocalServer) -> None:
    assert call(local_server, "GET", "/_local/health")[1]["status"] == "ok"
    assert call(local_server, "GET", "/_local/nope")[0] == 404


def test_synthetic_findings(local_server: LocalServer, macie: Any) -> None:
    status, body = call(
        local_server, "POST", "/_local/findings/synthetic", {"count": 120, "seed": 1}
    )
    assert (status, body) == (200, {"loaded": 120, "total": 120})
    ids = [i for p in macie.get_paginator("list_findings").paginate() for i in p["findingIds"]]
    assert len(ids) == 120
    assert call(local_server, "POST", "/_local/findings/synthetic", {"count": -1})[0] == 400
    other = call(
        local_server, "POST", "/_local/findings/synthetic", {"count": 1, "region": "ap-south-1"}
    )
    assert other[0] == 409  # Macie is not enabled there


def test_local_call_sends_its_payload_as_json(local_server: LocalServer, macie: Any) -> None:
    path = "/_local/findings/synthetic"
    body = local_call(local_server.endpoint_url, "POST", path, payload={"count": 3, "seed": 2})
    assert body == {"loaded": 3, "total": 3}


def test_local_call_errors_carry_the_controls_reason(local_server: LocalServer) -> None:
    with pytest.raises(LocalEndpointError) as info:
        local_call(
            local_server.endpoint_url, "POST", "/_local/findings/synthetic", payload={"count": -1}
        )
    assert info.value.message.endswith("answered HTTP 400: count must be between 0 and 200000")
    assert info.value.hint is None  # the endpoint is ours: no "is it local serve?" hint


def test_latency_delays_aws_responses(local_server: LocalServer, macie: Any) -> None:
    # A lower bound only: that controls are not delayed is checked with an injected sleep
    # (tests/unit/local/test_local_dispatch.py), not with the wall clock.
    assert call(local_server, "PUT", "/_local/latency", {"latencyMs": 150})[1] == {"latencyMs": 150}
    try:
        assert call(local_server, "GET", "/_local/latency") == (200, {"latencyMs": 150})
        started = time.perf_counter()
        macie.get_macie_session()
        slow = time.perf_counter() - started
    finally:
        call(local_server, "PUT", "/_local/latency", {"latencyMs": 0})
    assert slow >= 0.15
    assert call(local_server, "PUT", "/_local/latency", {"latencyMs": -5}) == (
        400,
        {"error": "bad request: latencyMs must be >= 0"},
    )
    missing = call(local_server, "PUT", "/_local/latency", {})
    assert missing == (400, {"error": "bad request: 'latencyMs' is missing"})


def test_control_with_the_wrong_method_is_405(local_server: LocalServer) -> None:
    assert call(local_server, "GET", "/_local/reset") == (
        405,
        {"error": "no local control GET /_local/reset"},
    )


def test_reset_forgets_macie_state(local_server: LocalServer, macie: Any) -> None:
    assert call(local_server, "POST", "/_local/reset")[1] == {"reset": True}
    with pytest.raises(macie.exceptions.AccessDeniedException):
        macie.get_macie_session()


def test_serve_command_runs_until_interrupted() -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "macie_notify",
            "local",
            "serve",
            "--port",
            "0",
            "--latency-ms",
            "1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("# macie-notify local AWS at http://127.0.0.1:")
        endpoint = first.rsplit(" ", 1)[1].strip()
        exports = [proc.stdout.readline().strip() for _ in range(5)]
        assert exports[0] == f"export AWS_ENDPOINT_URL={endpoint}"
        assert "export AWS_ACCESS_KEY_ID=testing" in exports
        with urllib.request.urlopen(f"{endpoint}/_local/health", timeout=10) as response:
            assert json.load(response)["status"] == "ok"
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 130  # an interruption, as the README's exit codes say
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "Traceback" not in (proc.stderr.read() if proc.stderr else "")
