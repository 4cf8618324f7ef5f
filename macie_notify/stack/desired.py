"""Config -> the ordered list of resource specs (pure: no AWS call, no clock).

The order is the dependency order, written out rather than discovered; references
(:class:`Ref`) and ``after`` give the executor the edges it may run around.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field

from macie_notify.config import Config
from macie_notify.packaging import HANDLER
from macie_notify.stack.model import Ref, Spec
from macie_notify.stack.naming import Names, content_hash, stack_tags
from macie_notify.stack.policies import LAMBDA_TRUST, event_pattern, notifier_policy, queue_policy
from macie_notify.stack.resources.bucket import BucketSpec
from macie_notify.stack.resources.digest_queue import (
    DigestQueueSpec,
    consume_statement,
    visibility_timeout,
)
from macie_notify.stack.resources.digest_queue import queue_policy as digest_policy
from macie_notify.stack.resources.event_source_mapping import MIN_CONCURRENCY, MappingSpec
from macie_notify.stack.resources.function import FunctionSpec
from macie_notify.stack.resources.identifiers import IdentifierSpec
from macie_notify.stack.resources.job import JobSpec
from macie_notify.stack.resources.log_group import LogGroupSpec
from macie_notify.stack.resources.macie import MacieSpec
from macie_notify.stack.resources.queue import QueueSpec
from macie_notify.stack.resources.role import RoleSpec
from macie_notify.stack.resources.rule import RuleSpec
from macie_notify.stack.resources.secret import SecretSpec


@dataclass(frozen=True)
class Inputs:
    """What the config alone does not say: where, and the values read outside it."""

    account_id: str
    region: str
    partition: str = "aws"
    # The Slack token / webhook URL (from the config's environment variable), or None
    # when that variable is unset (an existing secret is then left as it is).
    secret_value: str | None = field(default=None, repr=False)
    code_sha256: str = ""
    # Added to the function's environment (the demo points SLACK_API_URL at its sink).
    extra_environment: Mapping[str, str] = field(default_factory=dict)
    # Kinds left out of this plan (the demo runs its own one-time job instead).
    skip: frozenset[str] = frozenset()
    # teardown: DisableMacie too
    disable_macie: bool = False


def names_for(config: Config, inputs: Inputs) -> Names:
    bucket = config.bucket.resolved_name(config.stack.name, inputs.account_id, inputs.region)
    return Names(config.stack.name, inputs.account_id, inputs.region, inputs.partition, bucket)


def build(config: Config, inputs: Inputs) -> list[Spec]:
    """Every spec of the stack, dependency order first."""
    names = names_for(config, inputs)
    tags = stack_tags(config.stack.name, config.stack.tags)
    identifiers = _identifiers(config, tags)
    specs: list[Spec] = [
        MacieSpec(
            "macie",
            frequency=config.macie.finding_publishing_frequency,
            security_hub=config.macie.publish_to_security_hub,
            disable=inputs.disable_macie,
        ),
        _bucket(config, names, tags),
        *identifiers,
        _job(config, names, tags, identifiers),
        *_notifier(config, inputs, names, tags),
    ]
    return [spec for spec in specs if spec.kind not in inputs.skip]


def _bucket(config: Config, names: Names, tags: Mapping[str, str]) -> BucketSpec:
    b = config.bucket
    return BucketSpec(
        names.bucket,
        arn=names.bucket_arn,
        region=names.region,
        create=b.create,
        encryption=b.encryption,
        kms_key_arn=b.kms_key_arn,
        versioning=b.versioning,
        block_public_access=b.block_public_access,
        enforce_tls=b.enforce_tls,
        force_destroy=b.force_destroy,
        # An adopted bucket is someone else's: its tags are left alone.
        tags=tags if b.create else {},
    )


def _identifiers(config: Config, tags: Mapping[str, str]) -> list[IdentifierSpec]:
    out = []
    for cdi in config.custom_data_identifiers:
        params = cdi.to_api()
        out.append(
            IdentifierSpec(
                cdi.name,
                params=params,
                content_hash=content_hash(params),
                tags=tags,
                stack=config.stack.name,
                after=("macie",),
            )
        )
    return out


def _job(
    config: Config, names: Names, tags: Mapping[str, str], identifiers: list[IdentifierSpec]
) -> JobSpec:
    used = set(config.job.custom_identifier_names(config.custom_data_identifiers))
    mine = [spec for spec in identifiers if spec.name in used]
    params = config.job.to_api(name="", account_id=names.account_id, bucket=names.bucket)
    params.pop("name")
    # The identifiers' definitions, not their ids: a replaced identifier is a new job.
    digest = content_hash({"job": params, "identifiers": [s.content_hash for s in mine]})
    return JobSpec(
        names.job(config.job.name, digest),
        prefix=names.job_prefix(config.job.name),
        params=params,
        identifier_ids=tuple(Ref(spec.key, "id") for spec in mine),
        content_hash=digest,
        tags=tags,
        stack=config.stack.name,
        after=("macie", "bucket"),
    )


def _notifier(config: Config, inputs: Inputs, names: Names, tags: Mapping[str, str]) -> list[Spec]:
    n = config.notifications
    slack = n.slack
    specs: list[Spec] = []
    env: dict[str, str | Ref] = dict(n.notifier_environment())
    if n.include_sample_findings:
        env["INCLUDE_SAMPLE_FINDINGS"] = "true"
    webhook = slack.mode == "webhook"
    secret_arn: Ref | None = None
    keep: tuple[str, ...] = ()
    if slack.token_store == "secretsmanager":
        specs.append(
            SecretSpec(
                names.secret,
                value=inputs.secret_value,
                env_name=slack.secret_env,
                what="Slack webhook URL" if webhook else "Slack bot token",
                tags=tags,
            )
        )
        secret_arn = Ref("secret", "arn")
        env["SLACK_WEBHOOK_SECRET_ARN" if webhook else "SLACK_TOKEN_SECRET_ARN"] = secret_arn
    else:  # token_store: env (warned by validate): the credential is a plain variable
        variable = "SLACK_WEBHOOK_URL" if webhook else "SLACK_BOT_TOKEN"
        if inputs.secret_value is not None:
            env[variable] = inputs.secret_value
        else:
            keep = (variable,)
    env.update(n.storm_environment())
    env.update(inputs.extra_environment)
    dlq: str | None = names.queue_arn if n.dead_letter_queue else None
    if dlq is not None:
        specs.append(
            QueueSpec(names.queue, policy=queue_policy(names.queue_arn, names.rule_arn), tags=tags)
        )
    dlq_ref = Ref("dead-letter-queue", "arn") if dlq is not None else None
    digest = n.delivery == "digest" and dlq_ref is not None
    role_policy = notifier_policy(names.log_group_arn, secret_arn, dlq)
    if digest:
        role_policy["Statement"].append(consume_statement(names.digest_queue_arn))
        specs.append(
            DigestQueueSpec(
                names.digest_queue,
                dlq_arn=Ref("dead-letter-queue", "arn"),
                max_receives=n.digest.max_receives,
                visibility_timeout_s=visibility_timeout(n.lambda_.timeout_s, n.digest.window_s),
                policy=digest_policy(names.digest_queue_arn, names.rule_arn),
                tags=tags,
            )
        )
    specs += [
        LogGroupSpec(names.log_group, retention_days=n.lambda_.log_retention_days, tags=tags),
        RoleSpec(
            names.role,
            trust=LAMBDA_TRUST,
            policy=role_policy,
            tags=tags,
        ),
        FunctionSpec(
            names.function,
            role_arn=Ref("iam-role", "arn"),
            runtime=n.lambda_.runtime,
            handler=HANDLER,
            timeout_s=n.lambda_.timeout_s,
            memory_mb=n.lambda_.memory_mb,
            environment=env,
            keep_environment=keep,
            code_sha256=inputs.code_sha256,
            dlq_arn=dlq_ref,
            reserved_concurrency=n.reserved_concurrency,
            tags=tags,
            after=("log-group",),
        ),
        RuleSpec(
            names.rule,
            arn=names.rule_arn,
            pattern=event_pattern(n.min_severity, n.finding_types.include, n.finding_types.exclude),
            function_name=names.function,
            function_arn=Ref("lambda-function", "arn"),
            dlq_arn=dlq_ref,
            queue_arn=Ref("digest-queue", "arn") if digest else None,
            tags=tags,
        ),
    ]
    if digest:
        # Before the rule: the queue is only filled once something reads it.
        specs.insert(
            len(specs) - 1,
            MappingSpec(
                names.function,
                queue_arn=names.digest_queue_arn,
                batch_size=n.digest.batch_size,
                window_s=n.digest.window_s,
                max_concurrency=max(MIN_CONCURRENCY, n.reserved_concurrency),
                after=("lambda-function", "digest-queue", "iam-role"),
            ),
        )
    return specs


def for_teardown(specs: list[Spec]) -> list[Spec]:
    """The same specs, the bucket also asked whether it is empty."""
    return [
        dataclasses.replace(s, check_empty=True) if isinstance(s, BucketSpec) else s for s in specs
    ]
