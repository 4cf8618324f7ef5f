"""A private key's occurrence spans its whole PEM block, BEGIN to END line inclusive, as
Macie's lineRanges do (the rule matches only the BEGIN line)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

ScanFn = Callable[..., Any]  # the `scan` fixture: both engines

SAMPLES = Path(__file__).resolve().parents[3] / "sample_data"


def test_a_pem_key_is_reported_over_all_its_lines(scan: ScanFn) -> None:
    data = (SAMPLES / "id_ed25519").read_text()
    lines = data.splitlines()
    begin = lines.index("-----BEGIN OPENSSH PRIVATE KEY-----") + 1
    end = lines.index("-----END OPENSSH PRIVATE KEY-----") + 1
    assert end - begin >= 3  # the sample is a real multi-line block
    result = scan("preamble\n" + data, name="key")
    occurrences = result.managed["OPENSSH_PRIVATE_KEY"].occurrences
    assert occurrences == [{"start": begin + 1, "end": end + 1, "startColumn": 1}]


def test_a_one_line_match_still_ends_on_its_own_line(scan: ScanFn) -> None:
    result = scan("x\nSSN: 536-22-1947\n", name="ssn.txt")
    occurrences = result.managed["USA_SOCIAL_SECURITY_NUMBER"].occurrences
    assert [(o["start"], o["end"]) for o in occurrences] == [(2, 2)]
