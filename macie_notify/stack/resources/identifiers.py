"""Custom data identifiers: immutable in Macie, so identity is the name plus a content hash.

Macie cannot update a custom data identifier and its name is unique in an account and
Region: a changed definition (regex, keywords, ...) is replaced, the old one deleted
first (https://docs.aws.amazon.com/macie/latest/APIReference/custom-data-identifiers.html).
The hash of the definition travels as the ``macie-notify:hash`` tag.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from macie_notify.errors import AwsError
from macie_notify.stack.model import Action, Observed, Spec
from macie_notify.stack.naming import HASH_TAG, is_managed
from macie_notify.stack.resources.base import Context, unmanaged_reason

if TYPE_CHECKING:
    from mypy_boto3_macie2 import Macie2Client
    from mypy_boto3_macie2.type_defs import CustomDataIdentifierSummaryTypeDef

    from macie_notify.aws import Aws


@dataclass(frozen=True)
class IdentifierSpec(Spec):
    kind = "custom-identifier"
    params: Mapping[str, Any] = field(default_factory=dict)
    content_hash: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)
    stack: str = ""
    # teardown of an identifier no longer in the config: found by its tags, not by name
    orphan_id: str | None = None

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.name}"


def list_all(aws: Aws) -> list[CustomDataIdentifierSummaryTypeDef]:
    """Every (not deleted) custom data identifier: id, name, arn."""
    macie2: Macie2Client = aws.client("macie2")
    items: list[CustomDataIdentifierSummaryTypeDef] = []
    for page in macie2.get_paginator("list_custom_data_identifiers").paginate():
        items.extend(page.get("items", []))
    return items


def _observed(aws: Aws, item: Mapping[str, Any]) -> Observed:
    macie2: Macie2Client = aws.client("macie2")
    full = macie2.get_custom_data_identifier(id=item["id"])
    tags = dict(full.get("tags") or {})
    return Observed(
        id=str(item["id"]),
        outputs={"id": str(item["id"]), "arn": str(item.get("arn", ""))},
        state={"tags": tags, "hash": tags.get(HASH_TAG)},
    )


def observe(aws: Aws, spec: IdentifierSpec) -> Observed | None:
    for item in list_all(aws):
        if (spec.orphan_id and item["id"] == spec.orphan_id) or (
            not spec.orphan_id and item.get("name") == spec.name
        ):
            return _observed(aws, item)
    return None


def orphans(aws: Aws, stack: str, keep: set[str]) -> list[tuple[str, Observed]]:
    """Identifiers tagged as this stack's whose names are not in ``keep``."""
    found = []
    for item in list_all(aws):
        if item.get("name") in keep:
            continue
        seen = _observed(aws, item)
        if is_managed(seen.state["tags"], stack):
            found.append((str(item.get("name")), seen))
    return found


def diff(spec: IdentifierSpec, observed: Observed | None) -> tuple[Action, list[str]]:
    if observed is None:
        return Action.CREATE, ["does not exist"]
    if not is_managed(observed.state["tags"], spec.stack):
        raise AwsError(
            f"custom data identifier {spec.name} exists and is not managed by stack "
            f"{spec.stack} (no macie-notify:stack tag)",
            "rename it in the config, or delete the existing one with "
            f"`aws macie2 delete-custom-data-identifier --id {observed.id}`",
        )
    if observed.state["hash"] != spec.content_hash:
        old = str(observed.state["hash"] or "none")[:8]
        return Action.REPLACE, [
            f"definition changed (hash {old} -> {spec.content_hash[:8]}); "
            "Macie cannot update an identifier"
        ]
    return Action.NOOP, []


def apply(
    ctx: Context, spec: IdentifierSpec, observed: Observed | None, action: Action
) -> dict[str, str]:
    macie2: Macie2Client = ctx.aws.client("macie2")
    if observed is not None:  # replace: the name must be free before it is used again
        macie2.delete_custom_data_identifier(id=observed.id)
    tags = {**spec.tags, HASH_TAG: spec.content_hash}
    created = macie2.create_custom_data_identifier(**spec.params, tags=tags)
    ident = str(created["customDataIdentifierId"])
    return {"id": ident}


def keep_reason(spec: IdentifierSpec, observed: Observed, stack: str) -> str | None:
    return unmanaged_reason(observed.state["tags"], stack)


def delete(ctx: Context, spec: IdentifierSpec, observed: Observed) -> None:
    ctx.aws.client("macie2").delete_custom_data_identifier(id=observed.id)
