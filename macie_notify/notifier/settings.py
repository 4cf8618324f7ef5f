"""The function's configuration, read from its environment once per cold start.

The variables read in :meth:`Settings.from_env` are the contract between
``macie-notify setup``, which writes them, and the function. A function that is
misconfigured raises :class:`SettingsError` on every invocation, so the event goes
through Lambda's retries to the dead-letter queue instead of being dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .event import Severity

DEFAULT_API_URL = "https://slack.com/api/"
TRUTHY = frozenset({"1", "true", "yes", "on"})


class SettingsError(ValueError):
    """The environment does not describe a usable Slack destination."""


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(p.strip() for p in (value or "").split(",") if p.strip())


def _base_url(url: str) -> str:
    # slack_sdk joins base_url and the method with urljoin, which drops the last path
    # segment unless it ends in "/": ".../api" would post to ".../chat.postMessage".
    return url if url.endswith("/") else url + "/"


@dataclass(frozen=True)
class Settings:
    """Where and what to post. Secrets are kept out of ``repr`` (and so out of logs)."""

    channel: str | None = None
    token_secret_arn: str | None = None
    bot_token: str | None = field(default=None, repr=False)
    webhook_secret_arn: str | None = None
    webhook_url: str | None = field(default=None, repr=False)
    api_url: str = DEFAULT_API_URL
    min_severity: Severity = Severity.LOW
    include_types: tuple[str, ...] = ()
    exclude_types: tuple[str, ...] = ()
    include_samples: bool = False
    # STORM_THRESHOLD "50/5m": (findings, minutes); None: no threshold.
    storm: tuple[int, int] | None = None
    # DELIVERY: "direct" (one event per invocation) or "digest" (SQS batches).
    delivery: str = "direct"

    @property
    def mode(self) -> str:
        """``webhook`` or ``token`` (chat.postMessage with a bot token)."""
        return "webhook" if (self.webhook_secret_arn or self.webhook_url) else "token"

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Build and check the settings; SettingsError names the variable at fault."""
        env = {k: v.strip() for k, v in environ.items() if isinstance(v, str) and v.strip()}
        try:
            min_severity = Severity.parse(env.get("MIN_SEVERITY", "Low"))
        except ValueError:
            raise SettingsError(
                f"MIN_SEVERITY={env['MIN_SEVERITY']!r} is not one of Low, Medium, High"
            ) from None
        storm = None
        if "STORM_THRESHOLD" in env:
            from .storm import parse_threshold

            try:
                storm = parse_threshold(env["STORM_THRESHOLD"])
            except ValueError:
                raise SettingsError(
                    f"STORM_THRESHOLD={env['STORM_THRESHOLD']!r} is not findings/minutes "
                    "such as 50/5m"
                ) from None
        settings = cls(
            channel=env.get("SLACK_CHANNEL"),
            token_secret_arn=env.get("SLACK_TOKEN_SECRET_ARN"),
            bot_token=env.get("SLACK_BOT_TOKEN"),
            webhook_secret_arn=env.get("SLACK_WEBHOOK_SECRET_ARN"),
            webhook_url=env.get("SLACK_WEBHOOK_URL"),
            api_url=_base_url(env.get("SLACK_API_URL", DEFAULT_API_URL)),
            min_severity=min_severity,
            include_types=_split(env.get("FINDING_TYPES_INCLUDE")),
            exclude_types=_split(env.get("FINDING_TYPES_EXCLUDE")),
            include_samples=env.get("INCLUDE_SAMPLE_FINDINGS", "").lower() in TRUTHY,
            storm=storm,
            delivery=env.get("DELIVERY", "direct"),
        )
        settings.check()
        return settings

    def check(self) -> None:
        """Exactly one way to reach Slack must be configured."""
        token = self.token_secret_arn or self.bot_token
        webhook = self.webhook_secret_arn or self.webhook_url
        if token and webhook:
            raise SettingsError(
                "both a bot token (SLACK_TOKEN_SECRET_ARN / SLACK_BOT_TOKEN) and a webhook "
                "(SLACK_WEBHOOK_SECRET_ARN / SLACK_WEBHOOK_URL) are set; keep one"
            )
        if not token and not webhook:
            raise SettingsError(
                "no Slack destination: set SLACK_TOKEN_SECRET_ARN (or SLACK_BOT_TOKEN) with "
                "SLACK_CHANNEL, or SLACK_WEBHOOK_SECRET_ARN (or SLACK_WEBHOOK_URL)"
            )
        if token and not self.channel:
            raise SettingsError("SLACK_CHANNEL is required with a bot token")
