"""The config file: read, validate and hold ``macie-notify.yaml``.

``load(path)`` and ``loads(text)`` (:mod:`.loading`) return a frozen :class:`Config`
(:mod:`.model`) or raise one :class:`~macie_notify.errors.ConfigError` listing every
problem with its field path and line. docs/config.md describes every key.
"""

from __future__ import annotations

from macie_notify.config.loading import load, loads
from macie_notify.config.model import (
    BucketConfig,
    Config,
    CustomIdentifier,
    FindingTypes,
    JobConfig,
    JobScope,
    LambdaConfig,
    MacieConfig,
    ManagedIdentifiers,
    NotificationsConfig,
    SamplesConfig,
    Schedule,
    SeverityLevel,
    SlackConfig,
    StackConfig,
)
from macie_notify.errors import ConfigError, ConfigProblem

__all__ = [
    "BucketConfig",
    "Config",
    "ConfigError",
    "ConfigProblem",
    "CustomIdentifier",
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
    "load",
    "loads",
]
