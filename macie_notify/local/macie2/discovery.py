"""Automated sensitive data discovery, bucket statistics, resource search and usage.

All of it is computed from what the local jobs actually analysed (each analysed object is
a :class:`Scan` on its backend) and from the local S3's bucket metadata:

- the automated discovery configuration, its classification scope (buckets to skip) and
  sensitivity inspection template (identifiers and allow lists to use) exist per account
  once Macie is enabled, as on AWS
  (https://docs.aws.amazon.com/macie/latest/user/discovery-asdd.html);
- a bucket's resource profile (GetResourceProfile and its detections and artifacts) sums
  the scans of its objects; its sensitivity score is 50 before any object was analysed,
  1 when none held sensitive data, else 1-99 rising with the share of sensitive objects
  (Macie's own weighting is not published), or the 1/100 override;
- GetUsageStatistics/GetUsageTotals price the bytes analysed at Macie's list price for
  sensitive data discovery (USD 1.00 per GB) and bucket monitoring at USD 0.10 per bucket
  per month; estimates, as Macie's are.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from macie_notify.local.macie2.exceptions import ResourceNotFoundException, ValidationException
from macie_notify.local.macie2.shapes import now_iso

__all__ = ["Discovery", "Scan", "sensitivity_score"]

SCOPE_NAME = "automated-sensitive-data-discovery"
GB = 1024**3
PRICE_PER_GB = 1.00
PRICE_PER_BUCKET_MONTH = 0.10


@dataclass(frozen=True)
class Scan:
    """One object a job analysed, and what it held."""

    bucket: str
    key: str
    size: int
    job_id: str
    at: str
    detections: tuple[tuple[str, str, str, int], ...] = ()  # (type, id, name, count)

    @property
    def sensitive(self) -> bool:
        return bool(self.detections)


@dataclass
class Discovery:
    """One account's automated discovery settings, profiles and scan history."""

    status: str = "DISABLED"
    auto_enable_members: str = "NONE"
    first_enabled_at: str | None = None
    disabled_at: str | None = None
    last_updated_at: str | None = None
    scope_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    scope_excludes: list[str] = field(default_factory=list)
    template_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    template: dict[str, Any] = field(
        default_factory=lambda: {
            "description": "Settings for automated sensitive data discovery.",
            "excludes": {"managedDataIdentifierIds": []},
            "includes": {
                "allowListIds": [],
                "customDataIdentifierIds": [],
                "managedDataIdentifierIds": [],
            },
        }
    )
    accounts: dict[str, str] = field(default_factory=dict)
    scans: list[Scan] = field(default_factory=list)
    score_overrides: dict[str, int] = field(default_factory=dict)
    suppressed: dict[str, set[tuple[str, str]]] = field(default_factory=dict)

    # -- configuration ---------------------------------------------------------------

    def configuration(self) -> dict[str, Any]:
        return {
            "autoEnableOrganizationMembers": self.auto_enable_members,
            "classificationScopeId": self.scope_id,
            "disabledAt": self.disabled_at,
            "firstEnabledAt": self.first_enabled_at,
            "lastUpdatedAt": self.last_updated_at,
            "sensitivityInspectionTemplateId": self.template_id,
            "status": self.status,
        }

    def update_configuration(self, params: Mapping[str, Any]) -> None:
        stamp = now_iso()
        if params["status"] == "ENABLED" and self.status != "ENABLED":
            self.first_enabled_at = self.first_enabled_at or stamp
        if params["status"] == "DISABLED" and self.status == "ENABLED":
            self.disabled_at = stamp
        self.status = params["status"]
        if params.get("autoEnableOrganizationMembers"):
            self.auto_enable_members = params["autoEnableOrganizationMembers"]
        self.last_updated_at = stamp

    # -- classification scope and template --------------------------------------------

    def scope(self, scope_id: str) -> dict[str, Any]:
        if scope_id != self.scope_id:
            raise ResourceNotFoundException(f"The classification scope {scope_id} doesn't exist.")
        return {
            "id": self.scope_id,
            "name": SCOPE_NAME,
            "s3": {"excludes": {"bucketNames": list(self.scope_excludes)}},
        }

    def update_scope(self, scope_id: str, update: Mapping[str, Any]) -> None:
        self.scope(scope_id)
        names = list((update.get("excludes") or {}).get("bucketNames") or [])
        operation = (update.get("excludes") or {}).get("operation")
        if operation == "REPLACE":
            self.scope_excludes = sorted(set(names))
        elif operation == "ADD":
            self.scope_excludes = sorted(set(self.scope_excludes) | set(names))
        else:  # REMOVE
            self.scope_excludes = [n for n in self.scope_excludes if n not in names]
        if len(self.scope_excludes) > 1000:
            raise ValidationException("A classification scope can exclude at most 1,000 buckets.")

    def get_template(self, template_id: str) -> dict[str, Any]:
        if template_id != self.template_id:
            raise ResourceNotFoundException(
                f"The sensitivity inspection template {template_id} doesn't exist."
            )
        return {
            **self.template,
            "name": SCOPE_NAME,
            "sensitivityInspectionTemplateId": self.template_id,
        }

    def update_template(self, template_id: str, params: Mapping[str, Any]) -> None:
        self.get_template(template_id)
        for key in ("description", "excludes", "includes"):
            if params.get(key) is not None:
                self.template[key] = params[key]

    # -- resource profiles -----------------------------------------------------------

    def bucket_scans(self, bucket: str) -> list[Scan]:
        return [s for s in self.scans if s.bucket == bucket]

    def profile(self, bucket: str) -> dict[str, Any]:
        scans = self.bucket_scans(bucket)
        suppressed = self.suppressed.get(bucket, set())
        total = sum(c for s in scans for _, _, _, c in s.detections)
        hidden = sum(
            c for s in scans for kind, ident, _, c in s.detections if (kind, ident) in suppressed
        )
        override = self.score_overrides.get(bucket)
        score = override if override is not None else sensitivity_score(scans, suppressed)
        updated = max((s.at for s in scans), default=None)
        return {
            "profileUpdatedAt": updated or now_iso(),
            "sensitivityScore": score,
            "sensitivityScoreOverridden": override is not None,
            "statistics": {
                "totalBytesClassified": sum(s.size for s in scans),
                "totalDetections": total,
                "totalDetectionsSuppressed": hidden,
                "totalItemsClassified": len(scans),
                "totalItemsSensitive": sum(1 for s in scans if s.sensitive),
                "totalItemsSkipped": 0,
                "totalItemsSkippedInvalidEncryption": 0,
                "totalItemsSkippedInvalidKms": 0,
                "totalItemsSkippedPermissionDenied": 0,
            },
        }

    def detections(self, bucket: str, custom_arn: Callable[[str], str]) -> list[dict[str, Any]]:
        counts: dict[tuple[str, str, str], int] = {}
        for scan in self.bucket_scans(bucket):
            for kind, ident, name, count in scan.detections:
                counts[(kind, ident, name)] = counts.get((kind, ident, name), 0) + count
        suppressed = self.suppressed.get(bucket, set())
        out = []
        for (kind, ident, name), count in sorted(counts.items()):
            row = {"count": count, "id": ident, "suppressed": (kind, ident) in suppressed}
            row.update(type=kind, name=name)
            if kind == "CUSTOM":
                row["arn"] = custom_arn(ident)
            out.append(row)
        return out

    def artifacts(self, bucket: str) -> list[dict[str, Any]]:
        latest: dict[str, Scan] = {}
        for scan in self.bucket_scans(bucket):
            latest[scan.key] = scan
        return [
            {
                "arn": f"arn:aws:s3:::{bucket}/{key}",
                "classificationResultStatus": "COMPLETE",
                "sensitive": scan.sensitive,
            }
            for key, scan in sorted(latest.items())
        ]

    def suppress(self, bucket: str, identifiers: list[Mapping[str, Any]]) -> None:
        self.suppressed[bucket] = {(str(i.get("type")), str(i.get("id"))) for i in identifiers}

    def override_score(self, bucket: str, value: int | None) -> None:
        if value is None:
            self.score_overrides.pop(bucket, None)
        elif value in (1, 100):
            self.score_overrides[bucket] = value
        else:
            raise ValidationException("sensitivityScoreOverride must be 1 or 100.")

    # -- usage -----------------------------------------------------------------------

    def usage(self, buckets: int) -> list[dict[str, Any]]:
        scanned = sum(s.size for s in self.scans)
        costs = {
            "DATA_INVENTORY_EVALUATION": buckets * PRICE_PER_BUCKET_MONTH,
            "SENSITIVE_DATA_DISCOVERY": scanned / GB * PRICE_PER_GB,
            "AUTOMATED_SENSITIVE_DATA_DISCOVERY": 0.0,
            "AUTOMATED_OBJECT_MONITORING": 0.0,
        }
        return [
            {"currency": "USD", "estimatedCost": f"{cost:.6f}", "type": kind}
            for kind, cost in costs.items()
        ]


def sensitivity_score(scans: list[Scan], suppressed: set[tuple[str, str]]) -> int:
    """50 before any analysis; 1 with nothing sensitive; else 1-99 by the sensitive share."""
    if not scans:
        return 50
    sensitive = sum(
        1 for s in scans if any((k, i) not in suppressed for k, i, _, _ in s.detections)
    )
    if not sensitive:
        return 1
    return max(51, min(99, 50 + round(49 * sensitive / len(scans))))
