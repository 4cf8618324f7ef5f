"""``macie-notify demo``: the whole pipeline end to end on the embedded local AWS.

    with open_endpoint() as endpoint:             # a LocalServer on a free port
        report = run_demo(config, sample_data_dir(), endpoint, progress=print)

A script over the functions the commands use, stage by stage: ``setup`` (the stack
engine's plan and apply), ``upload-samples`` (the samples sync), ``jobs run --wait`` (a
one-time job, polled), the findings ``findings list`` reads, the Slack messages the
local sink received, then the bucket's default encryption removed (the local endpoint
raises a policy finding from that S3 call) and that finding followed to Slack, then
``teardown``. :class:`DemoReport` holds what was read back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from importlib import resources
from pathlib import Path
from typing import Any

from macie_notify.aws import Aws, AwsSettings
from macie_notify.config import Config
from macie_notify.demo import endpoint as _endpoint
from macie_notify.demo.deploy import (
    Progress,
    Provisioned,
    SlackTarget,
    demo_config,
    engine_for,
    setup,
    teardown,
)
from macie_notify.demo.endpoint import Endpoint, open_endpoint
from macie_notify.demo.errors import DemoError, NotDelivered
from macie_notify.demo.report import (
    DemoReport,
    job_findings,
    messages_for,
    notifier_decisions,
    policy_finding,
    qualifying_ids,
)
from macie_notify.demo.stages import Budget, stage
from macie_notify.errors import AwsError, UsageError

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


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
POLL_INTERVAL = 0.1  # the local job finishes in well under a second


def run_demo(
    config: Config,
    source: Path,
    endpoint: Endpoint,
    *,
    region: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    keep: bool = False,
    progress: Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> DemoReport:
    """Every stage in order; ``timeout`` bounds them all, ``keep`` skips the teardown.

    The stack is also kept when a finding that qualifies did not reach Slack, so the
    function's log can still be read.
    """
    say = progress or (lambda _line: None)
    budget = Budget(timeout, clock)
    config = demo_config(config)
    aws = Aws(
        AwsSettings(
            region=region,
            config_region=config.stack.region,
            endpoint_url=endpoint.url,
            local=True,
            dummy_credentials=True,
        )
    )

    def step(name: str) -> Any:
        return stage(name, embedded=endpoint.embedded, url=endpoint.url)

    with step("setup"):
        # Macie is disabled at teardown only on the demo's own server: a running endpoint
        # may hold more than the demo's stack.
        engine = engine_for(aws, config, SlackTarget(endpoint.url), disable_macie=endpoint.embedded)
        done = setup(engine, config, say)
        budget.left("setup")
    with step("upload-samples"):
        uploaded = _upload(aws, config, done, source, say)
        budget.left("upload-samples")
    macie2 = aws.client("macie2")
    with step("job"):
        job_id = _run_job(macie2, config, done, budget, sleep, clock, say)
    with step("delivery"):
        _deliver(endpoint, budget, "the job's findings were still on their way to Slack")
        say("findings delivered through EventBridge to the notifier")
        findings = job_findings(macie2, job_id)
    with step("policy finding"):
        policy = _policy_finding(aws, endpoint, done, budget, say)
    report = _read_back(aws, config, endpoint, done, job_id, findings, policy)
    report = report.with_times(uploaded=uploaded, seconds=budget.elapsed())
    if keep or not report.ok:
        return report
    with step("teardown"):
        removed = teardown(engine)
        if removed["left"]:
            left = ", ".join(f"{r['resource']} {r['name']}" for r in removed["left"])
            raise DemoError(f"resources left after teardown: {left}")
        say(f"teardown: {len(removed['deleted'])} resources deleted, nothing left")
    return report.with_times(seconds=budget.elapsed(), teardown=removed)


def _upload(aws: Aws, config: Config, done: Provisioned, source: Path, say: Progress) -> int:
    """``upload-samples``: the samples sync into the stack's bucket."""
    from macie_notify import samples

    s3 = aws.client("s3")
    plan = samples.plan_sync(s3, done.names.bucket, source, config.samples.prefix)
    result = samples.apply_sync(s3, plan)
    if result.failed:
        key, reason = result.failed[0]
        raise DemoError(f"{len(result.failed)} uploads failed, e.g. {key}: {reason}")
    n, same = len(result.uploaded), len(plan.unchanged)
    unchanged = f", {same} unchanged" if same else ""
    say(f"uploaded {n} sample file{'s' if n != 1 else ''} from {source}{unchanged}")
    return n + same


