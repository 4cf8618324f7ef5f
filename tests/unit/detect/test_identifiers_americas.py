"""Argentina, Brazil, Chile, Colombia, Mexico and Canada: national, tax, transport-card,
passport, permanent-resident and health numbers, positives and decoys through both engines."""

from __future__ import annotations

import pytest
from corpus_cases import family, family_tests

from macie_notify.detect.mdis import americas

IDS = [
    i
    for i in family("ARGENTINA_", "BRAZIL_", "CHILE_", "COLOMBIA_", "MEXICO_", "CANADA_")
    if not i.endswith(("_DRIVERS_LICENSE", "_PHONE_NUMBER"))
]
test_family_covers_its_identifiers, test_positive, test_decoy = family_tests(IDS, 18)


@pytest.mark.parametrize(
    ("check", "good", "bad"),
    [
        (americas.cuit_person_ok, "20-12345678-6", "20-12345678-5"),
        (americas.cuit_company_ok, "30-71234567-1", "30-71234567-2"),
        (americas.cuit_company_ok, "30-71234567-1", "20-71234567-1"),  # a person's prefix
        (americas.cpf_ok, "111.444.777-35", "111.444.777-36"),
        (americas.cpf_ok, "111.444.777-35", "111.111.111-11"),
        (americas.cnpj_ok, "11.222.333/0001-81", "11.222.333/0001-82"),
        (americas.rut_ok, "12.345.678-5", "12.345.678-K"),
        (americas.nit_company_ok, "900.123.456-8", "900.123.456-7"),
        (americas.curp_ok, "HEGG560427MVZRRL04", "HEGG560427MVZRRL05"),
        (americas.curp_ok, "HEGG560427MVZRRL04", "HEGG561327MVZRRL04"),  # month 13
        (americas.rfc_ok, "GODE561231GR8", "GODE561231GR9"),
        (americas.sube_ok, "6061 2676 4527 8126", "6061 2676 4527 8120"),
    ],
)
def test_check_digits(check, good: str, bad: str) -> None:
    assert check(good) and not check(bad)


def test_json_element_name_is_the_keyword(scan) -> None:
    doc = '{"cliente": {"cpf": "111.444.777-35", "nome": "Fulano"}}'
    result = scan(doc, name="c.json", ids=["BRAZIL_CPF_NUMBER"])
    assert result.managed["BRAZIL_CPF_NUMBER"].occurrences == [
        {"recordIndex": 0, "jsonPath": "$.cliente.cpf"}
    ]
