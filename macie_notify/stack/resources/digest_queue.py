"""``delivery: digest``: the encrypted SQS queue the rule sends findings to.

Only the rule may send (the policy's ``aws:SourceArn``); the function reads it through
an event source mapping; a finding received ``max_receives`` times without being
delivered moves to the dead-letter queue (the redrive policy).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from macie_notify.stack import policies
from macie_notify.stack.model import Observed, Ref

# One queue resource: the digest queue differs from the dead-letter queue in attributes only.
from macie_notify.stack.resources.queue import (
    QueueSpec,
    apply,
    delete,
    diff,
    keep_reason,
    observe,
)

if TYPE_CHECKING:
    from macie_notify.aws import Aws

RETENTION_S = 1_209_600  # 14 days: findings outlive a long Slack outage
MAX_VISIBILITY_S = 43_200


def visibility_timeout(function_timeout_s: int, window_s: int) -> int:
    """Six times the function's timeout plus the batching window, as Lambda advises
    (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html)."""
    return min(MAX_VISIBILITY_S, 6 * function_timeout_s + window_s)


def queue_policy(queue_arn: str, rule_arn: str) -> dict[str, Any]:
    """Only the stack's rule may send to the digest queue."""
    return policies.queue_policy(queue_arn, rule_arn, sid="RuleFindings")


def consume_statement(queue_arn: str) -> dict[str, Any]:
    """What the function's role needs for the event source mapping, on this queue only."""
    return {
        "Sid": "OwnDigestQueue",
        "Effect": "Allow",
        "Action": [
            "sqs:ReceiveMessage",
            "sqs:DeleteMessage",
            "sqs:GetQueueAttributes",
            "sqs:ChangeMessageVisibility",
        ],
        "Resource": queue_arn,
    }


@dataclass(frozen=True)
class DigestQueueSpec(QueueSpec):
    kind = "digest-queue"
    dlq_arn: str | Ref = ""
    max_receives: int = 5
    visibility_timeout_s: int = 360
    policy: Mapping[str, Any] = field(default_factory=dict)

    def attributes(self) -> dict[str, str]:
        redrive = {"deadLetterTargetArn": str(self.dlq_arn), "maxReceiveCount": self.max_receives}
        return {
            "SqsManagedSseEnabled": "true",
            "MessageRetentionPeriod": str(RETENTION_S),
            "VisibilityTimeout": str(self.visibility_timeout_s),
            "Policy": json.dumps(self.policy, sort_keys=True),
            "RedrivePolicy": json.dumps(redrive, sort_keys=True),
        }


def find(aws: Aws, name: str) -> Observed | None:
    """The queue named ``name`` (the teardown and mode-switch sweep)."""
    return observe(aws, DigestQueueSpec(name))


__all__ = [
    "DigestQueueSpec",
    "apply",
    "consume_statement",
    "delete",
    "diff",
    "find",
    "keep_reason",
    "observe",
    "queue_policy",
    "visibility_timeout",
]
