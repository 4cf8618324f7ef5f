"""National, tax, passport and health numbers of France, Germany, Italy, Spain and the UK,
and European Health Insurance Card numbers.

Shapes, check digits and keywords follow the Macie reference pages
(https://docs.aws.amazon.com/macie/latest/user/mdis-reference-pii.html and
...-phi.html); check-digit rules are the issuing administrations' published ones.
"""

from __future__ import annotations

import re

from macie_notify.detect import validators as v
from macie_notify.detect.rule import Rule

_ALNUM = "0-9A-Za-z"
_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]")


def _compact(text: str) -> str:
    return _NOT_ALNUM.sub("", text).upper()


def _not_repeated(number: str) -> bool:
    return len(set(number)) > 1


# -- France ------------------------------------------------------------------------------


def insee_ok(text: str) -> bool:
    """NIR (numéro de sécurité sociale): 13 characters and a key of 97 - (number mod 97);
    Corsica's departments 2A/2B count as 19/18."""
    value = _compact(text)
    if len(value) != 15:
        return False
    body = value[:13].replace("2A", "19", 1) if value[5:7] == "2A" else value[:13]
    body = body.replace("2B", "18", 1) if value[5:7] == "2B" else body
    if not body.isdigit() or not value[13:].isdigit():
        return False
    return 97 - int(body) % 97 == int(value[13:])


def fr_tax_ok(text: str) -> bool:
    """Numéro fiscal (SPI): 13 digits, first 0-3, last three = first ten mod 511."""
    number = v.digits(text)
    return len(number) == 13 and number[0] in "0123" and int(number[:10]) % 511 == int(number[10:])


def fr_cni_ok(text: str) -> bool:
    """Carte nationale d'identité (12 characters): issue year and month, then department."""
    value = _compact(text)
    return len(value) == 12 and 1 <= int(value[2:4]) <= 12 and _not_repeated(value[7:])


# -- Germany -----------------------------------------------------------------------------

_ICAO_WEIGHTS = (7, 3, 1)


def icao_check(value: str) -> int:
    """ICAO 9303 check digit (weights 7-3-1, letters A=10 .. Z=35)."""
    return sum(int(c, 36) * _ICAO_WEIGHTS[i % 3] for i, c in enumerate(value)) % 10


def de_document_ok(text: str) -> bool:
    """Personalausweis / Reisepass serial: nine characters and, when present, the ICAO check."""
    value = _compact(text)
    if len(value) == 9:
        return _not_repeated(value[1:])
    return len(value) == 10 and icao_check(value[:9]) == int(value[9])


def de_steuer_id_ok(text: str) -> bool:
    """Steuerliche Identifikationsnummer: 11 digits, no leading 0, one digit of the first ten
    repeated (twice or three times), ISO 7064 MOD 11,10 check digit."""
    number = v.digits(text)
    if len(number) != 11 or number[0] == "0":
        return False
    counts = sorted((number[:10].count(d) for d in set(number[:10])), reverse=True)
    if counts[0] not in (2, 3) or (len(counts) > 1 and counts[1] != 1):
        return False
    product = 10
    for digit in number[:10]:
        total = (int(digit) + product) % 10 or 10
        product = total * 2 % 11
    return (11 - product) % 10 == int(number[10])


# -- Italy -------------------------------------------------------------------------------

_CF_ODD = dict(
    zip(
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20,
         11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23],
        strict=True,
    )
)  # fmt: skip


_CF_MONTHS = "ABCDEHLMPRST"
_CF_DIGITS = str.maketrans("LMNPQRSTUV", "0123456789")  # omocodia: digits written as letters
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _cf_birth_ok(value: str) -> bool:
    day = int(value[9:11].translate(_CF_DIGITS))
    day = day - 40 if day > 40 else day  # women: day + 40
    return 1 <= day <= _MONTH_DAYS[_CF_MONTHS.index(value[8])]


def codice_fiscale_ok(text: str) -> bool:
    """Codice fiscale: 15 characters and a check letter (odd/even position tables)."""
    value = text.upper()
    if len(value) != 16 or not _cf_birth_ok(value):
        return False
    total = 0
    for index, char in enumerate(value[:15]):
        if index % 2 == 0:
            total += _CF_ODD[char]
        else:
            total += int(char) if char.isdigit() else ord(char) - 65
    return chr(65 + total % 26) == value[15]


# -- Spain -------------------------------------------------------------------------------

