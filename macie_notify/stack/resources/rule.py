"""The EventBridge rule for Macie findings, its target (the function, with a retry policy
and the dead-letter queue) and the function's permission for that rule.

PutRule and PutTargets are idempotent. Whether the permission exists is read from the
function's policy (GetPolicy), never inferred from AddPermission's conflict error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from macie_notify.stack.model import Action, Observed, Ref, Spec
from macie_notify.stack.naming import missing_tags, tag_list, tag_map
from macie_notify.stack.resources.base import Context, tag_reason, unmanaged_reason

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_events.type_defs import TargetTypeDef
    from mypy_boto3_lambda import LambdaClient

    from macie_notify.aws import Aws

TARGET_ID = "notifier"
RETRY_POLICY = {"MaximumRetryAttempts": 185, "MaximumEventAgeInSeconds": 86400}


@dataclass(frozen=True)
class RuleSpec(Spec):
    kind = "eventbridge-rule"
    arn: str = ""
    pattern: Mapping[str, Any] = field(default_factory=dict)
    function_name: str = ""
    function_arn: str | Ref = ""
    dlq_arn: str | Ref | None = None
    # delivery: digest: the target is this queue, and the function needs no permission.
    queue_arn: str | Ref | None = None
    description: str = "Amazon Macie findings to the macie-notify notifier"
    tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def statement_id(self) -> str:
        return f"{self.name}-invoke"

    def target(self) -> dict[str, Any]:
        target: dict[str, Any] = {
            "Id": TARGET_ID,
            "Arn": self.function_arn if self.queue_arn is None else self.queue_arn,
            "RetryPolicy": dict(RETRY_POLICY),
        }
        if self.dlq_arn is not None:
            target["DeadLetterConfig"] = {"Arn": self.dlq_arn}
        return target


def observe(aws: Aws, spec: RuleSpec) -> Observed | None:
    events: EventBridgeClient = aws.client("events")
    try:
        rule = events.describe_rule(Name=spec.name)
    except events.exceptions.ResourceNotFoundException:
        return None
    targets = events.list_targets_by_rule(Rule=spec.name).get("Targets", [])
    tags = events.list_tags_for_resource(ResourceARN=rule["Arn"]).get("Tags", [])
    state = {
        "pattern": json.loads(rule.get("EventPattern") or "{}"),
        "enabled": rule.get("State") == "ENABLED",
        "description": rule.get("Description", ""),
        "target": next((t for t in targets if t.get("Id") == TARGET_ID), None),
        "permission": _permission(aws, spec),
        "tags": tag_map(tags),
    }
    return Observed(id=str(rule["Arn"]), outputs={"arn": str(rule["Arn"])}, state=state)


def _permission(aws: Aws, spec: RuleSpec) -> dict[str, Any] | None:
    """Our statement in the function's resource policy, if any."""
    lam: LambdaClient = aws.client("lambda")
    try:
        policy = json.loads(lam.get_policy(FunctionName=spec.function_name)["Policy"])
    except lam.exceptions.ResourceNotFoundException:
        return None
    for statement in policy.get("Statement", []):
        if statement.get("Sid") == spec.statement_id:
            return dict(statement)
    return None


def _permission_ok(spec: RuleSpec, statement: Mapping[str, Any] | None) -> bool:
    if statement is None:
        return False
    condition = statement.get("Condition", {}).get("ArnLike", {})
    principal = statement.get("Principal", {})
    return (
        condition.get("AWS:SourceArn") == spec.arn
        and (principal.get("Service") if isinstance(principal, Mapping) else principal)
        == "events.amazonaws.com"
    )


def _target_ok(spec: RuleSpec, target: Mapping[str, Any] | None) -> bool:
    if target is None:
        return False
    want = spec.target()
    return all(target.get(k) == v for k, v in want.items())


def _reasons(spec: RuleSpec, s: Mapping[str, Any]) -> dict[str, str]:
    out = {}
    if s["pattern"] != spec.pattern or not s["enabled"] or s["description"] != spec.description:
        out["rule"] = "event pattern, state or description differs"
    if not _target_ok(spec, s["target"]):
        out["target"] = _target_reason(spec, s["target"])
    if spec.queue_arn is not None:
        if s["permission"] is not None:
            out["permission"] = "invoke permission no longer needed (delivery: digest)"
    elif not _permission_ok(spec, s["permission"]):
        out["permission"] = "invoke permission " + (
            "has another SourceArn" if s["permission"] else "missing"
        )
    missing = missing_tags(spec.tags, s["tags"])
    if missing:
        out["tags"] = tag_reason(missing)
    return out


def _target_reason(spec: RuleSpec, target: Mapping[str, Any] | None) -> str:
    if target is None:
        return "target missing"
    was_queue = ":sqs:" in str(target.get("Arn", ""))
    if was_queue != (spec.queue_arn is not None):
        return (
            "target: the function -> the digest queue (delivery: digest)"
            if spec.queue_arn is not None
            else "target: the digest queue -> the function (delivery: direct)"
        )
    return "target differs"


def diff(spec: RuleSpec, observed: Observed | None) -> tuple[Action, list[str]]:
    if observed is None:
        return Action.CREATE, ["does not exist"]
    reasons = list(_reasons(spec, observed.state).values())
    return (Action.UPDATE if reasons else Action.NOOP), reasons


def apply(
    ctx: Context, spec: RuleSpec, observed: Observed | None, action: Action
) -> dict[str, str]:
    events: EventBridgeClient = ctx.aws.client("events")
    lam: LambdaClient = ctx.aws.client("lambda")
    todo = (
        {"rule": "", "target": "", "permission": "", "tags": ""}
        if observed is None
        else _reasons(spec, observed.state)
    )
    if "rule" in todo:
        params: dict[str, Any] = {
            "Name": spec.name,
            "EventPattern": json.dumps(spec.pattern),
            "State": "ENABLED",
            "Description": spec.description,
        }
        if observed is None:
            params["Tags"] = tag_list(spec.tags)
        events.put_rule(**params)
    if "target" in todo:
        result = events.put_targets(Rule=spec.name, Targets=[cast("TargetTypeDef", spec.target())])
        if result.get("FailedEntryCount"):
            entry = result["FailedEntries"][0]
            raise RuntimeError(f"PutTargets: {entry.get('ErrorCode')}: {entry.get('ErrorMessage')}")
    if "permission" in todo:
        if observed is not None and observed.state["permission"] is not None:
            lam.remove_permission(FunctionName=spec.function_name, StatementId=spec.statement_id)
    if "permission" in todo and spec.queue_arn is None:
        lam.add_permission(
            FunctionName=spec.function_name,
            StatementId=spec.statement_id,
            Action="lambda:InvokeFunction",
            Principal="events.amazonaws.com",
            SourceArn=spec.arn,
        )
    if observed is not None and "tags" in todo:
        events.tag_resource(
            ResourceARN=spec.arn, Tags=tag_list(missing_tags(spec.tags, observed.state["tags"]))
        )
    return {"arn": spec.arn}


def keep_reason(spec: RuleSpec, observed: Observed, stack: str) -> str | None:
    return unmanaged_reason(observed.state["tags"], stack)


def delete(ctx: Context, spec: RuleSpec, observed: Observed) -> None:
    events: EventBridgeClient = ctx.aws.client("events")
    if observed.state["target"] is not None:
        events.remove_targets(Rule=spec.name, Ids=[TARGET_ID])
    events.delete_rule(Name=spec.name)
