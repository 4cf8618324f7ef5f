"""National and tax numbers of Argentina, Brazil, Chile, Colombia, Mexico and Canada.

Shapes and keywords from the Macie PII reference
(https://docs.aws.amazon.com/macie/latest/user/mdis-reference-pii.html); the check digits are
the issuing administrations' (AFIP, Receita Federal, SII, DIAN, RENAPO/SAT, provincial health
ministries).
"""

from __future__ import annotations

from macie_notify.detect import validators as v
from macie_notify.detect.rule import Rule

_ALNUM = "0-9A-Za-z"


def _distinct(number: str) -> bool:
    return len(set(number)) > 1


# -- Argentina ---------------------------------------------------------------------------


def _cuit_ok(number: str) -> bool:
    if len(number) != 11:
        return False
    weights = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    total = sum(w * int(d) for w, d in zip(weights, number, strict=False))
    return "012345678990"[(11 - total) % 11] == number[10]


def cuit_person_ok(text: str) -> bool:
    """CUIL/CUIT of a person: type 20/23/24/27, DNI, mod 11 check digit."""
    number = v.digits(text)
    return number[:2] in ("20", "23", "24", "27") and _cuit_ok(number)


def cuit_company_ok(text: str) -> bool:
    """CUIT of an organisation: type 30/33/34."""
    number = v.digits(text)
    return number[:2] in ("30", "33", "34") and _cuit_ok(number)


def sube_ok(text: str) -> bool:
    number = v.digits(text)
    return len(number) == 16 and number.startswith("6061") and v.luhn_ok(number)


# -- Brazil ------------------------------------------------------------------------------


def cpf_ok(text: str) -> bool:
    """CPF: 9 digits and two mod 11 check digits; one repeated digit is not a CPF."""
    number = v.digits(text)
    if len(number) != 11 or not _distinct(number):
        return False
    first = sum((10 - i) * int(d) for i, d in enumerate(number[:9])) * 10 % 11 % 10
    second = sum((11 - i) * int(d) for i, d in enumerate(number[:10])) * 10 % 11 % 10
    return number[9:] == f"{first}{second}"


def _cnpj_digit(body: str) -> int:
    weights = (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)[-len(body) :]
    rest = sum(w * int(d) for w, d in zip(weights, body, strict=True)) % 11
    return 0 if rest < 2 else 11 - rest


def cnpj_ok(text: str) -> bool:
    """CNPJ: 12 digits (company + branch) and two mod 11 check digits."""
    number = v.digits(text)
    if len(number) != 14 or not _distinct(number):
        return False
    first = _cnpj_digit(number[:12])
    return number[12:] == f"{first}{_cnpj_digit(number[:12] + str(first))}"


def rg_ok(text: str) -> bool:
    """RG (São Paulo layout): 8 digits and a mod 11 check character (10 is ``X``)."""
    value = text.upper().replace(".", "").replace("-", "").replace(" ", "")
    if len(value) != 9 or not value[:8].isdigit() or not _distinct(value[:8]):
        return False
    rest = sum((i + 2) * int(d) for i, d in enumerate(value[:8])) % 11
    return value[8] == ("X" if rest == 10 else str(rest))


# -- Chile and Colombia ------------------------------------------------------------------


def rut_ok(text: str) -> bool:
    """RUT/RUN: 7-8 digits and a mod 11 check character (``K`` for 10)."""
    value = text.upper().replace(".", "").replace("-", "").replace(" ", "")
    body, check = value[:-1], value[-1:]
    if not body.isdigit() or not 7 <= len(body) <= 8:
        return False
    total = sum(int(d) * (2 + i % 6) for i, d in enumerate(reversed(body)))
    return "0123456789K"[(11 - total % 11) % 11] == check


_NIT_WEIGHTS = (3, 7, 13, 17, 19, 23, 29, 37, 41, 43, 47, 53, 59, 67, 71)


def _nit_ok(number: str) -> bool:
    body, check = number[:-1], number[-1]
    total = sum(w * int(d) for w, d in zip(_NIT_WEIGHTS, reversed(body), strict=False)) % 11
    return "01987654321"[total] == check and _distinct(body)


