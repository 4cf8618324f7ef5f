"""Check digits and structure rules behind Macie's managed data identifiers (pure, stdlib).

A regex only finds the *shape* of a value; these functions decide whether the shape is a
real one (Luhn for cards and SINs, mod 97 for IBANs, mod 11 for NHS numbers, SSA rules for
SSNs, ...). Every function takes the matched text and returns ``True`` when Macie would
report it. Sources: the Macie managed data identifier reference pages
(https://docs.aws.amazon.com/macie/latest/user/mdis-reference-financial.html and
...-pii.html, ...-credentials.html).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from datetime import date

CONTEXT_AFTER = 16384
"""How far past a match a context check may read (PEM bodies, PuTTY headers)."""

_NOT_DIGIT = re.compile(r"[^0-9]")
_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]")


_NOT_DIGITS_ASCII = str.maketrans(
    "", "", "".join(c for c in map(chr, range(128)) if not c.isdigit())
)


def digits(text: str) -> str:
    """The ASCII digits of ``text`` in order (separators dropped). It runs for most
    candidates: plain numbers pass through, ASCII ones lose their separators in C."""
    if not text.isascii():
        return _NOT_DIGIT.sub("", text)
    if text.isdigit():
        return text
    plain = text.replace(" ", "").replace("-", "")
    return plain if plain.isdigit() else plain.translate(_NOT_DIGITS_ASCII)


_LUHN_DOUBLED = str.maketrans("0123456789", "0246813579")
"""Each digit doubled, less 9 when that is over 9 (the Luhn step), as a digit."""


def luhn_ok(number: str) -> bool:
    """ISO/IEC 7812 Luhn check over ``number``, a string of ASCII digits. The digits are
    summed as bytes (each is 48 plus its value): one pass in C for each half."""
    if not (number.isascii() and number.isdigit()):
        return False
    backwards = number[::-1]
    kept = backwards[0::2].encode()
    doubled = backwards[1::2].translate(_LUHN_DOUBLED).encode()
    total = sum(kept) + sum(doubled) - 48 * len(number)
    return total % 10 == 0 and len(number) > 1


# -- payment cards ---------------------------------------------------------------------

# Issuer prefixes (IIN ranges) of the brands Macie names: Amex, Dankort, Diners Club,
# Discover, Visa Electron, JCB, Mastercard, UnionPay, Visa.
_CARD_PREFIX = re.compile(
    r"^(?:"
    r"3[47][0-9]{13}"  # American Express
    r"|5019[0-9]{12}"  # Dankort
    r"|3(?:0[0-5]|[68][0-9])[0-9]{11,16}"  # Diners Club
    r"|6(?:011|5[0-9]{2}|4[4-9][0-9])[0-9]{12,15}"  # Discover
    r"|62[0-9]{14,17}"  # UnionPay
    r"|35(?:2[89]|[3-8][0-9])[0-9]{12,15}"  # JCB
    r"|(?:5[1-5][0-9]{2}|222[1-9]|22[3-9][0-9]|2[3-6][0-9]{2}|27[01][0-9]|2720)[0-9]{12}"  # MC
    r"|4[0-9]{12}(?:[0-9]{3}){0,2}"  # Visa, Visa Electron
    r")$"
)

# Sequences Macie documents as never reported (issuer test numbers), mdis-reference-financial.
CARD_TEST_NUMBERS = frozenset(
    """
    122000000000003 2222405343248877 2222990905257051 2223007648726984 2223577120017656
    30569309025904 34343434343434 3528000700000000 3530111333300000 3566002020360505
    36148900647913 36700102000000 371449635398431 378282246310005 378734493671000
    38520000023237 4012888888881881 4111111111111111 4222222222222 4444333322221111
    4462030000000000 4484070000000000 4911830000000 4917300800000000 4917610000000000
    4917610000000000003 5019717010103742 5105105105105100 5111010030175156 5185540810000019
    5200828282828210 5204230080000017 5204740009900014 5420923878724339 5454545454545454
    5455330760000018 5506900490000436 5506900490000444 5506900510000234 5506920809243667
    5506922400634930 5506927427317625 5553042241984105 5555553753048194 5555555555554444
    5610591081018250 6011000990139424 6011000400000000 6011111111111117 630490017740292441
    630495060000000000 6331101999990016 6759649826438453 6799990100000000019 76009244561
    """.split()
)


def card_number_ok(text: str) -> bool:
    """13-19 digits, a known issuer prefix, Luhn-valid and not a documented test number."""
    number = digits(text)
    if not 13 <= len(number) <= 19 or number in CARD_TEST_NUMBERS:
        return False
    return bool(_CARD_PREFIX.match(number)) and luhn_ok(number)


_ASCII_DIGITS = str.maketrans("", "", "0123456789")


def card_separators_ok(text: str) -> bool:
    """One separator style throughout (``4929 1234 ...`` or ``4929-1234-...`` or none)."""
    if text.isascii():
        return len(set(text.translate(_ASCII_DIGITS))) <= 1
    return len({c for c in text if not c.isdigit()}) <= 1


def magnetic_stripe_ok(text: str) -> bool:
    """Track 1 (``%B<PAN>^NAME^YYMM...?``) or track 2 (``;<PAN>=YYMM...?``) with a valid PAN."""
    body = text.lstrip("%;").lstrip("B")
    pan = re.split(r"[\^=]", body, maxsplit=1)[0]
    return pan.isdigit() and 13 <= len(pan) <= 19 and luhn_ok(pan)


def expiration_ok(text: str) -> bool:
    """MM/YY, MM/YYYY, MM-YY: month 01-12."""
    month = int(digits(text)[:2])
    return 1 <= month <= 12


# -- national identifiers ---------------------------------------------------------------

# Numbers the SSA never issued or that were published as examples (Woolworth's wallet card,
# advertising samples): Macie reports none of them.
_SSN_EXAMPLES = frozenset({"078051120", "219099999", "123456789", "111111111", "333333333"})


def ssn_ok(text: str) -> bool:
    """US SSN rules: area not 000/666/900-999, group not 00, serial not 0000."""
    number = digits(text)
    if len(number) != 9 or number in _SSN_EXAMPLES:
        return False
    area, group, serial = number[:3], number[3:5], number[5:]
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def itin_ok(text: str) -> bool:
    """US ITIN: 9XX-GG-XXXX with group 50-65, 70-88, 90-92 or 94-99."""
    number = digits(text)
    if len(number) != 9 or number[0] != "9":
        return False
    group = int(number[3:5])
    return 50 <= group <= 65 or 70 <= group <= 88 or 90 <= group <= 92 or 94 <= group <= 99


def sin_ok(text: str) -> bool:
    """Canadian SIN: 9 digits, Luhn, first digit not 0 or 8 (never assigned)."""
    number = digits(text)
    return len(number) == 9 and number[0] not in "08" and luhn_ok(number)


_NINO_BAD_PREFIX = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})


def nino_ok(text: str) -> bool:
    """UK National Insurance number: two letters (HMRC rules), six digits, A-D suffix."""
    value = _NOT_ALNUM.sub("", text).upper()
    if len(value) not in (8, 9):
        return False
    prefix = value[:2]
    if prefix[0] in "DFIQUV" or prefix[1] in "DFIOQUV" or prefix in _NINO_BAD_PREFIX:
        return False
    return value[2:8].isdigit() and (len(value) == 8 or value[8] in "ABCD")


def nhs_ok(text: str) -> bool:
    """UK NHS number: 10 digits, mod 11 check digit (a check value of 10 is invalid)."""
    number = digits(text)
    if len(number) != 10 or len(set(number)) == 1:
        return False
    total = sum(int(d) * w for d, w in zip(number[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(number[9])


_VIN_VALUES = dict(
    zip(
        "ABCDEFGHJKLMNPRSTUVWXYZ",
        [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9],
        strict=True,
    )
)
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_VIN_ASCII_VALUES = {**_VIN_VALUES, **{d: int(d) for d in "0123456789"}}
"""Each ASCII character's value in the check-digit sum (others count 0)."""


