"""The Macie session: enabled, its publishing frequency, and Security Hub publication.

Whether Macie is enabled is read from GetMacieSession, which answers the modeled
AccessDeniedException until EnableMacie in the account and Region
(https://docs.aws.amazon.com/macie/latest/APIReference/macie.html); the error's wording
is never read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from macie_notify.stack.model import Action, Observed, Spec
from macie_notify.stack.resources.base import Context, changed

if TYPE_CHECKING:
    from mypy_boto3_macie2 import Macie2Client
    from mypy_boto3_macie2.literals import FindingPublishingFrequencyType
    from mypy_boto3_macie2.type_defs import SecurityHubConfigurationTypeDef

    from macie_notify.aws import Aws


@dataclass(frozen=True)
class MacieSpec(Spec):
    kind = "macie"
    frequency: str = "FIFTEEN_MINUTES"
    security_hub: bool = False
    # teardown only: DisableMacie (deletes every finding, job and identifier of Macie's).
    disable: bool = False


def observe(aws: Aws, spec: MacieSpec) -> Observed | None:
    macie2: Macie2Client = aws.client("macie2")
    try:
        session = macie2.get_macie_session()
    except macie2.exceptions.AccessDeniedException:
        return None
    publication = macie2.get_findings_publication_configuration()
    hub: Mapping[str, Any] = publication.get("securityHubConfiguration", {})
    state = {
        "status": session.get("status"),
        "frequency": session.get("findingPublishingFrequency"),
        "security_hub": bool(hub.get("publishClassificationFindings"))
        and bool(hub.get("publishPolicyFindings")),
        "security_hub_raw": dict(hub),
    }
    return Observed(id=str(session.get("serviceRole") or "macie"), state=state)


def _hub_config(on: bool) -> SecurityHubConfigurationTypeDef:
    return {"publishClassificationFindings": on, "publishPolicyFindings": on}


def _frequency(spec: MacieSpec) -> FindingPublishingFrequencyType:
    # The config reader accepts only Macie's frequencies.
    return cast("FindingPublishingFrequencyType", spec.frequency)


def diff(spec: MacieSpec, observed: Observed | None) -> tuple[Action, list[str]]:
    if observed is None:
        return Action.CREATE, ["Macie is not enabled in this account and Region"]
    s = observed.state
    reasons = []
    if s["status"] != "ENABLED":
        reasons.append(changed("status", s["status"], "ENABLED"))
    if s["frequency"] != spec.frequency:
        reasons.append(changed("finding_publishing_frequency", s["frequency"], spec.frequency))
    wanted = _hub_config(spec.security_hub)
    if s["security_hub_raw"] != wanted:
        # Name each member that differs: AWS's default (policy findings only) summarised as
        # one bool would read "False -> False".
        for member, value in wanted.items():
            have = s["security_hub_raw"].get(member)
            if have != value:
                reasons.append(changed(f"publish_to_security_hub ({member})", have, value))
    return (Action.UPDATE if reasons else Action.NOOP), reasons


def apply(
    ctx: Context, spec: MacieSpec, observed: Observed | None, action: Action
) -> dict[str, str]:
    macie2: Macie2Client = ctx.aws.client("macie2")
    if observed is None:
        macie2.enable_macie(findingPublishingFrequency=_frequency(spec), status="ENABLED")
        # A new session publishes policy findings to Security Hub by default: say what
        # the config says instead.
        macie2.put_findings_publication_configuration(
            securityHubConfiguration=_hub_config(spec.security_hub)
        )
        return {}
    s = observed.state
    if s["status"] != "ENABLED" or s["frequency"] != spec.frequency:
        macie2.update_macie_session(findingPublishingFrequency=_frequency(spec), status="ENABLED")
    if s["security_hub_raw"] != _hub_config(spec.security_hub):
        macie2.put_findings_publication_configuration(
            securityHubConfiguration=_hub_config(spec.security_hub)
        )
    return {}


def keep_reason(spec: MacieSpec, observed: Observed, stack: str) -> str | None:
    if not spec.disable:
        return "kept enabled (pass --disable-macie to disable it)"
    return None


def delete(ctx: Context, spec: MacieSpec, observed: Observed) -> None:
    ctx.aws.client("macie2").disable_macie()
