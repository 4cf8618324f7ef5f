"""setup on the local endpoint: exactly the configured settings, then a no-op second run."""

from __future__ import annotations

import json

import pytest

from macie_notify.stack import Action
from tests.e2e.stack.conftest import (
    CONFIG,
    TOKEN,
    Calls,
    config,
    engine,
    inventory,
    make_aws,
    setup,
    tagged,
)

pytestmark = pytest.mark.e2e

BUCKET = "stacktest-data-123456789012-eu-west-1"


def test_fresh_setup_creates_every_resource_with_the_configured_settings(url: str) -> None:
    aws = make_aws(url)
    eng = setup(config(), aws)
    s3 = aws.client("s3")
    rules = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    assert s3.get_bucket_versioning(Bucket=BUCKET)["Status"] == "Enabled"
    ownership = s3.get_bucket_ownership_controls(Bucket=BUCKET)["OwnershipControls"]
    assert ownership["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    policy = json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"])
    assert policy["Statement"] == [
        {
            "Sid": "MacieNotifyDenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ]
    assert tagged(s3.get_bucket_tagging(Bucket=BUCKET)["TagSet"])
    assert s3.get_bucket_location(Bucket=BUCKET)["LocationConstraint"] == "eu-west-1"

    group = aws.client("logs").describe_log_groups(logGroupNamePrefix="/aws/lambda/stacktest")
    assert [g["retentionInDays"] for g in group["logGroups"]] == [30]

    secrets = aws.client("secretsmanager")
    secret = secrets.describe_secret(SecretId="stacktest/slack")
    assert secrets.get_secret_value(SecretId="stacktest/slack")["SecretString"] == TOKEN
    assert tagged(secret["Tags"])

    lam = aws.client("lambda")
    function = lam.get_function(FunctionName="stacktest-notifier")
    conf = function["Configuration"]
    assert conf["Environment"]["Variables"] == {
        "MIN_SEVERITY": "Medium",
        "SLACK_CHANNEL": "#aws-macie-events",
        "FINDING_TYPES_INCLUDE": "SensitiveData:",
        "SLACK_TOKEN_SECRET_ARN": secret["ARN"],
        "STORM_THRESHOLD": "50/5m",
        "DELIVERY": "direct",
    }
    assert function["Concurrency"] == {"ReservedConcurrentExecutions": 2}
    assert conf["CodeSha256"] == eng.code_sha256
    assert conf["Handler"] == "notifier.handler.lambda_handler"
    assert conf["Role"].endswith(":role/stacktest-notifier-eu-west-1")
    assert tagged(function["Tags"])
    queue_url = aws.client("sqs").get_queue_url(QueueName="stacktest-notifier-dlq")["QueueUrl"]
    attrs = aws.client("sqs").get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])
    queue_arn = attrs["Attributes"]["QueueArn"]
    assert attrs["Attributes"]["SqsManagedSseEnabled"] == "true"
    invoke = lam.get_function_event_invoke_config(FunctionName="stacktest-notifier")
    assert invoke["DestinationConfig"]["OnFailure"]["Destination"] == queue_arn
    assert invoke["MaximumRetryAttempts"] == 2

    events = aws.client("events")
    rule = events.describe_rule(Name="stacktest-macie-findings")
    assert json.loads(rule["EventPattern"]) == {
        "source": ["aws.macie"],
        "detail-type": ["Macie Finding"],
        "detail": {
            "severity": {"description": ["Medium", "High"]},
            "type": [{"prefix": "SensitiveData:"}],
        },
    }
    (target,) = events.list_targets_by_rule(Rule="stacktest-macie-findings")["Targets"]
    assert target["Arn"] == conf["FunctionArn"]
    assert target["DeadLetterConfig"] == {"Arn": queue_arn}
    assert target["RetryPolicy"]["MaximumRetryAttempts"] == 185
    (statement,) = json.loads(lam.get_policy(FunctionName="stacktest-notifier")["Policy"])[
        "Statement"
    ]
    assert statement["Condition"]["ArnLike"]["AWS:SourceArn"] == rule["Arn"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}

    macie2 = aws.client("macie2")
    assert macie2.get_macie_session()["status"] == "ENABLED"
    idents = macie2.list_custom_data_identifiers()["items"]
    assert sorted(i["name"] for i in idents) == ["badge-id", "employee-id"]
    for item in idents:
        tags = macie2.get_custom_data_identifier(id=item["id"])["tags"]
        assert tagged(tags) and len(tags["macie-notify:hash"]) == 64
    (job,) = macie2.list_classification_jobs()["items"]
    described = macie2.describe_classification_job(jobId=job["jobId"])
    assert described["name"].startswith("stacktest-nightly-")
    assert sorted(described["customDataIdentifierIds"]) == sorted(i["id"] for i in idents)
    assert described["s3JobDefinition"]["bucketDefinitions"][0]["buckets"] == [BUCKET]
    assert tagged(described["tags"])


