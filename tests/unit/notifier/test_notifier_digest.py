"""Digest delivery: grouping, the parent and thread payloads (hand-written snapshots),
Slack's limits at 1,000 findings, partial batch failures and the storm window."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from macie_notify.notifier import handler
from macie_notify.notifier.batch import handle_batch, is_sqs_batch
from macie_notify.notifier.digest import digest_message, group, thread_replies
from macie_notify.notifier.event import MacieFindingEvent, Severity
from macie_notify.notifier.outcome import Delivered, DeliveryError
from macie_notify.notifier.settings import Settings
from macie_notify.notifier.storm import StormWindow

JOB = "0123456789abcdef0123456789abcdef"
SETTINGS = Settings(channel="#sec", bot_token="xoxb-test")


def finding(
    n: int,
    *,
    bucket: str = "data-bucket",
    key: str | None = None,
    severity: str = "High",
    kind: str = "SensitiveData:S3Object/Financial",
    job: str = JOB,
) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "id": f"f{n:04d}",
        "type": kind,
        "severity": {"description": severity, "score": 3},
        "accountId": "123456789012",
        "region": "eu-west-1",
        "partition": "aws",
        "category": "POLICY" if kind.startswith("Policy:") else "CLASSIFICATION",
        "resourcesAffected": {
            "s3Bucket": {"name": bucket},
            "s3Object": {"key": key or f"obj/{n}.csv"},
        },
        "classificationDetails": {"jobId": job} if not kind.startswith("Policy:") else {},
    }
    return {
        "version": "0",
        "id": f"e{n}",
        "detail-type": "Macie Finding",
        "source": "aws.macie",
        "account": "123456789012",
        "region": "eu-west-1",
        "detail": detail,
    }


def records(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "Records": [
            {"messageId": f"m{i}", "body": json.dumps(e), "eventSource": "aws:sqs"}
            for i, e in enumerate(events)
        ]
    }


def parsed(events: list[dict[str, Any]]) -> list[tuple[str, MacieFindingEvent]]:
    return [(f"m{i}", MacieFindingEvent.from_event(e)) for i, e in enumerate(events)]


def test_grouped_by_job_and_bucket_and_policy_by_bucket() -> None:
    events = [
        finding(0),
        finding(1, bucket="other"),
        finding(2),
        finding(3, kind="Policy:IAMUser/S3BucketPublic", severity="Medium"),
        finding(4, kind="Policy:IAMUser/S3BlockPublicAccessDisabled"),
    ]
    groups = group(parsed(events))
    assert [(g.key.category, g.key.job_id, g.key.bucket, g.record_ids) for g in groups] == [
        ("sensitive-data", JOB, "data-bucket", ["m0", "m2"]),
        ("sensitive-data", JOB, "other", ["m1"]),
        ("policy", None, "data-bucket", ["m3", "m4"]),
    ]


def test_parent_message_snapshot() -> None:
    events = [
        finding(0, key="payroll.csv"),
        finding(1, key="payroll.csv", severity="Medium"),
        finding(2, key="<!channel> x.csv", kind="SensitiveData:S3Object/Personal", severity="Low"),
    ]
    (g,) = group(parsed(events))
    link = (
        "https://eu-west-1.console.aws.amazon.com/macie/home?region=eu-west-1#findings?search="
        f"classificationDetails.jobId%3D{JOB}&macros=current"
    )
    assert digest_message(g) == {
        "text": f"3 findings in s3://data-bucket (job {JOB})",
        "blocks": [
            {
                "type": "header",
                "text": {"type": "plain_text", "text": "🔴 3 Macie findings · data-bucket"},
            },
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": f"*s3://data-bucket (job {JOB})*",
                    "verbatim": True,
                },
            },
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": "*By severity*\nHigh 1 · Medium 1 · Low 1\n*By type*\n"
                    "• Financial information in an S3 object "
                    "`SensitiveData:S3Object/Financial` × 2\n"
                    "• Personal information in an S3 object `SensitiveData:S3Object/Personal` × 1",
                    "verbatim": True,
                },
            },
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": "*Top objects*\n• `payroll.csv` × 2\n• `&lt;!channel&gt; x.csv` × 1",
                    "verbatim": True,
                },
            },
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": f"List them all: `macie-notify findings list --job {JOB}` · "
                        f"<{link}|Open in the Macie console> · "
                        "Every finding is listed in this thread.",
                        "verbatim": True,
                    }
                ],
            },
        ],
    }


def test_thread_reply_snapshot() -> None:
    (g,) = group(parsed([finding(0, key="a.csv"), finding(1, key="b.csv", severity="Low")]))
    assert thread_replies(g) == [
        {
            "text": "Findings 1-2 of 2 (1/1)",
            "blocks": [
                {
                    "type": "context",
                    "elements": [
                        {"type": "mrkdwn", "text": "Findings 1-2 of 2 (1/1)", "verbatim": True}
                    ],
                },
                {
                    "type": "section",
                    "text": {
                        "type": "mrkdwn",
                        "text": "🔴 High · `SensitiveData:S3Object/Financial` · `a.csv` · `f0000`\n"
                        "🟡 Low · `SensitiveData:S3Object/Financial` · `b.csv` · `f0001`",
                        "verbatim": True,
                    },
                },
            ],
        }
    ]


def test_a_thousand_findings_fit_slacks_limits_and_none_is_left_out() -> None:
    events = [finding(i, key="k/" + "x" * 200 + str(i)) for i in range(1000)]
    (g,) = group(parsed(events))
    parent = digest_message(g)
    assert parent["text"].startswith("1,000 findings in s3://data-bucket")
    replies = thread_replies(g)
    assert 1 < len(replies) <= 10
    lines = []
    for reply in replies:
        assert len(reply["blocks"]) <= 50
        for block in reply["blocks"][1:]:
            assert len(block["text"]["text"]) <= 3000
            lines += block["text"]["text"].split("\n")
    assert len(lines) == 1000
    assert {line.rsplit("`f", 1)[1].rstrip("`") for line in lines} == {
        f"{i:04d}" for i in range(1000)
    }
    assert replies[-1]["text"].endswith(f"of 1,000 ({len(replies)}/{len(replies)})")


class FakeSlack:
    """Posts succeed except the parents named in ``fail``; replies record thread_ts."""

    def __init__(self, fail: set[str] | None = None) -> None:
        self.fail = fail or set()
        self.posts: list[Mapping[str, Any]] = []

    def __call__(self, payload: Mapping[str, Any], config: Settings) -> Delivered:
        if any(payload["text"].endswith(f) for f in self.fail):
            raise DeliveryError("chat.postMessage failed: ratelimited (HTTP 429)")
        self.posts.append(payload)
        return Delivered("token", ts=f"{len(self.posts)}.0", channel="C1")


def test_only_the_undelivered_groups_records_come_back() -> None:
    events = [finding(0), finding(1, bucket="other"), finding(2), finding(3, bucket="other")]
    slack = FakeSlack(fail={f"s3://other (job {JOB})"})
    response, log = handle_batch(records(events), SETTINGS, slack)
    assert response == {"batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m3"}]}
    assert [p["text"] for p in slack.posts] == [
        f"2 findings in s3://data-bucket (job {JOB})",
        "Findings 1-2 of 2 (1/1)",
    ]
    assert slack.posts[1]["thread_ts"] == "1.0"
    assert log["findingsPosted"] == 2 and log["failedRecords"] == 2 and log["groups"] == 2


def test_skipped_and_foreign_records_are_done() -> None:
    batch = records([finding(0, severity="Low")])
    batch["Records"].append({"messageId": "x", "body": "not json", "eventSource": "aws:sqs"})
    assert is_sqs_batch(batch)
    config = Settings(channel="#sec", bot_token="t", min_severity=Severity.HIGH)
    slack = FakeSlack()
    response, log = handle_batch(batch, config, slack)
    assert response == {"batchItemFailures": []}
    assert slack.posts == [] and log["skipped"] == 1 and log["ignored"] == 1


def test_past_the_storm_threshold_a_digest_has_no_thread() -> None:
    slack = FakeSlack()
    window = StormWindow(3, 300, clock=lambda: 0.0)
    response, log = handle_batch(
        records([finding(i) for i in range(5)]), SETTINGS, slack, window.add
    )
    assert response == {"batchItemFailures": []}
    assert len(slack.posts) == 1 and log["storm"] is True
    assert "Storm threshold passed" in json.dumps(slack.posts[0])


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_direct_mode_storm_posts_one_summary_then_holds_and_reports_the_count() -> None:
    clock = Clock()
    handler.reset()
    config = Settings(channel="#sec", bot_token="t", storm=(2, 5))
    handler._STORM = StormWindow(2, 300, clock=clock)
    slack = FakeSlack()
    decisions = [
        handler.handle(finding(i), lambda: config, slack, log=lambda r: None)["decision"]
        for i in range(5)
    ]
    assert decisions == ["posted", "posted", "storm-summary", "held", "held"]
    assert slack.posts[2]["text"] == "More than 2 Macie findings in 5 minutes"
    clock.now = 300.0
    assert handler.handle(finding(9), lambda: config, slack, log=lambda r: None)["decision"] == (
        "posted"
    )
    assert slack.posts[3]["text"].startswith("3 Macie findings were not posted")
    assert len(slack.posts) == 5
    handler.reset()
