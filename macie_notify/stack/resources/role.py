"""The notifier's IAM execution role: trusts Lambda, one inline least-privilege policy.

IAM answers policy documents URL-encoded; botocore decodes them into dicts, so they are
compared as data.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from macie_notify.stack.model import Action, Observed, Spec
from macie_notify.stack.naming import missing_tags, tag_list, tag_map
from macie_notify.stack.resources.base import Context, tag_reason, unmanaged_reason

if TYPE_CHECKING:
    from mypy_boto3_iam import IAMClient

    from macie_notify.aws import Aws

POLICY_NAME = "notifier"


@dataclass(frozen=True)
class RoleSpec(Spec):
    kind = "iam-role"
    trust: Mapping[str, Any] = field(default_factory=dict)
    policy: Mapping[str, Any] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)


def _doc(value: Any) -> Any:
    if isinstance(value, str):
        return json.loads(unquote(value))
    return value


def observe(aws: Aws, spec: RoleSpec) -> Observed | None:
    iam: IAMClient = aws.client("iam")
    try:
        role = iam.get_role(RoleName=spec.name)["Role"]
    except iam.exceptions.NoSuchEntityException:
        return None
    try:
        inline = _doc(
            iam.get_role_policy(RoleName=spec.name, PolicyName=POLICY_NAME)["PolicyDocument"]
        )
    except iam.exceptions.NoSuchEntityException:
        inline = None
    state = {
        "trust": _doc(role.get("AssumeRolePolicyDocument")),
        "policy": inline,
        "tags": tag_map(role.get("Tags", [])),
    }
    return Observed(id=spec.name, outputs={"arn": str(role["Arn"])}, state=state)


def diff(spec: RoleSpec, observed: Observed | None) -> tuple[Action, list[str]]:
    if observed is None:
        return Action.CREATE, ["does not exist"]
    reasons = []
    if observed.state["trust"] != spec.trust:
        reasons.append("trust policy differs")
    if observed.state["policy"] != spec.policy:
        reasons.append(
            f"inline policy {POLICY_NAME} " + ("differs" if observed.state["policy"] else "missing")
        )
    missing = missing_tags(spec.tags, observed.state["tags"])
    if missing:
        reasons.append(tag_reason(missing))
    return (Action.UPDATE if reasons else Action.NOOP), reasons


def apply(
    ctx: Context, spec: RoleSpec, observed: Observed | None, action: Action
) -> dict[str, str]:
    iam: IAMClient = ctx.aws.client("iam")
    if observed is None:
        arn = iam.create_role(
            RoleName=spec.name,
            AssumeRolePolicyDocument=json.dumps(spec.trust),
            Description="macie-notify notifier function",
            Tags=tag_list(spec.tags),
        )["Role"]["Arn"]
        state: Mapping[str, Any] = {"trust": spec.trust, "policy": None, "tags": spec.tags}
    else:
        arn, state = observed.outputs["arn"], observed.state
    if state["trust"] != spec.trust:
        iam.update_assume_role_policy(RoleName=spec.name, PolicyDocument=json.dumps(spec.trust))
    if state["policy"] != spec.policy:
        iam.put_role_policy(
            RoleName=spec.name, PolicyName=POLICY_NAME, PolicyDocument=json.dumps(spec.policy)
        )
    missing = missing_tags(spec.tags, state["tags"])
    if missing:
        iam.tag_role(RoleName=spec.name, Tags=tag_list(missing))
    return {"arn": str(arn)}


def keep_reason(spec: RoleSpec, observed: Observed, stack: str) -> str | None:
    return unmanaged_reason(observed.state["tags"], stack)


def delete(ctx: Context, spec: RoleSpec, observed: Observed) -> None:
    iam: IAMClient = ctx.aws.client("iam")
    if observed.state["policy"] is not None:
        iam.delete_role_policy(RoleName=spec.name, PolicyName=POLICY_NAME)
    iam.delete_role(RoleName=spec.name)
