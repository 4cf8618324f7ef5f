"""Reader for the ``job`` section: the classification job, checked before AWS does.

Limits: https://docs.aws.amazon.com/macie/latest/APIReference/jobs.html and the Macie
quotas page (https://docs.aws.amazon.com/macie/latest/user/macie-quotas.html). The job
refers to the custom identifiers read before it, by name.
"""

from __future__ import annotations

from typing import Literal, cast

from yaml.nodes import ScalarNode

from macie_notify.config.model import (
    CustomIdentifier,
    JobConfig,
    JobScope,
    ManagedIdentifiers,
    Schedule,
    ScheduleKind,
    Selector,
)
from macie_notify.config.rules import s3_prefix_problems, suggest
from macie_notify.config.yaml_nodes import Section, length_check
from macie_notify.detect.catalog import MANAGED_IDENTIFIER_CATEGORIES

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
DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
SELECTORS = ("ALL", "RECOMMENDED", "NONE")
MAX_JOB_CUSTOM_IDENTIFIERS = 30
MAX_JOB_NAME = 500
MAX_EXTENSION = 64


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
    if bare and "/" not in bare and " " not in bare and len(bare) <= MAX_EXTENSION:
        return []
    return ["must be a file extension such as pdf"]


__all__ = ["JOB_KEYS", "SCOPE_KEYS", "read_job"]
