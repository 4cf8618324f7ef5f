"""The labelled identifier corpus (``tests/data/detect_corpus``) for the test modules."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "data" / "detect_corpus"))

from labelled import Case, build

CASES: dict[str, Case] = build()


def family(*prefixes: str, suffix: str = "") -> list[str]:
    """Identifiers of the corpus whose ID starts with one of ``prefixes`` (and ends so)."""
    return sorted(i for i in CASES if i.startswith(prefixes) and i.endswith(suffix))


def params(idents: list[str]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(identifier, text) pairs: positives, decoys."""
    pos = [(i, text) for i in idents for text in CASES[i].positives]
    neg = [(i, text) for i in idents for text in CASES[i].decoys]
    return pos, neg
