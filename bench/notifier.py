"""Cold import time of the Lambda handler from the zip, and per-message build time.

Run: python bench/notifier.py [--runs 15] [--messages 2000]

Cold import: the zip from ``build_zip()`` is extracted to a temporary folder and a fresh
``python -I -S`` imports ``notifier.handler`` from it, with bytecode writing off: Lambda's
/var/task is read-only and the zip carries no .pyc, so every cold start compiles the
sources, which is what this measures (time inside the process, interpreter start
excluded). Baseline: importing slack_sdk's WebClient + WebhookClient alone the same way,
which is most of the cost; for reference, the same import with .pyc files present.
Target: handler import <= 150 ms.

The handler does nothing at import: slack_sdk, most of the cost, is
imported by the first invocation that actually posts, so filtered-out and non-Macie events
never pay for it. The baseline line shows what that first delivery adds.

Per message: ``build_message(MacieFindingEvent.from_event(event))`` for each fixture in
tests/events, in-process (pure Python, no I/O).
"""

from __future__ import annotations

import argparse
import compileall
import io
import json
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
import timeit
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from macie_notify.notifier.event import MacieFindingEvent  # noqa: E402
from macie_notify.notifier.message import build_message  # noqa: E402
from macie_notify.packaging import build_zip  # noqa: E402

PROBE = """
import sys, time
sys.path[:0] = [sys.argv[1], sys.argv[2]]
start = time.perf_counter()
{statement}
print((time.perf_counter() - start) * 1000)
"""
HANDLER_LABEL = "import notifier.handler (from the zip)"
STATEMENTS = {
    HANDLER_LABEL: "import notifier.handler",
    "baseline: import slack_sdk clients only": (
        "import slack_sdk.web.client, slack_sdk.webhook.client, "
        "slack_sdk.http_retry.builtin_handlers"
    ),
}


def _probe(statement: str, zipdir: Path) -> float:
    site = sysconfig.get_paths()["purelib"]
    code = PROBE.format(statement=statement)
    argv = [sys.executable, "-I", "-S", "-B", "-c", code, str(zipdir), site]
    proc = subprocess.run(argv, capture_output=True, text=True, check=True)
    return float(proc.stdout.strip())


def cold_imports(zipdir: Path, runs: int) -> dict[str, list[float]]:
    """Interleaved runs, so a burst of load on a shared machine hits every variant alike."""
    compiled = zipdir.with_name(zipdir.name + "-pyc")
    shutil.copytree(zipdir, compiled)
    compileall.compile_dir(compiled, quiet=1)
    variants = {label: (stmt, zipdir) for label, stmt in STATEMENTS.items()}
    variants["for reference: handler with .pyc present"] = (STATEMENTS[HANDLER_LABEL], compiled)
    results: dict[str, list[float]] = {label: [] for label in variants}
    for _ in range(runs):
        for label, (statement, where) in variants.items():
            results[label].append(_probe(statement, where))
    return results


def message_times(number: int) -> dict[str, float]:
    """Microseconds per message, per fixture."""
    out = {}
    for path in sorted((ROOT / "tests" / "events").glob("macie_*.json")):
        event = json.loads(path.read_text(encoding="utf-8"))

        def build(event: dict[str, object] = event) -> object:
            return build_message(MacieFindingEvent.from_event(event))

        best = min(timeit.repeat(build, number=number, repeat=3))
        out[path.stem] = best / number * 1e6
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--messages", type=int, default=2000)
    args = parser.parse_args()

    start = time.perf_counter()
    data, sha = build_zip()
    built = (time.perf_counter() - start) * 1000
    print(f"zip: {len(data):,} bytes ({len(data) / 1e6:.2f} MB, budget 1.5 MB)")
    print(f"     CodeSha256 {sha}; built in {built:.0f} ms")
    with tempfile.TemporaryDirectory() as tmp:
        task = Path(tmp) / "task"
        zipfile.ZipFile(io.BytesIO(data)).extractall(task)
        results = cold_imports(task, args.runs)
    for label, samples in results.items():
        print(
            f"{label:<44} median {statistics.median(samples):6.1f} ms   "
            f"min {min(samples):6.1f}   max {max(samples):6.1f}   (n={len(samples)})"
        )
    handler, baseline = (results[label] for label in STATEMENTS)
    first = statistics.median(h + b for h, b in zip(handler, baseline, strict=True))
    print(f"{'handler + first delivery import (worst case)':<44} median {first:6.1f} ms")
    print("build_message per finding (µs):")
    for name, micros in message_times(args.messages).items():
        print(f"  {name:<40} {micros:8.1f}")


if __name__ == "__main__":
    main()
