"""One local server (with every part-2 extension) for the pipeline tests, plus helpers."""

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


@pytest.fixture
def aws(server: LocalServer) -> Callable[[str], Any]:
    """boto3 clients on the local endpoint; the state is reset before each test."""
    server.event_router.drain(30)
    server.app.reset()
    for hook in server.app.control.reset_hooks:
        hook()

    def client(service: str) -> Any:
        return server.client(service, REGION)

    return client
