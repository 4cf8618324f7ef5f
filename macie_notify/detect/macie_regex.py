"""Macie's regex dialect: what it rejects, and how to run the rest with Python's ``re``.

Macie accepts a subset of PCRE for custom data identifiers
(https://docs.aws.amazon.com/macie/latest/user/cdis-options.html). It rejects capturing
groups, backreferences, look-ahead/behind, conditionals, recursion, embedded code and
global flags (``/i``: use ``(?i)`` inline), limits the size of bounded repeats
(``\\d{100,1000}`` fails, ``\\d{100,}`` is the suggested alternative) and the number of
repeated wildcards (``a*b*a*`` fails). The documented examples match the behaviour of a
Hyperscan-style engine, which refuses any pattern that can match empty text; that is the
rule used here for the wildcard case. The bounded-repeat limit is not documented: we use
:data:`MAX_BOUNDED_REPEAT` (the documented failing example is above it).

Two functions, shared by config validation, ``scan`` and the local Macie emulator:

* :func:`regex_problems` lists every reason Macie (or this engine) would refuse a pattern,
  including nested repeats that would make a backtracking engine run for minutes
  (:mod:`.backtracking`);
* :func:`compile_macie_regex` compiles an accepted pattern into a Python ``re.Pattern``,
  translating the PCRE-only syntax people write (``\\h``, ``\\z``, POSIX classes, ``\\Q..\\E``,
  ``(?i)`` in mid-pattern) to an equivalent Python form. Compiled with ``re.ASCII`` because
  PCRE without UCP treats ``\\d``/``\\w``/``\\s`` as ASCII, as Macie does.

Stdlib only.
"""

from __future__ import annotations

import functools
import re
import sys
import warnings
from dataclasses import dataclass, field

from macie_notify.detect.backtracking import backtracking_problems

MAX_REGEX_LENGTH = 512
"""CreateCustomDataIdentifier ``regex``: at most 512 characters (API reference)."""

MAX_BOUNDED_REPEAT = 500
"""Largest upper bound accepted in ``{m,n}`` / ``{n}``: a design choice, Macie's is undocumented."""

ALLOWED_INLINE_FLAGS = frozenset("i")
"""Macie documents ``(?i)`` as the replacement for global flags; other letters are refused."""

_FLAGS = re.ASCII
_PROBE = "Aa0 Zz9_-.,;:/@#!?\t\n"
_QUANTIFIER = re.compile(r"\{(\d*)(?:(,)(\d*))?\}")
_POSIX = {
    "alpha": "a-zA-Z",
    "digit": "0-9",
    "alnum": "a-zA-Z0-9",
    "upper": "A-Z",
    "lower": "a-z",
    "space": " \\t\\n\\r\\f\\v",
    "blank": " \\t",
    "xdigit": "0-9A-Fa-f",
    "word": "\\w",
    "punct": re.escape("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"),
    "cntrl": "\\x00-\\x1f\\x7f",
    "print": "\\x20-\\x7e",
    "graph": "\\x21-\\x7e",
}
# PCRE escapes with no Python spelling, outside and inside a character class.
_ESCAPES = {
    "h": ("[ \\t\\xa0]", " \\t\\xa0"),
    "H": ("[^ \\t\\xa0]", None),
    "v": ("[\\n\\x0b\\f\\r\\x85\\u2028\\u2029]", "\\n\\x0b\\f\\r\\x85\\u2028\\u2029"),
    "V": ("[^\\n\\x0b\\f\\r\\x85\\u2028\\u2029]", None),
    "R": ("(?:\\r\\n|[\\n\\x0b\\f\\r\\x85\\u2028\\u2029])", None),
    "z": ("\\Z", None),
    "Z": ("(?=\\n?\\Z)", None),
    "e": ("\\x1b", "\\x1b"),
}
_REFUSED_ESCAPES = {
    "g": "backreferences and subroutine calls (\\g) are not supported by Macie",
    "k": "named backreferences (\\k) are not supported by Macie",
    "p": "Unicode properties (\\p{..}) are not supported by macie-notify's regex engine",
    "P": "Unicode properties (\\P{..}) are not supported by macie-notify's regex engine",
    "K": "\\K (reset match start) is not supported",
    "G": "\\G (start of match) is not supported",
    "X": "\\X (extended grapheme) is not supported by macie-notify's regex engine",
    "C": "\\C (single code unit) is not supported",
}
# "(?" followed by these: (prefix, problem, closer). The refused construct is skipped up to
# ``closer`` (inclusive); closer ")" means the construct is an atom, else a group follows.
_REFUSED_GROUPS = (
    ("<=", "look-behind assertions (?<=...) are not supported by Macie", ""),
    ("<!", "look-behind assertions (?<!...) are not supported by Macie", ""),
    ("=", "look-ahead assertions (?=...) are not supported by Macie", ""),
    ("!", "look-ahead assertions (?!...) are not supported by Macie", ""),
    ("P<", "capturing groups are not supported by Macie: use (?:...)", ">"),
    ("<", "capturing groups are not supported by Macie: use (?:...)", ">"),
    ("'", "capturing groups are not supported by Macie: use (?:...)", "'"),
    ("P=", "backreferences are not supported by Macie", ")"),
    ("P>", "recursion and subroutine calls are not supported by Macie", ")"),
    ("&", "recursion and subroutine calls are not supported by Macie", ")"),
    ("R", "recursion and subroutine calls are not supported by Macie", ")"),
    ("(", "conditional patterns are not supported by Macie", ")"),
    ("{", "embedded code is not supported by Macie", "})"),
    ("?{", "embedded code is not supported by Macie", "})"),
    ("C", "callouts (embedded code) are not supported by Macie", ")"),
    ("|", "branch-reset groups (?|...) are not supported by Macie", ""),
)
_RECURSION = re.compile(r"[+-]?\d")
# \x{hex} and \o{octal}: PCRE code points that Python spells differently.
_BRACED_CODE_BASES = {"x": 16, "o": 8}


