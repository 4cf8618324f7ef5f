"""Which findings are posted: pure decisions from the finding and the settings."""

from __future__ import annotations

from dataclasses import dataclass

from .event import MacieFindingEvent
from .settings import Settings


@dataclass(frozen=True)
class Decision:
    """Post or skip, and why (the reason goes into the invocation's log line)."""

    notify: bool
    reason: str


def type_matches(finding_type: str, patterns: tuple[str, ...]) -> bool:
    """A pattern is a full finding type or a prefix of one (``Policy:``, ``SensitiveData``)."""
    return any(finding_type.startswith(p) for p in patterns)


def should_notify(finding: MacieFindingEvent, settings: Settings) -> Decision:
    """Apply the filters in the order a reader of the log would ask about them."""
    if finding.is_test:
        return Decision(True, "test event from macie-notify notify test (filters bypassed)")
    if finding.sample and not settings.include_samples:
        return Decision(False, "sample finding (INCLUDE_SAMPLE_FINDINGS is off)")
    if finding.archived:
        # Macie never publishes suppressed findings; one archived by hand since it was
        # published is already dealt with, so it is not worth a page.
        return Decision(False, "archived finding")
    if finding.severity.score < settings.min_severity.score:
        return Decision(
            False, f"severity {finding.severity.label} below {settings.min_severity.label}"
        )
    if settings.include_types and not type_matches(finding.type, settings.include_types):
        return Decision(False, "type not in FINDING_TYPES_INCLUDE")
    if type_matches(finding.type, settings.exclude_types):
        return Decision(False, "type in FINDING_TYPES_EXCLUDE")
    return Decision(True, "matches filters")
