"""``macie-notify demo``: the whole pipeline end to end on the embedded local AWS.

    with open_endpoint() as endpoint:             # a LocalServer on a free port
        report = run_demo(config, sample_data_dir(), endpoint, progress=print)

Provisions what ``setup`` would (Macie, the secured bucket with the sample files, custom
data identifiers, the Slack secret, the notifier function and its EventBridge rule),
runs a one-time classification job, waits for the findings to travel EventBridge ->
Lambda -> the local Slack sink, and reads back both ends (:class:`DemoReport`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path

from macie_notify.aws import Aws, AwsSettings
from macie_notify.config import Config
from macie_notify.demo import endpoint as _endpoint
from macie_notify.demo.deploy import (
    Progress,
    Provisioned,
    SlackTarget,
    provision,
)
from macie_notify.demo.endpoint import Endpoint, open_endpoint
from macie_notify.demo.errors import DemoError, NotDelivered
from macie_notify.demo.job import start_job, wait_for_job
from macie_notify.demo.report import (
    DemoReport,
    job_findings,
    messages_for,
    notifier_decisions,
    qualifying_ids,
)
from macie_notify.errors import UsageError

DEFAULT_TIMEOUT = 120.0
EXAMPLE_LABEL = "the packaged example config"


def sample_data_dir() -> Path:
    """The bundled sample files: packaged ``macie_notify/data/sample_data``, else the
    repository's ``sample_data/`` (editable install)."""
    packaged = resources.files("macie_notify").joinpath("data").joinpath("sample_data")
    if packaged.is_dir():
        return Path(str(packaged))
    repo = Path(__file__).resolve().parents[2] / "sample_data"
    if repo.is_dir():
        return repo
    raise DemoError(
        "no sample data found (neither macie_notify/data/sample_data nor ./sample_data "
        "of a repository checkout)",
        hint="pass --source DIR: a folder of files to upload and scan",
    )


def example_config() -> Config:
    """The config ``macie-notify init`` writes, as the demo's default."""
    from macie_notify.config import loads
    from macie_notify.config.example import example_text

    return loads(example_text(), source="config.example.yaml (packaged)")


def resolve_source(config: Config, source: str | Path | None) -> Path:
    """``--source``, else the config's ``samples.source`` if it exists, else the bundled data."""
    if source is not None:
        path = Path(source)
        if not path.is_dir():
            raise UsageError(f"--source {source}: no such folder", hint="give a folder of files")
        return path
    if config.base_dir is not None:
        configured = Path(config.base_dir) / config.samples.source
        if configured.is_dir():
            return configured
    return sample_data_dir()


def run_demo(
    config: Config,
    source: Path,
    endpoint: Endpoint,
    *,
    region: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    progress: Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> DemoReport:
    """Provision, scan, deliver and read back; ``timeout`` bounds the job and the delivery."""
    say = progress or (lambda _line: None)
    started = clock()
    aws = Aws(
        AwsSettings(
            region=region,
            config_region=config.stack.region,
            endpoint_url=endpoint.url,
            local=True,
            dummy_credentials=True,
        )
    )
    done = provision(aws, config, source, SlackTarget(endpoint.url), say)
    macie2 = aws.client("macie2")
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    job_id = start_job(macie2, config, done, stamp)
    say(f"classification job {job_id} started (one-time, {_identifiers(config, done)})")
    wait_for_job(macie2, job_id, timeout - (clock() - started), sleep, clock)
    # (approximateNumberOfObjectsToProcess counts what is left: 0 once a run is over)
    say("job complete")
    _endpoint.drain_events(endpoint.url, max(timeout - (clock() - started), 1.0))
    say("findings delivered through EventBridge to the notifier")
    return _read_back(aws, config, endpoint, done, job_id, clock() - started)


def _identifiers(config: Config, done: Provisioned) -> str:
    managed = config.job.managed_identifiers.selector
    return f"managed identifiers {managed}, {len(done.identifier_ids)} custom"


def _read_back(
    aws: Aws, config: Config, endpoint: Endpoint, done: Provisioned, job_id: str, seconds: float
) -> DemoReport:
    findings = job_findings(aws.client("macie2"), job_id)
    function = aws.client("lambda").get_function_configuration(FunctionName=done.names.function)
    environment = dict((function.get("Environment") or {}).get("Variables") or {})
    messages, delivered = messages_for(findings, _endpoint.slack_messages(endpoint.url))
    qualifying = qualifying_ids(findings, environment)
    decisions = {}
    if set(qualifying) - set(delivered):
        decisions = notifier_decisions(aws.client("logs"), done.names.log_group)
    slack = config.notifications.slack
    return DemoReport(
        endpoint=endpoint.url,
        region=done.region,
        bucket=done.names.bucket,
        job_id=job_id,
        channel=slack.channel if slack.mode == "token" and slack.channel else "(webhook)",
        min_severity=config.notifications.min_severity,
        findings=tuple(findings),
        slack_messages=tuple(messages),
        qualifying=qualifying,
        delivered=delivered,
        function=done.names.function,
        uploaded=done.uploaded,
        seconds=seconds,
        notifier_log=decisions,
    )


__all__ = [
    "DEFAULT_TIMEOUT",
    "DemoError",
    "DemoReport",
    "Endpoint",
    "NotDelivered",
    "example_config",
    "open_endpoint",
    "resolve_source",
    "run_demo",
    "sample_data_dir",
]
