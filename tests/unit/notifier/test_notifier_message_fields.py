"""The message's fields written out by hand, and every finding text escaped where it shows.

The expectations below come from reading the fixtures in tests/events and the layout
documented in macie_notify/notifier/message.py (severity emoji and colour, type titles,
the console link, the fallback sentence), never from running the code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from macie_notify.notifier.event import MacieFindingEvent
from macie_notify.notifier.message import build_message, console_url

LoadEvent = Callable[[str], dict[str, Any]]

ACCOUNT = "123456789012"
DATA_BUCKET = "macie-demo-data-123456789012-us-east-1"
RED, ORANGE = "#E01E5A", "#E8912D"


def _console(finding_id: str) -> str:
    return (
        "https://us-east-1.console.aws.amazon.com/macie/home?region=us-east-1"
        f"#findings?search=id%3D{finding_id}&macros=current&itemId={finding_id}"
    )


EXPECTED: dict[str, dict[str, Any]] = {
    "macie_policy": {
        "header": "🔴 High · Block Public Access turned off for a bucket",
        "colour": RED,
        "summary": "*Block public access settings are disabled for the S3 bucket*\n"
        "All bucket-level block public access settings were disabled",
        "fields": {
            "Account": f"`{ACCOUNT}`",
            "Region": "`us-east-1`",
            "Bucket": f"`{DATA_BUCKET}`",
            "Count": "2",
            "Action": "`PutBucketPublicAccessBlock` on `s3.amazonaws.com`",
            "Actor": "`IAMUser alice`",
            "Source IP": "`203.0.113.17 (Seattle, US)`",
        },
        "absent": ["Object key", "Occurrences"],
        "url": _console("90b1c5e2f3a44d6b8e7f9a0b1c2d3e4f"),
        "fallback": "🔴 High Macie finding: Block public access settings are disabled for "
        f"the S3 bucket. {DATA_BUCKET} (account {ACCOUNT}, us-east-1)",
    },
    "macie_sensitive_custom_identifier": {
        "header": "🟠 Medium · Custom identifier match in an S3 object",
        "colour": ORANGE,
        "summary": "*The S3 object contains text that matches custom data identifier criteria*",
        "fields": {
            "Bucket": f"`{DATA_BUCKET}`",
            "Object key": "`samples/config/app.ini`",
            "Object version": "`3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY+MTRCxf3vjVBH40Nr8X8gdRQBpUMLUo`",
            "Occurrences": "3",
            "Job": "`8df4fca1eccfdae45d8b936a21f1882d`",
        },
        "sections": ["*Custom data identifiers*\n• `macie-demo-employee-id` × 3"],
        "absent": ["Count", "Action"],
        "url": _console("c1d2e3f4a5b64c7d8e9f0a1b2c3d4e5f"),
        "fallback": "🟠 Medium Macie finding: The S3 object contains text that matches custom "
        f"data identifier criteria. s3://{DATA_BUCKET}/samples/config/app.ini "
        f"(account {ACCOUNT}, us-east-1)",
    },
    "macie_sensitive_credentials": {
        "header": "🔴 High · Credentials in an S3 object",
        "colour": RED,
        "fields": {"Object key": "`samples/ops/deploy-credentials.txt`"},
        "url": _console("7e9a1b3c5d7f4a2b8c0d1e3f5a7b9c2d"),
        "fallback": "🔴 High Macie finding: The S3 object contains credentials data. "
        f"s3://{DATA_BUCKET}/samples/ops/deploy-credentials.txt (account {ACCOUNT}, us-east-1)",
    },
    "macie_sample": {
        "header": "🔴 High (sample) · Credentials in an S3 object",
        "colour": RED,
        "fields": {
            "Bucket": "`macie-sample-finding-bucket`",
            "Object key": "`2024/sample/credentials.txt`",
        },
        "context": "*sample finding* (CreateSampleFindings, placeholder data)",
        "url": _console("f1e2d3c4b5a64978a1b2c3d4e5f6a7b8"),
        "fallback": "🔴 Sample High Macie finding: The S3 object contains credentials data. "
        f"s3://macie-sample-finding-bucket/2024/sample/credentials.txt "
        f"(account {ACCOUNT}, us-east-1)",
    },
    "macie_sensitive_personal": {
        "header": "🔴 High · Personal information in an S3 object",
        "colour": RED,
        "fields": {"Object key": "`samples/hr/employees.csv`"},
        "url": _console("ba3c75616234b8a67797b8000371aaba"),
    },
    "macie_sensitive_financial": {
        "header": "🔴 High · Financial information in an S3 object",
        "colour": RED,
        "fields": {"Object key": "`samples/payments/payments.json`"},
        "url": _console("4d2f0c5e8a7b4e1f9c3d6a8b0e2f4a61"),
    },
    "macie_sensitive_multiple": {
        "header": "🔴 High · Several kinds of sensitive data in an S3 object",
        "colour": RED,
        "fields": {"Object key": "`exports/2024/03/customer-dump.txt`"},
        "url": _console("e5f6a7b8c9d04e1f2a3b4c5d6e7f8a9b"),
    },
}


def _parts(payload: dict[str, Any]) -> dict[str, Any]:
    [attachment] = payload["attachments"]
    fields: dict[str, str] = {}
    sections, contexts, urls = [], [], []
    for block in attachment["blocks"]:
        for field in block.get("fields", []):
            label, value = field["text"].split("\n", 1)
            fields[label.strip("*")] = value
        if block["type"] == "section" and "text" in block:
            sections.append(block["text"]["text"])
        if block["type"] == "context":
            contexts.extend(e["text"] for e in block["elements"])
        if block["type"] == "actions":
            urls.extend(e["url"] for e in block["elements"])
    header, summary = payload["blocks"]
    return {
        "header": header["text"]["text"],
        "summary": summary["text"]["text"],
        "colour": attachment["color"],
        "fields": fields,
        "sections": sections,
        "context": " ".join(contexts),
        "urls": urls,
    }


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_message_fields_as_written_by_hand(load_event: LoadEvent, name: str) -> None:
    want = EXPECTED[name]
    payload = build_message(MacieFindingEvent.from_event(load_event(name)))
    got = _parts(payload)
    assert got["header"] == want["header"]
    assert got["colour"] == want["colour"]
    assert got["urls"] == [want["url"]]
    assert got["summary"].startswith(want.get("summary", "*"))
    for label, value in want["fields"].items():
        assert got["fields"][label] == value, label
    for label in want.get("absent", []):
        assert label not in got["fields"]
    for section in want.get("sections", []):
        assert section in got["sections"]
    assert want.get("context", "Macie finding `") in got["context"]
    if "fallback" in want:
        assert payload["text"] == want["fallback"]
        assert payload["attachments"][0]["fallback"] == want["fallback"]


# -- every field that carries finding text ------------------------------------------------

# A mention, an ampersand, a link and a bidi override, put in one field at a time after a
# tag naming the field, so that each place the field shows up can be found and checked.
HOSTILE = "<!channel>&<https://evil.example|x>\u202e"
ESCAPED = "&lt;!channel&gt;&amp;&lt;https://evil.example|x&gt;[U+202E]"


def _set(*path: str | int) -> Callable[[dict[str, Any], str], None]:
    def put(event: dict[str, Any], value: str) -> None:
        node: Any = event["detail"]
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return put


def _set_detected_type(event: dict[str, Any], value: str) -> None:
    event["detail"]["classificationDetails"]["result"]["sensitiveData"] = [
        {"category": "PERSONAL_INFORMATION", "detections": [{"type": value, "count": 2}]}
    ]


SENSITIVE = "macie_sensitive_custom_identifier"
POLICY = "macie_policy"
_RESOURCES = ("resourcesAffected",)
_IP = ("policyDetails", "actor", "ipAddressDetails")
_CALL = ("policyDetails", "action", "apiCallDetails")
FIELDS: dict[str, tuple[str, Callable[[dict[str, Any], str], None]]] = {
    "id": (SENSITIVE, _set("id")),
    "title": (SENSITIVE, _set("title")),
    "description": (SENSITIVE, _set("description")),
    "accountId": (SENSITIVE, _set("accountId")),
    "region": (SENSITIVE, _set("region")),
    "bucket name": (SENSITIVE, _set(*_RESOURCES, "s3Bucket", "name")),
    "tag key": (SENSITIVE, _set(*_RESOURCES, "s3Bucket", "tags", 0, "key")),
    "tag value": (SENSITIVE, _set(*_RESOURCES, "s3Bucket", "tags", 0, "value")),
    "object key": (SENSITIVE, _set(*_RESOURCES, "s3Object", "key")),
    "object version": (SENSITIVE, _set(*_RESOURCES, "s3Object", "versionId")),
    "job id": (SENSITIVE, _set("classificationDetails", "jobId")),
    "custom identifier": (
        SENSITIVE,
        _set("classificationDetails", "result", "customDataIdentifiers", "detections", 0, "name"),
    ),
    "detected type": (SENSITIVE, _set_detected_type),
    "api": (POLICY, _set(*_CALL, "api")),
    "api service": (POLICY, _set(*_CALL, "apiServiceName")),
    "actor": (POLICY, _set("policyDetails", "actor", "userIdentity", "iamUser", "userName")),
    "ip address": (POLICY, _set(*_IP, "ipAddressV4")),
    "ip city": (POLICY, _set(*_IP, "ipCity", "name")),
    "ip country": (POLICY, _set(*_IP, "ipCountry", "code")),
}


def _mrkdwn_texts(payload: dict[str, Any]) -> list[str]:
    """Every text Slack parses for markup: mrkdwn objects and the two fallback strings."""
    texts = [payload["text"], *(a["fallback"] for a in payload["attachments"])]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                texts.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(payload)
    return texts


@pytest.mark.parametrize("field", sorted(FIELDS))
def test_every_finding_text_is_shown_escaped(load_event: LoadEvent, field: str) -> None:
    fixture, put = FIELDS[field]
    event = load_event(fixture)
    tag = "TAG" + field.replace(" ", "").upper()
    put(event, tag + HOSTILE)
    payload = build_message(MacieFindingEvent.from_event(event))
    shown = [t for t in _mrkdwn_texts(payload) if tag in t]
    assert shown, f"{field} is not shown anywhere"
    for text in shown:
        # Every appearance of the field carries the whole value, escaped and neutralised.
        for at in [m.start() for m in re.finditer(re.escape(tag), text)]:
            assert text[at + len(tag) :].startswith(ESCAPED), (field, text)
        assert "<!channel>" not in text and "\u202e" not in text


def test_plain_text_header_neutralises_the_type(load_event: LoadEvent) -> None:
    event = load_event("macie_policy")
    event["detail"]["type"] = "Policy:IAMUser/Evil\u202eThing"
    header = build_message(MacieFindingEvent.from_event(event))["blocks"][0]["text"]
    assert header == {"type": "plain_text", "text": "🔴 High · Evil[U+202E]Thing"}


def test_fallback_text_cleans_account_and_region(load_event: LoadEvent) -> None:
    event = load_event("macie_policy")
    event["detail"]["accountId"] = "1234\u202e5678\x00\u200b"
    event["detail"]["region"] = "us-east-1\u202e<!here>"
    text = build_message(MacieFindingEvent.from_event(event))["text"]
    assert text.endswith(
        "(account 1234[U+202E]5678[U+0000][U+200B], us-east-1[U+202E]&lt;!here&gt;)"
    )


@pytest.mark.parametrize("region", ["us-east-1\n", "us-east-1\r", " us-east-1", "us-east-1 "])
def test_console_link_needs_the_whole_region_to_be_one(load_event: LoadEvent, region: str) -> None:
    event = load_event("macie_policy")
    event["detail"]["region"] = region
    finding = MacieFindingEvent.from_event(event)
    assert console_url(finding) is None
    actions = [
        b for b in build_message(finding)["attachments"][0]["blocks"] if b["type"] == "actions"
    ]
    assert actions == []
    assert "console.aws.amazon.com" not in json.dumps(build_message(finding))
