"""Throughput and memory of the local detection engine (`macie-notify scan`).

Run:
    python bench/scan.py --mode cli      # end to end: `macie-notify scan` on the ~40 MB corpus,
                                         # first run with a cold database cache, then warm,
                                         # --jobs 1 / 2 / default and --engine pure; every
                                         # run's JSON must be identical (target >= 100 MB/s)
    python bench/scan.py --mode cli --fresh-install   # the same with `pip install .` into a
                                         # new venv: the installed command, as users run it
    python bench/scan.py --mode cli --against main~3  # this checkout against a git revision,
                                         # both installed fresh and run in turns (the only
                                         # fair comparison on a host whose speed drifts)
    python bench/scan.py                 # the engine alone, one core: MB/s for Hyperscan,
                                         # pure Python, and detect-secrets when installed (on
                                         # PATH, or DETECT_SECRETS=/path/to/detect-secrets)
    python bench/scan.py --mode rss      # a 1 GiB generated stream: peak RSS must stay < 200 MB
    python bench/scan.py --mode rss --size-mb 200 --engine pure

The corpus is deterministic (seeded) and written once under bench/.corpus/ (git-ignored):
logs, CSV, JSON Lines, prose, source code and base64 blobs, with a synthetic sensitive value
every 100 lines (about one per 8 KB; ``--every 20`` for a dense one, one per 1.6 KB).
Every identifier the engine evaluates locally is selected ("the full
identifier set"), plus the example config's custom identifier in the engine modes (the CLI
mode runs without a config: every identifier the engine evaluates).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from macie_notify.detect import (  # noqa: E402
    LOCAL_IDENTIFIERS,
    CustomIdentifierSpec,
    IdentifierSelection,
    Scanner,
)

CORPUS = ROOT / "bench" / ".corpus"
SENSITIVE = [
    "ssn: 536-22-8726",
    "credit card 4539 1488 0000 0001",
    "aws_secret_access_key = Zx8q1Rk2Lm3Np4Oq5Pr6Qs7Rt8Su9Tv0UwXyZa1B",
    "phone (415) 867-5309",
    "IBAN DE89 3704 0044 0532 0130 00",
    "employee EMP-123456",
    "Authorization: Basic dXNlcjpwYXNzd29yZA==",
    "dob 1985-03-14",
    "SIN 521 946 301",
    "VIN 1HGCM82633A004352",
]
WORDS = (
    "the customer order was shipped to the warehouse after payment confirmation and the "
    "invoice number was recorded in the ledger for the quarterly report of the region "
    "service latency error retry timeout request response user session cache database"
).split()
CUSTOM = CustomIdentifierSpec.from_api(
    {"name": "employee-id", "regex": "EMP-[0-9]{6}", "keywords": ["employee", "emp id"]}
)


_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _line(rnd: random.Random, kind: str, i: int) -> str:
    words = " ".join(rnd.choices(WORDS, k=rnd.randint(6, 16)))
    word, n = rnd.choice(WORDS), rnd.randint(1, 999)
    if kind == "log":
        stamp = f"2024-05-{i % 28 + 1:02d}T12:{i % 60:02d}:07Z"
        return f"{stamp} INFO req={rnd.getrandbits(64):x} {words}"
    if kind == "csv":
        return f"{i},{word},{rnd.randint(1, 10**6)},{rnd.random():.4f},{words}"
    if kind == "jsonl":
        return f'{{"id": {i}, "event": "{word}", "latency_ms": {n}, "msg": "{words}"}}'
    if kind == "code":
        return f"    result_{i % 97} = compute_{word}(value={n})  # {words}"
    if kind == "b64":
        return "".join(rnd.choices(_B64, k=76))
    return words.capitalize() + "."


def build_corpus(total_mb: int, every: int = 100) -> list[Path]:
    """Write the corpus once; the same bytes for the same size, on every machine."""
    CORPUS.mkdir(parents=True, exist_ok=True)
    kinds = {"app.log": "log", "customers.csv": "csv", "events.jsonl": "jsonl",
             "notes.txt": "prose", "service.py": "code", "blobs.txt": "b64"}  # fmt: skip
    per_file = total_mb * 1024 * 1024 // len(kinds)
    paths = []
    for name, kind in kinds.items():
        path = CORPUS / f"{total_mb}mb-1in{every}-{name}"
        paths.append(path)
        if path.exists() and path.stat().st_size >= per_file:
            continue
        rnd = random.Random(f"{name}-{total_mb}-{every}")
        lines, size, i = [], 0, 0
        while size < per_file:
            line = _line(rnd, kind, i)
            if i % every == 7:  # one sensitive value every ``every`` lines
                line += " " + rnd.choice(SENSITIVE)
            lines.append(line)
            size += len(line) + 1
            i += 1
        path.write_text("\n".join(lines) + "\n")
    return paths


def _scanner(engine: str) -> Scanner:
    selection = IdentifierSelection("INCLUDE", tuple(sorted(LOCAL_IDENTIFIERS)))
    use = {"hyperscan": True, "pure": False, "auto": None}[engine]
    return Scanner(selection, [CUSTOM], use_hyperscan=use)


def bench_engine(engine: str, paths: list[Path]) -> tuple[float, float, int]:
    """MB per wall second and per CPU second (the latter does not depend on what else the
    machine runs), and the managed detections found."""
    scanner = _scanner(engine)
    total = sum(p.stat().st_size for p in paths)
    start, cpu = time.perf_counter(), time.process_time()
    found = 0
    for result in scanner.scan_paths([str(p) for p in paths]):
        found += sum(d.count for d in result.managed.values())
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    return total / wall / 1e6, total / cpu / 1e6, found


def bench_detect_secrets(paths: list[Path]) -> float | None:
    """detect-secrets (not a dependency): from $DETECT_SECRETS, PATH or this interpreter's bin."""
    beside = Path(sys.executable).parent / "detect-secrets"
    exe = (
        os.environ.get("DETECT_SECRETS")
        or shutil.which("detect-secrets")
        or (str(beside) if beside.exists() else None)
    )
    if exe is None:
        return None
    total = sum(p.stat().st_size for p in paths)
    start = time.perf_counter()
    subprocess.run([exe, "scan", *map(str, paths)], stdout=subprocess.DEVNULL, check=False)
    return total / (time.perf_counter() - start) / 1e6


