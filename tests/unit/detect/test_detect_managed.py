"""Every locally evaluated managed identifier: positives in several contexts and formats, and
the near-misses Macie does not report (bad checksum, no keyword, keyword too far, documented
example values). Each case runs through the pure and the Hyperscan engine."""

from __future__ import annotations

from pathlib import Path

import pytest
from corpus_cases import CASES as CORPUS

from macie_notify.detect import FileResult
from macie_notify.detect.managed import LOCAL_IDENTIFIERS, RULES

SAMPLE_KEY = (Path(__file__).parents[3] / "sample_data" / "id_ed25519").read_text()
SECRET = "Zx8q1Rk2Lm3Np4Oq5Pr6Qs7Rt8Su9Tv0UwXyZa1B"  # 40 chars, synthetic
JWT = (
    "eyJhbGciOiAiSFMyNTYiLCAidHlwIjogIkpXVCJ9."
    "eyJzdWIiOiAiNDI0MiIsICJuYW1lIjogIlN5bnRoZXRpYyBVc2VyIiwgImlhdCI6IDE3MDAwMDAwMDB9."
    "c2lnbmF0dXJlLW5vdC1yZWFsLWF0LWFsbA"
)
B64_BODY = "\n".join(["QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5"] * 3)
FAR = " this sentence is more than thirty characters long "

