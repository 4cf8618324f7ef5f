"""Australian and Indian identifiers: tax file numbers, Aadhaar and PAN.

Shapes and keywords from the Macie PII reference
(https://docs.aws.amazon.com/macie/latest/user/mdis-reference-pii.html); check digits are
the Australian Taxation Office's (weighted mod 11) and UIDAI's (Verhoeff).
"""

from __future__ import annotations

from macie_notify.detect import validators as v
from macie_notify.detect.rule import Rule

_ALNUM = "0-9A-Za-z"

_TFN_WEIGHTS = (1, 4, 3, 7, 5, 8, 6, 9, 10)  # an 8-digit (older) TFN uses the first eight


def tfn_ok(text: str) -> bool:
    """Tax file number: 8 or 9 digits whose weighted sum is a multiple of 11."""
    number = v.digits(text)
    if len(number) not in (8, 9) or number.strip("0") == "":
        return False
    return sum(w * int(d) for w, d in zip(_TFN_WEIGHTS, number, strict=False)) % 11 == 0


_VERHOEFF_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6), (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8), (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2), (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4), (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)  # fmt: skip
_VERHOEFF_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2), (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0), (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5), (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)  # fmt: skip


def verhoeff_ok(number: str) -> bool:
    check = 0
    for index, digit in enumerate(reversed(number)):
        check = _VERHOEFF_D[check][_VERHOEFF_P[index % 8][int(digit)]]
    return check == 0


def aadhaar_ok(text: str) -> bool:
    """Aadhaar: 12 digits, first 2-9, not a palindrome (UIDAI never issues one), Verhoeff."""
    number = v.digits(text)
    return (
        len(number) == 12
        and number[0] not in "01"
        and number != number[::-1]
        and verhoeff_ok(number)
    )


def pan_ok(text: str) -> bool:
    """PAN: the fourth letter is the holder type (person, company, trust, ...)."""
    return text[3] in "ABCFGHJLPT" and text[5:9] != "0000"


ASIA_PACIFIC_RULES: tuple[Rule, ...] = (
    Rule(
        "AUSTRALIA_TAX_FILE_NUMBER",
        r"[0-9]{3} ?[0-9]{3} ?[0-9]{2,3}",
        before=_ALNUM,
        after=_ALNUM,
        check=tfn_ok,
        keywords=("tax file number", "tax file no", "tfn", "tax file #", "tax file"),
    ),
    Rule(
        "INDIA_AADHAAR_NUMBER",
        r"[2-9][0-9]{3}[ -]?[0-9]{4}[ -]?[0-9]{4}",
        before=_ALNUM + "-",
        after=_ALNUM,
        check=aadhaar_ok,
        keywords=(
            "aadhaar",
            "aadhar",
            "adhaar",
            "uidai",
            "uid",
            "aadhaar number",
            "aadhaar no",
            "आधार",
            "unique identification number",
        ),
    ),
    Rule(
        "INDIA_PERMANENT_ACCOUNT_NUMBER",
        r"[A-Z]{5}[0-9]{4}[A-Z]",
        before=_ALNUM,
        after=_ALNUM,
        check=pan_ok,
        keywords=(
            "pan",
            "pan number",
            "pan no",
            "permanent account number",
            "income tax pan",
            "pan card",
        ),
    ),
)
