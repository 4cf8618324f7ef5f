"""US health identifiers (PHI): DEA, HICN, MBI, NDC, NPI, HCPCS codes and device UDIs.

Every one needs a keyword (https://docs.aws.amazon.com/macie/latest/user/mdis-reference-phi.html);
check digits are the DEA's, CMS's (NPI: Luhn over ``80840`` + the number) and GS1's.
"""

from __future__ import annotations

import re

from macie_notify.detect import validators as v
from macie_notify.detect.rule import Rule

_ALNUM = "0-9A-Za-z"


def dea_ok(text: str) -> bool:
    """DEA registration: registrant type, name letter, 6 digits and a check digit."""
    number = text[2:]
    odd = int(number[0]) + int(number[2]) + int(number[4])
    even = int(number[1]) + int(number[3]) + int(number[5])
    return (odd + 2 * even) % 10 == int(number[6]) and len(set(number)) > 1


def npi_ok(text: str) -> bool:
    """NPI: 10 digits from 1 or 2; Luhn over the number prefixed with 80840."""
    number = v.digits(text)
    return len(number) == 10 and number[0] in "12" and v.luhn_ok("80840" + number)


def hicn_ok(text: str) -> bool:
    """Health Insurance Claim Number: a valid SSN and a beneficiary identification code."""
    return v.ssn_ok(v.digits(text)[:9])


_MBI = re.compile(
    r"[1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9][0-9]-?[AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9][0-9]-?"
    r"[AC-HJKMNP-RT-Y]{2}[0-9]{2}"
)


def ndc_ok(text: str) -> bool:
    """NDC: labeler-product-package as 4-4-2, 5-3-2, 5-4-1 or 5-4-2 (11-digit billing form)."""
    parts = [len(p) for p in text.split("-")]
    return parts in ([4, 4, 2], [5, 3, 2], [5, 4, 1], [5, 4, 2]) and v.digits(text).strip("0") != ""


def gs1_check_ok(number: str) -> bool:
    """GS1 mod 10: weights 3 and 1 from the right, check digit last."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(number[:-1])))
    return (10 - total % 10) % 10 == int(number[-1])


_HIBC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%"


def udi_ok(text: str) -> bool:
    """GS1 ``(01)`` + GTIN-14 with its check digit, or a HIBCC ``+`` label with its mod 43
    check character."""
    if text.startswith("+"):
        body, check = text[:-1], text[-1]
        return _HIBC[sum(_HIBC.index(c) for c in body) % 43] == check
    gtin = v.digits(text)[2:16]
    return len(gtin) == 14 and gs1_check_ok(gtin)


US_HEALTH_RULES: tuple[Rule, ...] = (
    Rule(
        "US_DRUG_ENFORCEMENT_AGENCY_NUMBER",
        r"[ABCDEFGHJKLMPRSTUX][A-Z9][0-9]{7}",
        before=_ALNUM,
        after=_ALNUM,
        check=dea_ok,
        keywords=(
            "dea number",
            "dea registration",
            "dea registration number",
            "dea#",
            "dea #",
            "dea no",
            "dea",
        ),
    ),
    Rule(
        "USA_HEALTH_INSURANCE_CLAIM_NUMBER",
        r"[0-9]{3}-?[0-9]{2}-?[0-9]{4}-?(?:[ABDM][0-9A-Z]?|[C-HJKTW][0-9]?)",
        before=_ALNUM + "-",
        after=_ALNUM,
        check=hicn_ok,
        keywords=(
            "hicn",
            "health insurance claim number",
            "hic no",
            "hic#",
            "hic #",
            "medicare claim number",
            "medicare number",
        ),
    ),
    Rule(
        "USA_MEDICARE_BENEFICIARY_IDENTIFIER",
        _MBI.pattern,
        before=_ALNUM + "-",
        after=_ALNUM,
        keywords=(
            "mbi",
            "medicare beneficiary identifier",
            "medicare beneficiary",
            "medicare beneficiary id",
            "medicare id",
            "medicare number",
        ),
    ),
    Rule(
        "USA_NATIONAL_DRUG_CODE",
        r"[0-9]{4,5}-[0-9]{3,4}-[0-9]{1,2}",
        before=_ALNUM + "-",
        after=_ALNUM + "-",
        check=ndc_ok,
        keywords=("ndc", "national drug code", "ndc code", "ndc#", "drug code"),
    ),
    Rule(
        "USA_NATIONAL_PROVIDER_IDENTIFIER",
        r"[12][0-9]{9}",
        before=_ALNUM,
        after=_ALNUM,
        check=npi_ok,
        keywords=(
            "npi",
            "n.p.i",
            "n.p.i.",
            "national provider",
            "national provider identifier",
            "hipaa",
        ),
    ),
    Rule(
        "USA_HEALTHCARE_PROCEDURE_CODE",
        r"[A-V][0-9]{4}|[0-9]{4}[0-9FTU]",
        before=_ALNUM + "-",
        after=_ALNUM,
        check=lambda text: text[1:5] != "0000",
        keywords=(
            "hcpcs",
            "healthcare common procedure coding system",
            "cpt",
            "current procedural terminology",
            "procedure code",
            "cpt code",
            "hcpcs code",
        ),
    ),
    Rule(
        "MEDICAL_DEVICE_UDI",
        r"\(01\)[0-9]{14}|01[0-9]{14}|\+[A-Z][A-Z0-9]{3}[A-Z0-9]{1,18}[0-9][A-Z0-9$/+%. -]",
        before=_ALNUM,
        after=_ALNUM,
        check=udi_ok,
        keywords=(
            "udi",
            "unique device identifier",
            "unique device identification",
            "device identifier",
            "udi-di",
            "gs1",
            "hibcc",
            "iccbba",
            "gudid",
        ),
    ),
)
