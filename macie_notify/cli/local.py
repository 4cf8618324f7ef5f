"""``macie-notify local ...``: the embedded local AWS (moto + this project's macie2)."""

from __future__ import annotations

import signal
from collections.abc import Mapping
from typing import Any

import click

from macie_notify.cli import MacieGroup
from macie_notify.cli.context import LOCAL_ENDPOINT, AppContext
from macie_notify.cli.options import pass_app
from macie_notify.errors import EXIT_INTERRUPTED


@click.group("local", cls=MacieGroup)
def local_group() -> None:
    """Run the embedded local AWS that --local points at."""


@local_group.command("serve", short_help="Serve the local AWS on one endpoint until Ctrl-C.")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Interface to listen on (anything but loopback exposes it to the network).",
)
@click.option(
    "--port",
    default=4566,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (0: a free one).",
)
@click.option(
    "--latency-ms",
    default=0,
    show_default=True,
    type=click.IntRange(0, 60_000),
    help="Delay every AWS response (stands in for network latency in benchmarks).",
)
@click.option(
    "--cors-origin",
    "cors_origins",
    multiple=True,
    metavar="ORIGIN",
    help="Let web pages from ORIGIN (scheme://host[:port]) call the endpoint; repeatable. "
    "None by default.",
)
@pass_app
def serve_cmd(
    app: AppContext, host: str, port: int, latency_ms: int, cors_origins: tuple[str, ...]
) -> None:
    """Serve S3, IAM, Lambda, EventBridge, Logs, Secrets Manager, SQS, STS and macie2
    on one endpoint until Ctrl-C.

    Controls live under /_local/ (health, reset, latency, synthetic findings).

    \b
    Examples:
      macie-notify local serve                  # then, in another terminal:
      macie-notify --local notify preview FINDING_ID
      macie-notify local serve --port 4567 -o json   # endpoint and variables as JSON
    """
    import errno
    import threading

    from macie_notify.errors import MacieNotifyError
    from macie_notify.local import LocalServer

    server = LocalServer(
        host, port, latency_ms, log_requests=app.settings.verbose, cors_origins=cors_origins
    )
    try:
        server.start()
    except OSError as exc:
        in_use = exc.errno == errno.EADDRINUSE
        raise MacieNotifyError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}",
            hint="another local AWS may be running; pick another --port"
            if in_use
            else "check --host (an address of this machine, e.g. 127.0.0.1)",
        ) from exc
    if not _is_loopback(host):
        # No authentication, and Lambda Invoke runs uploaded code on this machine.
        app.warn(
            f"listening on {host}: anyone who can reach this port can use the local AWS "
            "and run Lambda code on this machine; keep the default 127.0.0.1 unless needed"
        )
    env = server.environment(app.settings.region or "us-east-1")
    # SIGTERM (a service manager, `kill`) ends the server as Ctrl-C does.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        _announce(app, server.endpoint_url, env)
        threading.Event().wait()
    except KeyboardInterrupt:
        # Ctrl-C is how a server ends, but still an interruption: 130, as for every command.
        app.info("Stopping; press Ctrl-C again to kill running functions at once.")
        raise click.exceptions.Exit(EXIT_INTERRUPTED) from None
    finally:
        _stop(server)
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _stop(server: Any) -> None:
    """Stop the server; a second Ctrl-C (or SIGTERM) meanwhile kills running functions."""
    import threading

    def kill_now(signum: int, frame: Any) -> None:
        # Not in the handler itself: it runs on the thread that is inside stop().
        threading.Thread(target=server.kill, name="macie-notify-kill", daemon=True).start()

    handlers = {sig: signal.signal(sig, kill_now) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.stop()
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _announce(app: AppContext, endpoint: str, env: dict[str, str]) -> None:
    # Inside serve's try block: a Ctrl-C that lands while this prints still stops cleanly.
    if app.settings.output == "table":
        lines = [f"# macie-notify local AWS at {endpoint}"]
        lines += [f"export {key}={value}" for key, value in env.items()]
        app.out.file.write("\n".join(lines) + "\n")
        app.out.file.flush()
    else:
        app.render({"endpoint": endpoint, "environment": env})
    app.info("Serving; press Ctrl-C to stop.")


@local_group.command("slack", short_help="Show the messages the local Slack sink received.")
@click.option("--channel", help="Only this channel (#name or ID).")
@click.option("--clear", is_flag=True, help="Forget the messages after showing them.")
@click.option(
    "--limit", type=click.IntRange(1), default=None, help="Only the N most recent messages."
)
@pass_app
def slack_cmd(app: AppContext, channel: str | None, clear: bool, limit: int | None) -> None:
    """Show the messages the local Slack sink received (from `local serve` or `demo`).

    -o json prints them as recorded: channel, ts, text, blocks, attachments.
    """
    from macie_notify.local.client import clear_messages, fetch_messages, summary
    from macie_notify.render import Column, TableSpec

    endpoint = app.settings.endpoint_url or LOCAL_ENDPOINT
    messages = fetch_messages(endpoint, channel=channel)
    # Counted before --clear forgets them: an empty channel must not read as an empty sink.
    others = len(fetch_messages(endpoint)) if channel and not messages else 0
    if clear:
        clear_messages(endpoint)
    if limit:
        messages = messages[-limit:]
    if app.settings.output != "table":
        app.render(messages)
        return
    app.render(
        messages,
        table=TableSpec(
            columns=[
                Column("Time (UTC)", _time_of),
                Column("Channel", lambda r: f"#{r['channel_name']}"),
                Column("Via", "via"),
                Column("Message", summary),
            ],
            title="Local Slack sink",
            empty=_no_messages(endpoint, channel, others),
        ),
    )


def _time_of(row: Mapping[str, Any]) -> str:
    import datetime as dt

    stamp = float(str(row["ts"]))
    return dt.datetime.fromtimestamp(stamp, dt.timezone.utc).strftime("%H:%M:%S")


def _no_messages(endpoint: str, channel: str | None, others: int) -> str:
    """What an empty table says (a channel filter must not hide other channels' messages)."""
    if not channel or not others:
        return f"No messages yet at {endpoint}."
    plural = "message" if others == 1 else "messages"
    return f"No messages in {channel} at {endpoint} ({others} {plural} in other channels)."
