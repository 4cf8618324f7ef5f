"""Detection results: the ``scan -o json`` shape and the local emulator's input.

:class:`FileResult` holds what Macie's ``classificationDetails.result`` holds for one object
(https://docs.aws.amazon.com/macie/latest/APIReference/findings-describe.html, shape
``ClassificationResult``) plus the finding type and severity Macie would give it
(https://docs.aws.amazon.com/macie/latest/user/findings-severity.html).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from macie_notify.detect.catalog import (
    CREDENTIALS,
    CUSTOM_IDENTIFIER,
    FINANCIAL_INFORMATION,
    MANAGED_IDENTIFIER_CATEGORIES,
    PERSONAL_INFORMATION,
)

MAX_OCCURRENCES = 15
"""Macie locates at most 15 occurrences per detection (quota "detection locations")."""

SEVERITIES = ("Low", "Medium", "High")
_RANK = {"Low": 1, "Medium": 2, "High": 3, "LOW": 1, "MEDIUM": 2, "HIGH": 3}

FINDING_TYPES = {
    CREDENTIALS: "SensitiveData:S3Object/Credentials",
    FINANCIAL_INFORMATION: "SensitiveData:S3Object/Financial",
    PERSONAL_INFORMATION: "SensitiveData:S3Object/Personal",
    CUSTOM_IDENTIFIER: "SensitiveData:S3Object/CustomIdentifier",
}
MULTIPLE = "SensitiveData:S3Object/Multiple"

# Severity by occurrence count (1 / 2-99 / >=100) from the Macie severity table.
_LMH = ("Low", "Medium", "High")
_MHH = ("Medium", "High", "High")
_MMH = ("Medium", "Medium", "High")
_LMM = ("Low", "Medium", "Medium")
_LLM = ("Low", "Low", "Medium")
_HHH = ("High", "High", "High")
_EXACT_SEVERITY: dict[str, tuple[str, str, str]] = {
    "CREDIT_CARD_EXPIRATION": _LMH,
    "CREDIT_CARD_SECURITY_CODE": _MHH,
    "MEDICAL_DEVICE_UDI": _LMH,
    "DATE_OF_BIRTH": _LMH,
    "NAME": _LMH,
    "HTTP_COOKIE": _LMH,
    "ADDRESS": _LMH,
    "BRAZIL_CEP_CODE": _LMH,
    "LATITUDE_LONGITUDE": _LMM,
    "ARGENTINA_TARJETA_SUBE": _MMH,
    "VEHICLE_IDENTIFICATION_NUMBER": _LLM,
    "ARGENTINA_ORGANIZATION_TAX_IDENTIFICATION_NUMBER": _MMH,
    "COLOMBIA_ORGANIZATION_NIT_NUMBER": _MMH,
    "MEXICO_ORGANIZATION_RFC_NUMBER": _MMH,
}


def managed_severity(identifier: str, count: int) -> str:
    """Macie's severity for ``count`` occurrences of one managed identifier."""
    levels = _EXACT_SEVERITY.get(identifier)
    if levels is None:
        if identifier.endswith("DRIVERS_LICENSE") or identifier.endswith("PHONE_NUMBER"):
            levels = _LMH
        elif identifier.endswith("PASSPORT_NUMBER"):
            levels = _MHH
        else:  # credentials, cards, bank accounts, PHI numbers, national IDs, SSN/SIN/TIN
            levels = _HHH
    return levels[0 if count == 1 else 1 if count < 100 else 2]


def max_severity(values: Iterable[str]) -> str | None:
    best: str | None = None
    for value in values:
        if best is None or _RANK[value] > _RANK[best]:
            best = value
    return best.capitalize() if best else None


@dataclass
class Detection:
    """One detected type (managed ID) or custom identifier (name) with its count."""

    key: str
    count: int = 0
    occurrences: list[dict[str, Any]] = field(default_factory=list)
    severity: str | None = None
    """Custom identifiers: the level from severityLevels (None: below every threshold)."""
    identifier_id: str | None = None

    def add(self, count: int, occurrences: Iterable[dict[str, Any]] = ()) -> None:
        self.count += count
        for occ in occurrences:
            if len(self.occurrences) >= MAX_OCCURRENCES:
                break
            self.occurrences.append(occ)


