"""macie2 handlers for organizations, members, invitations and the administrator's view.

Relations are kept by :mod:`macie_notify.local.macie2.accounts`; each handler acts for the
calling account (``b.account_id``). An administrator's ListFindings, GetFindings and
GetFindingStatistics cover its associated members' findings too (:func:`visible`).
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from macie_notify.local.macie2 import paging
from macie_notify.local.macie2.findings import DEFAULT_SORT, parse_sort, position
from macie_notify.local.macie2.handlers import Handler, Params, empty_output
from macie_notify.local.macie2.models import Macie2Backend
from macie_notify.local.macie2.store import sort_key


def _org(b: Macie2Backend) -> Any:
    return b.registry.organization(b.region)


def _enable_admin(b: Macie2Backend, p: Params) -> Any:
    def make() -> Any:
        _org(b).enable_admin(b.account_id, p["adminAccountId"])
        admin = b.registry.get(p["adminAccountId"], b.region)
        if admin.session is None:  # designating an administrator enables Macie for it
            admin.enable({})
        return {}

    return b.idempotent("EnableOrganizationAdminAccount", p.get("clientToken"), make)


def _list_admins(b: Macie2Backend, p: Params) -> Any:
    page, token = paging.page_of(
        _org(b).list_admins(), "ListOrganizationAdminAccounts", [], p, default=50, cap=50
    )
    return {"adminAccounts": page, "nextToken": token}


def _describe_org(b: Macie2Backend, p: Params) -> Any:
    org = _org(b)
    org.require_admin(b.account_id)
    return {"autoEnable": org.auto_enable.get(b.account_id, False), "maxAccountLimitReached": False}


def _update_org(b: Macie2Backend, p: Params) -> Any:
    org = _org(b)
    org.require_admin(b.account_id)
    org.auto_enable[b.account_id] = bool(p["autoEnable"])
    return {}


def _create_member(b: Macie2Backend, p: Params) -> Any:
    member = _org(b).create_member(b.account_id, b.region, p["account"], p.get("tags"))
    if member["relationshipStatus"] == "Enabled":
        # A delegated administrator's members get Macie enabled with the association.
        other = b.registry.get(member["accountId"], b.region)
        if other.session is None:
            other.enable({})
    return {"arn": member["arn"]}


def _list_members(b: Macie2Backend, p: Params) -> Any:
    only = str(p.get("onlyAssociated") or "true").lower() != "false"
    rows = _org(b).list_members(b.account_id, only)
    page, token = paging.page_of(rows, "ListMembers", [only], p, default=50, cap=50)
    return {"members": page, "nextToken": token}


def _update_member_session(b: Macie2Backend, p: Params) -> Any:
    _org(b).set_member_status(b.account_id, p["id"], p["status"])
    member = b.registry.get(p["id"], b.region)
    if member.session is not None:
        with member.transaction():
            member.update_session({"status": p["status"]})
    return {}


def _invite(b: Macie2Backend, p: Params) -> Any:
    return {"unprocessedAccounts": _org(b).invite(b.account_id, list(p["accountIds"]))}


def _list_invitations(b: Macie2Backend, p: Params) -> Any:
    rows = _org(b).invitations_of(b.account_id)
    page, token = paging.page_of(rows, "ListInvitations", [], p, default=50, cap=50)
    return {"invitations": page, "nextToken": token}


def _accept(b: Macie2Backend, p: Params) -> Any:
    admin = p.get("administratorAccountId") or p.get("masterAccount")
    if not admin:
        from macie_notify.local.macie2.exceptions import ValidationException

        raise ValidationException("administratorAccountId is required.")
    _org(b).accept(b.account_id, str(admin), p["invitationId"])
    return {}


def _administrator(b: Macie2Backend, p: Params) -> Any:
    found = _org(b).administrator_of(b.account_id)
    return {"administrator": found} if found else {}


def _master(b: Macie2Backend, p: Params) -> Any:
    found = _org(b).administrator_of(b.account_id)
    return {"master": found} if found else {}


def _count(b: Macie2Backend, p: Params) -> Any:
    pending = [
        i for i in _org(b).invitations_of(b.account_id) if i["relationshipStatus"] == "Invited"
    ]
    return {"invitationsCount": len(pending)}


HANDLERS: dict[str, Handler] = {
    "EnableOrganizationAdminAccount": _enable_admin,
    "DisableOrganizationAdminAccount": empty_output(
        lambda b, p: _org(b).disable_admin(p["adminAccountId"])
    ),
    "ListOrganizationAdminAccounts": _list_admins,
    "DescribeOrganizationConfiguration": _describe_org,
    "UpdateOrganizationConfiguration": _update_org,
    "CreateMember": _create_member,
    "GetMember": lambda b, p: _org(b).member(b.account_id, p["id"]),
    "ListMembers": _list_members,
    "DeleteMember": empty_output(lambda b, p: _org(b).delete_member(b.account_id, p["id"])),
    "DisassociateMember": empty_output(
        lambda b, p: _org(b).disassociate_member(b.account_id, p["id"])
    ),
    "UpdateMemberSession": _update_member_session,
    "CreateInvitations": _invite,
    "ListInvitations": _list_invitations,
    "GetInvitationsCount": _count,
    "AcceptInvitation": _accept,
    "DeclineInvitations": lambda b, p: {
        "unprocessedAccounts": _org(b).decline(b.account_id, list(p["accountIds"]))
    },
    "DeleteInvitations": lambda b, p: {
        "unprocessedAccounts": _org(b).decline(b.account_id, list(p["accountIds"]))
    },
    "GetAdministratorAccount": _administrator,
    "GetMasterAccount": _master,
    "DisassociateFromAdministratorAccount": empty_output(lambda b, p: _org(b).resign(b.account_id)),
    "DisassociateFromMasterAccount": empty_output(lambda b, p: _org(b).resign(b.account_id)),
}


@contextmanager
def visible(b: Macie2Backend) -> Iterator[list[Macie2Backend]]:
    """The backends whose findings ``b`` sees: its own, then its members' (locks held)."""
    members = [
        b.registry.get(account, b.region)
        for account in _org(b).associated(b.account_id)
        if account != b.account_id
    ]
    with ExitStack() as stack:
        for member in members:
            stack.enter_context(member.lock)
        yield [b, *members]


