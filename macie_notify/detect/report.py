"""A whole ``scan`` run: results, skipped files, summary, and the ``--fail-on`` decision."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from macie_notify.detect.result import FileResult, ScanSummary, scan_document, severity_rank
from macie_notify.detect.sources import PERMISSION_DENIED

if TYPE_CHECKING:
    from macie_notify.detect import Scanner


@dataclass(repr=False, eq=False)  # unused; each generated method costs start-up time
class ScanReport:
    """Everything ``macie-notify scan`` prints."""

    files: list[FileResult] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    summary: ScanSummary = field(default_factory=ScanSummary)

    @property
    def with_findings(self) -> list[FileResult]:
        return [f for f in self.files if f.has_findings]

    @property
    def unreadable(self) -> list[str]:
        """Inputs that could not be read (permissions): a gate did not see them."""
        return [s["path"] for s in self.skipped if s["reason"] == PERMISSION_DENIED]

    def at_or_above(self, severity: str) -> list[FileResult]:
        """Files whose severity is at least ``severity`` (``--fail-on``)."""
        rank = severity_rank(severity)
        return [f for f in self.with_findings if f.severity and severity_rank(f.severity) >= rank]

    def to_dict(self) -> dict[str, Any]:
        """The ``scan -o json`` document, plus ``skipped`` when any."""
        return scan_document(self.files, self.skipped, self.summary)


LARGE = 1024 * 1024
"""Inputs from this size on churn buffers of megabytes (a worker tunes itself anyway)."""


def _may_be_large(paths: Sequence[str]) -> bool:
    """Whether this process may scan megabytes (stdin, a folder, a large file): only then is
    tuning the allocator worth importing ctypes (~3 ms of a small scan's start-up)."""
    for path in paths:
        try:
            if path == "-" or os.path.isdir(path) or os.path.getsize(path) >= LARGE:
                return True
        except OSError:
            continue  # reported as not scanned by the scan itself
    return False


def run_scan(
    scanner: Scanner,
    paths: Iterable[str],
    *,
    exclude: Sequence[str] = (),
    stdin: IO[bytes] | None = None,
    on_file: Callable[[str, int], None] | None = None,
    clock: Callable[[], float] = time.perf_counter,
    jobs: int = 1,
) -> ScanReport:
    """Scan ``paths`` (with ``jobs`` worker processes) and collect what ``scan`` reports;
    the report is the same whatever ``jobs`` is."""
    paths = list(paths)
    if _may_be_large(paths):
        from macie_notify.detect.heap import keep_large_buffers

        keep_large_buffers()  # this process and the workers it forks
    report = ScanReport()
    started = clock()
    results = scanner.scan_paths(paths, exclude=exclude, stdin=stdin, on_file=on_file, jobs=jobs)
    for result in results:
        if result.status != "COMPLETE":  # skipped, or not fully scanned (PARTIAL)
            entry: dict[str, Any] = {"path": result.path, "reason": result.reason or "UNKNOWN"}
            if result.files > 1:
                entry["files"] = result.files
            report.skipped.append(entry)
            if result.status == "SKIPPED":
                continue
        report.summary.files_scanned += result.files
        report.summary.bytes += result.bytes
        if result.has_findings:
            report.summary.files_with_findings += 1
            report.files.append(result)
    report.summary.seconds = clock() - started
    report.summary.not_evaluated_locally = scanner.not_evaluated_locally()
    return report
