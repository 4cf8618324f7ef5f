"""A finding storm on the local endpoint: deploy the stack in one delivery mode, publish N
findings of one job run over one bucket at once, and watch Slack and the dead-letter queue.

Used by ``bench/storm.py`` and the storm tests. The findings enter through the local
Macie's own publishing path (as a finished job's findings do), so they reach the deployed
rule, queue, mapping and function exactly as on AWS; the Slack sink's per-channel rate is
on unless the caller switches it off.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from macie_notify.aws import Aws, AwsSettings
from macie_notify.config import loads
from macie_notify.stack import Engine

if TYPE_CHECKING:
    from macie_notify.local import LocalServer

ACCOUNT = "123456789012"
REGION = "us-east-1"
STACK = "storm"
JOB_ID = "5708d0a3c2b1e4f6a7b8c9d0e1f2a3b4"
BUCKET = "storm-data-bucket"
TOKEN = "xoxb-storm-0000-local"
CHANNEL = "#storm"
FINDING_TYPES = (
    "SensitiveData:S3Object/Financial",
    "SensitiveData:S3Object/Personal",
    "SensitiveData:S3Object/Credentials",
)
_COUNT = re.compile(r"^([\d,]+) findings? in ")
_KEY = re.compile(r"s3://[^/\s]+/(\S+)")


@dataclass
class StormResult:
    mode: str
    findings: int
    seconds: float  # from publishing until the last finding was in Slack or the DLQ
    slack_messages: int  # every accepted post (parents, thread replies, summaries)
    parents: int
    counted: int  # findings Slack shows (digest counts, or one per direct post)
    dead_lettered: int
    max_in_flight: int
    rate_limited: int
    keys_posted: list[str] = field(default_factory=list)


def config_text(mode: str, *, storm_findings: int = 100_000, window_s: int = 1) -> str:
    return f"""
stack:
  name: {STACK}
bucket:
  name: {BUCKET}
job:
  name: scan
  schedule: once
notifications:
  slack: {{channel: '{CHANNEL}'}}
  delivery: {mode}
  reserved_concurrency: 2
  digest: {{window_s: {window_s}, batch_size: 100, max_receives: 3}}
  storm_threshold: {{findings: {storm_findings}, minutes: 5}}
"""


def deploy(server: LocalServer, mode: str, **kwargs: Any) -> Aws:
    """Reset the endpoint and deploy the stack (no classification job) in ``mode``."""
    server.reset()
    aws = Aws(
        AwsSettings(
            region=REGION, endpoint_url=server.endpoint_url, local=True, dummy_credentials=True
        )
    )
    engine = Engine.for_config(
        loads(config_text(mode, **kwargs), source="storm.yaml"),
        aws,
        secret_value=TOKEN,
        extra_environment={"SLACK_API_URL": f"{server.endpoint_url}/_local/slack/api/"},
        skip=frozenset({"classification-job"}),
        sleep=lambda _s: None,
    )
    engine.apply(engine.plan())
    return aws


def publish(server: LocalServer, count: int, buckets: int = 1) -> float:
    """``count`` findings of one job run, over ``buckets`` buckets (taken in turn),
    published at once; returns the clock reading when the last one was handed over."""
    from macie_notify.local.macie2.sample_findings import sensitive_finding

    backend = server.macie2_backends.get(ACCOUNT, REGION)
    when = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    with backend.transaction():
        for n in range(count):
            doc = sensitive_finding(
                FINDING_TYPES[n % len(FINDING_TYPES)],
                ACCOUNT,
                REGION,
                BUCKET if n % buckets == 0 else f"{BUCKET}-{n % buckets}",
                f"exports/{n:05d}/records.csv",
                when,
                job_id=JOB_ID,
            )
            backend.findings.put(doc, publish=True)
    return time.monotonic()


def dead_letters(aws: Aws) -> int:
    sqs = aws.client("sqs")
    url = sqs.get_queue_url(QueueName=f"{STACK}-notifier-dlq")["QueueUrl"]
    attrs = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(
        attrs["ApproximateNumberOfMessagesNotVisible"]
    )


def tally(server: LocalServer, mode: str) -> tuple[int, int, list[str]]:
    """(parents, findings Slack shows, object keys of direct posts)."""
    parents = counted = 0
    keys: list[str] = []
    for message in server.slack_sink.messages(CHANNEL):
        if message.get("thread_ts"):
            continue
        text = str(message["text"])
        if mode == "digest":
            match = _COUNT.match(text)
            if match:
                parents += 1
                counted += int(match.group(1).replace(",", ""))
        else:
            found = _KEY.search(text)
            if found:
                parents += 1
                counted += 1
                keys.append(found.group(1))
    return parents, counted, keys


def run(
    server: LocalServer,
    mode: str,
    count: int,
    *,
    timeout_s: float = 600.0,
    before_publish: Callable[[], None] | None = None,
    poll_s: float = 0.25,
    buckets: int = 1,
    queued_first: bool = False,
    **config: Any,
) -> StormResult:
    """Deploy, publish ``count`` findings, wait until each is in Slack or the DLQ.

    ``queued_first`` holds the queue's poller until EventBridge has handed every finding
    to the queue, so batches are cut by size alone (tests that name exact batches); by
    default the batching window runs while the findings arrive, as on AWS.
    """
    aws = deploy(server, mode, **config)
    if before_publish is not None:
        before_publish()
    started = time.monotonic()
    if queued_first:
        server.queue_poller.stop()
    publish(server, count, buckets)
    if queued_first:
        server.event_router.drain(timeout_s)
        server.queue_poller.start()
    deadline = started + timeout_s
    finished = None
    while time.monotonic() < deadline:
        _parents, counted, _keys = tally(server, mode)
        if counted + dead_letters(aws) >= count:
            finished = time.monotonic()
            break
        time.sleep(poll_s)
    server.event_router.drain(30)
    server.queue_poller.idle(30)
    parents, counted, keys = tally(server, mode)
    stats = server.slack_sink.stats()
    return StormResult(
        mode=mode,
        findings=count,
        seconds=(finished or time.monotonic()) - started,
        slack_messages=len(server.slack_sink.messages(CHANNEL)),
        parents=parents,
        counted=counted,
        dead_lettered=dead_letters(aws),
        max_in_flight=int(stats["max_in_flight"]),
        rate_limited=int(stats["rate_limited"]),
        keys_posted=keys,
    )


def as_json(result: StormResult) -> str:
    data = {k: v for k, v in result.__dict__.items() if k != "keys_posted"}
    data["seconds"] = round(result.seconds, 1)
    return json.dumps(data)
