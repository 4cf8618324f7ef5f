"""Settings from the environment, the finding view and the filters (pure)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from macie_notify.notifier.event import (
    MacieFindingEvent,
    MalformedEvent,
    Severity,
    envelope,
    is_macie_finding_event,
)
from macie_notify.notifier.filters import should_notify
from macie_notify.notifier.settings import Settings, SettingsError

LoadEvent = Callable[[str], dict[str, Any]]
TOKEN_ENV = {"SLACK_CHANNEL": "#aws-macie-events", "SLACK_BOT_TOKEN": "xoxb-secret"}


def test_settings_defaults_and_lists() -> None:
    settings = Settings.from_env(
        {
            **TOKEN_ENV,
            "MIN_SEVERITY": "medium",
            "FINDING_TYPES_INCLUDE": " Policy:, SensitiveData:S3Object/Credentials ,",
            "INCLUDE_SAMPLE_FINDINGS": "True",
        }
    )
    assert settings.mode == "token"
    assert settings.api_url == "https://slack.com/api/"
    assert settings.min_severity is Severity.MEDIUM
    assert settings.include_types == ("Policy:", "SensitiveData:S3Object/Credentials")
    assert settings.include_samples is True
    assert "xoxb-secret" not in repr(settings)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:4566/_local/slack/api", "http://127.0.0.1:4566/_local/slack/api/"]
)
def test_api_url_is_a_base_with_a_trailing_slash(url: str) -> None:
    # slack_sdk urljoins the method onto it: without the slash ".../api" would be dropped.
    settings = Settings.from_env({**TOKEN_ENV, "SLACK_API_URL": url})
    assert settings.api_url == "http://127.0.0.1:4566/_local/slack/api/"


def test_webhook_mode_needs_no_channel() -> None:
    settings = Settings.from_env({"SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T/B/x"})
    assert settings.mode == "webhook"
    assert "hooks.slack.com" not in repr(settings)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "no Slack destination"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_CHANNEL is required"),
        ({**TOKEN_ENV, "SLACK_WEBHOOK_URL": "https://h"}, "keep one"),
        ({**TOKEN_ENV, "MIN_SEVERITY": "Critical"}, "MIN_SEVERITY='Critical'"),
    ],
)
def test_bad_settings_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message) as info:
        Settings.from_env(env)
    assert "xoxb-1" not in str(info.value)


def test_finding_view_of_a_policy_finding(load_event: LoadEvent) -> None:
    finding = MacieFindingEvent.from_event(load_event("macie_policy"))
    assert finding.is_policy and finding.severity is Severity.HIGH
    assert finding.count == 2 and finding.occurrences == 2
    assert finding.api_call == ("PutBucketPublicAccessBlock", "s3.amazonaws.com")
    assert finding.actor == "IAMUser alice"
    assert finding.actor_ip == "203.0.113.17 (Seattle, US)"
    assert finding.object_key is None and finding.sensitive_data == []
    assert finding["type"] == "Policy:IAMUser/S3BlockPublicAccessDisabled"


def test_finding_view_of_a_sensitive_data_finding(load_event: LoadEvent) -> None:
    finding = MacieFindingEvent.from_event(load_event("macie_sensitive_multiple"))
    assert finding.category == "CLASSIFICATION" and not finding.is_policy
    assert finding.sensitive_data[0].name == "NAME"
    assert [d.name for d in finding.custom_identifiers] == ["macie-demo-employee-id"]
    assert finding.occurrences == 258 + 14
    assert finding.job_id == "8df4fca1eccfdae45d8b936a21f1882d"


@pytest.mark.parametrize(
    "event",
    [
        {"source": "aws.macie", "detail-type": "Macie Finding"},
        {"source": "aws.macie", "detail-type": "Macie Finding", "detail": {"id": "x"}},
        {
            "source": "aws.macie",
            "detail-type": "Macie Finding",
            "detail": {"id": "x", "type": "T", "severity": {"description": "Critical"}},
        },
        {"source": "aws.ec2", "detail-type": "EC2 Instance State-change Notification"},
        ["not", "a", "mapping"],
    ],
)
def test_malformed_or_foreign_events_are_rejected(event: object) -> None:
    with pytest.raises(MalformedEvent):
        MacieFindingEvent.from_event(event)


def test_envelope_round_trips_a_finding(load_event: LoadEvent) -> None:
    original = load_event("macie_sensitive_financial")
    wrapped = envelope(original["detail"], event_id="e-1")
    assert is_macie_finding_event(wrapped)
    assert wrapped["time"] == "2024-03-11T19:46:54Z" and wrapped["id"] == "e-1"
    assert {k: v for k, v in wrapped.items() if k != "id"} == {
        k: v for k, v in original.items() if k != "id"
    }


@pytest.mark.parametrize(
    ("name", "env", "notify", "reason"),
    [
        ("macie_policy", {}, True, "matches filters"),
        ("macie_sample", {}, False, "sample finding (INCLUDE_SAMPLE_FINDINGS is off)"),
        ("macie_sample", {"INCLUDE_SAMPLE_FINDINGS": "1"}, True, "matches filters"),
        ("macie_archived", {}, False, "archived finding"),
        (
            "macie_sensitive_custom_identifier",
            {"MIN_SEVERITY": "High"},
            False,
            "severity Medium below High",
        ),
        (
            "macie_policy",
            {"FINDING_TYPES_INCLUDE": "SensitiveData:"},
            False,
            "type not in FINDING_TYPES_INCLUDE",
        ),
        ("macie_policy", {"FINDING_TYPES_INCLUDE": "Policy:"}, True, "matches filters"),
        (
            "macie_policy",
            {"FINDING_TYPES_EXCLUDE": "Policy:IAMUser/S3BlockPublic"},
            False,
            "type in FINDING_TYPES_EXCLUDE",
        ),
    ],
)
def test_filters(
    load_event: LoadEvent, name: str, env: dict[str, str], notify: bool, reason: str
) -> None:
    settings = Settings.from_env({**TOKEN_ENV, **env})
    decision = should_notify(MacieFindingEvent.from_event(load_event(name)), settings)
    assert (decision.notify, decision.reason) == (notify, reason)


def test_a_test_event_is_posted_past_every_filter(load_event: LoadEvent) -> None:
    sample = load_event("macie_sample")["detail"]
    settings = Settings.from_env(
        {**TOKEN_ENV, "MIN_SEVERITY": "High", "FINDING_TYPES_EXCLUDE": "S"}
    )
    assert not should_notify(MacieFindingEvent.from_event(envelope(sample)), settings).notify
    decision = should_notify(MacieFindingEvent.from_event(envelope(sample, test=True)), settings)
    assert decision.notify and "test event" in decision.reason
