"""Data identifiers: what Macie offers (managed and custom) and testing a custom one.

``test`` runs the same definition twice when it can: through Macie's
TestCustomDataIdentifier, and through this project's detection engine
(:mod:`macie_notify.detect`, what ``scan`` and the local Macie use), so a user sees
whether the two agree before a job runs for hours.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from macie_notify.errors import MacieNotifyError, UsageError

if TYPE_CHECKING:
    from macie_notify.config import Config

MAX_SAMPLE = 1000  # TestCustomDataIdentifier sampleText limit


def list_all(macie2: Any) -> list[dict[str, Any]]:
    """Managed then custom identifiers: ``{"kind", "id", "name", "category", "local"}``.

    ``local`` says whether the local detection engine evaluates the identifier (``scan``
    and the local Macie); custom identifiers always are.
    """
    from macie_notify.detect import LOCAL_IDENTIFIERS

    rows: list[dict[str, Any]] = []
    params: dict[str, Any] = {}
    while True:  # ListManagedDataIdentifiers pages by nextToken only
        page = macie2.list_managed_data_identifiers(**params)
        for item in page.get("items") or []:
            rows.append(
                {
                    "kind": "managed",
                    "id": item["id"],
                    "name": item["id"],
                    "category": item.get("category"),
                    "local": item["id"] in LOCAL_IDENTIFIERS,
                }
            )
        if not page.get("nextToken"):
            break
        params = {"nextToken": page["nextToken"]}
    for item in custom_identifiers(macie2):
        rows.append(
            {
                "kind": "custom",
                "id": item["id"],
                "name": item["name"],
                "category": "CUSTOM_IDENTIFIER",
                "local": True,
            }
        )
    return rows


def custom_identifiers(macie2: Any) -> list[dict[str, Any]]:
    """ListCustomDataIdentifiers, every page."""
    out: list[dict[str, Any]] = []
    params: dict[str, Any] = {"maxResults": 100}
    while True:
        page = macie2.list_custom_data_identifiers(**params)
        out += page.get("items") or []
        if not page.get("nextToken"):
            return out
        params["nextToken"] = page["nextToken"]


def definition(config: Config | None, macie2: Any | None, name: str) -> tuple[dict[str, Any], str]:
    """The identifier called ``name`` as API parameters, and where it came from.

    The config's definition wins (it is what ``setup`` creates); otherwise Macie's, read
    with GetCustomDataIdentifier.
    """
    item = config.custom_identifier(name) if config is not None else None
    if item is not None:
        params: dict[str, Any] = item.to_api()
        return params, "config"
    if macie2 is None:
        raise UsageError(
            f"no custom identifier {name!r} in the config",
            "with --offline the definition must come from the config file",
        )
    for summary in custom_identifiers(macie2):
        if summary["name"] == name:
            found = macie2.get_custom_data_identifier(id=summary["id"])
            return {k: v for k, v in found.items() if k != "ResponseMetadata"}, "macie"
    raise MacieNotifyError(
        f"no custom identifier {name!r} in the config or in Macie",
        "list them with `macie-notify identifiers list`",
    )


def test_in_macie(macie2: Any, params: Mapping[str, Any], sample: str) -> int:
    """TestCustomDataIdentifier: how many matches Macie counts in ``sample``."""
    if len(sample) > MAX_SAMPLE:
        raise UsageError(
            f"Macie tests at most {MAX_SAMPLE:,} characters; the sample has {len(sample):,}",
            "shorten it, or use --offline (the local engine has no such limit)",
        )
    request: dict[str, Any] = {"regex": params["regex"], "sampleText": sample}
    for key in ("keywords", "ignoreWords", "maximumMatchDistance"):
        if params.get(key):
            request[key] = params[key]
    return int(macie2.test_custom_data_identifier(**request)["matchCount"])


def test_locally(params: Mapping[str, Any], sample: str) -> int:
    """The local detection engine's count for the same definition over ``sample``."""
    from macie_notify.detect import CustomIdentifierSpec, IdentifierSelection, scan_bytes
    from macie_notify.detect.custom import MatchTimeout

    spec = CustomIdentifierSpec.from_api({**params, "id": None})
    try:
        result = scan_bytes(
            sample.encode("utf-8"),
            name="sample.txt",
            identifiers=IdentifierSelection("NONE"),
            custom=[spec],
        )
    except (re.error, MatchTimeout) as exc:  # what Macie's own test refuses too
        raise UsageError(f"the local engine cannot run {spec.name!r}: {exc}") from None
    detection = result.custom.get(spec.name)
    return int(detection.count) if detection is not None else 0
