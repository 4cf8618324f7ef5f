"""The engine's two promises: Hyperscan and pure Python find the same things, and a value
across a buffer boundary is found exactly once."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from macie_notify.detect import CustomIdentifierSpec, IdentifierSelection, Scanner
from macie_notify.detect import engine as engine_module
from macie_notify.detect.engine import Tally
from macie_notify.detect.managed import LOCAL_IDENTIFIERS
from macie_notify.detect.structured import Structure, structure_for

VALUES = [
    "SSN: 536-22-8726",
    "credit card 4539 1488 0000 0001",
    "ref 5425400000000008",
    "aws_secret_access_key=Zx8q1Rk2Lm3Np4Oq5Pr6Qs7Rt8Su9Tv0UwXyZa1B",
    "phone (415) 867-5309",
    "IBAN DE89 3704 0044 0532 0130 00",
    "Cookie: sid=42; theme=dark",
    "expiry 04/27 cvv 123",
    "VIN 1HGCM82633A004352",
    "EMP-123456 employee",
    "employee EMP-654321",
    "Authorization: Basic dXNlcjpwYXNzd29yZA==",
    "coordinates: 47.6062, -122.3321",
    "NHS number 943 476 5919",
    "café ünïcode 536-22-8726 ssn",
    "1234567890123456789012345",
]
CUSTOM = (
    CustomIdentifierSpec.from_api(
        {"name": "employee-id", "regex": "EMP-[0-9]{6}", "keywords": ["employee"]}
    ),
    CustomIdentifierSpec.from_api({"name": "ticket", "regex": "TICKET-\\d+"}),
)


def corpus(size: int, seed: int) -> str:
    rnd = random.Random(seed)
    words = "the of data record value customer order shipped invoice notes".split()
    parts: list[str] = []
    total = 0
    while total < size:
        piece = rnd.choice(VALUES) if rnd.random() < 0.3 else " ".join(rnd.sample(words, 4))
        piece += rnd.choice([" ", "\n", ", ", "\t"])
        parts.append(piece)
        total += len(piece)
    return "".join(parts)


def summary(tally: Tally) -> dict[str, tuple[int, list[dict[str, object]]]]:
    out = {k: (d.count, d.occurrences) for k, d in tally.managed.items()}
    out.update({"custom:" + k: (d.count, d.occurrences) for k, d in tally.custom.items()})
    return out


def pieces(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


@contextmanager
def small_buffers(chunk: int, overlap: int) -> Iterator[None]:
    """Buffers of ``chunk`` characters inside the block (hypothesis tests cannot take the
    function-scoped ``monkeypatch``, so every test uses this)."""
    saved = engine_module.CHUNK, engine_module.OVERLAP
    engine_module.CHUNK, engine_module.OVERLAP = chunk, overlap
    try:
        yield
    finally:
        engine_module.CHUNK, engine_module.OVERLAP = saved


@pytest.fixture(scope="module")
def engines() -> dict[str, Scanner]:
    """The pure engine always; Hyperscan's where it can be imported."""
    selection = IdentifierSelection("INCLUDE", tuple(sorted(LOCAL_IDENTIFIERS)))
    built = {"pure": Scanner(selection, CUSTOM, use_hyperscan=False)}
    try:
        built["hyperscan"] = Scanner(selection, CUSTOM, use_hyperscan=True)
    except ImportError:
        pass
    return built


@pytest.fixture(scope="module")
def scanners(engines: dict[str, Scanner]) -> dict[str, Scanner]:
    """Both engines, for the tests that compare them (skipped without Hyperscan only)."""
    if "hyperscan" not in engines:
        pytest.skip("hyperscan cannot be imported")
    return engines


def engine_of(engines: dict[str, Scanner], kind: str) -> Scanner:
    if kind not in engines:
        pytest.skip("hyperscan cannot be imported")
    return engines[kind]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_hyperscan_and_pure_agree(scanners: dict[str, Scanner], seed: int) -> None:
    text = corpus(150_000, seed)
    results = [summary(s.engine.scan([text], Structure())) for s in scanners.values()]
    assert results[0] == results[1]
    assert results[0]["USA_SOCIAL_SECURITY_NUMBER"][0] > 50


@pytest.mark.parametrize("kind", ["pure", "hyperscan"])
@pytest.mark.parametrize("chunk", [40_000, 65_537])
def test_buffer_boundaries_find_each_value_once(
    engines: dict[str, Scanner], kind: str, chunk: int
) -> None:
    text = corpus(160_000, 7)
    engine = engine_of(engines, kind).engine
    whole = summary(engine.scan([text], Structure()))
    with small_buffers(chunk, 20_000):
        chunked = summary(engine.scan(pieces(text, 997), Structure()))
    assert chunked == whole


@pytest.mark.parametrize("kind", ["pure", "hyperscan"])
def test_value_exactly_on_a_boundary(engines: dict[str, Scanner], kind: str) -> None:
    engine = engine_of(engines, kind).engine
    for offset in range(29_990, 30_010):  # the first buffer's limit is 50_000 - 20_000
        text = "x" * (offset - 5) + " ssn 536-22-8726 " + "y" * 40_000
        with small_buffers(50_000, 20_000):
            tally = engine.scan(pieces(text, 50_000), Structure())
        assert tally.managed["USA_SOCIAL_SECURITY_NUMBER"].count == 1


