"""``notify test`` and ``notify replay``: drive the deployed notifier directly.

``send_test`` invokes the stack's function with a synthetic finding carrying the test
marker (the function posts it past its filters), then finds the function's own log line
for it in its log group: the delivery, as the function saw it, and how long it took.
``replay`` re-drives the events waiting in the dead-letter queue through the function,
one at a time, and deletes a message only once the function reports it posted; the
others become visible again at once, for the next attempt.

Both take their clients from :class:`~macie_notify.aws.Aws` and time from the caller.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from macie_notify.errors import AwsError
from macie_notify.notifier.event import envelope

if TYPE_CHECKING:
    from macie_notify.aws import Aws

LOG_POLL_S = 0.5
RECEIVE_VISIBILITY_S = 60


@dataclass(frozen=True)
class Target:
    """The deployed notifier: function, its log group, its dead-letter queue."""

    function: str
    log_group: str
    queue: str


def test_finding(account_id: str, region: str, now: datetime) -> dict[str, Any]:
    """A finding shaped as GetFindings returns it, unmistakably a test."""
    stamp = now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    finding_id = f"macie-notify-test-{uuid.uuid4().hex}"
    return {
        "schemaVersion": "1.0",
        "id": finding_id,
        "accountId": account_id,
        "region": region,
        "partition": "aws",
        "type": "SensitiveData:S3Object/Personal",
        "title": "Test finding from macie-notify notify test",
        "description": "A synthetic finding: the notifier's delivery check.",
        "severity": {"description": "Low", "score": 1},
        "createdAt": stamp,
        "updatedAt": stamp,
        "count": 1,
        "sample": True,
        "archived": False,
        "category": "CLASSIFICATION",
        "resourcesAffected": {
            "s3Bucket": {"name": "macie-notify-test", "tags": []},
            "s3Object": {"key": "notify-test.txt", "path": "macie-notify-test/notify-test.txt"},
        },
        "classificationDetails": {
            "result": {
                "sensitiveData": [
                    {
                        "category": "PERSONAL_INFORMATION",
                        "totalCount": 1,
                        "detections": [{"type": "NAME", "count": 1}],
                    }
                ],
                "customDataIdentifiers": {"totalCount": 0, "detections": []},
            }
        },
    }


def _invoke(aws: Aws, function: str, event: Mapping[str, Any]) -> dict[str, Any]:
    """RequestResponse Invoke: the handler's record, or an error record."""
    answer = aws.client("lambda").invoke(
        FunctionName=function, InvocationType="RequestResponse", Payload=json.dumps(event)
    )
    body = answer["Payload"].read()
    try:
        result = json.loads(body or b"null")
    except ValueError:
        result = None
    if answer.get("FunctionError"):
        message = result.get("errorMessage") if isinstance(result, dict) else None
        return {"decision": "failed", "error": str(message or answer["FunctionError"])}
    return result if isinstance(result, dict) else {"decision": "unknown"}


def send_test(
    aws: Aws,
    target: Target,
    *,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
    now: datetime,
    log_timeout: float = 30.0,
) -> dict[str, Any]:
    """Invoke the function with a test finding; its outcome and its log line."""
    finding = test_finding(aws.account_id, aws.region, now)
    started = clock()
    try:
        record = _invoke(aws, target.function, envelope(finding, test=True))
    except aws.client("lambda").exceptions.ResourceNotFoundException:
        raise AwsError(
            f"the notifier function {target.function} does not exist",
            "deploy the stack first: macie-notify setup",
        ) from None
    seconds = clock() - started
    logged = _find_log_line(aws, target.log_group, str(finding["id"]), clock, sleep, log_timeout)
    return {
        "findingId": finding["id"],
        "function": target.function,
        "decision": record.get("decision"),
        "channel": record.get("channel"),
        "ts": record.get("ts"),
        "error": record.get("error") or record.get("reason"),
        "invokeSeconds": round(seconds, 3),
        "functionMs": (logged or {}).get("durationMs"),
        "logGroup": target.log_group,
        "logged": logged is not None,
    }


