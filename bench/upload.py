"""Wall time of `macie-notify upload-samples` against the AWS CLI on the local endpoint.

Run: python bench/upload.py [--files 1000] [--size 4096] [--repeat 3]

Uploads --files files of --size bytes to a fresh bucket of the embedded local AWS (one
LocalServer in this process, every client a subprocess, so each pays its own interpreter
start-up), with:

  - `macie-notify upload-samples`   first run, then a re-run with no change
  - `aws s3 cp --recursive`         (the AWS CLI v1 in this virtual environment)
  - `aws s3 sync`                   first run, then a re-run with no change

Targets: upload-samples' first run at least 1.2x faster than `aws s3 cp --recursive`; its
re-run uploads nothing and is faster than the re-run of `aws s3 sync`. Figures are
reported, not asserted: the medians of --repeat runs, each on a new bucket.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3

from macie_notify.local import LocalServer

REGION = "us-east-1"
PREFIX = "samples/"


def _exe(name: str) -> str:
    return shutil.which(name) or str(Path(sys.executable).with_name(name))


def make_files(folder: Path, count: int, size: int) -> None:
    """``count`` files of ``size`` bytes in 10 sub-folders, every file different."""
    for i in range(count):
        sub = folder / f"part-{i % 10}"
        sub.mkdir(exist_ok=True)
        line = f"record {i:06d}, synthetic benchmark data, nothing sensitive\n".encode()
        (sub / f"file-{i:05d}.txt").write_bytes((line * (size // len(line) + 1))[:size])


def environment(endpoint: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MACIE_NOTIFY_"))}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=REGION,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
        AWS_PAGER="",
        AWS_ENDPOINT_URL=endpoint,
        NO_PROXY="127.0.0.1,localhost",
    )
    return env


# CPU seconds of each run, client (the subprocess) and server (this process, which does
# nothing else meanwhile): unlike wall time, they barely move when other work loads the
# machine, so they show what each tool costs even when the wall times are noisy.
CPU: dict[str, list[tuple[float, float]]] = {}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], env: dict[str, str], cwd: Path, label: str) -> tuple[float, str]:
    client, server = _children_cpu(), time.process_time()
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd[:3])} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    cpu = (_children_cpu() - client, time.process_time() - server)
    CPU.setdefault(label, []).append(cpu)
    return elapsed, done.stdout


class Bench:
    """One local endpoint, one source folder; a new bucket for every measured tool run."""

    def __init__(self, endpoint: str, source: Path, work: Path, concurrency: int) -> None:
        self.endpoint = endpoint
        self.concurrency = concurrency
        self.source = source
        self.work = work
        self.env = environment(endpoint)
        self.s3 = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        self.count = 0

    def new_bucket(self) -> str:
        self.count += 1
        name = f"bench-upload-{self.count}"
        self.s3.create_bucket(Bucket=name)
        return name

    def objects(self, bucket: str) -> int:
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=PREFIX)
        return sum(len(page.get("Contents", [])) for page in pages)

    def upload_samples(self, bucket: str, label: str) -> tuple[float, dict[str, Any]]:
        config = self.work / f"{bucket}.yaml"
        config.write_text(
            f"stack: {{name: bench, region: {REGION}}}\nbucket: {{name: {bucket}}}\n"
            f"samples: {{source: {self.source}, prefix: {PREFIX}}}\n"
        )
        cmd = [_exe("macie-notify"), "upload-samples", "-c", str(config), "-o", "json"]
        cmd += ["--concurrency", str(self.concurrency)]
        elapsed, out = timed(cmd, self.env, self.work, label)
        return elapsed, json.loads(out)

    def aws_s3(self, verb: str, bucket: str, label: str) -> float:
        extra = ["--recursive"] if verb == "cp" else []
        cmd = [_exe("aws"), "s3", verb, str(self.source), f"s3://{bucket}/{PREFIX}", "--quiet"]
        return timed([*cmd, *extra], self.env, self.work, label)[0]


def run_once(bench: Bench, files: int) -> dict[str, float]:
    """One measurement of each of the five runs; checks that each did what it claims."""
    out: dict[str, float] = {}
    bucket = bench.new_bucket()
    label = "upload-samples first"
    out[label], first = bench.upload_samples(bucket, label)
    assert first["uploaded"] == files and bench.objects(bucket) == files, first
    label = "upload-samples re-run"
    out[label], rerun = bench.upload_samples(bucket, label)
    assert (rerun["uploaded"], rerun["skipped"]) == (0, files), rerun
    bucket = bench.new_bucket()
    label = "aws s3 cp --recursive"
    out[label] = bench.aws_s3("cp", bucket, label)
    assert bench.objects(bucket) == files
    bucket = bench.new_bucket()
    label = "aws s3 sync first"
    out[label] = bench.aws_s3("sync", bucket, label)
    assert bench.objects(bucket) == files
    label = "aws s3 sync re-run"
    out[label] = bench.aws_s3("sync", bucket, label)
    return out


def report(runs: list[dict[str, float]]) -> dict[str, float]:
    medians = {name: statistics.median(r[name] for r in runs) for name in runs[0]}
    for name, value in medians.items():
        spread = [r[name] for r in runs]
        client = statistics.median(c for c, _ in CPU[name])
        server = statistics.median(s for _, s in CPU[name])
        print(
            f"{name:<24} wall median {value:6.2f} s (min {min(spread):.2f}, max "
            f"{max(spread):.2f})   CPU client {client:5.2f} s, server {server:5.2f} s"
        )
    first_ratio = medians["aws s3 cp --recursive"] / medians["upload-samples first"]
    rerun_ratio = medians["aws s3 sync re-run"] / medians["upload-samples re-run"]
    verdict: Callable[[bool], str] = lambda ok: "met" if ok else "NOT met"  # noqa: E731
    print(
        f"first run: {first_ratio:.2f}x faster than aws s3 cp --recursive "
        f"(target 1.2x: {verdict(first_ratio >= 1.2)})"
    )
    print(
        f"re-run: uploads nothing, {rerun_ratio:.2f}x faster than aws s3 sync's re-run "
        f"(target > 1x: {verdict(rerun_ratio > 1.0)})"
    )
    return medians


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16, help="upload-samples' transfers")
    args = parser.parse_args()
    if not 1 <= args.files <= 100_000 or not 1 <= args.size <= 64 * 1024 * 1024:
        parser.error("--files is 1..100000 and --size 1..67108864")
    with tempfile.TemporaryDirectory(prefix="bench-upload-") as tmp, LocalServer() as server:
        work = Path(tmp)
        source = work / "source"
        source.mkdir()
        make_files(source, args.files, args.size)
        print(
            f"{args.files} files of {args.size} bytes to {server.endpoint_url} "
            f"({os.cpu_count()} CPUs, shared with the server); {args.repeat} runs each"
        )
        bench = Bench(server.endpoint_url, source, work, args.concurrency)
        report([run_once(bench, args.files) for _ in range(args.repeat)])


if __name__ == "__main__":
    main()
