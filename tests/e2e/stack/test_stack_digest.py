"""delivery: digest on the local endpoint: the encrypted queue only the rule may send to,
its redrive to the dead-letter queue, the mapping, the rule's target; switching modes is
a plan with reasons, and teardown removes the queue and the mapping."""

from __future__ import annotations

import json

import pytest

from macie_notify.stack import Action
from tests.e2e.stack.conftest import CONFIG, Calls, config, engine, inventory, make_aws, setup

pytestmark = pytest.mark.e2e

DIGEST = (
    CONFIG
    + "  delivery: digest\n  reserved_concurrency: 3\n"
    + "  digest: {window_s: 20, batch_size: 50, max_receives: 4}\n"
)
QUEUE = "stacktest-notifier-findings"
RULE_ARN = "arn:aws:events:eu-west-1:123456789012:rule/stacktest-macie-findings"


def _rows(plan: object) -> dict[str, tuple[Action, str]]:
    return {c.resource: (c.action, c.reason) for c in plan.changes}  # type: ignore[attr-defined]


def test_digest_resources_switch_and_teardown(url: str) -> None:
    aws = make_aws(url)
    setup(config(), aws)

    rows = _rows(engine(config(DIGEST), aws).plan())
    assert rows["digest-queue"] == (Action.CREATE, "does not exist")
    assert rows["event-source-mapping"] == (Action.CREATE, "does not exist")
    action, reason = rows["eventbridge-rule"]
    assert action is Action.UPDATE
    assert "target: the function -> the digest queue (delivery: digest)" in reason
    assert "invoke permission no longer needed (delivery: digest)" in reason
    assert rows["lambda-function"][0] is Action.UPDATE
    assert "reserved concurrency: 2 -> 3" in rows["lambda-function"][1]

    setup(config(DIGEST), aws)
    sqs, lam, events = aws.client("sqs"), aws.client("lambda"), aws.client("events")
    url_ = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url_, AttributeNames=["All"])["Attributes"]
    assert attrs["SqsManagedSseEnabled"] == "true"
    assert attrs["VisibilityTimeout"] == str(6 * 30 + 20)
    redrive = json.loads(attrs["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"].endswith(":stacktest-notifier-dlq")
    assert int(redrive["maxReceiveCount"]) == 4
    (statement,) = json.loads(attrs["Policy"])["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": RULE_ARN}}
    (mapping,) = lam.list_event_source_mappings(FunctionName="stacktest-notifier")[
        "EventSourceMappings"
    ]
    assert mapping["EventSourceArn"] == attrs["QueueArn"]
    assert mapping["BatchSize"] == 50
    assert mapping["MaximumBatchingWindowInSeconds"] == 20
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": 3}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    (target,) = events.list_targets_by_rule(Rule="stacktest-macie-findings")["Targets"]
    assert target["Arn"] == attrs["QueueArn"]
    assert "stacktest-notifier" not in inventory(aws)["permissions"]
    function = lam.get_function(FunctionName="stacktest-notifier")
    assert function["Concurrency"] == {"ReservedConcurrentExecutions": 3}
    assert function["Configuration"]["Environment"]["Variables"]["DELIVERY"] == "digest"
    role = aws.client("iam").get_role_policy(
        RoleName="stacktest-notifier-eu-west-1", PolicyName="notifier"
    )
    sids = [s["Sid"] for s in role["PolicyDocument"]["Statement"]]
    assert "OwnDigestQueue" in sids

    # Converged: a second run writes nothing.
    calls = Calls()
    setup(config(DIGEST), make_aws(url, calls.hook))
    assert calls.mutating == []

    # Back to direct: the plan says why the queue and mapping go.
    rows = _rows(engine(config(), aws).plan())
    assert rows["event-source-mapping"] == (Action.DELETE, "delivery: direct no longer uses it")
    assert rows["digest-queue"] == (Action.DELETE, "delivery: direct no longer uses it")
    assert (
        "target: the digest queue -> the function (delivery: direct)"
        in (rows["eventbridge-rule"][1])
    )
    setup(config(), aws)
    assert not any(q.endswith(QUEUE) for q in inventory(aws)["queues"])
    assert (
        lam.list_event_source_mappings(FunctionName="stacktest-notifier")["EventSourceMappings"]
        == []
    )
    (target,) = events.list_targets_by_rule(Rule="stacktest-macie-findings")["Targets"]
    assert target["Arn"].endswith(":function:stacktest-notifier")
    assert inventory(aws)["permissions"]["stacktest-notifier"] == [
        "stacktest-macie-findings-invoke"
    ]


@pytest.mark.parametrize("final", ["digest", "direct"])
def test_teardown_removes_the_queue_and_mapping(url: str, final: str) -> None:
    aws = make_aws(url)
    setup(config(DIGEST), aws)
    eng = engine(config(DIGEST if final == "digest" else CONFIG), aws)
    plan = eng.teardown_plan()
    order = [c.resource for c in plan.changes if c.action is Action.DELETE]
    assert order.index("event-source-mapping") < order.index("digest-queue")
    eng.apply(plan)
    inv = inventory(aws)
    assert inv["queues"] == [] and inv["functions"] == []
    assert aws.client("lambda").list_event_source_mappings()["EventSourceMappings"] == []
