"""Phone numbers of Brazil, France, Germany, Italy, Spain and the UK: with a keyword the
country code is optional; without one the number must carry it (the +CC form)."""

from __future__ import annotations

import pytest
from corpus_cases import family, params

IDS = family("", suffix="_PHONE_NUMBER")
IDS = [i for i in IDS if i != "PHONE_NUMBER"]
POSITIVES, DECOYS = params(IDS)


def test_family_covers_its_identifiers() -> None:
    assert len(IDS) == 6


@pytest.mark.parametrize(("ident", "text"), POSITIVES)
def test_positive(scan, ident: str, text: str) -> None:
    result = scan(f"Synthetic record.\n{text}\nEnd.\n", ids=[ident])
    assert ident in result.managed and result.managed[ident].count == 1, text


@pytest.mark.parametrize(("ident", "text"), DECOYS)
def test_decoy(scan, ident: str, text: str) -> None:
    assert ident not in scan(f"Synthetic record.\n{text}\nEnd.\n", ids=[ident]).managed, text


def test_keyword_and_international_form_count_once(scan) -> None:
    result = scan("téléphone: +33 1 42 68 53 00", ids=["FRANCE_PHONE_NUMBER"])
    assert result.managed["FRANCE_PHONE_NUMBER"].count == 1


def test_national_form_needs_a_keyword_in_the_countrys_language(scan) -> None:
    ids = ["FRANCE_PHONE_NUMBER", "GERMANY_PHONE_NUMBER", "ITALY_PHONE_NUMBER"]
    assert scan("phone: 0612345678", ids=ids).managed == {}
    assert list(scan("téléphone: 0612345678", ids=ids).managed) == ["FRANCE_PHONE_NUMBER"]
    # with the country code no keyword is needed, in any language
    assert list(scan("phone: +33 6 12 34 56 78", ids=ids).managed) == ["FRANCE_PHONE_NUMBER"]
