"""LocalApp's dispatch: which application answers which request, and what is delayed."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.test import Client

from macie_notify.local.server import INTERNAL_HEADER, LocalApp

MACIE2_AUTH = (
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/eu-west-1/macie2/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=abc"
)
LAMBDA_AUTH = MACIE2_AUTH.replace("/macie2/", "/lambda/")


def named(name: str, seen: list[tuple[str, str, str]]) -> Callable[..., Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        seen.append((name, environ["PATH_INFO"], str(environ.get("macie_notify.region", ""))))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [name.encode()]

    return app


def make(latency_ms: int = 0) -> tuple[Client, list[tuple[str, str, str]], list[float]]:
    seen: list[tuple[str, str, str]] = []
    sleeps: list[float] = []
    app = LocalApp(
        named("macie2", seen),
        named("invoke", seen),
        named("controls", seen),
        latency_ms=latency_ms,
        sleep=sleeps.append,
    )
    return Client(app), seen, sleeps


def test_routes_by_prefix_and_sigv4_scope() -> None:
    client, seen, _ = make()
    assert client.get("/_local/health").text == "controls"
    assert client.get("/jobs", headers={"Authorization": MACIE2_AUTH}).text == "macie2"
    invoke = "/2015-03-31/functions/fn/invocations"
    assert client.post(invoke, headers={"Authorization": LAMBDA_AUTH}).text == "invoke"
    assert seen == [
        ("controls", "/_local/health", ""),
        ("macie2", "/jobs", "eu-west-1"),
        ("invoke", invoke, "eu-west-1"),
    ]


def test_latency_delays_aws_requests_and_never_controls() -> None:
    client, seen, sleeps = make(latency_ms=150)
    client.get("/_local/health")
    assert sleeps == []
    client.get("/jobs", headers={"Authorization": MACIE2_AUTH})
    assert sleeps == [0.15]
    client.get("/_local/latency")
    assert sleeps == [0.15]
    assert [name for name, _, _ in seen] == ["controls", "macie2", "controls"]


def test_the_emulators_own_reads_are_not_charged_latency() -> None:
    # Jobs and policy findings read the local S3 through the endpoint; on AWS those reads
    # happen inside the service, so the simulated client latency must not slow them.
    client, seen, sleeps = make(latency_ms=50)
    client.get("/jobs", headers={"Authorization": MACIE2_AUTH, INTERNAL_HEADER: "1"})
    assert sleeps == []
    client.get("/jobs", headers={"Authorization": MACIE2_AUTH})
    assert sleeps == [0.05]
    assert [name for name, _, _ in seen] == ["macie2", "macie2"]
