"""Organization relations, revealed occurrences and resource profiles (pure models)."""

from __future__ import annotations

import json

import pytest

from macie_notify.local.macie2.accounts import Organization
from macie_notify.local.macie2.discovery import Discovery, Scan, sensitivity_score
from macie_notify.local.macie2.exceptions import (
    AccessDeniedException,
    ConflictException,
    ResourceNotFoundException,
    ValidationException,
)
from macie_notify.local.macie2.reveal import availability, occurrences, update_configuration

ADMIN, MEMBER, OTHER = "111111111111", "222222222222", "333333333333"


def test_invitation_lifecycle() -> None:
    org = Organization()
    org.create_member(ADMIN, "us-east-1", {"accountId": MEMBER, "email": "m@x"}, {"t": "1"})
    assert org.member(ADMIN, MEMBER)["relationshipStatus"] == "Created"
    assert org.associated(ADMIN) == []
    assert org.invite(ADMIN, [MEMBER, OTHER])[0]["accountId"] == OTHER  # not a member yet
    (invitation,) = org.invitations_of(MEMBER)
    with pytest.raises(ResourceNotFoundException):
        org.accept(MEMBER, ADMIN, "wrong-id")
    org.accept(MEMBER, ADMIN, invitation["invitationId"])
    assert org.associated(ADMIN) == [MEMBER]
    assert org.administrator_of(MEMBER)["accountId"] == ADMIN  # type: ignore[index]
    with pytest.raises(ConflictException):
        org.create_member(OTHER, "us-east-1", {"accountId": MEMBER, "email": "m@x"}, None)
    org.set_member_status(ADMIN, MEMBER, "PAUSED")
    assert org.associated(ADMIN) == [MEMBER]  # paused members stay visible
    org.resign(MEMBER)
    assert org.member(ADMIN, MEMBER)["relationshipStatus"] == "Resigned"
    assert org.administrator_of(MEMBER) is None
    org.delete_member(ADMIN, MEMBER)
    assert org.list_members(ADMIN, only_associated=False) == []


def test_delegated_administrator() -> None:
    org = Organization()
    with pytest.raises(AccessDeniedException):
        org.require_admin(ADMIN)
    org.enable_admin(OTHER, ADMIN)
    with pytest.raises(ConflictException):
        org.enable_admin(OTHER, MEMBER)
    member = org.create_member(ADMIN, "eu-west-1", {"accountId": MEMBER, "email": "m@x"}, None)
    assert member["relationshipStatus"] == "Enabled"
    assert member["arn"] == f"arn:aws:macie2:eu-west-1:{ADMIN}:member/{MEMBER}"
    org.disable_admin(ADMIN)
    assert org.list_admins() == []
    with pytest.raises(ValidationException):
        org.enable_admin(OTHER, "12345")


FINDING = {
    "category": "CLASSIFICATION",
    "sample": False,
    "resourcesAffected": {"s3Object": {"key": "data.txt"}},
    "classificationDetails": {
        "result": {
            "sensitiveData": [
                {
                    "category": "PERSONAL_INFORMATION",
                    "detections": [
                        {
                            "type": "USA_SOCIAL_SECURITY_NUMBER",
                            "count": 2,
                            "occurrences": {
                                "lineRanges": [
                                    {"start": 1, "end": 1, "startColumn": 6},
                                    {"start": 3, "end": 3, "startColumn": 10},
                                    {"start": 2, "end": 2, "startColumn": 1},
                                ]
                            },
                        }
                    ],
                }
            ],
            "customDataIdentifiers": {"detections": []},
        }
    },
}


def test_occurrences_are_read_back_from_the_object() -> None:
    data = b"SSN: 304-11-3823 on file\nnothing\nSSN list 142-31-1665\n"
    # A position where nothing is detected (line 2) yields no value.
    found = occurrences(FINDING, data, {})
    assert found == {
        "USA_SOCIAL_SECURITY_NUMBER": [{"value": "304-11-3823"}, {"value": "142-31-1665"}]
    }


def test_cells_and_json_records() -> None:
    csv_finding = json.loads(json.dumps(FINDING))
    csv_finding["resourcesAffected"]["s3Object"]["key"] = "people.csv"
    detection = csv_finding["classificationDetails"]["result"]["sensitiveData"][0]["detections"][0]
    detection["occurrences"] = {"cells": [{"row": 2, "column": 2, "columnName": "ssn"}]}
    assert occurrences(csv_finding, b"name,ssn\nJo,304-11-3823\n", {}) == {
        "USA_SOCIAL_SECURITY_NUMBER": [{"value": "304-11-3823"}]
    }
    detection["occurrences"] = {"records": [{"recordIndex": 0, "jsonPath": "$.people[1].ssn"}]}
    csv_finding["resourcesAffected"]["s3Object"]["key"] = "people.json"
    body = json.dumps({"people": [{"ssn": "a"}, {"ssn": "142-31-1665"}]}).encode()
    assert occurrences(csv_finding, body, {}) == {
        "USA_SOCIAL_SECURITY_NUMBER": [{"value": "142-31-1665"}]
    }


def test_availability_and_configuration() -> None:
    assert availability(FINDING, b"x") == {"code": "AVAILABLE", "reasons": []}
    assert availability(FINDING, None)["reasons"] == ["OBJECT_UNAVAILABLE"]
    assert availability({**FINDING, "sample": True}, b"x")["reasons"] == [
        "UNSUPPORTED_FINDING_TYPE"
    ]
    assert availability(FINDING, b"x" * (10 * 1024 * 1024 + 1))["reasons"] == [
        "OBJECT_EXCEEDS_SIZE_QUOTA"
    ]
    with pytest.raises(ValidationException):
        update_configuration({}, {"configuration": {"status": "ENABLED"}})
    done = update_configuration({}, {"configuration": {"status": "ENABLED", "kmsKeyId": "k"}})
    assert done["retrievalConfiguration"] == {"retrievalMode": "CALLER_CREDENTIALS"}


def scan(key: str, *detections: tuple[str, str, str, int]) -> Scan:
    return Scan("b", key, 100, "job", "2026-01-01T00:00:00.000Z", detections)


def test_profiles_scores_and_suppression() -> None:
    assert sensitivity_score([], set()) == 50
    assert sensitivity_score([scan("a")], set()) == 1
    ssn = ("MANAGED", "USA_SOCIAL_SECURITY_NUMBER", "USA_SOCIAL_SECURITY_NUMBER", 3)
    assert sensitivity_score([scan("a", ssn)], set()) == 99
    assert 51 <= sensitivity_score([scan("a", ssn), scan("b"), scan("c")], set()) < 99
    assert sensitivity_score([scan("a", ssn)], {("MANAGED", "USA_SOCIAL_SECURITY_NUMBER")}) == 1
    discovery = Discovery(scans=[scan("a", ssn), scan("b")])
    profile = discovery.profile("b")
    assert profile["statistics"]["totalItemsClassified"] == 2
    assert profile["statistics"]["totalDetections"] == 3
    discovery.override_score("b", 100)
    assert discovery.profile("b")["sensitivityScore"] == 100
    with pytest.raises(ValidationException):
        discovery.override_score("b", 42)
    discovery.update_scope(
        discovery.scope_id, {"excludes": {"bucketNames": ["x", "y"], "operation": "ADD"}}
    )
    discovery.update_scope(
        discovery.scope_id, {"excludes": {"bucketNames": ["x"], "operation": "REMOVE"}}
    )
    assert discovery.scope(discovery.scope_id)["s3"]["excludes"]["bucketNames"] == ["y"]
    with pytest.raises(ResourceNotFoundException):
        discovery.scope("other")
