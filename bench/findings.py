"""``macie-notify findings list -o json`` against the AWS CLI, on a slow local endpoint.

    .venv/bin/python bench/findings.py [--findings 10000] [--latency-ms 50] [--skip-awscli]

Starts a LocalServer on a free port, loads N synthetic findings, then gives every
request ``--latency-ms`` of latency (a stand-in for the distance to AWS) and fetches all
current findings twice, each time in a fresh process, as a user would:

* ``macie-notify findings list -o json``;
* the AWS CLI doing the same job: ``aws macie2 list-findings`` (it paginates by itself),
  then ``aws macie2 get-findings`` for each chunk of 50 ids, one process per chunk.

It prints the wall time and the macie2 calls the server saw for each (counted around the
emulator's WSGI app), checks that both returned the same findings, and checks the
GetFindings count against ``ceil(N / 50)``. Target: at least 20x faster than the AWS CLI.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from macie_notify.local import LocalServer
from macie_notify.local.client import local_call

BIN = Path(sys.executable).parent
OPERATIONS = {
    "/findings": "ListFindings",
    "/findings/describe": "GetFindings",
    "/findings/statistics": "GetFindingStatistics",
}


class Counted:
    """WSGI wrapper counting the macie2 operations served, by request path."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.calls: Counter[str] = Counter()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = str(environ.get("PATH_INFO"))
        self.calls[OPERATIONS.get(path, path)] += 1
        return self.app(environ, start_response)


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def timed(env: dict[str, str], counted: Counted, job: Callable[[], list[str]]) -> dict[str, Any]:
    """Wall time, plus CPU seconds of the client processes and of the server (this
    process): on a shared machine the wall time moves with the load, the CPU much less."""
    counted.calls.clear()
    started = time.perf_counter()
    client_cpu, server_cpu = _cpu(resource.RUSAGE_CHILDREN), _cpu(resource.RUSAGE_SELF)
    ids = job()
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "client_cpu_seconds": round(_cpu(resource.RUSAGE_CHILDREN) - client_cpu, 2),
        "server_cpu_seconds": round(_cpu(resource.RUSAGE_SELF) - server_cpu, 2),
        "findings": len(ids),
        "calls": dict(sorted(counted.calls.items())),
        "ids": ids,
    }


def macie_notify(env: dict[str, str]) -> list[str]:
    out = subprocess.run(
        [str(BIN / "macie-notify"), "findings", "list", "-o", "json"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [f["id"] for f in json.loads(out)]


def aws_cli(env: dict[str, str]) -> list[str]:
    def aws(*args: str) -> Any:
        done = subprocess.run(
            [str(BIN / "aws"), "macie2", *args, "--output", "json"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        return json.loads(done.stdout)

    criteria = json.dumps({"criterion": {"archived": {"eq": ["false"]}}})
    sort = "attributeName=updatedAt,orderBy=DESC"
    ids = aws("list-findings", "--finding-criteria", criteria, "--sort-criteria", sort)[
        "findingIds"
    ]
    found: list[str] = []
    for start in range(0, len(ids), 50):
        chunk = ids[start : start + 50]
        found += [f["id"] for f in aws("get-findings", "--finding-ids", *chunk)["findings"]]
    return found


def run(count: int, latency_ms: int, skip_awscli: bool) -> dict[str, Any]:
    with LocalServer() as server:
        counted = Counted(server.app.macie2)
        server.app.macie2 = counted  # type: ignore[assignment]
        server.client("macie2").enable_macie()
        payload = {"count": count, "seed": 42}
        local_call(
            server.endpoint_url, "POST", "/_local/findings/synthetic", payload=payload, timeout=600
        )
        local_call(server.endpoint_url, "PUT", "/_local/latency", payload={"latencyMs": latency_ms})
        env = {**os.environ, **server.environment(), "AWS_PAGER": ""}
        env.pop("MACIE_NOTIFY_CONFIG", None)
        report: dict[str, Any] = {"findings": count, "latency_ms": latency_ms}
        report["macie-notify"] = timed(env, counted, lambda: macie_notify(env))
        if not skip_awscli:
            report["aws-cli"] = timed(env, counted, lambda: aws_cli(env))
    ours = report["macie-notify"]
    ours["get_findings_limit"] = math.ceil(ours["findings"] / 50)
    ours["within_limit"] = ours["calls"].get("GetFindings", 0) <= ours["get_findings_limit"]
    if "aws-cli" in report:
        theirs = report["aws-cli"]
        report["same_findings"] = sorted(ours["ids"]) == sorted(theirs["ids"])
        report["speedup"] = round(theirs["seconds"] / ours["seconds"], 1)
    for side in ("macie-notify", "aws-cli"):
        report.get(side, {}).pop("ids", None)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--skip-awscli", action="store_true", help="only time macie-notify")
    parser.add_argument("--json", action="store_true", help="print the raw report")
    args = parser.parse_args()
    if not 1 <= args.findings <= 200_000:
        parser.error("--findings must be between 1 and 200000")
    if args.latency_ms < 0:
        parser.error("--latency-ms must be >= 0")
    load = os.getloadavg()[0]
    report = run(args.findings, args.latency_ms, args.skip_awscli)
    report["load_average_before"] = round(load, 1)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"{report['findings']} findings, {report['latency_ms']} ms per request")
    load = report["load_average_before"]
    print(f"load average before: {load:.1f} (CPU contention inflates wall times)")
    for side in ("macie-notify", "aws-cli"):
        if side in report:
            row = report[side]
            calls = ", ".join(f"{k} {v}" for k, v in row["calls"].items())
            print(
                f"  {side:13} {row['seconds']:7.2f} s wall ({row['client_cpu_seconds']:.2f} s "
                f"client CPU, {row['server_cpu_seconds']:.2f} s server CPU)  "
                f"{row['findings']} findings  {calls}"
            )
    ours = report["macie-notify"]
    print(
        f"GetFindings calls: {ours['calls'].get('GetFindings', 0)} "
        f"(limit ceil(N/50) = {ours['get_findings_limit']})"
    )
    if "speedup" in report:
        print(f"speed-up: {report['speedup']}x; same findings: {report['same_findings']}")


if __name__ == "__main__":
    main()
