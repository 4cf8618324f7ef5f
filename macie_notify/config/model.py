"""The validated config as typed, frozen objects, plus pure helpers that shape API requests.

Every object here is built only by :mod:`macie_notify.config.sections` after validation,
so the helpers never re-check values. Names mirror the YAML keys (docs/config.md);
``lambda`` is spelt ``lambda_`` because it is a Python keyword.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from macie_notify.errors import ConfigProblem

ScheduleKind = Literal["once", "daily", "weekly", "monthly"]
Selector = Literal["ALL", "RECOMMENDED", "NONE", "INCLUDE", "EXCLUDE"]


def frozen_map(data: Mapping[str, str] | None = None) -> Mapping[str, str]:
    """A read-only mapping, so that a frozen Config cannot be changed through its tags."""
    return MappingProxyType(dict(data or {}))


@dataclass(frozen=True)
class StackConfig:
    name: str
    region: str | None = None
    tags: Mapping[str, str] = field(default_factory=frozen_map)


@dataclass(frozen=True)
class MacieConfig:
    finding_publishing_frequency: str = "FIFTEEN_MINUTES"
    publish_to_security_hub: bool = False


@dataclass(frozen=True)
class BucketConfig:
    name: str | None = None
    create: bool = True
    encryption: Literal["SSE-S3", "SSE-KMS"] = "SSE-S3"
    kms_key_arn: str | None = None
    versioning: bool = True
    block_public_access: bool = True
    enforce_tls: bool = True
    force_destroy: bool = False

    def resolved_name(self, stack: str, account_id: str, region: str) -> str:
        """The configured name, else the default ``<stack>-data-<account>-<region>``."""
        return self.name or default_bucket_name(stack, account_id, region)


def default_bucket_name(stack: str, account_id: str, region: str) -> str:
    return f"{stack}-data-{account_id}-{region}"


@dataclass(frozen=True)
class SamplesConfig:
    source: str = "sample_data"
    prefix: str = "samples/"


@dataclass(frozen=True)
class SeverityLevel:
    occurrences_threshold: int
    severity: Literal["LOW", "MEDIUM", "HIGH"]

    def to_api(self) -> dict[str, Any]:
        return {"occurrencesThreshold": self.occurrences_threshold, "severity": self.severity}


@dataclass(frozen=True)
class CustomIdentifier:
    """One custom data identifier (macie2 CreateCustomDataIdentifier, in YAML spelling)."""

    name: str
    regex: str
    description: str | None = None
    keywords: tuple[str, ...] = ()
    ignore_words: tuple[str, ...] = ()
    maximum_match_distance: int = 50
    severity_levels: tuple[SeverityLevel, ...] = ()

    def to_api(self, tags: Mapping[str, str] | None = None) -> dict[str, Any]:
        """CreateCustomDataIdentifier parameters (camelCase); empty optional members omitted.

        https://docs.aws.amazon.com/macie/latest/APIReference/custom-data-identifiers.html
        """
        params: dict[str, Any] = {"name": self.name, **self._detection_api()}
        if self.description:
            params["description"] = self.description
        if self.severity_levels:
            params["severityLevels"] = [level.to_api() for level in self.severity_levels]
        if tags:
            params["tags"] = dict(tags)
        return params

    def to_test_api(self, sample_text: str) -> dict[str, Any]:
        """TestCustomDataIdentifier parameters for ``sample_text`` (at most 1,000 chars)."""
        return {**self._detection_api(), "sampleText": sample_text}

    def _detection_api(self) -> dict[str, Any]:
        params: dict[str, Any] = {
            "regex": self.regex,
            "maximumMatchDistance": self.maximum_match_distance,
        }
        if self.keywords:
            params["keywords"] = list(self.keywords)
        if self.ignore_words:
            params["ignoreWords"] = list(self.ignore_words)
        return params


_JOB_TYPE = {
    "once": "ONE_TIME",
    "daily": "SCHEDULED",
    "weekly": "SCHEDULED",
    "monthly": "SCHEDULED",
}


@dataclass(frozen=True)
class Schedule:
    """``once`` | ``daily`` | ``weekly`` on ``day`` (MONDAY..) | ``monthly`` on ``day`` (1..31)."""

    kind: ScheduleKind = "daily"
    day: str | int | None = None

    @property
    def job_type(self) -> str:
        """macie2 ``jobType``: ONE_TIME or SCHEDULED."""
        return _JOB_TYPE[self.kind]

    def schedule_frequency(self) -> dict[str, Any] | None:
        """macie2 ``scheduleFrequency`` (None for a one-time job, which must not send it)."""
        if self.kind == "daily":
            return {"dailySchedule": {}}
        if self.kind == "weekly":
            return {"weeklySchedule": {"dayOfWeek": self.day}}
        if self.kind == "monthly":
            return {"monthlySchedule": {"dayOfMonth": self.day}}
        return None

    def describe(self) -> str:
        if self.kind == "weekly":
            return f"weekly on {str(self.day).capitalize()}"
        if self.kind == "monthly":
            return f"monthly on day {self.day}"
        return self.kind


@dataclass(frozen=True)
class ManagedIdentifiers:
    """macie2 ``managedDataIdentifierSelector`` plus the IDs INCLUDE/EXCLUDE need."""

    selector: Selector = "ALL"
    ids: tuple[str, ...] = ()

    def to_api(self) -> dict[str, Any]:
        params: dict[str, Any] = {"managedDataIdentifierSelector": self.selector}
        if self.selector in ("INCLUDE", "EXCLUDE"):
            params["managedDataIdentifierIds"] = list(self.ids)
        return params


@dataclass(frozen=True)
class JobScope:
    include_prefixes: tuple[str, ...] = ()
    exclude_extensions: tuple[str, ...] = ()

    def to_api(self) -> dict[str, Any] | None:
        """``s3JobDefinition.scoping`` (None when the job covers every object).

        https://docs.aws.amazon.com/macie/latest/APIReference/jobs.html#jobs-model-scoping
        """
        scoping: dict[str, Any] = {}
        if self.include_prefixes:
            scoping["includes"] = _scope_terms("STARTS_WITH", "OBJECT_KEY", self.include_prefixes)
        if self.exclude_extensions:
            scoping["excludes"] = _scope_terms("EQ", "OBJECT_EXTENSION", self.exclude_extensions)
        return scoping or None


def _scope_terms(comparator: str, key: str, values: Sequence[str]) -> dict[str, Any]:
    term = {"comparator": comparator, "key": key, "values": list(values)}
    return {"and": [{"simpleScopeTerm": term}]}


@dataclass(frozen=True)
class JobConfig:
    name: str = "daily-scan"
    schedule: Schedule = field(default_factory=Schedule)
    managed_identifiers: ManagedIdentifiers = field(default_factory=ManagedIdentifiers)
    custom_identifiers: Literal["all"] | tuple[str, ...] = "all"
    sampling_percentage: int = 100
    initial_run: bool = True
    scope: JobScope = field(default_factory=JobScope)

    def schedule_frequency(self) -> dict[str, Any] | None:
        return self.schedule.schedule_frequency()

    def custom_identifier_names(self, defined: Sequence[CustomIdentifier]) -> tuple[str, ...]:
        """Names of the custom identifiers this job uses, in config order."""
        if self.custom_identifiers == "all":
            return tuple(cdi.name for cdi in defined)
        return self.custom_identifiers

    def to_api(
        self,
        *,
        name: str,
        account_id: str,
        bucket: str,
        custom_identifier_ids: Sequence[str] = (),
        tags: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """CreateClassificationJob parameters (without ``clientToken``, which boto3 fills).

        ``name`` is the final job name (the stack layer adds its prefix).
        https://docs.aws.amazon.com/macie/latest/APIReference/jobs.html
        """
        definition: dict[str, Any] = {
            "bucketDefinitions": [{"accountId": account_id, "buckets": [bucket]}]
        }
        scoping = self.scope.to_api()
        if scoping:
            definition["scoping"] = scoping
        params: dict[str, Any] = {
            "jobType": self.schedule.job_type,
            "name": name,
            "s3JobDefinition": definition,
            "samplingPercentage": self.sampling_percentage,
            **self.managed_identifiers.to_api(),
        }
        if custom_identifier_ids:
            params["customDataIdentifierIds"] = list(custom_identifier_ids)
        frequency = self.schedule.schedule_frequency()
        if frequency is not None:  # one-time jobs send neither scheduleFrequency nor initialRun
            params["scheduleFrequency"] = frequency
            params["initialRun"] = self.initial_run
        if tags:
            params["tags"] = dict(tags)
        return params


@dataclass(frozen=True)
class SlackConfig:
    """Bot-token mode (``token_env`` + ``channel``) or incoming webhook (``webhook_url_env``)."""

    channel: str | None = "#aws-macie-events"
    token_env: str | None = "SLACK_BOT_TOKEN"
    token_store: Literal["secretsmanager", "env"] = "secretsmanager"
    webhook_url_env: str | None = None

    @property
    def mode(self) -> Literal["token", "webhook"]:
        return "webhook" if self.webhook_url_env else "token"

    @property
    def secret_env(self) -> str:
        """The environment variable setup reads the token or webhook URL from."""
        return str(self.webhook_url_env if self.mode == "webhook" else self.token_env)


@dataclass(frozen=True)
class FindingTypes:
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class LambdaConfig:
    runtime: str = "python3.12"
    memory_mb: int = 128
    timeout_s: int = 30
    log_retention_days: int = 30


@dataclass(frozen=True)
class DigestConfig:
    """``delivery: digest``: how the queue's event source mapping batches findings."""

    window_s: int = 60  # MaximumBatchingWindowInSeconds
    batch_size: int = 100
    max_receives: int = 5  # the queue's redrive maxReceiveCount


