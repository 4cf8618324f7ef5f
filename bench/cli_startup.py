"""Wall time of `macie-notify --help` (and `validate`), against `aws --version` as a baseline.

Run: python bench/cli_startup.py [--runs 20]
Target: `macie-notify --help` at most 0.15 s on a 2-core machine, where
`aws --version` takes about 0.37 s. Also checks, with `python -X importtime`, that neither
boto3 nor moto is imported.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _time(cmd: list[str], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        samples.append(time.perf_counter() - start)
    return samples


def _report(label: str, samples: list[float]) -> None:
    print(
        f"{label:<40} median {statistics.median(samples) * 1000:7.1f} ms   "
        f"min {min(samples) * 1000:7.1f} ms   max {max(samples) * 1000:7.1f} ms"
    )


def _heavy_imports(args: list[str]) -> list[str]:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "macie_notify", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    names = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    return sorted(n for n in names if n.split(".")[0] in ("boto3", "botocore", "moto"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    exe = shutil.which("macie-notify") or str(Path(sys.executable).parent / "macie-notify")
    example = str(ROOT / "config.example.yaml")
    _report("macie-notify --help", _time([exe, "--help"], args.runs))
    _report(
        "macie-notify validate (example config)", _time([exe, "validate", "-c", example], args.runs)
    )
    _report("python -c pass (interpreter floor)", _time([sys.executable, "-c", "pass"], args.runs))
    aws = shutil.which("aws")
    if aws:
        _report("aws --version (baseline)", _time([aws, "--version"], max(5, args.runs // 4)))
    for argv in (["--help"], ["validate", "-c", example]):
        heavy = _heavy_imports(argv)
        print(f"heavy imports for {' '.join(argv)}: {', '.join(heavy) if heavy else 'none'}")


if __name__ == "__main__":
    main()
