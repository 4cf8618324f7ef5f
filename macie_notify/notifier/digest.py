"""Digest messages (``delivery: digest``): one Slack message per group of findings.

Pure and deterministic. A batch is grouped by job run and bucket for sensitive-data
findings and by bucket for policy findings. Each group becomes a parent message whose
fallback text starts with how many findings it covers ("37 findings in ..."), with
counts by severity and type, the top objects, a console link and the command that lists
them all; the full list follows in thread replies, as many as Slack's limits need
(at most 50 blocks and 3,000 characters a section per message). Every string from a
finding goes through the same escaping as a single-finding message.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from .event import MacieFindingEvent, Severity
from .message import (
    _CONSOLE,
    _REGION,
    MAX_BLOCKS,
    MAX_HEADER,
    MAX_SECTION_TEXT,
    MAX_TEXT,
    SeverityStyle,
    code,
    escape,
    fit,
    mrkdwn,
    plain,
    readable_type,
)

TOP_TYPES = 6
TOP_OBJECTS = 5
# Thread reply: a context line plus sections of finding lines.
REPLY_SECTIONS = MAX_BLOCKS - 1
_JOB_ID = re.compile(r"[0-9a-f]{32}")
_SEVERITY_ORDER = (Severity.HIGH, Severity.MEDIUM, Severity.LOW)


@dataclass(frozen=True)
class GroupKey:
    """Sensitive data: (job, bucket); policy findings: (None, bucket)."""

    category: str
    job_id: str | None
    bucket: str | None


@dataclass
class Group:
    key: GroupKey
    findings: list[MacieFindingEvent] = field(default_factory=list)
    # The batch records (SQS message ids) this group's findings came from.
    record_ids: list[str] = field(default_factory=list)


def group_key(finding: MacieFindingEvent) -> GroupKey:
    if finding.is_policy:
        return GroupKey("policy", None, finding.bucket_name)
    return GroupKey("sensitive-data", finding.job_id, finding.bucket_name)


def group(items: Iterable[tuple[str, MacieFindingEvent]]) -> list[Group]:
    """(record id, finding) pairs -> groups, in the order each group first appears."""
    groups: dict[GroupKey, Group] = {}
    for record_id, finding in items:
        key = group_key(finding)
        entry = groups.setdefault(key, Group(key))
        entry.findings.append(finding)
        entry.record_ids.append(record_id)
    return list(groups.values())


def _where(key: GroupKey) -> str:
    bucket = f"s3://{key.bucket}" if key.bucket else "an unknown bucket"
    if key.category == "policy":
        return f"{bucket} (policy)"
    return f"{bucket} (job {key.job_id or 'unknown'})"


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def fallback_text(key: GroupKey, count: int) -> str:
    """``37 findings in s3://bucket (job 0123...)``: the count comes first."""
    return fit(escape(plain(f"{_plural(count, 'finding')} in {_where(key)}", MAX_TEXT)), MAX_TEXT)


def severity_counts(findings: Sequence[MacieFindingEvent]) -> list[tuple[Severity, int]]:
    counts = Counter(f.severity for f in findings)
    return [(s, counts[s]) for s in _SEVERITY_ORDER if counts[s]]


def list_command(key: GroupKey) -> str:
    """The CLI command that lists every finding of the group."""
    if key.category == "sensitive-data" and key.job_id and _JOB_ID.fullmatch(key.job_id):
        return f"macie-notify findings list --job {key.job_id}"
    bucket = key.bucket or ""
    if re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", bucket):
        kind = "Policy:" if key.category == "policy" else "SensitiveData:"
        return f"macie-notify findings list --bucket {bucket} --type {kind}"
    return "macie-notify findings list --since 24h"


def console_link(findings: Sequence[MacieFindingEvent], key: GroupKey) -> str | None:
    """The Macie console's findings page filtered to the group's job (or bucket)."""
    first = findings[0]
    region = first.region or ""
    host = _CONSOLE.get(first.partition)
    if host is None or not _REGION.fullmatch(region):
        return None
    if key.job_id and _JOB_ID.fullmatch(key.job_id):
        search = f"classificationDetails.jobId={key.job_id}"
    elif key.bucket:
        search = f"resourcesAffected.s3Bucket.name={key.bucket}"
    else:
        return None
    return (
        f"{host.format(region=region)}/macie/home?region={region}"
        f"#findings?search={quote(search, safe='')}&macros=current"
    )


