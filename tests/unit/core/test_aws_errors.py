"""Acceptance: AWS errors a new user meets become hints that point somewhere real."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from macie_notify.aws import Aws, AwsSettings, translate_error
from macie_notify.cli.main import run
from macie_notify.errors import UsageError

README = Path(__file__).resolve().parents[3] / "README.md"


def _denied(message: str, operation: str = "GetFindings") -> ClientError:
    return ClientError({"Error": {"Code": "AccessDeniedException", "Message": message}}, operation)


def test_macie_not_enabled_hints_at_enabling_and_region() -> None:
    err = translate_error(_denied("Macie is not enabled."))
    assert err is not None and err.hint is not None
    assert err.message == "GetFindings was denied: Macie is not enabled."
    assert err.hint == (
        "Macie is not enabled for this account in this Region: enable it "
        "(`aws macie2 enable-macie`), or check --region / stack.region."
    )


@pytest.mark.parametrize("code", ["AccessDenied", "AccessDeniedException"])
def test_iam_denial_hint_names_no_missing_readme_section(code: str) -> None:
    exc = ClientError({"Error": {"Code": code, "Message": "not authorized"}}, "PutObject")
    err = translate_error(exc)
    assert err is not None and err.hint is not None
    assert "IAM policy" in err.hint
    # The old hint sent users to a README section ('Permissions') that does not exist.
    assert "Permissions" not in err.hint or "## Permissions" in README.read_text("utf-8")


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (AwsSettings(region="bad region"), "'bad region' is not an AWS Region name."),
        (
            AwsSettings(region="us-east-1", endpoint_url="notaurl"),
            "the endpoint URL 'notaurl' is not valid.",
        ),
    ],
)
def test_malformed_region_or_endpoint_is_a_usage_error(settings: AwsSettings, message: str) -> None:
    # botocore raises a bare ValueError, which the CLI reported as "unexpected ... a bug".
    aws = Aws(settings, session=boto3.Session(aws_access_key_id="k", aws_secret_access_key="s"))
    with pytest.raises(UsageError) as info:
        aws.client("macie2")
    assert info.value.message == message
    assert info.value.exit_code == 2


def test_bad_endpoint_through_the_cli_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code = run(["notify", "preview", "x", "--endpoint-url", "notaurl", "--region", "us-east-1"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("Error: the endpoint URL 'notaurl' is not valid.\nHint: ")
