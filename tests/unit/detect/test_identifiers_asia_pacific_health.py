"""Australia (TFN), India (Aadhaar, PAN) and the US health identifiers (DEA, HICN, MBI, NDC,
NPI, HCPCS, UDI): positives and decoys through both engines."""

from __future__ import annotations

import pytest
from corpus_cases import family, family_tests

from macie_notify.detect.mdis import asia_pacific, us_health

IDS = [
    *family("AUSTRALIA_TAX", "INDIA_AADHAAR", "INDIA_PERMANENT"),
    *family("USA_HEALTH", "USA_MEDICARE", "USA_NATIONAL", "US_DRUG", "MEDICAL_DEVICE"),
]
test_family_covers_its_identifiers, test_positive, test_decoy = family_tests(IDS, 10)


@pytest.mark.parametrize(
    ("check", "good", "bad"),
    [
        (asia_pacific.tfn_ok, "123 456 782", "123 456 783"),
        (asia_pacific.tfn_ok, "123 456 782", "000 000 000"),
        (asia_pacific.aadhaar_ok, "2341 2341 2346", "2341 2341 2345"),
        (asia_pacific.pan_ok, "ABCPE1234F", "ABCXE1234F"),  # X is no holder type
        (us_health.dea_ok, "AB1234563", "AB1234564"),
        (us_health.npi_ok, "1234567893", "1234567894"),
        (us_health.hicn_ok, "536-22-8726A", "666-22-8726A"),
        (us_health.ndc_ok, "12345-678-90", "123-45678-90"),
        (us_health.udi_ok, "(01)00614141999996", "(01)00614141999995"),
        (us_health.udi_ok, "+A123BJC5D6E71G", "+A123BJC5D6E71H"),
    ],
)
def test_check_digits(check, good: str, bad: str) -> None:
    assert check(good) and not check(bad)


def test_aadhaar_keyword_in_hindi(scan) -> None:
    assert scan("आधार: 2341 2341 2346", ids=["INDIA_AADHAAR_NUMBER"]).managed
