"""A local classification job over the scan corpus: in one thread, then in the worker pool.

    .venv/bin/python bench/local_job.py [--size-mb 40] [--repeat 3]

Starts a LocalServer, uploads the corpus of ``bench/scan.py`` (six files, ~42 MB) to a
bucket, and times ONE_TIME jobs from CreateClassificationJob to COMPLETE over HTTP with
boto3: first with the worker pool switched off (every object scanned in the run's own
thread, as runs under ``jobs.POOL_MIN_BYTES`` are), then as the server runs them (objects
handed to one worker process per CPU). Both must report the same findings. The first
pooled run includes starting the forkserver; the median is reported. ``--size-mb``
sets the corpus size, as in ``bench/scan.py``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scan import build_corpus

ACCOUNT = "123456789012"
BUCKET = "bench-corpus"


def _run_job(macie: Any) -> float:
    start = time.perf_counter()
    job_id = macie.create_classification_job(
        jobType="ONE_TIME",
        name=f"bench-{time.monotonic_ns()}",
        s3JobDefinition={"bucketDefinitions": [{"accountId": ACCOUNT, "buckets": [BUCKET]}]},
    )["jobId"]
    while macie.describe_classification_job(jobId=job_id)["jobStatus"] != "COMPLETE":
        time.sleep(0.01)
    return time.perf_counter() - start


def _findings(macie: Any) -> str:
    ids = macie.list_findings()["findingIds"]
    found = macie.get_findings(findingIds=ids)["findings"] if ids else []
    shape = sorted(
        (
            f["resourcesAffected"]["s3Object"]["key"],
            f["type"],
            json.dumps(f["classificationDetails"]["result"]["sensitiveData"], sort_keys=True),
        )
        for f in found
    )
    return json.dumps(shape)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mb", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    # Imported here, not at the top: worker processes that start fresh import the main
    # module again, and the local AWS (moto) would add a second to each of them.
    from macie_notify.local import LocalServer
    from macie_notify.local.macie2 import jobs as jobs_module

    paths = build_corpus(args.size_mb)
    total = sum(p.stat().st_size for p in paths)
    print(f"corpus        {total / 1e6:.1f} MB in {len(paths)} objects")
    with LocalServer() as server:
        s3, macie = server.client("s3", "us-east-1"), server.client("macie2", "us-east-1")
        macie.enable_macie()
        s3.create_bucket(Bucket=BUCKET)
        for path in paths:
            s3.put_object(Bucket=BUCKET, Key=path.name, Body=path.read_bytes())
        results: dict[str, str] = {}
        for label, threshold in (("one thread", 1 << 62), ("worker pool", 0)):
            jobs_module.POOL_MIN_BYTES = threshold
            times = []
            for _ in range(args.repeat):
                macie.disable_macie()  # a clean slate: the previous run's findings go
                macie.enable_macie()
                times.append(_run_job(macie))
                results.setdefault(label, _findings(macie))
            median = statistics.median(times)
            print(
                f"{label:<13} {median:6.2f} s ({total / median / 1e6:5.1f} MB/s), "
                f"fastest {min(times):.2f} s, slowest {max(times):.2f} s"
            )
    same = results["one thread"] == results["worker pool"]
    print(f"findings      {'identical' if same else 'DIFFERENT'}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
