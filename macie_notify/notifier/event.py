"""A typed, read-only view of the Macie finding inside an EventBridge event.

Macie publishes every finding as an EventBridge event whose ``detail`` is the finding
with the same field names as the macie2 ``Finding`` shape:
https://docs.aws.amazon.com/macie/latest/user/findings-publish-event-schemas.html

Every nested object may be null or missing (policy findings have no ``s3Object`` or
``classificationDetails``; sensitive-data findings have no ``policyDetails``), so each
property reads by key and falls back to ``None`` / empty rather than raising.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum
from typing import Any

SOURCE = "aws.macie"
DETAIL_TYPE = "Macie Finding"
# Top-level key that only a direct Invoke can add (EventBridge builds the envelope itself):
# `notify test` uses it to have its sample finding posted whatever the filters say.
TEST_MARKER = "macie-notify-test"


class MalformedEvent(ValueError):
    """The event claims to be a Macie finding but lacks what a finding always has."""


class Severity(Enum):
    """Macie's fixed score <-> level mapping (findings-severity.html)."""

    LOW = (1, "Low")
    MEDIUM = (2, "Medium")
    HIGH = (3, "High")

    @property
    def score(self) -> int:
        return self.value[0]

    @property
    def label(self) -> str:
        return self.value[1]

    @classmethod
    def parse(cls, text: str) -> Severity:
        """``Low`` / ``medium`` / ``HIGH`` / ``2`` -> a member; ValueError otherwise."""
        needle = str(text).strip().lower()
        for member in cls:
            if needle in (member.label.lower(), str(member.score)):
                return member
        raise ValueError(f"{text!r} is not a severity (Low, Medium or High)")


@dataclass(frozen=True)
class Detection:
    """One detected data type (managed identifier ID or custom identifier name)."""

    name: str
    count: int
    category: str | None = None


def is_macie_finding_event(event: object) -> bool:
    """True for an EventBridge event published by Macie for a finding."""
    return (
        isinstance(event, Mapping)
        and event.get("source") == SOURCE
        and event.get("detail-type") == DETAIL_TYPE
    )


