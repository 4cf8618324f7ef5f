"""CloudWatch Logs filter patterns for FilterLogEvents on the local endpoint.

moto matches a bare word or one quoted phrase and treats every other pattern, JSON patterns
included, as "match everything", so ``aws logs filter-log-events --filter-pattern
'{ $.decision = "failed" }'`` returned every line of the notifier's log. This module
implements the syntax documented at
https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
for the two forms a user of this project reaches for:

- terms: ``ERROR``, ``"exact phrase"``, ``ERROR Exception`` (all), ``?ERROR ?WARN`` (any),
  ``-DEBUG`` (none of), case-sensitive substring matches;
- JSON: ``{ $.path op value }`` with ``= != < <= > >=``, strings (``*`` wildcard) or
  numbers, ``IS NULL``, ``NOT EXISTS``, ``IS TRUE`` / ``IS FALSE``, ``&&``, ``||`` and
  parentheses; a message that is not a JSON object never matches.

Space-delimited patterns (``[ip, user, ...]``) keep moto's behaviour.
"""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["FilterPatternError", "LogFilter", "patch_moto_log_filter"]

Test = Callable[[Any], bool]
_MISSING = object()
_TOKEN = re.compile(
    r"""\s*(?:(?P<op>&&|\|\||!=|<=|>=|=|<|>|\(|\))|(?P<str>"(?:[^"\\]|\\.)*")"""
    r"""|(?P<word>[^\s()=!<>&|"]+))"""
)
_patch_lock = threading.Lock()


class FilterPatternError(ValueError):
    """A pattern this module cannot read."""


def _path_value(document: Any, path: str) -> Any:
    if not path.startswith("$"):
        raise FilterPatternError(f"a selector starts with $: {path}")
    value = document
    for part in re.findall(r"\.([^.\[\]]+)|\[(\d+)\]", path[1:]):
        key, index = part
        if key and isinstance(value, dict) and key in value:
            value = value[key]
        elif index and isinstance(value, list) and int(index) < len(value):
            value = value[int(index)]
        else:
            return _MISSING
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _comparison(op: str, literal: str, quoted: bool) -> Test:
    number: float | None = None
    if not quoted:
        try:
            number = float(literal)
        except ValueError:
            number = None
    if op in ("<", "<=", ">", ">="):
        if number is None:
            raise FilterPatternError(f"{op} needs a number, not {literal!r}")
        limit = number
        compare: Test = {
            "<": lambda v: v < limit,
            "<=": lambda v: v <= limit,
            ">": lambda v: v > limit,
            ">=": lambda v: v >= limit,
        }[op]
        return lambda v: _is_number(v) and compare(v)
    if number is not None:
        equal: Test = lambda v: _is_number(v) and v == number  # noqa: E731
    else:
        regex = re.compile(".*".join(re.escape(p) for p in literal.split("*")) + r"\Z", re.S)
        equal = lambda v: isinstance(v, str) and regex.match(v) is not None  # noqa: E731
    if op == "=":
        return equal
    return lambda v: v is not _MISSING and not equal(v)


class _JsonParser:
    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text):
            if text[pos:].strip() == "":
                break
            match = _TOKEN.match(text, pos)
            if match is None or match.end() == pos:
                raise FilterPatternError(f"unexpected text at {pos}: {text[pos : pos + 10]!r}")
            kind = match.lastgroup or "word"
            self.tokens.append((kind, match.group(kind)))
            pos = match.end()
        self.at = 0

    def _peek(self) -> str | None:
        return self.tokens[self.at][1] if self.at < len(self.tokens) else None

    def _next(self) -> tuple[str, str]:
        if self.at >= len(self.tokens):
            raise FilterPatternError("the pattern ends too early")
        self.at += 1
        return self.tokens[self.at - 1]

    def parse(self) -> Callable[[Any], bool]:
        test = self._or()
        if self.at != len(self.tokens):
            raise FilterPatternError(f"unexpected {self._peek()!r}")
        return test

    def _or(self) -> Callable[[Any], bool]:
        parts = [self._and()]
        while self._peek() == "||":
            self._next()
            parts.append(self._and())
        return lambda doc: any(p(doc) for p in parts)

    def _and(self) -> Callable[[Any], bool]:
        parts = [self._term()]
        while self._peek() == "&&":
            self._next()
            parts.append(self._term())
        return lambda doc: all(p(doc) for p in parts)

    def _term(self) -> Callable[[Any], bool]:
        kind, text = self._next()
        if text == "(":
            inner = self._or()
            if self._next()[1] != ")":
                raise FilterPatternError("a ( is not closed")
            return inner
        if kind != "word":
            raise FilterPatternError(f"expected a $.selector, not {text!r}")
        path = text
        _kind, op = self._next()
        if op in ("IS", "NOT"):
            word = self._next()[1]
            if op == "NOT" and word == "EXISTS":
                return lambda doc: _path_value(doc, path) is _MISSING
            wanted = {"NULL": None, "TRUE": True, "FALSE": False}
            if op != "IS" or word not in wanted:
                raise FilterPatternError(f"{op} {word} is not a known test")
            value = wanted[word]
            return lambda doc: (v := _path_value(doc, path)) is not _MISSING and v is value
        if op not in ("=", "!=", "<", "<=", ">", ">="):
            raise FilterPatternError(f"expected an operator after {path}, not {op!r}")
        value_kind, literal = self._next()
        quoted = value_kind == "str"
        if quoted:
            literal = json.loads(literal)
        test = _comparison(op, literal, quoted)
        return lambda doc: test(_path_value(doc, path))


def _terms(pattern: str) -> Callable[[str], bool]:
    words = re.findall(r'"(?:[^"\\]|\\.)*"|\S+', pattern)
    required: list[str] = []
    optional: list[str] = []
    excluded: list[str] = []
    for word in words:
        bucket = required
        if word[0] in "?-" and len(word) > 1:
            bucket = optional if word[0] == "?" else excluded
            word = word[1:]
        bucket.append(json.loads(word) if word.startswith('"') else word)

    def match(message: str) -> bool:
        if any(w in message for w in excluded):
            return False
        if optional and not any(w in message for w in optional):
            return False
        return all(w in message for w in required)

    return match


class LogFilter:
    """One compiled filter pattern: ``LogFilter(pattern).matches(message)``.

    A pattern it cannot read is Logs' ``InvalidParameterException``, as on AWS.
    """

    def __init__(self, pattern: str | None) -> None:
        try:
            self._match = _compile((pattern or "").strip())
        except FilterPatternError as exc:
            from moto.logs.exceptions import InvalidParameterException

            raise InvalidParameterException(f"Invalid filter pattern: {exc}") from None

    def matches(self, message: str) -> bool:
        return self._match(message)


@functools.lru_cache(maxsize=64)
def _compile(text: str) -> Callable[[str], bool]:
    # moto builds a filter for every event it tests: compile each pattern once.
    if not text:
        return lambda _m: True
    if text.startswith("{") and text.endswith("}"):
        test = _JsonParser(text[1:-1]).parse()

        def match(message: str) -> bool:
            try:
                document = json.loads(message)
            except ValueError:
                return False
            return isinstance(document, dict) and test(document)

        return match
    if text.startswith("["):
        from moto.logs.utils import EventMessageFilter

        fallback: Callable[[str], bool] = EventMessageFilter(text).matches
        return fallback
    return _terms(text)


def patch_moto_log_filter() -> None:
    """Make moto's Logs backend use :class:`LogFilter` (idempotent)."""
    import moto.logs.models as models

    with _patch_lock:
        models.EventMessageFilter = LogFilter  # type: ignore[attr-defined,assignment]
