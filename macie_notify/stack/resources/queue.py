"""The encrypted SQS dead-letter queue for events the notifier could not deliver.

Used twice: as the function's on-failure destination (through its role) and as the
rule target's dead-letter queue (through the queue policy naming the rule).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from macie_notify.stack.model import Action, Observed, Spec
from macie_notify.stack.naming import missing_tags
from macie_notify.stack.resources.base import Context, tag_reason, unmanaged_reason

if TYPE_CHECKING:
    from macie_notify.aws import Aws

RETENTION_S = 1_209_600  # 14 days, SQS's maximum: time to notice and `notify replay`


@dataclass(frozen=True)
class QueueSpec(Spec):
    kind = "dead-letter-queue"
    policy: Mapping[str, Any] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)

    def attributes(self) -> dict[str, str]:
        return {
            "SqsManagedSseEnabled": "true",
            "MessageRetentionPeriod": str(RETENTION_S),
            "Policy": json.dumps(self.policy, sort_keys=True),
        }


def observe(aws: Aws, spec: QueueSpec) -> Observed | None:
    sqs = aws.client("sqs")
    try:
        url = sqs.get_queue_url(QueueName=spec.name)["QueueUrl"]
    except sqs.exceptions.QueueDoesNotExist:
        return None
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    tags = sqs.list_queue_tags(QueueUrl=url).get("Tags", {})
    arn = str(attrs["QueueArn"])
    return Observed(id=url, outputs={"arn": arn, "url": url}, state={"attrs": attrs, "tags": tags})


# Attributes SQS returns as JSON text: compared as documents, not as strings.
_JSON_ATTRS = ("Policy", "RedrivePolicy")


def _document(text: str | None) -> Any:
    if not text:
        return None
    try:
        doc = json.loads(text)
    except ValueError:
        return text
    if isinstance(doc, dict) and "maxReceiveCount" in doc:  # SQS may return it as text
        doc["maxReceiveCount"] = int(doc["maxReceiveCount"])
    return doc


def _attr_diff(spec: QueueSpec, attrs: Mapping[str, str]) -> dict[str, str]:
    """The attributes to set: what the spec wants and the queue does not have."""
    out = {}
    for key, want in spec.attributes().items():
        have = attrs.get(key)
        if key in _JSON_ATTRS:
            if _document(have) != _document(want):
                out[key] = want
        elif str(have).lower() != want.lower():
            out[key] = want
    return out


def diff(spec: QueueSpec, observed: Observed | None) -> tuple[Action, list[str]]:
    if observed is None:
        return Action.CREATE, ["does not exist"]
    reasons = [f"{key} differs" for key in _attr_diff(spec, observed.state["attrs"])]
    missing = missing_tags(spec.tags, observed.state["tags"])
    if missing:
        reasons.append(tag_reason(missing))
    return (Action.UPDATE if reasons else Action.NOOP), reasons


def apply(
    ctx: Context, spec: QueueSpec, observed: Observed | None, action: Action
) -> dict[str, str]:
    sqs = ctx.aws.client("sqs")
    if observed is None:
        url = sqs.create_queue(
            QueueName=spec.name, Attributes=spec.attributes(), tags=dict(spec.tags)
        )["QueueUrl"]
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        return {"arn": str(attrs["Attributes"]["QueueArn"]), "url": str(url)}
    url = observed.id
    changes = _attr_diff(spec, observed.state["attrs"])
    if changes:
        sqs.set_queue_attributes(QueueUrl=url, Attributes=changes)
    missing = missing_tags(spec.tags, observed.state["tags"])
    if missing:
        sqs.tag_queue(QueueUrl=url, Tags=missing)
    return dict(observed.outputs)


def keep_reason(spec: QueueSpec, observed: Observed, stack: str) -> str | None:
    return unmanaged_reason(observed.state["tags"], stack)


def delete(ctx: Context, spec: QueueSpec, observed: Observed) -> None:
    ctx.aws.client("sqs").delete_queue(QueueUrl=observed.id)
