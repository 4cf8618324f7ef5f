"""Precision and recall of the local managed identifiers and file-format readers.

Run:
    python bench/detect_quality.py                  # pure and Hyperscan engines, text table
    python bench/detect_quality.py --engine pure --json

Three measurements, all on the labelled corpus kept with the tests
(``tests/data/detect_corpus/labelled.py``: synthetic values with valid check digits after
a keyword, and decoys: broken check digits, no keyword, keyword too far):

* **identifiers**: every country-specific identifier alone (INCLUDE), one snippet per scan;
  precision and recall per family and overall.
* **formats**: the same snippets laid out in a Word document, an Excel sheet, an email, a
  PDF, an Avro and a Parquet file (one paragraph / cell / line / record per snippet) and
  scanned with every corpus identifier selected; a detection counts as true when its
  identifier and snippet match a positive's.
* **cross reports**: every positive alone with every identifier selected: the other
  identifiers that report it too (informative: Macie's own overlaps, same keyword and shape).
* **clean text**: ~1 MB of logs, CSV, prose and code without sensitive values but with
  keyword words ("licence", "number", "tax", "passport", ...) sprinkled among random
  numbers, every managed identifier selected (ALL): detections of the country-specific
  identifiers there are false positives (reported per MB, next to what the other managed
  identifiers report on the same text, for scale).

Exit status 1 when a precision or recall is below ``--target`` (default 0.95).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "data" / "detect_corpus"))
sys.path.insert(0, str(ROOT / "tests" / "unit" / "detect"))

import format_fixtures  # noqa: E402
from labelled import Case, build  # noqa: E402

from macie_notify.detect import IdentifierSelection, Scanner  # noqa: E402
from macie_notify.detect.mdis import (  # noqa: E402
    AMERICAS_RULES,
    ASIA_PACIFIC_RULES,
    EUROPE_RULES,
    LICENCE_RULES,
    PHONE_RULES,
    US_HEALTH_RULES,
)

FAMILIES = {
    "europe": EUROPE_RULES,
    "americas": AMERICAS_RULES,
    "asia-pacific": ASIA_PACIFIC_RULES,
    "driver's licences": LICENCE_RULES,
    "phones": PHONE_RULES,
    "us health": US_HEALTH_RULES,
}
FILLER = "-" * 40  # keeps one snippet's keyword out of the next snippet's 30 characters


class Score:
    def __init__(self) -> None:
        self.tp = self.fp = self.fn = 0

    def add(self, tp: int = 0, fp: int = 0, fn: int = 0) -> None:
        self.tp, self.fp, self.fn = self.tp + tp, self.fp + fp, self.fn + fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def row(self) -> dict[str, Any]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
        }


def identifier_scores(cases: dict[str, Case], use_hyperscan: bool) -> dict[str, Score]:
    family_of = {i: f for f, rules in FAMILIES.items() for r in rules for i in r.reports}
    scores: dict[str, Score] = defaultdict(Score)
    for ident, case in cases.items():
        scanner = Scanner(IdentifierSelection("INCLUDE", (ident,)), use_hyperscan=use_hyperscan)
        for text, positive in [(t, True) for t in case.positives] + [
            (t, False) for t in case.decoys
        ]:
            found = ident in scanner.scan_bytes(text.encode(), name="s.txt").managed
            for key in (family_of[ident], "all"):
                scores[key].add(tp=found and positive, fp=found and not positive)
                scores[key].add(fn=positive and not found)
    return scores


Layout = Callable[[Sequence[str]], tuple[bytes, str]]


def _layouts() -> dict[str, Layout]:
    spaced = lambda snippets: [s for snippet in snippets for s in (snippet, FILLER)]  # noqa: E731
    return {
        "docx": lambda s: (format_fixtures.docx(spaced(s)), "doc.docx"),
        "xlsx": lambda s: (format_fixtures.xlsx({"Data": [["text"], *([x] for x in s)]}), "d.xlsx"),
        "eml": lambda s: (format_fixtures.eml("corpus", "\n".join(spaced(s)) + "\n"), "m.eml"),
        "pdf": lambda s: (format_fixtures.pdf(_pages(spaced(s))), "d.pdf"),
        "avro": lambda s: (
            format_fixtures.avro(
                [{"text": x} for x in s],
                {"type": "record", "name": "R", "fields": [{"name": "text", "type": "string"}]},
            ),
            "d.avro",
        ),
        "parquet": lambda s: (format_fixtures.parquet([{"text": x} for x in s]), "d.parquet"),
        "txt": lambda s: ("\n".join(spaced(s)).encode(), "d.txt"),
    }  # fmt: skip


def _pages(lines: list[str]) -> list[list[str]]:
    return [lines[i : i + 40] for i in range(0, len(lines), 40)]


def _latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def format_scores(cases: dict[str, Case], use_hyperscan: bool) -> dict[str, Score]:
    """Per format: one document with one snippet per paragraph/cell/record, per identifier."""
    scores: dict[str, Score] = {}
    layouts = _layouts()
    for fmt, layout in layouts.items():
        score = Score()
        for ident, case in cases.items():
            scanner = Scanner(IdentifierSelection("INCLUDE", (ident,)), use_hyperscan=use_hyperscan)
            snippets = case.positives + case.decoys
            if fmt == "pdf" and not all(_latin1(x) for x in snippets):
                # The fixture PDFs use a standard font (Latin-1): Bulgarian and Greek
                # keywords are measured in the other formats.
                continue
            data, name = layout(snippets)
            result = scanner.scan_bytes(data, name=name)
            if result.status == "SKIPPED":
                raise SystemExit(f"{fmt}: not scanned ({result.reason})")
            found = result.managed[ident].count if ident in result.managed else 0
            expected = len(case.positives)
            score.add(tp=min(found, expected), fp=max(0, found - expected))
            score.add(fn=max(0, expected - found))
        scores[fmt] = score
    return scores


def cross_reports(cases: dict[str, Case], use_hyperscan: bool) -> dict[str, Any]:
    """Each positive alone with every locally evaluated identifier selected: which other
    identifiers also report it (same keyword and shape: "passport 123456789" is a UK and a
    US passport number for Macie as well)."""
    from macie_notify.detect.managed import LOCAL_IDENTIFIERS

    selection = IdentifierSelection("INCLUDE", tuple(sorted(LOCAL_IDENTIFIERS)))
    scanner = Scanner(selection, use_hyperscan=use_hyperscan)
    pairs: dict[str, int] = defaultdict(int)
    total = shared = 0
    for ident, case in cases.items():
        for text in case.positives:
            found = scanner.scan_bytes(text.encode(), name="s.txt").managed
            others = sorted(k for k in found if k != ident)
            total += 1
            shared += bool(others)
            for other in others:
                pairs[f"{ident} + {other}"] += 1
    return {"positives": total, "alsoReportedAs": shared, "pairs": dict(pairs)}


WORDS = (
    "the customer order was shipped to the warehouse after payment confirmation and the "
    "invoice number was recorded in the ledger for the quarterly report of the region "
    "service latency error retry timeout request response user session cache database "
    "account card number phone contact tax reference passport licence id code"
).split()


def clean_corpus(size: int = 1_000_000, seed: int = 11) -> str:
    rnd = random.Random(seed)
    lines: list[str] = []
    total = 0
    while total < size:
        words = " ".join(rnd.choices(WORDS, k=rnd.randint(6, 14)))
        kind = rnd.randrange(4)
        if kind == 0:
            line = f"2024-05-{rnd.randint(1, 28):02d}T12:{rnd.randint(0, 59):02d}:07Z INFO "
            line += f"req={rnd.getrandbits(48):x} order={rnd.randint(10**5, 10**9)} {words}"
        elif kind == 1:
            line = f"{rnd.randint(1, 10**6)},{rnd.randint(1, 10**8)},{rnd.random():.4f},{words}"
        elif kind == 2:
            line = f"    total_{rnd.randint(1, 99)} = price * {rnd.randint(2, 9999)}  # {words}"
        else:
            line = words.capitalize() + f" ({rnd.randint(1, 999)} items)."
        lines.append(line)
        total += len(line) + 1
    return "\n".join(lines)


def clean_false_positives(use_hyperscan: bool) -> dict[str, Any]:
    text = clean_corpus()
    regional = {i for rules in FAMILIES.values() for r in rules for i in r.reports}
    result = Scanner(IdentifierSelection("ALL"), use_hyperscan=use_hyperscan).scan_bytes(
        text.encode(), name="clean.txt"
    )
    hits = {k: d.count for k, d in result.managed.items() if k in regional}
    others = {k: d.count for k, d in result.managed.items() if k not in regional}
    mb = len(text) / 1e6
    return {
        "mb": round(mb, 2),
        "falsePositives": hits,
        "perMb": round(sum(hits.values()) / mb, 2),
        "otherIdentifiers": others,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=("pure", "hyperscan", "both"), default="both")
    parser.add_argument("--target", type=float, default=0.95)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    engines = ["pure", "hyperscan"] if args.engine == "both" else [args.engine]
    cases = build()
    report: dict[str, Any] = {"identifiers": len(cases), "snippets": _snippets(cases)}
    ok = True
    for engine in engines:
        hyperscan = engine == "hyperscan"
        ids = identifier_scores(cases, hyperscan)
        formats = format_scores(cases, hyperscan)
        clean = clean_false_positives(hyperscan)
        cross = cross_reports(cases, hyperscan)
        report[engine] = {
            "families": {k: v.row() for k, v in sorted(ids.items(), key=lambda i: i[0] == "all")},
            "formats": {k: v.row() for k, v in formats.items()},
            "clean": clean,
            "crossReports": cross,
        }
        for score in (*ids.values(), *formats.values()):
            ok = ok and score.precision >= args.target and score.recall >= args.target
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        _print(report, engines)
    return 0 if ok else 1


def _snippets(cases: dict[str, Case]) -> dict[str, int]:
    return {
        "positives": sum(len(c.positives) for c in cases.values()),
        "decoys": sum(len(c.decoys) for c in cases.values()),
    }


def _print(report: dict[str, Any], engines: list[str]) -> None:
    counts = report["snippets"]
    print(
        f"{report['identifiers']} identifiers, {counts['positives']} positives, "
        f"{counts['decoys']} decoys"
    )
    for engine in engines:
        part = report[engine]
        print(f"\n== {engine} engine ==")
        print(f"{'':22} {'tp':>5} {'fp':>4} {'fn':>4} {'precision':>10} {'recall':>7}")
        for title in ("families", "formats"):
            for key, row in part[title].items():
                print(
                    f"{key:22} {row['tp']:5} {row['fp']:4} {row['fn']:4} "
                    f"{row['precision']:10.3f} {row['recall']:7.3f}"
                )
            print()
        clean = part["clean"]
        print(
            f"clean text ({clean['mb']} MB, ALL identifiers): {clean['perMb']} false "
            f"positives per MB {clean['falsePositives'] or ''}"
        )
        print(f"  the other managed identifiers on the same text: {clean['otherIdentifiers']}")
        cross = part["crossReports"]
        print(
            f"every identifier selected: {cross['alsoReportedAs']} of {cross['positives']} "
            "positives are also reported as another identifier (same keyword and shape):"
        )
        for pair, count in sorted(cross["pairs"].items(), key=lambda p: -p[1]):
            print(f"  {count:3}  {pair}")


if __name__ == "__main__":
    raise SystemExit(main())
