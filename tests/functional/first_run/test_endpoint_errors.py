"""--endpoint-url mistakes a new user makes: a web server that is not AWS, a non-HTTP URL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from macie_notify.cli.main import run

HINT = (
    "Hint: check --endpoint-url (or AWS_ENDPOINT_URL): it must be an AWS endpoint or a "
    "`macie-notify local serve`; unset it to use AWS.\n"
)


class _TidyPage(BaseHTTPRequestHandler):
    """A web app answering every call with a well-formed HTML "not found" page."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        page = b"<html><head><title>Not found</title></head><body><p>No such page</p></body></html>"
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


class _Quiet(SimpleHTTPRequestHandler):
    """`python -m http.server`: 501 and its HTML error page for every POST."""

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def _serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def web_server() -> Iterator[str]:
    yield from _serve(_Quiet)


@pytest.fixture
def tidy_web_server() -> Iterator[str]:
    yield from _serve(_TidyPage)


def test_a_web_page_instead_of_a_json_api_is_one_line_and_a_hint(
    web_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(["notify", "preview", "abc", "--endpoint-url", web_server, "--region", "eu-west-1"])
    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert err == (
        "Error: GetFindings: the endpoint answered with an HTTP 501 web page, "
        "not an AWS response.\n" + HINT
    )


def test_a_web_page_that_botocore_cannot_parse_is_one_line_and_a_hint(
    web_server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # upload-samples starts with STS GetCallerIdentity (query protocol: XML it cannot parse).
    config = tmp_path / "macie-notify.yaml"
    config.write_text("stack: {name: first-run, region: eu-west-1}\n")
    code = run(["upload-samples", "-c", str(config), "--endpoint-url", web_server])
    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert err == "Error: the endpoint answered with a web page, not an AWS response.\n" + HINT


def test_a_well_formed_web_page_is_recognised_by_its_content_type(
    tidy_web_server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "macie-notify.yaml"
    config.write_text("stack: {name: first-run, region: eu-west-1}\n")
    code = run(["upload-samples", "-c", str(config), "--endpoint-url", tidy_web_server])
    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert err == (
        "Error: GetCallerIdentity: the endpoint answered with an HTTP 404 web page, "
        "not an AWS response.\n" + HINT
    )


@pytest.mark.parametrize("url", ["ftp://x", "notaurl", "FTP://host:21"])
def test_an_endpoint_that_is_not_http_is_a_usage_error(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(["notify", "preview", "abc", "--endpoint-url", url, "--region", "eu-west-1"])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err == (
        f"Error: the endpoint URL {url!r} is not valid.\n"
        "Hint: give --endpoint-url (or AWS_ENDPOINT_URL) as http(s)://host[:port].\n"
    )