@dataclass(frozen=True)
class StormThreshold:
    """Past ``findings`` in ``minutes`` the function posts one summary instead."""

    findings: int = 50
    minutes: int = 5


@dataclass(frozen=True)
class NotificationsConfig:
    slack: SlackConfig = field(default_factory=SlackConfig)
    min_severity: Literal["Low", "Medium", "High"] = "Low"
    include_sample_findings: bool = False
    finding_types: FindingTypes = field(default_factory=FindingTypes)
    lambda_: LambdaConfig = field(default_factory=LambdaConfig)
    dead_letter_queue: bool = True
    delivery: Literal["direct", "digest"] = "direct"
    reserved_concurrency: int = 2
    digest: DigestConfig = field(default_factory=DigestConfig)
    storm_threshold: StormThreshold = field(default_factory=StormThreshold)

    def notifier_environment(self) -> dict[str, str]:
        """The non-secret part of the function's environment (see notifier.settings).

        The stack layer adds SLACK_TOKEN_SECRET_ARN / SLACK_BOT_TOKEN / SLACK_WEBHOOK_*.
        """
        env: dict[str, str] = {"MIN_SEVERITY": self.min_severity}
        if self.slack.mode == "token" and self.slack.channel:
            env["SLACK_CHANNEL"] = self.slack.channel
        if self.finding_types.include:
            env["FINDING_TYPES_INCLUDE"] = ",".join(self.finding_types.include)
        if self.finding_types.exclude:
            env["FINDING_TYPES_EXCLUDE"] = ",".join(self.finding_types.exclude)
        return env

    def storm_environment(self) -> dict[str, str]:
        """The function's storm threshold and delivery mode (see notifier.storm)."""
        t = self.storm_threshold
        return {"STORM_THRESHOLD": f"{t.findings}/{t.minutes}m", "DELIVERY": self.delivery}


