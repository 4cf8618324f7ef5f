"""The classification job: immutable in Macie, so a changed definition is a new job.

The job's name is ``<stack>-<job>-<hash8>``, the hash covering its whole definition
(including the content hashes of its custom identifiers): a changed config names a new
job, which is created before the old one is cancelled (Macie cannot delete jobs;
https://docs.aws.amazon.com/macie/latest/APIReference/jobs-jobid.html).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from macie_notify.stack.model import Action, Observed, Ref, Spec
from macie_notify.stack.naming import HASH_TAG, is_managed
from macie_notify.stack.resources.base import Context

if TYPE_CHECKING:
    from mypy_boto3_macie2 import Macie2Client
    from mypy_boto3_macie2.type_defs import ListJobsFilterCriteriaTypeDef

    from macie_notify.aws import Aws

# Statuses Macie lets a job leave for CANCELLED (a COMPLETE one-time job is over).
CANCELLABLE = ("RUNNING", "PAUSED", "IDLE", "USER_PAUSED")


@dataclass(frozen=True)
class JobSpec(Spec):
    kind = "classification-job"
    prefix: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    identifier_ids: tuple[str | Ref, ...] = ()
    content_hash: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)
    stack: str = ""


def _ours(spec: JobSpec, name: str) -> bool:
    return re.fullmatch(re.escape(spec.prefix) + "[0-9a-f]{8}", name) is not None


def observe(aws: Aws, spec: JobSpec) -> Observed | None:
    """The current job (by name) and the stack's older jobs that still run or wait."""
    macie2: Macie2Client = aws.client("macie2")
    current: dict[str, Any] | None = None
    stale: list[dict[str, str]] = []
    # Only the stack's jobs (by name prefix): an account may hold thousands of jobs.
    prefix: ListJobsFilterCriteriaTypeDef = {
        "includes": [{"comparator": "STARTS_WITH", "key": "name", "values": [spec.prefix]}]
    }
    pages = macie2.get_paginator("list_classification_jobs").paginate(filterCriteria=prefix)
    for page in pages:
        for item in page.get("items", []):
            name, status = str(item.get("name", "")), str(item.get("jobStatus", ""))
            if not _ours(spec, name):
                continue
            if name == spec.name and status != "CANCELLED":
                current = dict(item)
            elif status in CANCELLABLE:
                stale.append({"id": str(item["jobId"]), "name": name, "status": status})
    if current is None and not stale:
        return None
    state: dict[str, Any] = {"stale": stale, "current": None, "tags": {}}
    job_id = ""
    if current is not None:
        job_id = str(current["jobId"])
        described = macie2.describe_classification_job(jobId=job_id)
        state["current"] = {"status": described.get("jobStatus"), "name": spec.name}
        state["tags"] = dict(described.get("tags") or {})
    outputs = {"id": job_id} if job_id else {}
    return Observed(id=job_id, outputs=outputs, state=state)


def diff(spec: JobSpec, observed: Observed | None) -> tuple[Action, list[str]]:
    if observed is None:
        return Action.CREATE, ["does not exist"]
    stale = observed.state["stale"]
    old = ", ".join(f"{j['name']} ({j['status']})" for j in stale)
    if observed.state["current"] is None:
        return Action.REPLACE, [
            f"definition changed: new job {spec.name}, cancel {old}; Macie cannot update a job"
        ]
    if stale:
        return Action.UPDATE, [f"cancel the previous job {old}"]
    return Action.NOOP, []


def apply(ctx: Context, spec: JobSpec, observed: Observed | None, action: Action) -> dict[str, str]:
    macie2: Macie2Client = ctx.aws.client("macie2")
    job_id = observed.id if observed is not None and observed.state["current"] else ""
    if not job_id:
        params = {
            **spec.params,
            "name": spec.name,
            "tags": {**spec.tags, HASH_TAG: spec.content_hash},
        }
        if spec.identifier_ids:
            params["customDataIdentifierIds"] = list(spec.identifier_ids)
        job_id = str(macie2.create_classification_job(**params)["jobId"])
    # The new job first, then the old ones: a failure in between leaves one job running.
    for old in observed.state["stale"] if observed is not None else ():
        macie2.update_classification_job(jobId=old["id"], jobStatus="CANCELLED")
    return {"id": job_id}


def keep_reason(spec: JobSpec, observed: Observed, stack: str) -> str | None:
    current = observed.state["current"]
    if current is not None and not is_managed(observed.state["tags"], stack):
        return f"kept: not tagged macie-notify:stack={stack}"
    if observed.state["stale"] or (current is not None and current["status"] in CANCELLABLE):
        return None
    return "kept: already complete or cancelled (Macie cannot delete jobs)"


def delete(ctx: Context, spec: JobSpec, observed: Observed) -> None:
    """Jobs cannot be deleted: cancel every one of the stack's that may still run."""
    macie2: Macie2Client = ctx.aws.client("macie2")
    current = observed.state["current"]
    if current is not None and current["status"] in CANCELLABLE:
        macie2.update_classification_job(jobId=observed.id, jobStatus="CANCELLED")
    for old in observed.state["stale"]:
        macie2.update_classification_job(jobId=old["id"], jobStatus="CANCELLED")
