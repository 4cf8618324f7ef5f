"""Reader for ``custom_data_identifiers``: Macie's limits, checked before AWS does.

Limits: https://docs.aws.amazon.com/macie/latest/APIReference/custom-data-identifiers.html
and the Macie quotas page (https://docs.aws.amazon.com/macie/latest/user/macie-quotas.html).
The regex is checked by :func:`macie_notify.detect.macie_regex.regex_problems`, the rules
``scan`` and the local emulator apply too.
"""

from __future__ import annotations

import itertools
from typing import Literal, cast

from yaml.nodes import MappingNode, Node

from macie_notify.config.model import CustomIdentifier, SeverityLevel
from macie_notify.config.yaml_nodes import Issues, Section, length_check, line_of
from macie_notify.detect.macie_regex import regex_problems

CDI_KEYS = (
    "name",
    "description",
    "regex",
    "keywords",
    "ignore_words",
    "maximum_match_distance",
    "severity_levels",
)
LEVEL_KEYS = ("occurrences_threshold", "severity")
LEVELS = ("LOW", "MEDIUM", "HIGH")
# CreateCustomDataIdentifier's limits (API reference).
MAX_NAME = 128
MAX_DESCRIPTION = 512
MAX_KEYWORDS = 50
KEYWORD_LENGTH = (3, 90)
MAX_IGNORE_WORDS = 10
IGNORE_WORD_LENGTH = (4, 90)
MATCH_DISTANCE = (1, 300)
MAX_SEVERITY_LEVELS = 3
MAX_THRESHOLD = 2**63 - 1


def read_custom_identifiers(root: Section) -> tuple[CustomIdentifier, ...]:
    out: list[CustomIdentifier] = []
    seen: dict[str, int | None] = {}
    for path, node in root.items("custom_data_identifiers"):
        sec = Section(root.issues, path, node, CDI_KEYS)
        if not isinstance(node, MappingNode):
            if not sec.wrong_type:  # "- " with nothing after it
                root.issues.error(path, node, "expected a mapping with at least name and regex")
            continue
        cdi = read_custom_identifier(sec)
        if cdi.name in seen:
            root.issues.error(
                sec.at("name"),
                sec.where("name"),
                f"duplicate name (first on line {seen[cdi.name]})",
            )
        elif cdi.name:
            seen[cdi.name] = line_of(sec.where("name"))
        out.append(cdi)
    return tuple(out)


def read_custom_identifier(sec: Section) -> CustomIdentifier:
    name = sec.string("name", "", length_check(1, MAX_NAME))
    regex = sec.string("regex", "", regex_problems)
    for key, what in (("name", "a name for the identifier"), ("regex", "the pattern to match")):
        if not sec.has(key):
            sec.issues.error(sec.at(key), sec.node, f"required: {what}")
    return CustomIdentifier(
        name=name,
        regex=regex,
        description=sec.optional_string("description", length_check(1, MAX_DESCRIPTION)),
        keywords=sec.strings(
            "keywords", max_items=MAX_KEYWORDS, check=length_check(*KEYWORD_LENGTH)
        ),
        ignore_words=sec.strings(
            "ignore_words", max_items=MAX_IGNORE_WORDS, check=length_check(*IGNORE_WORD_LENGTH)
        ),
        maximum_match_distance=sec.integer("maximum_match_distance", 50, *MATCH_DISTANCE),
        severity_levels=read_severity_levels(sec),
    )


def read_severity_levels(sec: Section) -> tuple[SeverityLevel, ...]:
    """Up to three ``{occurrences_threshold, severity}``; thresholds rise LOW < MEDIUM < HIGH."""
    items = sec.items("severity_levels")
    if len(items) > MAX_SEVERITY_LEVELS:
        sec.issues.error(
            sec.at("severity_levels"),
            sec.where("severity_levels"),
            f"at most {MAX_SEVERITY_LEVELS} levels",
        )
    levels: list[tuple[SeverityLevel, str, Node]] = []
    for path, node in items:
        item = Section(sec.issues, path, node, LEVEL_KEYS)
        if not isinstance(node, MappingNode):
            if not item.wrong_type:
                sec.issues.error(path, node, "expected {occurrences_threshold: N, severity: LOW}")
            continue
        severity = item.choice("severity", "", LEVELS)
        threshold = item.integer("occurrences_threshold", 0, 1, MAX_THRESHOLD)
        for key in LEVEL_KEYS:
            if not item.has(key):
                item.issues.error(item.at(key), node, "required")
        if severity and threshold:
            level = SeverityLevel(threshold, cast(Literal["LOW", "MEDIUM", "HIGH"], severity))
            levels.append((level, path, node))
    _check_level_order(sec.issues, levels)
    return tuple(sorted((lv for lv, _, _ in levels), key=lambda lv: LEVELS.index(lv.severity)))


def _check_level_order(issues: Issues, levels: list[tuple[SeverityLevel, str, Node]]) -> None:
    seen: dict[str, SeverityLevel] = {}
    thresholds: set[int] = set()
    for level, path, node in levels:
        if level.severity in seen:
            issues.error(path, node, f"severity {level.severity} is listed twice")
        if level.occurrences_threshold in thresholds:
            issues.error(path, node, f"threshold {level.occurrences_threshold} is listed twice")
        seen[level.severity] = level
        thresholds.add(level.occurrences_threshold)
    ordered = sorted(seen.values(), key=lambda lv: LEVELS.index(lv.severity))
    for lower, higher in itertools.pairwise(ordered):
        if lower.occurrences_threshold >= higher.occurrences_threshold:
            path, node = next((p, n) for lv, p, n in levels if lv is higher)
            issues.error(
                path,
                node,
                f"{higher.severity} threshold ({higher.occurrences_threshold}) must be above "
                f"the {lower.severity} threshold ({lower.occurrences_threshold})",
            )


__all__ = ["CDI_KEYS", "LEVEL_KEYS", "read_custom_identifiers"]