def nit_company_ok(text: str) -> bool:
    """NIT of an organisation: 9 digits starting with 8 or 9, DIAN check digit."""
    number = v.digits(text)
    return len(number) == 10 and number[0] in "89" and _nit_ok(number)


def nit_person_ok(text: str) -> bool:
    """NIT of a person: the cédula (6-10 digits) and the DIAN check digit."""
    number = v.digits(text)
    return (
        7 <= len(number) <= 11
        and not (len(number) == 10 and number[0] in "89")
        and (_nit_ok(number))
    )


# -- Mexico ------------------------------------------------------------------------------

_CURP_ALPHABET = "0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ"
_CURP_STATES = frozenset(
    "AS BC BS CC CL CM CS CH DF DG GT GR HG JC MC MN MS NT NL OC PL QT QR SP SL SR TC TS TL VZ "
    "YN ZS NE".split()
)


def curp_ok(text: str) -> bool:
    """CURP: name letters, birth date, sex, state, consonants, homoclave and check digit."""
    value = text.upper()
    if len(value) != 18 or value[11:13] not in _CURP_STATES or not _date_ok(value[4:10]):
        return False
    total = sum(_CURP_ALPHABET.index(c) * (18 - i) for i, c in enumerate(value[:17]))
    return str((10 - total % 10) % 10) == value[17]


_RFC_ALPHABET = "0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ Ñ"


def rfc_ok(text: str) -> bool:
    """RFC: 3 (organisation) or 4 (person) letters, date, homoclave; SAT check character."""
    value = text.upper()
    padded = value.rjust(13)
    if not _date_ok(padded[4:10]):
        return False
    total = sum(_RFC_ALPHABET.index(c) * (13 - i) for i, c in enumerate(padded[:12]))
    return "0123456789A"[(11 - total % 11) % 11] == padded[12]


def _date_ok(yymmdd: str) -> bool:
    month, day = int(yymmdd[2:4]), int(yymmdd[4:6])
    return 1 <= month <= 12 and 1 <= day <= 31


# -- Canada ------------------------------------------------------------------------------


def ca_health_ok(text: str) -> bool:
    """Provincial health numbers: Ontario (10 digits, Luhn, optional version letters),
    British Columbia (10 digits from 9, mod 11), Québec RAMQ (4 letters, birth date, 2)."""
    value = text.upper().replace(" ", "").replace("-", "")
    if value[:4].isalpha():
        month = int(value[6:8]) % 50
        return len(value) == 12 and value[4:].isdigit() and 1 <= month <= 12
    number = value[:10]
    if len(number) != 10 or not number.isdigit() or not _distinct(number):
        return False
    if number[0] == "9":
        weights = (2, 4, 8, 5, 10, 9, 7, 3)
        rest = sum(w * int(d) for w, d in zip(weights, number[1:9], strict=True)) % 11
        if 11 - rest == int(number[9]):
            return True
    return v.luhn_ok(number)


ARGENTINA_RULES: tuple[Rule, ...] = (
    Rule(
        "ARGENTINA_DNI_NUMBER",
        r"[0-9]{2}\.[0-9]{3}\.[0-9]{3}|[0-9]{1}\.[0-9]{3}\.[0-9]{3}|[0-9]{7,8}",
        before=_ALNUM + ".",
        after=_ALNUM,
        check=lambda text: _distinct(v.digits(text)),
        keywords=(
            "dni",
            "documento nacional de identidad",
            "número de documento",
            "numero de documento",
            "documento de identidad",
        ),
    ),
    Rule(
        "ARGENTINA_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER",
        r"2[0347]-?[0-9]{8}-?[0-9]",
        before=_ALNUM + "-",
        after=_ALNUM,
        check=cuit_person_ok,
        keywords=(
            "cuil",
            "cuit",
            "código único de identificación laboral",
            "codigo unico de identificacion laboral",
            "clave única de identificación tributaria",
            "clave unica de identificacion tributaria",
        ),
    ),
    Rule(
        "ARGENTINA_ORGANIZATION_TAX_IDENTIFICATION_NUMBER",
        r"3[034]-?[0-9]{8}-?[0-9]",
        before=_ALNUM + "-",
        after=_ALNUM,
        check=cuit_company_ok,
        keywords=(
            "cuit",
            "clave única de identificación tributaria",
            "clave unica de identificacion tributaria",
            "tax id",
        ),
    ),
    Rule(
        "ARGENTINA_TARJETA_SUBE",
        r"6061[ -]?[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{4}",
        before=_ALNUM,
        after=_ALNUM,
        check=sube_ok,
        keywords=("sube", "tarjeta sube", "número de tarjeta sube", "numero de tarjeta sube"),
    ),
)

