"""Databases are compiled (or loaded) on threads of their own; results keep their order and
an error in any of them reaches the caller."""

from __future__ import annotations

import threading

import pytest

from macie_notify.detect.fastpath import _on_threads


def test_results_in_order_each_on_its_own_thread() -> None:
    seen: set[int] = set()

    def work(item: int) -> int:
        seen.add(threading.get_ident())
        return item * 10

    assert _on_threads(work, [3, 1, 2]) == [30, 10, 20]
    assert len(seen) == 3
    assert _on_threads(work, []) == []


def test_an_error_on_any_thread_is_raised() -> None:
    def work(item: int) -> int:
        if item == 2:
            raise ValueError("bad pattern")
        return item

    with pytest.raises(ValueError, match="bad pattern"):
        _on_threads(work, [1, 2, 3])
