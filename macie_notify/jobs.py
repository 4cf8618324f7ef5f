"""Classification jobs from the terminal: list, describe, run now, wait, pause/resume/cancel.

Job definitions are immutable in Macie; the only change a job accepts is its status,
and only along these transitions (UpdateClassificationJob,
https://docs.aws.amazon.com/macie/latest/APIReference/jobs-jobid.html):

    cancel  -> CANCELLED    from IDLE, PAUSED, RUNNING, USER_PAUSED (permanent)
    pause   -> USER_PAUSED  from IDLE, PAUSED, RUNNING
    resume  -> RUNNING      from USER_PAUSED

:func:`change_status` reads the status first: a job already in the wanted state is left
alone (running the command twice is harmless) and a transition Macie would refuse is
explained instead of attempted.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from macie_notify.errors import AwsError, MacieNotifyError, UsageError
from macie_notify.findings import statistics
from macie_notify.stack.naming import MANAGED_BY, MANAGED_BY_VALUE, STACK_TAG

if TYPE_CHECKING:
    from macie_notify.config import Config

TRANSITIONS: dict[str, tuple[str, frozenset[str]]] = {
    "cancel": ("CANCELLED", frozenset({"IDLE", "PAUSED", "RUNNING", "USER_PAUSED"})),
    "pause": ("USER_PAUSED", frozenset({"IDLE", "PAUSED", "RUNNING"})),
    "resume": ("RUNNING", frozenset({"USER_PAUSED"})),
}
# A run is over: one-time jobs end COMPLETE, scheduled ones go back to IDLE.
FINISHED = frozenset({"COMPLETE", "CANCELLED", "IDLE"})
STOPPED = frozenset({"PAUSED", "USER_PAUSED"})


def _clean(response: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def list_jobs(macie2: Any) -> list[dict[str, Any]]:
    """Every classification job (JobSummary), newest first."""
    out: list[dict[str, Any]] = []
    params: dict[str, Any] = {
        "maxResults": 100,
        "sortCriteria": {"attributeName": "createdAt", "orderBy": "DESC"},
    }
    while True:
        page = macie2.list_classification_jobs(**params)
        out += page.get("items") or []
        if not page.get("nextToken"):
            return out
        params["nextToken"] = page["nextToken"]


def describe(macie2: Any, job_id: str) -> dict[str, Any]:
    """DescribeClassificationJob; a readable error for an unknown id."""
    try:
        return _clean(macie2.describe_classification_job(jobId=job_id))
    except macie2.exceptions.ResourceNotFoundException:
        raise MacieNotifyError(
            f"no classification job {job_id} in this account and Region",
            "list jobs with `macie-notify jobs list`, or check --region",
        ) from None


def finding_counts(macie2: Any, job_id: str) -> dict[str, Any]:
    """The findings a job produced: total, per severity and per type (archived included)."""
    criteria = {"criterion": {"classificationDetails.jobId": {"eq": [job_id]}}}
    by_severity = {r["groupKey"]: r["count"] for r in statistics(macie2, criteria, "severity")}
    by_type = {r["groupKey"]: r["count"] for r in statistics(macie2, criteria, "type")}
    return {
        "total": sum(by_severity.values()),
        "bySeverity": by_severity,
        "byType": by_type,
    }


def change_status(macie2: Any, job_id: str, action: str) -> dict[str, Any]:
    """pause / resume / cancel ``job_id``: ``{"jobId", "previous", "jobStatus", "changed"}``."""
    target, allowed = TRANSITIONS[action]
    current = str(describe(macie2, job_id).get("jobStatus"))
    if current == target:
        return {"jobId": job_id, "previous": current, "jobStatus": current, "changed": False}
    if current not in allowed:
        raise UsageError(
            f"cannot {action} job {job_id}: it is {current}",
            f"Macie allows {action} only from {', '.join(sorted(allowed))}",
        )
    macie2.update_classification_job(jobId=job_id, jobStatus=target)
    return {"jobId": job_id, "previous": current, "jobStatus": target, "changed": True}


def custom_identifier_ids(macie2: Any, names: Sequence[str]) -> list[str]:
    """Ids of the custom data identifiers called ``names`` (ListCustomDataIdentifiers)."""
    if not names:
        return []
    by_name: dict[str, str] = {}
    params: dict[str, Any] = {"maxResults": 100}
    while True:
        page = macie2.list_custom_data_identifiers(**params)
        for item in page.get("items") or []:
            by_name.setdefault(str(item["name"]), str(item["id"]))
        if not page.get("nextToken"):
            break
        params["nextToken"] = page["nextToken"]
    missing = [n for n in names if n not in by_name]
    if missing:
        raise MacieNotifyError(
            "custom data identifiers not found in Macie: " + ", ".join(missing),
            "create them with `macie-notify setup`, or run with --bucket only",
        )
    return [by_name[n] for n in names]


@dataclasses.dataclass(frozen=True)
class RunRequest:
    """What ``jobs run`` starts: the config's job definition as a one-time job, or a
    one-time job with every managed identifier over ``bucket`` (no config needed)."""

    bucket: str | None
    config: Config | None


def run_now(
    macie2: Any, request: RunRequest, *, account_id: str, region: str, now: datetime
) -> dict[str, Any]:
    """CreateClassificationJob (ONE_TIME) now: ``{"jobId", "jobArn", "name", "bucket"}``."""
    params = one_time_job(macie2, request, account_id=account_id, region=region, now=now)
    # boto3 fills clientToken once per call, so its own retries cannot start a second job.
    response = macie2.create_classification_job(**params)
    bucket = params["s3JobDefinition"]["bucketDefinitions"][0]["buckets"][0]
    return {
        "jobId": response["jobId"],
        "jobArn": response["jobArn"],
        "name": params["name"],
        "bucket": bucket,
    }


def one_time_job(
    macie2: Any, request: RunRequest, *, account_id: str, region: str, now: datetime
) -> dict[str, Any]:
    """The CreateClassificationJob parameters of :func:`run_now`."""
    from macie_notify.config.model import JobConfig, ManagedIdentifiers, Schedule

    stamp = now.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    config = request.config
    if config is None:
        if request.bucket is None:
            raise UsageError("jobs run needs --bucket, or a config file with the job")
        job = JobConfig(schedule=Schedule("once"), managed_identifiers=ManagedIdentifiers("ALL"))
        return job_params(job, f"macie-notify-run-{stamp}", account_id, request.bucket, [], {})
    job = dataclasses.replace(config.job, schedule=Schedule("once"))
    stack = config.stack.name
    bucket = request.bucket or config.bucket.resolved_name(stack, account_id, region)
    names = [c.name for c in config.job_custom_identifiers()]
    ids = custom_identifier_ids(macie2, names)
    tags = {**dict(config.stack.tags), MANAGED_BY: MANAGED_BY_VALUE, STACK_TAG: stack}
    return job_params(job, f"{stack}-{config.job.name}-run-{stamp}", account_id, bucket, ids, tags)


def job_params(
    job: Any, name: str, account_id: str, bucket: str, ids: Sequence[str], tags: Mapping[str, str]
) -> dict[str, Any]:
    params: dict[str, Any] = job.to_api(
        name=name,
        account_id=account_id,
        bucket=bucket,
        custom_identifier_ids=list(ids),
        tags=dict(tags) or None,
    )
    if params.get("managedDataIdentifierSelector") == "NONE" and not ids:
        raise UsageError(
            "the job uses no managed identifiers and no custom identifier is defined",
            "set job.managed_identifiers, or define custom_data_identifiers",
        )
    return params


def wait(
    macie2: Any,
    job_id: str,
    *,
    interval: float,
    sleep: Callable[[float], None],
    progress: Callable[[dict[str, Any]], None],
    timeout: float | None = None,
    clock: Callable[[], datetime] | None = None,
) -> dict[str, Any]:
    """Poll DescribeClassificationJob until the run is over; the last description."""
    started = clock() if clock else None
    while True:
        job = describe(macie2, job_id)
        progress(job)
        status = str(job.get("jobStatus"))
        if status in FINISHED or status in STOPPED:
            return job
        if timeout is not None and clock is not None and started is not None:
            if (clock() - started).total_seconds() >= timeout:
                raise AwsError(
                    f"job {job_id} is still {status} after {timeout:g} s",
                    f"follow it with `macie-notify jobs show {job_id}`",
                )
        sleep(interval)
