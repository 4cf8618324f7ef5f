"""``delivery: digest``: the mapping through which Lambda reads the digest queue.

Identified by (function, queue ARN): both names are the stack's, so the queue's ARN is
computed, not read, and ``observe`` works before the queue exists. The function answers
``batchItemFailures``, so only the undelivered findings of a batch return to the queue.
Lambda checks the role's SQS permissions when the mapping is created; a role updated a
moment ago may not be visible yet, so creation is retried (injected sleep).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from macie_notify.stack.model import Action, Observed, Spec
from macie_notify.stack.resources.base import Context, changed

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

    from macie_notify.aws import Aws

RESPONSE_TYPES = ["ReportBatchItemFailures"]
# Lambda's minimum for ScalingConfig.MaximumConcurrency.
MIN_CONCURRENCY = 2
CREATE_ATTEMPTS = 12
CREATE_DELAY_S = 2.0
# Lambda's wording while the role's new SQS permissions are not yet visible to it.
ROLE_NOT_READY = "execution role does not have permissions"


@dataclass(frozen=True)
class MappingSpec(Spec):
    kind = "event-source-mapping"
    queue_arn: str = ""
    batch_size: int = 100
    window_s: int = 60
    max_concurrency: int = MIN_CONCURRENCY

    def settings(self) -> dict[str, Any]:
        return {
            "BatchSize": self.batch_size,
            "MaximumBatchingWindowInSeconds": self.window_s,
            "ScalingConfig": {"MaximumConcurrency": self.max_concurrency},
            "FunctionResponseTypes": list(RESPONSE_TYPES),
        }


def _list(aws: Aws, function: str, queue_arn: str) -> list[Mapping[str, Any]]:
    lam: LambdaClient = aws.client("lambda")
    try:
        found = lam.list_event_source_mappings(FunctionName=function, EventSourceArn=queue_arn)
    except lam.exceptions.ResourceNotFoundException:
        return []
    return [m for m in found.get("EventSourceMappings", []) if m.get("EventSourceArn") == queue_arn]


def observe(aws: Aws, spec: MappingSpec) -> Observed | None:
    found = _list(aws, spec.name, spec.queue_arn)
    if not found:
        return None
    m = found[0]
    state = {
        "settings": {
            "BatchSize": m.get("BatchSize"),
            "MaximumBatchingWindowInSeconds": m.get("MaximumBatchingWindowInSeconds") or 0,
            "ScalingConfig": {
                "MaximumConcurrency": (m.get("ScalingConfig") or {}).get("MaximumConcurrency")
            },
            "FunctionResponseTypes": list(m.get("FunctionResponseTypes") or []),
        },
        "state": m.get("State"),
    }
    return Observed(id=str(m["UUID"]), outputs={"uuid": str(m["UUID"])}, state=state)


def _reasons(spec: MappingSpec, state: Mapping[str, Any]) -> list[str]:
    have, want = state["settings"], spec.settings()
    reasons = [changed(key, have.get(key), want[key]) for key in want if have.get(key) != want[key]]
    if state.get("state") == "Disabled":
        reasons.append("disabled")
    return reasons


def diff(spec: MappingSpec, observed: Observed | None) -> tuple[Action, list[str]]:
    if observed is None:
        return Action.CREATE, ["does not exist"]
    reasons = _reasons(spec, observed.state)
    return (Action.UPDATE if reasons else Action.NOOP), reasons


def apply(
    ctx: Context, spec: MappingSpec, observed: Observed | None, action: Action
) -> dict[str, str]:
    lam: LambdaClient = ctx.aws.client("lambda")
    if observed is not None:
        lam.update_event_source_mapping(UUID=observed.id, Enabled=True, **spec.settings())
        return dict(observed.outputs)
    attempt = 1
    while True:
        try:
            created = lam.create_event_source_mapping(
                FunctionName=spec.name,
                EventSourceArn=spec.queue_arn,
                Enabled=True,
                **spec.settings(),
            )
            return {"uuid": str(created["UUID"])}
        except lam.exceptions.InvalidParameterValueException as exc:
            message = str(exc.response.get("Error", {}).get("Message", ""))
            if ROLE_NOT_READY not in message or attempt >= CREATE_ATTEMPTS:
                raise
        ctx.sleep(CREATE_DELAY_S)
        attempt += 1


def keep_reason(spec: MappingSpec, observed: Observed, stack: str) -> str | None:
    # It joins the stack's own function to the stack's own queue: nothing else's.
    return None


def delete(ctx: Context, spec: MappingSpec, observed: Observed) -> None:
    ctx.aws.client("lambda").delete_event_source_mapping(UUID=observed.id)
