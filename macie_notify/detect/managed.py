"""The managed data identifiers evaluated locally: shape, boundaries, keywords, checks.

Each :class:`Rule` is one pattern with Macie's documented semantics
(https://docs.aws.amazon.com/macie/latest/user/mdis-reference.html and
https://docs.aws.amazon.com/macie/latest/user/managed-data-identifiers-keywords.html):

* ``core`` is the shape (ASCII, no groups that capture, no look-arounds) so the same text
  compiles for Python ``re`` and for Hyperscan; ``before``/``after`` are the characters that
  may not touch the value (word boundaries of the right kind for each shape);
* ``keywords``: when given, a keyword (case-insensitive; a space also matches ``_``, ``-``
  or nothing, as Macie does) must be within 30 characters of the value, or in the CSV column
  name / JSON element path that holds it;
* ``check``: checksum and structure rules on the matched text (:mod:`.validators`);
* ``context``: rules that need the text after the match (a PEM block needs its END line).

The country-specific identifiers (national, tax, passport, licence, health and phone
numbers) live in :mod:`.mdis`, one module per family. Identifiers of the catalog that are in
neither (names, addresses) are *not evaluated locally*; the engine reports them as such
instead of treating them as clean.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from macie_notify.detect import validators as v
from macie_notify.detect.lazy import LazyPattern
from macie_notify.detect.mdis import REGIONAL_RULES
from macie_notify.detect.rule import Rule as Rule  # re-exported: the engine reads it here

KEYWORD_DISTANCE = 30
"""Managed identifiers: a keyword within 30 characters (inclusive) before the value."""


# -- keyword lists (the reference pages' examples; a space also matches _ - or nothing) --

_KW_CARD = (
    "account number", "american express", "amex", "bank card", "card", "card num",
    "card number", "cc #", "cc#", "ccn", "check card", "credit", "credit card", "creditcard",
    "dankort", "debit", "debit card", "diners club", "discover", "electron",
    "japanese card bureau", "jcb", "mastercard", "mc", "pan", "payment account number",
    "payment card number", "pmt", "union pay", "visa",
)  # fmt: skip
_KW_SSN = ("social security", "ss#", "ss #", "ssn", "ssns", "social security number")
_KW_SIN = (
    "canadian id", "numéro d'assurance sociale", "sin", "sin#", "social insurance number",
    "social insurance no", "insurance number",
)  # fmt: skip
_KW_DL = (
    "dl#", "dl:", "dl #", "dlno#", "dlno", "dln", "driver license", "driver licence",
    "driver's license", "driver's licence", "drivers license", "drivers licence",
    "driving license", "driving licence", "drivers lic.", "driver lic", "license number",
    "licence number",
)  # fmt: skip
_KW_PHONE = (
    "cell", "cell phone", "contact", "fax", "fax number", "mobile", "mobile number", "phone",
    "phone number", "phone no", "tel", "telephone", "telephone number",
)  # fmt: skip
_KW_BANK = (
    "bank account", "bank acct", "checking account", "checking acct", "deposit account",
    "deposit acct", "savings account", "savings acct", "chequing account", "chequing acct",
)  # fmt: skip

_SSN_SHAPE = r"[0-9]{3}-[0-9]{2}-[0-9]{4}|[0-9]{3} [0-9]{2} [0-9]{4}|[0-9]{9}"
# The first digit is factored out so that ``re`` can skip to digits in C.
_CARD_SHAPE = (
    r"[0-9](?:[0-9]{12,18}"
    r"|[0-9]{3}(?:-[0-9]{4}){3}(?:-?[0-9]{1,3})?|[0-9]{3}(?: [0-9]{4}){3}(?: ?[0-9]{1,3})?"
    r"|[0-9]{3}-[0-9]{6}-[0-9]{4,5}|[0-9]{3} [0-9]{6} [0-9]{4,5})"
)
# What Hyperscan looks for instead (``Rule.anchor``): the end of a run of 13 or more digits,
# or the first groups of a separated number. Each card number holds one, ending at most 20
# characters after its start. The full shape, with its optional tails, was the longest
# compile of a cold cache (10 ms of the everywhere database's 15) and found more candidates.
_CARD_ANCHOR = r"[0-9]{13}[^0-9]|[0-9]{4}[ -](?:[0-9]{4}[ -][0-9]{4}[ -]|[0-9]{6}[ -])[0-9]{4}"
_ALNUM = "0-9A-Za-z"


def _iban_resolve(text: str) -> str | None:
    return v.iban_id(text)


def _card_check(text: str) -> bool:
    return v.card_separators_ok(text) and v.card_number_ok(text)


RULES: tuple[Rule, ...] = (
    # -- credentials ---------------------------------------------------------------------
    Rule(
        "AWS_CREDENTIALS",
        r"[A-Za-z0-9/+]{40}",
        # "=" may precede the key: AWS_SECRET_ACCESS_KEY=... in .env and credentials files.
        before="A-Za-z0-9/+",
        after="A-Za-z0-9/+=",
        check=v.aws_secret_ok,
        keywords=(
            "aws_secret_access_key",
            "credentials",
            "secret access key",
            "secret key",
            "set-awscredential",
            "aws secret",
            "secretaccesskey",
        ),
    ),
    Rule(
        "GCP_API_KEY",
        r"AIza[0-9A-Za-z_-]{35}",
        before="0-9A-Za-z_-",
        after="0-9A-Za-z_-",
        keywords=(
            "g_places_key",
            "gcp api key",
            "gcp key",
            "google cloud key",
            "google-api-key",
            "google api key",
            "googlekey",
            "x-goog-api-key",
        ),
    ),
    Rule(
        "HTTP_BASIC_AUTH_HEADER",
        # "Proxy-Authorization" is found from its "Authorization" part ("-" may precede it).
        r"[Aa]uthorization:[ \t]{0,8}[Bb]asic[ \t]{1,8}[A-Za-z0-9+/]{4,256}={0,2}",
        before="A-Za-z0-9",
        after="A-Za-z0-9+/=",
        check=v.basic_auth_ok,
        anchor=r"[Aa]uthorization:[ \t]{0,8}[Bb]asic[ \t]",
        anchor_reach=40,
    ),
    Rule(
        "JSON_WEB_TOKEN",
        r"eyJ[A-Za-z0-9_-]{8,2048}\.eyJ[A-Za-z0-9_-]{2,4096}\.[A-Za-z0-9_-]{0,1024}",
        before="A-Za-z0-9_.-",
        after="A-Za-z0-9_-",
        check=v.jwt_ok,
        anchor=r"eyJ[A-Za-z0-9_-]{8}",
        anchor_reach=11,
    ),
    Rule(
        "OPENSSH_PRIVATE_KEY",
        r"-----BEGIN OPENSSH PRIVATE KEY-----",
        before=None,
        after=None,
        context=v.pem_block("OPENSSH PRIVATE KEY", v.openssh_body),
        extent=v.pem_extent,
    ),
    Rule(
        "PGP_PRIVATE_KEY",
        r"-----BEGIN PGP PRIVATE KEY BLOCK-----",
        before=None,
        after=None,
        context=v.pem_block("PGP PRIVATE KEY BLOCK"),
        extent=v.pem_extent,
    ),
    Rule(
        "PKCS",
        r"-----BEGIN (?:RSA |DSA |EC |ENCRYPTED )?PRIVATE KEY-----",
        before=None,
        after=None,
        context=v.pem_block("PRIVATE KEY"),
        extent=v.pem_extent,
    ),
    Rule(
        "PUTTY_PRIVATE_KEY",
        r"PuTTY-User-Key-File-[23]: ?[a-z0-9-]{3,32}",
        before=_ALNUM,
        after="a-z0-9-",
        context=v.putty_headers,
    ),
    Rule(
        "STRIPE_CREDENTIALS",
        r"(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{24,99}",
        before="0-9A-Za-z_",
        after="0-9A-Za-z_",
        check=v.stripe_ok,
        # The {24,99} repeat tripled the compile of the everywhere database (0.066 s against
        # 0.023 s without it); the prefix finds the same candidates.
        anchor=r"(?:sk|rk|pk)_(?:live|test)_",
        anchor_reach=8,
    ),
    # -- financial -----------------------------------------------------------------------
    Rule(
        "CREDIT_CARD_NUMBER",
        _CARD_SHAPE,
        before="0-9",
        after="0-9",
        check=_card_check,
        anchor=_CARD_ANCHOR,
        anchor_reach=20,
        keywords=_KW_CARD,
    ),
    Rule(
        "CREDIT_CARD_NUMBER_(NO_KEYWORD)",
        _CARD_SHAPE,
        before="0-9",
        after="0-9",
        check=_card_check,
        anchor=_CARD_ANCHOR,
        anchor_reach=20,
        yields_to="CREDIT_CARD_NUMBER",
        keywords=_KW_CARD,
    ),
    Rule(
        "CREDIT_CARD_EXPIRATION",
        r"(?:0[1-9]|1[0-2]) ?[/-] ?(?:20[0-9]{2}|[0-9]{2})",
        before="0-9/",
        after="0-9/",
        check=v.expiration_ok,
        keywords=(
            "exp d",
            "exp m",
            "exp y",
            "expiration",
            "expiry",
            "exp date",
            "expires",
            "valid thru",
            "valid through",
            "expiration date",
        ),
    ),
    Rule(
        "CREDIT_CARD_SECURITY_CODE",
        r"[0-9]{3,4}",
        before=_ALNUM,
        after=_ALNUM,
        keywords=(
            "cvv",
            "cvv2",
            "cvc",
            "cvc2",
            "cvn",
            "cid",
            "csc",
            "card security code",
            "card verification value",
            "card verification code",
            "card identification number",
            "security code",
            "verification code",
            "card code",
        ),
    ),
    Rule(
        "CREDIT_CARD_MAGNETIC_STRIPE",
        r"%B[0-9]{13,19}\^[A-Za-z /.'-]{2,26}\^[0-9]{7,60}\?|;[0-9]{13,19}=[0-9]{7,40}\?",
        before=None,
        after=None,
        check=v.magnetic_stripe_ok,
        keywords=(
            "card data",
            "iso7813",
            "mag",
            "magstripe",
            "stripe",
            "swipe",
            "track data",
            "track 1",
            "track 2",
            "track1",
            "track2",
            "magnetic stripe",
        ),
    ),
    Rule(
        "BANK_ACCOUNT_NUMBER",
        r"[0-9]{9,17}",
        before=_ALNUM,
        after=_ALNUM,
        check=v.bank_account_ok,
        keywords=_KW_BANK,
    ),
    Rule(
        "IBAN",
        r"[A-Z]{2}[0-9]{2}(?:[ -]?[A-Z0-9]{4}){2,7}(?:[ -]?[A-Z0-9]{1,3})?",
        before=_ALNUM,
        after=_ALNUM,
        ids=tuple(f"{country}_BANK_ACCOUNT_NUMBER" for _, country in v.IBAN_LENGTHS.values()),
        resolve=_iban_resolve,
        anchor=r"[A-Z]{2}[0-9]{2}[ -]?[A-Z0-9]{4}[ -]?[A-Z0-9]{4}",
        anchor_reach=14,
    ),
    Rule(
        "UK_BANK_ACCOUNT_NUMBER:domestic",
        r"[0-9]{2}-[0-9]{2}-[0-9]{2}[ ]?[0-9]{8}",
        before=_ALNUM + "-",
        after=_ALNUM,
        check=v.uk_domestic_account_ok,
        ids=("UK_BANK_ACCOUNT_NUMBER",),
        keywords=("account number", "sort code", "bank account", "bban", "account no"),
    ),
    Rule(
        "GERMANY_BANK_ACCOUNT_NUMBER:bban",
        r"[0-9]{8} ?[0-9]{10}",
        before=_ALNUM,
        after=_ALNUM,
        check=v.de_bban_ok,
        ids=("GERMANY_BANK_ACCOUNT_NUMBER",),
        keywords=("kontonummer", "bankleitzahl", "blz", "bban", "account number", "konto"),
    ),
    # -- personal information ------------------------------------------------------------
    Rule(
        "USA_SOCIAL_SECURITY_NUMBER",
        _SSN_SHAPE,
        before="0-9-",
        after="0-9-",
        check=v.ssn_ok,
        keywords=_KW_SSN,
    ),
    Rule(
        "USA_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER",
        r"9[0-9]{2}-[0-9]{2}-[0-9]{4}|9[0-9]{2} [0-9]{2} [0-9]{4}|9[0-9]{8}",
        before="0-9-",
        after="0-9-",
        check=v.itin_ok,
        keywords=("itin", "i.t.i.n.", "individual taxpayer identification number", "tax id"),
    ),
    Rule(
        "CANADA_SOCIAL_INSURANCE_NUMBER",
        r"[0-9]{3}-[0-9]{3}-[0-9]{3}|[0-9]{3} [0-9]{3} [0-9]{3}|[0-9]{9}",
        before="0-9-",
        after="0-9-",
        check=v.sin_ok,
        keywords=_KW_SIN,
    ),
    Rule(
        "USA_PASSPORT_NUMBER",
        r"[A-Za-z][0-9]{8}|[0-9]{9}",
        before=_ALNUM,
        after=_ALNUM,
        check=v.passport_us_ok,
        keywords=("passport", "passport number", "passport no", "passport#", "travel document"),
    ),
    Rule(
        "UK_NATIONAL_INSURANCE_NUMBER",
        r"[A-Za-z]{2} ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-Da-d]?",
        before=_ALNUM,
        after=_ALNUM,
        check=v.nino_ok,
        keywords=(
            "national insurance number",
            "national insurance no",
            "nino",
            "nin",
            "insurance number",
            "ni number",
            "ni no",
        ),
    ),
    Rule(
        "UK_NHS_NUMBER",
        r"[0-9]{3}-[0-9]{3}-[0-9]{4}|[0-9]{3} [0-9]{3} [0-9]{4}|[0-9]{10}",
        before="0-9-",
        after="0-9-",
        check=v.nhs_ok,
        keywords=("nhs", "nhs number", "national health service", "nhs no", "health service"),
    ),
    Rule(
        "DRIVERS_LICENSE",
        r"(?:[A-Za-z]{1,3}[ -]?)?[0-9]{5,14}[A-Za-z]{0,2}"
        r"|[A-Za-z][0-9]{3}-[0-9]{3}-[0-9]{2}-[0-9]{3}-[0-9]",
        before=_ALNUM,
        after=_ALNUM,
        check=v.drivers_license_ok,
        keywords=_KW_DL,
    ),
    Rule(
        "DATE_OF_BIRTH",
        r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}|[0-9]{1,2}[/.-][0-9]{1,2}[/.-](?:[0-9]{4}|[0-9]{2})",
        before="0-9/.-",
        after="0-9",
        check=v.date_ok,
        keywords=("bday", "b-day", "birth date", "birthday", "date of birth", "dob", "born"),
    ),
    Rule(
        "PHONE_NUMBER",
        r"(?:\+?1[ .-]?)?(?:\([2-9][0-9]{2}\) ?|[2-9][0-9]{2}[ .-]?)[2-9][0-9]{2}[ .-]?[0-9]{4}",
        before=_ALNUM + "+",
        after=_ALNUM,
        check=v.phone_ok,
        keywords=_KW_PHONE,
    ),
    Rule(
        # Without a keyword Macie reports only numbers written with the country code.
        "PHONE_NUMBER:international",
        r"\+1[ .-]?(?:\([2-9][0-9]{2}\) ?|[2-9][0-9]{2}[ .-]?)[2-9][0-9]{2}[ .-]?[0-9]{4}",
        before=_ALNUM + "+",
        after=_ALNUM,
        check=v.phone_ok,
        ids=("PHONE_NUMBER",),
        keywords=_KW_PHONE,
        yields_to="PHONE_NUMBER",
    ),
    Rule(
        "VEHICLE_IDENTIFICATION_NUMBER",
        r"[A-HJ-NPR-Z0-9]{17}",
        before=_ALNUM,
        after=_ALNUM,
        check=v.vin_ok,
        keywords=(
            "vin",
            "vin#",
            "vehicle identification number",
            "vehicle id",
            "chassis number",
            "fahrgestellnummer",
            "numéro de série",
            "número de bastidor",
            "numer vin",
        ),
    ),
    Rule(
        "LATITUDE_LONGITUDE",
        r"[-+]?[0-9]{1,2}\.[0-9]{3,15} ?, ?[-+]?[0-9]{1,3}\.[0-9]{3,15}",
        before="0-9.",
        after="0-9",
        check=v.latlon_ok,
        keywords=(
            "coordinate",
            "coordinates",
            "lat long",
            "latitude longitude",
            "latitude",
            "location",
            "position",
            "gps",
            "lat/long",
            "lat/lon",
            "lat, long",
        ),
    ),
    Rule(
        "HTTP_COOKIE",
        # "Set-Cookie:" is found from its "Cookie:" part ("-" may precede it).
        r"[Cc]ookie:[ \t]{0,8}[A-Za-z0-9!#$%&'*+.^_`|~-]{1,256}=[^\r\n]{0,8190}",
        before="A-Za-z0-9",
        after="^\r\n",
        anchor=r"[Cc]ookie:",
        anchor_reach=11,
    ),
    *REGIONAL_RULES,
)

RULES_BY_NAME: dict[str, Rule] = {rule.name: rule for rule in RULES}

LOCAL_IDENTIFIERS: frozenset[str] = frozenset(i for rule in RULES for i in rule.reports)
"""Managed identifier IDs this engine can detect; the rest are *not evaluated locally*."""


def keyword_regex(keywords: tuple[str, ...] | list[str]) -> LazyPattern | None:
    """One case-insensitive pattern for complete keywords (compiled on first use).

    A space in a keyword also matches ``_``, ``-`` or nothing, as Macie's keyword matching does.
    """
    if not keywords:
        return None
    words = tuple(keywords)

    def source() -> str:
        alternatives = sorted(
            {r"[ _-]?".join(re.escape(part) for part in kw.split(" ")) for kw in words},
            key=len,
            reverse=True,
        )
        return r"(?<![0-9a-z])(?:" + "|".join(alternatives) + r")(?![0-9a-z])"

    return LazyPattern(source, re.IGNORECASE, needles=words)


_SEP = " "


def keyword_trie(keywords: Iterable[str]) -> str:
    """The lower-cased keywords as one prefix-sharing pattern (``card(?:[ _-]?number)?``).

    ``re`` tries the alternatives of a plain alternation one by one at every offset; a trie
    compares a character or two, several times faster over long keyword lists. Longer
    keywords are preferred (greedy optional suffixes). No flags: callers lower-case the text
    or compile it with ``re.IGNORECASE``.
    """
    root: dict[str, dict[str, Any]] = {}
    for keyword in keywords:
        node = root
        for char in keyword.lower():
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_pattern(root)


def _trie_pattern(node: dict[str, dict[str, Any]]) -> str:
    branches = [
        (r"[ _-]?" if char == _SEP else re.escape(char)) + _trie_pattern(child)
        for char, child in sorted(node.items())
        if char
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" in node:
        return f"(?:{body})?" if len(branches) == 1 else f"{body}?"
    return body
