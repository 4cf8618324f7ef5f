"""The request dicts the config builds are valid for botocore's macie2 model.

botocore's own parameter validator is the reference (it is what boto3 runs before sending),
so a drift between our camelCase helpers and the service model fails here, offline.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator

from macie_notify.config import load, loads

ROOT = Path(__file__).resolve().parents[3]


def _validate(operation: str, params: dict[str, Any]) -> None:
    model = botocore.session.get_session().get_service_model("macie2")
    report = ParamValidator().validate(params, model.operation_model(operation).input_shape)
    assert not report.has_errors(), report.generate_report()


def test_example_identifier_requests() -> None:
    for cdi in load(str(ROOT / "config.example.yaml")).custom_data_identifiers:
        _validate("CreateCustomDataIdentifier", cdi.to_api(tags={"managed-by": "macie-notify"}))
        _validate("TestCustomDataIdentifier", cdi.to_test_api("employee EMP-123456"))


@pytest.mark.parametrize(
    "job",
    [
        "{schedule: once}",
        "{schedule: daily, initial_run: false}",
        "{schedule: {weekly: MONDAY}, managed_identifiers: RECOMMENDED}",
        "{schedule: {monthly: 31}, managed_identifiers: {include: [AWS_CREDENTIALS]}}",
        "{managed_identifiers: NONE, scope: {include_prefixes: [a/], exclude_extensions: [pdf]}}",
    ],
)
def test_job_requests(job: str) -> None:
    config = loads(
        "stack: {name: macie-demo}\ncustom_data_identifiers: [{name: a, regex: x}]\n"
        f"job: {job}\n"
    )
    params = config.job.to_api(
        name=f"{config.stack.name}-{config.job.name}",
        account_id="123456789012",
        bucket="macie-demo-data",
        custom_identifier_ids=["393950aa-82ea-4bdc-8f7b-e5be3example"],
        tags={"managed-by": "macie-notify"},
    )
    _validate("CreateClassificationJob", {**params, "clientToken": "token"})
