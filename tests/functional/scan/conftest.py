"""Scan tests keep compiled Hyperscan databases in a temporary folder, not the user's."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session", autouse=True)
def _private_hyperscan_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    os.environ["MACIE_NOTIFY_CACHE_DIR"] = str(tmp_path_factory.mktemp("hs-cache"))