class _Generated(io.RawIOBase):
    """``size`` bytes of log-like text with sensitive values, produced on the fly."""

    def __init__(self, size: int) -> None:
        rnd = random.Random(1)
        block = "\n".join(
            _line(rnd, "log", i) + (" " + SENSITIVE[i % len(SENSITIVE)] if i % 20 == 7 else "")
            for i in range(8000)
        )
        self.block = (block + "\n").encode()
        self.left = size
        self.pos = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), self.left, len(self.block) - self.pos)
        buffer[:n] = self.block[self.pos : self.pos + n]
        self.pos = (self.pos + n) % len(self.block)
        self.left -= n
        return n


def _peak_mib() -> float:
    """This process's peak RSS. On Linux, VmHWM: the high-water mark of this program's own
    memory (``ru_maxrss`` also counts the parent's memory copied by the fork that started
    us, e.g. a test runner's hundreds of MiB)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / (1024 if sys.platform == "darwin" else 1)  # bytes on macOS


def bench_rss(size_mb: int, engine: str) -> None:
    scanner = _scanner(engine)
    # Patterns compile on first use: a first small scan does that, so "before" holds the
    # engine and the growth below is what the size of the input costs.
    scanner.scan_bytes(_Generated(2 * 1024 * 1024).block, name="warm-up.log")
    before = _peak_mib()
    stream = io.BufferedReader(_Generated(size_mb * 1024 * 1024), 1024 * 1024)
    start = time.perf_counter()
    (result,) = scanner.scan_file(stream, name="huge.log")
    seconds = time.perf_counter() - start
    peak = _peak_mib()
    count = sum(d.count for d in result.managed.values())
    print(f"engine        {engine} (hyperscan={scanner.uses_hyperscan})")
    print(f"scanned       {result.bytes / 1e6:.0f} MB in {seconds:.1f} s "
          f"({result.bytes / seconds / 1e6:.1f} MB/s), {count} detections")  # fmt: skip
    print(f"peak RSS      {peak:.0f} MiB (before scanning {before:.0f} MiB); target < 200 MiB")
    if peak >= 200:
        sys.exit(1)


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _cli_run(
    command: list[str], paths: list[Path], args: list[str], env: dict[str, str]
) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (the CLI and its workers) and the JSON document."""
    command = [*command, "scan", *map(str, paths), "-o", "json"]
    cpu = _cpu_of_children()
    start = time.perf_counter()
    proc = subprocess.run(command + args, capture_output=True, text=True, env=env, check=False)
    seconds = time.perf_counter() - start
    cpu = _cpu_of_children() - cpu
    if proc.returncode != 0:
        sys.exit(f"scan {' '.join(args)} failed ({proc.returncode}): {proc.stderr.strip()}")
    doc = json.loads(proc.stdout)
    doc["summary"].pop("seconds")
    return seconds, cpu, json.dumps(doc, sort_keys=True)


