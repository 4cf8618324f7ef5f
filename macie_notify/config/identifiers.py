"""Readers for ``custom_data_identifiers`` and ``job``: Macie's limits, checked before AWS does.

Limits: https://docs.aws.amazon.com/macie/latest/APIReference/custom-data-identifiers.html,
https://docs.aws.amazon.com/macie/latest/APIReference/jobs.html and the Macie quotas page
(https://docs.aws.amazon.com/macie/latest/user/macie-quotas.html).
"""

from __future__ import annotations

import itertools
from typing import Literal, cast

from yaml.nodes import MappingNode, Node, ScalarNode

from macie_notify.config.model import (
    CustomIdentifier,
    JobConfig,
    JobScope,
    ManagedIdentifiers,
    Schedule,
    ScheduleKind,
    Selector,
    SeverityLevel,
)
from macie_notify.config.reader import Issues, Section, length_check, line_of
from macie_notify.config.rules import s3_prefix_problems, suggest
from macie_notify.detect.catalog import MANAGED_IDENTIFIER_CATEGORIES
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
JOB_KEYS = (
    "name",
    "schedule",
    "managed_identifiers",
    "custom_identifiers",
    "sampling_percentage",
    "initial_run",
    "scope",
)
SCOPE_KEYS = ("include_prefixes", "exclude_extensions")
LEVELS = ("LOW", "MEDIUM", "HIGH")
DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
SELECTORS = ("ALL", "RECOMMENDED", "NONE")
MAX_JOB_CUSTOM_IDENTIFIERS = 30
MAX_JOB_NAME = 500


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
    name = sec.string("name", "", length_check(1, 128))
    regex = sec.string("regex", "", regex_problems)
    for key, what in (("name", "a name for the identifier"), ("regex", "the pattern to match")):
        if not sec.has(key):
            sec.issues.error(sec.at(key), sec.node, f"required: {what}")
    return CustomIdentifier(
        name=name,
        regex=regex,
        description=sec.optional_string("description", length_check(1, 512)),
        keywords=sec.strings("keywords", max_items=50, check=length_check(3, 90)),
        ignore_words=sec.strings("ignore_words", max_items=10, check=length_check(4, 90)),
        maximum_match_distance=sec.integer("maximum_match_distance", 50, 1, 300),
        severity_levels=read_severity_levels(sec),
    )


def read_severity_levels(sec: Section) -> tuple[SeverityLevel, ...]:
    """Up to three ``{occurrences_threshold, severity}``; thresholds rise LOW < MEDIUM < HIGH."""
    items = sec.items("severity_levels")
    if len(items) > 3:
        sec.issues.error(
            sec.at("severity_levels"), sec.where("severity_levels"), "at most 3 levels"
        )
    levels: list[tuple[SeverityLevel, str, Node]] = []
    for path, node in items:
        item = Section(sec.issues, path, node, LEVEL_KEYS)
        if not isinstance(node, MappingNode):
            if not item.wrong_type:
                sec.issues.error(path, node, "expected {occurrences_threshold: N, severity: LOW}")
            continue
        severity = item.choice("severity", "", LEVELS)
        threshold = item.integer("occurrences_threshold", 0, 1, 2**63 - 1)
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


def read_job(sec: Section, stack_name: str, cdis: tuple[CustomIdentifier, ...]) -> JobConfig:
    name = sec.string("name", "daily-scan", length_check(1, MAX_JOB_NAME))
    if stack_name and len(stack_name) + 1 + len(name) > MAX_JOB_NAME:
        sec.issues.error(
            sec.at("name"), sec.where("name"), "too long once the stack prefix is added"
        )
    schedule = read_schedule(sec)
    initial_run = sec.boolean("initial_run", True)
    if schedule.kind == "once" and sec.has("initial_run"):
        sec.issues.warn(
            sec.at("initial_run"), sec.where("initial_run"), "ignored: a one-time job runs once"
        )
    custom = read_job_custom_identifiers(sec, cdis)
    managed = read_managed(sec)
    used = len(cdis) if custom == "all" else len(custom)
    if managed.selector == "NONE" and used == 0:
        sec.issues.error(
            sec.at("managed_identifiers"),
            sec.where("managed_identifiers"),
            "NONE needs at least one custom identifier (custom_data_identifiers)",
        )
    return JobConfig(
        name=name,
        schedule=schedule,
        managed_identifiers=managed,
        custom_identifiers=custom,
        sampling_percentage=sec.integer("sampling_percentage", 100, 1, 100),
        initial_run=initial_run,
        scope=read_scope(sec.section("scope", SCOPE_KEYS)),
    )