# identifier -> (positives, negatives)
CASES: dict[str, tuple[list[str], list[str]]] = {
    "AWS_CREDENTIALS": (
        [
            f"aws_secret_access_key = {SECRET}",
            f"export AWS_SECRET_ACCESS_KEY='{SECRET}'",
            f"AWS_SECRET_ACCESS_KEY={SECRET}",  # .env file
            f"[default]\naws_secret_access_key={SECRET}\n",  # ~/.aws/credentials, no spaces
            f'credentials: {{"secret": "{SECRET}"}}',
            f"Secret Key:\n{SECRET}\n",
        ],
        [
            f"{SECRET}",
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            f"aws_secret_access_key{FAR}{SECRET}",
            "secret key 3f786850e387550fdab836ed7e6dc881de23001b",  # a lower-case hex digest
            f"aws_secret_access_key = {SECRET}xyz",  # longer token, not a 40-char key
        ],
    ),
    "GCP_API_KEY": (
        [
            "google api key: AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW",
            "X-goog-api-key: AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW",
        ],
        ["AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW", "GCP key: AIzaSyA1b2C3"],
    ),
    "HTTP_BASIC_AUTH_HEADER": (
        [
            "Authorization: Basic dXNlcjpwYXNzd29yZA==",
            "curl -H 'Proxy-Authorization: Basic YWRtaW46czNjcjN0'",
        ],
        [
            "Authorization: Basic aGVsbG8gd29ybGQ=",  # "hello world": no user:password
            "Authorization: Bearer dXNlcjpwYXNzd29yZA==",
            "Authorization: Basic !!!",
        ],
    ),
    "JSON_WEB_TOKEN": (
        [f"token={JWT}", f"Authorization: Bearer {JWT}", f'{{"id_token": "{JWT}"}}'],
        [
            "eyJub3QganNvbiBhdCBhbGwgcmVhbGx5.eyJhYmMiOiAxfQ.sig",
            JWT.replace("eyJzdWIi", "eyJzdWI"),
        ],
    ),
    "OPENSSH_PRIVATE_KEY": (
        [SAMPLE_KEY, "key:\n" + SAMPLE_KEY.split("\n", 1)[1]],
        [
            "-----BEGIN OPENSSH PRIVATE KEY-----\n(removed)\n",
            f"-----BEGIN OPENSSH PRIVATE KEY-----\n{B64_BODY}\n-----END OPENSSH PRIVATE KEY-----",
        ],
    ),
    "PGP_PRIVATE_KEY": (
        [
            "-----BEGIN PGP PRIVATE KEY BLOCK-----\nVersion: GnuPG v2\n\n"
            f"{B64_BODY}\n=abcd\n-----END PGP PRIVATE KEY BLOCK-----\n"
        ],
        [f"-----BEGIN PGP PUBLIC KEY BLOCK-----\n{B64_BODY}\n-----END PGP PUBLIC KEY BLOCK-----"],
    ),
    "PKCS": (
        [
            f"-----BEGIN RSA PRIVATE KEY-----\n{B64_BODY}\n-----END RSA PRIVATE KEY-----\n",
            f"-----BEGIN PRIVATE KEY-----\n{B64_BODY}\n-----END PRIVATE KEY-----",
            f"-----BEGIN EC PRIVATE KEY-----\n{B64_BODY}\n-----END EC PRIVATE KEY-----",
        ],
        [
            f"-----BEGIN PUBLIC KEY-----\n{B64_BODY}\n-----END PUBLIC KEY-----",
            f"-----BEGIN CERTIFICATE-----\n{B64_BODY}\n-----END CERTIFICATE-----",
            "-----BEGIN RSA PRIVATE KEY-----\nshort\n-----END RSA PRIVATE KEY-----",
        ],
    ),
    "PUTTY_PRIVATE_KEY": (
        [
            "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: synthetic\n"
            "Public-Lines: 2\nAAAA\nBBBB\nPrivate-Lines: 1\nCCCC\nPrivate-MAC: 0123abcd\n"
        ],
        [
            "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: synthetic\n"
            "Public-Lines: 2\nAAAA\nBBBB\nPrivate-Lines: 1\nCCCC\n",
            "PuTTY-User-Key-File-2: ssh-rsa\nComment: x\nEncryption: none\nPublic-Lines: 1\n"
            "Private-Lines: 1\nPrivate-MAC: 00\n",
        ],
    ),
    "STRIPE_CREDENTIALS": (
        ["STRIPE_KEY=sk_live_51Hq2xYzAbCdEfGhIjKlMnOpQr", "rk_test_ZyXwVuTsRqPoNmLkJiHgFeDc12"],
        ["sk_test_4eC39HqLyjWDarjtT1zdp7dc", "sk_live_short", "pk_test_TYooMQauvdEDq54NiTphI7jx"],
    ),
    "CREDIT_CARD_NUMBER": (
        [
            "credit card: 4539148800000001",
            "Visa 4539 1488 0000 0001 exp soon",
            "card_number=5425-4000-0000-0008",
            "amex: 3714 496000 00004",
            "mastercard 2221000000000009",
        ],
        [
            "credit card: 4111111111111111",  # issuer test number: never reported
            "credit card: 4539148800000002",  # Luhn fails
            "credit card: 9539148800000001",  # no known issuer prefix
            "4539148800000001",  # no keyword: that is the NO_KEYWORD identifier
            "card 4539 1488-0000 0001",  # mixed separators
            f"credit card{FAR}4539148800000001",
        ],
    ),
    "CREDIT_CARD_NUMBER_(NO_KEYWORD)": (
        ["order 17: 4539148800000001 shipped", "ref 5425 4000 0000 0008"],
        ["credit card 4539148800000001", "ref 5555555555554444", "ref 4539148800000002"],
    ),
    "CREDIT_CARD_EXPIRATION": (
        ["expiry 04/27", "Exp date: 11/2029", "expiration 01-26"],
        ["expiry 13/27", "04/27", f"expiration{FAR}04/27"],
    ),
    "CREDIT_CARD_SECURITY_CODE": (
        ["CVV: 123", "card verification value 9876", "cvc2=042"],
        ["123", "cvv: 12", f"cvv{FAR}123"],
    ),
    "CREDIT_CARD_MAGNETIC_STRIPE": (
        [
            "track 1: %B4539148800000001^SYNTHETIC/USER^2704101000000000000?",
            "magstripe ;4539148800000001=27041010000000000?",
        ],
        [
            "%B4539148800000001^SYNTHETIC/USER^2704101000000000000?",
            "track 2 ;4539148800000002=27041010000000000?",
        ],
    ),
    "BANK_ACCOUNT_NUMBER": (
        ["checking account 123456789012", "Savings Acct: 000123456789"],
        ["123456789012", "bank account 11111111111", "bank account 12345678"],
    ),
    "GERMANY_BANK_ACCOUNT_NUMBER": (
        [
            "IBAN DE89 3704 0044 0532 0130 00",
            "DE89370400440532013000",
            "Kontonummer 370400440532013000",
        ],
        ["DE88370400440532013000", "DE89 3704 0044 0532 0130", "370400440532013000"],
    ),
    "FRANCE_BANK_ACCOUNT_NUMBER": (
        ["FR14 2004 1010 0505 0001 3M02 606"],
        ["FR15 2004 1010 0505 0001 3M02 606"],
    ),
    "SPAIN_BANK_ACCOUNT_NUMBER": (
        ["ES91 2100 0418 4502 0005 1332"],
        ["ES92 2100 0418 4502 0005 1332"],
    ),
    "ITALY_BANK_ACCOUNT_NUMBER": (
        ["IT60 X054 2811 1010 0000 0123 456"],
        ["IT61 X054 2811 1010 0000 0123 456"],
    ),
    "NETHERLANDS_BANK_ACCOUNT_NUMBER": (["NL91ABNA0417164300"], ["NL92ABNA0417164300"]),
    "UK_BANK_ACCOUNT_NUMBER": (
        ["GB29 NWBK 6016 1331 9268 19", "sort code and account 60-16-13 31926819"],
        ["GB28 NWBK 6016 1331 9268 19", "60-16-13 31926819"],
    ),
    "USA_SOCIAL_SECURITY_NUMBER": (
        ["SSN: 536-22-8726", "ssn 536228726", "Social Security Number 536 22 8726"],
        [
            "SSN: 078-05-1120",  # the Woolworth wallet card number
            "SSN: 666-22-8726",
            "SSN: 000-22-8726",
            "SSN: 536-00-8726",
            "536-22-8726",
            f"ssn{FAR}536-22-8726",
            "ssn 536-22-87261",
        ],
    ),
    "USA_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER": (
        ["ITIN: 912-70-1234", "individual taxpayer identification number 912 94 1234"],
        ["ITIN: 912-40-1234", "912-70-1234", "ITIN: 812-70-1234"],
    ),
    "CANADA_SOCIAL_INSURANCE_NUMBER": (
        ["SIN: 521 946 301", "social insurance number 521-946-301", "sin 123456709"],
        ["SIN: 521 946 302", "521 946 301", "SIN: 046 454 286", f"sin{FAR}521946301"],
    ),
    "USA_PASSPORT_NUMBER": (
        ["passport number: C03005988", "Passport 503009876"],
        ["C03005988", "passport 111111111"],
    ),
    "UK_NATIONAL_INSURANCE_NUMBER": (
        ["NINO: AB 12 34 56 C", "national insurance number JG103759A"],
        ["NINO: BG 12 34 56 C", "NINO: DA 12 34 56 C", "AB 12 34 56 C"],
    ),
    "UK_NHS_NUMBER": (
        ["NHS number 943 476 5919", "nhs: 9434765919"],
        ["NHS number 943 476 5918", "943 476 5919", "NHS 1111111111"],
    ),
    "DRIVERS_LICENSE": (
        ["driver's license: D1234567", "DL# 123456789", "Driving Licence F123-456-78-901-2"],
        ["D1234567", "driver license 111111", f"driver's license{FAR}D1234567"],
    ),
    "DATE_OF_BIRTH": (
        ["date of birth: 1985-03-14", "DOB 03/14/1985", "birthday 14.03.1985"],
        ["dob 02/30/1985", "dob 01/01/2999", "1985-03-14", f"date of birth{FAR}1985-03-14"],
    ),
    "PHONE_NUMBER": (
        [
            "phone: (415) 867-5309",
            "call +1 415 867 5309",
            "Tel 1-800-275-2273",
            "mobile 415.867.5309",
        ],
        ["415 867 5309", "phone (415) 555-0123", "phone 015-867-5309", f"phone{FAR}415-867-5309"],
    ),
    "VEHICLE_IDENTIFICATION_NUMBER": (
        ["VIN 1HGCM82633A004352", "vehicle identification number: WVWZZZ1JZXW000001"],
        ["VIN 1HGCM82633A004353", "1HGCM82633A004352", "VIN 1HGCM82633A00435"],
    ),
    "LATITUDE_LONGITUDE": (
        ["coordinates: 47.6062, -122.3321", "GPS 51.5007,-0.1246"],
        ["coordinates: 97.6062, -122.3321", "47.6062, -122.3321", "coordinates: 47.6, -122.3"],
    ),
    "HTTP_COOKIE": (
        ["Cookie: session=abc123; theme=dark", "Set-Cookie: id=a3fWa; Expires=Wed, 21 Oct 2026"],
        ["cookie jar is empty", "Cookie: ", "Cookie:\n"],
    ),
}


