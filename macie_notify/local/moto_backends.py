"""The local parts' view of moto's in-process backends: rules, functions, queues, logs.

One :class:`MotoBackends` serves the event router
(:class:`~macie_notify.local.events.router.Resources`), the Lambda runner (queues, logs),
Invoke (function lookup) and the job runner (logs).
Reading moto's backends is the only way to get a function's zip bytes (GetFunction only
returns a URL into S3 that moto does not serve), and it avoids signing requests to
ourselves. moto imports stay inside the methods, so importing this module is cheap.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fnmatch
import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from macie_notify.local.events.rules import RuleInfo, TargetError, TargetInfo
from macie_notify.local.lambda_.runner import FunctionSpec
from macie_notify.local.sqs_lock import moto_sqs

__all__ = ["MotoBackends", "secure_transport"]

# Whether the request moto is answering on this thread came over a secure transport.
_transport = threading.local()
_patch_lock = threading.Lock()
_patched: list[bool] = []  # non-empty once moto's bucket policy check knows the key


class MotoBackends:
    """moto's S3-less services as the local parts need them (thread-safe as moto is)."""

    def reset(self) -> None:
        """Forget every moto resource (process-wide: moto's backends are shared)."""
        from moto.moto_api._internal.models import moto_api_backend

        with moto_sqs():  # not under a receive or a delete of the queues it drops
            moto_api_backend.reset()

    def rules(self, account_id: str, region: str) -> list[RuleInfo]:
        from moto.events.models import events_backends

        backend = events_backends[account_id][region]
        bus = backend.event_buses.get("default")
        if bus is None:
            return []
        out = []
        for rule in list(bus.rules.values()):
            targets = tuple(TargetInfo.from_api(t) for t in list(rule.targets))
            out.append(
                RuleInfo(rule.name, rule.arn, rule.event_pattern.dump(), rule.state, targets)
            )
        return out

    def _lambda(self, arn: str) -> Any:
        parts = arn.split(":")
        return _moto_function(parts[4], parts[3], parts[6], None)

    def function(self, arn: str) -> FunctionSpec | None:
        """The function an ARN names (a qualified ARN: that version or alias)."""
        parts = arn.split(":")
        qualifier = parts[7] if len(parts) > 7 else None
        return self.function_named(parts[4], parts[3], parts[6], qualifier)

    def function_named(
        self, account: str, region: str, name: str, qualifier: str | None
    ) -> FunctionSpec | None:
        """The function (version, alias target) as moto stores it, or None when unknown."""
        fn = _moto_function(account, region, name, qualifier)
        latest = _moto_function(account, region, name, None)
        if fn is None or latest is None:
            return None
        # The event invoke config belongs to the function, not to a version.
        invoke = latest.event_invoke_config[0].config if latest.event_invoke_config else None
        config = dict(fn.get_configuration())
        # moto keeps no DeadLetterConfig; a wrapper may attach one as an attribute.
        dead_letter = getattr(fn, "dead_letter_config", None)
        if dead_letter:
            config["DeadLetterConfig"] = dead_letter
        spec = FunctionSpec.from_configuration(config, bytes(fn.code_bytes), invoke)
        # A version's ARN carries its number; the runner appends the version itself.
        base = spec.arn.split(":function:")[0] + f":function:{spec.name}"
        reserved = getattr(latest, "reserved_concurrency", None)
        return dataclasses.replace(
            spec, arn=base, reserved_concurrency=int(reserved) if reserved else None
        )

    def lambda_allows(self, function_arn: str, rule_arn: str) -> bool:
        fn = self._lambda(function_arn)
        statements = list(fn.policy.statements) if fn is not None else []
        return any(_allows_events(s, rule_arn) for s in statements)

    def send_message(self, queue_arn: str, body: str, attributes: Mapping[str, str]) -> None:
        from moto.sqs.models import sqs_backends

        parts = queue_arn.split(":")
        attrs = {k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()}
        # Under the SQS lock: the poller and the server's requests change the same queue.
        with moto_sqs():
            backend = sqs_backends[parts[4]][parts[3]]
            if parts[5] not in backend.queues:
                raise TargetError(
                    "ResourceNotFoundException", f"Queue not found: {queue_arn}", False
                )
            backend.send_message(parts[5], body, message_attributes=attrs or None)

    def put_log_events(
        self, group_arn: str, stream: str, events: Sequence[tuple[int, str]]
    ) -> None:
        from moto.logs.models import logs_backends

        parts = group_arn.split(":")
        name = group_arn.split(":log-group:", 1)[-1].removesuffix(":*")
        backend = logs_backends[parts[4]][parts[3]]
        if name not in backend.groups:
            if not name.startswith(("/aws/lambda/", "/aws/macie/")):
                raise TargetError(
                    "ResourceNotFoundException", f"Log group not found: {name}", False
                )
            # Lambda (and Macie) create their own log group on first use.
            backend.create_log_group(name, {})
        if stream not in backend.groups[name].streams:
            backend.create_log_stream(name, stream)
        items = [{"timestamp": ts, "message": message} for ts, message in events]
        backend.put_log_events(name, stream, items)


