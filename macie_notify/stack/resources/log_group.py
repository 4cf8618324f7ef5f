"""The function's CloudWatch Logs group, created before the function so that its
retention (and tags) apply from the first invocation; Lambda would otherwise create it
with no retention at all."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from macie_notify.stack.model import Action, Observed, Spec
from macie_notify.stack.naming import missing_tags
from macie_notify.stack.resources.base import Context, changed, tag_reason, unmanaged_reason

if TYPE_CHECKING:
    from mypy_boto3_logs import CloudWatchLogsClient

    from macie_notify.aws import Aws


@dataclass(frozen=True)
class LogGroupSpec(Spec):
    kind = "log-group"
    retention_days: int = 30
    tags: Mapping[str, str] = field(default_factory=dict)


def observe(aws: Aws, spec: LogGroupSpec) -> Observed | None:
    logs: CloudWatchLogsClient = aws.client("logs")
    groups = logs.describe_log_groups(logGroupNamePrefix=spec.name).get("logGroups", [])
    group = next((g for g in groups if g.get("logGroupName") == spec.name), None)
    if group is None:
        return None
    tags = logs.list_tags_log_group(logGroupName=spec.name).get("tags", {})
    arn = str(group.get("arn", "")).removesuffix(":*")
    state = {"retention": group.get("retentionInDays"), "tags": tags}
    return Observed(id=spec.name, outputs={"arn": arn}, state=state)


def diff(spec: LogGroupSpec, observed: Observed | None) -> tuple[Action, list[str]]:
    if observed is None:
        return Action.CREATE, ["does not exist"]
    reasons = []
    if observed.state["retention"] != spec.retention_days:
        reasons.append(changed("retention days", observed.state["retention"], spec.retention_days))
    missing = missing_tags(spec.tags, observed.state["tags"])
    if missing:
        reasons.append(tag_reason(missing))
    return (Action.UPDATE if reasons else Action.NOOP), reasons


def apply(
    ctx: Context, spec: LogGroupSpec, observed: Observed | None, action: Action
) -> dict[str, str]:
    logs: CloudWatchLogsClient = ctx.aws.client("logs")
    if observed is None:
        logs.create_log_group(logGroupName=spec.name, tags=dict(spec.tags))
    if observed is None or observed.state["retention"] != spec.retention_days:
        logs.put_retention_policy(logGroupName=spec.name, retentionInDays=spec.retention_days)
    if observed is not None:
        missing = missing_tags(spec.tags, observed.state["tags"])
        if missing:
            logs.tag_log_group(logGroupName=spec.name, tags=missing)
    return {"name": spec.name}


def keep_reason(spec: LogGroupSpec, observed: Observed, stack: str) -> str | None:
    return unmanaged_reason(observed.state["tags"], stack)


def delete(ctx: Context, spec: LogGroupSpec, observed: Observed) -> None:
    ctx.aws.client("logs").delete_log_group(logGroupName=spec.name)
