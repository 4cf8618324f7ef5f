"""``macie-notify local slack`` against a running local server."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner
from slack_sdk import WebClient

from macie_notify.cli import cli
from macie_notify.local import LocalServer

pytestmark = pytest.mark.e2e


def post(server: LocalServer, channel: str, text: str, blocks: list[Any] | None = None) -> None:
    web = WebClient(token="xoxb-1-2-3", base_url=f"{server.endpoint_url}/_local/slack/api/")
    web.chat_postMessage(channel=channel, text=text, blocks=blocks)


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_table_json_channel_and_clear(aws: Callable[[str], Any], server: LocalServer) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*High* <!channel> finding"}}]
    post(server, "#aws-macie-events", "fallback", blocks)
    post(server, "#other", "plain text")

    result = run("local", "slack", "--endpoint-url", server.endpoint_url, "--no-color")
    assert result.exit_code == 0, result.output
    assert "#aws-macie-events" in result.output
    assert "<!channel>" in result.output  # shown verbatim, never as markup
    assert "plain text" in result.output

    result = run(
        "local",
        "slack",
        "--endpoint-url",
        server.endpoint_url,
        "-o",
        "json",
        "--channel",
        "#other",
        "--clear",
    )
    assert result.exit_code == 0, result.output
    (message,) = json.loads(result.output)
    assert (message["channel_name"], message["text"]) == ("other", "plain text")
    assert len(server.slack_sink.messages()) == 0


def test_empty_channel_does_not_read_as_an_empty_sink(
    aws: Callable[[str], Any], server: LocalServer
) -> None:
    url = server.endpoint_url
    result = run("local", "slack", "--endpoint-url", url, "--channel", "#nope")
    assert result.output.splitlines()[-1] == f"No messages yet at {url}."
    post(server, "#aws-macie-events", "one")
    post(server, "#other", "two")
    result = run("local", "slack", "--endpoint-url", url, "--channel", "#nope", "--clear")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == (
        f"No messages in #nope at {url} (2 messages in other channels)."
    )
    assert server.slack_sink.messages() == []  # --clear still forgot every message


def test_unreachable_endpoint_is_a_readable_error(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    from macie_notify.cli.main import run as main_run

    code = main_run(["local", "slack", "--endpoint-url", f"http://127.0.0.1:{port}"])
    captured = capsys.readouterr()
    assert (code, captured.out) == (1, "")
    error, hint = captured.err.splitlines()
    # The errno differs by platform (111 on Linux, 61 on macOS); the words do not.
    assert error.startswith(f"Error: Could not reach the local endpoint http://127.0.0.1:{port}: ")
    assert error.endswith("Connection refused")
    assert hint == "Hint: start it with `macie-notify local serve`, or pass --endpoint-url"


@pytest.mark.parametrize("command", [["local", "slack"], ["demo"]])
@pytest.mark.parametrize("url", ["notaurl", "ftp://127.0.0.1:1"])
def test_malformed_endpoint_url_is_a_usage_error(
    command: list[str], url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from macie_notify.cli.main import run as main_run

    code = main_run([*command, "--endpoint-url", url, "-q"])
    err = capsys.readouterr().err
    assert (code, err.splitlines()[-2:]) == (
        2,
        [
            f"Error: the endpoint URL {url!r} is not valid.",
            "Hint: give --endpoint-url (or AWS_ENDPOINT_URL) as http(s)://host[:port].",
        ],
    )