@dataclass
class _Frame:
    """One open group: the inline flag groups opened inside it that must close with it."""

    flags: list[str] = field(default_factory=list)


class _Translator:
    """One left-to-right pass over a pattern: collects problems and builds the Python form."""

    def __init__(self, pattern: str) -> None:
        self.p = pattern
        self.i = 0
        self.out: list[str] = []
        self.problems: list[str] = []
        self.frames: list[_Frame] = [_Frame()]

    def run(self) -> str:
        while self.i < len(self.p):
            self._step()
        self._close_flags(self.frames[0])
        return "".join(self.out)

    def _problem(self, at: int, message: str) -> None:
        self.problems.append(f"{message} (at position {at})")

    def _step(self) -> None:
        c = self.p[self.i]
        if c == "\\":
            self._escape()
        elif c == "[":
            self._char_class()
        elif c == "(":
            self._open_group()
        elif c == ")":
            self._close_group()
        elif c == "|":
            self._alternation()
        elif c == "{":
            self._brace()
        else:
            self.out.append(c)
            self.i += 1

    # -- escapes ---------------------------------------------------------------------------
    def _escape(self) -> None:
        start = self.i
        if start + 1 >= len(self.p):
            self.out.append("\\")  # trailing backslash: let re report it
            self.i += 1
            return
        c = self.p[start + 1]
        self.i += 2
        if c in "123456789":
            self._problem(start, f"backreferences (\\{c}) are not supported by Macie")
        elif c in _REFUSED_ESCAPES:
            self._problem(start, _REFUSED_ESCAPES[c])
            self._skip_escape_argument()
        elif c == "Q":
            self._quoted(in_class=False)
        elif c == "E":
            pass  # a stray \E is ignored by PCRE
        elif c in _ESCAPES:
            self.out.append(_ESCAPES[c][0])
        elif c == "N" and not self.p.startswith("{", self.i):
            self.out.append("[^\\n]")
        else:
            self.out.append(self._plain_escape(c))

    def _skip_escape_argument(self) -> None:
        """Step over the ``{..}`` / ``<..>`` / ``'..'`` argument of \\g, \\k, \\p."""
        closers = {"{": "}", "<": ">", "'": "'"}
        if self.i < len(self.p) and self.p[self.i] in closers:
            end = self.p.find(closers[self.p[self.i]], self.i + 1)
            self.i = len(self.p) if end == -1 else end + 1

    def _plain_escape(self, c: str) -> str:
        """Escapes spelled differently in Python (``\\x{..}``, ``\\o{..}``, ``\\cX``)."""
        base = _BRACED_CODE_BASES.get(c)
        if base is not None and self.p.startswith("{", self.i):
            end = self.p.find("}", self.i)
            if end != -1:
                digits = self.p[self.i + 1 : end]
                self.i = end + 1
                try:
                    return re.escape(chr(int(digits, base)))
                except (ValueError, OverflowError):
                    return f"\\{c}{{{digits}}}"  # invalid: let re report it
        if c == "c" and self.i < len(self.p):
            ctl = self.p[self.i]
            self.i += 1
            return f"\\x{ord(ctl.upper()) ^ 0x40:02x}"
        return "\\" + c

    def _quoted(self, *, in_class: bool) -> None:
        end = self.p.find("\\E", self.i)
        text = self.p[self.i :] if end == -1 else self.p[self.i : end]
        self.i = len(self.p) if end == -1 else end + 2
        if in_class:
            self.out.append("".join("\\" + ch if not ch.isalnum() else ch for ch in text))
        else:
            self.out.append(re.escape(text))

    # -- character classes ---------------------------------------------------------------
    def _char_class(self) -> None:
        self.out.append("[")
        self.i += 1
        if self.p.startswith("^", self.i):
            self.out.append("^")
            self.i += 1
        if self.p.startswith("]", self.i):  # a leading "]" is a literal in PCRE
            self.out.append("\\]")
            self.i += 1
        while self.i < len(self.p) and self.p[self.i] != "]":
            self._class_item()
        if self.i < len(self.p):
            self.out.append("]")
            self.i += 1

    def _class_item(self) -> None:
        c = self.p[self.i]
        if c == "[" and self.p.startswith("[:", self.i):
            self._posix_class()
        elif c == "\\" and self.i + 1 < len(self.p):
            self._class_escape()
        else:
            # Python warns about "[[", "&&", "~~", "||" (future set syntax); PCRE means literals.
            self.out.append("\\" + c if c in "[&~|" else c)
            self.i += 1

    def _posix_class(self) -> None:
        end = self.p.find(":]", self.i + 2)
        name = self.p[self.i + 2 : end] if end != -1 else ""
        if end == -1 or not re.fullmatch(r"\^?[a-z]+", name):
            self.out.append("\\[")
            self.i += 1
            return
        self.i = end + 2
        if name.startswith("^") or name not in _POSIX:
            self._problem(self.i, f"POSIX class [:{name}:] is not supported")
            return
        self.out.append(_POSIX[name])

    def _class_escape(self) -> None:
        c = self.p[self.i + 1]
        start = self.i
        self.i += 2
        if c == "Q":
            self._quoted(in_class=True)
        elif c in _ESCAPES and _ESCAPES[c][1] is not None:
            self.out.append(str(_ESCAPES[c][1]))
        elif c in _ESCAPES or c in _REFUSED_ESCAPES:
            self._problem(start, f"\\{c} is not supported inside a character class")
        else:
            self.out.append(self._plain_escape(c))

    # -- groups, alternation, quantifiers -------------------------------------------------
    def _open_group(self) -> None:
        start = self.i
        rest = self.p[start + 1 :]
        if rest.startswith("*"):
            self._problem(start, "PCRE verbs such as (*UTF) are not supported by Macie")
        elif not rest.startswith("?"):
            self._problem(start, "capturing groups are not supported by Macie: use (?:...)")
        else:
            self._special_group(start, rest[1:])
            return
        self.out.append("(?:")
        self.i += 1
        self.frames.append(_Frame())

    def _special_group(self, start: int, body: str) -> None:
        for prefix, message, closer in _REFUSED_GROUPS:
            if body.startswith(prefix) or (prefix == "R" and _RECURSION.match(body)):
                self._problem(start, message)
                self._skip_refused(start, prefix, closer)
                return
        if body.startswith(":"):
            self._enter("(?:", 3)
        elif body.startswith(">"):
            # Atomic groups: PCRE syntax that re learnt in 3.11; on 3.10 (?:...) approximates.
            self._enter("(?>" if sys.version_info >= (3, 11) else "(?:", 3)
        elif body.startswith("#"):
            end = self.p.find(")", start)
            self.i = len(self.p) if end == -1 else end + 1
        else:
            self._flag_group(start, body)

    def _skip_refused(self, start: int, prefix: str, closer: str) -> None:
        """Step over a refused construct so that the rest of the pattern is still checked."""
        after = start + 2 + (0 if prefix == "R" else len(prefix))
        end = self.p.find(closer, after) if closer else after
        self.i = len(self.p) if end == -1 else end + len(closer)
        if closer.endswith(")") and prefix != "(":
            return  # a whole atom such as (?R), (?P=name) or (?{code}): no group to enter
        self.out.append("(?:")
        self.frames.append(_Frame())

    def _enter(self, text: str, consumed: int) -> None:
        self.out.append(text)
        self.i += consumed
        self.frames.append(_Frame())

    def _flag_group(self, start: int, body: str) -> None:
        match = re.match(r"([a-zA-Z]*(?:-[a-zA-Z]*)?)([:)])", body)
        if match is None:
            self._problem(start, "unknown group construct")
            self._enter("(?:", 2)
            return
        flags, kind = match.groups()
        bad = sorted(set(flags.replace("-", "")) - ALLOWED_INLINE_FLAGS)
        if bad:
            self._problem(start, f"inline flag(s) {''.join(bad)!r} not supported; only (?i)")
        self.i += 2 + len(match.group(0))
        if kind == ":":
            self.out.append(f"(?{flags}:")
            self.frames.append(_Frame())
        elif flags.strip("-"):
            # PCRE: "(?i)" applies to the rest of the enclosing group (and its later
            # alternatives). Python wants global flags first, so scope it instead.
            self.out.append(f"(?{flags}:")
            self.frames[-1].flags.append(flags)

    def _close_flags(self, frame: _Frame) -> None:
        self.out.append(")" * len(frame.flags))

    def _close_group(self) -> None:
        if len(self.frames) > 1:
            self._close_flags(self.frames.pop())
        self.out.append(")")
        self.i += 1

    def _alternation(self) -> None:
        frame = self.frames[-1]
        self._close_flags(frame)
        self.out.append("|")
        self.out.extend(f"(?{flags}:" for flags in frame.flags)
        self.i += 1

    def _brace(self) -> None:
        match = _QUANTIFIER.match(self.p, self.i)
        if match is None or match.group(0) == "{}":
            self.out.append("\\{")  # a literal brace in PCRE
            self.i += 1
            return
        low, comma, high = match.groups()
        if not low:
            # PCRE before 10.43 (and Hyperscan) read "{,n}" as literal text; Python as {0,n}.
            self._problem(self.i, f"{match.group(0)} is ambiguous in PCRE; write {{0,{high}}}")
        bound = high if comma else low
        if bound and int(bound) > MAX_BOUNDED_REPEAT:
            suggestion = f"{{{low or 0},}}"
            self._problem(
                self.i,
                f"bounded repeat {match.group(0)} is too large for Macie (limit "
                f"{MAX_BOUNDED_REPEAT}); use an open-ended repeat such as {suggestion}",
            )
        self.out.append(match.group(0))
        self.i = match.end()


