"""Driver's licence numbers of the countries Macie names (``<COUNTRY>_DRIVERS_LICENSE``).

Macie needs a keyword near every licence number. Its reference page
(https://docs.aws.amazon.com/macie/latest/user/mdis-reference-pii.html) lists English
keywords for Australia, Canada, India, Ireland, the UK and the US and the local-language
name of the document for the other countries; shapes are each authority's numbering, with
the check digits where the number carries one (Finland, Spain, Sweden).
"""

from __future__ import annotations

from collections.abc import Callable

from macie_notify.detect import validators as v
from macie_notify.detect.mdis.europe import dni_ok
from macie_notify.detect.rule import Rule

_ALNUM = "0-9A-Za-z"

KW_DL_EN = (
    "dl#", "dl:", "dl #", "dlno#", "dlno", "dln", "driver license", "driver licence",
    "driver's license", "driver's licence", "drivers license", "drivers licence",
    "driving license", "driving licence", "drivers lic.", "driver lic", "driver permit",
    "license number", "licence number",
)  # fmt: skip
_KW_DE = (
    "führerschein", "fuhrerschein", "fuehrerschein", "führerscheinnummer",
    "fuhrerscheinnummer", "fuehrerscheinnummer", "führerschein-nr", "fahrerlaubnis",
)  # fmt: skip
_KW_FR = (
    "permis de conduire", "numéro de permis", "numero de permis",
    "numéro du permis de conduire", "numero du permis de conduire",
)  # fmt: skip
_KW_NL = ("rijbewijs", "rijbewijsnummer", "rijbewijs nummer")
_KW_EL = ("άδεια οδήγησης", "αδεια οδηγησης", "adeia odigisis")


def _distinct(text: str) -> bool:
    number = v.digits(text)
    return len(number) >= 5 and len(set(number)) > 1


def _month_ok(text: str) -> bool:
    """French numbers begin with the issue year and month."""
    return _distinct(text) and (not text[:4].isdigit() or 1 <= int(text[2:4]) <= 12)


_HETU_CHARS = "0123456789ABCDEFHJKLMNPRSTUVWXY"


def hetu_ok(text: str) -> bool:
    """Finnish personal identity code (on Finnish licences): DDMMYY, century sign, 3 digits,
    check character of the 9 digits mod 31."""
    value = text.upper()
    if len(value) != 11 or not (value[:6] + value[7:10]).isdigit():
        return False
    if not (1 <= int(value[:2]) <= 31 and 1 <= int(value[2:4]) <= 12):
        return False
    if not 2 <= int(value[7:10]) <= 899:  # 900-999: temporary numbers, never on a licence
        return False
    return _HETU_CHARS[int(value[:6] + value[7:10]) % 31] == value[10]


def personnummer_ok(text: str) -> bool:
    """Swedish personal identity number (on Swedish licences): YYMMDD-NNNC, Luhn."""
    number = v.digits(text)
    if len(number) == 12:
        number = number[2:]
    if len(number) != 10:
        return False
    return 1 <= int(number[2:4]) <= 12 and 1 <= int(number[4:6]) % 60 <= 31 and (v.luhn_ok(number))


def uk_licence_ok(text: str) -> bool:
    """DVLA number: surname, decade, month (+5 for women), day, year digit, initials."""
    value = text.upper()
    month, day = int(value[6:8]), int(value[8:10])
    return (1 <= month <= 12 or 51 <= month <= 62) and 1 <= day <= 31


_IN_STATES = frozenset(
    "AN AP AR AS BR CG CH DD DL DN GA GJ HP HR JH JK KA KL LA LD MH ML MN MP MZ NL OD OR PB PY "
    "RJ SK TN TR TS UK UP WB".split()
)


def india_licence_ok(text: str) -> bool:
    """State code, RTO number, year of issue, serial."""
    value = text.upper().replace(" ", "").replace("-", "")
    return value[:2] in _IN_STATES and 1950 <= int(value[4:8]) <= 2100 and _distinct(value[8:])


def _rule(
    country: str,
    core: str,
    keywords: tuple[str, ...],
    check: Callable[[str], bool] = _distinct,
    before: str = _ALNUM,
) -> Rule:
    return Rule(
        f"{country}_DRIVERS_LICENSE",
        core,
        before=before,
        after=_ALNUM,
        check=check,
        keywords=keywords,
    )


