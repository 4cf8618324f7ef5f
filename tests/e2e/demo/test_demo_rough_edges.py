"""What a new user hit with the demo: loopback down, --timeout, --port with --local."""

from __future__ import annotations

import errno
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from macie_notify.cli.main import run
from macie_notify.demo import DemoError, example_config, open_endpoint, run_demo, sample_data_dir

pytestmark = pytest.mark.e2e


def test_port_with_local_or_endpoint_url_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for where in (["--local"], ["--endpoint-url", "http://127.0.0.1:4566"]):
        code = run(["demo", "--port", "4567", *where])
        err = capsys.readouterr().err
        assert code == 2, err
        assert "Error: --port is for the demo's own local AWS" in err
        assert "Hint: drop --port" in err


def _jumping_clock(step: float) -> Any:
    """A monotonic clock that moves ``step`` seconds each time it is read."""
    now = [0.0]

    def clock() -> float:
        now[0] += step
        return now[0]

    return clock


def test_timeout_covers_setup_and_names_the_timeout() -> None:
    with open_endpoint() as endpoint:
        with pytest.raises(DemoError) as caught:
            run_demo(
                example_config(),
                sample_data_dir(),
                endpoint,
                timeout=1,
                clock=_jumping_clock(5.0),  # setup "takes" 5 s
                sleep=lambda _s: None,
            )
    message = caught.value.message
    assert message == "setup: the demo did not finish within --timeout 1 s"
    assert caught.value.hint == "raise --timeout, or use fewer or smaller --source files"


@pytest.fixture
def loopback_down(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Connections fail as in a network namespace whose loopback is down (the server,
    already listening, is unaffected)."""

    def refuse(self: socket.socket, address: Any) -> None:
        raise OSError(errno.ENETUNREACH, "Network is unreachable")

    with open_endpoint() as endpoint:
        monkeypatch.setattr(socket.socket, "connect", refuse)
        monkeypatch.setattr(socket.socket, "connect_ex", lambda self, address: errno.ENETUNREACH)
        yield endpoint  # type: ignore[misc]
        monkeypatch.undo()


def test_loopback_down_does_not_say_start_local_serve(loopback_down: Any) -> None:
    endpoint = loopback_down
    with pytest.raises(DemoError) as caught:
        run_demo(example_config(), sample_data_dir(), endpoint, timeout=30)
    error = caught.value
    assert error.message.startswith("setup: Could not reach the local endpoint"), error.message
    assert "local serve" not in (error.hint or "")
    assert error.hint == (
        f"the demo's own local AWS at {endpoint.url} is running but cannot be reached: is "
        "loopback networking up (`ip link set lo up` in a network namespace)?"
    )


def test_loopback_down_cannot_listen_either(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)

    def refuse(self: socket.socket, address: Any) -> None:
        raise OSError(errno.EADDRNOTAVAIL, "Cannot assign requested address")

    monkeypatch.setattr(socket.socket, "bind", refuse)
    code = run(["demo"])
    err = capsys.readouterr().err
    assert code == 1, err
    assert "Error: cannot listen on 127.0.0.1:0: Cannot assign requested address" in err
    assert "local serve" not in err
    assert "Traceback" not in err
