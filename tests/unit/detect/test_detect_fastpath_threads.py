"""Databases are compiled (or loaded) on threads of their own; results keep their order and
an error in any of them reaches the caller."""

from __future__ import annotations

import threading

import pytest

from macie_notify.detect.fastpath import _on_threads


def test_results_in_order_all_running_at_once() -> None:
    together = threading.Barrier(3, timeout=10)  # broken unless all three run at once

    def work(item: int) -> int:
        together.wait()
        return item * 10

    assert _on_threads(work, [3, 1, 2]) == [30, 10, 20]
    assert _on_threads(lambda item: item, []) == []


def test_an_error_on_any_thread_is_raised() -> None:
    def work(item: int) -> int:
        if item == 2:
            raise ValueError("bad pattern")
        return item

    with pytest.raises(ValueError, match="bad pattern"):
        _on_threads(work, [1, 2, 3])