@pytest.mark.parametrize("kind", ["pure", "hyperscan"])
def test_occurrence_lines_after_buffers_nothing_was_located_in(
    engines: dict[str, Scanner], kind: str
) -> None:
    # Newlines of a buffer are counted only when a later occurrence needs its line: here
    # the first buffers hold nothing, then a value shows up four buffers later.
    lines = ["ssn 536-22-8726"] + [f"line {i} of plain words" for i in range(12_000)]
    lines[9_000] = "card 4539 1488 0000 0001"
    lines[11_500] = "ssn 536-22-8726"
    text = "\n".join(lines)
    with small_buffers(50_000, 20_000):
        tally = engine_of(engines, kind).engine.scan(pieces(text, 4096), Structure())
    ssn = [o["start"] for o in tally.managed["USA_SOCIAL_SECURITY_NUMBER"].occurrences]
    card = [o["start"] for o in tally.managed["CREDIT_CARD_NUMBER"].occurrences]
    assert (ssn, card) == ([1, 11_501], [9_001])


LITERAL_STARTS = [
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu"
    "KUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQ==\n-----END RSA PRIVATE KEY-----",
    "-----BEGIN CERTIFICATE-----",
    "-----begin openssh private key-----",
    "Authorization: Basic dXNlcjpwYXNzd29yZA==",
    "AUTHORIZATION: BASIC dXNlcjpwYXNzd29yZA==",
    "Set-Cookie: sid=42",
    "COOKIE: sid=42",
    "call +44 20 7946 0958 now",
    "+44",
    "+33 1 23 45 67 89",
    "tel +49 30 901820",
    "PuTTY-User-Key-File-3: ssh-ed25519",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "EYJ",
    "key sk_live_9fQ2xW7mK3pL8vR4tY6nB1cZ",
    "rk_test_Zq8Lm3Np4Oq5Pr6Qs7Rt8Su9T",
    "sk_live_short",
    "x",
    "\n",
]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=st.lists(st.sampled_from(LITERAL_STARTS), min_size=1, max_size=400))
def test_values_found_by_their_fixed_start_agree(
    scanners: dict[str, Scanner], parts: list[str]
) -> None:
    # Everywhere patterns that start with fixed text ("-----BEGIN ", "+44", "Cookie:") get
    # their Hyperscan candidates from a caseless literal, and Stripe keys from an anchor
    # pattern of their prefix: the same results as the pure path, with decoys in other
    # cases and buffer edges anywhere.
    text = "".join(parts)
    fast = summary(scanners["hyperscan"].engine.scan([text], Structure()))
    with small_buffers(9_000, 8_500):
        chunked = summary(scanners["hyperscan"].engine.scan(pieces(text, 997), Structure()))
    pure = summary(scanners["pure"].engine.scan([text], Structure()))
    assert fast == pure == chunked


def test_values_found_by_their_fixed_start(scanners: dict[str, Scanner]) -> None:
    text = " ".join(LITERAL_STARTS)
    for scanner in scanners.values():
        found = {
            k: count for k, (count, _) in summary(scanner.engine.scan([text], Structure())).items()
        }
        assert found == {
            "HTTP_BASIC_AUTH_HEADER": 1,  # "AUTHORIZATION: BASIC" is not the header's spelling
            "HTTP_COOKIE": 1,
            "JSON_WEB_TOKEN": 1,
            "PKCS": 1,
            "FRANCE_PHONE_NUMBER": 1,
            "UK_PHONE_NUMBER": 1,
            "STRIPE_CREDENTIALS": 2,  # found from its prefix, the one pattern's anchor
        }


def test_fixed_starts_read_from_patterns() -> None:
    prefix = engine_module._literal_prefix
    assert prefix(r"-----BEGIN (?:RSA |EC )?PRIVATE KEY-----") == "-----BEGIN "
    assert prefix(r"\+44 ?\(?0?\)?") == "+44"
    assert prefix(r"[Aa]uthorization:[ \t]{0,8}") == "Authorization:"
    assert prefix("PuTTY-User-Key-File-[23]") == "PuTTY-User-Key-File-"[: engine_module.MAX_LITERAL]
    # A quantified character is not in every match; alternatives and classes end the start.
    assert prefix("abc?d") == ""
    assert prefix("abcd?e") == "abc"
    assert prefix("(?:sk|rk)_live_") == ""
    assert prefix(r"[0-9]{3}-") == ""
    assert prefix(r"\+1[ .-]?") == ""  # two characters: too common to stand for a value
    assert prefix(r"ab\dcd") == ""


def test_structured_corpus_agrees(scanners: dict[str, Scanner]) -> None:
    rows = ["id,ssn,card,notes"] + [
        f"{i},536-22-{8700 + i % 100:04d},4539148800000001,{'x' * (i % 50)}" for i in range(3000)
    ]
    text = "\n".join(rows)
    results = [summary(s.engine.scan([text], structure_for("a.csv"))) for s in scanners.values()]
    assert results[0] == results[1]
    assert results[0]["USA_SOCIAL_SECURITY_NUMBER"][0] == 3000


FRAGMENTS = [
    *VALUES,
    "card",
    "ssn",
    "employee",
    "4539",
    "-",
    " ",
    "\n",
    ",",
    "é",
    "0",
    "12",
    "DE89",
    "eyJhbGciOiJIUzI1NiJ9",
    "Cookie:",
    "Authorization: Basic ",
    "x" * 50,
]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    parts=st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=3000),
    piece=st.integers(min_value=1, max_value=5000),
)
def test_engines_agree_on_any_mix(
    scanners: dict[str, Scanner], parts: list[str], piece: int
) -> None:
    text = "".join(parts)
    fast = summary(scanners["hyperscan"].engine.scan([text], Structure()))
    with small_buffers(24_000, 20_000):  # many buffers per text
        pure = summary(scanners["pure"].engine.scan(pieces(text, piece), Structure()))
    assert pure == fast
