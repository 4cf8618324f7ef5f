"""A rule's Lambda target (the notifier zip, built here) receives the
event and posts with slack_sdk to the sink; a failing function is retried twice and its
event lands in the dead-letter destination; a 429 from the sink is honoured."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pipeline_helpers import drain_events, drain_queue

from macie_notify.local import LocalServer
from macie_notify.packaging import HANDLER, build_zip
from macie_notify.stack.policies import LAMBDA_TRUST

pytestmark = pytest.mark.e2e

TOKEN = "xoxb-local-0001-abcdef"
FUNCTION = "macie-demo-notifier"


@pytest.fixture
def pipeline(aws: Callable[[str], Any], server: LocalServer) -> Iterator[dict[str, str]]:
    """Secret, dead-letter queue, the notifier function and a Macie rule targeting it."""
    iam, lam, sqs = aws("iam"), aws("lambda"), aws("sqs")
    secrets, events, macie = aws("secretsmanager"), aws("events"), aws("macie2")
    role = iam.create_role(RoleName="notifier", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))
    secret = secrets.create_secret(Name="slack-token", SecretString=TOKEN)["ARN"]
    dlq_url = sqs.create_queue(QueueName="notifier-dlq")["QueueUrl"]
    dlq = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])
    code, _ = build_zip()
    fn = lam.create_function(
        FunctionName=FUNCTION,
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler=HANDLER,
        Code={"ZipFile": code},
        Timeout=30,
        Environment={
            "Variables": {
                "SLACK_CHANNEL": "#aws-macie-events",
                "SLACK_TOKEN_SECRET_ARN": secret,
                "INCLUDE_SAMPLE_FINDINGS": "true",
            }
        },
    )
    lam.put_function_event_invoke_config(
        FunctionName=FUNCTION,
        MaximumRetryAttempts=2,
        DestinationConfig={"OnFailure": {"Destination": dlq["Attributes"]["QueueArn"]}},
    )
    rule = events.put_rule(
        Name="macie-findings",
        EventPattern=json.dumps({"source": ["aws.macie"], "detail-type": ["Macie Finding"]}),
    )
    events.put_targets(
        Rule="macie-findings", Targets=[{"Id": "notifier", "Arn": fn["FunctionArn"]}]
    )
    lam.add_permission(
        FunctionName=FUNCTION,
        StatementId="macie-findings",
        Action="lambda:InvokeFunction",
        Principal="events.amazonaws.com",
        SourceArn=rule["RuleArn"],
    )
    macie.enable_macie()
    runner = server.event_router.runner
    saved, runner.retry_delays = runner.retry_delays, (0.05, 0.1)
    server.slack_sink.configure(tokens=[TOKEN], channels={"#aws-macie-events": "C0MACIE01"})
    try:
        yield {"dlq": dlq_url, "endpoint": server.endpoint_url}
    finally:
        runner.retry_delays = saved
        server.slack_sink.configure(tokens=None, channels=None)


def publish_one(aws: Callable[[str], Any], endpoint: str) -> dict[str, Any]:
    aws("macie2").create_sample_findings(findingTypes=["SensitiveData:S3Object/Personal"])
    drain_events(endpoint)
    (finding_id,) = aws("macie2").list_findings()["findingIds"]
    return dict(aws("macie2").get_findings(findingIds=[finding_id])["findings"][0])


def test_lambda_posts_the_finding_to_the_sink(
    aws: Callable[[str], Any], server: LocalServer, pipeline: dict[str, str]
) -> None:
    finding = publish_one(aws, pipeline["endpoint"])
    (message,) = server.slack_sink.messages()
    assert message["channel"] == "C0MACIE01"
    assert message["via"] == "chat.postMessage"
    assert message["blocks"], "the notifier posts Block Kit blocks"
    assert finding["resourcesAffected"]["s3Bucket"]["name"] in json.dumps(message)
    (delivery,) = server.event_router.deliveries()
    assert delivery["lambda"] == {"condition": "Success", "attempts": 1, "sentTo": []}
    logs = aws("logs").filter_log_events(logGroupName=f"/aws/lambda/{FUNCTION}")["events"]
    lines = [e["message"] for e in logs]
    assert lines[0].startswith("START RequestId: ")
    assert any(line.startswith("REPORT RequestId: ") for line in lines)
    assert TOKEN not in json.dumps(lines)
    assert drain_queue(aws, pipeline["dlq"]) == []


def test_failing_function_is_retried_twice_then_dead_lettered(
    aws: Callable[[str], Any], server: LocalServer, pipeline: dict[str, str]
) -> None:
    server.slack_sink.configure(tokens=["xoxb-a-different-token"])  # the function's is refused
    finding = publish_one(aws, pipeline["endpoint"])
    assert server.slack_sink.messages() == []
    (delivery,) = server.event_router.deliveries()
    assert delivery["lambda"]["condition"] == "RetriesExhausted"
    assert delivery["lambda"]["attempts"] == 3
    (message,) = drain_queue(aws, pipeline["dlq"])
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestPayload"]["detail"]["id"] == finding["id"]
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert "invalid_auth" in json.dumps(record["responsePayload"])
    assert TOKEN not in message["Body"]


def test_rate_limit_from_the_sink_is_honoured(
    aws: Callable[[str], Any], server: LocalServer, pipeline: dict[str, str]
) -> None:
    server.slack_sink.set_faults(rate_limit_count=1, retry_after=1)
    publish_one(aws, pipeline["endpoint"])
    assert len(server.slack_sink.messages()) == 1
    assert server.slack_sink.faults.rate_limit_count == 0  # the 429 was served ...
    (delivery,) = server.event_router.deliveries()
    # ... and retried inside the one invocation, after Retry-After, not by Lambda.
    assert delivery["lambda"] == {"condition": "Success", "attempts": 1, "sentTo": []}
    assert drain_queue(aws, pipeline["dlq"]) == []
