"""Wall time and API calls of `setup` against the local endpoint with network latency.

    .venv/bin/python bench/setup.py [--latency-ms 50] [--json]

Starts a LocalServer with ``--latency-ms`` added to every request, then measures:

- a first setup (fresh account): wall time of read (plan) + apply, mutating and read
  calls, and the critical path: the longest chain of dependent calls (the planner's
  longest observe chain plus the apply graph's longest path, each step weighted by its
  calls) x the latency. The apply runs independent branches concurrently; target: the
  first setup within 2x of its critical path.
- a second setup with the same config: wall time and calls. Target: under 1.5 s with
  zero mutating calls.
- for reference, the same first setup applied one step at a time (no concurrency).

Calls are counted with a botocore ``before-call`` hook on every client; mutating means
an operation not named Get*/List*/Describe*/Head*. Client creation and the Lambda zip
(built once per engine) are part of the wall times; the figures are printed, not
asserted.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import boto3
import botocore.loaders
import botocore.session

from macie_notify.aws import Aws, AwsSettings
from macie_notify.config import loads
from macie_notify.config.example import example_text
from macie_notify.local import LocalServer
from macie_notify.stack import Engine, Event
from macie_notify.stack.executor import apply as apply_plan
from macie_notify.stack.model import Action, Plan
from macie_notify.stack.resources.base import Context

REGION = "eu-west-1"
READS = ("Get", "List", "Describe", "Head")
LOADER = botocore.loaders.create_loader()


class Counter:
    """Every call, with the thread that made it (to attribute calls to steps)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls: list[tuple[str, int]] = []

    def hook(self, model: Any, **_: Any) -> None:
        with self.lock:
            self.calls.append((model.name, threading.get_ident()))

    def split(self) -> tuple[int, int]:
        mutating = sum(1 for name, _ in self.calls if not name.startswith(READS))
        return mutating, len(self.calls) - mutating

    def reset(self) -> None:
        with self.lock:
            self.calls.clear()


def make_aws(url: str, counter: Counter) -> Aws:
    core = botocore.session.get_session()
    core.register_component("data_loader", LOADER)
    session = boto3.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name=REGION,
        botocore_session=core,
    )
    session.events.register("before-call", counter.hook)
    settings = AwsSettings(region=REGION, endpoint_url=url, local=True, dummy_credentials=True)
    return Aws(settings, session=session)


def reset(url: str) -> None:
    request = urllib.request.Request(f"{url}/_local/reset", method="POST", data=b"")
    with urllib.request.urlopen(request, timeout=30):
        pass


def set_latency(url: str, ms: int) -> None:
    body = json.dumps({"latencyMs": ms}).encode()
    request = urllib.request.Request(f"{url}/_local/latency", method="PUT", data=body)
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30):
        pass


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - started


def setup_run(url: str, secret: str) -> dict[str, Any]:
    """One `setup`: engine (STS + zip), plan (reads), apply; calls counted."""
    counter = Counter()
    aws = make_aws(url, counter)
    config = loads(example_text())
    started = time.perf_counter()
    engine = Engine.for_config(config, aws, secret_value=secret)
    plan, plan_s = timed(engine.plan)
    _, apply_s = timed(lambda: engine.apply(plan))
    wall = time.perf_counter() - started
    mutating, reads = counter.split()
    return {
        "wallSeconds": round(wall, 3),
        "planSeconds": round(plan_s, 3),
        "applySeconds": round(apply_s, 3),
        "mutatingCalls": mutating,
        "readCalls": reads,
        "pending": len(plan.pending),
    }