def vin_ok(text: str) -> bool:
    """ISO 3779 VIN: 17 characters without I, O, Q, letters and digits mixed.

    The North American check digit (position 9) is enforced when position 9 is a digit or X,
    the only values it can take there; European VINs carry no check digit.
    """
    vin = text.upper()
    if len(vin) != 17 or not any(c.isdigit() for c in vin) or not any(c.isalpha() for c in vin):
        return False
    if vin.isascii():
        get = _VIN_ASCII_VALUES.get
        total = sum(get(c, 0) * w for c, w in zip(vin, _VIN_WEIGHTS, strict=True))
    else:
        total = 0
        for char, weight in zip(vin, _VIN_WEIGHTS, strict=True):
            total += (int(char) if char.isdigit() else _VIN_VALUES.get(char, 0)) * weight
    if not (vin[8].isdigit() or vin[8] == "X"):
        return True
    expected = total % 11
    return vin[8] == ("X" if expected == 10 else str(expected))


def passport_us_ok(text: str) -> bool:
    """US passport: 9 digits, or a letter and 8 digits; not all one digit."""
    return len(set(digits(text))) > 1


def drivers_license_ok(text: str) -> bool:
    """US licence numbers vary by state; require at least 5 digits and not all the same."""
    number = digits(text)
    return len(number) >= 5 and len(set(number)) > 1