def _fresh_install(folder: Path, source: Path = ROOT) -> list[str]:
    """A new virtual environment with ``pip install .`` (the README's plain install line,
    which compiles the package's bytecode as any install does): the installed
    ``macie-notify`` command, as a user runs it."""
    venv = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    pip = [str(bindir / "python"), "-m", "pip", "install", "-q", str(source)]
    print(f"installing    {' '.join(pip[3:])} into a new venv ...", flush=True)
    subprocess.run(pip, check=True)
    return [str(bindir / "macie-notify")]


_LOOP = """
import statistics, time
def loop():
    start, total = time.perf_counter(), 0
    for i in range(3_000_000):
        total += i
    return time.perf_counter() - start
print(statistics.median(loop() for _ in range(5)))
"""
"""Inside a function: at module level, ``total`` and ``i`` would be globals, each step two
dictionary updates, and the loop about 2.5 times slower (0.31-0.40 s on a quiet host)."""


def _reference_seconds() -> float:
    """A fixed pure-Python loop run on both cores at once (two processes, the median of five
    runs each; the slower process counts). This machine's speed swings with other work on
    its host: printed beside the figures, it says which kind of minutes they were measured
    in (0.13-0.20 s when the host is quiet)."""
    loops = [
        subprocess.Popen([sys.executable, "-c", _LOOP], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    return max(float(loop.communicate()[0]) for loop in loops)


def _print_reference(before: float) -> None:
    print(
        f"reference     a 3M-step Python loop on each core: {before:.2f} s before the "
        f"runs, {_reference_seconds():.2f} s after (0.13-0.20 s on a quiet host)"
    )


def bench_cli(paths: list[Path], *, fresh: bool, repeat: int) -> None:
    """`macie-notify scan` end to end, as a user runs it (Python start-up included); each
    run ``repeat`` times, the median reported (a cold run empties the cache first). The
    runs take turns (cold, warm, --jobs 1, --jobs 2, then again), so that every line sees
    the same minutes of a host whose speed drifts."""
    total = sum(p.stat().st_size for p in paths)
    with tempfile.TemporaryDirectory(prefix="macie-notify-bench-") as temp:
        cache = Path(temp) / "cache"
        env = {**os.environ, "MACIE_NOTIFY_CACHE_DIR": str(cache)}
        if fresh:
            command = _fresh_install(Path(temp))
        else:  # this checkout (bytecode is written unless PYTHONDONTWRITEBYTECODE is set)
            command = [sys.executable, "-m", "macie_notify"]
            env["PYTHONPATH"] = str(ROOT)
        runs = [
            ("cold cache, default jobs", [], True),
            ("warm cache, default jobs", [], False),
            ("warm cache, --jobs 1", ["--jobs", "1"], False),
            ("warm cache, --jobs 2", ["--jobs", "2"], False),
        ]
        pure = ("--engine pure (default jobs)", ["--engine", "pure"], False)
        first: str | None = None
        reference = _reference_seconds()
        times: dict[str, list[tuple[float, float]]] = {}
        for turn in [*runs * repeat, pure]:
            label, args, cold = turn
            if cold:
                shutil.rmtree(cache, ignore_errors=True)
            seconds, cpu, doc = _cli_run(command, paths, args, env)
            times.setdefault(label, []).append((seconds, cpu))
            first = first or doc
            if doc != first:
                sys.exit(f"{label}: results DIFFERENT from the first run")
        print(
            f"{'run':<30} {'wall':>7} {'MB/s':>7} {'CPU s':>7} {'fastest':>8} {'slowest':>8}"
            f"  result (median of {repeat})"
        )
        for label, samples in times.items():
            ordered = sorted(samples)
            seconds, cpu = ordered[len(samples) // 2]
            rate = total / seconds / 1e6
            # This machine's speed swings from one minute to the next: the spread says how much.
            spread = f"{ordered[0][0]:7.2f}s {ordered[-1][0]:7.2f}s"
            print(f"{label:<30} {seconds:6.2f}s {rate:7.1f} {cpu:7.2f} {spread}  identical")
    # On a shared machine the wall time depends on other work; CPU seconds do not.
    print(f"CPUs          {os.cpu_count()} (default --jobs); load {os.getloadavg()[0]:.1f}")
    _print_reference(reference)


def _source_of(rev: str, folder: Path) -> Path:
    """The files of git revision ``rev`` of this checkout, extracted into ``folder``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev], capture_output=True, check=False
    )
    if archive.returncode != 0:
        sys.exit(f"git archive {rev} failed: {archive.stderr.decode().strip()}")
    folder.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(folder)  # our own repository's archive
    return folder


def bench_against(paths: list[Path], rev: str, repeat: int) -> None:
    """This checkout against git revision ``rev``, both installed fresh and run in turns
    (this build cold, then warm, then the other build's): each median then sees the same
    minutes of a host whose speed drifts, so the difference is the code's."""
    total = sum(p.stat().st_size for p in paths)
    with tempfile.TemporaryDirectory(prefix="macie-notify-bench-") as temp:
        base = Path(temp)
        other = _source_of(rev, base / "source")  # a bad REV fails before any install
        builds = {
            "this checkout": _fresh_install(base / "this"),
            rev: _fresh_install(base / "other", other),
        }
        reference = _reference_seconds()
        times: dict[tuple[str, str], list[float]] = {}
        docs: dict[str, str] = {}
        for _ in range(repeat):
            for index, (label, command) in enumerate(builds.items()):
                cache = base / f"cache-{index}"
                shutil.rmtree(cache, ignore_errors=True)  # this build's cold run
                env = {**os.environ, "MACIE_NOTIFY_CACHE_DIR": str(cache)}
                for kind in ("cold", "warm"):
                    seconds, _, doc = _cli_run(command, paths, [], env)
                    times.setdefault((label, kind), []).append(seconds)
                    docs.setdefault(label, doc)
        header = f"{'build':<30} {'cold':>7} {'MB/s':>7} {'warm':>7} {'MB/s':>7}"
        print(f"{header}  (median of {repeat}, in turns)")
        for label in builds:
            cold = sorted(times[label, "cold"])[repeat // 2]
            warm = sorted(times[label, "warm"])[repeat // 2]
            print(
                f"{label:<30} {cold:6.2f}s {total / cold / 1e6:7.1f} "
                f"{warm:6.2f}s {total / warm / 1e6:7.1f}"
            )
        same = len(set(docs.values())) == 1
        print(f"results       {'identical' if same else 'DIFFERENT (detection changed)'}")
    _print_reference(reference)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", choices=["throughput", "cli", "rss"], default="throughput")
    parser.add_argument("--size-mb", type=int, default=None)
    parser.add_argument("--engine", choices=["auto", "hyperscan", "pure"], default="auto")
    parser.add_argument(
        "--fresh-install",
        action="store_true",
        help="cli mode: run the macie-notify of a new venv with `pip install .`",
    )
    parser.add_argument("--repeat", type=int, default=3, help="cli mode: runs per line")
    parser.add_argument(
        "--against",
        metavar="REV",
        help="cli mode: compare with git revision REV (both installed fresh, run in turns)",
    )
    parser.add_argument(
        "--every",
        type=int,
        default=100,
        help="one sensitive value every N lines (100: ~1 per 8 KB; 20: ~1 per 1.6 KB)",
    )
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.against and args.mode != "cli":
        parser.error("--against compares `scan` end to end: use it with --mode cli")
    if args.mode == "rss":
        bench_rss(args.size_mb or 1024, args.engine)
        return
    paths = build_corpus(args.size_mb or 40, args.every)
    total = sum(p.stat().st_size for p in paths) / 1e6
    print(f"corpus        {total:.1f} MB in {len(paths)} files ({CORPUS})")
    print(f"density       one sensitive value every {args.every} lines")
    if args.mode == "cli" and args.against:
        bench_against(paths, args.against, args.repeat)
        return
    if args.mode == "cli":
        bench_cli(paths, fresh=args.fresh_install, repeat=args.repeat)
        return
    engines = ["hyperscan", "pure"] if args.engine == "auto" else [args.engine]
    for engine in engines:
        try:
            rate, per_cpu, found = bench_engine(engine, paths)
        except ImportError:
            print(f"{engine:<13} not installed")
            continue
        print(
            f"{engine:<13} {rate:7.1f} MB/s single core, {per_cpu:.1f} MB per CPU second "
            f"({found} managed detections)"
        )
    rate_ds = bench_detect_secrets(paths)
    print(
        f"detect-secrets {rate_ds:6.1f} MB/s"
        if rate_ds
        else "detect-secrets not installed (skipped)"
    )


if __name__ == "__main__":
    main()
