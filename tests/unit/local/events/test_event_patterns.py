"""EventBridge pattern matching: table-driven, one row per documented behaviour."""

from __future__ import annotations

from typing import Any

import pytest

from macie_notify.local.events.patterns import InvalidEventPattern, matches, parse_pattern

EVENT: dict[str, Any] = {
    "version": "0",
    "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "detail-type": "Macie Finding",
    "source": "aws.macie",
    "account": "123456789012",
    "time": "2024-03-11T19:46:53Z",
    "region": "eu-west-1",
    "resources": [],
    "detail": {
        "type": "SensitiveData:S3Object/Personal",
        "category": "CLASSIFICATION",
        "count": 1,
        "sample": False,
        "archived": False,
        "title": "The S3 object contains personal information.",
        "policyDetails": None,
        "empty": "",
        "ratio": 301.8,
        "sourceIp": "10.0.0.33",
        "ipv6": "2001:db8::1",
        "file": "reports/2024/Q1.PNG",
        "star": "a*b",
        "tags": ["pii", "hr"],
        "nums": [1, 5, 9],
        "nested": [[{"k": "deep"}]],
        "severity": {"description": "High", "score": 3},
        "resourcesAffected": {
            "s3Bucket": {"name": "macie-demo-data", "tags": [{"key": "team", "value": "devsec"}]},
            "s3Object": {"key": "samples/employees.csv", "extension": "csv"},
        },
        "detections": [
            {"type": "USA_SOCIAL_SECURITY_NUMBER", "count": 3},
            {"type": "EMAIL_ADDRESS", "count": 12},
        ],
    },
}