@dataclass(frozen=True)
class Config:
    """The whole validated config. ``warnings`` are problems that do not stop a command."""

    stack: StackConfig
    macie: MacieConfig = field(default_factory=MacieConfig)
    bucket: BucketConfig = field(default_factory=BucketConfig)
    samples: SamplesConfig = field(default_factory=SamplesConfig)
    custom_data_identifiers: tuple[CustomIdentifier, ...] = ()
    job: JobConfig = field(default_factory=JobConfig)
    notifications: NotificationsConfig = field(default_factory=NotificationsConfig)
    warnings: tuple[ConfigProblem, ...] = ()
    source: str = "<string>"
    base_dir: str | None = None

    def custom_identifier(self, name: str) -> CustomIdentifier | None:
        return next((c for c in self.custom_data_identifiers if c.name == name), None)

    def job_custom_identifiers(self) -> tuple[CustomIdentifier, ...]:
        """The custom identifiers the job uses, in config order."""
        names = set(self.job.custom_identifier_names(self.custom_data_identifiers))
        return tuple(c for c in self.custom_data_identifiers if c.name in names)

    def summary(self) -> str:
        """``stack macie-demo, 1 custom identifier, job daily-scan (daily)``."""
        count = len(self.custom_data_identifiers)
        plural = "" if count == 1 else "s"
        return (
            f"stack {self.stack.name}, {count} custom identifier{plural}, "
            f"job {self.job.name} ({self.job.schedule.describe()})"
        )


__all__ = [
    "BucketConfig",
    "Config",
    "CustomIdentifier",
    "DigestConfig",
    "FindingTypes",
    "JobConfig",
    "JobScope",
    "LambdaConfig",
    "MacieConfig",
    "ManagedIdentifiers",
    "NotificationsConfig",
    "SamplesConfig",
    "Schedule",
    "SeverityLevel",
    "SlackConfig",
    "StackConfig",
    "StormThreshold",
    "default_bucket_name",
    "frozen_map",
]
