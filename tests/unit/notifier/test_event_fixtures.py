"""The shared event fixtures stay faithful to Macie: every key and enum value is in the
botocore macie2 model's ``Finding`` shape, and the envelope is EventBridge's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import botocore.session
import pytest

EVENTS = Path(__file__).resolve().parents[2] / "events"
MODEL = botocore.session.get_session().get_service_model("macie2")
ENVELOPE = {"version", "id", "detail-type", "source", "account", "time", "region", "resources"}


def _problems(value: Any, shape: Any, path: str) -> list[str]:
    if value is None:
        return []  # the event schema writes absent objects as null
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{path}: expected an object"]
        out = [f"{path}.{k}: not in {shape.name}" for k in value if k not in shape.members]
        for key, member in shape.members.items():
            out += _problems(value.get(key), member, f"{path}.{key}")
        return out
    if kind == "list":
        return [p for i, v in enumerate(value) for p in _problems(v, shape.member, f"{path}[{i}]")]
    if kind == "string" and shape.enum and value not in shape.enum:
        return [f"{path}: {value!r} not in {shape.name}"]
    return []


MACIE_FILES = sorted(p.name for p in EVENTS.glob("macie_*.json"))


@pytest.mark.parametrize("name", MACIE_FILES)
def test_fixture_matches_the_finding_shape(name: str) -> None:
    event = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    assert set(event) == ENVELOPE | {"detail"}
    assert (event["source"], event["detail-type"], event["resources"]) == (
        "aws.macie",
        "Macie Finding",
        [],
    )
    assert _problems(event["detail"], MODEL.shape_for("Finding"), "detail") == []
    detail = event["detail"]
    assert (detail["accountId"], detail["region"]) == (event["account"], event["region"])
    assert (
        detail["severity"]["score"]
        == {"Low": 1, "Medium": 2, "High": 3}[detail["severity"]["description"]]
    )


def test_there_is_one_fixture_per_sensitive_data_type_and_a_policy_one() -> None:
    types = {
        json.loads((EVENTS / n).read_text(encoding="utf-8"))["detail"]["type"] for n in MACIE_FILES
    }
    expected = {t for t in MODEL.shape_for("FindingType").enum if t.startswith("SensitiveData:")}
    assert expected <= types
    assert any(t.startswith("Policy:") for t in types)
