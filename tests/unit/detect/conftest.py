"""Detection tests run every case through both engines: pure Python and Hyperscan."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

import pytest

from macie_notify.detect import CustomIdentifierSpec, FileResult, IdentifierSelection, Scanner

_CACHE: dict[tuple[object, ...], Scanner] = {}

ScanFn = Callable[..., FileResult]


def scanner_for(
    kind: str,
    selection: IdentifierSelection | None = None,
    custom: Sequence[CustomIdentifierSpec] = (),
) -> Scanner:
    key = (kind, selection, tuple(custom))
    if key not in _CACHE:
        _CACHE[key] = Scanner(selection, custom, use_hyperscan=(kind == "hyperscan"))
    return _CACHE[key]


@pytest.fixture(params=["pure", "hyperscan"])
def engine_kind(request: pytest.FixtureRequest) -> str:
    if request.param == "hyperscan":
        pytest.importorskip("hyperscan")
    return str(request.param)


@pytest.fixture
def scan(engine_kind: str) -> ScanFn:
    """``scan(text, name=..., ids=..., custom=...)`` -> FileResult, with the current engine."""

    def run(
        text: str | bytes,
        *,
        name: str = "sample.txt",
        ids: Sequence[str] | None = None,
        custom: Sequence[CustomIdentifierSpec] = (),
    ) -> FileResult:
        selection = IdentifierSelection("INCLUDE", tuple(ids)) if ids is not None else None
        data = text.encode("utf-8") if isinstance(text, str) else text
        return scanner_for(engine_kind, selection, custom).scan_bytes(data, name=name)

    return run


def counts(result: FileResult) -> dict[str, int]:
    """Managed and custom detections as one {type or name: count} mapping."""
    out = {key: det.count for key, det in result.managed.items()}
    out.update({key: det.count for key, det in result.custom.items()})
    return out


@pytest.fixture(scope="session", autouse=True)
def _private_hyperscan_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Compiled databases go to a temporary folder, not the user's cache."""
    os.environ["MACIE_NOTIFY_CACHE_DIR"] = str(tmp_path_factory.mktemp("hs-cache"))
