"""Model-driven request parsing, input checks and response serialization.

Everything here reads the botocore macie2 shapes, so member names, locations
(uri / querystring / body), enum values, required members and ``__timestampIso8601``
formatting come from the model rather than from hand-written tables.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from macie_notify.local.macie2.exceptions import SerializationException, ValidationException
from macie_notify.render import iso8601

if TYPE_CHECKING:
    from botocore.model import OperationModel, Shape


def now_iso() -> str:
    return iso8601(datetime.now(timezone.utc))


def epoch_millis(value: str) -> int:
    """Milliseconds since the epoch of an ISO 8601 string (filters compare times this way)."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return int(parsed.timestamp() * 1000)


# -- parsing ---------------------------------------------------------------------------


def parse_request(
    op: OperationModel,
    labels: Mapping[str, str],
    query: Mapping[str, list[str]],
    body: bytes,
) -> dict[str, Any]:
    """The operation's input as a dict keyed by member name, then checked against the model."""
    shape = op.input_shape
    if shape is None:
        return {}
    payload = _json_body(body)
    params: dict[str, Any] = {}
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire_name = member.serialization.get("name", name)
        if location == "uri":
            if wire_name in labels:
                params[name] = labels[wire_name]
        elif location == "querystring":
            if wire_name in query:
                params[name] = _from_query(member, query[wire_name], wire_name)
        elif location is None and wire_name in payload:
            params[name] = payload[wire_name]
    validate(shape, params, "")
    return params


def _json_body(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise ValidationException("The request body is not valid JSON.") from exc
    except RecursionError:
        # json's C decoder gives up past ~1,000 levels; the service refuses such bodies too.
        raise SerializationException("The request body is nested too deeply.") from None
    if not isinstance(payload, dict):
        raise ValidationException("The request body must be a JSON object.")
    return payload


def _from_query(member: Shape, values: list[str], name: str) -> Any:
    if member.type_name == "list":
        return list(values)
    value = values[-1]
    if member.type_name in ("integer", "long"):
        try:
            return int(value)
        except ValueError as exc:
            raise ValidationException(f"{name} must be a number.") from exc
    if member.type_name == "boolean":
        return value.lower() == "true"
    return value


# -- checks ----------------------------------------------------------------------------

_PY_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "long": (int,),
    "double": (int, float),
    "float": (int, float),
    "list": (list,),
    "map": (dict,),
    "structure": (dict,),
    "timestamp": (str, int, float),
    "blob": (str,),
}


def validate(shape: Shape, value: Any, path: str) -> None:
    """Check ``value`` against ``shape``: types, required members, enums, min/max."""
    label = path or "request"
    numeric = shape.type_name in ("integer", "long", "double", "float")
    if not _type_ok(shape.type_name, value):
        raise ValidationException(f"{label} must be of type {shape.type_name}.")
    if shape.type_name == "structure":
        _validate_structure(shape, value, path)
    elif shape.type_name == "list":
        _check_bounds(shape, len(value), label, "items")
        for index, item in enumerate(value):
            validate(shape.member, item, f"{label}[{index}]")  # type: ignore[attr-defined]
    elif shape.type_name == "map":
        for key, item in value.items():
            validate(shape.key, key, f"{label} key")  # type: ignore[attr-defined]
            validate(shape.value, item, f"{label}.{key}")  # type: ignore[attr-defined]
    elif shape.type_name == "string":
        enum = shape.metadata.get("enum")
        if enum and value not in enum:
            raise ValidationException(f"{label} must be one of: {', '.join(enum)}.")
        _check_bounds(shape, len(value), label, "characters")
    elif numeric:
        _check_bounds(shape, value, label, "")


def _type_ok(type_name: str, value: Any) -> bool:
    allowed = _PY_TYPES.get(type_name, (object,))
    if type_name in ("integer", "long", "double", "float") and isinstance(value, bool):
        return False
    return isinstance(value, allowed)


def _validate_structure(shape: Shape, value: dict[str, Any], path: str) -> None:
    members = shape.members  # type: ignore[attr-defined]
    for name in shape.required_members:
        if value.get(name) is None:
            where = f"{path}.{name}" if path else name
            raise ValidationException(f"{where} is required.")
    for name, item in value.items():
        if name in members and item is not None:
            validate(members[name], item, f"{path}.{name}" if path else name)


def _check_bounds(shape: Shape, size: float, label: str, unit: str) -> None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    suffix = f" {unit}" if unit else ""
    if low is not None and size < low:
        raise ValidationException(f"{label} must be at least {low}{suffix}.")
    if high is not None and size > high:
        raise ValidationException(f"{label} must be at most {high}{suffix}.")


# -- serialization ---------------------------------------------------------------------


class _Plan:
    """A shape compiled to plain Python once (botocore resolves members on every access)."""

    __slots__ = ("item", "kind", "members")

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.members: dict[str, tuple[str, _Plan]] = {}
        self.item: _Plan | None = None


_PLANS: dict[str, _Plan] = {}


def _plan(shape: Shape) -> _Plan:
    cached = _PLANS.get(shape.name)
    if cached is not None:
        return cached
    kind = shape.type_name
    plan = _Plan(kind)
    _PLANS[shape.name] = plan  # registered before recursing: recursive shapes terminate
    if kind == "structure":
        for name, member in shape.members.items():  # type: ignore[attr-defined]
            plan.members[name] = (member.serialization.get("name", name), _plan(member))
    elif kind == "list":
        plan.item = _plan(shape.member)  # type: ignore[attr-defined]
    elif kind == "map":
        plan.item = _plan(shape.value)  # type: ignore[attr-defined]
    return plan


def serialize(shape: Shape | None, value: Any) -> Any:
    """Keep only what the output shape declares; timestamps become ISO 8601 strings."""
    if shape is None or value is None:
        return value
    return _apply(_plan(shape), value)


def _apply(plan: _Plan, value: Any) -> Any:
    kind = plan.kind
    if kind == "structure":
        if not isinstance(value, Mapping):
            return None
        out: dict[str, Any] = {}
        for name, (wire, sub) in plan.members.items():
            item = value.get(name)
            if item is not None:
                out[wire] = _apply(sub, item)
        return out
    if kind == "list":
        assert plan.item is not None
        return [_apply(plan.item, v) for v in value]
    if kind == "map":
        assert plan.item is not None
        return {k: _apply(plan.item, v) for k, v in value.items()}
    if kind == "timestamp":
        return _timestamp(value)
    return value


def _timestamp(value: Any) -> str:
    if isinstance(value, datetime):
        return iso8601(value)
    if isinstance(value, (int, float)):
        return iso8601(datetime.fromtimestamp(value, tz=timezone.utc))
    return str(value)