def counts(result: FileResult) -> dict[str, int]:
    return {key: det.count for key, det in result.managed.items()}


def test_every_local_identifier_has_cases() -> None:
    assert set(CASES) <= LOCAL_IDENTIFIERS
    required = {
        "AWS_CREDENTIALS", "GCP_API_KEY", "HTTP_BASIC_AUTH_HEADER", "JSON_WEB_TOKEN",
        "OPENSSH_PRIVATE_KEY", "PGP_PRIVATE_KEY", "PKCS", "PUTTY_PRIVATE_KEY",
        "STRIPE_CREDENTIALS", "CREDIT_CARD_NUMBER", "CREDIT_CARD_NUMBER_(NO_KEYWORD)",
        "CREDIT_CARD_EXPIRATION", "CREDIT_CARD_SECURITY_CODE", "CREDIT_CARD_MAGNETIC_STRIPE",
        "BANK_ACCOUNT_NUMBER", "USA_SOCIAL_SECURITY_NUMBER", "CANADA_SOCIAL_INSURANCE_NUMBER",
        "USA_PASSPORT_NUMBER", "USA_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER",
        "UK_NATIONAL_INSURANCE_NUMBER", "UK_NHS_NUMBER", "DRIVERS_LICENSE", "DATE_OF_BIRTH",
        "PHONE_NUMBER", "VEHICLE_IDENTIFICATION_NUMBER", "LATITUDE_LONGITUDE", "HTTP_COOKIE",
        "GERMANY_BANK_ACCOUNT_NUMBER", "FRANCE_BANK_ACCOUNT_NUMBER", "SPAIN_BANK_ACCOUNT_NUMBER",
        "ITALY_BANK_ACCOUNT_NUMBER", "NETHERLANDS_BANK_ACCOUNT_NUMBER", "UK_BANK_ACCOUNT_NUMBER",
    }  # fmt: skip
    assert required <= set(CASES)
    # The country-specific families have theirs in the labelled corpus.
    assert {r.reports[0] for r in RULES if not r.resolve} <= set(CASES) | set(CORPUS)


