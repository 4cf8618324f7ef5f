"""Pure builders of the policy documents and patterns the stack writes (no AWS calls).

Least privilege by construction: the notifier's role may write only to its own log
group, read only its own secret and send only to its own dead-letter queue; each
statement names the exact resource ARN.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from macie_notify.stack.model import Ref

VERSION = "2012-10-17"
TLS_SID = "MacieNotifyDenyInsecureTransport"
LAMBDA_TRUST: dict[str, Any] = {
    "Version": VERSION,
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
SEVERITIES = ("Low", "Medium", "High")


def notifier_policy(
    log_group_arn: str, secret_arn: str | Ref | None, queue_arn: str | None
) -> dict[str, Any]:
    """The function's inline policy; only the statements it needs.

    Log streams live under ``<log group ARN>:log-stream:<name>``, hence the ``:*``
    (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatchlogs.html).
    """
    statements: list[dict[str, Any]] = [
        {
            "Sid": "OwnLogGroup",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{log_group_arn}:*",
        }
    ]
    if secret_arn is not None:
        statements.append(
            {
                "Sid": "OwnSlackSecret",
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": secret_arn,
            }
        )
    if queue_arn is not None:
        statements.append(
            {
                "Sid": "OwnDeadLetterQueue",
                "Effect": "Allow",
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
            }
        )
    return {"Version": VERSION, "Statement": statements}


def queue_policy(queue_arn: str, rule_arn: str, *, sid: str = "RuleDeadLetters") -> dict[str, Any]:
    """Lets the stack's EventBridge rule, and nothing else, send to a queue: the events it
    could not deliver (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html),
    or, as its target, the findings of the digest mode."""
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Sid": sid,
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}},
            }
        ],
    }


def tls_statement(bucket_arn: str) -> dict[str, Any]:
    """Deny every request not sent over TLS
    (https://repost.aws/knowledge-center/s3-bucket-policy-for-config-rule)."""
    return {
        "Sid": TLS_SID,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def merge_tls(
    policy: Mapping[str, Any] | None, bucket_arn: str, enforce: bool
) -> dict[str, Any] | None:
    """``policy`` with our TLS statement put (or taken out); other statements untouched.

    None when no statement is left (the bucket policy is then deleted).
    """
    base = dict(policy or {"Version": VERSION})
    statements = base.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    kept = [s for s in statements if not (isinstance(s, Mapping) and s.get("Sid") == TLS_SID)]
    if enforce:
        kept.append(tls_statement(bucket_arn))
    if not kept:
        return None
    base["Statement"] = kept
    base.setdefault("Version", VERSION)
    return base


def tls_statement_of(policy: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    statements = (policy or {}).get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    return next((s for s in statements if s.get("Sid") == TLS_SID), None)


def event_pattern(
    min_severity: str, include: Sequence[str], exclude: Sequence[str]
) -> dict[str, Any]:
    """The rule's pattern: Macie findings, at or above ``min_severity``, of the types asked.

    Types are matched as prefixes (``Policy:`` or a full type). EventBridge can say "none
    of these prefixes" only for one prefix, so several exclusions stay with the function,
    which applies FINDING_TYPES_EXCLUDE to every event anyway.
    """
    pattern: dict[str, Any] = {"source": ["aws.macie"], "detail-type": ["Macie Finding"]}
    detail: dict[str, Any] = {}
    levels = list(SEVERITIES[SEVERITIES.index(min_severity) :])
    if len(levels) < len(SEVERITIES):
        detail["severity"] = {"description": levels}
    if include:
        detail["type"] = [{"prefix": value} for value in include]
    elif len(exclude) == 1:
        detail["type"] = [{"anything-but": {"prefix": exclude[0]}}]
    if detail:
        pattern["detail"] = detail
    return pattern