def translate(pattern: str) -> tuple[str, list[str]]:
    """``(python_pattern, problems)`` for a Macie pattern; problems empty when accepted."""
    tr = _Translator(pattern)
    return tr.run(), tr.problems


def regex_problems(pattern: str) -> list[str]:
    """Every reason Macie would refuse ``pattern`` (empty list: accepted).

    Messages are one line each and do not repeat the pattern (callers show the field).
    """
    if not pattern:
        return ["regex is empty"]
    problems: list[str] = []
    if len(pattern) > MAX_REGEX_LENGTH:
        problems.append(f"regex is {len(pattern)} characters; Macie allows {MAX_REGEX_LENGTH}")
    python_pattern, found = translate(pattern)
    problems.extend(found)
    if found:
        return problems
    try:
        compiled = _compile(python_pattern)
    except re.error as exc:
        where = f" (at position {exc.pos})" if exc.pos is not None else ""
        problems.append(f"regex does not compile: {exc.msg}{where}")
        return problems
    if _matches_empty(compiled):
        problems.append(
            "regex can match empty text (e.g. a*b*a*); Macie refuses such patterns: "
            "require at least one character"
        )
    problems.extend(backtracking_problems(python_pattern))
    return problems


def compile_macie_regex(pattern: str) -> re.Pattern[str]:
    """Compile a pattern Macie accepts; ``re.error`` naming the first problem otherwise."""
    return _compile_checked(pattern)


@functools.lru_cache(maxsize=512)
def _compile_checked(pattern: str) -> re.Pattern[str]:
    problems = regex_problems(pattern)
    if problems:
        raise re.error(problems[0])
    return _compile(translate(pattern)[0])


def _compile(python_pattern: str) -> re.Pattern[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return re.compile(python_pattern, _FLAGS)


def _matches_empty(compiled: re.Pattern[str]) -> bool:
    if compiled.fullmatch("") is not None:
        return True
    return any(m.start() == m.end() for m in compiled.finditer(_PROBE))


__all__ = [
    "MAX_BOUNDED_REPEAT",
    "MAX_REGEX_LENGTH",
    "compile_macie_regex",
    "regex_problems",
    "translate",
]
