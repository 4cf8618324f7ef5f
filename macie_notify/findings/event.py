"""A finding from a file, an EventBridge event, or GetFindings, as the notifier sees it.

``notify preview``, ``findings show`` and replays all start from "one finding": an
EventBridge event (``source`` aws.macie, ``detail-type`` Macie Finding), a bare finding as
GetFindings returns it, or a one-element list of either. They end in the notifier's
typed view, so what the terminal shows is what the Lambda function would post.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import IO, Any

from macie_notify.errors import MacieNotifyError, UsageError
from macie_notify.notifier.event import (
    MacieFindingEvent,
    MalformedEvent,
    envelope,
    is_macie_finding_event,
)


def event_from_file(stream: IO[str]) -> dict[str, Any]:
    """An EventBridge event, a bare finding, or a one-element list of either."""
    try:
        data = json.load(stream)
    except ValueError as exc:
        raise UsageError(f"{stream.name} is not JSON: {exc}") from None
    except RecursionError:  # json recurses once per [ or {: no finding is nested that deep
        raise UsageError(f"{stream.name} is nested too deeply to be a finding") from None
    if isinstance(data, list):
        if len(data) != 1:
            raise UsageError(f"{stream.name} holds {len(data)} items; give one finding")
        data = data[0]
    if isinstance(data, dict) and not is_macie_finding_event(data) and "severity" in data:
        return envelope(data)
    if not isinstance(data, dict):
        raise UsageError(f"{stream.name} does not hold a JSON object")
    return data


def get_finding(macie2: Any, finding_id: str) -> dict[str, Any]:
    """One finding by id, exactly as GetFindings returns it (timestamps ISO 8601)."""
    from macie_notify.findings.retrieval import read_raw_findings
    from macie_notify.render import to_jsonable

    read_raw_findings(macie2)
    findings = macie2.get_findings(findingIds=[finding_id]).get("findings") or []
    if not findings:
        raise MacieNotifyError(
            f"no finding {finding_id} in this account and Region",
            "list ids with `macie-notify findings list`, or check --region",
        )
    # Stubbed or non-botocore clients give datetimes: the same ISO strings either way.
    finding: dict[str, Any] = to_jsonable(findings[0])
    return finding


def fetch_finding_event(macie2: Any, finding_id: str) -> dict[str, Any]:
    """GetFindings for one id, wrapped in the EventBridge envelope Macie publishes."""
    return envelope(get_finding(macie2, finding_id))


def _shown(value: object) -> str:
    """A field of an unknown event for a one-line error: short text quoted, else its type."""
    if value is None or (isinstance(value, str) and len(value) <= 80):
        return repr(value)
    return f"<{type(value).__name__}>"


def finding_view(event: Mapping[str, Any]) -> MacieFindingEvent:
    """The notifier's read-only view of an event; a usage error when it is not a finding."""
    if not is_macie_finding_event(event):
        source, kind = _shown(event.get("source")), _shown(event.get("detail-type"))
        raise UsageError(
            f"not a Macie finding event (source {source}, detail-type {kind})",
            "give an EventBridge event with source aws.macie and detail-type 'Macie Finding', "
            "or a finding (as GetFindings returns it)",
        )
    try:
        return MacieFindingEvent.from_event(event)
    except MalformedEvent as exc:
        raise UsageError(f"malformed Macie finding: {exc}") from None
