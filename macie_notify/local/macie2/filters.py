"""FindingCriteria: field paths, operators and evaluation over one finding (pure).

A criterion maps a dotted field path of the Finding shape to operators: ``eq`` (any of),
``neq`` (none of), ``eqExactMatch`` (the field's value set is exactly the list; only on
eight fields), and ``gt/gte/lt/lte`` on numbers and on times given as epoch
milliseconds. Arrays on the path are flattened, so
``classificationDetails.result.sensitiveData.detections.type`` is every detection type.
https://docs.aws.amazon.com/macie/latest/user/findings-filter-basics.html
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from macie_notify.local.macie2.exceptions import ValidationException
from macie_notify.local.macie2.shapes import epoch_millis
from macie_notify.render import iso8601

if TYPE_CHECKING:
    from botocore.model import Shape

EXACT_MATCH_FIELDS = frozenset(
    {
        "classificationDetails.result.customDataIdentifiers.detections.arn",
        "classificationDetails.result.customDataIdentifiers.detections.name",
        "resourcesAffected.s3Bucket.tags.key",
        "resourcesAffected.s3Bucket.tags.value",
        "resourcesAffected.s3Object.tags.key",
        "resourcesAffected.s3Object.tags.value",
        "classificationDetails.result.sensitiveData.category",
        "classificationDetails.result.sensitiveData.detections.type",
    }
)
RANGE_OPS = ("gt", "gte", "lt", "lte")
MAX_VALUES = 50

Flat = dict[str, tuple[Any, ...]]


@functools.lru_cache(maxsize=1)
def finding_fields() -> dict[str, str]:
    """Every leaf path of the model's Finding shape -> its type (``timestamp``, ``string``...)."""
    from macie_notify.local.macie2.routes import service_model

    fields: dict[str, str] = {}
    _walk(service_model().shape_for("Finding"), "", fields, 0)
    return fields


def _walk(shape: Shape, prefix: str, out: dict[str, str], depth: int) -> None:
    if depth > 12:
        return
    if shape.type_name == "list":
        _walk(shape.member, prefix, out, depth + 1)  # type: ignore[attr-defined]
    elif shape.type_name == "structure":
        for name, member in shape.members.items():  # type: ignore[attr-defined]
            _walk(member, f"{prefix}.{name}" if prefix else name, out, depth + 1)
    elif shape.type_name != "map":
        out[prefix] = shape.type_name


def norm(value: Any) -> str:
    """How a stored value compares with the strings of ``eq``/``neq``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def flatten(doc: Mapping[str, Any]) -> Flat:
    """Leaf path -> every value found on it (arrays flattened, nulls dropped)."""
    out: dict[str, list[Any]] = {}
    _flatten_into(doc, "", out)
    return {k: tuple(v) for k, v in out.items()}


def _flatten_into(value: Any, prefix: str, out: dict[str, list[Any]]) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            _flatten_into(item, f"{prefix}.{key}" if prefix else key, out)
    elif isinstance(value, list):
        for item in value:
            _flatten_into(item, prefix, out)
    elif value is not None:
        out.setdefault(prefix, []).append(value)


def numeric(field_type: str, value: Any) -> float | None:
    """The number a range operator compares; times become epoch milliseconds."""
    if isinstance(value, bool):
        return None
    if field_type == "timestamp" and isinstance(value, str):
        try:
            return float(epoch_millis(value))
        except ValueError:
            return None
    if isinstance(value, (int, float)):
        return float(value)
    return None


@dataclass(frozen=True)
class Condition:
    """The operators given for one field, normalized for evaluation."""

    field: str
    field_type: str
    eq: frozenset[str] | None = None
    neq: frozenset[str] | None = None
    exact: frozenset[str] | None = None
    ranges: tuple[tuple[str, float], ...] = ()

    def in_range(self, number: float) -> bool:
        for op, bound in self.ranges:
            if (
                (op == "gt" and not number > bound)
                or (op == "gte" and not number >= bound)
                or (op == "lt" and not number < bound)
                or (op == "lte" and not number <= bound)
            ):
                return False
        return True

    def matches(self, values: Iterable[Any]) -> bool:
        """Whether a finding whose field holds ``values`` satisfies every operator."""
        normed = {norm(v) for v in values}
        if self.eq is not None and not normed & self.eq:
            return False
        if self.neq is not None and normed & self.neq:
            return False
        if self.exact is not None and normed != self.exact:
            return False
        if self.ranges:
            numbers = [n for v in values if (n := numeric(self.field_type, v)) is not None]
            if not any(self.in_range(n) for n in numbers):
                return False
        return True


def parse_criteria(criteria: Mapping[str, Any] | None) -> tuple[Condition, ...]:
    """``findingCriteria`` -> conditions, with AWS's checks (ValidationException)."""
    criterion = (criteria or {}).get("criterion") or {}
    fields = finding_fields()
    conditions = []
    for field, ops in sorted(criterion.items()):
        if field not in fields:
            raise ValidationException(f"{field} is not a field that findings can be filtered by.")
        conditions.append(_condition(field, fields[field], ops or {}))
    return tuple(conditions)


def _condition(field: str, field_type: str, ops: Mapping[str, Any]) -> Condition:
    given = {k for k, v in ops.items() if v is not None}
    if not given:
        raise ValidationException(f"The criterion for {field} has no operator.")
    if "eqExactMatch" in given:
        if field not in EXACT_MATCH_FIELDS:
            raise ValidationException(f"eqExactMatch is not supported for {field}.")
        if len(given) > 1:
            raise ValidationException(
                f"eqExactMatch can't be combined with other operators for {field}."
            )
    lists = {}
    for op in ("eq", "neq", "eqExactMatch"):
        if op in given:
            values = list(ops[op])
            if len(values) > MAX_VALUES:
                raise ValidationException(f"{op} for {field} accepts at most {MAX_VALUES} values.")
            lists[op] = frozenset(_eq_value(field_type, str(v)) for v in values)
    ranges = tuple((op, float(ops[op])) for op in RANGE_OPS if op in given)
    return Condition(
        field, field_type, lists.get("eq"), lists.get("neq"), lists.get("eqExactMatch"), ranges
    )


def _eq_value(field_type: str, value: str) -> str:
    # Times may be given as epoch milliseconds; stored times are ISO 8601 with millis.
    if field_type == "timestamp" and value.isdigit():
        from datetime import datetime, timezone

        return iso8601(datetime.fromtimestamp(int(value) / 1000, tz=timezone.utc))
    return value


def matches(conditions: Iterable[Condition], flat: Flat) -> bool:
    """Whether one flattened finding satisfies every condition (they are AND-ed)."""
    return all(c.matches(flat.get(c.field, ())) for c in conditions)
