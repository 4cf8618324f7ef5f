"""EventBridge event pattern matching, as the default event bus applies it to rules.

moto's ``put_events`` cannot reach Lambda targets and its ``test_event_pattern`` does not
match, so the local event router matches patterns itself. The semantics follow the
EventBridge user guide and AWS's own matcher, aws/event-ruler:

- https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
- https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
- https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-null-values.html

Rules worth knowing (all covered by tests):

- fields are AND-ed, the values listed for one field are OR-ed; ``$or`` with two or more
  objects OR-s whole sub-patterns;
- an array in the event matches when any of its elements matches; objects inside arrays
  are matched one element at a time, so two fields never match from different elements
  (event-ruler's "array consistency");
- ``null`` and ``""`` are different values; a string never equals a number;
- ``exists`` only looks at leaf values: an object, an empty array or a missing key all
  count as "does not exist";
- every ``anything-but`` form needs the field to be present; like event-ruler, which
  compares JSON texts, a number is "anything but" any string list and vice versa;
- numeric matching only sees JSON numbers, within +/-5.0e9.
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["EventPattern", "InvalidEventPattern", "matches", "parse_pattern"]

Scalar = str | int | float | bool | None
Matcher = Callable[[Scalar], bool]

# event-ruler limits numeric matching to this closed range.
_NUMERIC_LIMIT = 5.0e9
_LOWER_OPS = {">": lambda v, x: v > x, ">=": lambda v, x: v >= x}
_UPPER_OPS = {"<": lambda v, x: v < x, "<=": lambda v, x: v <= x}
_ALL_OPS = {**_LOWER_OPS, **_UPPER_OPS, "=": lambda v, x: v == x}


class InvalidEventPattern(ValueError):
    """A pattern EventBridge would refuse with ``InvalidEventPatternException``."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"Event pattern is not valid. Reason: {reason}")
        self.reason = reason


def _is_number(value: object) -> bool:
    # bool is an int subclass in Python, never a JSON number.
    return isinstance(value, int | float) and not isinstance(value, bool)


def _same_scalar(a: Scalar, b: Scalar) -> bool:
    """JSON equality: types must agree, numbers compare by value (300 == 3.0e2)."""
    if _is_number(a) and _is_number(b):
        return float(a) == float(b)  # type: ignore[arg-type]
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return a is b
    return type(a) is type(b) and a == b


# --- leaf values ---------------------------------------------------------------------------


def _leaf_values(value: Any) -> list[Scalar]:
    """The scalar values a pattern leaf sees: a scalar, or every scalar in (nested) arrays."""
    if isinstance(value, dict):
        return []
    if isinstance(value, list):
        out: list[Scalar] = []
        for item in value:
            out.extend(_leaf_values(item))
        return out
    return [value]


def _objects(value: Any) -> list[dict[str, Any]]:
    """The objects a nested pattern is tried against: the object, or each one in arrays."""
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        out: list[dict[str, Any]] = []
        for item in value:
            out.extend(_objects(item))
        return out
    return []


# --- compiled pattern ----------------------------------------------------------------------


@dataclass
class _Leaf:
    matchers: list[Matcher]
    # exists:false is the only matcher that can succeed with no value at all.
    absent_ok: bool = False

    def matches(self, value: Any, present: bool) -> bool:
        values = _leaf_values(value) if present else []
        if not values:
            return self.absent_ok
        return any(m(v) for v in values for m in self.matchers)


@dataclass
class _Object:
    fields: dict[str, _Leaf | _Object] = field(default_factory=dict)
    ors: list[list[_Object]] = field(default_factory=list)

    def matches(self, event: Mapping[str, Any]) -> bool:
        for name, node in self.fields.items():
            present = name in event
            value = event.get(name)
            if isinstance(node, _Leaf):
                if not node.matches(value, present):
                    return False
                continue
            # A missing or non-object value still has to satisfy exists:false leaves below.
            candidates = _objects(value) or [{}]
            if not any(node.matches(obj) for obj in candidates):
                return False
        return all(any(alt.matches(event) for alt in group) for group in self.ors)


# --- compiling -----------------------------------------------------------------------------


def _compile_object(pattern: Mapping[str, Any], path: str) -> _Object:
    node = _Object()
    for name, value in pattern.items():
        where = f"{path}.{name}" if path else name
        if name == "$or":
            node.ors.append(_compile_or(value, where))
        elif isinstance(value, dict):
            node.fields[name] = _compile_object(value, where)
        elif isinstance(value, list):
            node.fields[name] = _compile_leaf(value, where)
        else:
            raise InvalidEventPattern(f"'{where}' must be an object or an array")
    return node