def test_second_setup_makes_no_mutating_call(url: str) -> None:
    setup(config(), make_aws(url))
    calls = Calls()
    eng = engine(config(), make_aws(url, calls.hook))
    plan = eng.plan()
    assert [c.action for c in plan.changes] == [Action.NOOP] * len(plan.changes)
    result = eng.apply(plan)
    assert calls.mutating == []
    assert len(calls.reads) > 10  # it did read everything
    assert all(c.id for c in result.changes if c.resource != "macie")


def test_us_east_1_bucket_is_created_without_a_location_constraint(url: str) -> None:
    aws = make_aws(url, region="us-east-1")
    setup(config(), aws)
    bucket = "stacktest-data-123456789012-us-east-1"
    assert aws.client("s3").get_bucket_location(Bucket=bucket)["LocationConstraint"] is None


def test_changing_one_identifier_replaces_only_it_and_the_job(url: str) -> None:
    aws = make_aws(url)
    setup(config(), aws)
    macie2 = aws.client("macie2")
    before = {i["name"]: i["id"] for i in macie2.list_custom_data_identifiers()["items"]}
    (old_job,) = macie2.list_classification_jobs()["items"]
    changed = config(CONFIG.replace("BDG-[0-9]{4}", "BDG-[0-9]{5}"))
    plan = engine(changed, aws).plan()
    actions = {(c.resource, c.name): c.action for c in plan.changes}
    assert actions.pop(("custom-identifier", "badge-id")) is Action.REPLACE
    job_key = next(k for k in actions if k[0] == "classification-job")
    assert actions.pop(job_key) is Action.REPLACE
    assert set(actions.values()) == {Action.NOOP}, plan.pending
    reason = next(c.reason for c in plan.changes if c.name == "badge-id")
    assert "definition changed" in reason
    engine(changed, aws).apply(plan)
    after = {i["name"]: i["id"] for i in macie2.list_custom_data_identifiers()["items"]}
    assert after["employee-id"] == before["employee-id"]
    assert after["badge-id"] != before["badge-id"]
    jobs = {j["jobId"]: j for j in macie2.list_classification_jobs()["items"]}
    assert jobs[old_job["jobId"]]["jobStatus"] == "CANCELLED"
    (new_job,) = [j for j in jobs.values() if j["jobStatus"] != "CANCELLED"]
    described = macie2.describe_classification_job(jobId=new_job["jobId"])
    assert sorted(described["customDataIdentifierIds"]) == sorted(after.values())
    assert new_job["name"] != old_job["name"]
    calls = Calls()
    engine(changed, make_aws(url, calls.hook)).apply(engine(changed, aws).plan())
    assert calls.mutating == []


def test_identifier_removed_from_the_config_is_deleted(url: str) -> None:
    aws = make_aws(url)
    setup(config(), aws)
    smaller = config(CONFIG.replace("  - name: badge-id\n    regex: 'BDG-[0-9]{4}'\n", ""))
    plan = engine(smaller, aws).plan()
    (gone,) = [c for c in plan.changes if c.action is Action.DELETE]
    assert (gone.resource, gone.name) == ("custom-identifier", "badge-id")
    engine(smaller, aws).apply(plan)
    names = [i["name"] for i in aws.client("macie2").list_custom_data_identifiers()["items"]]
    assert names == ["employee-id"]


def test_secret_is_rewritten_only_when_the_value_differs(url: str) -> None:
    aws = make_aws(url)
    setup(config(), aws)
    plan = engine(config(), aws, secret_value="xoxb-rotated").plan()
    (change,) = plan.pending
    assert (change.resource, change.action) == ("secret", Action.UPDATE)
    assert "xoxb" not in json.dumps(plan.to_list())
    calls = Calls()
    engine(config(), make_aws(url, calls.hook), secret_value="xoxb-rotated").apply(plan)
    assert calls.mutating == ["secretsmanager.PutSecretValue"]
    # An unset variable leaves the existing secret alone.
    assert engine(config(), aws, secret_value=None).plan().pending == ()


def test_drift_is_repaired_setting_by_setting(url: str) -> None:
    aws = make_aws(url)
    setup(config(), aws)
    s3 = aws.client("s3")
    s3.delete_public_access_block(Bucket=BUCKET)
    aws.client("logs").put_retention_policy(
        logGroupName="/aws/lambda/stacktest-notifier", retentionInDays=7
    )
    plan = engine(config(), aws).plan()
    reasons = {c.resource: c.reason for c in plan.pending}
    assert "public access block" in reasons["bucket"]
    assert reasons["log-group"] == "retention days: 7 -> 30"
    calls = Calls()
    engine(config(), make_aws(url, calls.hook)).apply(plan)
    assert sorted(calls.mutating) == ["logs.PutRetentionPolicy", "s3.PutPublicAccessBlock"]
    assert inventory(aws)["functions"] == ["stacktest-notifier"]
