"""Which managed data identifiers a job (or ``scan``) uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from macie_notify.detect.catalog import MANAGED_IDENTIFIER_CATEGORIES, RECOMMENDED_IDENTIFIERS
from macie_notify.detect.managed import LOCAL_IDENTIFIERS


@dataclass(frozen=True)
class IdentifierSelection:
    """macie2's ``managedDataIdentifierSelector`` + ``managedDataIdentifierIds``.

    https://docs.aws.amazon.com/macie/latest/APIReference/jobs.html (CreateClassificationJob).
    """

    selector: str = "ALL"  # ALL | RECOMMENDED | NONE | INCLUDE | EXCLUDE
    ids: tuple[str, ...] = ()

    @classmethod
    def from_config(cls, managed: Any) -> IdentifierSelection:
        """From ``config.job.managed_identifiers`` (an object with selector and ids, or a str)."""
        if isinstance(managed, str):
            return cls(managed.upper())
        selector = getattr(managed, "selector", None) or getattr(managed, "kind", "ALL")
        return cls(str(selector).upper(), tuple(getattr(managed, "ids", ()) or ()))

    def resolve(self) -> frozenset[str]:
        """The managed identifier IDs this selection turns on."""
        every = frozenset(MANAGED_IDENTIFIER_CATEGORIES)
        selector = self.selector.upper()
        if selector == "ALL":
            return every
        if selector == "RECOMMENDED":
            return frozenset(RECOMMENDED_IDENTIFIERS)
        if selector == "NONE":
            return frozenset()
        if selector == "INCLUDE":
            return frozenset(self.ids)
        if selector == "EXCLUDE":
            return every - frozenset(self.ids)
        raise ValueError(f"unknown managedDataIdentifierSelector {self.selector!r}")

    def not_evaluated_locally(self) -> tuple[str, ...]:
        return tuple(sorted(self.resolve() - LOCAL_IDENTIFIERS))