def date_ok(text: str) -> bool:
    """A real calendar date in one of the usual orders, year between 1900 and today."""
    parts = [int(p) for p in re.split(r"[^0-9]+", text) if p]
    if len(parts) != 3:
        return False
    candidates = []
    if parts[0] > 31:  # YYYY-MM-DD
        candidates.append((parts[0], parts[1], parts[2]))
    else:  # MM/DD/YYYY or DD/MM/YYYY
        candidates += [(parts[2], parts[0], parts[1]), (parts[2], parts[1], parts[0])]
    for year, month, day in candidates:
        if year < 100:
            year += 1900
        try:
            value = date(year, month, day)
        except ValueError:
            continue
        if 1900 <= value.year and value <= date.today():
            return True
    return False


def phone_ok(text: str) -> bool:
    """NANP number: area code and exchange do not start with 0/1, not 555-01xx fiction."""
    number = digits(text)
    if len(number) == 11:
        number = number[1:]
    if len(number) != 10 or number[0] in "01" or number[3] in "01":
        return False
    return not (number[3:6] == "555" and number[6:8] == "01")


def latlon_ok(text: str) -> bool:
    """A decimal-degree pair: latitude within +-90, longitude within +-180."""
    parts = re.findall(r"-?[0-9]+(?:\.[0-9]+)?", text)
    if len(parts) != 2:
        return False
    lat, lon = float(parts[0]), float(parts[1])
    return -90 <= lat <= 90 and -180 <= lon <= 180


def bank_account_ok(text: str) -> bool:
    """9-17 digits that are not one repeated digit."""
    return len(set(text)) > 1


# -- IBAN / BBAN ------------------------------------------------------------------------

# ISO 13616 lengths of the countries whose IBANs Macie detects (SWIFT IBAN registry).
IBAN_LENGTHS: dict[str, tuple[int, str]] = {
    "AL": (28, "ALBANIA"),
    "AD": (24, "ANDORRA"),
    "BA": (20, "BOSNIA_AND_HERZEGOVINA"),
    "BR": (29, "BRAZIL"),
    "BG": (22, "BULGARIA"),
    "CR": (22, "COSTA_RICA"),
    "HR": (21, "CROATIA"),
    "CY": (28, "CYPRUS"),
    "CZ": (24, "CZECH_REPUBLIC"),
    "DK": (18, "DENMARK"),
    "DO": (28, "DOMINICAN_REPUBLIC"),
    "EG": (29, "EGYPT"),
    "EE": (20, "ESTONIA"),
    "FO": (18, "FAROE_ISLANDS"),
    "FI": (18, "FINLAND"),
    "FR": (27, "FRANCE"),
    "GE": (22, "GEORGIA"),
    "DE": (22, "GERMANY"),
    "GR": (27, "GREECE"),
    "GL": (18, "GREENLAND"),
    "HU": (28, "HUNGARY"),
    "IS": (26, "ICELAND"),
    "IE": (22, "IRELAND"),
    "IT": (27, "ITALY"),
    "JO": (30, "JORDAN"),
    "XK": (20, "KOSOVO"),
    "LI": (21, "LIECHTENSTEIN"),
    "LT": (20, "LITHUANIA"),
    "MT": (31, "MALTA"),
    "MR": (27, "MAURITANIA"),
    "MU": (30, "MAURITIUS"),
    "MC": (27, "MONACO"),
    "ME": (22, "MONTENEGRO"),
    "NL": (18, "NETHERLANDS"),
    "MK": (19, "NORTH_MACEDONIA"),
    "PL": (28, "POLAND"),
    "PT": (25, "PORTUGAL"),
    "SM": (27, "SAN_MARINO"),
    "SN": (28, "SENEGAL"),
    "RS": (22, "SERBIA"),
    "SK": (24, "SLOVAKIA"),
    "SI": (19, "SLOVENIA"),
    "ES": (24, "SPAIN"),
    "SE": (24, "SWEDEN"),
    "CH": (21, "SWITZERLAND"),
    "TL": (23, "TIMOR_LESTE"),
    "TN": (24, "TUNISIA"),
    "TR": (26, "TURKIYE"),
    "UA": (29, "UKRAINE"),
    "GB": (22, "UK"),
    "AE": (23, "UNITED_ARAB_EMIRATES"),
    "VG": (24, "VIRGIN_ISLANDS"),
}


def mod97(value: str) -> int:
    """ISO 7064 MOD 97-10 remainder of an alphanumeric string (letters A=10 .. Z=35)."""
    remainder = 0
    for char in value:
        code = int(char, 36)
        remainder = (remainder * (100 if code > 9 else 10) + code) % 97
    return remainder


