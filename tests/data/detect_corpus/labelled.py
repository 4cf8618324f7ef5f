"""A labelled corpus for the country-specific managed identifiers (``detect/mdis``).

For every identifier: *positives* (a value with valid check digits after one of its
keywords) and *decoys* Macie would not report (the same value with a broken check digit, the
value without any keyword, the keyword too far away). Values are synthetic: random shapes from
a seeded generator, kept when their check digits hold (positives) or fail (decoys), plus
published specimen numbers (anchors) checked against the issuers' documentation.

Used by ``tests/unit/detect/test_identifiers_*.py`` and ``bench/detect_quality.py``.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable
from dataclasses import dataclass, field

from macie_notify.detect.managed import RULES_BY_NAME
from macie_notify.detect.mdis import REGIONAL_RULES

FAR = " and then this sentence runs on for well over thirty characters: "
UPPER = string.ascii_uppercase
DIGITS = string.digits


@dataclass
class Case:
    ident: str
    positives: list[str] = field(default_factory=list)
    decoys: list[str] = field(default_factory=list)


def _d(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(DIGITS) for _ in range(n))


def _u(rng: random.Random, n: int, alphabet: str = UPPER) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _date(rng: random.Random) -> str:
    return f"{rng.randint(40, 99):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"


Gen = Callable[[random.Random], str]

# A generator of the identifier's shape (check digits random), per identifier.
SHAPES: dict[str, Gen] = {
    "FRANCE_NATIONAL_IDENTIFICATION_NUMBER": lambda r: (
        f"{r.randint(0, 99):02d}{r.randint(1, 12):02d}{_d(r, 3)}{_d(r, 5)}"
    ),
    "FRANCE_HEALTH_INSURANCE_NUMBER": lambda r: (
        f"{r.choice('12')} {_d(r, 2)} "
        f"{r.randint(1, 12):02d} {r.choice(['2A', '75', '13', '69'])} {_d(r, 3)} {_d(r, 3)} "
        f"{_d(r, 2)}"
    ),
    "FRANCE_TAX_IDENTIFICATION_NUMBER": lambda r: f"{r.choice('0123')}{_d(r, 12)}",
    "FRANCE_PASSPORT_NUMBER": lambda r: f"{_d(r, 2)}{_u(r, 2)}{_d(r, 5)}",
    "GERMANY_NATIONAL_IDENTIFICATION_NUMBER": lambda r: (
        "L" + _u(r, 8, "CFGHJKLMNPRTVWXYZ0123456789") + _d(r, 1)
    ),
    "GERMANY_PASSPORT_NUMBER": lambda r: "C" + _u(r, 8, "CFGHJKLMNPRTVWXYZ0123456789") + _d(r, 1),
    "GERMANY_TAX_IDENTIFICATION_NUMBER": lambda r: _steuer_shape(r),
    "ITALY_NATIONAL_IDENTIFICATION_NUMBER": lambda r: (
        f"{_u(r, 6)}{_d(r, 2)}"
        f"{r.choice('ABCDEHLMPRST')}{r.randint(1, 28) + r.choice([0, 40]):02d}{_u(r, 1)}{_d(r, 3)}"
        f"{_u(r, 1)}"
    ),
    "ITALY_PASSPORT_NUMBER": lambda r: f"{_u(r, 2)}{_d(r, 7)}",
    "SPAIN_DNI_NUMBER": lambda r: f"{_d(r, 8)}{_u(r, 1, 'TRWAGMYFPDXBNJZSQVHLCKE')}",
    "SPAIN_NIE_NUMBER": lambda r: (
        f"{r.choice('XYZ')}{_d(r, 7)}{_u(r, 1, 'TRWAGMYFPDXBNJZSQVHLCKE')}"
    ),
    "SPAIN_NIF_NUMBER": lambda r: (
        f"{r.choice('KLM0123456789XYZ')}{_d(r, 7)}{_u(r, 1, 'TRWAGMYFPDXBNJZSQVHLCKE')}"
    ),
    "SPAIN_TAX_IDENTIFICATION_NUMBER": lambda r: (
        f"{r.choice('ABCDEFGHJNPQRSUVW')}{_d(r, 7)}{r.choice('0123456789ABCDEFGHIJ')}"
    ),
    "SPAIN_SOCIAL_SECURITY_NUMBER": lambda r: f"{r.randint(1, 53):02d}/{_d(r, 8)}/{_d(r, 2)}",
    "SPAIN_PASSPORT_NUMBER": lambda r: f"{_u(r, 3)}{_d(r, 6)}",
    "UK_PASSPORT_NUMBER": lambda r: _d(r, 9),
    "UK_TAX_IDENTIFICATION_NUMBER": lambda r: _d(r, 10),
    "UK_ELECTORAL_ROLL_NUMBER": lambda r: f"{_u(r, 3)}-{r.randint(1, 9999)}",
    "EUROPEAN_HEALTH_INSURANCE_CARD_NUMBER": lambda r: (
        f"80{r.choice(['276', '250', '380'])}{_d(r, 15)}"
    ),
    "FINLAND_EUROPEAN_HEALTH_INSURANCE_NUMBER": lambda r: f"80246{_d(r, 15)}",
    "ARGENTINA_DNI_NUMBER": lambda r: f"{r.randint(10, 45)}.{_d(r, 3)}.{_d(r, 3)}",
    "ARGENTINA_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER": lambda r: (
        f"{r.choice(['20', '27'])}-{_d(r, 8)}-{_d(r, 1)}"
    ),
    "ARGENTINA_ORGANIZATION_TAX_IDENTIFICATION_NUMBER": lambda r: f"30-{_d(r, 8)}-{_d(r, 1)}",
    "ARGENTINA_TARJETA_SUBE": lambda r: f"6061 {_d(r, 4)} {_d(r, 4)} {_d(r, 4)}",
    "BRAZIL_CPF_NUMBER": lambda r: f"{_d(r, 3)}.{_d(r, 3)}.{_d(r, 3)}-{_d(r, 2)}",
    "BRAZIL_CNPJ_NUMBER": lambda r: f"{_d(r, 2)}.{_d(r, 3)}.{_d(r, 3)}/0001-{_d(r, 2)}",
    "BRAZIL_RG_NUMBER": lambda r: f"{_d(r, 2)}.{_d(r, 3)}.{_d(r, 3)}-{r.choice(DIGITS + 'X')}",
    "BRAZIL_CEP_CODE": lambda r: f"{_d(r, 5)}-{_d(r, 3)}",
    "COLOMBIA_CITIZENSHIP_CARD_NUMBER": lambda r: f"{r.randint(1, 99)}.{_d(r, 3)}.{_d(r, 3)}",
    "CHILE_RUT_NUMBER": lambda r: (
        f"{r.randint(5, 25)}.{_d(r, 3)}.{_d(r, 3)}-{r.choice(DIGITS + 'K')}"
    ),
    "COLOMBIA_INDIVIDUAL_NIT_NUMBER": lambda r: (
        f"{r.randint(10, 79)}.{_d(r, 3)}.{_d(r, 3)}-{_d(r, 1)}"
    ),
    "COLOMBIA_ORGANIZATION_NIT_NUMBER": lambda r: (
        f"{r.choice('89')}{_d(r, 2)}.{_d(r, 3)}.{_d(r, 3)}-{_d(r, 1)}"
    ),
    "MEXICO_CURP_NUMBER": lambda r: (
        f"{_u(r, 1)}{r.choice('AEIOU')}{_u(r, 2)}{_date(r)}"
        f"{r.choice('HM')}{r.choice(['DF', 'JC', 'NL', 'VZ'])}{_u(r, 3, 'BCDFGHJKLMNPQRSTVWXZ')}0"
        f"{_d(r, 1)}"
    ),
    "MEXICO_INDIVIDUAL_RFC_NUMBER": lambda r: (
        f"{_u(r, 4)}{_date(r)}{_u(r, 1, 'ABCDEFGH')}"
        f"{_d(r, 1).replace('0', '1')}{r.choice(DIGITS + 'A')}"
    ),
    "MEXICO_ORGANIZATION_RFC_NUMBER": lambda r: (
        f"{_u(r, 3)}{_date(r)}{_u(r, 1, 'ABCDEFGH')}"
        f"{_d(r, 1).replace('0', '1')}{r.choice(DIGITS + 'A')}"
    ),
    "CANADA_PASSPORT_NUMBER": lambda r: f"{_u(r, 2)}{_d(r, 6)}",
    "CANADA_NATIONAL_IDENTIFICATION_NUMBER": lambda r: f"{_d(r, 4)}-{_d(r, 4)}",
    "CANADA_HEALTH_NUMBER": lambda r: f"{_d(r, 4)} {_d(r, 3)} {_d(r, 3)}",
    "AUSTRALIA_TAX_FILE_NUMBER": lambda r: f"{_d(r, 3)} {_d(r, 3)} {_d(r, 3)}",
    "INDIA_AADHAAR_NUMBER": lambda r: f"{r.choice('23456789')}{_d(r, 3)} {_d(r, 4)} {_d(r, 4)}",
    "INDIA_PERMANENT_ACCOUNT_NUMBER": lambda r: (
        f"{_u(r, 3)}{r.choice('PCHFT')}{_u(r, 1)}{_d(r, 4)}{_u(r, 1)}"
    ),
    "US_DRUG_ENFORCEMENT_AGENCY_NUMBER": lambda r: f"{r.choice('ABFM')}{_u(r, 1)}{_d(r, 7)}",
    "USA_HEALTH_INSURANCE_CLAIM_NUMBER": lambda r: (
        f"{r.randint(100, 665)}-{r.randint(10, 99)}-{r.randint(1000, 9999)}-A"
    ),
    "USA_MEDICARE_BENEFICIARY_IDENTIFIER": lambda r: _mbi(r),
    "USA_NATIONAL_DRUG_CODE": lambda r: f"{_d(r, 5)}-{_d(r, 3)}-{_d(r, 2)}",
    "USA_NATIONAL_PROVIDER_IDENTIFIER": lambda r: f"1{_d(r, 9)}",
    "USA_HEALTHCARE_PROCEDURE_CODE": lambda r: f"{r.choice('AEGJ')}{r.randint(1, 9999):04d}",
    "MEDICAL_DEVICE_UDI": lambda r: f"(01){_d(r, 14)}",
}

_MBI_LETTERS = "ACDEFGHJKMNPQRTUVWXY"


def _mbi(r: random.Random) -> str:
    a = lambda: r.choice(_MBI_LETTERS)  # noqa: E731
    return f"{r.randint(1, 9)}{a()}{a()}{_d(r, 1)}-{a()}{a()}{_d(r, 1)}-{a()}{a()}{_d(r, 2)}"


def _steuer_shape(r: random.Random) -> str:
    digits = list(DIGITS)
    r.shuffle(digits)
    body = digits[:9]
    body.insert(r.randint(1, 9), r.choice(body))
    if body[0] == "0":
        body[0], body[1] = body[1], body[0]
    return "".join(body) + _d(r, 1)


# Shapes for licences and phones come from simple per-country templates.
_LICENCE_SHAPES: dict[str, Gen] = {
    "AUSTRALIA": lambda r: _d(r, 9),
    "AUSTRIA": lambda r: _d(r, 8),
    "BELGIUM": lambda r: _d(r, 10),
    "BULGARIA": lambda r: _d(r, 9),
    "CANADA": lambda r: f"{_u(r, 1)}{_d(r, 4)}-{_d(r, 5)}-{_d(r, 5)}",
    "CROATIA": lambda r: _d(r, 8),
    "CYPRUS": lambda r: _d(r, 12),
    "CZECHIA": lambda r: f"{_u(r, 2)}{_d(r, 6)}",
    "DENMARK": lambda r: _d(r, 8),
    "ESTONIA": lambda r: f"{_u(r, 2)}{_d(r, 6)}",
    "FINLAND": lambda r: (
        f"{_date(r)[4:]}{_date(r)[2:4]}{_d(r, 2)}-{r.randint(2, 899):03d}"
        f"{r.choice('0123456789ABCDEFHJKLMNPRSTUVWXY')}"
    ),
    "FRANCE": lambda r: f"{_d(r, 2)}{r.randint(1, 12):02d}{_d(r, 8)}",
    "GERMANY": lambda r: f"B{_d(r, 2)}{_u(r, 6, UPPER + DIGITS)}{_d(r, 1)}{_u(r, 1)}",
    "GREECE": lambda r: _d(r, 9),
    "HUNGARY": lambda r: f"{_u(r, 2)}{_d(r, 6)}",
    "INDIA": lambda r: (
        f"{r.choice(['MH', 'KA', 'DL', 'TN'])}{_d(r, 2)} {r.randint(1990, 2024)}{_d(r, 7)}"
    ),
    "IRELAND": lambda r: _d(r, 9),
    "ITALY": lambda r: f"{_u(r, 2)}{_d(r, 7)}{_u(r, 1)}",
    "LATVIA": lambda r: f"{_u(r, 2)}{_d(r, 6)}",
    "LITHUANIA": lambda r: _d(r, 8),
    "LUXEMBOURG": lambda r: _d(r, 6),
    "MALTA": lambda r: f"{_d(r, 7)}{_u(r, 1)}",
    "NETHERLANDS": lambda r: _d(r, 10),
    "POLAND": lambda r: f"{_d(r, 5)}/{_d(r, 2)}/{_d(r, 4)}",
    "PORTUGAL": lambda r: f"{_u(r, 2)}-{_d(r, 6)} {_d(r, 1)}",
    "ROMANIA": lambda r: f"{_u(r, 1)}{_d(r, 8)}",
    "SLOVAKIA": lambda r: f"{_u(r, 1)}{_d(r, 7)}",
    "SLOVENIA": lambda r: _d(r, 8),
    "SPAIN": lambda r: f"{_d(r, 8)}{_u(r, 1, 'TRWAGMYFPDXBNJZSQVHLCKE')}",
    "SWEDEN": lambda r: f"{_date(r)}-{_d(r, 4)}",
    "UK": lambda r: (
        f"{_u(r, 5)}{r.randint(0, 9)}{r.choice(['0', '1', '5', '6'])}"
        f"{r.randint(1, 2)}{r.randint(10, 28)}{r.randint(0, 9)}{_u(r, 2)}9{_u(r, 2)}"
    ),
}
SHAPES.update({f"{c}_DRIVERS_LICENSE": g for c, g in _LICENCE_SHAPES.items()})

_PHONE_SHAPES: dict[str, tuple[str, str, Gen]] = {
    "BRAZIL": ("+55", "telefone", lambda r: f"({r.randint(11, 99)}) 9{_d(r, 4)}-{_d(r, 4)}"),
    "FRANCE": (
        "+33",
        "téléphone",
        lambda r: f"0{r.randint(1, 7)} {_d(r, 2)} {_d(r, 2)} {_d(r, 2)} {_d(r, 2)}",
    ),
    "GERMANY": ("+49", "Telefon", lambda r: f"030 {r.randint(1000000, 9999999)}"),
    "ITALY": ("+39", "cellulare", lambda r: f"3{_d(r, 2)} {_d(r, 3)} {_d(r, 4)}"),
    "SPAIN": ("+34", "móvil", lambda r: f"6{_d(r, 2)} {_d(r, 3)} {_d(r, 3)}"),
    "UK": ("+44", "phone", lambda r: f"020 {r.randint(1000, 9999)} {r.randint(1000, 9999)}"),
}

# Published specimen values (issuer documentation and well-known test values).
ANCHORS: dict[str, list[str]] = {
    "BRAZIL_CPF_NUMBER": ["111.444.777-35"],
    "BRAZIL_CNPJ_NUMBER": ["11.222.333/0001-81"],
    "SPAIN_DNI_NUMBER": ["12345678Z"],
    "SPAIN_NIE_NUMBER": ["X1234567L"],
    "ITALY_NATIONAL_IDENTIFICATION_NUMBER": ["RSSMRA85T10A562S"],
    "GERMANY_TAX_IDENTIFICATION_NUMBER": ["86095742719"],
    "MEXICO_CURP_NUMBER": ["HEGG560427MVZRRL04"],
    "MEXICO_INDIVIDUAL_RFC_NUMBER": ["GODE561231GR8"],
    "CHILE_RUT_NUMBER": ["12.345.678-5"],
    "AUSTRALIA_TAX_FILE_NUMBER": ["123 456 782"],
    "INDIA_AADHAAR_NUMBER": ["2341 2341 2346"],
    "USA_NATIONAL_PROVIDER_IDENTIFIER": ["1234567893"],
    "USA_MEDICARE_BENEFICIARY_IDENTIFIER": ["1EG4-TE5-MK73"],
    "US_DRUG_ENFORCEMENT_AGENCY_NUMBER": ["AB1234563"],
    "FRANCE_HEALTH_INSURANCE_NUMBER": ["2 55 08 14 168 025 38"],
}


def _keyword(ident: str) -> str:
    """The first ASCII keyword of the identifier's rule, else its first one."""
    rule = RULES_BY_NAME[ident]
    return next((k for k in rule.keywords if k.isascii()), rule.keywords[0])


