"""Server-side time of ListFindings pages and GetFindings batches with 10,000 findings.

    .venv/bin/python bench/local_findings.py [--findings 10000] [--json]

Starts a LocalServer on a free port, enables Macie, loads N synthetic findings through
the ``POST /_local/findings/synthetic`` control, then pages through ListFindings (50 per
page) for several queries and fetches every id with GetFindings in batches of 50, all
over HTTP with boto3. "Server" time is measured around the macie2 WSGI application
(parse + query + serialize), "round trip" in the client. Target: server median and p95
under 5 ms for both operations.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from typing import Any

from botocore.config import Config

from macie_notify.local import LocalServer
from macie_notify.local.client import local_call

SYNTHETIC = "/_local/findings/synthetic"
MAX_FINDINGS = 200_000  # what the synthetic control accepts

QUERIES: dict[str, dict[str, Any]] = {
    "all (default sort)": {},
    "current only, newest first": {
        "findingCriteria": {"criterion": {"archived": {"eq": ["false"]}}},
        "sortCriteria": {"attributeName": "createdAt", "orderBy": "DESC"},
    },
    "severity >= Medium, by score": {
        "findingCriteria": {"criterion": {"severity.score": {"gte": 2}}},
        "sortCriteria": {"attributeName": "severity.score", "orderBy": "DESC"},
    },
    "type + bucket + last 7 days": {
        "findingCriteria": {
            "criterion": {
                "type": {
                    "eq": ["SensitiveData:S3Object/Personal", "SensitiveData:S3Object/Multiple"]
                },
                "resourcesAffected.s3Bucket.name": {"neq": ["synthetic-bucket-00"]},
                "createdAt": {
                    "gte": int((datetime.now(timezone.utc) - timedelta(days=7)).timestamp() * 1000)
                },
            }
        }
    },
}


class Timed:
    """WSGI wrapper recording the server-side time of each request by operation path."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.samples: dict[str, list[float]] = {}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        started = time.perf_counter()
        body = list(self.app(environ, start_response))
        elapsed = (time.perf_counter() - started) * 1000
        self.samples.setdefault(str(environ.get("PATH_INFO")), []).append(elapsed)
        return body


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "n": len(values),
        "median_ms": round(statistics.median(ordered), 3),
        "p95_ms": round(p95, 3),
        "max_ms": round(ordered[-1], 3),
    }


def load(server: LocalServer, count: int) -> float:
    started = time.perf_counter()
    payload = {"count": count, "seed": 42}
    local_call(server.endpoint_url, "POST", SYNTHETIC, timeout=600, payload=payload)
    return time.perf_counter() - started


def run(count: int) -> dict[str, Any]:
    with LocalServer(background=False) as server:
        timed = Timed(server.app.macie2)
        server.app.macie2 = timed  # type: ignore[assignment]
        macie = server.client("macie2", config=Config(retries={"max_attempts": 1}))
        macie.enable_macie()
        load_s = load(server, count)
        report: dict[str, Any] = {"findings": count, "load_seconds": round(load_s, 2), "list": {}}
        all_ids: list[str] = []
        for label, query in QUERIES.items():
            timed.samples.clear()
            client_ms, ids, token = [], [], None
            while True:
                started = time.perf_counter()
                page = macie.list_findings(
                    maxResults=50, **query, **({"nextToken": token} if token else {})
                )
                client_ms.append((time.perf_counter() - started) * 1000)
                ids += page["findingIds"]
                token = page.get("nextToken")
                if not token:
                    break
            server_ms = timed.samples["/findings"]
            report["list"][label] = {
                "matched": len(ids),
                "server": summary(server_ms),
                "server_first_page_ms": round(server_ms[0], 3),
                "round_trip": summary(client_ms),
            }
            all_ids = all_ids or ids
        timed.samples.clear()
        client_ms = []
        for start in range(0, len(all_ids), 50):
            started = time.perf_counter()
            got = macie.get_findings(findingIds=all_ids[start : start + 50])["findings"]
            client_ms.append((time.perf_counter() - started) * 1000)
            assert len(got) == len(all_ids[start : start + 50])
        report["get_findings_50"] = {
            "server": summary(timed.samples["/findings/describe"]),
            "round_trip": summary(client_ms),
        }
        return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=10_000)
    parser.add_argument("--json", action="store_true", help="print the raw report")
    args = parser.parse_args()
    if not 1 <= args.findings <= MAX_FINDINGS:
        parser.error(f"--findings must be between 1 and {MAX_FINDINGS}")
    report = run(args.findings)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"{report['findings']} findings loaded in {report['load_seconds']} s")
    print(f"{'ListFindings page of 50':42} {'matched':>7} {'median':>8} {'p95':>8} {'first':>8}")
    for label, row in report["list"].items():
        s = row["server"]
        print(
            f"  {label:40} {row['matched']:7} {s['median_ms']:8.3f} {s['p95_ms']:8.3f} "
            f"{row['server_first_page_ms']:8.3f}"
        )
    g = report["get_findings_50"]["server"]
    print(
        f"GetFindings batch of 50 ({g['n']} batches): median {g['median_ms']:.3f} ms, "
        f"p95 {g['p95_ms']:.3f} ms (server side)"
    )


if __name__ == "__main__":
    main()