def _compile_or(value: Any, where: str) -> list[_Object]:
    if not isinstance(value, list) or len(value) < 2:
        raise InvalidEventPattern(f"'{where}' must be an array of at least two objects")
    if not all(isinstance(v, dict) and v for v in value):
        raise InvalidEventPattern(f"'{where}' must contain only non-empty objects")
    return [_compile_object(v, where) for v in value]


def _compile_leaf(values: list[Any], where: str) -> _Leaf:
    if not values:
        raise InvalidEventPattern(f"Empty arrays are not allowed at '{where}'")
    leaf = _Leaf(matchers=[])
    for item in values:
        if isinstance(item, dict):
            if set(item) == {"exists"} and item["exists"] is False:
                leaf.absent_ok = True
                continue
            leaf.matchers.append(_compile_operator(item, where))
        elif isinstance(item, list):
            raise InvalidEventPattern(
                f"Match value must be String, number, true, false, or null at '{where}'"
            )
        else:
            leaf.matchers.append(_exact(item))
    return leaf


def _exact(expected: Scalar) -> Matcher:
    return lambda v: _same_scalar(v, expected)


def _compile_operator(item: dict[str, Any], where: str) -> Matcher:
    if len(item) != 1:
        raise InvalidEventPattern(f"A match object at '{where}' must have exactly one key")
    ((op, arg),) = item.items()
    builder = _OPERATORS.get(op)
    if builder is None:
        raise InvalidEventPattern(f"Unrecognized match type {op} at '{where}'")
    return builder(arg, f"{where}.{op}")


def _string_arg(arg: Any, where: str) -> str:
    if not isinstance(arg, str):
        raise InvalidEventPattern(f"'{where}' match pattern must be a string")
    return arg


def _affix(arg: Any, where: str, test: Callable[[str, str], bool]) -> Matcher:
    """prefix / suffix, optionally with {"equals-ignore-case": ...} inside."""
    if isinstance(arg, dict):
        if set(arg) != {"equals-ignore-case"}:
            raise InvalidEventPattern(f"Unsupported match object inside '{where}'")
        text = _string_arg(arg["equals-ignore-case"], where).casefold()
        return lambda v: isinstance(v, str) and test(v.casefold(), text)
    text = _string_arg(arg, where)
    return lambda v: isinstance(v, str) and test(v, text)


def _prefix(arg: Any, where: str) -> Matcher:
    return _affix(arg, where, str.startswith)


def _suffix(arg: Any, where: str) -> Matcher:
    return _affix(arg, where, str.endswith)


def _ignore_case(arg: Any, where: str) -> Matcher:
    text = _string_arg(arg, where).casefold()
    return lambda v: isinstance(v, str) and v.casefold() == text


def _wildcard_regex(text: str, where: str) -> re.Pattern[str]:
    """``*`` is any run of characters; ``\\*`` and ``\\\\`` escape; ``**`` is refused."""
    parts: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            nxt = text[i + 1 : i + 2]
            if nxt not in ("*", "\\"):
                raise InvalidEventPattern(f"Invalid escape character at pos {i} in '{where}'")
            parts.append(re.escape(nxt))
            i += 2
            continue
        if ch == "*":
            if text[i + 1 : i + 2] == "*":
                raise InvalidEventPattern(
                    f"Consecutive wildcard characters at pos {i} in '{where}'"
                )
            parts.append(".*")
        else:
            parts.append(re.escape(ch))
        i += 1
    return re.compile("".join(parts), re.DOTALL)


def _wildcard(arg: Any, where: str) -> Matcher:
    regex = _wildcard_regex(_string_arg(arg, where), where)
    return lambda v: isinstance(v, str) and regex.fullmatch(v) is not None


def _exists(arg: Any, where: str) -> Matcher:
    if not isinstance(arg, bool):
        raise InvalidEventPattern(f"exists match pattern must be either true or false at '{where}'")
    # exists:false is handled by _Leaf.absent_ok; a present value never satisfies it.
    return lambda v: arg


def _number_arg(arg: Any, where: str) -> float:
    if not _is_number(arg) or not math.isfinite(arg):
        raise InvalidEventPattern(f"Value of '{where}' must be numeric")
    if abs(arg) > _NUMERIC_LIMIT:
        raise InvalidEventPattern(f"Value of '{where}' must be between -5.0E9 and 5.0E9")
    return float(arg)