def _valid(ident: str, value: str) -> bool:
    rule = RULES_BY_NAME[ident]
    pattern = re.compile(f"(?:{rule.core})", re.ASCII)
    return bool(pattern.fullmatch(value)) and rule.check(value)


def build(per_identifier: int = 6, seed: int = 7) -> dict[str, Case]:
    """The labelled cases, identical for a given seed."""
    rng = random.Random(seed)
    cases: dict[str, Case] = {}
    for ident, shape in SHAPES.items():
        cases[ident] = _cases(ident, shape, rng, per_identifier)
    for country, (code, keyword, national) in _PHONE_SHAPES.items():
        ident = f"{country}_PHONE_NUMBER"
        case = Case(ident)
        for _ in range(per_identifier // 2):
            number = national(rng)
            case.positives.append(f"{keyword}: {number}")
            case.positives.append(f"reach us on {code} {number.removeprefix('0')} anytime")
            case.decoys.append(f"order ref {number} shipped")  # national form, no keyword
            if country != "UK":  # the national form needs a keyword in the country's language
                case.decoys.append(f"phone: {number}")
        case.decoys.append("phone: 12")
        cases[ident] = case
    return cases


def _cases(ident: str, shape: Gen, rng: random.Random, count: int) -> Case:
    case = Case(ident)
    keyword = _keyword(ident)
    checked = RULES_BY_NAME[ident].check.__name__ not in ("always", "_distinct", "<lambda>")
    good: list[str] = list(ANCHORS.get(ident, []))
    bad: list[str] = []
    for _ in range(20000):
        if len(good) >= count and (len(bad) >= count // 2 or not checked):
            break
        value = shape(rng)
        if _valid(ident, value):
            if len(good) < count:
                good.append(value)
        elif checked and len(bad) < count // 2 and _repeats_ok(value):
            bad.append(value)
    for index, value in enumerate(good):
        upper = keyword.upper() if keyword.isascii() else keyword
        case.positives.append(f"{keyword}: {value}" if index % 2 else f"{upper} {value}")
    case.decoys += [f"{keyword}: {value}" for value in bad]
    case.decoys += [f"reference {good[0]} attached", f"{keyword}{FAR}{good[-1]}"]
    return case


def _repeats_ok(value: str) -> bool:
    # A decoy must fail on its check digits, not because it is a run of one digit.
    return len(set(value)) > 3


def selected_regional() -> list[str]:
    return sorted({i for rule in REGIONAL_RULES for i in rule.reports})
