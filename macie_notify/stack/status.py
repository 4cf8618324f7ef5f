"""``status``: each resource's state and drift, the Macie session, the job's last run, and
the monthly cost estimate. Reads only (it is a plan, looked at differently)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from macie_notify.config import Config
from macie_notify.stack.model import Action, Plan
from macie_notify.stack.pricing import classifiable_bytes, estimate

if TYPE_CHECKING:
    from mypy_boto3_macie2 import Macie2Client

    from macie_notify.aws import Aws

_STATE = {
    Action.CREATE: "missing",
    Action.UPDATE: "drifted",
    Action.REPLACE: "outdated",
    Action.DELETE: "orphaned",
    Action.NOOP: "in sync",
}


def resources(plan: Plan) -> list[dict[str, Any]]:
    """One row per resource: state (in sync / drifted / missing / ...) and the drift."""
    return [
        {
            "resource": c.resource,
            "name": c.name,
            "state": _STATE[c.action],
            "drift": c.reason,
            "id": c.id,
        }
        for c in plan.changes
    ]


def macie_session(plan: Plan) -> dict[str, Any]:
    step = next((s for s in plan.steps if s.spec.kind == "macie"), None)
    if step is None or step.observed is None:
        return {"status": "NOT_ENABLED"}
    s = step.observed.state
    return {
        "status": s["status"],
        "findingPublishingFrequency": s["frequency"],
        "publishToSecurityHub": s["security_hub"],
    }


def jobs(aws: Aws, plan: Plan) -> list[dict[str, Any]]:
    """The stack's job (and older ones still running): status and last run statistics."""
    step = next((s for s in plan.steps if s.spec.kind == "classification-job"), None)
    if step is None or step.observed is None:
        return []
    ids = [step.observed.id] if step.observed.id else []
    ids += [j["id"] for j in step.observed.state["stale"]]
    macie2: Macie2Client = aws.client("macie2")
    out = []
    for job_id in ids:
        job = macie2.describe_classification_job(jobId=job_id)
        stats = job.get("statistics") or {}
        out.append(
            {
                "jobId": job_id,
                "name": job.get("name"),
                "status": job.get("jobStatus"),
                "jobType": job.get("jobType"),
                "lastRunTime": job.get("lastRunTime"),
                "lastRunErrorStatus": (job.get("lastRunErrorStatus") or {}).get("code"),
                # The API models these counts as doubles; they are whole numbers.
                "approximateNumberOfObjectsToProcess": _whole(
                    stats.get("approximateNumberOfObjectsToProcess")
                ),
                "numberOfRuns": _whole(stats.get("numberOfRuns")),
                "current": job_id == step.observed.id,
            }
        )
    return out


def _whole(value: Any) -> int | None:
    return None if value is None else int(value)


def cost(aws: Aws, config: Config, bucket: str, macie_enabled: bool) -> dict[str, Any]:
    """The job's monthly cost estimate, or why there is none yet."""
    if not macie_enabled:
        return {"bucket": bucket, "note": "Macie is not enabled: no bucket statistics yet"}
    size = classifiable_bytes(aws.client("macie2"), bucket)
    if size is None:
        return {
            "bucket": bucket,
            "note": "Macie has no statistics for the bucket yet (it refreshes daily)",
        }
    job = config.job
    return estimate(
        bucket=bucket,
        region=aws.region,
        classifiable_bytes=size,
        sampling_percentage=job.sampling_percentage,
        schedule_kind=job.schedule.kind,
        initial_run=job.initial_run,
    ).to_dict()