def iban_id(text: str) -> str | None:
    """The managed identifier ID of a valid IBAN (``GERMANY_BANK_ACCOUNT_NUMBER``), else None."""
    value = _NOT_ALNUM.sub("", text).upper()
    entry = IBAN_LENGTHS.get(value[:2])
    if entry is None or len(value) != entry[0] or not value[2:4].isdigit():
        return None
    if mod97(value[4:] + value[:4]) != 1:
        return None
    return f"{entry[1]}_BANK_ACCOUNT_NUMBER"


def uk_domestic_account_ok(text: str) -> bool:
    """UK sort code and account (``60-16-13 31926819``): 6 + 8 digits, not all zero."""
    number = digits(text)
    return len(number) == 14 and number.strip("0") != ""


def de_bban_ok(text: str) -> bool:
    """German BBAN: 8-digit Bankleitzahl (first digit 1-8) and 10-digit account number."""
    number = digits(text)
    return len(number) == 18 and number[0] in "12345678" and number[8:].strip("0") != ""


# -- credentials ------------------------------------------------------------------------

# Values published in AWS and Stripe documentation, never reported (mdis-reference-credentials).
DOC_EXAMPLE_SECRETS = frozenset(
    {
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
        "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
        "pk_test_TYooMQauvdEDq54NiTphI7jx",
    }
)


def aws_secret_ok(text: str) -> bool:
    """40 base64 characters that mix cases and digits (not a hex digest) and not a doc example."""
    if text in DOC_EXAMPLE_SECRETS or "EXAMPLE" in text:
        return False
    return (
        any(c.isupper() for c in text)
        and any(c.islower() for c in text)
        and any(c.isdigit() for c in text)
    )


def stripe_ok(text: str) -> bool:
    return text not in DOC_EXAMPLE_SECRETS


def _b64url_json(segment: str) -> object:
    padded = segment + "=" * (-len(segment) % 4)
    return json.loads(base64.urlsafe_b64decode(padded))


def jwt_ok(text: str) -> bool:
    """A JWS compact serialisation whose header decodes to a JSON object with ``alg``."""
    parts = text.split(".")
    if len(parts) != 3:
        return False
    try:
        header = _b64url_json(parts[0])
        payload = _b64url_json(parts[1])
    except (ValueError, binascii.Error):
        return False
    return isinstance(header, dict) and "alg" in header and isinstance(payload, dict)


def basic_auth_ok(text: str) -> bool:
    """``Authorization: Basic <b64>`` decoding to ``user-id:password`` (RFC 7617)."""
    token = text.rsplit(None, 1)[-1]
    try:
        decoded = base64.b64decode(token, validate=True).decode("utf-8")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return False
    return ":" in decoded and decoded.isprintable()


# -- context checks (they read the text after a match) -----------------------------------

_B64_BODY = re.compile(r"[A-Za-z0-9+/=\s]+")


def pem_block(
    label: str, body_check: Callable[[str], bool] | None = None
) -> Callable[[str, int, int], bool]:
    """A BEGIN line counts only with a base64 body and the matching END line after it."""

    def check(text: str, start: int, end: int) -> bool:
        header = text[start:end]
        end_line = header.replace("BEGIN", "END", 1)
        stop = text.find(end_line, end, end + CONTEXT_AFTER)
        if stop < 0:
            return False
        body = text[end:stop]
        lines = [ln.strip() for ln in body.strip().splitlines()]
        # PGP armour and encrypted PKCS#1 put "Key: value" headers before the base64 body.
        data = "".join(ln for ln in lines if ln and ":" not in ln)
        if len(data) < 64 or not _B64_BODY.fullmatch(data):
            return False
        return body_check(data) if body_check else True

    del label
    return check


def pem_extent(text: str, start: int, end: int) -> int:
    """Where a PEM block that begins with the BEGIN line ``text[start:end]`` ends (after its
    END line; ``end`` when none follows within :data:`CONTEXT_AFTER`)."""
    end_line = text[start:end].replace("BEGIN", "END", 1)
    stop = text.find(end_line, end, end + CONTEXT_AFTER)
    return end if stop < 0 else stop + len(end_line)


def openssh_body(data: str) -> bool:
    try:
        raw = base64.b64decode(data + "=" * (-len(data) % 4))
    except (ValueError, binascii.Error):
        return False
    return raw.startswith(b"openssh-key-v1\x00")


_PUTTY_ORDER = ("Encryption:", "Comment:", "Public-Lines:", "Private-Lines:", "Private-MAC:")


def putty_headers(text: str, start: int, end: int) -> bool:
    """PuTTY's headers in their standard order after ``PuTTY-User-Key-File-N``."""
    window = text[end : end + CONTEXT_AFTER]
    pos = 0
    for header in _PUTTY_ORDER:
        found = window.find("\n" + header, pos)
        if found < 0:
            return False
        pos = found + 1
    return True


def always(text: str) -> bool:
    """For shapes the regex already pins down completely."""
    return True
