"""The notifier Lambda function, its code, configuration and asynchronous-invoke settings.

Code is uploaded only when the local zip's SHA-256 differs from the function's
CodeSha256, configuration only when a setting differs. A role created a moment ago is
not yet visible to Lambda (IAM is eventually consistent): CreateFunction is retried,
with the injected sleep, while Lambda says it cannot assume the role.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from macie_notify.errors import AwsError, UsageError
from macie_notify.stack.model import Action, Observed, Ref, Spec
from macie_notify.stack.naming import missing_tags
from macie_notify.stack.resources.base import Context, changed, tag_reason, unmanaged_reason

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

    from macie_notify.aws import Aws

# Lambda's wording for a role it cannot assume yet; the documented retry condition
# (https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-deployment.html).
IAM_PROPAGATION = "The role defined for the function cannot be assumed by Lambda"
CREATE_ATTEMPTS = 12
CREATE_DELAY_S = 2.0
SETTLE_POLLS = 60
SETTLE_DELAY_S = 1.0


@dataclass(frozen=True)
class FunctionSpec(Spec):
    kind = "lambda-function"
    role_arn: str | Ref = ""
    runtime: str = "python3.12"
    handler: str = ""
    timeout_s: int = 30
    memory_mb: int = 128
    # Holds SLACK_BOT_TOKEN in token_store: env mode: never shown (reasons name keys only).
    environment: Mapping[str, str | Ref] = field(default_factory=dict, repr=False)
    # Variables whose value this run does not know (a token from an unset environment
    # variable, token_store: env): the deployed value is kept, never wiped.
    keep_environment: tuple[str, ...] = ()
    code_sha256: str = ""
    dlq_arn: str | Ref | None = None
    max_retries: int = 2
    max_event_age_s: int = 3600
    # Caps how many copies post to Slack at once; a burst waits in Lambda's async queue
    # (up to max_event_age_s, then the on-failure queue). None: no reservation.
    reserved_concurrency: int | None = None
    description: str = "Posts Amazon Macie findings to Slack (macie-notify)"
    tags: Mapping[str, str] = field(default_factory=dict)

    def configuration(self) -> dict[str, Any]:
        return {
            "Runtime": self.runtime,
            "Role": self.role_arn,
            "Handler": self.handler,
            "Timeout": self.timeout_s,
            "MemorySize": self.memory_mb,
            "Description": self.description,
            "Environment": {"Variables": dict(self.environment)},
        }

    def invoke_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {
            "MaximumRetryAttempts": self.max_retries,
            "MaximumEventAgeInSeconds": self.max_event_age_s,
        }
        if self.dlq_arn is not None:
            config["DestinationConfig"] = {"OnFailure": {"Destination": self.dlq_arn}}
        return config


def observe(aws: Aws, spec: FunctionSpec) -> Observed | None:
    lam: LambdaClient = aws.client("lambda")
    try:
        found = lam.get_function(FunctionName=spec.name)
    except lam.exceptions.ResourceNotFoundException:
        return None
    conf = found["Configuration"]
    try:
        invoke: Mapping[str, Any] = lam.get_function_event_invoke_config(FunctionName=spec.name)
    except lam.exceptions.ResourceNotFoundException:
        invoke = {}
    state = {
        "config": {
            "Runtime": conf.get("Runtime"),
            "Role": conf.get("Role"),
            "Handler": conf.get("Handler"),
            "Timeout": conf.get("Timeout"),
            "MemorySize": conf.get("MemorySize"),
            "Description": conf.get("Description", ""),
            "Environment": {
                "Variables": dict((conf.get("Environment") or {}).get("Variables") or {})
            },
        },
        "code_sha256": conf.get("CodeSha256"),
        "invoke": _invoke_view(invoke),
        "concurrency": (found.get("Concurrency") or {}).get("ReservedConcurrentExecutions"),
        "tags": dict(found.get("Tags") or {}),
    }
    arn = str(conf["FunctionArn"])
    return Observed(id=arn, outputs={"arn": arn}, state=state)


def _invoke_view(invoke: Mapping[str, Any]) -> dict[str, Any]:
    view: dict[str, Any] = {
        "MaximumRetryAttempts": invoke.get("MaximumRetryAttempts"),
        "MaximumEventAgeInSeconds": invoke.get("MaximumEventAgeInSeconds"),
    }
    destination = ((invoke.get("DestinationConfig") or {}).get("OnFailure") or {}).get(
        "Destination"
    )
    if destination:
        view["DestinationConfig"] = {"OnFailure": {"Destination": destination}}
    return view


def _settled(spec: FunctionSpec, have: Mapping[str, Any]) -> FunctionSpec:
    """``spec`` with the deployed values of ``keep_environment`` filled in."""
    deployed = have["Environment"]["Variables"]
    kept = {k: deployed[k] for k in spec.keep_environment if k in deployed}
    if not kept:
        return spec
    return replace(spec, environment={**spec.environment, **kept})


def _config_reasons(spec: FunctionSpec, have: Mapping[str, Any]) -> list[str]:
    want = _settled(spec, have).configuration()
    reasons = []
    for key in ("Runtime", "Role", "Handler", "Timeout", "MemorySize", "Description"):
        if have.get(key) != want[key]:
            reasons.append(changed(key, have.get(key), want[key]))
    want_env = want["Environment"]["Variables"]
    have_env = have["Environment"]["Variables"]
    if want_env != have_env:
        # Names only: values may be a token (token_store: env).
        keys = sorted(k for k in {*want_env, *have_env} if want_env.get(k) != have_env.get(k))
        reasons.append("environment: " + ", ".join(keys) + " differ")
    return reasons


def diff(spec: FunctionSpec, observed: Observed | None) -> tuple[Action, list[str]]:
    if observed is None:
        if spec.keep_environment:
            variable = spec.keep_environment[0]
            raise UsageError(
                f"the function {spec.name} must be created, but ${variable} is not set",
                f"export {variable}=... (token_store: env puts it in the function's "
                "environment) and run again",
            )
        return Action.CREATE, ["does not exist"]
    s = observed.state
    reasons = []
    if s["code_sha256"] != spec.code_sha256:
        reasons.append(changed("code sha256", s["code_sha256"], spec.code_sha256))
    reasons += _config_reasons(spec, s["config"])
    if s["invoke"] != spec.invoke_config():
        reasons.append("async invoke settings (retries, event age, on-failure queue) differ")
    if _concurrency_differs(spec, s):
        reasons.append(
            changed("reserved concurrency", s.get("concurrency"), spec.reserved_concurrency)
        )
    missing = missing_tags(spec.tags, s["tags"])
    if missing:
        reasons.append(tag_reason(missing))
    return (Action.UPDATE if reasons else Action.NOOP), reasons


def apply(
    ctx: Context, spec: FunctionSpec, observed: Observed | None, action: Action
) -> dict[str, str]:
    lam: LambdaClient = ctx.aws.client("lambda")
    if observed is None:
        arn = _create(ctx, spec)
        lam.put_function_event_invoke_config(FunctionName=spec.name, **spec.invoke_config())
        if spec.reserved_concurrency is not None:
            _put_concurrency(ctx, spec)
        return {"arn": arn}
    s = observed.state
    if s["code_sha256"] != spec.code_sha256:
        lam.update_function_code(FunctionName=spec.name, ZipFile=ctx.zip_bytes())
        _settle(ctx, spec.name)
    if _config_reasons(spec, s["config"]):
        configuration = _settled(spec, s["config"]).configuration()
        lam.update_function_configuration(FunctionName=spec.name, **configuration)
        _settle(ctx, spec.name)
    if s["invoke"] != spec.invoke_config():
        lam.put_function_event_invoke_config(FunctionName=spec.name, **spec.invoke_config())
    if _concurrency_differs(spec, s):
        _put_concurrency(ctx, spec)
    missing = missing_tags(spec.tags, s["tags"])
    if missing:
        lam.tag_resource(Resource=observed.id, Tags=missing)
    return dict(observed.outputs)


def _concurrency_differs(spec: FunctionSpec, state: Mapping[str, Any]) -> bool:
    return state.get("concurrency") != spec.reserved_concurrency


def _put_concurrency(ctx: Context, spec: FunctionSpec) -> None:
    lam: LambdaClient = ctx.aws.client("lambda")
    if spec.reserved_concurrency is None:
        lam.delete_function_concurrency(FunctionName=spec.name)
    else:
        lam.put_function_concurrency(
            FunctionName=spec.name, ReservedConcurrentExecutions=spec.reserved_concurrency
        )


def _create(ctx: Context, spec: FunctionSpec) -> str:
    lam: LambdaClient = ctx.aws.client("lambda")
    attempt = 1
    while True:
        try:
            created = lam.create_function(
                FunctionName=spec.name,
                Code={"ZipFile": ctx.zip_bytes()},
                Publish=False,
                Tags=dict(spec.tags),
                **spec.configuration(),
            )
            return str(created["FunctionArn"])
        except lam.exceptions.InvalidParameterValueException as exc:
            message = str(exc.response.get("Error", {}).get("Message", ""))
            if IAM_PROPAGATION not in message or attempt >= CREATE_ATTEMPTS:
                raise
        ctx.sleep(CREATE_DELAY_S)
        attempt += 1


def _settle(ctx: Context, name: str) -> None:
    """Wait until an update is applied: Lambda refuses the next one while it is InProgress."""
    lam: LambdaClient = ctx.aws.client("lambda")
    for _ in range(SETTLE_POLLS):
        conf = lam.get_function_configuration(FunctionName=name)
        if conf.get("LastUpdateStatus", "Successful") != "InProgress":
            if conf.get("LastUpdateStatus") == "Failed":
                raise AwsError(
                    f"Lambda could not apply the update to {name}: "
                    f"{conf.get('LastUpdateStatusReason', 'no reason given')}"
                )
            return
        ctx.sleep(SETTLE_DELAY_S)
    raise AwsError(f"Lambda function {name} is still updating", "run setup again in a minute")


def keep_reason(spec: FunctionSpec, observed: Observed, stack: str) -> str | None:
    return unmanaged_reason(observed.state["tags"], stack)


def delete(ctx: Context, spec: FunctionSpec, observed: Observed) -> None:
    # Deletes its event-invoke config and resource policy with it.
    ctx.aws.client("lambda").delete_function(FunctionName=spec.name)
