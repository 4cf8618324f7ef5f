"""What the local endpoint refuses before any service sees a request (raw HTTP, as an
attacker or a careless client sends it), and the answers AWS gives for each."""

from __future__ import annotations

import http.client
import json
from typing import Any

import pytest

from macie_notify.local import LocalServer


def auth(service: str, region: str = "us-east-1") -> str:
    return (
        f"AWS4-HMAC-SHA256 Credential=testing/20260101/{region}/{service}/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=0123"
    )


def raw(
    server: LocalServer,
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes = b"",
    length: int | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """One request with exactly these headers (Host and Content-Length included)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        headers = {"Host": f"127.0.0.1:{server.port}", **headers}
        for name, value in headers.items():
            conn.putheader(name, value.encode("utf-8"))
        conn.putheader("Content-Length", str(len(body) if length is None else length))
        conn.endheaders()
        if body:
            conn.send(body)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


@pytest.mark.parametrize(
    "host", ["rebind.attacker.example", "rebind.attacker.example:4566", "localhost.evil.example"]
)
def test_a_foreign_host_header_is_refused(local_server: LocalServer, host: str) -> None:
    # The DNS rebinding attack: the attacker's name, resolving to 127.0.0.1.
    status, _, body = raw(local_server, "GET", "/", {"Host": host, "Authorization": auth("iam")})
    assert status == 403
    assert f"Host {host!r} is neither this server's address nor localhost" in body.decode()


@pytest.mark.parametrize("host", ["localhost", "localhost:4566", "bucket.localhost", "[::1]:1"])
def test_loopback_names_are_accepted(local_server: LocalServer, host: str) -> None:
    status, _, _ = raw(local_server, "GET", "/_local/health", {"Host": host})
    assert status == 200


def test_a_preflight_from_a_foreign_origin_gets_no_cors(local_server: LocalServer) -> None:
    status, headers, _ = raw(
        local_server,
        "OPTIONS",
        "/",
        {
            "Origin": "https://evil.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert status == 403
    assert not [h for h in headers if h.startswith("access-control-")]


def test_a_request_from_a_foreign_origin_is_refused(local_server: LocalServer) -> None:
    status, headers, _ = raw(
        local_server, "GET", "/", {"Origin": "https://evil.example", "Authorization": auth("s3")}
    )
    assert status == 403
    assert "access-control-allow-origin" not in headers


def test_no_cors_header_without_an_origin(local_server: LocalServer) -> None:
    # moto adds "Access-Control-Allow-Origin: *" to its answers; the endpoint drops it.
    status, headers, _ = raw(local_server, "GET", "/", {"Authorization": auth("s3")})
    assert status == 200
    assert not [h for h in headers if h.startswith("access-control-")]


def test_an_allowed_origin_gets_cors_naming_it() -> None:
    origin = "http://localhost:5173"
    with LocalServer(background=False, cors_origins=[origin]) as server:
        status, headers, _ = raw(
            server,
            "OPTIONS",
            "/",
            {
                "Origin": origin,
                "Access-Control-Request-Method": "PUT",
                "Access-Control-Request-Headers": "authorization,x-amz-date",
            },
        )
        assert status == 200
        assert headers["access-control-allow-origin"] == origin
        assert headers["access-control-allow-headers"] == "authorization,x-amz-date"
        status, headers, _ = raw(
            server, "GET", "/", {"Origin": origin, "Authorization": auth("s3")}
        )
        assert status == 200
        assert headers["access-control-allow-origin"] == origin
        assert headers["vary"] == "Origin"
        other = raw(
            server, "GET", "/", {"Origin": "http://localhost:1", "Authorization": auth("s3")}
        )
        assert other[0] == 403


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            "AWS4-HMAC-SHA256",
            "Authorization header requires 'Credential' parameter. Authorization header "
            "requires 'Signature' parameter. Authorization header requires 'SignedHeaders' "
            "parameter. Authorization=AWS4-HMAC-SHA256",
        ),
        ("AWS4-é", "Unsupported AWS 'algorithm': 'AWS4-\u00c3\u00a9'."),
        (
            "AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=0",
            "Credential should be scoped with a valid terminator: 'aws4_request', not 'e'.",
        ),
        (
            "AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request, SignedHeaders=host, Signature=0",
            "Date must be in ISO-8601 'basic format'. Got 'b'.",
        ),
    ],
)
def test_unreadable_sigv4_is_incomplete_signature(
    local_server: LocalServer, header: str, message: str
) -> None:
    status, headers, body = raw(local_server, "GET", "/macie", {"Authorization": header})
    assert status == 403
    assert headers["x-amzn-errortype"] == "IncompleteSignatureException"
    assert json.loads(body)["message"] == message


@pytest.mark.parametrize(
    ("service", "method", "path", "status", "expected"),
    [
        (
            "macie2",
            "GET",
            "/macie",
            403,
            "Credential should be scoped to a valid region, not 'eu-wset-1'.",
        ),
        (
            "lambda",
            "GET",
            "/2015-03-31/functions/",
            403,
            "Credential should be scoped to a valid region, not 'eu-wset-1'.",
        ),
        (
            "s3",
            "GET",
            "/",
            400,
            "<Code>AuthorizationHeaderMalformed</Code><Message>The authorization header is "
            "malformed; the region 'eu-wset-1' is wrong; expecting 'us-east-1'</Message>",
        ),
        (
            "iam",
            "POST",
            "/",
            403,
            "<Code>SignatureDoesNotMatch</Code><Message>Credential should be scoped to a "
            "valid region, not 'eu-wset-1'.</Message>",
        ),
    ],
)
def test_an_unknown_region_is_a_signature_error_naming_it(
    local_server: LocalServer, service: str, method: str, path: str, status: int, expected: str
) -> None:
    got, _, body = raw(local_server, method, path, {"Authorization": auth(service, "eu-wset-1")})
    assert got == status
    assert expected in body.decode()
    assert b"Traceback" not in body and b"<html" not in body


def test_an_unknown_region_through_boto3(client: Any) -> None:
    macie = client("macie2", region="eu-wset-1")
    with pytest.raises(macie.exceptions.ClientError) as info:
        macie.get_macie_session()
    error = info.value.response["Error"]
    assert (error["Code"], error["Message"]) == (
        "InvalidSignatureException",
        "Credential should be scoped to a valid region, not 'eu-wset-1'.",
    )


@pytest.mark.parametrize(
    ("service", "limit", "code"),
    [
        ("macie2", 10 * 1024 * 1024, "RequestEntityTooLargeException"),
        ("lambda", 70_167_211, "RequestEntityTooLargeException"),
    ],
)
def test_an_oversized_body_is_refused_before_it_is_read(
    local_server: LocalServer, service: str, limit: int, code: str
) -> None:
    # Content-Length only: the body is never sent, so a read would hang until the timeout.
    status, headers, body = raw(
        local_server, "POST", "/jobs", {"Authorization": auth(service)}, length=limit + 1
    )
    assert (status, headers["x-amzn-errortype"]) == (413, code)
    assert json.loads(body)["message"] == f"Request must be smaller than {limit} bytes."


def test_an_oversized_s3_body_is_entity_too_large(local_server: LocalServer) -> None:
    status, _, body = raw(
        local_server, "PUT", "/bucket/key", {"Authorization": auth("s3")}, length=5 * 1024**3 + 1
    )
    assert status == 400
    assert b"<Code>EntityTooLarge</Code>" in body
    assert b"<MaxSizeAllowed>5368709120</MaxSizeAllowed>" in body


def test_a_control_body_is_capped(local_server: LocalServer) -> None:
    status, _, body = raw(local_server, "PUT", "/_local/latency", {}, length=2 * 1024 * 1024)
    assert status == 413
    assert json.loads(body) == {"error": "body over 1048576 bytes"}


def test_a_deeply_nested_macie2_body_is_a_serialization_exception(
    local_server: LocalServer, macie: Any
) -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    status, headers, answer = raw(
        local_server,
        "POST",
        "/custom-data-identifiers/test",
        {"Authorization": auth("macie2"), "Content-Type": "application/json"},
        body,
    )
    assert (status, headers["x-amzn-errortype"]) == (400, "SerializationException")
    assert json.loads(answer) == {"message": "The request body is nested too deeply."}


def test_a_tls_only_bucket_policy_allows_loopback_calls(client: Any) -> None:
    s3 = client("s3")
    bucket = "tls-only-loopback"
    s3.create_bucket(Bucket=bucket)
    deny_plain_http = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(deny_plain_http))
    try:
        s3.put_object(Bucket=bucket, Key="a.txt", Body=b"hello")
        assert s3.get_object(Bucket=bucket, Key="a.txt")["Body"].read() == b"hello"
        s3.delete_object(Bucket=bucket, Key="a.txt")
    finally:
        s3.delete_bucket_policy(Bucket=bucket)
        s3.delete_bucket(Bucket=bucket)


def test_a_deny_that_holds_on_tls_still_denies(client: Any) -> None:
    s3 = client("s3")
    bucket = "tls-deny-loopback"
    s3.create_bucket(Bucket=bucket)
    deny_tls = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
                "Condition": {"Bool": {"aws:SecureTransport": "true"}},
            }
        ],
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(deny_tls))
    try:
        with pytest.raises(s3.exceptions.ClientError) as info:
            s3.put_object(Bucket=bucket, Key="a.txt", Body=b"hello")
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    finally:
        s3.delete_bucket_policy(Bucket=bucket)
        s3.delete_bucket(Bucket=bucket)


def test_a_chunked_body_is_read_at_most_to_the_limit(local_server: LocalServer) -> None:
    """Without Content-Length the endpoint stops reading one byte past the limit."""
    limit = 10 * 1024 * 1024
    conn = http.client.HTTPConnection("127.0.0.1", local_server.port, timeout=60)
    try:
        conn.putrequest("POST", "/custom-data-identifiers/test")
        conn.putheader("Authorization", auth("macie2"))
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        chunk = b"x" * (1024 * 1024)
        try:
            for _ in range(11):  # 11 MiB, more than the limit
                conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            conn.send(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before the rest is sent
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    assert response.status == 413
    assert json.loads(body)["message"] == f"Request must be smaller than {limit} bytes."
