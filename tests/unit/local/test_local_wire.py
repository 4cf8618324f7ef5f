"""Pure parts of the local endpoint: SigV4 scope, routes, paging, shapes."""

from __future__ import annotations

import pytest

from macie_notify.local.macie2 import paging, routes
from macie_notify.local.macie2.exceptions import ValidationException
from macie_notify.local.macie2.shapes import parse_request, serialize
from macie_notify.local.sigv4 import parse_authorization, parse_query_credential
from macie_notify.render import iso8601

AUTH = (
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/eu-west-1/macie2/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=abc"
)


def test_sigv4_scope() -> None:
    scope = parse_authorization(AUTH)
    assert scope is not None
    assert (scope.access_key, scope.date, scope.region, scope.service) == (
        "AKIDEXAMPLE",
        "20240101",
        "eu-west-1",
        "macie2",
    )
    assert parse_authorization("AWS AKID:signature") is None
    assert parse_authorization(None) is None
    assert parse_authorization("AWS4-HMAC-SHA256 Credential=broken") is None
    presigned = parse_query_credential("AKID/20240101/us-east-1/s3/aws4_request")
    assert presigned is not None and presigned.service == "s3"
    assert parse_query_credential("AKID/20240101/us-east-1/s3") is None


@pytest.mark.parametrize(
    ("method", "path", "operation", "labels"),
    [
        ("GET", "/macie", "GetMacieSession", {}),
        ("POST", "/macie", "EnableMacie", {}),
        ("POST", "/findings", "ListFindings", {}),
        ("POST", "/findings/describe", "GetFindings", {}),
        ("POST", "/findings/sample", "CreateSampleFindings", {}),
        ("POST", "/custom-data-identifiers/test", "TestCustomDataIdentifier", {}),
        ("GET", "/custom-data-identifiers/abc", "GetCustomDataIdentifier", {"id": "abc"}),
        ("POST", "/jobs/list", "ListClassificationJobs", {}),
        ("PATCH", "/jobs/0123", "UpdateClassificationJob", {"jobId": "0123"}),
        (
            "GET",
            "/tags/arn%3Aaws%3Amacie2%3Aus-east-1%3A1%3Aclassification-job%2Fabc",
            "ListTagsForResource",
            {"resourceArn": "arn:aws:macie2:us-east-1:1:classification-job/abc"},
        ),
        ("GET", "/findings/f1/reveal", "GetSensitiveDataOccurrences", {"findingId": "f1"}),
    ],
)
def test_routes_from_the_model(
    method: str, path: str, operation: str, labels: dict[str, str]
) -> None:
    assert routes.match(method, path) == (operation, labels)


def test_routes_are_longest_literal_first() -> None:
    table = routes.route_table()
    lengths = [r.literal_length for r in table]
    assert lengths == sorted(lengths, reverse=True)
    assert routes.match("GET", "/nothing") is None
    assert routes.match("PUT", "/macie") is None


def test_paging_tokens_are_bound_to_the_query() -> None:
    items = list(range(7))
    page, token = paging.paginate(items, "Op", {"a": 1}, None, 3)
    assert page == [0, 1, 2] and token
    page, token = paging.paginate(items, "Op", {"a": 1}, token, 3)
    assert page == [3, 4, 5]
    page, last = paging.paginate(items, "Op", {"a": 1}, token, 3)
    assert page == [6] and last is None
    with pytest.raises(ValidationException):
        paging.paginate(items, "Op", {"a": 2}, token, 3)
    with pytest.raises(ValidationException):
        paging.paginate(items, "Op", {"a": 1}, "%%%not-base64", 3)
    with pytest.raises(ValidationException):
        paging.page_size(0)
    assert paging.page_size(None) == 50 and paging.page_size(10_000, cap=25) == 25


def test_parse_request_locations_and_checks() -> None:
    op = routes.operation_model("UntagResource")
    params = parse_request(op, {"resourceArn": "arn:x"}, {"tagKeys": ["a", "b"]}, b"")
    assert params == {"resourceArn": "arn:x", "tagKeys": ["a", "b"]}
    op = routes.operation_model("ListFindingsFilters")
    assert parse_request(op, {}, {"maxResults": ["5"]}, b"") == {"maxResults": 5}
    with pytest.raises(ValidationException, match="at most 25"):
        parse_request(op, {}, {"maxResults": ["26"]}, b"")
    op = routes.operation_model("CreateCustomDataIdentifier")
    with pytest.raises(ValidationException, match="regex is required"):
        parse_request(op, {}, {}, b'{"name": "n"}')
    with pytest.raises(ValidationException, match="must be of type integer"):
        parse_request(op, {}, {}, b'{"name": "n", "regex": "x", "maximumMatchDistance": true}')
    with pytest.raises(ValidationException, match="not valid JSON"):
        parse_request(op, {}, {}, b"{")


def test_serialize_keeps_model_members_and_formats_times() -> None:
    from datetime import datetime, timezone

    shape = routes.operation_model("GetMacieSession").output_shape
    when = datetime(2024, 3, 11, 19, 46, 53, 31000, tzinfo=timezone.utc)
    out = serialize(
        shape, {"createdAt": when, "status": "ENABLED", "internal": 1, "updatedAt": None}
    )
    assert out == {"createdAt": "2024-03-11T19:46:53.031Z", "status": "ENABLED"}
    assert iso8601(when) == "2024-03-11T19:46:53.031Z"