def _run_job(
    macie2: Any,
    config: Config,
    done: Provisioned,
    budget: Budget,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
    say: Progress,
) -> str:
    """``jobs run --wait``: the config's job, once, now; polled until the run is over."""
    from macie_notify import jobs

    started = jobs.run_now(
        macie2,
        jobs.RunRequest(bucket=None, config=config),
        account_id=done.account_id,
        region=done.region,
        now=datetime.now(timezone.utc),
    )
    job_id = str(started["jobId"])
    say(f"classification job {job_id} started (one-time, {_identifiers(config)})")
    try:
        job = jobs.wait(
            macie2,
            job_id,
            interval=POLL_INTERVAL,
            sleep=sleep,
            progress=lambda _job: None,
            timeout=budget.left("job"),
            # jobs.wait measures with datetimes; the demo's clock is monotonic seconds.
            clock=lambda: _EPOCH + timedelta(seconds=clock()),
        )
    except AwsError:
        if budget.elapsed() >= budget.timeout:
            raise budget.spent("job", f"classification job {job_id} had not completed") from None
        raise
    status = job.get("jobStatus")
    if status not in ("COMPLETE", "IDLE"):
        raise DemoError(
            f"classification job {job_id} stopped ({status}) before it completed",
            hint=f"`macie-notify jobs show {job_id} --local` shows why",
        )
    # (approximateNumberOfObjectsToProcess counts what is left: 0 once a run is over)
    say("job complete")
    return job_id


def _deliver(endpoint: Endpoint, budget: Budget, doing: str) -> None:
    if not _endpoint.drain_events(endpoint.url, budget.left("delivery", doing)):
        raise budget.spent("delivery", doing)


def _policy_finding(
    aws: Aws, endpoint: Endpoint, done: Provisioned, budget: Budget, say: Progress
) -> dict[str, Any]:
    """Remove the bucket's default encryption; the policy finding Macie raises for it."""
    bucket = done.names.bucket
    aws.client("s3").delete_bucket_encryption(Bucket=bucket)
    say(f"default encryption removed from {bucket} (DeleteBucketEncryption)")
    # A finding that already exists (an earlier demo on this endpoint) is updated, and
    # updates wait for the publishing frequency: publish them now.
    _endpoint.local_call(endpoint.url, "POST", "/_local/findings/publish")
    _deliver(endpoint, budget, "the policy finding was still on its way to Slack")
    found = policy_finding(aws.client("macie2"), bucket)
    if found is None:
        raise DemoError(f"Macie raised no S3BucketEncryptionDisabled finding for {bucket}")
    say(f"policy finding {found.get('type')} for {bucket}")
    return found


def _identifiers(config: Config) -> str:
    managed = config.job.managed_identifiers.selector
    return f"managed identifiers {managed}, {len(config.job_custom_identifiers())} custom"


def _read_back(
    aws: Aws,
    config: Config,
    endpoint: Endpoint,
    done: Provisioned,
    job_id: str,
    findings: list[dict[str, Any]],
    policy: dict[str, Any],
) -> DemoReport:
    function = aws.client("lambda").get_function_configuration(FunctionName=done.names.function)
    environment = dict((function.get("Environment") or {}).get("Variables") or {})
    every = [*findings, policy]
    messages, delivered = messages_for(every, _endpoint.slack_messages(endpoint.url))
    qualifying = qualifying_ids(every, environment)
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
        policy_finding=policy,
        slack_messages=tuple(messages),
        qualifying=qualifying,
        delivered=delivered,
        function=done.names.function,
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
