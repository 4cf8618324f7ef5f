"""A finding storm against the local endpoint: 1,000 findings of one job run, each mode.

    .venv/bin/python bench/storm.py [--findings 1000] [--modes digest,direct] [--json]

For each delivery mode: deploys the stack on a fresh LocalServer (the Slack sink keeps
its default per-channel rate: one message a second, bursts of 20), publishes the
findings at once through the local Macie (as a finished job does) and measures the time
from that moment until every finding is in Slack (digest: the counts in the parent
messages; direct: one post each) or in the dead-letter queue, the number of Slack
messages (parents, thread replies) and the sink's 429s. Target: digest delivers all
1,000 in under 3 minutes with at most 50 messages. The direct mode is bounded by Slack's
pace (about one post a second) and by a process start per local invocation; it is
measured up to ``--direct-timeout`` and reported as far as it got.
"""

from __future__ import annotations

import argparse
import json

from macie_notify.demo import storm
from macie_notify.local import LocalServer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=1000)
    parser.add_argument("--modes", default="digest,direct")
    parser.add_argument("--digest-timeout", type=float, default=600.0)
    parser.add_argument("--direct-timeout", type=float, default=1500.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = []
    for mode in args.modes.split(","):
        timeout = args.digest_timeout if mode == "digest" else args.direct_timeout
        with LocalServer() as server:
            result = storm.run(server, mode, args.findings, timeout_s=timeout)
        rows.append(result)
        if args.json:
            print(storm.as_json(result))
            continue
        done = result.counted + result.dead_lettered
        print(
            f"{mode:7} {done:,}/{result.findings:,} findings delivered or dead-lettered in "
            f"{result.seconds:.1f} s: {result.counted:,} in Slack, {result.dead_lettered:,} in "
            f"the DLQ; {result.slack_messages} Slack messages ({result.parents} parents), "
            f"{result.rate_limited} answered 429, at most {result.max_in_flight} posts at once"
        )
    digest = next((r for r in rows if r.mode == "digest"), None)
    if digest is not None and not args.json:
        ok = digest.counted == digest.findings and digest.seconds < 180
        ok = ok and digest.slack_messages <= 50
        print(f"target (digest: all in < 180 s, <= 50 messages): {'met' if ok else 'MISSED'}")
    if args.json:
        return
    print(json.dumps({"note": "figures are wall times on this machine, not asserted"}))


if __name__ == "__main__":
    main()
