"""Fault injection: a fresh setup that fails at any one mutating step exits 1 naming that
step, and the next setup converges to the inventory of a clean run, without duplicates."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from macie_notify.aws import Aws
from tests.e2e.stack.conftest import (
    CONFIG,
    TOKEN,
    Calls,
    config,
    engine,
    inventory,
    make_aws,
    reset,
    setup,
)
from tests.e2e.stack.stack_cli import run_cli

pytestmark = pytest.mark.e2e

# Every mutating call of a fresh setup of CONFIG, one per line; the first test checks
# that this is exactly what setup does, so a new step cannot go untested.
MUTATING_STEPS = [
    "events.PutRule",
    "events.PutTargets",
    "iam.CreateRole",
    "iam.PutRolePolicy",
    "lambda.AddPermission",
    "lambda.CreateFunction",
    "lambda.PutFunctionConcurrency",
    "lambda.PutFunctionEventInvokeConfig",
    "logs.CreateLogGroup",
    "logs.PutRetentionPolicy",
    "macie2.CreateClassificationJob",
    "macie2.CreateCustomDataIdentifier",
    "macie2.CreateCustomDataIdentifier",
    "macie2.EnableMacie",
    "macie2.PutFindingsPublicationConfiguration",
    "s3.CreateBucket",
    "s3.PutBucketEncryption",
    "s3.PutBucketOwnershipControls",
    "s3.PutBucketPolicy",
    "s3.PutBucketTagging",
    "s3.PutBucketVersioning",
    "s3.PutPublicAccessBlock",
    "secretsmanager.CreateSecret",
    "sqs.CreateQueue",
]


class FailOnce:
    """A before-call hook that makes the first call of ``target`` fail."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.fired = False

    def __call__(self, model: Any, **_: Any) -> None:
        name = f"{model.service_model.service_name}.{model.name}"
        if name == self.target and not self.fired:
            self.fired = True
            raise ClientError(
                {"Error": {"Code": "InternalFailure", "Message": "injected fault"}}, model.name
            )


@pytest.fixture(scope="module")
def clean_inventory(server: Any) -> Iterator[dict[str, Any]]:
    reset(server.endpoint_url)
    aws = make_aws(server.endpoint_url)
    setup(config(), aws)
    yield inventory(aws)


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "macie-notify.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    return path


def test_the_listed_steps_are_every_mutating_call_of_a_fresh_setup(url: str) -> None:
    calls = Calls()
    setup(config(), make_aws(url, calls.hook))
    assert sorted(calls.mutating) == MUTATING_STEPS


@pytest.mark.parametrize("step", sorted(set(MUTATING_STEPS)))
def test_failed_step_is_named_and_the_next_setup_converges(
    step: str,
    url: str,
    config_file: Path,
    clean_inventory: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    fault = FailOnce(step)
    aws: Aws = make_aws(url, fault)
    code, _out, err = run_cli(["setup", "--yes", "-c", str(config_file)], aws, capsys)
    assert fault.fired
    operation = step.split(".", 1)[1]
    assert code == 1, err
    (error_line,) = [line for line in err.splitlines() if line.startswith("Error:")]
    assert f"{operation} failed (create)" in error_line or (
        f"{operation} failed (update)" in error_line
    ), err
    assert "InternalFailure: injected fault" in error_line
    assert "Traceback" not in err

    code, _out, err = run_cli(["setup", "--yes", "-c", str(config_file)], make_aws(url), capsys)
    assert code == 0, err
    assert inventory(make_aws(url)) == clean_inventory
    assert engine(config(), make_aws(url)).plan().pending == ()
