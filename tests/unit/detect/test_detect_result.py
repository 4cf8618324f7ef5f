"""Finding type and severity as Macie computes them, the result shapes, the selection."""

from __future__ import annotations

import pytest

from macie_notify.detect import FileResult, IdentifierSelection
from macie_notify.detect.catalog import MANAGED_IDENTIFIER_CATEGORIES, RECOMMENDED_IDENTIFIERS
from macie_notify.detect.managed import LOCAL_IDENTIFIERS
from macie_notify.detect.result import Detection, ScanSummary, managed_severity


@pytest.mark.parametrize(
    ("ident", "expected"),
    [
        ("AWS_CREDENTIALS", ("High", "High", "High")),
        ("CREDIT_CARD_NUMBER", ("High", "High", "High")),
        ("CREDIT_CARD_EXPIRATION", ("Low", "Medium", "High")),
        ("CREDIT_CARD_SECURITY_CODE", ("Medium", "High", "High")),
        ("DATE_OF_BIRTH", ("Low", "Medium", "High")),
        ("PHONE_NUMBER", ("Low", "Medium", "High")),
        ("DRIVERS_LICENSE", ("Low", "Medium", "High")),
        ("LATITUDE_LONGITUDE", ("Low", "Medium", "Medium")),
        ("USA_PASSPORT_NUMBER", ("Medium", "High", "High")),
        ("VEHICLE_IDENTIFICATION_NUMBER", ("Low", "Low", "Medium")),
        ("USA_SOCIAL_SECURITY_NUMBER", ("High", "High", "High")),
        ("UK_NHS_NUMBER", ("High", "High", "High")),
        ("ARGENTINA_TARJETA_SUBE", ("Medium", "Medium", "High")),
    ],
)
def test_managed_severity_table(ident: str, expected: tuple[str, str, str]) -> None:
    assert tuple(managed_severity(ident, n) for n in (1, 99, 100)) == expected


def result(managed: dict[str, int], custom: dict[str, tuple[int, str | None]]) -> FileResult:
    return FileResult(
        path="x",
        managed={k: Detection(k, n) for k, n in managed.items()},
        custom={k: Detection(k, n, severity=sev) for k, (n, sev) in custom.items()},
    )


@pytest.mark.parametrize(
    ("managed", "custom", "finding_type", "severity"),
    [
        ({"AWS_CREDENTIALS": 1}, {}, "SensitiveData:S3Object/Credentials", "High"),
        ({"CREDIT_CARD_EXPIRATION": 1}, {}, "SensitiveData:S3Object/Financial", "Low"),
        ({"PHONE_NUMBER": 5}, {}, "SensitiveData:S3Object/Personal", "Medium"),
        ({}, {"emp": (3, "LOW")}, "SensitiveData:S3Object/CustomIdentifier", "Low"),
        ({"PHONE_NUMBER": 1}, {"emp": (1, "HIGH")}, "SensitiveData:S3Object/Multiple", "High"),
        ({"PHONE_NUMBER": 1, "AWS_CREDENTIALS": 1}, {}, "SensitiveData:S3Object/Multiple", "High"),
        ({}, {"emp": (1, None)}, None, None),  # below the lowest threshold: no finding
    ],
)
def test_finding_type_and_severity(
    managed: dict[str, int],
    custom: dict[str, tuple[int, str | None]],
    finding_type: str | None,
    severity: str | None,
) -> None:
    r = result(managed, custom)
    assert (r.finding_type, r.severity) == (finding_type, severity)


def test_classification_result_shape() -> None:
    r = result({"PHONE_NUMBER": 2, "AWS_CREDENTIALS": 1}, {"emp": (1, "MEDIUM")})
    r.bytes = 10
    doc = r.classification_result()
    assert list(doc) == [
        "additionalOccurrences", "customDataIdentifiers", "mimeType", "sensitiveData",
        "sizeClassified", "status",
    ]  # fmt: skip
    assert doc["status"] == {"code": "COMPLETE", "reason": None}
    assert doc["sensitiveData"][0] == {
        "category": "CREDENTIALS",
        "totalCount": 1,
        "detections": [{"type": "AWS_CREDENTIALS", "count": 1, "occurrences": {"lineRanges": []}}],
    }
    assert doc["customDataIdentifiers"]["totalCount"] == 1


def test_summary_shape() -> None:
    summary = ScanSummary(2, 1, 30, 0.12345)
    assert summary.to_dict() == {
        "filesScanned": 2,
        "filesWithFindings": 1,
        "bytes": 30,
        "seconds": 0.123,
    }


def test_selection() -> None:
    every = set(MANAGED_IDENTIFIER_CATEGORIES)
    assert IdentifierSelection("ALL").resolve() == every
    assert IdentifierSelection("RECOMMENDED").resolve() == RECOMMENDED_IDENTIFIERS
    assert IdentifierSelection("NONE").resolve() == frozenset()
    assert IdentifierSelection("INCLUDE", ("PKCS",)).resolve() == {"PKCS"}
    assert IdentifierSelection("EXCLUDE", ("PKCS",)).resolve() == every - {"PKCS"}
    assert "NAME" in IdentifierSelection("ALL").not_evaluated_locally()
    assert LOCAL_IDENTIFIERS <= every
    with pytest.raises(ValueError, match="SOME"):
        IdentifierSelection("SOME").resolve()
