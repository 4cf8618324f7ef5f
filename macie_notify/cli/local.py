"""``macie-notify local ...``: the embedded local AWS (moto + this project's macie2)."""

from __future__ import annotations

import click

from macie_notify.cli import MacieGroup
from macie_notify.cli.context import AppContext
from macie_notify.cli.options import pass_app


@click.group("local", cls=MacieGroup)
def local_group() -> None:
    """Run the embedded local AWS that --local points at."""


# Part-2 wiring: `local slack` lives in its own module, loaded on use.
local_group.lazy["slack"] = (
    "macie_notify.cli.local_slack",
    "slack_cmd",
    "Show the messages the local Slack sink received.",
)


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
@pass_app
def serve_cmd(app: AppContext, host: str, port: int, latency_ms: int) -> None:
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

    server = LocalServer(host, port, latency_ms, log_requests=app.settings.verbose)
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
    try:
        _announce(app, server.endpoint_url, env)
        threading.Event().wait()
    except KeyboardInterrupt:
        app.info("Stopping.")
    finally:
        server.stop()


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
