"""One local server (every part running) for the pipeline tests, plus helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from macie_notify.local import LocalServer

REGION = "us-east-1"


@pytest.fixture(scope="package")
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        yield srv


def _forget_everything(server: LocalServer) -> None:
    # moto's state is process-wide: a rule or function left behind would also be seen by
    # any other server in this worker (the demo's), so reset after each test as well.
    assert server.event_router.drain(60), "event deliveries still running"
    assert server.lambda_invoke.drain(60), "Lambda invocations still running"
    server.reset()


@pytest.fixture
def aws(server: LocalServer) -> Iterator[Callable[[str], Any]]:
    """boto3 clients on the local endpoint; the state is reset before and after each test."""
    _forget_everything(server)

    def client(service: str) -> Any:
        return server.client(service, REGION)

    yield client
    _forget_everything(server)
