"""Readers for the stack, macie, bucket, samples and notifications sections.

Each function takes the section's :class:`Section`, reports every problem it finds and
returns the typed object with defaults for whatever was missing or wrong (the caller raises
if any problem was reported, so those defaults never escape).
"""

from __future__ import annotations

import os
from typing import Literal, cast

from macie_notify.config import rules
from macie_notify.config.model import (
    BucketConfig,
    DigestConfig,
    FindingTypes,
    LambdaConfig,
    MacieConfig,
    NotificationsConfig,
    SamplesConfig,
    SlackConfig,
    StackConfig,
    StormThreshold,
    default_bucket_name,
    frozen_map,
)
from macie_notify.config.yaml_nodes import Section, item_string

ROOT_KEYS = (
    "stack",
    "macie",
    "bucket",
    "samples",
    "custom_data_identifiers",
    "job",
    "notifications",
)
STACK_KEYS = ("name", "region", "tags")
MACIE_KEYS = ("finding_publishing_frequency", "publish_to_security_hub")
BUCKET_KEYS = (
    "name",
    "create",
    "encryption",
    "kms_key_arn",
    "versioning",
    "block_public_access",
    "enforce_tls",
    "force_destroy",
)
SAMPLES_KEYS = ("source", "prefix")
# ./sample_data next to the config when it exists, else the sample data in the package.
DEFAULT_SAMPLES_SOURCE = "sample_data"
NOTIFICATIONS_KEYS = (
    "slack",
    "min_severity",
    "include_sample_findings",
    "finding_types",
    "lambda",
    "dead_letter_queue",
    "delivery",
    "reserved_concurrency",
    "digest",
    "storm_threshold",
)
DIGEST_KEYS = ("window_s", "batch_size", "max_receives")
STORM_KEYS = ("findings", "minutes")
# Lambda's limits for an SQS event source mapping (standard queue) and SQS's maxReceiveCount
# (https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html).
MAX_WINDOW_S = 300
MAX_BATCH = 10_000
MAX_RECEIVES = 1000
SLACK_KEYS = ("channel", "token_env", "token_store", "webhook_url_env")
LAMBDA_KEYS = ("runtime", "memory_mb", "timeout_s", "log_retention_days")
FINDING_TYPES_KEYS = ("include", "exclude")

PUBLISHING_FREQUENCIES = ("FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS")
SEVERITIES = ("Low", "Medium", "High")
# 12 digits for the account in the default bucket name <stack>-data-<account>-<region>.
_ACCOUNT_DIGITS = "0" * 12


def read_stack(sec: Section) -> StackConfig:
    name = sec.string("name", "", rules.stack_name_problems)
    if not sec.has("name") and not sec.wrong_type:
        sec.issues.error(
            sec.at("name"), sec.node, "required: the name of this stack (3-32 a-z 0-9 -)"
        )
    region = sec.optional_string("region", rules.region_problems)
    return StackConfig(name=name, region=region, tags=frozen_map(read_tags(sec, "tags")))


def read_tags(sec: Section, key: str) -> dict[str, str]:
    """A ``{key: value}`` mapping of AWS tags (strings), checked against AWS's tag rules."""
    tags_sec = Section(sec.issues, sec.at(key), sec.node_of(key), (), free=True)
    limit = rules.TAGS_MAX - len(rules.RESERVED_TAG_KEYS)
    if len(tags_sec.values) > limit:
        sec.issues.error(
            sec.at(key), sec.where(key), f"at most {limit} tags (macie-notify adds 2 of AWS's 50)"
        )
    tags: dict[str, str] = {}
    for tag_key in tags_sec.values:
        value = tags_sec.value(tag_key, str, "")
        for message in rules.tag_problems(tag_key, value):
            sec.issues.error(tags_sec.at(tag_key), tags_sec.keys[tag_key], message)
        tags[tag_key] = value
    return tags


def read_macie(sec: Section) -> MacieConfig:
    return MacieConfig(
        finding_publishing_frequency=sec.choice(
            "finding_publishing_frequency", "FIFTEEN_MINUTES", PUBLISHING_FREQUENCIES
        ),
        publish_to_security_hub=sec.boolean("publish_to_security_hub", False),
    )


