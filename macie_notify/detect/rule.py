"""One locally evaluated managed data identifier pattern (shared by :mod:`.managed` and the
regional families in :mod:`.mdis`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from macie_notify.detect import validators as v


@dataclass(frozen=True, eq=False)  # no generated __eq__/__hash__: start-up time
class Rule:
    """One locally evaluated managed data identifier pattern."""

    name: str
    core: str
    before: str | None
    after: str | None
    check: Callable[[str], bool] = v.always
    keywords: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()
    """IDs this rule can report; empty means ``(name,)``."""
    resolve: Callable[[str], str | None] | None = None
    """Maps the matched text to the ID to report (IBAN country), or None to drop it."""
    yields_to: str | None = None
    """Not reported when this other ID is selected and a keyword is near (the keyword variant)."""
    context: Callable[[str, int, int], bool] | None = None
    extent: Callable[[str, int, int], int] | None = None
    """The end offset of what a match stands for, when that reaches past the match (a PEM
    key's END line): its occurrence's line range ends there, inclusively, as Macie's does."""
    anchor: str | None = None
    """A short Hyperscan pattern found inside every match, for shapes whose full pattern is
    costly to compile (long bounded repeats); by default the core plus its right boundary."""
    anchor_reach: int | None = None
    """At most this many characters from a match's start to its anchor's end (windows
    around anchor hits then start there instead of one maximal match length back)."""
    prefilter: bool = True
    """Whether Hyperscan looks for candidates of this pattern. A keyword-gated value is only
    searched for everywhere when a column or element name holds its keyword (rare), and many
    separator-laden digit shapes cost Hyperscan more to compile than ``re`` spends scanning
    such a buffer: those rules say False and are then scanned with ``re`` alone."""

    def __post_init__(self) -> None:
        # Word processors and PDF text use the typographic apostrophe ("driver’s licence",
        # "carte nationale d’identité"): each keyword with "'" also matches with "’".
        # (Not twice: ``dataclasses.replace`` runs this again on keywords that have them.)
        extra = tuple(
            dict.fromkeys(
                typographic
                for k in self.keywords
                if "'" in k and (typographic := k.replace("'", "\u2019")) not in self.keywords
            )
        )
        if extra:
            object.__setattr__(self, "keywords", (*self.keywords, *extra))

    @property
    def reports(self) -> tuple[str, ...]:
        return self.ids or (self.name,)

    def python_pattern(self) -> str:
        """The core and its right boundary; the left one is checked on each match instead
        (:meth:`before_pattern`): a pattern that starts with a character class lets ``re``
        skip ahead in C, several times faster than trying a look-behind at every offset."""
        after = f"(?![{self.after}])" if self.after else ""
        return f"(?:{self.core}){after}"

    def before_pattern(self) -> str | None:
        """The characters that may not precede a match, as a one-character pattern."""
        return f"[{self.before}]" if self.before else None

    def hyperscan_pattern(self) -> str | None:
        """The core plus one character of right boundary, so each value yields one end offset.

        The caller appends a newline sentinel to the data, so ``[^after]`` also matches at
        the real end of the text (where Python's negative look-ahead succeeds).
        """
        if not self.prefilter:
            return None
        if self.anchor:
            return self.anchor
        return f"(?:{self.core})[^{self.after}]" if self.after else f"(?:{self.core})"
