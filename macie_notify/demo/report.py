"""What the demo shows: the job's findings read back from Macie, and what reached Slack.

Findings are read as ``findings list --job ID`` reads them (the same filters and
retriever). Which of them should have reached Slack is decided by the
notifier's own filters over the function's environment, so the demo checks the
deployed behaviour rather than a second copy of it; a finding "reached Slack" when a
message the sink recorded names its id (the notifier writes it in every message).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from macie_notify.findings.criteria import Filters
from macie_notify.notifier.event import MacieFindingEvent, envelope
from macie_notify.notifier.filters import should_notify
from macie_notify.notifier.settings import Settings

ENCRYPTION_DISABLED = "S3BucketEncryptionDisabled"


@dataclass(frozen=True)
class DemoReport:
    """The outcome of one demo run (``to_dict()`` is the ``-o json`` document)."""

    endpoint: str
    region: str
    bucket: str
    job_id: str
    channel: str
    min_severity: str
    findings: tuple[dict[str, Any], ...]
    policy_finding: dict[str, Any] | None
    slack_messages: tuple[dict[str, Any], ...]
    qualifying: tuple[str, ...]
    delivered: tuple[str, ...]
    function: str = ""
    uploaded: int = 0
    seconds: float = 0.0
    notifier_log: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    teardown: Mapping[str, Any] | None = None

    def with_times(self, **changes: Any) -> DemoReport:
        """A copy with ``uploaded``, ``seconds`` or ``teardown`` filled in."""
        return dataclasses.replace(self, **changes)

    @property
    def missing(self) -> tuple[str, ...]:
        """Ids of findings the function should have posted but no message names."""
        done = set(self.delivered)
        return tuple(fid for fid in self.qualifying if fid not in done)

    @property
    def ok(self) -> bool:
        return not self.missing

    def summary(self) -> dict[str, Any]:
        return {
            "findings": len(self.findings),
            "qualifying": len(self.qualifying),
            "postedToSlack": len(self.delivered),
            "notPosted": list(self.missing),
            "channel": self.channel,
            "minSeverity": self.min_severity,
            "bucket": self.bucket,
            "jobId": self.job_id,
            "function": self.function,
            "sampleFiles": self.uploaded,
            "policyFinding": self._policy_summary(),
            "tornDown": self.teardown is not None,
            "seconds": round(self.seconds, 2),
        }

    def _policy_summary(self) -> dict[str, Any] | None:
        policy = self.policy_finding
        if policy is None:
            return None
        fid = str(policy.get("id"))
        return {
            "id": fid,
            "type": policy.get("type"),
            "qualifies": fid in self.qualifying,
            "postedToSlack": fid in self.delivered,
        }

    def summary_line(self) -> str:
        """``2 findings (Financial 1, Personal 1), 2 posted to Slack #aws-macie-events (Low
        and above) in 6.1 s; the policy finding posted; torn down``."""
        n = len(self.findings)
        m = len(set(self.delivered) - {str((self.policy_finding or {}).get("id"))})
        kinds: dict[str, int] = {}
        for finding in self.findings:
            kind = str(finding.get("type", "")).rsplit("/", 1)[-1]
            kinds[kind] = kinds.get(kind, 0) + 1
        tally = ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))
        kinds_text = f" ({tally})" if tally else ""
        line = (
            f"{n} finding{'s' if n != 1 else ''}{kinds_text}, {m} posted to Slack {self.channel} "
            f"({self.min_severity} and above) in {self.seconds:.1f} s"
        )
        policy = self._policy_summary()
        if policy is not None:
            line += "; the policy finding " + (
                "posted" if policy["postedToSlack"] else "not posted"
            )
        if self.missing:
            line += f"; {len(self.missing)} that qualify were not posted"
        if self.teardown is not None:
            line += "; torn down"
        return line

    def to_dict(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "findings": list(self.findings),
            "policyFinding": self.policy_finding,
            "slackMessages": list(self.slack_messages),
            "teardown": dict(self.teardown) if self.teardown is not None else None,
            "summary": self.summary(),
        }


def job_findings(macie2: Any, job_id: str) -> list[dict[str, Any]]:
    """``findings list --job ID``: the job's current findings, most severe first, then by
    object key (the order the table shows)."""
    found = _fetch(macie2, Filters(jobs=(job_id,)))
    return sorted(found, key=lambda f: (-_score(f), object_key(f) or "", f.get("type", "")))


def policy_finding(macie2: Any, bucket: str) -> dict[str, Any] | None:
    """``findings list --category POLICY --bucket B``: its newest encryption-disabled one."""
    found = _fetch(macie2, Filters(category="POLICY", buckets=(bucket,)))
    hits = [f for f in found if str(f.get("type", "")).endswith("/" + ENCRYPTION_DISABLED)]
    return hits[0] if hits else None


def _fetch(macie2: Any, filters: Filters) -> list[dict[str, Any]]:
    from macie_notify.findings.criteria import parse_sort
    from macie_notify.findings.retrieval import Retriever

    # split=False: a demo's findings are few, no need to plan partitions.
    return Retriever(macie2).fetch(filters.criteria(), parse_sort("updated:desc"), split=False)


def _score(finding: Mapping[str, Any]) -> int:
    return int((finding.get("severity") or {}).get("score") or 0)


def object_key(finding: Mapping[str, Any]) -> str | None:
    s3_object = (finding.get("resourcesAffected") or {}).get("s3Object") or {}
    key = s3_object.get("key")
    return str(key) if key else None


def detections_summary(finding: Mapping[str, Any]) -> str:
    """``USA_SOCIAL_SECURITY_NUMBER x12, employee-id x12``: what the job found in the object."""
    result = (finding.get("classificationDetails") or {}).get("result") or {}
    parts = [
        f"{d.get('type')} x{d.get('count')}"
        for category in result.get("sensitiveData") or []
        for d in category.get("detections") or []
    ]
    custom = (result.get("customDataIdentifiers") or {}).get("detections") or []
    parts += [f"{d.get('name')} x{d.get('count')}" for d in custom]
    return ", ".join(parts) or "-"


def qualifying_ids(
    findings: Sequence[Mapping[str, Any]], environment: Mapping[str, str]
) -> tuple[str, ...]:
    """Ids of the findings the function, configured with ``environment``, posts."""
    settings = Settings.from_env(environment)
    out = []
    for finding in findings:
        event = MacieFindingEvent(envelope(_plain(finding)))
        if should_notify(event, settings).notify:
            out.append(str(finding["id"]))
    return tuple(out)


def _plain(finding: Mapping[str, Any]) -> dict[str, Any]:
    # GetFindings gives datetimes; the event Macie publishes has ISO 8601 strings.
    return dict(json.loads(json.dumps(finding, default=_iso)))


def _iso(value: Any) -> str:
    isoformat = getattr(value, "isoformat", None)
    return str(isoformat()) if callable(isoformat) else str(value)


def messages_for(
    findings: Sequence[Mapping[str, Any]], messages: Sequence[Mapping[str, Any]]
) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
    """The sink's messages that name one of ``findings``, and the ids they name."""
    ids = [str(f["id"]) for f in findings]
    ours: list[dict[str, Any]] = []
    named: set[str] = set()
    for message in messages:
        text = json.dumps(message, ensure_ascii=False)
        hits = {fid for fid in ids if fid in text}
        if hits:
            ours.append(dict(message))
            named |= hits
    return ours, tuple(fid for fid in ids if fid in named)


