"""The labelled identifier corpus (``tests/data/detect_corpus``) for the test modules."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from macie_notify.detect import FileResult

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "data" / "detect_corpus"))

from labelled import Case, build

CASES: dict[str, Case] = build()

ScanFn = Callable[..., FileResult]


def family(*prefixes: str, suffix: str = "") -> list[str]:
    """Identifiers of the corpus whose ID starts with one of ``prefixes`` (and ends so)."""
    return sorted(i for i in CASES if i.startswith(prefixes) and i.endswith(suffix))


def params(idents: list[str]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(identifier, text) pairs: positives, decoys."""
    pos = [(i, text) for i in idents for text in CASES[i].positives]
    neg = [(i, text) for i in idents for text in CASES[i].decoys]
    return pos, neg


def family_tests(idents: list[str], size: int) -> tuple[Callable[..., None], ...]:
    """The tests every identifier family runs over its corpus cases: the family has ``size``
    identifiers, each positive is reported exactly once, no decoy is reported.

    A test module binds the three to its own ``test_`` names, where pytest collects them
    (with the module's ``scan`` fixture, so through both engines)."""
    positives, decoys = params(idents)

    def test_family_covers_its_identifiers() -> None:
        assert len(idents) == size

    @pytest.mark.parametrize(("ident", "text"), positives)
    def test_positive(scan: ScanFn, ident: str, text: str) -> None:
        result = scan(f"Synthetic record.\n{text}\nEnd.\n", ids=[ident])
        assert ident in result.managed and result.managed[ident].count == 1, text

    @pytest.mark.parametrize(("ident", "text"), decoys)
    def test_decoy(scan: ScanFn, ident: str, text: str) -> None:
        assert ident not in scan(f"Synthetic record.\n{text}\nEnd.\n", ids=[ident]).managed, text

    return test_family_covers_its_identifiers, test_positive, test_decoy
