"""One LocalServer per test module (module scope keeps the suite fast); macie2 state is
wiped before each test, moto's state is shared (tests use unique names)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from macie_notify.local import LocalServer

pytestmark = pytest.mark.e2e

ClientFactory = Callable[..., Any]


@pytest.fixture(scope="module")
def local_server() -> Iterator[LocalServer]:
    with LocalServer(background=False) as server:
        yield server


@pytest.fixture(autouse=True)
def _fresh_macie(local_server: LocalServer) -> None:
    local_server.macie2_backends.reset()


@pytest.fixture
def client(local_server: LocalServer) -> ClientFactory:
    """``client(service, region=..., validate=True)`` -> a boto3 client on the endpoint."""

    def make(service: str, region: str = "us-east-1", validate: bool = True, **kw: Any) -> Any:
        config = Config(
            parameter_validation=validate,
            retries={"max_attempts": 1, "mode": "standard"},
        )
        return boto3.client(
            service,
            endpoint_url=local_server.endpoint_url,
            region_name=region,
            aws_access_key_id=kw.pop("access_key", "testing"),
            aws_secret_access_key="testing",
            config=config,
            **kw,
        )

    return make


@pytest.fixture
def macie(client: ClientFactory) -> Any:
    """A macie2 client for an enabled account in us-east-1."""
    c = client("macie2")
    c.enable_macie(findingPublishingFrequency="FIFTEEN_MINUTES")
    return c


@pytest.fixture
def raw_macie(client: ClientFactory) -> Any:
    """Same account, without client-side parameter validation (to reach server checks)."""
    return client("macie2", validate=False)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"
