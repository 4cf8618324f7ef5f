"""Custom data identifiers with Macie's semantics (cdis-options.html)."""

from __future__ import annotations

import re

import pytest

from macie_notify.detect import CustomIdentifierSpec, FileResult, SeverityLevel


def spec(**kw: object) -> CustomIdentifierSpec:
    data: dict[str, object] = {"name": "employee-id", "regex": "EMP-[0-9]{6}", **kw}
    return CustomIdentifierSpec.from_api(data)


def found(result: FileResult) -> int:
    det = result.custom.get("employee-id")
    return det.count if det else 0


def test_no_keywords_every_match_counts(scan) -> None:
    assert found(scan("EMP-123456 and EMP-654321", ids=[], custom=[spec()])) == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("employee EMP-123456", 1),
        ("EMPLOYEE: EMP-123456", 1),  # keywords are case-insensitive
        ("emp id EMP-123456", 1),
        ("EMP-123456 employee", 0),  # the keyword must come before the match
        ("employees EMP-123456", 0),  # a complete keyword, not a prefix of a word
    ],
)
def test_keywords(scan, text: str, expected: int) -> None:
    custom = [spec(keywords=["employee", "emp id"])]
    assert found(scan(text, ids=[], custom=custom)) == expected


def test_distance_is_from_keyword_end_to_match_end(scan) -> None:
    custom = [spec(keywords=["employee"], maximumMatchDistance=20)]
    # keyword end -> match end: 10 spaces + 10-character match = 20: inside.
    assert found(scan("employee" + " " * 10 + "EMP-123456", ids=[], custom=custom)) == 1
    # 21: the match is only partly within the distance, so it does not count.
    assert found(scan("employee" + " " * 11 + "EMP-123456", ids=[], custom=custom)) == 0


def test_default_distance_is_50(scan) -> None:
    custom = [spec(keywords=["employee"])]
    assert found(scan("employee" + " " * 40 + "EMP-123456", ids=[], custom=custom)) == 1
    assert found(scan("employee" + " " * 41 + "EMP-123456", ids=[], custom=custom)) == 0


def test_ignore_words_are_case_sensitive_and_contained(scan) -> None:
    custom = [spec(ignoreWords=["EMP-000000", "9999"])]
    text = "EMP-000000 EMP-129999 EMP-123456 emp-000000"
    assert found(scan(text, ids=[], custom=custom)) == 1


def test_column_name_and_json_path_are_keywords(scan) -> None:
    custom = [spec(keywords=["employee"], maximumMatchDistance=5)]
    csv = "employee,notes\nEMP-123456,x\nEMP-654321,y\n"
    assert found(scan(csv, name="staff.csv", ids=[], custom=custom)) == 2
    doc = '{"employee": {"identifiers": {"primary": "EMP-123456"}}}'
    assert found(scan(doc, name="staff.json", ids=[], custom=custom)) == 1
    assert found(scan(doc, name="staff.txt", ids=[], custom=custom)) == 0


def test_keyword_in_a_neighbouring_cell_or_value_does_not_count(scan) -> None:
    custom = [spec(keywords=["employee"])]
    csv = "employee,other\nEMP-123456,EMP-654321\n"
    assert found(scan(csv, name="staff.csv", ids=[], custom=custom)) == 1  # column name only
    doc = '{"employee": "x", "other": "EMP-123456", "note": "employee EMP-654321"}'
    assert found(scan(doc, name="staff.json", ids=[], custom=custom)) == 1  # same value only


def test_anchors_mean_start_and_end_of_file(scan) -> None:
    custom = [spec(regex="^EMP-[0-9]{6}")]
    assert found(scan("EMP-123456\nEMP-654321\n", ids=[], custom=custom)) == 1


def test_severity_levels() -> None:
    levels = (SeverityLevel(1, "LOW"), SeverityLevel(20, "MEDIUM"), SeverityLevel(100, "HIGH"))
    s = CustomIdentifierSpec("x", "X", severity_levels=levels)
    assert [s.severity_for(n) for n in (0, 1, 19, 20, 99, 100)] == [
        None, "LOW", "LOW", "MEDIUM", "MEDIUM", "HIGH",
    ]  # fmt: skip
    assert CustomIdentifierSpec("x", "X").severity_for(1) == "MEDIUM"
    high_only = CustomIdentifierSpec("x", "X", severity_levels=(SeverityLevel(5, "HIGH"),))
    assert high_only.severity_for(4) is None


def test_below_lowest_threshold_gives_no_finding(scan) -> None:
    custom = [spec(severityLevels=[{"occurrencesThreshold": 3, "severity": "HIGH"}])]
    two = scan("EMP-123456 EMP-654321", ids=[], custom=custom)
    assert (two.finding_type, two.severity, two.has_findings) == (None, None, False)
    three = scan("EMP-123456 EMP-654321 EMP-111111", ids=[], custom=custom)
    assert (three.finding_type, three.severity) == (
        "SensitiveData:S3Object/CustomIdentifier",
        "High",
    )


def test_from_api_round_trip_and_id() -> None:
    s = CustomIdentifierSpec.from_api(
        {
            "id": "393950aa-82ea-4bdc-8f7b-e5be3example",
            "name": "n",
            "regex": "A[0-9]+",
            "keywords": ["kw1"],
            "ignoreWords": ["A0000"],
            "maximumMatchDistance": 12,
            "severityLevels": [{"occurrencesThreshold": 2, "severity": "HIGH"}],
        }
    )
    assert s == CustomIdentifierSpec(
        "n", "A[0-9]+", ("kw1",), ("A0000",), 12, (SeverityLevel(2, "HIGH"),),
        "393950aa-82ea-4bdc-8f7b-e5be3example",
    )  # fmt: skip


def test_detections_carry_the_identifier_id(scan) -> None:
    custom = [CustomIdentifierSpec.from_api({"id": "abc-123", "name": "t", "regex": "T-[0-9]{3}"})]
    result = scan("T-123", ids=[], custom=custom)
    assert result.custom_data_identifiers() == {
        "totalCount": 1,
        "detections": [{"arn": "abc-123", "name": "t", "count": 1}],
    }


def test_macie_refused_regex_is_an_error() -> None:
    from macie_notify.detect import Scanner

    with pytest.raises(re.error, match="capturing"):
        Scanner(None, [spec(regex="(EMP)-[0-9]{6}")], use_hyperscan=False)
    assert spec(regex="(?<=x)EMP").problems()