def read_schedule(sec: Section) -> Schedule:
    node = sec.node_of("schedule")
    if not sec.has("schedule") or node is None:
        return Schedule()
    if isinstance(node, ScalarNode):
        kind = sec.choice("schedule", "daily", ("once", "daily", "weekly", "monthly"))
        if kind in ("weekly", "monthly"):
            example = "{weekly: MONDAY}" if kind == "weekly" else "{monthly: 1}"
            sec.issues.error(sec.at("schedule"), node, f"{kind} needs a day: {example}")
            return Schedule()
        return Schedule(kind=cast(ScheduleKind, kind))
    form = _one_of(
        sec, "schedule", ("weekly", "monthly"), "once, daily, {weekly: MONDAY} or {monthly: 1}"
    )
    if form is None:
        return Schedule()
    key = next(iter(form.values))
    if not form.has(key):
        example = "MONDAY..SUNDAY" if key == "weekly" else "a day of the month, 1-31"
        sec.issues.error(form.at(key), form.where(key), f"needs a day: {example}")
        return Schedule()
    if key == "weekly":
        return Schedule("weekly", form.choice("weekly", "MONDAY", DAYS))
    return Schedule("monthly", form.integer("monthly", 1, 1, 31))


def _one_of(sec: Section, key: str, forms: tuple[str, ...], usage: str) -> Section | None:
    """The mapping at ``key`` when it has exactly one of ``forms`` as its key, else None."""
    before = len(sec.issues.problems)
    form = sec.section(key, forms)
    if len(form.values) == 1:
        return form
    if len(sec.issues.problems) == before:  # not already explained (unknown key, not a mapping)
        sec.issues.error(sec.at(key), sec.where(key), f"use {usage} (exactly one)")
    return None


def read_managed(sec: Section) -> ManagedIdentifiers:
    node = sec.node_of("managed_identifiers")
    if not sec.has("managed_identifiers") or node is None:
        return ManagedIdentifiers()
    if isinstance(node, ScalarNode):
        selector = sec.choice("managed_identifiers", "ALL", SELECTORS)
        return ManagedIdentifiers(cast(Selector, selector))
    usage = "ALL, RECOMMENDED, NONE, {include: [IDs]} or {exclude: [IDs]}"
    form = _one_of(sec, "managed_identifiers", ("include", "exclude"), usage)
    if form is None:
        return ManagedIdentifiers()
    key = next(iter(form.values))
    before = len(sec.issues.problems)
    ids = form.strings(key, check=_managed_id_problems)
    if not ids and len(sec.issues.problems) == before:
        sec.issues.error(form.at(key), form.where(key), "list at least one managed identifier ID")
    return ManagedIdentifiers(cast(Selector, key.upper()), ids)


def _managed_id_problems(value: str) -> list[str]:
    if value in MANAGED_IDENTIFIER_CATEGORIES:
        return []
    hint = suggest(value.upper(), MANAGED_IDENTIFIER_CATEGORIES)
    return [f"{value!r} is not a Macie managed data identifier ID{hint}"]


def read_job_custom_identifiers(
    sec: Section, cdis: tuple[CustomIdentifier, ...]
) -> Literal["all"] | tuple[str, ...]:
    names = [c.name for c in cdis]
    node = sec.node_of("custom_identifiers")
    if not sec.has("custom_identifiers") or node is None:
        chosen: Literal["all"] | tuple[str, ...] = "all"
    elif isinstance(node, ScalarNode):
        sec.choice("custom_identifiers", "all", ("all",))
        chosen = "all"
    else:
        chosen = sec.strings("custom_identifiers", check=lambda n: _cdi_name_problems(n, names))
    count = len(names) if chosen == "all" else len(chosen)
    if count > MAX_JOB_CUSTOM_IDENTIFIERS:
        sec.issues.error(
            sec.at("custom_identifiers"),
            sec.where("custom_identifiers"),
            f"a job uses at most {MAX_JOB_CUSTOM_IDENTIFIERS} custom identifiers ({count} here)",
        )
    return chosen


def _cdi_name_problems(name: str, names: list[str]) -> list[str]:
    if name in names:
        return []
    return [f"no custom data identifier is named {name!r}{suggest(name, names)}"]


def read_scope(sec: Section) -> JobScope:
    prefixes = sec.strings("include_prefixes", check=s3_prefix_problems)
    extensions = sec.strings("exclude_extensions", check=_extension_problems)
    return JobScope(
        include_prefixes=prefixes,
        # Macie compares OBJECT_EXTENSION without the dot ("pdf"); accept ".pdf" too.
        exclude_extensions=tuple(e.lstrip(".") for e in extensions),
    )


def _extension_problems(ext: str) -> list[str]:
    bare = ext.lstrip(".")
    if bare and "/" not in bare and " " not in bare and len(bare) <= 64:
        return []
    return ["must be a file extension such as pdf"]


__all__ = ["read_custom_identifiers", "read_job"]