def _obj(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


# Lone UTF-16 surrogates are valid in a JSON string ("\ud800") but cannot be encoded as
# UTF-8: left in, they break the Slack request or the log line after the post.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _int(value: Any) -> int:
    """A count: a whole number, a finite float or a numeric string; 0 for anything else."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and not math.isfinite(value):
        return 0  # 1e400 parses as inf; int(inf) raises OverflowError
    if not isinstance(value, (int, float, str)):
        return 0
    try:
        return int(value)
    except (ValueError, OverflowError):  # "x", "1e400", or a string past int's digit limit
        return 0


def clean(text: str) -> str:
    """``text`` with lone surrogates replaced by U+FFFD, so that it encodes as UTF-8."""
    return _SURROGATE.sub("\ufffd", text)


def _str(value: Any) -> str | None:
    """A text field: strings and numbers as text, anything else (lists, objects) absent."""
    if isinstance(value, str):
        return clean(value) if value else None
    if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
        return str(value)
    return None


def parse_time(value: Any) -> datetime | None:
    """ISO 8601 (``2024-03-11T19:46:53.031Z``) -> aware datetime; None when unparseable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
        parsed.timestamp()  # year 1 with a positive offset is before datetime.min in UTC
    except (ValueError, OverflowError):
        return None
    return parsed


class MacieFindingEvent(Mapping[str, Any]):
    """The finding (``detail``) of a Macie EventBridge event, as a read-only mapping.

    Indexing reads the raw finding; the properties give typed, defaulted access.
    """

    def __init__(self, event: Mapping[str, Any]) -> None:
        detail = event.get("detail")
        if not isinstance(detail, Mapping):
            raise MalformedEvent("the event has no 'detail' object")
        # No id is tolerated (the message then has no console link): a finding that can be
        # shown is posted rather than dropped. Without a type or severity nothing can be said
        # or filtered, so that event is malformed.
        finding_type = _str(detail.get("type"))
        if finding_type is None:
            raise MalformedEvent("the finding has no 'type'")
        if not detail.get("severity"):
            raise MalformedEvent("the finding has no 'severity'")
        self._event = event
        self._finding = detail
        self._type = finding_type
        severity = _obj(detail["severity"])
        level = _str(severity.get("description")) or _str(severity.get("score")) or ""
        # Only the head of an unknown level is quoted back: the reason goes into the log.
        self._severity = Severity.parse(level[:40])

    @classmethod
    def from_event(cls, event: object) -> MacieFindingEvent:
        """Parse an EventBridge event; MalformedEvent when it is not a usable finding."""
        if not is_macie_finding_event(event):
            raise MalformedEvent("not a Macie finding event")
        assert isinstance(event, Mapping)
        try:
            return cls(event)
        except ValueError as exc:  # Severity.parse: an unknown level is malformed input
            raise MalformedEvent(str(exc)) from None

    # Mapping protocol over the raw finding.
    def __getitem__(self, key: str) -> Any:
        return self._finding[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._finding)

    def __len__(self) -> int:
        return len(self._finding)

    @property
    def raw_event(self) -> Mapping[str, Any]:
        return self._event

    @property
    def is_test(self) -> bool:
        """Sent by ``macie-notify notify test`` through a direct Invoke."""
        return self._event.get(TEST_MARKER) is True

    # -- top level ------------------------------------------------------------------
    @property
    def id(self) -> str | None:
        return _str(self._finding.get("id"))

    @property
    def type(self) -> str:
        return self._type

    @property
    def severity(self) -> Severity:
        return self._severity

    @property
    def title(self) -> str | None:
        return _str(self._finding.get("title"))

    @property
    def description(self) -> str | None:
        return _str(self._finding.get("description"))

    @property
    def category(self) -> str:
        """``CLASSIFICATION`` or ``POLICY`` (derived from the type when missing)."""
        given = _str(self._finding.get("category"))
        if given:
            return given
        return "POLICY" if self.type.startswith("Policy:") else "CLASSIFICATION"

    @property
    def is_policy(self) -> bool:
        return self.category == "POLICY"

    @property
    def account_id(self) -> str | None:
        return _str(self._finding.get("accountId")) or _str(self._event.get("account"))

    @property
    def region(self) -> str | None:
        return _str(self._finding.get("region")) or _str(self._event.get("region"))

    @property
    def partition(self) -> str:
        return _str(self._finding.get("partition")) or "aws"

    @property
    def count(self) -> int:
        return _int(self._finding.get("count")) or 1

    @property
    def sample(self) -> bool:
        return self._finding.get("sample") is True

    @property
    def archived(self) -> bool:
        return self._finding.get("archived") is True

    @property
    def created_at(self) -> datetime | None:
        return parse_time(self._finding.get("createdAt"))

    @property
    def updated_at(self) -> datetime | None:
        return parse_time(self._finding.get("updatedAt"))

    # -- resources ----------------------------------------------------------------------
    @property
    def _bucket(self) -> Mapping[str, Any]:
        return _obj(_obj(self._finding.get("resourcesAffected")).get("s3Bucket"))

    @property
    def _object(self) -> Mapping[str, Any]:
        return _obj(_obj(self._finding.get("resourcesAffected")).get("s3Object"))

    @property
    def bucket_name(self) -> str | None:
        return _str(self._bucket.get("name"))

    @property
    def bucket_tags(self) -> list[tuple[str, str]]:
        return _tags(self._bucket.get("tags"))

    @property
    def bucket_public(self) -> str | None:
        """``PUBLIC`` / ``NOT_PUBLIC`` / ``UNKNOWN``: the bucket's effective permission."""
        return _str(_obj(self._bucket.get("publicAccess")).get("effectivePermission"))

    @property
    def object_key(self) -> str | None:
        return _str(self._object.get("key"))

    @property
    def object_version(self) -> str | None:
        return _str(self._object.get("versionId"))

    @property
    def object_size(self) -> int | None:
        size = self._object.get("size")
        return _int(size) if size is not None else None

    # -- sensitive data -----------------------------------------------------------------
    @property
    def _classification(self) -> Mapping[str, Any]:
        return _obj(self._finding.get("classificationDetails"))

    @property
    def job_id(self) -> str | None:
        return _str(self._classification.get("jobId"))

    @property
    def origin_type(self) -> str | None:
        return _str(self._classification.get("originType"))

    @property
    def sensitive_data(self) -> list[Detection]:
        """Managed-identifier detections, most occurrences first."""
        found = []
        for group in _list(_obj(self._classification.get("result")).get("sensitiveData")):
            category = _str(_obj(group).get("category"))
            for det in _list(_obj(group).get("detections")):
                det = _obj(det)
                name = _str(det.get("type"))
                if name:
                    found.append(Detection(name, _int(det.get("count")), category))
        return sorted(found, key=lambda d: (-d.count, d.name))

    @property
    def custom_identifiers(self) -> list[Detection]:
        """Custom data identifier detections, most occurrences first."""
        result = _obj(self._classification.get("result"))
        found = []
        for det in _list(_obj(result.get("customDataIdentifiers")).get("detections")):
            det = _obj(det)
            name = _str(det.get("name")) or _str(det.get("arn"))
            if name:
                found.append(Detection(name, _int(det.get("count")), "CUSTOM_IDENTIFIER"))
        return sorted(found, key=lambda d: (-d.count, d.name))

    @property
    def occurrences(self) -> int:
        """Total occurrences of sensitive data (the finding ``count`` for policy findings)."""
        if self.is_policy:
            return self.count
        return sum(d.count for d in (*self.sensitive_data, *self.custom_identifiers))

    # -- policy -------------------------------------------------------------------------
    @property
    def _policy(self) -> Mapping[str, Any]:
        return _obj(self._finding.get("policyDetails"))

    @property
    def api_call(self) -> tuple[str | None, str | None]:
        """(api, apiServiceName) of the action, e.g. ``("DeleteBucketEncryption", "s3...")``."""
        details = _obj(_obj(self._policy.get("action")).get("apiCallDetails"))
        return _str(details.get("api")), _str(details.get("apiServiceName"))

    @property
    def actor(self) -> str | None:
        """Who acted: ``IAMUser alice``, ``AssumedRole arn:...``, ``Root``..."""
        identity = _obj(_obj(self._policy.get("actor")).get("userIdentity"))
        kind = _str(identity.get("type"))
        if not kind:
            return None
        detail = _obj(identity.get(_IDENTITY_MEMBERS.get(kind, "")))
        who = _str(detail.get("userName")) or _str(detail.get("arn"))
        who = who or _str(detail.get("invokedBy")) or _str(detail.get("principalId"))
        who = who or _str(detail.get("accountId"))
        return f"{kind} {who}" if who else kind

    @property
    def actor_ip(self) -> str | None:
        """``203.0.113.7 (Seattle, US)`` when Macie recorded an address."""
        ip = _obj(_obj(self._policy.get("actor")).get("ipAddressDetails"))
        address = _str(ip.get("ipAddressV4"))
        if not address:
            return None
        where = [
            _str(_obj(ip.get("ipCity")).get("name")),
            _str(_obj(ip.get("ipCountry")).get("code")),
        ]
        place = ", ".join(w for w in where if w)
        return f"{address} ({place})" if place else address


# UserIdentity.type -> the member holding that identity's details (botocore macie2 model).
_IDENTITY_MEMBERS = {
    "AssumedRole": "assumedRole",
    "AWSAccount": "awsAccount",
    "AWSService": "awsService",
    "FederatedUser": "federatedUser",
    "IAMUser": "iamUser",
    "Root": "root",
}


def _tags(value: Any) -> list[tuple[str, str]]:
    tags = []
    for tag in _list(value):
        tag = _obj(tag)
        key = _str(tag.get("key"))
        if key:
            tags.append((key, _str(tag.get("value")) or ""))
    return tags


def envelope(
    finding: Mapping[str, Any],
    *,
    event_id: str | None = None,
    time: str | None = None,
    test: bool = False,
) -> dict[str, Any]:
    """Wrap an API-shaped finding in the EventBridge envelope Macie publishes it in.

    Used to preview or replay a finding fetched with GetFindings; ``time`` defaults to
    the finding's ``updatedAt`` (Macie publishes an update with that time). ``test``
    adds :data:`TEST_MARKER`, so the function posts it past its filters.
    """
    stamp = time or _str(finding.get("updatedAt")) or _str(finding.get("createdAt")) or ""
    parsed = parse_time(stamp)
    marker = {TEST_MARKER: True} if test else {}
    return {
        **marker,
        "version": "0",
        "id": event_id or str(uuid.uuid4()),
        "detail-type": DETAIL_TYPE,
        "source": SOURCE,
        "account": _str(finding.get("accountId")) or "",
        "time": parsed.strftime("%Y-%m-%dT%H:%M:%SZ") if parsed else stamp,
        "region": _str(finding.get("region")) or "",
        "resources": [],
        "detail": dict(finding),
    }
