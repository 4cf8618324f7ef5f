"""Hand-made and truncated Macie events (as in tutorials and the EventBridge guide) still post."""

from __future__ import annotations

from typing import Any

from macie_notify.notifier.event import MacieFindingEvent
from macie_notify.notifier.message import build_message

MINIMAL: dict[str, Any] = {
    "version": "0",
    "id": "abc",
    "source": "aws.macie",
    "detail-type": "Macie Finding",
    "detail": {
        "severity": {"description": "High"},
        "type": "SensitiveData:S3Object/Personal",
        "resourcesAffected": {
            "s3Bucket": {"name": "<!channel>-bucket"},
            "s3Object": {"key": "sensitive-data.txt"},
        },
    },
}


def test_a_finding_without_id_is_posted_without_console_link() -> None:
    finding = MacieFindingEvent.from_event(MINIMAL)
    assert finding.id is None
    payload = build_message(finding)
    text = str(payload)
    assert "console.aws.amazon.com" not in text
    assert "sensitive-data.txt" in text
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert "Occurrences" not in text


def test_the_truncated_eventbridge_guide_example_is_posted() -> None:
    event = {
        "version": "0",
        "id": "0948ba87-d3b8-c6d4-f2da-732a1example",
        "detail-type": "Macie Finding",
        "source": "aws.macie",
        "account": "123456789012",
        "time": "2021-04-29T23:12:15Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {
            "schemaVersion": "1.0",
            "id": "64b917aa-3843-014c-91d8-937ffexample",
            "accountId": "123456789012",
            "partition": "aws",
            "region": "us-east-1",
            "type": "Policy:IAMUser/S3BucketEncryptionDisabled",
            "title": "Encryption is disabled for the S3 bucket",
            "severity": {"score": 1, "description": "Low"},
            "createdAt": "2021-04-29T15:46:02Z",
            "updatedAt": "2021-04-29T23:12:15Z",
            "count": 2,
        },
    }
    finding = MacieFindingEvent.from_event(event)
    text = str(build_message(finding))
    assert "64b917aa-3843-014c-91d8-937ffexample" in text
    assert "Count" in text