def step_weights(url: str, secret: str) -> tuple[Plan, dict[str, int], int, float]:
    """A fresh setup applied one step at a time: the calls each step makes, the longest
    observe chain of the planner (calls), and that sequential apply's wall time."""
    counter = Counter()
    aws = make_aws(url, counter)
    engine = Engine.for_config(loads(example_text()), aws, secret_value=secret)
    counter.reset()
    plan = engine.plan()
    per_thread: dict[int, int] = {}
    for _name, ident in counter.calls:
        per_thread[ident] = per_thread.get(ident, 0) + 1
    # The pool's threads each observe specs one after another, so a thread's count bounds
    # the longest single chain from above; the planner's own chain is its longest thread.
    observe_chain = max(per_thread.values())
    counter.reset()
    weights: dict[str, int] = {}
    seen = 0

    def on_event(event: Event) -> None:
        nonlocal seen
        if event.phase == "done":
            with counter.lock:
                weights[f"{event.change.resource}:{event.change.name}"] = len(counter.calls) - seen
                seen = len(counter.calls)

    ctx = Context(aws, engine.config.stack.name, zip_source=engine.package.result)
    _, sequential = timed(lambda: apply_plan(plan, ctx, on_event, max_workers=1))
    return plan, weights, observe_chain, sequential


def longest_path(plan: Plan, weights: dict[str, int]) -> tuple[int, list[str]]:
    """The heaviest dependency chain of the apply (steps in dependency order)."""
    best: dict[str, tuple[int, list[str]]] = {}
    for step in plan.steps:
        if step.change.action is Action.NOOP:
            continue
        label = f"{step.change.resource}:{step.change.name}"
        prior = [best[d] for d in step.depends_on if d in best]
        base = max(prior, default=(0, []), key=lambda item: item[0])
        best[step.spec.key] = (base[0] + weights.get(label, 0), [*base[1], label])
    return max(best.values(), key=lambda item: item[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    secret = "xoxb-bench-0000"
    with LocalServer() as server:
        url = server.endpoint_url
        # Warm up (imports, models, the zip) without latency, then measure with it.
        setup_run(url, secret)
        reset(url)
        set_latency(url, args.latency_ms)
        first = setup_run(url, secret)
        second = setup_run(url, secret)
        reset(url)
        plan, weights, observe_chain, sequential = step_weights(url, secret)
    apply_chain, path = longest_path(plan, weights)
    # STS GetCallerIdentity, then the planner's longest chain, then the apply's.
    chain_calls = 1 + observe_chain + apply_chain
    latency = args.latency_ms / 1000
    report = {
        "latencyMs": args.latency_ms,
        "firstSetup": first,
        "secondSetup": second,
        "criticalPath": {
            "calls": chain_calls,
            "seconds": round(chain_calls * latency, 3),
            "applyChain": path,
            "applyChainCalls": apply_chain,
            "observeChainCalls": observe_chain,
        },
        "firstSetupOverCriticalPath": round(first["wallSeconds"] / (chain_calls * latency), 2),
        "sequentialApplySeconds": round(sequential, 3),
        "targets": {
            "secondSetupUnder1.5s": second["wallSeconds"] < 1.5,
            "secondSetupZeroMutating": second["mutatingCalls"] == 0,
            "firstSetupWithin2xCriticalPath": first["wallSeconds"] <= 2 * chain_calls * latency,
        },
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"latency {args.latency_ms} ms per request")
    for label, run in (("first setup", first), ("second setup (no-op)", second)):
        print(
            f"{label:22} {run['wallSeconds']:6.2f} s (plan {run['planSeconds']:.2f} s, apply "
            f"{run['applySeconds']:.2f} s)  {run['mutatingCalls']} mutating + "
            f"{run['readCalls']} read calls"
        )
    crit = report["criticalPath"]
    print(
        f"critical path          {crit['seconds']:6.2f} s ({chain_calls} calls: 1 STS + "
        f"{observe_chain} observe + {apply_chain} apply: {' -> '.join(path)})"
    )
    print(f"first setup / critical path: {report['firstSetupOverCriticalPath']}x")
    print(f"same apply one step at a time: {sequential:.2f} s")
    print(
        "targets: "
        + ", ".join(f"{k} {'ok' if v else 'MISSED'}" for k, v in report["targets"].items())
    )


if __name__ == "__main__":
    main()
