"""A custom identifier that backtracks too long stops, and the file says it was not fully
scanned (the validator refuses the exponential shapes; this covers the polynomial ones)."""

from __future__ import annotations

import pytest

from macie_notify.detect import IdentifierSelection, Scanner
from macie_notify.detect import engine as engine_module
from macie_notify.detect.custom import CustomIdentifierSpec

# Overlapping alternatives under a repeat: exponential in a backtracking engine, and not
# one of the shapes the validator refuses.
SLOW = CustomIdentifierSpec(name="slow", regex=r"(?:\d|\d\d)+X")
FAST = CustomIdentifierSpec(name="employee-id", regex=r"EMP-[0-9]{6}")


@pytest.mark.parametrize("hyperscan", [False, True])
def test_a_runaway_custom_pattern_is_stopped_and_reported(
    monkeypatch: pytest.MonkeyPatch, hyperscan: bool
) -> None:
    if hyperscan:
        pytest.importorskip("hyperscan")
    monkeypatch.setattr(engine_module, "CUSTOM_MATCH_BUDGET_S", 0.05)
    scanner = Scanner(IdentifierSelection("NONE"), [SLOW, FAST], use_hyperscan=hyperscan)
    text = ("X " + "1" * 60 + "!\nEMP-123456\n").encode()
    result = scanner.scan_bytes(text, name="digits.txt")
    assert (result.status, result.reason) == ("PARTIAL", "SCAN_TIME_LIMIT_EXCEEDED")
    # The other identifier still ran over the whole text.
    assert result.custom["employee-id"].count == 1
    assert "slow" not in result.custom


def test_a_normal_custom_pattern_completes() -> None:
    scanner = Scanner(IdentifierSelection("NONE"), [FAST], use_hyperscan=False)
    result = scanner.scan_bytes(b"id EMP-123456\n", name="ok.txt")
    assert result.status == "COMPLETE"
    assert result.custom["employee-id"].count == 1
