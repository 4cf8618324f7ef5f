"""The demo's stack, deployed with the same engine as ``macie-notify setup``.

What the demo adds is only what the local endpoint needs: the Slack credential is the
local sink's (a bot token it accepts, or its webhook URL), the function's
SLACK_API_URL points at the sink, and the stack's scheduled job is left out (the demo
runs one one-time job over the files it uploads, as ``jobs run`` would). The config is
applied as written, TLS-only bucket policy included: the local endpoint counts loopback
requests as secure transport, so the uploads and the local job's reads are allowed.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
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
    uploaded: int


def _engine(aws: Aws, config: Config, slack: SlackTarget) -> Engine:
    return Engine.for_config(
        config,
        aws,
        secret_value=slack.credential(config),
        extra_environment={"SLACK_API_URL": slack.api_url},
        skip=SKIP,
    )


def provision(
    aws: Aws, config: Config, source: Path, slack: SlackTarget, progress: Progress
) -> Provisioned:
    """Converge the stack, then upload the sample files."""
    engine = _engine(aws, config, slack)
    result = engine.apply(engine.plan())
    for change in result.changes:
        progress(describe(change, config))
    names = engine.names
    uploaded = upload_samples(aws.client("s3"), names.bucket, source, config.samples.prefix)
    progress(f"uploaded {uploaded} sample file{'s' if uploaded != 1 else ''} from {source}")
    ids = {c.name: c.id for c in result.changes if c.resource == "custom-identifier"}
    used = tuple(str(ids[cdi.name]) for cdi in config.job_custom_identifiers())
    return Provisioned(names, engine.inputs.account_id, engine.inputs.region, used, uploaded)


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


def sample_files(source: Path) -> list[Path]:
    """Regular files under ``source``, sorted, without hidden files and folders."""
    files = []
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if path.is_file() and not any(part.startswith(".") for part in rel.parts):
            files.append(path)
    return files


def upload_samples(s3: Any, bucket: str, source: Path, prefix: str) -> int:
    """PutObject for every sample file under ``prefix``; returns how many."""
    files = sample_files(source)
    for path in files:
        key = prefix + path.relative_to(source).as_posix()
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes(), ContentType=content_type)
    return len(files)