def merged_page(b: Macie2Backend, p: Params) -> tuple[list[str], str | None]:
    """ListFindings over the administrator's and its members' findings, one ordering."""
    with visible(b) as backends:
        if len(backends) == 1:
            return b.findings.page(p)
        return _merged(backends, p)


def _merged(backends: list[Macie2Backend], p: Params) -> tuple[list[str], str | None]:
    from macie_notify.local.macie2.filters import parse_criteria

    conditions = parse_criteria(p.get("findingCriteria"))
    sort = parse_sort(p.get("sortCriteria")) or DEFAULT_SORT
    attribute, order = sort
    query = [p.get("findingCriteria"), p.get("sortCriteria")]
    digest = paging.query_digest("ListFindings", query)

    def keyed(store: Any) -> Iterator[tuple[Any, str, Any]]:
        for i in store.query(conditions, sort, digest):
            yield position(sort_key(store.docs[i], attribute), i, order), i, store

    streams = [keyed(backend.findings.store) for backend in backends]
    size = paging.page_size(p.get("maxResults"), default=50, cap=50)
    cursor = paging.decode_cursor(p.get("nextToken"), digest)
    mark = None if cursor is None else position(cursor[0], str(cursor[1]), order)
    page: list[tuple[Any, str, Any]] = []
    more = False
    for item in heapq.merge(*streams, key=lambda t: t[0]):
        if mark is not None and not item[0] > mark:
            continue
        if len(page) == size:
            more = True
            break
        page.append(item)
    token = None
    if more and page:
        _, last, store = page[-1]
        token = paging.encode_cursor(digest, [sort_key(store.docs[last], attribute), last])
    return [i for _, i, _ in page], token


def merged_texts(b: Macie2Backend, p: Params) -> list[str]:
    """GetFindings across the administrator's and its members' findings."""
    with visible(b) as backends:
        if len(backends) == 1:
            return b.findings.texts(p)
        texts: dict[str, str] = {}
        for backend in backends:
            for text in backend.findings.texts({**p, "sortCriteria": None}):
                texts.setdefault(_id_of(text), text)
        ordered = [i for i in dict.fromkeys(p["findingIds"]) if i in texts]
        sort = parse_sort(p.get("sortCriteria"))
        if sort is not None:
            attribute, order = sort
            keyed = [(sort_key(json.loads(texts[i]), attribute), i) for i in ordered]
            present = sorted((k for k in keyed if k[0] is not None), reverse=order == "DESC")
            ordered = [i for _, i in present] + [i for k, i in keyed if k is None]
        return [texts[i] for i in ordered]


def merged_statistics(b: Macie2Backend, p: Params) -> list[dict[str, Any]]:
    with visible(b) as backends:
        if len(backends) == 1:
            return b.findings.statistics(p)
        counts: dict[str, int] = {}
        for backend in backends:
            for row in backend.findings.statistics({**p, "size": None, "sortCriteria": None}):
                counts[row["groupKey"]] = counts.get(row["groupKey"], 0) + row["count"]
        sort = p.get("sortCriteria") or {}
        attribute = sort.get("attributeName") or "count"
        reverse = (sort.get("orderBy") or ("DESC" if attribute == "count" else "ASC")) == "DESC"
        rows = [{"count": n, "groupKey": k} for k, n in counts.items()]
        rows.sort(key=lambda r: (r[attribute], r["groupKey"]), reverse=reverse)
        return rows[: p["size"]] if p.get("size") else rows


def _id_of(text: str) -> str:
    return str(json.loads(text)["id"])
