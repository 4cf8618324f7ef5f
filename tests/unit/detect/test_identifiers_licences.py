"""Driver's licences of the 31 countries Macie names (besides the US): each country's shape
after its keyword (local language or English), and the decoys (no keyword, keyword too far,
broken check characters where the number carries them)."""

from __future__ import annotations

import pytest
from corpus_cases import family, family_tests

from macie_notify.detect.mdis import licences

IDS = [i for i in family("", suffix="_DRIVERS_LICENSE")]
test_family_covers_its_identifiers, test_positive, test_decoy = family_tests(IDS, 31)


@pytest.mark.parametrize(
    ("check", "good", "bad"),
    [
        (licences.hetu_ok, "131052-308T", "131052-308U"),
        (licences.personnummer_ok, "811228-9874", "811228-9875"),
        (licences.uk_licence_ok, "MORGA753116SM9IJ", "MORGA713116SM9IJ"),  # month 13
        (licences.india_licence_ok, "MH14 20110062821", "XX14 20110062821"),
    ],
)
def test_check_characters(check, good: str, bad: str) -> None:
    assert check(good) and not check(bad)


def test_local_language_keywords(scan) -> None:
    cases = {
        "GERMANY_DRIVERS_LICENSE": "Führerscheinnummer: B072RRE2I55",
        "POLAND_DRIVERS_LICENSE": "numer prawa jazdy 00123/15/0001",
        "BULGARIA_DRIVERS_LICENSE": "шофьорска книжка 123456789",
        "GREECE_DRIVERS_LICENSE": "άδεια οδήγησης 123456789",
        "ITALY_DRIVERS_LICENSE": "patente di guida MI1234567Z",
    }
    for ident, text in cases.items():
        assert ident in scan(text, ids=[ident]).managed, text


def test_typographic_apostrophe_in_keywords(scan) -> None:
    # Word and PDF text write "driver’s licence" with U+2019.
    text = "Driver’s licence: MORGA753116SM9IJ"
    assert "UK_DRIVERS_LICENSE" in scan(text, ids=["UK_DRIVERS_LICENSE"]).managed
