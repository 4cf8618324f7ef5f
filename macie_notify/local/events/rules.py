"""The EventBridge rule and target types the local router works with (API shapes, no moto)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DEFAULT_EVENT_AGE_S",
    "DEFAULT_RETRY_ATTEMPTS",
    "RuleInfo",
    "TargetError",
    "TargetInfo",
]

# EventBridge's defaults when a target has no RetryPolicy (185 attempts over 24 hours).
DEFAULT_RETRY_ATTEMPTS = 185
DEFAULT_EVENT_AGE_S = 86_400


@dataclass(frozen=True)
class TargetInfo:
    """One PutTargets entry, in the API's shape."""

    id: str
    arn: str
    input: str | None = None
    input_path: str | None = None
    input_transformer: Mapping[str, Any] | None = None
    max_retry_attempts: int = DEFAULT_RETRY_ATTEMPTS
    max_event_age_s: int = DEFAULT_EVENT_AGE_S
    dead_letter_arn: str | None = None

    @classmethod
    def from_api(cls, target: Mapping[str, Any]) -> TargetInfo:
        retry = target.get("RetryPolicy") or {}
        return cls(
            id=str(target["Id"]),
            arn=str(target["Arn"]),
            input=target.get("Input"),
            input_path=target.get("InputPath"),
            input_transformer=target.get("InputTransformer"),
            max_retry_attempts=int(retry.get("MaximumRetryAttempts", DEFAULT_RETRY_ATTEMPTS)),
            max_event_age_s=int(retry.get("MaximumEventAgeInSeconds", DEFAULT_EVENT_AGE_S)),
            dead_letter_arn=(target.get("DeadLetterConfig") or {}).get("Arn"),
        )


@dataclass(frozen=True)
class RuleInfo:
    name: str
    arn: str
    pattern: str | None
    state: str = "ENABLED"
    targets: tuple[TargetInfo, ...] = ()


class TargetError(Exception):
    """A delivery failed; ``retriable`` False sends it straight to the dead-letter queue."""

    def __init__(self, code: str, message: str, retriable: bool = True) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retriable = retriable
