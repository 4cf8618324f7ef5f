"""The demo's stack, deployed with the same engine as ``macie-notify setup``.

What the demo adds is only what the local endpoint needs: the Slack credential is the
local sink's (a bot token it accepts, or its webhook URL), the function's
SLACK_API_URL points at the sink, and the stack's scheduled job is left out (the demo
runs one one-time job over the files it uploads, as ``jobs run`` would), and a bucket
the demo creates is force-destroyed at teardown. The config is otherwise applied as
written, TLS-only bucket policy included: the local endpoint counts loopback requests as
secure transport, so the uploads and the local job's reads are allowed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from macie_notify.aws import Aws
from macie_notify.config import Config
from macie_notify.stack import Change, Engine
from macie_notify.stack.naming import Names

Progress = Callable[[str], None]

# Any token shaped like a bot token is accepted by the local Slack sink; not a secret.
DEMO_BOT_TOKEN = "xoxb-macie-notify-demo-0000000000"
SKIP = frozenset({"classification-job"})


@dataclass(frozen=True)
class SlackTarget:
    """Where the local Slack sink listens (its Web API base and webhook base URLs)."""

    endpoint_url: str

    @property
    def api_url(self) -> str:
        return f"{self.endpoint_url}/_local/slack/api/"

    def webhook_url(self, stack: str) -> str:
        return f"{self.endpoint_url}/_local/slack/webhook/{stack}"

    def credential(self, config: Config) -> str:
        if config.notifications.slack.mode == "webhook":
            return self.webhook_url(config.stack.name)
        return DEMO_BOT_TOKEN


@dataclass(frozen=True)
class Provisioned:
    """What the job and the report need from provisioning."""

    names: Names
    account_id: str
    region: str
    identifier_ids: tuple[str, ...]


def demo_config(config: Config) -> Config:
    """The config the demo deploys: a bucket it creates is force-destroyed at teardown.

    The demo uploads the samples into its own bucket, so teardown must empty it to leave
    nothing behind; an adopted bucket (``bucket.create: false``) is never touched.
    """
    if not config.bucket.create or config.bucket.force_destroy:
        return config
    return dataclasses.replace(
        config, bucket=dataclasses.replace(config.bucket, force_destroy=True)
    )


def engine_for(aws: Aws, config: Config, slack: SlackTarget, *, disable_macie: bool) -> Engine:
    """The stack engine, as ``setup`` / ``teardown`` build it, with the local sink's secret."""
    return Engine.for_config(
        config,
        aws,
        secret_value=slack.credential(config),
        extra_environment={"SLACK_API_URL": slack.api_url},
        skip=SKIP,
        disable_macie=disable_macie,
    )


def setup(engine: Engine, config: Config, progress: Progress) -> Provisioned:
    """``setup``'s plan and apply; one progress line per resource."""
    result = engine.apply(engine.plan())
    for change in result.changes:
        progress(describe(change, config))
    ids = {c.name: c.id for c in result.changes if c.resource == "custom-identifier"}
    used = tuple(str(ids[cdi.name]) for cdi in config.job_custom_identifiers())
    return Provisioned(engine.names, engine.inputs.account_id, engine.inputs.region, used)


def teardown(engine: Engine) -> dict[str, Any]:
    """``teardown``'s plan and apply, then a fresh read: what is left (nothing, normally)."""
    plan = engine.teardown_plan()
    deleted = (
        [c for c in engine.apply(plan).changes if c.action.value == "delete"]
        if plan.pending
        else []
    )
    left = engine.teardown_plan().pending
    return {
        "deleted": [{"resource": c.resource, "name": c.name} for c in deleted],
        "left": [{"resource": c.resource, "name": c.name} for c in left],
    }


def describe(change: Change, config: Config) -> str:
    """One progress line for a step of the demo's stack."""
    n = config.notifications
    name = change.name
    lines: dict[str, str] = {
        "macie": "Macie enabled (findings published every "
        + config.macie.finding_publishing_frequency.replace("_", " ").lower()
        + ")",
        "bucket": f"bucket {name} ({_protections(config)})",
        "custom-identifier": f"custom data identifier {name}",
        "secret": f"Slack {'webhook URL' if n.slack.mode == 'webhook' else 'token'} "
        f"in Secrets Manager {name} (local sink)",
        "dead-letter-queue": f"dead-letter queue {name} (encrypted)",
        "log-group": f"log group {name} ({n.lambda_.log_retention_days} days)",
        "iam-role": f"IAM role {name} (least privilege)",
        "lambda-function": f"Lambda {name} ({n.lambda_.runtime})",
        "eventbridge-rule": f"EventBridge rule {name} -> {config.stack.name}-notifier",
    }
    line = lines.get(change.resource, f"{change.resource} {name}")
    return line if change.action.value == "create" else f"{line} [{change.action}]"


def _protections(config: Config) -> str:
    b = config.bucket
    done = ["encrypted" if b.encryption == "SSE-S3" else "encrypted with KMS"]
    if b.versioning:
        done.append("versioned")
    if b.block_public_access:
        done.append("public access blocked")
    if b.enforce_tls:
        done.append("TLS only")
    return ", ".join(done)