@dataclass
class FileResult:
    """What one file (or S3 object, or archive member) contains."""

    path: str
    bytes: int = 0
    managed: dict[str, Detection] = field(default_factory=dict)
    custom: dict[str, Detection] = field(default_factory=dict)
    status: str = "COMPLETE"  # COMPLETE | PARTIAL | SKIPPED
    reason: str | None = None
    mime_type: str = "text/plain"
    occurrence_kind: str = "lineRanges"
    files: int = 1
    """How many files or members this result stands for (more than one: a summary, such
    as the members of an archive past a limit, or clean members counted together)."""

    # -- derived -------------------------------------------------------------------------
    @property
    def categories(self) -> dict[str, list[Detection]]:
        grouped: dict[str, list[Detection]] = {}
        for key in sorted(self.managed):
            category = MANAGED_IDENTIFIER_CATEGORIES.get(key, PERSONAL_INFORMATION)
            grouped.setdefault(category, []).append(self.managed[key])
        return grouped

    @property
    def reported_custom(self) -> list[Detection]:
        """Custom detections that yield a finding (count at or above the lowest threshold)."""
        return [self.custom[k] for k in sorted(self.custom) if self.custom[k].severity]

    @property
    def has_findings(self) -> bool:
        return bool(self.managed) or bool(self.reported_custom)

    @property
    def finding_type(self) -> str | None:
        """Credentials / Financial / Personal / CustomIdentifier, Multiple for two or more."""
        kinds = set(self.categories)
        if self.reported_custom:
            kinds.add(CUSTOM_IDENTIFIER)
        if not kinds:
            return None
        return FINDING_TYPES[kinds.pop()] if len(kinds) == 1 else MULTIPLE

    @property
    def severity(self) -> str | None:
        """The highest severity any detected type produces (Low / Medium / High)."""
        levels = [managed_severity(k, d.count) for k, d in self.managed.items()]
        levels += [d.severity for d in self.reported_custom if d.severity]
        return max_severity(levels)

    # -- shapes --------------------------------------------------------------------------
    def sensitive_data(self, *, occurrences: bool = False) -> list[dict[str, Any]]:
        out = []
        for category, detections in self.categories.items():
            items = []
            for det in detections:
                item: dict[str, Any] = {"type": det.key, "count": det.count}
                if occurrences:
                    item["occurrences"] = {self.occurrence_kind: list(det.occurrences)}
                items.append(item)
            out.append(
                {
                    "category": category,
                    "totalCount": sum(d.count for d in detections),
                    "detections": items,
                }
            )
        return out

    def custom_data_identifiers(self, *, occurrences: bool = False) -> dict[str, Any]:
        items = []
        for det in self.reported_custom:
            item: dict[str, Any] = {"name": det.key, "count": det.count}
            if det.identifier_id:
                item = {"arn": det.identifier_id, **item}
            if occurrences:
                item["occurrences"] = {self.occurrence_kind: list(det.occurrences)}
            items.append(item)
        return {"totalCount": sum(d["count"] for d in items), "detections": items}

    def to_dict(self) -> dict[str, Any]:
        """One entry of ``scan -o json`` ``files``."""
        return {
            "path": self.path,
            "bytes": self.bytes,
            "findingType": self.finding_type,
            "severity": self.severity,
            "sensitiveData": self.sensitive_data(),
            "customDataIdentifiers": self.custom_data_identifiers(),
        }

    def classification_result(self) -> dict[str, Any]:
        """Macie's ``classificationDetails.result`` for this object (occurrences included)."""
        located = [d for d in (*self.managed.values(), *self.reported_custom)]
        return {
            "additionalOccurrences": any(d.count > len(d.occurrences) for d in located),
            "customDataIdentifiers": self.custom_data_identifiers(occurrences=True),
            "mimeType": self.mime_type,
            "sensitiveData": self.sensitive_data(occurrences=True),
            "sizeClassified": self.bytes,
            "status": {"code": self.status, "reason": self.reason},
        }

    def merge(self, other: FileResult) -> None:
        """Fold an archive member's result into this (the archive's) result."""
        self.bytes += other.bytes
        for source, target in ((other.managed, self.managed), (other.custom, self.custom)):
            for key, det in source.items():
                mine = target.setdefault(
                    key, Detection(key, severity=None, identifier_id=det.identifier_id)
                )
                mine.add(det.count, det.occurrences)
        if other.status != "COMPLETE" and self.status == "COMPLETE":
            self.status = "PARTIAL"
            self.reason = "ARCHIVE_CONTAINS_UNPROCESSED_FILES"


@dataclass
class ScanSummary:
    """Totals of one ``scan`` run."""

    files_scanned: int = 0
    files_with_findings: int = 0
    bytes: int = 0
    seconds: float = 0.0
    not_evaluated_locally: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "filesScanned": self.files_scanned,
            "filesWithFindings": self.files_with_findings,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
        }
        if self.not_evaluated_locally:
            out["notEvaluatedLocally"] = list(self.not_evaluated_locally)
        return out


def severity_rank(value: str) -> int:
    return _RANK[value]


def scan_document(
    files: Iterable[FileResult], skipped: Iterable[Mapping[str, Any]], summary: ScanSummary
) -> dict[str, Any]:
    """The whole ``scan -o json`` document."""
    doc: dict[str, Any] = {
        "files": [f.to_dict() for f in files if f.has_findings],
        "summary": summary.to_dict(),
    }
    skipped = list(skipped)
    if skipped:
        doc["skipped"] = [dict(s) for s in skipped]
    return doc