def _numeric(arg: Any, where: str) -> Matcher:
    """``[op, n]`` or ``[lower-op, n, upper-op, m]``; ``=`` only alone."""
    if not isinstance(arg, list) or len(arg) not in (2, 4):
        raise InvalidEventPattern(f"'{where}' must be [op, number] or a two-sided range")
    checks: list[tuple[Callable[[float, float], bool], float]] = []
    allowed = _ALL_OPS if len(arg) == 2 else _LOWER_OPS
    for i in range(0, len(arg), 2):
        op = arg[i]
        if not isinstance(op, str) or op not in allowed:
            raise InvalidEventPattern(f"Bad numeric range operator {op!r} in '{where}'")
        checks.append((allowed[op], _number_arg(arg[i + 1], where)))
        allowed = _UPPER_OPS
    if len(checks) == 2 and checks[0][1] >= checks[1][1]:
        raise InvalidEventPattern(f"Bottom must be less than top in '{where}'")

    def match(v: Scalar) -> bool:
        if not _is_number(v):
            return False
        return all(test(float(v), bound) for test, bound in checks)  # type: ignore[arg-type]

    return match


def _cidr(arg: Any, where: str) -> Matcher:
    try:
        network = ipaddress.ip_network(_string_arg(arg, where), strict=False)
    except ValueError as exc:
        raise InvalidEventPattern(f"Nonstandard IP address in '{where}'") from exc

    def match(v: Scalar) -> bool:
        if not isinstance(v, str):
            return False
        try:
            return ipaddress.ip_address(v) in network
        except ValueError:
            return False

    return match


def _anything_but(arg: Any, where: str) -> Matcher:
    if isinstance(arg, dict):
        return _anything_but_operator(arg, where)
    values = arg if isinstance(arg, list) else [arg]
    if not values:
        raise InvalidEventPattern(f"Empty arrays are not allowed at '{where}'")
    all_strings = all(isinstance(v, str) for v in values)
    all_numbers = all(_is_number(v) for v in values)
    if not (all_strings or all_numbers):
        raise InvalidEventPattern(
            f"Inside anything-but list at '{where}', values must be all strings or all numbers"
        )
    if all_numbers:
        for v in values:
            _number_arg(v, where)
    return lambda v: not any(_same_scalar(v, x) for x in values)


def _anything_but_operator(arg: dict[str, Any], where: str) -> Matcher:
    if len(arg) != 1:
        raise InvalidEventPattern(f"A match object at '{where}' must have exactly one key")
    ((op, inner),) = arg.items()
    sub = f"{where}.{op}"
    if op in ("prefix", "suffix"):
        text = _string_arg(inner, sub)
        test = str.startswith if op == "prefix" else str.endswith
        return lambda v: not (isinstance(v, str) and test(v, text))
    if op in ("equals-ignore-case", "wildcard"):
        items = inner if isinstance(inner, list) else [inner]
        if not items:
            raise InvalidEventPattern(f"Empty arrays are not allowed at '{sub}'")
        build = _ignore_case if op == "equals-ignore-case" else _wildcard
        positives = [build(x, sub) for x in items]
        return lambda v: not any(m(v) for m in positives)
    raise InvalidEventPattern(f"Unsupported anything-but pattern: {op} at '{where}'")


_OPERATORS: dict[str, Callable[[Any, str], Matcher]] = {
    "prefix": _prefix,
    "suffix": _suffix,
    "equals-ignore-case": _ignore_case,
    "wildcard": _wildcard,
    "anything-but": _anything_but,
    "numeric": _numeric,
    "exists": _exists,
    "cidr": _cidr,
}


# --- public API ----------------------------------------------------------------------------


@dataclass(frozen=True)
class EventPattern:
    """A validated, compiled pattern. Build it with :func:`parse_pattern`."""

    source: Mapping[str, Any]
    _root: _Object

    def matches(self, event: Mapping[str, Any]) -> bool:
        """True when the event (a decoded JSON object) matches this pattern."""
        return self._root.matches(event)


def parse_pattern(pattern: str | Mapping[str, Any]) -> EventPattern:
    """Validate and compile a pattern given as JSON text (as PutRule takes it) or a dict.

    Raises :class:`InvalidEventPattern` with a reason in the spirit of EventBridge's.
    """
    if isinstance(pattern, str):
        try:
            decoded = json.loads(pattern)
        except json.JSONDecodeError as exc:
            raise InvalidEventPattern(f"Invalid JSON: {exc.msg} at pos {exc.pos}") from exc
    else:
        decoded = pattern
    if not isinstance(decoded, Mapping):
        raise InvalidEventPattern("Filter is not an object")
    return EventPattern(source=decoded, _root=_compile_object(decoded, ""))


def matches(pattern: str | Mapping[str, Any] | EventPattern, event: Mapping[str, Any]) -> bool:
    """One-shot helper: does ``event`` match ``pattern``?"""
    compiled = pattern if isinstance(pattern, EventPattern) else parse_pattern(pattern)
    return compiled.matches(event)