_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def dni_ok(text: str) -> bool:
    """DNI: 8 digits and the letter of their value mod 23."""
    value = _compact(text)
    return (
        len(value) == 9
        and value[:8].isdigit()
        and _not_repeated(value[:8])
        and _DNI_LETTERS[int(value[:8]) % 23] == value[8]
    )


def nie_ok(text: str) -> bool:
    """NIE: X/Y/Z (0/1/2), 7 digits, the DNI letter of the resulting 8-digit number."""
    value = _compact(text)
    if len(value) != 9 or value[0] not in "XYZ" or not value[1:8].isdigit():
        return False
    return _DNI_LETTERS[int(str("XYZ".index(value[0])) + value[1:8]) % 23] == value[8]


def nif_ok(text: str) -> bool:
    """NIF of a person: a DNI, an NIE, or K/L/M + 7 digits + DNI letter."""
    value = _compact(text)
    if value[:1] in ("K", "L", "M"):
        return (
            len(value) == 9
            and value[1:8].isdigit()
            and (_DNI_LETTERS[int(value[1:8]) % 23] == value[8])
        )
    return dni_ok(value) or nie_ok(value)


def cif_ok(text: str) -> bool:
    """CIF (NIF of an organisation): type letter, 7 digits, control digit or letter."""
    value = _compact(text)
    if len(value) != 9 or not value[1:8].isdigit():
        return False
    odd = sum(sum(divmod(int(d) * 2, 10)) for d in value[1:8:2])
    even = sum(int(d) for d in value[2:8:2])
    check = (10 - (odd + even) % 10) % 10
    # Sources disagree on which organisation types use a letter control: accept either.
    return value[8] in (str(check), "JABCDEFGHI"[check])


def es_ssn_ok(text: str) -> bool:
    """Número de la Seguridad Social: province (01-53, 66), 8 digits, mod 97 control."""
    number = v.digits(text)
    if len(number) != 12:
        return False
    province = int(number[:2])
    if not (1 <= province <= 53 or province == 66):
        return False
    serial = int(number[2:10])
    # Serials below 10,000,000 are written with a leading zero the control ignores.
    body = province * 10**7 + serial if serial < 10**7 else int(number[:10])
    return body % 97 == int(number[10:])


# -- United Kingdom ----------------------------------------------------------------------


def utr_ok(text: str) -> bool:
    """Unique Taxpayer Reference: 10 digits, the first a check over the other nine."""
    number = v.digits(text)
    if len(number) != 10 or not _not_repeated(number):
        return False
    weights = (6, 7, 8, 9, 10, 5, 4, 3, 2)
    total = sum(w * int(d) for w, d in zip(weights, number[1:], strict=True))
    return "21987654321"[total % 11] == number[0]


def ehic_ok(text: str) -> bool:
    """EHIC card number: 20 digits, ``80`` (health) + ISO 3166 numeric country, Luhn."""
    number = v.digits(text)
    return len(number) == 20 and number.startswith("80") and v.luhn_ok(number)


def fi_ehic_ok(text: str) -> bool:
    return ehic_ok(text) and v.digits(text).startswith("80246")


_KW_PASSPORT = ("passport", "passport number", "passport no", "passport#", "passport #")
# German and UK passport numbers have the shapes of US ones (C + 8 characters, 9 digits): a
# bare "passport number" is not enough to claim them, the keyword must name the country or
# be in its language, else every US passport number would also be a UK or German one.

