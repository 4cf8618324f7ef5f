"""Acceptance: AWS errors a new user meets become hints that point somewhere real."""

from __future__ import annotations

from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from macie_notify.aws import translate_error

README = Path(__file__).resolve().parents[3] / "README.md"


def _denied(message: str, operation: str = "GetFindings") -> ClientError:
    return ClientError({"Error": {"Code": "AccessDeniedException", "Message": message}}, operation)


def test_macie_not_enabled_hints_at_setup_and_region() -> None:
    err = translate_error(_denied("Macie is not enabled."))
    assert err is not None and err.hint is not None
    assert err.message == "GetFindings was denied: Macie is not enabled."
    assert "macie-notify setup" in err.hint
    assert "--region" in err.hint


@pytest.mark.parametrize("code", ["AccessDenied", "AccessDeniedException"])
def test_iam_denial_hint_names_no_missing_readme_section(code: str) -> None:
    exc = ClientError({"Error": {"Code": code, "Message": "not authorized"}}, "PutObject")
    err = translate_error(exc)
    assert err is not None and err.hint is not None
    assert "IAM policy" in err.hint
    # The old hint sent users to a README section ('Permissions') that does not exist.
    assert "Permissions" not in err.hint or "## Permissions" in README.read_text("utf-8")