def _find_log_line(
    aws: Aws,
    log_group: str,
    finding_id: str,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
    timeout: float,
) -> dict[str, Any] | None:
    """The function's JSON log line naming ``finding_id`` (CloudWatch Logs lags a little)."""
    logs = aws.client("logs")
    deadline = clock() + timeout
    while True:
        try:
            found = logs.filter_log_events(logGroupName=log_group, filterPattern=f'"{finding_id}"')
        except logs.exceptions.ResourceNotFoundException:
            found = {"events": []}
        for event in found.get("events", []):
            try:
                record = json.loads(event.get("message", ""))
            except ValueError:
                continue
            if isinstance(record, dict) and record.get("findingId") == finding_id:
                return record
        if clock() >= deadline:
            return None
        sleep(LOG_POLL_S)


@dataclass
class Waiting:
    """One dead-letter message: the event it holds and why it got there."""

    message_id: str
    receipt: str
    event: dict[str, Any] | None
    origin: str
    reason: str
    result: dict[str, Any] = field(default_factory=dict)

    def row(self) -> dict[str, Any]:
        detail = (self.event or {}).get("detail") or {}
        return {
            "messageId": self.message_id,
            "origin": self.origin,
            "findingId": detail.get("id"),
            "type": detail.get("type"),
            "severity": (detail.get("severity") or {}).get("description"),
            "reason": self.reason,
            "replay": self.result.get("decision"),
            "error": self.result.get("error") or self.result.get("reason"),
        }


def _parse(message: Mapping[str, Any]) -> Waiting:
    """The event inside a dead-letter message: an EventBridge target's (the event itself,
    the error in message attributes) or Lambda's on-failure invocation record."""
    try:
        body = json.loads(message.get("Body", ""))
    except ValueError:
        body = None
    attributes = message.get("MessageAttributes") or {}
    if isinstance(body, dict) and "requestPayload" in body:
        context = body.get("requestContext") or {}
        payload = body.get("requestPayload")
        return Waiting(
            str(message["MessageId"]),
            str(message["ReceiptHandle"]),
            payload if isinstance(payload, dict) else None,
            "lambda on-failure",
            str(context.get("condition") or "failed"),
        )
    code = (attributes.get("ERROR_CODE") or {}).get("StringValue")
    return Waiting(
        str(message["MessageId"]),
        str(message["ReceiptHandle"]),
        body if isinstance(body, dict) else None,
        "eventbridge target",
        str(code or "undelivered"),
    )


def waiting(aws: Aws, queue: str, limit: int) -> Iterator[Waiting]:
    """Receive up to ``limit`` messages (each hidden while we hold it)."""
    sqs = aws.client("sqs")
    try:
        url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    except sqs.exceptions.QueueDoesNotExist:
        raise AwsError(
            f"the dead-letter queue {queue} does not exist",
            "deploy the stack first (macie-notify setup), with notifications.dead_letter_queue",
        ) from None
    seen = 0
    while seen < limit:
        batch = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=min(10, limit - seen),
            VisibilityTimeout=RECEIVE_VISIBILITY_S,
            MessageAttributeNames=["All"],
            WaitTimeSeconds=0,
        ).get("Messages", [])
        if not batch:
            return
        for message in batch:
            seen += 1
            item = _parse(message)
            item.receipt = f"{url}\n{item.receipt}"
            yield item


def _release(aws: Aws, item: Waiting) -> None:
    url, receipt = item.receipt.split("\n", 1)
    aws.client("sqs").change_message_visibility(
        QueueUrl=url, ReceiptHandle=receipt, VisibilityTimeout=0
    )


def replay(aws: Aws, target: Target, *, limit: int, dry_run: bool) -> list[Waiting]:
    """Re-drive each waiting event through the function; delete it once it is posted."""
    items = list(waiting(aws, target.queue, limit))
    sqs = aws.client("sqs")
    for item in items:
        if dry_run or item.event is None:
            if item.event is None:
                item.result = {"decision": "unreadable", "error": "no event in the message"}
            _release(aws, item)
            continue
        item.result = _invoke(aws, target.function, item.event)
        if item.result.get("decision") == "posted":
            url, receipt = item.receipt.split("\n", 1)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=receipt)
        else:
            _release(aws, item)
    return items
