"""``delivery: digest``: one SQS batch -> grouped digest messages -> partial batch response.

Each record's body is the EventBridge event the rule sent to the queue. Findings the
filters skip, and bodies that are not Macie findings, are done (they would never post).
The rest are grouped (see :mod:`.digest`); a group is delivered when its parent message
is posted. The function answers ``batchItemFailures`` with the record ids of the groups
that were not delivered, so only those come back, to be retried and, after the queue's
``max_receives``, dead-lettered
(https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html).
A thread reply that fails after its parent was posted is logged, not retried: retrying
would post the parent twice, and the parent already names the command that lists them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from .digest import Group, digest_message, group, thread_replies
from .event import MacieFindingEvent, MalformedEvent, is_macie_finding_event
from .filters import should_notify
from .outcome import Delivered, DeliveryError
from .settings import Settings

Send = Callable[[Mapping[str, Any], Settings], Delivered]


def is_sqs_batch(event: object) -> bool:
    if not isinstance(event, Mapping):
        return False
    records = event.get("Records")
    return (
        isinstance(records, list)
        and bool(records)
        and all(isinstance(r, Mapping) and r.get("eventSource") == "aws:sqs" for r in records)
    )


def _finding(record: Mapping[str, Any]) -> MacieFindingEvent | str:
    """The record's finding, or why it holds none."""
    try:
        body = json.loads(str(record.get("body", "")))
    except ValueError:
        return "body is not JSON"
    if not is_macie_finding_event(body):
        return "not a Macie finding event"
    try:
        return MacieFindingEvent.from_event(body)
    except MalformedEvent as exc:
        return f"malformed Macie event: {exc}"


def _deliver_group(
    entry: Group, config: Settings, send: Send, with_replies: bool
) -> tuple[bool, int, str | None]:
    """(parent posted, replies posted, error)."""
    try:
        parent = send(digest_message(entry, threaded=with_replies), config)
    except DeliveryError as exc:
        return False, 0, str(exc)
    if (
        parent.ts is None or not with_replies
    ):  # an incoming webhook cannot thread: the parent names the command
        return True, 0, None
    posted = 0
    for reply in thread_replies(entry):
        try:
            send({**reply, "thread_ts": parent.ts}, config)
        except DeliveryError as exc:
            return True, posted, f"thread reply: {exc}"
        posted += 1
    return True, posted, None


def handle_batch(
    event: Mapping[str, Any],
    config: Settings,
    send: Send,
    storm: Callable[[int], bool] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the partial batch response, the invocation's log record).

    ``storm`` counts the batch's findings into the storm window; past the threshold the
    groups are posted without their thread replies (the parents keep the counts).
    """
    pairs: list[tuple[str, MacieFindingEvent]] = []
    ignored = skipped = 0
    for record in event["Records"]:
        record_id = str(record.get("messageId", ""))
        found = _finding(record)
        if isinstance(found, str):
            ignored += 1
            continue
        if not should_notify(found, config).notify:
            skipped += 1
            continue
        pairs.append((record_id, found))
    failures: list[str] = []
    errors: list[str] = []
    groups = group(pairs)
    stormy = storm(len(pairs)) if storm is not None and pairs else False
    posted_findings = replies = 0
    for entry in groups:
        delivered, sent_replies, error = _deliver_group(entry, config, send, not stormy)
        replies += sent_replies
        if delivered:
            posted_findings += len(entry.findings)
        else:
            failures.extend(entry.record_ids)
        if error:
            errors.append(error)
    record = {
        "decision": "failed" if failures else "posted",
        "mode": "digest",
        "records": len(event["Records"]),
        "groups": len(groups),
        "findingsPosted": posted_findings,
        "threadReplies": replies,
        "skipped": skipped,
        "ignored": ignored,
        "failedRecords": len(failures),
        "storm": stormy,
    }
    if errors:
        record["error"] = errors[0][:200]
    # A record id appears once even if SQS repeated it within the batch.
    unique = list(dict.fromkeys(failures))
    return {"batchItemFailures": [{"itemIdentifier": rid} for rid in unique]}, record