BRAZIL_RULES: tuple[Rule, ...] = (
    Rule(
        "BRAZIL_CPF_NUMBER",
        r"[0-9]{3}\.[0-9]{3}\.[0-9]{3}-[0-9]{2}|[0-9]{9}-?[0-9]{2}",
        before=_ALNUM + ".-",
        after=_ALNUM,
        check=cpf_ok,
        keywords=(
            "cpf",
            "cadastro de pessoa física",
            "cadastro de pessoa fisica",
            "cadastro de pessoas físicas",
            "cadastro de pessoas fisicas",
            "cic",
        ),
    ),
    Rule(
        "BRAZIL_CNPJ_NUMBER",
        r"[0-9]{2}\.[0-9]{3}\.[0-9]{3}/[0-9]{4}-[0-9]{2}|[0-9]{12}-?[0-9]{2}",
        before=_ALNUM + "./-",
        after=_ALNUM,
        check=cnpj_ok,
        keywords=(
            "cnpj",
            "cadastro nacional da pessoa jurídica",
            "cadastro nacional da pessoa juridica",
            "cadastro nacional de pessoa jurídica",
        ),
    ),
    Rule(
        "BRAZIL_RG_NUMBER",
        r"[0-9]{2}\.[0-9]{3}\.[0-9]{3}-[0-9Xx]|[0-9]{8}-?[0-9Xx]",
        before=_ALNUM + ".-",
        after=_ALNUM,
        check=rg_ok,
        keywords=(
            "rg",
            "registro geral",
            "carteira de identidade",
            "cédula de identidade",
            "cedula de identidade",
            "número do rg",
            "numero do rg",
        ),
    ),
    Rule(
        "BRAZIL_CEP_CODE",
        r"[0-9]{5}-[0-9]{3}|[0-9]{2}\.[0-9]{3}-[0-9]{3}|[0-9]{8}",
        before=_ALNUM + ".-",
        after=_ALNUM + "-",
        check=lambda text: v.digits(text) != "00000000",
        keywords=(
            "cep",
            "código de endereçamento postal",
            "codigo de enderecamento postal",
            "código postal",
            "codigo postal",
        ),
    ),
)

CHILE_COLOMBIA_RULES: tuple[Rule, ...] = (
    Rule(
        "CHILE_RUT_NUMBER",
        r"[0-9]{1,2}\.[0-9]{3}\.[0-9]{3}-[0-9Kk]|[0-9]{7,8}-[0-9Kk]",
        before=_ALNUM + ".-",
        after=_ALNUM,
        check=rut_ok,
        keywords=(
            "rut",
            "run",
            "rol único tributario",
            "rol unico tributario",
            "rol único nacional",
            "rol unico nacional",
        ),
    ),
    Rule(
        "COLOMBIA_CITIZENSHIP_CARD_NUMBER",
        r"[0-9]{1,3}(?:\.[0-9]{3}){2,3}|[0-9]{6,10}",
        before=_ALNUM + ".",
        after=_ALNUM,
        check=lambda text: _distinct(v.digits(text)) and 6 <= len(v.digits(text)) <= 10,
        keywords=(
            "cédula de ciudadanía",
            "cedula de ciudadania",
            "número de cédula",
            "numero de cedula",
            "cédula",
            "cedula",
            "c.c.",
        ),
    ),
    Rule(
        "COLOMBIA_INDIVIDUAL_NIT_NUMBER",
        r"[0-9]{1,3}(?:\.[0-9]{3}){1,3}-[0-9]|[0-9]{6,10}-[0-9]",
        before=_ALNUM + ".-",
        after=_ALNUM,
        check=nit_person_ok,
        keywords=(
            "nit",
            "número de identificación tributaria",
            "numero de identificacion tributaria",
        ),
    ),
    Rule(
        "COLOMBIA_ORGANIZATION_NIT_NUMBER",
        r"[89][0-9]{2}\.[0-9]{3}\.[0-9]{3}-[0-9]|[89][0-9]{8}-?[0-9]",
        before=_ALNUM + ".-",
        after=_ALNUM,
        check=nit_company_ok,
        keywords=(
            "nit",
            "número de identificación tributaria",
            "numero de identificacion tributaria",
        ),
    ),
)