LICENCE_RULES: tuple[Rule, ...] = (
    _rule("AUSTRALIA", r"[A-Z]{0,2}[0-9]{6,10}", KW_DL_EN),
    _rule("AUSTRIA", r"[0-9]{8}", (*_KW_DE, "führerschein republik österreich")),
    _rule("BELGIUM", r"[0-9]{10}", (*_KW_DE, *_KW_FR, *_KW_NL)),
    _rule(
        "BULGARIA",
        r"[0-9]{9}",
        ("свидетелство за управление на мпс", "шофьорска книжка", "сумпс"),
    ),
    _rule(
        "CANADA",
        r"[A-Z][0-9]{4}-?[0-9]{5}-?[0-9]{5}|[A-Z][0-9]{4}-?[0-9]{6}-?[0-9]{2}"
        r"|[0-9]{6}-[0-9]{3}|[0-9]{7,9}",
        (*KW_DL_EN, *_KW_FR),
    ),
    _rule("CROATIA", r"[0-9]{8}", ("vozačka dozvola", "vozacka dozvola")),
    _rule("CYPRUS", r"[0-9]{12}", (*_KW_EL, *KW_DL_EN)),
    _rule(
        "CZECHIA",
        r"[A-Z]{2}[0-9]{6}",
        ("řidičský průkaz", "ridicsky prukaz", "číslo řidičského průkazu", "řidičák"),
    ),
    _rule("DENMARK", r"[0-9]{8}", ("kørekort", "korekort", "kørekortnummer", "koerekort")),
    _rule("ESTONIA", r"[A-Z]{2}[0-9]{6}", ("juhiluba", "juhiloa number", "juhiloa")),
    _rule(
        "FINLAND",
        r"[0-9]{6}[-+A][0-9]{3}[0-9A-Y]",
        ("ajokortti", "ajokortin numero", "körkort", "korkort", "förarbevis"),
        hetu_ok,
    ),
    _rule("FRANCE", r"[0-9]{12}|[0-9]{2}[A-Z]{2}[0-9]{5}", _KW_FR, _month_ok),
    _rule("GERMANY", r"[A-Z0-9][0-9]{2}[A-Z0-9]{6}[0-9][A-Z0-9]", _KW_DE),
    _rule("GREECE", r"[0-9]{9}", _KW_EL),
    _rule(
        "HUNGARY",
        r"[A-Z]{2}[0-9]{6}",
        ("vezetői engedély", "vezetoi engedely", "jogosítvány", "jogositvany"),
    ),
    _rule("INDIA", r"[A-Z]{2}[0-9]{2}[ -]?[0-9]{4}[0-9]{7}", KW_DL_EN, india_licence_ok),
    _rule("IRELAND", r"[0-9]{9}|[0-9]{6}[A-Z]{2}", (*KW_DL_EN, "ceadúnas tiomána")),
    _rule(
        "ITALY",
        r"[A-Z]{2}[0-9]{7}[A-Z]|U1[A-Z0-9]{7}[A-Z]",
        ("patente di guida", "patente guida", "numero patente", "patente"),
    ),
    _rule(
        "LATVIA",
        r"[A-Z]{2}[0-9]{6}",
        ("autovadītāja apliecība", "autovaditaja aplieciba", "vadītāja apliecība"),
    ),
    _rule(
        "LITHUANIA",
        r"[0-9]{8}",
        ("vairuotojo pažymėjimas", "vairuotojo pazymejimas", "vairuotojo teisės"),
    ),
    _rule("LUXEMBOURG", r"[0-9]{6}", (*_KW_FR, *_KW_DE, "führerschäin")),
    _rule("MALTA", r"[0-9]{7}[A-Z]", ("liċenzja tas-sewqan", "licenzja tas-sewqan", *KW_DL_EN)),
    _rule("NETHERLANDS", r"[0-9]{10}", _KW_NL),
    _rule(
        "POLAND",
        r"[0-9]{5}/[0-9]{2}/[0-9]{4}",
        ("prawo jazdy", "prawa jazdy", "numer prawa jazdy"),
        before=_ALNUM + "/",
    ),
    _rule(
        "PORTUGAL",
        r"[A-Z]{1,2}-?[0-9]{6} ?[0-9]",
        ("carta de condução", "carta de conducao", "número da carta de condução"),
    ),
    _rule(
        "ROMANIA",
        r"[A-Z][0-9]{8}|[0-9]{9}",
        ("permis de conducere", "permisului de conducere", "numărul permisului de conducere"),
    ),
    _rule("SLOVAKIA", r"[A-Z][0-9]{7}", ("vodičský preukaz", "vodicsky preukaz")),
    _rule(
        "SLOVENIA",
        r"[0-9]{8}",
        ("vozniško dovoljenje", "vozniski dovoljenje", "vozniško dovoljenje številka"),
    ),
    _rule(
        "SPAIN",
        r"[0-9]{8}-?[A-Z]",
        (
            "permiso de conducción",
            "permiso de conduccion",
            "permiso de conducir",
            "carnet de conducir",
            "carné de conducir",
            "licencia de conducir",
            "licencia de conducción",
        ),
        dni_ok,
    ),
    _rule(
        "SWEDEN",
        r"(?:19|20)?[0-9]{6}[-+]?[0-9]{4}",
        ("körkort", "korkort", "körkortsnummer", "körkort nummer"),
        personnummer_ok,
    ),
    _rule("UK", r"[A-Z9]{5}[0-9]{6}[A-Z9]{2}[0-9][A-Z]{2}", KW_DL_EN, uk_licence_ok),
)
