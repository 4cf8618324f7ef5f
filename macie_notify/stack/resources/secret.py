"""The Secrets Manager secret holding the Slack bot token or webhook URL.

The value comes from the environment variable the config names. It is compared with
GetSecretValue and written only when it differs; it never appears in a plan, a reason,
a log line or an error (the spec's field is excluded from its repr).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from macie_notify.errors import UsageError
from macie_notify.stack.model import Action, Observed, Spec
from macie_notify.stack.naming import missing_tags, tag_list, tag_map
from macie_notify.stack.resources.base import Context, tag_reason, unmanaged_reason

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_secretsmanager.type_defs import TagTypeDef

    from macie_notify.aws import Aws


@dataclass(frozen=True)
class SecretSpec(Spec):
    kind = "secret"
    value: str | None = field(default=None, repr=False, compare=False)
    env_name: str = ""
    what: str = "Slack bot token"
    tags: Mapping[str, str] = field(default_factory=dict)


def observe(aws: Aws, spec: SecretSpec) -> Observed | None:
    secrets: SecretsManagerClient = aws.client("secretsmanager")
    try:
        described = secrets.describe_secret(SecretId=spec.name)
    except secrets.exceptions.ResourceNotFoundException:
        return None
    state: dict[str, object] = {
        "tags": tag_map(described.get("Tags", [])),
        "deleted": described.get("DeletedDate") is not None,
        "same_value": None,
    }
    if spec.value is not None and not state["deleted"]:
        try:
            current = secrets.get_secret_value(SecretId=spec.name).get("SecretString")
        except secrets.exceptions.ResourceNotFoundException:  # no version yet
            current = None
        state["same_value"] = current == spec.value
    arn = str(described["ARN"])
    return Observed(id=arn, outputs={"arn": arn}, state=state)


def diff(spec: SecretSpec, observed: Observed | None) -> tuple[Action, list[str]]:
    if observed is None:
        if spec.value is None:
            raise UsageError(
                f"the secret {spec.name} must be created, but ${spec.env_name} is not set",
                f"export {spec.env_name}=... (the {spec.what}) and run again",
            )
        return Action.CREATE, ["does not exist"]
    s = observed.state
    reasons = []
    if s["deleted"]:
        reasons.append("scheduled for deletion: restore it")
    if s["same_value"] is False:
        reasons.append(f"value differs from ${spec.env_name}")
    missing = missing_tags(spec.tags, s["tags"])
    if missing:
        reasons.append(tag_reason(missing))
    return (Action.UPDATE if reasons else Action.NOOP), reasons


def apply(
    ctx: Context, spec: SecretSpec, observed: Observed | None, action: Action
) -> dict[str, str]:
    secrets: SecretsManagerClient = ctx.aws.client("secretsmanager")
    if observed is None:
        # diff refused a secret to create without a value, so there is one here.
        assert spec.value is not None
        created = secrets.create_secret(
            Name=spec.name,
            SecretString=spec.value,
            Description=f"{spec.what} for the macie-notify notifier",
            Tags=_tags(spec.tags),
        )
        return {"arn": str(created["ARN"])}
    s = observed.state
    if s["deleted"]:
        secrets.restore_secret(SecretId=spec.name)
    if spec.value is not None and (s["same_value"] is False or s["deleted"]):
        secrets.put_secret_value(SecretId=spec.name, SecretString=spec.value)
    missing = missing_tags(spec.tags, s["tags"])
    if missing:
        secrets.tag_resource(SecretId=spec.name, Tags=_tags(missing))
    return dict(observed.outputs)


def _tags(tags: Mapping[str, str]) -> list[TagTypeDef]:
    # Secrets Manager types Key and Value as optional; the shared list has both, which fits.
    return cast("list[TagTypeDef]", tag_list(tags))


def keep_reason(spec: SecretSpec, observed: Observed, stack: str) -> str | None:
    if observed.state["deleted"]:
        return "kept: already scheduled for deletion"
    return unmanaged_reason(observed.state["tags"], stack)


def delete(ctx: Context, spec: SecretSpec, observed: Observed) -> None:
    # Without the recovery window, so that a setup right after a teardown can reuse the name.
    ctx.aws.client("secretsmanager").delete_secret(
        SecretId=spec.name, ForceDeleteWithoutRecovery=True
    )
