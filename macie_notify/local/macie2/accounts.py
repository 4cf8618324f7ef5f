"""Several accounts on one endpoint: organization admin, members and invitations.

The account of every request comes from the caller's access key (moto's convention), so
one local endpoint holds many Macie accounts. Relations between them live here, one
:class:`Organization` per Region, as Macie keeps them
(https://docs.aws.amazon.com/macie/latest/user/macie-accounts.html):

- the organization's management account designates a delegated administrator
  (EnableOrganizationAdminAccount); that administrator adds members with CreateMember and
  they are ``Enabled`` at once (Macie is enabled for them when needed);
- any other administrator works by invitation: CreateMember (``Created``) ->
  CreateInvitations (``Invited``) -> the member's AcceptInvitation (``Enabled``);
- DisassociateMember (``Removed``) or the member's DisassociateFromAdministratorAccount
  (``Resigned``) end the relation; DeleteMember forgets the account;
- an administrator reads its enabled and paused members' findings as its own
  (ListFindings, GetFindings, GetFindingStatistics) and can suspend a member's Macie.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from macie_notify.local.macie2.exceptions import (
    AccessDeniedException,
    ConflictException,
    ResourceNotFoundException,
    ValidationException,
)
from macie_notify.local.macie2.shapes import now_iso

__all__ = ["ASSOCIATED", "Organization"]

ASSOCIATED = ("Enabled", "Paused")
ACCOUNT_ID_LENGTH = 12


@dataclass
class Organization:
    """Administrator/member relations in one Region (its own lock; never a backend's)."""

    lock: threading.RLock = field(default_factory=threading.RLock)
    # delegated administrator account -> status (ENABLED | DISABLING_IN_PROGRESS)
    admins: dict[str, str] = field(default_factory=dict)
    auto_enable: dict[str, bool] = field(default_factory=dict)
    # administrator -> member account -> the Member shape
    members: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    # member account -> administrator -> the Invitation shape
    invitations: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    # -- delegated administrator -----------------------------------------------------

    def enable_admin(self, caller: str, admin: str) -> None:
        _account_id(admin, "adminAccountId")
        with self.lock:
            if self.admins and admin not in self.admins:
                raise ConflictException(
                    "The organization already has a delegated Macie administrator."
                )
            self.admins[admin] = "ENABLED"

    def disable_admin(self, admin: str) -> None:
        with self.lock:
            if admin not in self.admins:
                raise ResourceNotFoundException(
                    f"The account {admin} isn't the delegated Macie administrator."
                )
            del self.admins[admin]
            for member in self.members.pop(admin, {}).values():
                member["relationshipStatus"] = "Removed"

    def list_admins(self) -> list[dict[str, Any]]:
        with self.lock:
            return [{"accountId": a, "status": s} for a, s in sorted(self.admins.items())]

    def require_admin(self, caller: str) -> None:
        if caller not in self.admins:
            raise AccessDeniedException(
                "The request failed because you must be the delegated Macie administrator "
                "of an organization to perform this operation."
            )

    # -- members (the administrator's view) ------------------------------------------

    def create_member(
        self, admin: str, region: str, account: Mapping[str, Any], tags: Any
    ) -> dict[str, Any]:
        member_id = _account_id(str(account.get("accountId")), "account.accountId")
        if member_id == admin:
            raise ValidationException("An account can't be a member of itself.")
        with self.lock:
            for other, table in self.members.items():
                found = table.get(member_id)
                if other != admin and found and found["relationshipStatus"] in ASSOCIATED:
                    raise ConflictException(
                        f"The account {member_id} is already associated with an administrator."
                    )
            stamp = now_iso()
            delegated = admin in self.admins
            member = {
                "accountId": member_id,
                "administratorAccountId": admin,
                "arn": f"arn:aws:macie2:{region}:{admin}:member/{member_id}",
                "email": str(account.get("email") or ""),
                "invitedAt": stamp if delegated else None,
                "masterAccountId": admin,
                "relationshipStatus": "Enabled" if delegated else "Created",
                "tags": dict(tags or {}),
                "updatedAt": stamp,
            }
            self.members.setdefault(admin, {})[member_id] = member
            return member

    def member(self, admin: str, member_id: str) -> dict[str, Any]:
        with self.lock:
            found = self.members.get(admin, {}).get(member_id)
            if found is None:
                raise ResourceNotFoundException(
                    f"The account {member_id} isn't a member of this administrator account."
                )
            return found

    def list_members(self, admin: str, only_associated: bool) -> list[dict[str, Any]]:
        with self.lock:
            rows = sorted(self.members.get(admin, {}).values(), key=lambda m: m["accountId"])
            if only_associated:
                rows = [m for m in rows if m["relationshipStatus"] in ASSOCIATED]
            return rows

    def associated(self, admin: str) -> list[str]:
        """Member accounts whose findings the administrator sees."""
        return [m["accountId"] for m in self.list_members(admin, only_associated=True)]

    def delete_member(self, admin: str, member_id: str) -> None:
        with self.lock:
            self.member(admin, member_id)
            del self.members[admin][member_id]
            self.invitations.get(member_id, {}).pop(admin, None)

    def disassociate_member(self, admin: str, member_id: str) -> None:
        with self.lock:
            member = self.member(admin, member_id)
            member["relationshipStatus"] = "Removed"
            member["updatedAt"] = now_iso()

    def set_member_status(self, admin: str, member_id: str, status: str) -> None:
        with self.lock:
            member = self.member(admin, member_id)
            if member["relationshipStatus"] not in ASSOCIATED:
                raise ValidationException(f"The account {member_id} isn't an enabled member.")
            member["relationshipStatus"] = "Paused" if status == "PAUSED" else "Enabled"
            member["updatedAt"] = now_iso()

    # -- invitations -----------------------------------------------------------------

    def invite(self, admin: str, account_ids: list[str]) -> list[dict[str, Any]]:
        unprocessed = []
        with self.lock:
            for member_id in account_ids:
                member = self.members.get(admin, {}).get(member_id)
                if member is None:
                    unprocessed.append(
                        {
                            "accountId": member_id,
                            "errorCode": "ClientError",
                            "errorMessage": "Add the account with CreateMember first.",
                        }
                    )
                    continue
                if member["relationshipStatus"] in ASSOCIATED:
                    continue
                stamp = now_iso()
                member.update(relationshipStatus="Invited", invitedAt=stamp, updatedAt=stamp)
                self.invitations.setdefault(member_id, {})[admin] = {
                    "accountId": admin,
                    "invitationId": uuid.uuid4().hex,
                    "invitedAt": stamp,
                    "relationshipStatus": "Invited",
                }
        return unprocessed

    def invitations_of(self, member_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return sorted(
                self.invitations.get(member_id, {}).values(), key=lambda i: i["invitedAt"]
            )

    def accept(self, member_id: str, admin: str, invitation_id: str) -> None:
        with self.lock:
            invitation = self.invitations.get(member_id, {}).get(admin)
            if invitation is None or invitation["invitationId"] != invitation_id:
                raise ResourceNotFoundException(
                    f"There is no invitation {invitation_id} from the account {admin}."
                )
            current = self.administrator_of(member_id)
            if current and current["accountId"] != admin:
                raise ConflictException("The account is already associated with an administrator.")
            invitation["relationshipStatus"] = "Enabled"
            member = self.members[admin][member_id]
            member.update(relationshipStatus="Enabled", updatedAt=now_iso())

    def decline(self, member_id: str, admins: list[str]) -> list[dict[str, Any]]:
        unprocessed = []
        with self.lock:
            for admin in admins:
                invitation = self.invitations.get(member_id, {}).get(admin)
                if invitation is None or invitation["relationshipStatus"] != "Invited":
                    unprocessed.append(
                        {
                            "accountId": admin,
                            "errorCode": "ClientError",
                            "errorMessage": "There is no pending invitation from this account.",
                        }
                    )
                    continue
                del self.invitations[member_id][admin]
        return unprocessed

    def administrator_of(self, member_id: str) -> dict[str, Any] | None:
        """The member's side: its current administrator relation, if any."""
        with self.lock:
            for admin, table in self.members.items():
                found = table.get(member_id)
                if found and found["relationshipStatus"] in ASSOCIATED:
                    invitation = self.invitations.get(member_id, {}).get(admin) or {}
                    return {
                        "accountId": admin,
                        "invitationId": invitation.get("invitationId") or "",
                        "invitedAt": found.get("invitedAt") or found["updatedAt"],
                        "relationshipStatus": found["relationshipStatus"],
                    }
            return None

    def resign(self, member_id: str) -> None:
        with self.lock:
            current = self.administrator_of(member_id)
            if current is None:
                raise ResourceNotFoundException(
                    "The account isn't associated with an administrator."
                )
            member = self.members[current["accountId"]][member_id]
            member.update(relationshipStatus="Resigned", updatedAt=now_iso())
            self.invitations.get(member_id, {}).pop(current["accountId"], None)

    def reset(self) -> None:
        with self.lock:
            self.admins.clear()
            self.auto_enable.clear()
            self.members.clear()
            self.invitations.clear()


def _account_id(value: str, field_name: str) -> str:
    if len(value) != ACCOUNT_ID_LENGTH or not value.isdigit():
        raise ValidationException(f"{field_name} must be a 12-digit AWS account ID.")
    return value
