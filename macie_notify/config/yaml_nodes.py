"""YAML nodes with their marks -> typed values, collecting every problem with path and line.

The document is composed (not constructed) with PyYAML's SafeLoader so that every value
keeps the line it came from. :class:`Section` wraps one mapping: it reports unknown keys
(with the nearest known key), duplicate keys and wrong types, and hands out typed values,
falling back to the documented default whenever a value is absent or wrong. Nothing here
raises for a bad value: problems accumulate in :class:`Issues` and ``load`` raises once.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from macie_notify.config.rules import suggest
from macie_notify.errors import ConfigProblem

T = TypeVar("T")
Check = Callable[[str], list[str]]

_NULL = "tag:yaml.org,2002:null"
_MERGE = "tag:yaml.org,2002:merge"
_TYPE_NAMES = {
    bool: "a boolean",
    int: "a whole number",
    float: "a number",
    str: "a string",
    list: "a list",
    dict: "a mapping",
    type(None): "null",
}


def line_of(node: Node | None) -> int | None:
    return node.start_mark.line + 1 if node is not None else None


def describe(value: object) -> str:
    name = _TYPE_NAMES.get(type(value), type(value).__name__)
    if isinstance(value, (bool, int, float, str)) and len(repr(value)) <= 40:
        return f"{name} ({value!r})"
    return name


@dataclass
class Issues:
    """Problems (errors) and warnings collected in one pass."""

    loader: yaml.SafeLoader
    problems: list[ConfigProblem] = field(default_factory=list)
    warnings: list[ConfigProblem] = field(default_factory=list)

    def error(self, path: str, node: Node | None, message: str) -> None:
        self.problems.append(ConfigProblem(path, message, line_of(node)))

    def warn(self, path: str, node: Node | None, message: str) -> None:
        self.warnings.append(ConfigProblem(path, message, line_of(node)))

    def scalar(self, path: str, node: Node) -> tuple[bool, Any]:
        """``(ok, value)`` for a scalar node (``ok`` False after reporting a problem)."""
        if not isinstance(node, ScalarNode):
            kind = "a list" if isinstance(node, SequenceNode) else "a mapping"
            self.error(path, node, f"expected a single value, got {kind}")
            return False, None
        try:
            return True, self.loader.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            self.error(path, node, f"cannot read this value: {getattr(exc, 'problem', exc)}")
            return False, None


def is_null(node: Node | None) -> bool:
    return node is None or (isinstance(node, ScalarNode) and node.tag == _NULL)


def child(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


class Section:
    """One YAML mapping at ``path`` whose keys must be among ``known`` (any key if ``free``)."""

    def __init__(
        self,
        issues: Issues,
        path: str,
        node: Node | None,
        known: Collection[str],
        *,
        free: bool = False,
    ) -> None:
        self.issues = issues
        self.free = free
        self.path = path
        self.node = node
        self.known = tuple(known)
        self.values: dict[str, Node] = {}
        self.keys: dict[str, Node] = {}
        self.wrong_type = False  # reported already: callers skip "required" problems
        if is_null(node):
            return
        assert node is not None
        if not isinstance(node, MappingNode):
            keys = f" with keys {', '.join(self.known)}" if self.known else ""
            issues.error(path, node, f"expected a mapping{keys}")
            self.wrong_type = True
            return
        self._read_pairs(node)

    def _read_pairs(self, node: MappingNode) -> None:
        for key_node, value_node in self._own_pairs(node):
            ok, key = self.issues.scalar(self.path, key_node)
            if not ok or not isinstance(key, str):
                self.issues.error(self.path, key_node, f"keys must be names, got {key!r}")
                continue
            path = child(self.path, key)
            if key in self.keys:
                first = line_of(self.keys[key])
                self.issues.error(path, key_node, f"duplicate key (first set on line {first})")
            elif not self.free and key not in self.known:
                hint = suggest(key, self.known) or f" (known keys: {', '.join(self.known)})"
                self.issues.error(path, key_node, f"unknown key{hint}")
            else:
                self.keys[key] = key_node
                self.values[key] = value_node

    def _own_pairs(self, node: MappingNode) -> Iterator[tuple[Node, Node]]:
        """The mapping's pairs with YAML merge keys (``<<: *defaults``) resolved.

        Keys written in the mapping override merged ones; only those may not repeat.
        """
        own = [(k, v) for k, v in node.value if k.tag != _MERGE]
        if len(own) == len(node.value):
            yield from own
            return
        merge = next(k for k, _ in node.value if k.tag == _MERGE)
        try:
            self.issues.loader.flatten_mapping(node)
        except yaml.YAMLError as exc:  # `<<: 5`: PyYAML's ConstructorError
            problem = getattr(exc, "problem", None) or "cannot merge this value"
            self.issues.error(self.path, merge, f"merge key (<<): {problem}")
            yield from own
            return
        except RecursionError:  # an anchor merged into itself, directly or not
            self.issues.error(self.path, merge, "merge key (<<) merges a mapping into itself")
            yield from own
            return
        own_keys = {id(k) for k, _ in own}
        written = {k.value for k, _ in own if isinstance(k, ScalarNode)}
        seen: set[int] = set()
        for key_node, value_node in node.value:
            merged = id(key_node) not in own_keys
            if id(key_node) in seen:  # a mapping merged into itself: its own pair again
                continue
            seen.add(id(key_node))
            if not (merged and isinstance(key_node, ScalarNode) and key_node.value in written):
                yield key_node, value_node

    # -- access ------------------------------------------------------------------------
    def has(self, key: str) -> bool:
        """True when the key is written with a non-null value."""
        return key in self.values and not is_null(self.values[key])

    def node_of(self, key: str) -> Node | None:
        return self.values.get(key)

    def where(self, key: str) -> Node | None:
        """The node to blame for ``key``: its value, else the mapping itself."""
        return self.values.get(key, self.node)

    def at(self, key: str) -> str:
        return child(self.path, key)

    def section(self, key: str, known: Collection[str]) -> Section:
        return Section(self.issues, self.at(key), self.values.get(key), known)

    def value(self, key: str, kind: type[T], default: T) -> T:
        """The value of ``key`` when it has type ``kind``; else a problem and ``default``."""
        node = self.values.get(key)
        if is_null(node):
            return default
        assert node is not None
        ok, value = self.issues.scalar(self.at(key), node)
        if not ok:
            return default
        if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
            return value
        hint = " (quote it to make it a string)" if kind is str else ""
        self.issues.error(
            self.at(key), node, f"expected {_TYPE_NAMES[kind]}, got {describe(value)}{hint}"
        )
        return default

    def string(self, key: str, default: str, check: Check | None = None) -> str:
        before = len(self.issues.problems)
        text = self.value(key, str, default)
        if check is not None and self.has(key) and len(self.issues.problems) == before:
            self.check(key, text, check)
        return text

    def optional_string(self, key: str, check: Check | None = None) -> str | None:
        """A string that may be absent or null (None); an empty string is a problem."""
        if not self.has(key):
            return None
        before = len(self.issues.problems)
        text = self.value(key, str, "")
        if len(self.issues.problems) > before:
            return None
        if not text:
            self.issues.error(self.at(key), self.where(key), "must not be empty (use null)")
            return None
        if check is not None:
            self.check(key, text, check)
        return text

    def check(self, key: str, value: str, check: Check) -> None:
        for message in check(value):
            self.issues.error(self.at(key), self.where(key), message)

    def boolean(self, key: str, default: bool) -> bool:
        return self.value(key, bool, default)

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        number = self.value(key, int, default)
        if self.has(key) and not low <= number <= high:
            self.issues.error(self.at(key), self.where(key), f"must be {low}-{high}, got {number}")
            return default
        return number

    def choice(self, key: str, default: str, choices: Collection[str]) -> str:
        """A value from ``choices``, matched case-insensitively and returned in their spelling."""
        text = self.value(key, str, default)
        if not self.has(key):
            return default
        for option in choices:
            if option.lower() == text.lower():
                return option
        self.issues.error(
            self.at(key),
            self.where(key),
            f"must be one of {', '.join(choices)}, got {text!r}{suggest(text, choices)}",
        )
        return default

    def items(self, key: str) -> list[tuple[str, Node]]:
        """``[(path, node)]`` of a list value (a problem and ``[]`` if it is not a list)."""
        node = self.values.get(key)
        if is_null(node):
            return []
        if not isinstance(node, SequenceNode):
            self.issues.error(self.at(key), node, "expected a list")
            return []
        return [(child(self.at(key), i), item) for i, item in enumerate(node.value)]

    def strings(
        self, key: str, *, max_items: int | None = None, check: Check | None = None
    ) -> tuple[str, ...]:
        """A list of strings; each item checked, duplicates reported."""
        items = self.items(key)
        if max_items is not None and len(items) > max_items:
            self.issues.error(
                self.at(key), self.where(key), f"at most {max_items} items ({len(items)} given)"
            )
        out: list[str] = []
        for path, node in items:
            text = item_string(self.issues, path, node)
            if text is None:
                continue
            problems = check(text) if check else []
            if text in out:
                problems = [*problems, "listed twice"]
            for message in problems:
                self.issues.error(path, node, message)
            out.append(text)
        return tuple(out)


def item_string(issues: Issues, path: str, node: Node) -> str | None:
    ok, value = issues.scalar(path, node)
    if not ok:
        return None
    if not isinstance(value, str):
        issues.error(path, node, f"expected a string, got {describe(value)}")
        return None
    return value


def length_check(low: int, high: int, what: str = "characters") -> Check:
    def check(text: str) -> list[str]:
        if low <= len(text) <= high:
            return []
        return [f"must be {low}-{high} {what} long (it is {len(text)})"]

    return check


__all__ = ["Issues", "Section", "child", "is_null", "item_string", "length_check", "line_of"]
