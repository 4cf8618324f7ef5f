"""One local endpoint per module; each test starts from an empty, enabled Macie."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from findings_e2e import Outcome, Run

from macie_notify.cli.main import run
from macie_notify.local import LocalServer
from macie_notify.local.client import local_call

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer() as local:
        yield local


@pytest.fixture
def macie(server: LocalServer) -> Any:
    """A macie2 client for an enabled account (no retries: tests see every answer)."""
    local_call(server.endpoint_url, "POST", "/_local/reset")
    client = boto3.client(
        "macie2",
        endpoint_url=server.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}),
    )
    client.enable_macie()
    return client


@pytest.fixture
def invoke(server: LocalServer, macie: Any, capsys: pytest.CaptureFixture[str]) -> Run:
    """``invoke(*args)`` runs ``macie-notify --endpoint-url URL ARGS`` in-process, through
    the real entry point (errors, exit codes)."""

    def call(*args: str) -> Outcome:
        capsys.readouterr()
        code = run(["--endpoint-url", server.endpoint_url, "--region", "us-east-1", *args])
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return call