def read_bucket(sec: Section, stack: StackConfig) -> BucketConfig:
    name = sec.optional_string("name", rules.bucket_name_problems)
    create = sec.boolean("create", True)
    encryption = sec.choice("encryption", "SSE-S3", ("SSE-S3", "SSE-KMS"))
    kms = sec.optional_string("kms_key_arn", rules.kms_key_arn_problems)
    if encryption == "SSE-KMS" and not sec.has("kms_key_arn"):
        sec.issues.error(
            sec.at("kms_key_arn"), sec.where("encryption"), "required when encryption is SSE-KMS"
        )
    if encryption == "SSE-S3" and sec.has("kms_key_arn"):
        sec.issues.error(
            sec.at("kms_key_arn"), sec.where("kms_key_arn"), "only valid with encryption: SSE-KMS"
        )
    if not create and name is None:
        sec.issues.error(
            sec.at("name"),
            sec.where("create"),
            "required when create is false: name the existing bucket to adopt",
        )
    bucket = BucketConfig(
        name=name,
        create=create,
        encryption=cast(Literal["SSE-S3", "SSE-KMS"], encryption),
        kms_key_arn=kms if encryption == "SSE-KMS" else None,
        versioning=sec.boolean("versioning", True),
        block_public_access=sec.boolean("block_public_access", True),
        enforce_tls=sec.boolean("enforce_tls", True),
        force_destroy=sec.boolean("force_destroy", False),
    )
    if not create and bucket.force_destroy:
        sec.issues.warn(
            sec.at("force_destroy"),
            sec.where("force_destroy"),
            "ignored: teardown never deletes an adopted bucket (create: false)",
        )
    _check_default_bucket_name(sec, name, stack)
    return bucket


def _check_default_bucket_name(sec: Section, name: str | None, stack: StackConfig) -> None:
    if name is not None or not stack.region or not stack.name:
        return
    default = default_bucket_name(stack.name, _ACCOUNT_DIGITS, stack.region)
    if len(default) > 63:
        sec.issues.error(
            sec.at("name"),
            sec.node,
            f"the default name <stack>-data-<account>-<region> would be {len(default)} "
            "characters (S3 allows 63): set bucket.name or shorten stack.name",
        )


def read_samples(sec: Section, base_dir: str | None) -> SamplesConfig:
    source = sec.string("source", DEFAULT_SAMPLES_SOURCE, _non_empty)
    prefix = sec.string("prefix", "samples/", rules.s3_prefix_problems)
    # The default names the bundled sample data when there is no such folder (so `init`
    # then `validate` is quiet anywhere); text from loads() has no folder to check against.
    missing = base_dir is not None and not os.path.isdir(os.path.join(base_dir, source))
    if source and source != DEFAULT_SAMPLES_SOURCE and missing:
        sec.issues.warn(
            sec.at("source"),
            sec.where("source"),
            f"folder {source!r} does not exist (upload-samples needs it)",
        )
    return SamplesConfig(source=source, prefix=prefix)


def _non_empty(text: str) -> list[str]:
    return [] if text.strip() else ["must not be empty"]


def read_notifications(sec: Section) -> NotificationsConfig:
    severity = sec.choice("min_severity", "Low", SEVERITIES)
    dead_letter_queue = sec.boolean("dead_letter_queue", True)
    delivery = sec.choice("delivery", "direct", ("direct", "digest"))
    if delivery == "digest" and not dead_letter_queue:
        sec.issues.error(
            sec.at("dead_letter_queue"),
            sec.where("dead_letter_queue"),
            "delivery: digest needs the dead-letter queue (the digest queue's redrive target)",
        )
    # Lambda keeps 100 of an account's default 1,000 unreserved.
    concurrency = sec.integer("reserved_concurrency", 2, 1, 900)
    if delivery == "digest" and concurrency < 2:
        sec.issues.error(
            sec.at("reserved_concurrency"),
            sec.where("reserved_concurrency"),
            "must be at least 2 with delivery: digest (a queue mapping's minimum concurrency)",
        )
    return NotificationsConfig(
        slack=read_slack(sec.section("slack", SLACK_KEYS)),
        min_severity=cast(Literal["Low", "Medium", "High"], severity),
        include_sample_findings=sec.boolean("include_sample_findings", False),
        finding_types=read_finding_types(sec.section("finding_types", FINDING_TYPES_KEYS)),
        lambda_=read_lambda(sec.section("lambda", LAMBDA_KEYS)),
        dead_letter_queue=dead_letter_queue,
        delivery=cast(Literal["direct", "digest"], delivery),
        reserved_concurrency=concurrency,
        digest=read_digest(sec.section("digest", DIGEST_KEYS)),
        storm_threshold=read_storm(sec.section("storm_threshold", STORM_KEYS)),
    )