POSITIVES = [(ident, text) for ident, (pos, _) in CASES.items() for text in pos]
NEGATIVES = [(ident, text) for ident, (_, neg) in CASES.items() for text in neg]


@pytest.mark.parametrize(("ident", "text"), POSITIVES)
def test_positive(scan, ident: str, text: str) -> None:
    ids = [ident, "CREDIT_CARD_NUMBER"] if "NO_KEYWORD" in ident else [ident]
    result = scan(f"Synthetic record.\n{text}\nEnd.\n", ids=ids)
    assert counts(result).get(ident) == 1, counts(result)


@pytest.mark.parametrize(("ident", "text"), NEGATIVES)
def test_near_miss(scan, ident: str, text: str) -> None:
    ids = [ident, "CREDIT_CARD_NUMBER"] if "NO_KEYWORD" in ident else [ident]
    result = scan(f"Synthetic record.\n{text}\nEnd.\n", ids=ids)
    assert ident not in counts(result), counts(result)


def test_no_keyword_variant_alone_reports_every_card(scan) -> None:
    result = scan("credit card 4539148800000001", ids=["CREDIT_CARD_NUMBER_(NO_KEYWORD)"])
    assert counts(result) == {"CREDIT_CARD_NUMBER_(NO_KEYWORD)": 1}


def test_keyword_variants_space_underscore_dash_none(scan) -> None:
    text = "\n".join(
        f"{kw}: 536-22-8726" for kw in ("social security", "social_security", "SOCIAL-SECURITY")
    )
    assert counts(scan(text, ids=["USA_SOCIAL_SECURITY_NUMBER"])) == {
        "USA_SOCIAL_SECURITY_NUMBER": 3
    }


def test_keyword_is_a_complete_word(scan) -> None:
    # "sin" inside "using" is not the keyword SIN.
    assert counts(scan("using 521 946 301", ids=["CANADA_SOCIAL_INSURANCE_NUMBER"])) == {}


def test_csv_column_name_is_a_keyword(scan) -> None:
    text = "name,ssn,notes\n" + "".join(
        f"Person {i},536-22-87{i:02d},none\n" for i in range(10, 20)
    )
    assert counts(scan(text, name="people.csv", ids=["USA_SOCIAL_SECURITY_NUMBER"])) == {
        "USA_SOCIAL_SECURITY_NUMBER": 10
    }
    assert counts(scan(text, name="people.txt", ids=["USA_SOCIAL_SECURITY_NUMBER"])) == {
        "USA_SOCIAL_SECURITY_NUMBER": 1  # only the first row is within 30 chars of "ssn"
    }


