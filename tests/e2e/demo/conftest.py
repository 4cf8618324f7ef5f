"""The demo runs its own embedded server, but moto's state is process-wide: start and end
each demo test with none of another test's resources (rules, functions, buckets)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from macie_notify.local.moto_backends import MotoBackends


@pytest.fixture(autouse=True)
def _no_leftover_moto_state() -> Iterator[None]:
    MotoBackends().reset()
    yield
    MotoBackends().reset()
