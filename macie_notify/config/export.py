"""The effective config as plain data in the YAML spelling (``validate -o json``)."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from macie_notify.config.model import Config, JobConfig, Schedule


def config_to_dict(config: Config) -> dict[str, Any]:
    """Every key with its value after defaults, as a user would write it."""
    notifications = asdict(config.notifications)
    notifications["lambda"] = notifications.pop("lambda_")
    return {
        "stack": {
            "name": config.stack.name,
            "region": config.stack.region,
            "tags": dict(config.stack.tags),
        },
        "macie": asdict(config.macie),
        "bucket": asdict(config.bucket),
        "samples": asdict(config.samples),
        "custom_data_identifiers": [_plain(asdict(c)) for c in config.custom_data_identifiers],
        "job": _job(config.job),
        "notifications": _plain(notifications),
    }


def _job(job: JobConfig) -> dict[str, Any]:
    managed: Any = job.managed_identifiers.selector
    if managed in ("INCLUDE", "EXCLUDE"):
        managed = {managed.lower(): list(job.managed_identifiers.ids)}
    custom = job.custom_identifiers
    return {
        "name": job.name,
        "schedule": _schedule(job.schedule),
        "managed_identifiers": managed,
        "custom_identifiers": custom if custom == "all" else list(custom),
        "sampling_percentage": job.sampling_percentage,
        "initial_run": job.initial_run,
        "scope": _plain(asdict(job.scope)),
    }


def _schedule(schedule: Schedule) -> Any:
    if schedule.kind in ("weekly", "monthly"):
        return {schedule.kind: schedule.day}
    return schedule.kind


def _plain(data: Any) -> Any:
    """asdict() keeps tuples; JSON and YAML writers want lists."""
    if isinstance(data, dict):
        return {k: _plain(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_plain(v) for v in data]
    return data


__all__ = ["config_to_dict"]