EUROPE_RULES: tuple[Rule, ...] = (
    Rule(
        "FRANCE_NATIONAL_IDENTIFICATION_NUMBER",
        r"[0-9]{4}[0-9A-Z]{3}[0-9]{5}",
        before=_ALNUM,
        after=_ALNUM,
        check=fr_cni_ok,
        keywords=(
            "carte nationale d'identité",
            "carte nationale d'identite",
            "carte d'identité",
            "carte d'identite",
            "cni",
            "cnie",
            "numéro d'identité",
            "numero d'identite",
            "national identification number",
            "national id",
            "identity card",
        ),
    ),
    Rule(
        "FRANCE_HEALTH_INSURANCE_NUMBER",
        r"[1-478] ?[0-9]{2} ?[0-9]{2} ?(?:[0-9]{2}|2[AB]) ?[0-9]{3} ?[0-9]{3} ?[0-9]{2}",
        before=_ALNUM,
        after=_ALNUM,
        check=insee_ok,
        keywords=(
            "carte vitale",
            "numéro de sécurité sociale",
            "numero de securite sociale",
            "sécurité sociale",
            "securite sociale",
            "numéro d'assuré",
            "numero d'assure",
            "insee",
            "nir",
            "assurance maladie",
            "health insurance number",
        ),
    ),
    Rule(
        "FRANCE_TAX_IDENTIFICATION_NUMBER",
        r"[0-3][0-9] ?[0-9]{2} ?[0-9]{3} ?[0-9]{3} ?[0-9]{3}",
        before=_ALNUM,
        after=_ALNUM,
        check=fr_tax_ok,
        keywords=(
            "numéro fiscal",
            "numero fiscal",
            "numéro d'identification fiscale",
            "numero d'identification fiscale",
            "nif",
            "spi",
            "référence fiscale",
            "reference fiscale",
            "tin",
            "tax identification number",
            "tax id",
        ),
    ),
    Rule(
        "FRANCE_PASSPORT_NUMBER",
        r"[0-9]{2}[A-Z]{2}[0-9]{5}",
        before=_ALNUM,
        after=_ALNUM,
        keywords=("passeport", "numéro de passeport", "numero de passeport", *_KW_PASSPORT),
    ),
    Rule(
        "GERMANY_NATIONAL_IDENTIFICATION_NUMBER",
        r"[CFGHJKLMNPRTVWXYZ][CFGHJKLMNPRTVWXYZ0-9]{8}[0-9]?",
        before=_ALNUM,
        after=_ALNUM,
        check=de_document_ok,
        keywords=(
            "personalausweis",
            "personalausweisnummer",
            "ausweis",
            "ausweisnummer",
            "ausweis-nr",
            "identitätskarte",
            "identitatskarte",
            "id-karte",
            "national identification number",
            "identity card",
        ),
    ),
    Rule(
        "GERMANY_PASSPORT_NUMBER",
        r"[CFGHJK][CFGHJKLMNPRTVWXYZ0-9]{8}[0-9]?",
        before=_ALNUM,
        after=_ALNUM,
        check=de_document_ok,
        keywords=(
            "reisepass",
            "reisepassnummer",
            "passnummer",
            "pass-nr",
            "german passport",
            "deutscher reisepass",
        ),
    ),
    Rule(
        "GERMANY_TAX_IDENTIFICATION_NUMBER",
        r"[1-9][0-9] ?[0-9]{3} ?[0-9]{3} ?[0-9]{3}",
        before=_ALNUM,
        after=_ALNUM,
        check=de_steuer_id_ok,
        keywords=(
            "steueridentifikationsnummer",
            "steuerliche identifikationsnummer",
            "steuer-id",
            "steuerid",
            "steuer id",
            "identifikationsnummer",
            "steuernummer",
            "idnr",
            "tin",
            "tax id",
            "tax identification number",
        ),
    ),
    Rule(
        "ITALY_NATIONAL_IDENTIFICATION_NUMBER",
        r"[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z]"
        r"[0-9LMNPQRSTUV]{3}[A-Z]",
        before=_ALNUM,
        after=_ALNUM,
        check=codice_fiscale_ok,
        keywords=(
            "codice fiscale",
            "cod. fisc.",
            "cod fisc",
            "c.f.",
            "cf",
            "dati anagrafici",
            "partita iva",
            "p. iva",
            "national identification number",
            "tax code",
        ),
    ),
    Rule(
        "ITALY_PASSPORT_NUMBER",
        r"[A-Z]{2}[0-9]{7}",
        before=_ALNUM,
        after=_ALNUM,
        check=lambda text: _not_repeated(text[2:]),
        keywords=("passaporto", "numero passaporto", "numero di passaporto", *_KW_PASSPORT),
    ),
    Rule(
        "SPAIN_DNI_NUMBER",
        r"[0-9]{8}-?[A-Z]",
        before=_ALNUM,
        after=_ALNUM,
        check=dni_ok,
        keywords=(
            "dni",
            "documento nacional de identidad",
            "número de dni",
            "numero de dni",
            "national identification number",
        ),
    ),
    Rule(
        "SPAIN_NIE_NUMBER",
        r"[XYZ]-?[0-9]{7}-?[A-Z]",
        before=_ALNUM,
        after=_ALNUM,
        check=nie_ok,
        keywords=(
            "nie",
            "número de identidad de extranjero",
            "numero de identidad de extranjero",
            "número de identificación de extranjero",
            "tarjeta de residencia",
            "foreigner identity number",
        ),
    ),
    Rule(
        "SPAIN_NIF_NUMBER",
        r"[0-9KLMXYZ][0-9]{7}-?[A-Z]|[KLMXYZ]-[0-9]{7}-?[A-Z]",
        before=_ALNUM,
        after=_ALNUM,
        check=nif_ok,
        keywords=(
            "nif",
            "número de identificación fiscal",
            "numero de identificacion fiscal",
            "número fiscal",
            "tax identification number",
        ),
    ),
    Rule(
        "SPAIN_TAX_IDENTIFICATION_NUMBER",
        r"[ABCDEFGHJNPQRSUVW]-?[0-9]{7}-?[0-9A-J]",
        before=_ALNUM,
        after=_ALNUM,
        check=cif_ok,
        keywords=(
            "cif",
            "código de identificación fiscal",
            "codigo de identificacion fiscal",
            "número de identificación fiscal",
            "nif",
            "tin",
            "tax id",
        ),
    ),
    Rule(
        "SPAIN_SOCIAL_SECURITY_NUMBER",
        r"[0-9]{2}[ /-]?[0-9]{8}[ /-]?[0-9]{2}",
        before=_ALNUM + "/-",
        after=_ALNUM + "/",
        check=es_ssn_ok,
        keywords=(
            "seguridad social",
            "número de la seguridad social",
            "numero de la seguridad social",
            "número de seguridad social",
            "nss",
            "naf",
            "ssn",
            "social security number",
        ),
    ),
    Rule(
        "SPAIN_PASSPORT_NUMBER",
        r"[A-Z]{3}[0-9]{6}",  # the current series (2 letters + 6 digits is Canada's)
        before=_ALNUM,
        after=_ALNUM,
        check=lambda text: _not_repeated(v.digits(text)),
        keywords=("pasaporte", "número de pasaporte", "numero de pasaporte", *_KW_PASSPORT),
    ),
    Rule(
        "UK_PASSPORT_NUMBER",
        r"[0-9]{9}",
        before=_ALNUM,
        after=_ALNUM,
        check=_not_repeated,
        keywords=(
            "uk passport",
            "uk passport number",
            "british passport",
            "british passport number",
            "hm passport",
            "gb passport",
        ),
    ),
    Rule(
        "UK_TAX_IDENTIFICATION_NUMBER",
        r"[0-9]{5} ?[0-9]{5}",
        before=_ALNUM,
        after=_ALNUM,
        check=utr_ok,
        keywords=(
            "utr",
            "unique taxpayer reference",
            "unique tax reference",
            "tax reference",
            "taxpayer reference",
            "self assessment",
            "tin",
            "tax id",
        ),
    ),
    Rule(
        "UK_ELECTORAL_ROLL_NUMBER",
        r"[A-Z]{2,3}[ -]?[0-9]{1,4}",
        before=_ALNUM,
        after=_ALNUM,
        keywords=(
            "electoral roll number",
            "electoral roll no",
            "electoral roll",
            "electoral #",
            "electoral number",
            "electoral register number",
            "poll number",
            "elector number",
        ),
    ),
    Rule(
        "EUROPEAN_HEALTH_INSURANCE_CARD_NUMBER",
        r"80[0-9]{2} ?[0-9]{4} ?[0-9]{4} ?[0-9]{4} ?[0-9]{4}",
        before=_ALNUM,
        after=_ALNUM,
        check=ehic_ok,
        keywords=(
            "ehic",
            "european health insurance card",
            "european health card",
            "carte européenne d'assurance maladie",
            "ceam",
            "europäische krankenversicherungskarte",
            "tessera europea di assicurazione malattia",
            "tarjeta sanitaria europea",
            "health insurance card number",
        ),
    ),
    Rule(
        "FINLAND_EUROPEAN_HEALTH_INSURANCE_NUMBER",
        r"8024 ?6[0-9]{3} ?[0-9]{4} ?[0-9]{4} ?[0-9]{4}",
        before=_ALNUM,
        after=_ALNUM,
        check=fi_ehic_ok,
        keywords=(
            "ehic",
            "eurooppalainen sairaanhoitokortti",
            "sairaanhoitokortti",
            "european health insurance card",
            "kela",
            "vakuutusnumero",
        ),
    ),
)