def message_rows(report: DemoReport) -> list[dict[str, str]]:
    """One row per Slack message: channel, header (else the fallback text), its object."""
    keys = {str(f["id"]): object_key(f) or "-" for f in report.findings}
    if report.policy_finding is not None:
        keys[str(report.policy_finding.get("id"))] = f"(bucket {report.bucket})"
    rows = []
    for message in report.slack_messages:
        text = json.dumps(message, ensure_ascii=False)
        about = next((key for fid, key in keys.items() if fid in text), "-")
        rows.append(
            {
                "channel": f"#{message.get('channel_name') or message.get('channel')}",
                "message": _header(message) or str(message.get("text") or ""),
                "object": about,
            }
        )
    return rows


def _header(message: Mapping[str, Any]) -> str | None:
    for block in message.get("blocks") or []:
        if isinstance(block, dict) and block.get("type") == "header":
            return str((block.get("text") or {}).get("text") or "") or None
    return None


def notifier_decisions(logs: Any, log_group: str) -> dict[str, dict[str, Any]]:
    """finding id -> the notifier's last log record for it (decision, reason or error).

    The function writes one JSON line per invocation; they explain a finding that did not
    reach Slack. Only read when something is missing.
    """
    out: dict[str, dict[str, Any]] = {}
    try:
        pages = logs.get_paginator("filter_log_events").paginate(logGroupName=log_group)
        for page in pages:
            for event in page.get("events", []):
                record = _json_line(str(event.get("message", "")))
                if record and record.get("findingId"):
                    out[str(record["findingId"])] = record
    except logs.exceptions.ResourceNotFoundException:
        return {}
    return out


def _json_line(text: str) -> dict[str, Any] | None:
    text = text.strip()
    if not text.startswith("{"):
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


__all__ = [
    "DemoReport",
    "detections_summary",
    "job_findings",
    "message_rows",
    "messages_for",
    "notifier_decisions",
    "object_key",
    "policy_finding",
    "qualifying_ids",
]
