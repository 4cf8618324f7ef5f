"""The endpoint's request guard, without a server: which Host headers pass, which
Authorization headers are unreadable, and what each protocol's refusal looks like."""

from __future__ import annotations

import pytest

from macie_notify.local.guard import RequestGuard
from macie_notify.local.sigv4 import CredentialScope, authorization_problem, credential_problem


@pytest.mark.parametrize(
    ("bound", "host", "allowed"),
    [
        ("127.0.0.1", "127.0.0.1:4566", True),
        ("127.0.0.1", "localhost", True),
        ("127.0.0.1", "LOCALHOST:4566", True),
        ("127.0.0.1", "my-bucket.localhost:4566", True),
        ("127.0.0.1", "[::1]:4566", True),
        ("127.0.0.1", "127.0.0.2", True),  # loopback, not a name an attacker controls
        ("127.0.0.1", "10.0.0.5:4566", False),  # another interface: not bound there
        ("127.0.0.1", "rebind.attacker.example", False),
        ("127.0.0.1", "localhost.attacker.example", False),
        ("127.0.0.1", "127.0.0.1.nip.io", False),
        ("0.0.0.0", "10.0.0.5:4566", True),  # every interface: any IP literal
        ("0.0.0.0", "my-laptop.lan", False),  # names still rebind
        ("192.168.1.10", "192.168.1.10:4566", True),
        ("127.0.0.1", None, True),  # HTTP/1.0: no Host at all
    ],
)
def test_host_header(bound: str, host: str | None, allowed: bool) -> None:
    assert RequestGuard(bound).host_allowed(host) is allowed


def test_only_sigv4_claims_are_judged() -> None:
    assert authorization_problem(None) is None
    assert authorization_problem("AWS AKID:signature") is None  # SigV2: moto's to answer
    assert authorization_problem("Bearer xoxb-1") is None
    good = (
        "AWS4-HMAC-SHA256 Credential=AKID/20240101/eu-west-1/macie2/aws4_request, "
        "SignedHeaders=host, Signature=abc"
    )
    assert authorization_problem(good) is None


@pytest.mark.parametrize(
    ("credential", "problem"),
    [
        ("AKID/20240101/eu-west-1/macie2/aws4_request", None),
        (
            "AKID/20240101/eu-west-1/macie2",
            "Credential should be scoped with a valid terminator: 'aws4_request', not 'macie2'.",
        ),
        (
            "AKID/2024-01-01/eu-west-1/s3/aws4_request",
            ("Date must be in ISO-8601 'basic format'. Got '2024-01-01'."),
        ),
        (
            "/20240101/eu-west-1/s3/aws4_request",
            "Credential should be scoped correctly: '/20240101/eu-west-1/s3/aws4_request'.",
        ),
    ],
)
def test_credential_scope(credential: str, problem: str | None) -> None:
    assert credential_problem(credential) == problem


def test_a_refusal_in_each_protocols_shape() -> None:
    guard = RequestGuard(regions=lambda: frozenset({"us-east-1"}))
    environ = {"HTTP_AUTHORIZATION": "AWS4-HMAC-SHA256", "CONTENT_LENGTH": "0"}
    json_answer = guard.refuse_aws(dict(environ), None)
    assert json_answer is not None and json_answer.status_code == 403
    assert json_answer.headers["x-amzn-ErrorType"] == "IncompleteSignatureException"
    scope = CredentialScope("AKID", "20240101", "mars-north-1", "sts")
    query = guard.refuse_aws({"CONTENT_LENGTH": "0"}, scope)
    assert query is not None and query.status_code == 403
    assert b"<Code>SignatureDoesNotMatch</Code>" in query.get_data()
    assert b"not 'mars-north-1'" in query.get_data()
    ok = guard.refuse_aws(
        {"CONTENT_LENGTH": "12"}, CredentialScope("A", "20240101", "us-east-1", "sts")
    )
    assert ok is None