def test_tsv_column_name_and_quoted_csv_cells(scan) -> None:
    tsv = "id\tnotes\tsin\n" + "1\tfar away from every keyword in this row\t521946301\n"
    assert counts(scan(tsv, name="p.tsv", ids=["CANADA_SOCIAL_INSURANCE_NUMBER"])) == {
        "CANADA_SOCIAL_INSURANCE_NUMBER": 1
    }
    csv = 'notes,ssn\n"a, quoted, cell with commas and more text",536-22-8726\n'
    assert counts(scan(csv, name="q.csv", ids=["USA_SOCIAL_SECURITY_NUMBER"])) == {
        "USA_SOCIAL_SECURITY_NUMBER": 1
    }


def test_structured_keyword_counts_only_in_its_cell_or_value(scan) -> None:
    # Macie: in CSV/TSV a keyword is in the same value or the column name; in JSON in the
    # same value or an element name on the path. Text in a neighbouring cell does not count.
    ids = ["USA_SOCIAL_SECURITY_NUMBER"]
    csv = "ssn,other\nfoo,536-22-8726\n"
    assert counts(scan(csv, name="a.csv", ids=ids)) == {}
    assert counts(scan(csv, name="a.txt", ids=ids)) == {"USA_SOCIAL_SECURITY_NUMBER": 1}
    same_cell = 'id,notes\n1,"ssn, 536-22-8726"\n2,ssn 536-22-8727\n'
    assert counts(scan(same_cell, name="b.csv", ids=ids)) == {"USA_SOCIAL_SECURITY_NUMBER": 2}
    doc = '{"ssn_note": "x", "value": "536-22-8726", "n": "he said \\"ssn\\" 536-22-8727"}'
    assert counts(scan(doc, name="c.json", ids=ids)) == {"USA_SOCIAL_SECURITY_NUMBER": 1}
    assert counts(scan(doc, name="c.txt", ids=ids)) == {"USA_SOCIAL_SECURITY_NUMBER": 2}


def test_json_path_names_are_keywords(scan) -> None:
    doc = (
        '{"credentials": {"production_account_primary": {"rotation": "quarterly", '
        f'"secret_value": "{SECRET}"}}}}'
    )
    assert counts(scan(doc, name="c.json", ids=["AWS_CREDENTIALS"])) == {"AWS_CREDENTIALS": 1}
    assert counts(scan(doc, name="c.txt", ids=["AWS_CREDENTIALS"])) == {}
    lines = "\n".join(
        f'{{"user": {i}, "profile": {{"ssn": "536-22-87{i:02d}"}}}}' for i in range(10, 13)
    )
    assert counts(scan(lines, name="u.jsonl", ids=["USA_SOCIAL_SECURITY_NUMBER"])) == {
        "USA_SOCIAL_SECURITY_NUMBER": 3
    }


def test_occurrences_lines_cells_records(scan) -> None:
    text = "header line\nssn 536-22-8726 here\n"
    det = scan(text, ids=["USA_SOCIAL_SECURITY_NUMBER"]).managed["USA_SOCIAL_SECURITY_NUMBER"]
    assert det.occurrences == [{"start": 2, "end": 2, "startColumn": 5}]
    csv = "name,ssn\nA,536-22-8726\n"
    det = scan(csv, name="a.csv", ids=["USA_SOCIAL_SECURITY_NUMBER"]).managed[
        "USA_SOCIAL_SECURITY_NUMBER"
    ]
    assert det.occurrences == [{"row": 2, "column": 2, "columnName": "ssn"}]
    doc = '{"people": [{"ssn": "536-22-8726"}]}'
    det = scan(doc, name="a.json", ids=["USA_SOCIAL_SECURITY_NUMBER"]).managed[
        "USA_SOCIAL_SECURITY_NUMBER"
    ]
    assert det.occurrences == [{"recordIndex": 0, "jsonPath": "$.people[0].ssn"}]


def test_at_most_15_occurrences_are_located(scan) -> None:
    text = "".join(f"ssn 536-22-{8700 + i}\n" for i in range(40))
    result = scan(text, ids=["USA_SOCIAL_SECURITY_NUMBER"])
    det = result.managed["USA_SOCIAL_SECURITY_NUMBER"]
    assert (det.count, len(det.occurrences)) == (40, 15)
    assert result.classification_result()["additionalOccurrences"] is True


def test_no_rule_lists_a_keyword_twice() -> None:
    # Rebuilding a rule (dataclasses.replace) must not add its typographic-apostrophe
    # keywords ("driver’s licence") a second time.
    from dataclasses import replace

    from macie_notify.detect.managed import RULES

    for rule in RULES:
        for copy in (rule, replace(rule, prefilter=False)):
            assert len(set(copy.keywords)) == len(copy.keywords), rule.name
