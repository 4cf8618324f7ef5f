"""France, Germany, Italy, Spain, UK national/tax/passport/health numbers and EHIC numbers:
valid values after a keyword are reported, broken check digits, missing or distant keywords
are not. Each case runs through the pure and the Hyperscan engine."""

from __future__ import annotations

import pytest
from corpus_cases import family, family_tests

from macie_notify.detect.mdis import europe

IDS = family("FRANCE_", "GERMANY_", "ITALY_", "SPAIN_", "UK_", "EUROPEAN_", "FINLAND_E")
IDS = [i for i in IDS if not i.endswith(("_DRIVERS_LICENSE", "_PHONE_NUMBER"))]
test_family_covers_its_identifiers, test_positive, test_decoy = family_tests(IDS, 20)


@pytest.mark.parametrize(
    ("check", "good", "bad"),
    [
        (europe.insee_ok, "2 55 08 14 168 025 38", "2 55 08 14 168 025 39"),
        (europe.insee_ok, "1 85 12 2A 123 456 48", "1 85 12 2A 123 456 49"),
        (europe.fr_tax_ok, "3023217600053", "3023217600054"),
        (europe.de_steuer_id_ok, "86095742719", "86095742718"),
        (europe.de_steuer_id_ok, "65929970489", "12345678901"),  # no repeated digit
        (europe.de_document_ok, "T220001293", "T220001294"),
        (europe.codice_fiscale_ok, "RSSMRA85T10A562S", "RSSMRA85T10A562T"),
        (europe.codice_fiscale_ok, "RSSMRA85T10A562S", "RSSMRA85B30A562S"),  # 30 February
        (europe.dni_ok, "12345678Z", "12345678A"),
        (europe.nie_ok, "X1234567L", "X1234567M"),
        (europe.nif_ok, "K1234567L", "K1234567Z"),
        (europe.cif_ok, "A58818501", "A58818502"),
        (europe.es_ssn_ok, "281234567840", "281234567841"),
        (europe.utr_ok, "1955839661", "1955839662"),
        (europe.ehic_ok, "80276001234567890127", "80276001234567890128"),
    ],
)
def test_check_digits(check, good: str, bad: str) -> None:
    assert check(good) and not check(bad)


def test_corsican_department_in_insee_number(scan) -> None:
    text = "numéro de sécurité sociale 1 85 12 2A 123 456 48"
    assert scan(text, ids=["FRANCE_HEALTH_INSURANCE_NUMBER"]).managed


def test_csv_column_name_is_the_keyword(scan) -> None:
    rows = "".join(f"{i},{v}\n" for i, v in enumerate(("12345678Z", "49408849L")))
    result = scan("id,dni\n" + rows, name="people.csv", ids=["SPAIN_DNI_NUMBER"])
    assert result.managed["SPAIN_DNI_NUMBER"].count == 2
    assert result.managed["SPAIN_DNI_NUMBER"].occurrences[0] == {
        "row": 2,
        "column": 2,
        "columnName": "dni",
    }


def test_a_bare_passport_keyword_does_not_make_a_us_number_british_or_german(scan) -> None:
    ids = ["USA_PASSPORT_NUMBER", "UK_PASSPORT_NUMBER", "GERMANY_PASSPORT_NUMBER"]
    for value in ("583920174", "C40817395"):
        assert list(scan(f"Passport number: {value}", ids=ids).managed) == ["USA_PASSPORT_NUMBER"]
    assert "UK_PASSPORT_NUMBER" in scan("British passport 583920174", ids=ids).managed
    assert "GERMANY_PASSPORT_NUMBER" in scan("Reisepass: C40817395", ids=ids).managed
