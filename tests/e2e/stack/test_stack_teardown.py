"""teardown: only the stack's tagged resources, in reverse order; never an adopted bucket,
never a non-empty one without force_destroy; Macie stays enabled unless asked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from macie_notify.stack import Action
from tests.e2e.stack.conftest import CONFIG, TOKEN, config, engine, inventory, make_aws, setup
from tests.e2e.stack.stack_cli import run_cli

pytestmark = pytest.mark.e2e

BUCKET = "stacktest-data-123456789012-eu-west-1"
EMPTY = {
    "buckets": [],
    "secrets": [],
    "queues": [],
    "roles": [],
    "log_groups": [],
    "functions": [],
    "rules": [],
    "macie": "on",
    "identifiers": [],
    "active_jobs": [],
    "targets": {},
    "permissions": {},
}


def test_teardown_leaves_nothing_tagged_and_macie_enabled(url: str) -> None:
    aws = make_aws(url)
    setup(config(), aws)
    plan = engine(config(), aws).teardown_plan()
    order = [c.resource for c in plan.changes]
    assert order.index("eventbridge-rule") < order.index("lambda-function")
    assert order.index("lambda-function") < order.index("iam-role")
    assert order.index("classification-job") < order.index("custom-identifier")
    macie_row = next(c for c in plan.changes if c.resource == "macie")
    assert macie_row.action is Action.NOOP and "--disable-macie" in macie_row.reason
    engine(config(), aws).apply(plan)
    assert inventory(aws) == EMPTY
    (job,) = aws.client("macie2").list_classification_jobs()["items"]
    assert job["jobStatus"] == "CANCELLED"
    assert engine(config(), aws).teardown_plan().pending == ()


def test_adopted_bucket_with_its_own_policy_is_left_untouched(url: str) -> None:
    aws = make_aws(url)
    s3 = aws.client("s3")
    s3.create_bucket(
        Bucket="their-bucket", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    theirs = {
        "Sid": "TheirReadOnly",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::their-bucket/*",
    }
    s3.put_bucket_policy(
        Bucket="their-bucket", Policy=json.dumps({"Version": "2012-10-17", "Statement": [theirs]})
    )
    s3.put_bucket_tagging(
        Bucket="their-bucket", Tagging={"TagSet": [{"Key": "owner", "Value": "data-team"}]}
    )
    s3.put_object(Bucket="their-bucket", Key="keep.txt", Body=b"theirs")
    adopted = config(CONFIG + "bucket: {name: their-bucket, create: false}\n")
    setup(adopted, aws)
    policy = json.loads(s3.get_bucket_policy(Bucket="their-bucket")["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == [
        "TheirReadOnly",
        "MacieNotifyDenyInsecureTransport",
    ]
    assert policy["Statement"][0] == theirs
    tags = s3.get_bucket_tagging(Bucket="their-bucket")["TagSet"]
    assert tags == [{"Key": "owner", "Value": "data-team"}]  # not claimed by the stack

    plan = engine(adopted, aws).teardown_plan()
    row = next(c for c in plan.changes if c.resource == "bucket")
    assert row.action is Action.NOOP and row.reason.startswith("kept: adopted")
    engine(adopted, aws).apply(plan)
    assert json.loads(s3.get_bucket_policy(Bucket="their-bucket")["Policy"]) == policy
    assert s3.get_bucket_tagging(Bucket="their-bucket")["TagSet"] == tags
    assert inventory(aws)["buckets"] == ["their-bucket"]
    assert inventory(aws)["functions"] == []


def test_non_empty_bucket_is_kept_unless_force_destroy(url: str) -> None:
    aws = make_aws(url)
    setup(config(CONFIG + "bucket: {enforce_tls: false}\n"), aws)
    aws.client("s3").put_object(Bucket=BUCKET, Key="a.txt", Body=b"1")
    aws.client("s3").put_object(Bucket=BUCKET, Key="a.txt", Body=b"2")  # two versions
    kept = engine(config(), aws).teardown_plan()
    row = next(c for c in kept.changes if c.resource == "bucket")
    assert row.action is Action.NOOP and "force_destroy" in row.reason
    forced = config(CONFIG + "bucket: {enforce_tls: false, force_destroy: true}\n")
    plan = engine(forced, aws).teardown_plan()
    assert next(c for c in plan.changes if c.resource == "bucket").action is Action.DELETE
    engine(forced, aws).apply(plan)
    assert inventory(aws)["buckets"] == []


def test_resources_without_the_stack_tags_are_kept(url: str) -> None:
    aws = make_aws(url)
    setup(config(), aws)
    aws.client("sqs").untag_queue(
        QueueUrl=aws.client("sqs").get_queue_url(QueueName="stacktest-notifier-dlq")["QueueUrl"],
        TagKeys=["macie-notify:stack"],
    )
    plan = engine(config(), aws).teardown_plan()
    row = next(c for c in plan.changes if c.resource == "dead-letter-queue")
    assert (row.action, row.reason) == (
        Action.NOOP,
        "kept: not tagged macie-notify:stack=stacktest",
    )


def test_teardown_cli_refuses_without_a_terminal_and_disable_macie_warns(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "macie-notify.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    aws = make_aws(url)
    setup(config(), aws)
    code, _out, err = run_cli(["teardown", "-c", str(path)], aws, capsys)
    assert code == 2
    assert err.splitlines()[-2:] == [
        "Error: refusing to change AWS without a confirmation, and there is no terminal to ask",
        "Hint: pass --yes to apply the plan above (or --dry-run to only show it)",
    ]
    assert inventory(aws)["functions"] == ["stacktest-notifier"]
    code, out, err = run_cli(
        ["teardown", "-c", str(path), "--yes", "--disable-macie", "-o", "json"], aws, capsys
    )
    assert code == 0, err
    assert "Warning: --disable-macie disables Amazon Macie" in err
    rows = json.loads(out)
    assert {r["resource"]: r["action"] for r in rows}["macie"] == "delete"
    assert inventory(aws)["macie"] == "off"
