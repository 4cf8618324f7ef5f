"""Acceptance: the local endpoint as a library user and `local serve` user meet it."""

from __future__ import annotations

import errno
import socket
from collections.abc import Iterator

import pytest

from macie_notify.cli.main import run
from macie_notify.local import LocalServer

pytestmark = pytest.mark.e2e


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield int(sock.getsockname()[1])


def test_start_on_a_taken_port_raises_oserror_not_systemexit(busy_port: int) -> None:
    # werkzeug's own bind prints and calls sys.exit(1); LocalServer.start promises OSError.
    server = LocalServer(port=busy_port, background=False)
    with pytest.raises(OSError) as info:
        server.start()
    assert info.value.errno == errno.EADDRINUSE
    server.stop()  # nothing started: still safe


def test_server_on_a_free_port_still_answers() -> None:
    with LocalServer(background=False) as server:
        s3 = server.client("s3")
        s3.create_bucket(Bucket="acceptance-bind-check")
        names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert "acceptance-bind-check" in names


def test_serve_on_a_taken_port_is_a_one_line_error(
    busy_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(["local", "serve", "--port", str(busy_port)])
    err = capsys.readouterr().err
    assert code == 1
    assert f"Error: cannot listen on 127.0.0.1:{busy_port}: Address already in use" in err
    assert "pick another --port" in err
    assert "Traceback" not in err


def test_serve_on_an_unknown_host_hints_at_host(capsys: pytest.CaptureFixture[str]) -> None:
    code = run(["local", "serve", "--host", "256.1.1.1", "--port", "0"])
    err = capsys.readouterr().err
    assert code == 1
    assert "Error: cannot listen on 256.1.1.1:0" in err
    assert "check --host" in err
