"""The engine's data: specs (what should exist), observations (what does), changes and plans.

Frozen dataclasses only, no I/O: the planner builds a :class:`Plan` from reads, ``plan``
prints it, and the executor runs exactly that object. A spec field that needs another
resource's output (a role ARN, a secret ARN, an identifier id) holds a :class:`Ref`,
resolved when the plan is diffed (from what exists) and again when it is applied (from
what the earlier steps returned).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, ClassVar


class Action(str, Enum):
    """What a step does to one resource."""

    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"
    NOOP = "no-op"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Ref:
    """``Ref("role", "arn")``: an output of the resource whose key is ``role``."""

    key: str
    attr: str

    def __str__(self) -> str:
        return "(known after apply)"


@dataclass(frozen=True)
class Spec:
    """Base of every resource spec: the desired state of one resource.

    ``after`` names resources that must exist first without being referenced (a
    custom identifier needs Macie enabled); references in the fields add the rest.
    """

    kind: ClassVar[str] = ""
    name: str
    after: tuple[str, ...] = field(default=(), kw_only=True)

    @property
    def key(self) -> str:
        """Unique within a plan: the kind, plus the name for kinds that come in numbers."""
        return self.kind

    def depends_on(self) -> frozenset[str]:
        keys = set(self.after)
        for f in dataclasses.fields(self):
            keys.update(ref.key for ref in _refs(getattr(self, f.name)))
        return frozenset(keys)


@dataclass(frozen=True)
class Observed:
    """What a read found: the resource's id, the outputs later steps use, and its state."""

    id: str
    outputs: Mapping[str, str] = field(default_factory=dict)
    state: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Change:
    """One row of a plan: the public shape of ``plan`` / ``setup`` / ``teardown -o json``."""

    resource: str
    name: str
    action: Action
    reason: str = ""
    id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "resource": self.resource,
            "name": self.name,
            "action": self.action.value,
            "reason": self.reason,
            "id": self.id,
        }


@dataclass(frozen=True)
class Step:
    """A change plus what the executor needs to carry it out."""

    change: Change
    spec: Spec
    observed: Observed | None
    depends_on: frozenset[str] = frozenset()

    @property
    def key(self) -> str:
        return self.spec.key if self.change.action is not Action.DELETE else f"-{self.spec.key}"


@dataclass(frozen=True)
class Plan:
    """The steps in dependency order, for one account and Region."""

    steps: tuple[Step, ...]
    account_id: str
    region: str
    stack: str
    teardown: bool = False
    notes: tuple[str, ...] = ()

    @property
    def changes(self) -> tuple[Change, ...]:
        return tuple(step.change for step in self.steps)

    @property
    def pending(self) -> tuple[Change, ...]:
        """The changes that call a mutating API."""
        return tuple(c for c in self.changes if c.action is not Action.NOOP)

    def to_list(self) -> list[dict[str, Any]]:
        return [change.to_dict() for change in self.changes]


@dataclass(frozen=True)
class Event:
    """Progress from the executor: ``phase`` is ``start``, ``done`` or ``failed``."""

    phase: str
    change: Change
    seconds: float = 0.0
    error: str | None = None


@dataclass(frozen=True)
class Result:
    """What an apply did: every change with its final id."""

    changes: tuple[Change, ...]
    seconds: float

    def to_list(self) -> list[dict[str, Any]]:
        return [change.to_dict() for change in self.changes]


def _refs(value: Any) -> list[Ref]:
    if isinstance(value, Ref):
        return [value]
    if isinstance(value, Mapping):
        return [r for v in value.values() for r in _refs(v)]
    if isinstance(value, (tuple, list)):
        return [r for v in value for r in _refs(v)]
    return []


class Unresolved(Exception):
    """A Ref whose resource has no output yet (only while planning)."""


def resolve_value(value: Any, outputs: Mapping[str, Mapping[str, str]], strict: bool) -> Any:
    """``value`` with every Ref replaced by its output; unknown ones kept unless ``strict``."""
    if isinstance(value, Ref):
        found = outputs.get(value.key, {}).get(value.attr)
        if found is None:
            if strict:
                raise Unresolved(f"{value.key}.{value.attr}")
            return value
        return found
    if isinstance(value, Mapping):
        return {k: resolve_value(v, outputs, strict) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(resolve_value(v, outputs, strict) for v in value)
    if isinstance(value, list):
        return [resolve_value(v, outputs, strict) for v in value]
    return value


def resolve(spec: Spec, outputs: Mapping[str, Mapping[str, str]], strict: bool = False) -> Any:
    """A copy of ``spec`` with its Refs resolved (same class)."""
    changes = {
        f.name: resolve_value(getattr(spec, f.name), outputs, strict)
        for f in dataclasses.fields(spec)
        if f.init and _refs(getattr(spec, f.name))
    }
    return dataclasses.replace(spec, **changes) if changes else spec