MATCH_CASES: list[tuple[str, dict[str, Any], bool]] = [
    # exact values and the basic AND / OR
    ("project rule", {"source": ["aws.macie"], "detail-type": ["Macie Finding"]}, True),
    ("value list is OR", {"source": ["aws.s3", "aws.macie"]}, True),
    ("fields are AND", {"source": ["aws.macie"], "region": ["us-east-1"]}, False),
    ("case sensitive", {"source": ["AWS.MACIE"]}, False),
    ("missing field", {"nope": ["x"]}, False),
    ("nested field", {"detail": {"severity": {"description": ["Medium", "High"]}}}, True),
    ("nested miss", {"detail": {"severity": {"description": ["Low"]}}}, False),
    ("number", {"detail": {"severity": {"score": [3]}}}, True),
    ("number, other notation", {"detail": {"ratio": [3.018e2]}}, True),
    ("string never equals number", {"detail": {"severity": {"score": ["3"]}}}, False),
    ("number never equals string", {"account": [123456789012]}, False),
    ("boolean", {"detail": {"sample": [False]}}, True),
    ("boolean is not 0", {"detail": {"sample": [0]}}, False),
    ("null", {"detail": {"policyDetails": [None]}}, True),
    ("null is not empty string", {"detail": {"policyDetails": [""]}}, False),
    ("empty string", {"detail": {"empty": [""]}}, True),
    ("empty string is not null", {"detail": {"empty": [None]}}, False),
    ("leaf pattern on object", {"detail": {"severity": ["High"]}}, False),
    ("nested pattern on scalar", {"detail": {"count": {"x": ["1"]}}}, False),
    # arrays in events
    ("array any-of", {"detail": {"tags": ["hr"]}}, True),
    ("array none", {"detail": {"tags": ["finance"]}}, False),
    ("empty array never matches a value", {"resources": ["x"]}, False),
    ("array of objects", {"detail": {"detections": {"type": ["EMAIL_ADDRESS"]}}}, True),
    (
        "array consistency: same element",
        {"detail": {"detections": {"type": ["EMAIL_ADDRESS"], "count": [12]}}},
        True,
    ),
    (
        "array consistency: fields from different elements",
        {"detail": {"detections": {"type": ["EMAIL_ADDRESS"], "count": [3]}}},
        False,
    ),
    ("nested arrays of objects", {"detail": {"nested": {"k": ["deep"]}}}, True),
    (
        "object inside array inside object",
        {"detail": {"resourcesAffected": {"s3Bucket": {"tags": {"key": ["team"]}}}}},
        True,
    ),
    # prefix / suffix / equals-ignore-case / wildcard
    ("prefix", {"detail": {"type": [{"prefix": "SensitiveData:"}]}}, True),
    ("prefix miss", {"detail": {"type": [{"prefix": "Policy:"}]}}, False),
    ("prefix is case sensitive", {"detail": {"type": [{"prefix": "sensitivedata"}]}}, False),
    (
        "prefix ignore case",
        {"detail": {"type": [{"prefix": {"equals-ignore-case": "sensitivedata"}}]}},
        True,
    ),
    ("prefix on a number", {"detail": {"count": [{"prefix": "1"}]}}, False),
    ("suffix", {"detail": {"file": [{"suffix": ".PNG"}]}}, True),
    ("suffix miss", {"detail": {"file": [{"suffix": ".png"}]}}, False),
    (
        "suffix ignore case",
        {"detail": {"file": [{"suffix": {"equals-ignore-case": ".png"}}]}},
        True,
    ),
    ("equals-ignore-case", {"source": [{"equals-ignore-case": "AWS.Macie"}]}, True),
    ("equals-ignore-case miss", {"source": [{"equals-ignore-case": "aws.mac"}]}, False),
    ("wildcard", {"detail": {"file": [{"wildcard": "reports/*/Q?.PNG"}]}}, False),
    ("wildcard star", {"detail": {"file": [{"wildcard": "reports/*/*.PNG"}]}}, True),
    ("wildcard whole string", {"detail": {"file": [{"wildcard": "reports/*"}]}}, True),
    ("wildcard anchored", {"detail": {"file": [{"wildcard": "2024/*"}]}}, False),
    ("wildcard escaped star", {"detail": {"star": [{"wildcard": "a\\*b"}]}}, True),
    ("wildcard escaped star miss", {"detail": {"file": [{"wildcard": "reports\\*"}]}}, False),
    ("wildcard on array", {"detail": {"tags": [{"wildcard": "h*"}]}}, True),
    # anything-but
    ("anything-but string", {"detail": {"category": [{"anything-but": "POLICY"}]}}, True),
    (
        "anything-but excluded",
        {"detail": {"category": [{"anything-but": "CLASSIFICATION"}]}},
        False,
    ),
    (
        "anything-but list",
        {"detail": {"category": [{"anything-but": ["POLICY", "CLASSIFICATION"]}]}},
        False,
    ),
    ("anything-but number", {"detail": {"count": [{"anything-but": [2, 3]}]}}, True),
    ("anything-but number excluded", {"detail": {"count": [{"anything-but": 1}]}}, False),
    ("anything-but needs the field", {"nope": [{"anything-but": "x"}]}, False),
    ("anything-but prefix", {"detail": {"type": [{"anything-but": {"prefix": "Policy:"}}]}}, True),
    (
        "anything-but prefix excluded",
        {"detail": {"type": [{"anything-but": {"prefix": "Sensitive"}}]}},
        False,
    ),
    ("anything-but suffix", {"detail": {"file": [{"anything-but": {"suffix": ".PNG"}}]}}, False),
    (
        "anything-but ignore case",
        {"source": [{"anything-but": {"equals-ignore-case": ["AWS.MACIE", "aws.s3"]}}]},
        False,
    ),
    (
        "anything-but wildcard",
        {"detail": {"file": [{"anything-but": {"wildcard": "*/lib/*"}}]}},
        True,
    ),
    # an array matches when any element is not excluded (event-ruler semantics)
    ("anything-but on array", {"detail": {"tags": [{"anything-but": "pii"}]}}, True),
    # numeric
    ("numeric >", {"detail": {"count": [{"numeric": [">", 0]}]}}, True),
    ("numeric range", {"detail": {"ratio": [{"numeric": [">", 300, "<=", 301.8]}]}}, True),
    ("numeric range miss", {"detail": {"ratio": [{"numeric": [">=", 0, "<", 301.8]}]}}, False),
    ("numeric =", {"detail": {"severity": {"score": [{"numeric": ["=", 3]}]}}}, True),
    ("numeric on a string", {"account": [{"numeric": [">", 0]}]}, False),
    ("numeric on an array", {"detail": {"nums": [{"numeric": [">", 8]}]}}, True),
    ("numeric on an array miss", {"detail": {"nums": [{"numeric": [">", 9]}]}}, False),
    # exists
    ("exists true", {"detail": {"count": [{"exists": True}]}}, True),
    ("exists true on null", {"detail": {"policyDetails": [{"exists": True}]}}, True),
    ("exists true missing", {"detail": {"nope": [{"exists": True}]}}, False),
    ("exists false missing", {"detail": {"nope": [{"exists": False}]}}, True),
    ("exists false present", {"detail": {"count": [{"exists": False}]}}, False),
    ("exists false under a missing parent", {"nope": {"deeper": [{"exists": False}]}}, True),
    ("exists only sees leaves", {"detail": {"severity": [{"exists": False}]}}, True),
    ("exists on empty array", {"resources": [{"exists": False}]}, True),
    ("exists or value", {"detail": {"nope": [{"exists": False}, "x"]}}, True),
    # cidr
    ("cidr", {"detail": {"sourceIp": [{"cidr": "10.0.0.0/24"}]}}, True),
    ("cidr miss", {"detail": {"sourceIp": [{"cidr": "10.0.1.0/24"}]}}, False),
    ("cidr ipv6", {"detail": {"ipv6": [{"cidr": "2001:db8::/32"}]}}, True),
    ("cidr not an ip", {"detail": {"file": [{"cidr": "10.0.0.0/8"}]}}, False),
    # $or
    (
        "$or",
        {
            "source": ["aws.macie"],
            "$or": [{"region": ["us-east-1"]}, {"account": ["123456789012"]}],
        },
        True,
    ),
    ("$or none", {"$or": [{"region": ["us-east-1"]}, {"account": ["1"]}]}, False),
    (
        "$or nested in detail",
        {
            "detail": {
                "$or": [
                    {"severity": {"score": [{"numeric": [">=", 2]}]}},
                    {"type": [{"prefix": "Policy:"}]},
                ]
            }
        },
        True,
    ),
    (
        "$or with AND inside",
        {"$or": [{"region": ["eu-west-1"], "account": ["1"]}, {"source": ["aws.s3"]}]},
        False,
    ),
    (
        "two $or groups are AND-ed",
        {
            "$or": [{"region": ["eu-west-1"]}, {"account": ["1"]}],
            "detail": {"$or": [{"count": [5]}, {"category": ["POLICY"]}]},
        },
        False,
    ),
    ("empty pattern matches everything", {}, True),
]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [pytest.param(p, e, id=name) for name, p, e in MATCH_CASES],
)
def test_matches(pattern: dict[str, Any], expected: bool) -> None:
    assert matches(pattern, EVENT) is expected