MEXICO_RULES: tuple[Rule, ...] = (
    Rule(
        "MEXICO_CURP_NUMBER",
        r"[A-Z][AEIOUX][A-Z]{2}[0-9]{6}[HMX][A-Z]{2}[B-DF-HJ-NP-TV-Z]{3}[0-9A-Z][0-9]",
        before=_ALNUM,
        after=_ALNUM,
        check=curp_ok,
        keywords=(
            "curp",
            "clave única de registro de población",
            "clave unica de registro de poblacion",
        ),
    ),
    Rule(
        "MEXICO_INDIVIDUAL_RFC_NUMBER",
        r"[A-Z&]{4}[0-9]{6}[1-9A-V][1-9A-Z][0-9A]",
        before=_ALNUM + "&",
        after=_ALNUM,
        check=rfc_ok,
        keywords=("rfc", "registro federal de contribuyentes", "r.f.c."),
    ),
    Rule(
        "MEXICO_ORGANIZATION_RFC_NUMBER",
        r"[A-Z&]{3}[0-9]{6}[1-9A-V][1-9A-Z][0-9A]",
        before=_ALNUM + "&",
        after=_ALNUM,
        check=rfc_ok,
        keywords=("rfc", "registro federal de contribuyentes", "r.f.c."),
    ),
)

CANADA_RULES: tuple[Rule, ...] = (
    Rule(
        "CANADA_PASSPORT_NUMBER",
        r"[A-Z]{2}[0-9]{6}",
        before=_ALNUM,
        after=_ALNUM,
        check=lambda text: _distinct(text[2:]),
        keywords=(
            "passport",
            "passport#",
            "passport #",
            "passportno",
            "passport no",
            "passport number",
            "passeport",
            "numéro de passeport",
            "numero de passeport",
        ),
    ),
    Rule(
        "CANADA_NATIONAL_IDENTIFICATION_NUMBER",
        r"[0-9]{4}-?[0-9]{4}|[0-9]{2}-?[0-9]{4}-?[0-9]{4}|[A-Z]{2}[0-9]{7}",
        before=_ALNUM + "-",
        after=_ALNUM,
        check=lambda text: _distinct(v.digits(text)),
        keywords=(
            "permanent resident card",
            "permanent resident number",
            "permanent residence number",
            "pr card",
            "pr number",
            "pr#",
            "uci",
            "unique client identifier",
            "carte de résident permanent",
            "carte de resident permanent",
        ),
    ),
    Rule(
        "CANADA_HEALTH_NUMBER",
        r"[0-9]{4}[ -]?[0-9]{3}[ -]?[0-9]{3}(?:[ -]?[A-Z]{2})?|[A-Z]{4} ?[0-9]{4} ?[0-9]{4}",
        before=_ALNUM,
        after=_ALNUM,
        check=ca_health_ok,
        keywords=(
            "health card",
            "health card number",
            "health number",
            "health insurance number",
            "ohip",
            "phn",
            "personal health number",
            "msp",
            "msp number",
            "care card",
            "ramq",
            "carte santé",
            "carte sante",
            "numéro d'assurance maladie",
            "numero d'assurance maladie",
        ),
    ),
)

AMERICAS_RULES: tuple[Rule, ...] = (
    *ARGENTINA_RULES,
    *BRAZIL_RULES,
    *CHILE_COLOMBIA_RULES,
    *MEXICO_RULES,
    *CANADA_RULES,
)