def read_digest(sec: Section) -> DigestConfig:
    window = sec.integer("window_s", 60, 0, MAX_WINDOW_S)
    batch = sec.integer("batch_size", 100, 1, MAX_BATCH)
    if batch > 10 and window == 0 and sec.has("window_s"):
        sec.issues.error(
            sec.at("window_s"),
            sec.where("window_s"),
            "must be at least 1 when batch_size is over 10 (Lambda's rule for SQS batches)",
        )
    return DigestConfig(
        window_s=window,
        batch_size=batch,
        max_receives=sec.integer("max_receives", 5, 1, MAX_RECEIVES),
    )


def read_storm(sec: Section) -> StormThreshold:
    return StormThreshold(
        findings=sec.integer("findings", 50, 1, 100_000),
        minutes=sec.integer("minutes", 5, 1, 1440),
    )


def read_slack(sec: Section) -> SlackConfig:
    webhook = sec.optional_string("webhook_url_env", rules.env_var_problems)
    token_written = "token_env" in sec.values
    token = sec.optional_string("token_env", rules.env_var_problems)
    if not token_written and webhook is None:
        token = "SLACK_BOT_TOKEN"
    if webhook is not None and token is not None:
        sec.issues.error(
            sec.at("webhook_url_env"),
            sec.where("webhook_url_env"),
            "set either token_env (bot token) or webhook_url_env (incoming webhook), not both",
        )
    elif webhook is None and token is None and not _has_problem_at(sec, "token_env"):
        sec.issues.error(
            sec.at("token_env"),
            sec.where("token_env"),
            "required: a bot token variable, or webhook_url_env for an incoming webhook",
        )
    channel = _read_channel(sec, webhook_mode=webhook is not None)
    store = sec.choice("token_store", "secretsmanager", ("secretsmanager", "env"))
    if store == "env":
        sec.issues.warn(
            sec.at("token_store"),
            sec.where("token_store"),
            "the Slack secret will be a plain Lambda environment variable, readable by anyone "
            "who can read the function's configuration; secretsmanager is safer",
        )
    return SlackConfig(
        channel=channel,
        token_env=token,
        token_store=cast(Literal["secretsmanager", "env"], store),
        webhook_url_env=webhook,
    )


def _has_problem_at(sec: Section, key: str) -> bool:
    return any(p.path == sec.at(key) for p in sec.issues.problems)


def _read_channel(sec: Section, *, webhook_mode: bool) -> str | None:
    channel = sec.optional_string("channel", rules.slack_channel_problems)
    if webhook_mode:
        if channel is not None:
            sec.issues.warn(
                sec.at("channel"),
                sec.where("channel"),
                "ignored with webhook_url_env: an incoming webhook posts to its own channel",
            )
        return None
    if "channel" not in sec.values:
        return "#aws-macie-events"
    if channel is None and not _has_problem_at(sec, "channel"):
        sec.issues.error(
            sec.at("channel"),
            sec.where("channel"),
            "required with token_env: the channel to post to",
        )
    return channel


def read_finding_types(sec: Section) -> FindingTypes:
    include = sec.strings("include", check=rules.finding_type_problems)
    exclude = sec.strings("exclude", check=rules.finding_type_problems)
    for path, node in sec.items("exclude"):
        text = item_string(sec.issues, path, node)
        if text is not None and text in include:
            sec.issues.error(path, node, f"{text!r} is also under include")
    return FindingTypes(include=include, exclude=exclude)


def read_lambda(sec: Section) -> LambdaConfig:
    runtime = sec.choice("runtime", "python3.12", rules.LAMBDA_RUNTIMES)
    retention = sec.value("log_retention_days", int, 30)
    if sec.has("log_retention_days") and retention not in rules.LOG_RETENTION_DAYS:
        nearest = min(rules.LOG_RETENTION_DAYS, key=lambda d: abs(d - retention))
        sec.issues.error(
            sec.at("log_retention_days"),
            sec.where("log_retention_days"),
            f"CloudWatch Logs does not accept {retention} days (nearest allowed: {nearest}; "
            f"allowed: {', '.join(map(str, rules.LOG_RETENTION_DAYS))})",
        )
        retention = 30
    return LambdaConfig(
        runtime=runtime,
        memory_mb=sec.integer("memory_mb", 128, 128, 10240),
        timeout_s=sec.integer("timeout_s", 30, 1, 900),
        log_retention_days=retention,
    )


__all__ = [
    "ROOT_KEYS",
    "read_bucket",
    "read_macie",
    "read_notifications",
    "read_samples",
    "read_stack",
]
