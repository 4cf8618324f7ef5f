"""Phone numbers of Brazil, France, Germany, Italy, Spain and the UK.

As for ``PHONE_NUMBER``, Macie reports a number written without its country code only with a
keyword near it (https://docs.aws.amazon.com/macie/latest/user/mdis-reference-pii.html):
each country has a keyword rule (national or international form) and an international rule
(``+CC`` form, no keyword) that yields to it.
"""

from __future__ import annotations

from collections.abc import Callable

from macie_notify.detect import validators as v
from macie_notify.detect.rule import Rule

_ALNUM = "0-9A-Za-z"
_KW_EN = ("phone", "phone number", "telephone", "tel", "mobile", "cell", "fax", "contact")
# A national number (no country code) needs a keyword in the country's language: with the
# English words every country's shape would claim "phone: 0612345678" (FR, DE and IT
# shapes all fit). "tel" is shared by every language. The +CC form needs no keyword.


def _length(country_code: str, low: int, high: int) -> Callable[[str], bool]:
    """National significant number of ``low``..``high`` digits (trunk 0 and +CC dropped)."""

    def check(text: str) -> bool:
        number = v.digits(text)
        if text.lstrip().startswith("+"):
            number = number[len(country_code) :]
        number = number.removeprefix("0")
        return low <= len(number) <= high and len(set(number)) > 2

    return check


def _country(
    country: str,
    code: str,
    national: str,
    international: str,
    keywords: tuple[str, ...],
    check: Callable[[str], bool],
) -> tuple[Rule, Rule]:
    ident = f"{country}_PHONE_NUMBER"
    return (
        Rule(
            ident,
            f"{national}|{international}",
            before=_ALNUM + "+",
            after=_ALNUM,
            check=check,
            keywords=keywords,
        ),
        Rule(
            f"{ident}:international",
            international,
            before=_ALNUM + "+",
            after=_ALNUM,
            check=check,
            ids=(ident,),
            keywords=keywords,
            yields_to=ident,
        ),
    )


PHONE_RULES: tuple[Rule, ...] = (
    *_country(
        "BRAZIL",
        "55",
        r"\(?[1-9][0-9]\)? ?9?[0-9]{4}[ -]?[0-9]{4}",
        r"\+55 ?\(?[1-9][0-9]\)? ?9?[0-9]{4}[ -]?[0-9]{4}",
        ("telefone", "celular", "número de telefone", "numero de telefone", "fone", "tel"),
        _length("55", 10, 11),
    ),
    *_country(
        "FRANCE",
        "33",
        r"0[1-9](?:[ .-]?[0-9]{2}){4}",
        r"\+33 ?\(?0?\)? ?[1-9](?:[ .-]?[0-9]{2}){4}",
        (
            "téléphone",
            "telephone",
            "tél",
            "portable",
            "numéro de téléphone",
            "numero de telephone",
            "télécopie",
            "tel",
            "fax",
        ),
        _length("33", 9, 9),
    ),
    *_country(
        "GERMANY",
        "49",
        r"0[1-9][0-9]{1,4}[ /-]?[0-9]{3,8}",
        r"\+49 ?\(?0?\)? ?[1-9][0-9]{1,4}[ /-]?[0-9]{3,8}",
        ("telefon", "telefonnummer", "handy", "handynummer", "mobil", "mobilnummer", "tel", "fax"),
        _length("49", 9, 11),
    ),
    *_country(
        "ITALY",
        "39",
        r"3[0-9]{2}[ .-]?[0-9]{3}[ .-]?[0-9]{3,4}|0[0-9]{1,3}[ .-]?[0-9]{5,8}",
        r"\+39 ?(?:3[0-9]{2}[ .-]?[0-9]{3}[ .-]?[0-9]{3,4}|0[0-9]{1,3}[ .-]?[0-9]{5,8})",
        ("telefono", "cellulare", "numero di telefono", "tel", "fax"),
        _length("39", 9, 11),
    ),
    *_country(
        "SPAIN",
        "34",
        r"[6789][0-9]{2}[ .-]?[0-9]{3}[ .-]?[0-9]{3}|[89][0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[0-9]{2}",
        r"\+34 ?[6789][0-9]{2}[ .-]?(?:[0-9]{3}[ .-]?[0-9]{3}|[0-9]{2} ?[0-9]{2} ?[0-9]{2})",
        ("teléfono", "móvil", "movil", "número de teléfono", "numero de telefono", "tel", "fax"),
        _length("34", 9, 9),
    ),
    *_country(
        "UK",
        "44",
        r"0[1-9][0-9]{1,4}[ -]?[0-9]{3,4}[ -]?[0-9]{3,4}",
        r"\+44 ?\(?0?\)? ?[1-9][0-9]{1,4}[ -]?[0-9]{3,4}[ -]?[0-9]{3,4}",
        ("landline", "mobile number", "phone no", *_KW_EN),
        _length("44", 10, 10),
    ),
)