INVALID_CASES: list[tuple[str, Any, str]] = [
    ("not json", "{source: ", "Invalid JSON"),
    ("not an object", "[1]", "Filter is not an object"),
    ("scalar field", {"source": "aws.macie"}, "must be an object or an array"),
    ("empty array", {"source": []}, "Empty arrays are not allowed"),
    ("nested array", {"source": [["a"]]}, "Match value must be String"),
    ("unknown operator", {"source": [{"prefixx": "a"}]}, "Unrecognized match type prefixx"),
    ("two keys in one matcher", {"source": [{"prefix": "a", "suffix": "b"}]}, "exactly one key"),
    ("prefix number", {"source": [{"prefix": 1}]}, "must be a string"),
    ("suffix object", {"source": [{"suffix": {"wildcard": "a"}}]}, "Unsupported match object"),
    ("exists string", {"source": [{"exists": "true"}]}, "either true or false"),
    ("exists zero", {"source": [{"exists": 0}]}, "either true or false"),
    ("numeric odd", {"n": [{"numeric": [">", 1, "<"]}]}, "two-sided range"),
    ("numeric bad op", {"n": [{"numeric": ["!=", 1]}]}, "Bad numeric range operator"),
    ("numeric = in range", {"n": [{"numeric": [">", 1, "=", 3]}]}, "Bad numeric range operator"),
    ("numeric upper first", {"n": [{"numeric": ["<", 1, ">", 3]}]}, "Bad numeric range operator"),
    ("numeric string value", {"n": [{"numeric": [">", "1"]}]}, "must be numeric"),
    ("numeric bool value", {"n": [{"numeric": [">", True]}]}, "must be numeric"),
    ("numeric too large", {"n": [{"numeric": [">", 6e9]}]}, "between -5.0E9 and 5.0E9"),
    ("numeric inverted", {"n": [{"numeric": [">", 5, "<", 1]}]}, "Bottom must be less than top"),
    ("wildcard consecutive", {"f": [{"wildcard": "a**b"}]}, "Consecutive wildcard characters"),
    ("wildcard bad escape", {"f": [{"wildcard": "a\\b"}]}, "Invalid escape character"),
    ("anything-but mixed", {"f": [{"anything-but": ["a", 1]}]}, "all strings or all numbers"),
    ("anything-but null", {"f": [{"anything-but": [None]}]}, "all strings or all numbers"),
    ("anything-but empty", {"f": [{"anything-but": []}]}, "Empty arrays"),
    ("anything-but numeric", {"f": [{"anything-but": {"numeric": [">", 1]}}]}, "Unsupported"),
    ("anything-but prefix number", {"f": [{"anything-but": {"prefix": 1}}]}, "must be a string"),
    ("cidr garbage", {"ip": [{"cidr": "10.0.0.0/99"}]}, "Nonstandard IP address"),
    ("$or single", {"$or": [{"a": ["b"]}]}, "at least two objects"),
    ("$or not objects", {"$or": [["a"], ["b"]]}, "only non-empty objects"),
    ("$or bad inner", {"$or": [{"a": "b"}, {"c": ["d"]}]}, "must be an object or an array"),
]


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [pytest.param(p, r, id=name) for name, p, r in INVALID_CASES],
)
def test_invalid_patterns(pattern: Any, reason: str) -> None:
    with pytest.raises(InvalidEventPattern) as info:
        parse_pattern(pattern)
    assert reason in info.value.reason
    assert str(info.value).startswith("Event pattern is not valid. Reason: ")


def test_json_text_and_compiled_pattern_agree() -> None:
    text = '{"source": ["aws.macie"], "detail": {"severity": {"score": [{"numeric": [">=", 2]}]}}}'
    compiled = parse_pattern(text)
    assert compiled.matches(EVENT)
    assert matches(compiled, EVENT)
    assert compiled.source["source"] == ["aws.macie"]


def test_project_severity_pattern_filters_low() -> None:
    low = {**EVENT, "detail": {**EVENT["detail"], "severity": {"description": "Low", "score": 1}}}
    pattern = parse_pattern(
        {
            "source": ["aws.macie"],
            "detail-type": ["Macie Finding"],
            "detail": {"severity": {"description": ["Medium", "High"]}},
        }
    )
    assert pattern.matches(EVENT)
    assert not pattern.matches(low)