def _moto_function(account: str, region: str, name: str, qualifier: str | None) -> Any:
    from moto.awslambda.models import lambda_backends

    try:
        return lambda_backends[account][region].get_function(name, qualifier)
    except Exception:  # moto's UnknownFunctionException and friends
        return None


def _allows_events(statement: Mapping[str, Any], rule_arn: str) -> bool:
    principal = statement.get("Principal")
    service = principal.get("Service") if isinstance(principal, Mapping) else principal
    actions = statement.get("Action")
    actions = [actions] if isinstance(actions, str) else list(actions or [])
    if statement.get("Effect") != "Allow" or service not in ("events.amazonaws.com", "*"):
        return False
    if not any(a in ("lambda:InvokeFunction", "lambda:*", "*") for a in actions):
        return False
    for values in (statement.get("Condition") or {}).values():
        source = values.get("AWS:SourceArn") or values.get("aws:SourceArn")
        if source and not fnmatch.fnmatchcase(rule_arn, str(source)):
            return False
    return True


# --- aws:SecureTransport in bucket policies ------------------------------------------------


@contextlib.contextmanager
def secure_transport(secure: bool) -> Iterator[None]:
    """Bucket policies see ``aws:SecureTransport`` = ``secure`` for moto calls in this block.

    The local endpoint speaks plain HTTP on loopback, where nothing can listen in, so its
    server treats loopback requests as secure: a TLS-only bucket policy (Deny when
    ``aws:SecureTransport`` is false) then denies nothing, as on AWS over HTTPS.
    """
    _evaluate_secure_transport()
    previous = getattr(_transport, "secure", None)
    _transport.secure = secure
    try:
        yield
    finally:
        _transport.secure = previous


def _evaluate_secure_transport() -> None:
    """Teach moto's bucket policy check the one condition key it needs here (once).

    moto ignores a statement's conditions, so a Deny conditioned on
    ``aws:SecureTransport`` false denies every call. Inside :func:`secure_transport` the
    key has a value: statements whose SecureTransport condition cannot hold are dropped and
    conditions that hold are removed; elsewhere (moto used in-process) nothing changes.
    """
    if _patched:
        return
    from moto.s3.models import FakeBucket

    with _patch_lock:
        original = FakeBucket.get_permission
        if getattr(original, "secure_transport_aware", False):
            _patched.append(True)
            return

        def get_permission(bucket: Any, action: str, resource: str) -> Any:
            secure = getattr(_transport, "secure", None)
            if secure is None or bucket.policy is None:
                return original(bucket, action, resource)
            from moto.iam.access_control import IAMPolicy

            policy = json.loads(bucket.policy)
            policy["Statement"] = [
                statement
                for statement in _as_list(policy.get("Statement"))
                if _resolve_secure_transport(statement, secure)
            ]
            return IAMPolicy(json.dumps(policy)).is_action_permitted(action, resource)

        get_permission.secure_transport_aware = True  # type: ignore[attr-defined]
        setattr(FakeBucket, "get_permission", get_permission)  # noqa: B010 (a method, typed)
        _patched.append(True)


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value] if value else []


def _resolve_secure_transport(statement: dict[str, Any], secure: bool) -> bool:
    """False when the statement cannot apply; drops the SecureTransport test when it holds."""
    conditions = statement.get("Condition")
    if not isinstance(conditions, dict):
        return True
    for operator, tests in list(conditions.items()):
        if operator not in ("Bool", "BoolIfExists") or not isinstance(tests, dict):
            continue
        for key in [k for k in tests if k.lower() == "aws:securetransport"]:
            wanted = {str(v).lower() for v in _as_list(tests[key])}
            if str(secure).lower() not in wanted:
                return False
            del tests[key]
        if not tests:
            del conditions[operator]
    if not conditions:
        del statement["Condition"]
    return True
