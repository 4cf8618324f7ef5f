"""Phone numbers of Brazil, France, Germany, Italy, Spain and the UK: with a keyword the
country code is optional; without one the number must carry it (the +CC form)."""

from __future__ import annotations

from corpus_cases import family, family_tests

IDS = family("", suffix="_PHONE_NUMBER")
IDS = [i for i in IDS if i != "PHONE_NUMBER"]
test_family_covers_its_identifiers, test_positive, test_decoy = family_tests(IDS, 6)


def test_keyword_and_international_form_count_once(scan) -> None:
    result = scan("téléphone: +33 1 42 68 53 00", ids=["FRANCE_PHONE_NUMBER"])
    assert result.managed["FRANCE_PHONE_NUMBER"].count == 1


def test_national_form_needs_a_keyword_in_the_countrys_language(scan) -> None:
    ids = ["FRANCE_PHONE_NUMBER", "GERMANY_PHONE_NUMBER", "ITALY_PHONE_NUMBER"]
    assert scan("phone: 0612345678", ids=ids).managed == {}
    assert list(scan("téléphone: 0612345678", ids=ids).managed) == ["FRANCE_PHONE_NUMBER"]
    # with the country code no keyword is needed, in any language
    assert list(scan("phone: +33 6 12 34 56 78", ids=ids).managed) == ["FRANCE_PHONE_NUMBER"]
