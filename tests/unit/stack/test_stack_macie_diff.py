"""The Macie resource's plan reasons name what differs."""

from __future__ import annotations

from macie_notify.stack.model import Action, Observed
from macie_notify.stack.resources.macie import MacieSpec, diff


def _observed(classification: bool, policy: bool) -> Observed:
    hub = {"publishClassificationFindings": classification, "publishPolicyFindings": policy}
    return Observed(
        id="macie",
        state={
            "status": "ENABLED",
            "frequency": "FIFTEEN_MINUTES",
            "security_hub": classification and policy,
            "security_hub_raw": hub,
        },
    )


def test_aws_default_publication_is_an_update_that_names_the_member() -> None:
    # Macie enabled outside the tool publishes policy findings to Security Hub by default.
    action, reasons = diff(MacieSpec(name="macie"), _observed(False, True))
    assert action is Action.UPDATE
    assert reasons == ["publish_to_security_hub (publishPolicyFindings): True -> False"]


def test_matching_publication_is_a_no_op() -> None:
    assert diff(MacieSpec(name="macie", security_hub=True), _observed(True, True)) == (
        Action.NOOP,
        [],
    )
