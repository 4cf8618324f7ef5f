"""Where job findings say sensitive data is: inclusive line ranges and JSON array positions
(the detection engine's locations, as the local Macie reports them)."""

from __future__ import annotations

import json

from macie_notify.detect import CustomIdentifierSpec, IdentifierSelection, scan_bytes

CARDS = ("4929 3813 3266 4295", "5370 4638 8881 3020", "4916 4811 5814 8111")


def test_json_array_positions_are_kept() -> None:
    doc = {"payments": [{"card": {"card_number": n}} for n in CARDS]}
    result = scan_bytes(
        json.dumps(doc, indent=1).encode(),
        name="payments.json",
        identifiers=IdentifierSelection("INCLUDE", ("CREDIT_CARD_NUMBER",)),
    )
    paths = [o["jsonPath"] for o in result.managed["CREDIT_CARD_NUMBER"].occurrences]
    assert paths == [f"$.payments[{n}].card.card_number" for n in range(3)]


def test_values_of_an_array_and_nested_arrays() -> None:
    doc = {"card_number": ["x", CARDS[0], [CARDS[1]], ["y", CARDS[2]]]}
    result = scan_bytes(
        json.dumps(doc).encode(),
        name="cards.json",
        identifiers=IdentifierSelection("INCLUDE", ("CREDIT_CARD_NUMBER",)),
    )
    paths = [o["jsonPath"] for o in result.managed["CREDIT_CARD_NUMBER"].occurrences]
    assert paths == ["$.card_number[1]", "$.card_number[2][0]", "$.card_number[3][1]"]


def test_a_match_over_several_lines_is_an_inclusive_range() -> None:
    spec = CustomIdentifierSpec(name="block", regex="BEGIN-[0-9]+\\s+[0-9]+\\s+[0-9]+-END", id="c1")
    text = "header\nBEGIN-1\n2\n3-END trailer\nBEGIN-4 5 6-END\n"
    result = scan_bytes(
        text.encode(), name="notes.txt", identifiers=IdentifierSelection("NONE"), custom=[spec]
    )
    assert result.custom["block"].occurrences == [
        {"start": 2, "end": 4, "startColumn": 1},
        {"start": 5, "end": 5, "startColumn": 1},
    ]