def _header(key: GroupKey, findings: Sequence[MacieFindingEvent]) -> str:
    worst = max((f.severity for f in findings), key=lambda s: s.score)
    where = key.bucket or "unknown bucket"
    return plain(
        f"{SeverityStyle.of(worst).emoji} {_plural(len(findings), 'Macie finding')} · {where}",
        MAX_HEADER,
    )


def _counts_text(findings: Sequence[MacieFindingEvent]) -> str:
    severities = " · ".join(f"{s.label} {n:,}" for s, n in severity_counts(findings))
    types = Counter(f.type for f in findings).most_common()
    lines = ["*By severity*", severities, "*By type*"]
    for finding_type, n in types[:TOP_TYPES]:
        lines.append(f"• {escape(readable_type(finding_type))} {code(finding_type, 120)} × {n:,}")
    if len(types) > TOP_TYPES:
        lines.append(f"• and {len(types) - TOP_TYPES} more types")
    return "\n".join(lines)


def _objects_text(findings: Sequence[MacieFindingEvent]) -> str | None:
    keys = Counter(f.object_key for f in findings if f.object_key).most_common(TOP_OBJECTS)
    if not keys:
        return None
    lines = ["*Top objects*"]
    lines += [f"• {code(k, 200)} × {n:,}" for k, n in keys]
    return "\n".join(lines)


def digest_message(group_: Group, *, threaded: bool = True) -> dict[str, Any]:
    """The parent message of one group (payload without channel).

    ``threaded`` False (a storm): no thread follows, and the message says so.
    """
    key, findings = group_.key, group_.findings
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _header(key, findings)}},
        {"type": "section", "text": mrkdwn(f"*{escape(_where_md(key))}*")},
        {"type": "section", "text": mrkdwn(_counts_text(findings))},
    ]
    objects = _objects_text(findings)
    if objects:
        blocks.append({"type": "section", "text": mrkdwn(objects)})
    footer = [f"List them all: `{list_command(key)}`"]
    link = console_link(findings, key)
    if link:
        footer.append(f"<{link}|Open in the Macie console>")
    footer.append(
        "Every finding is listed in this thread."
        if threaded
        else "Storm threshold passed: no per-finding list for this window."
    )
    blocks.append({"type": "context", "elements": [mrkdwn(" · ".join(footer))]})
    return {"text": fallback_text(key, len(findings)), "blocks": blocks}


def _where_md(key: GroupKey) -> str:
    return plain(f"{_where(key)}", MAX_SECTION_TEXT // 2)


def finding_line(finding: MacieFindingEvent) -> str:
    """One finding in a thread reply: severity, type, object, occurrences, id."""
    where = finding.object_key or finding.bucket_name or "-"
    parts = [
        f"{SeverityStyle.of(finding.severity).emoji} {finding.severity.label}",
        code(finding.type, 80),
        code(where, 300),
    ]
    if finding.occurrences:
        parts.append(f"{finding.occurrences:,} occurrences")
    parts.append(code(finding.id or "-", 80))
    return " · ".join(parts)


def thread_replies(group_: Group) -> list[dict[str, Any]]:
    """Every finding of the group, one line each, packed into as few replies as fit."""
    sections: list[str] = []
    current = ""
    for finding in group_.findings:
        line = finding_line(finding)
        if current and len(current) + 1 + len(line) > MAX_SECTION_TEXT:
            sections.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        sections.append(current)
    chunks = [sections[i : i + REPLY_SECTIONS] for i in range(0, len(sections), REPLY_SECTIONS)]
    total = len(group_.findings)
    replies = []
    shown = 0
    for number, chunk in enumerate(chunks, 1):
        count = sum(text.count("\n") + 1 for text in chunk)
        first, shown = shown + 1, shown + count
        label = f"Findings {first:,}-{shown:,} of {total:,} ({number}/{len(chunks)})"
        blocks: list[dict[str, Any]] = [{"type": "context", "elements": [mrkdwn(label)]}]
        blocks += [{"type": "section", "text": mrkdwn(text)} for text in chunk]
        replies.append({"text": fit(escape(label), MAX_TEXT), "blocks": blocks})
    return replies
