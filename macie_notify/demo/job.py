"""The demo's classification job: one run over the bucket, polled with injected time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from macie_notify.config import Config, Schedule
from macie_notify.demo.deploy import Provisioned
from macie_notify.demo.errors import DemoError
from macie_notify.stack.naming import stack_tags


def start_job(macie2: Any, config: Config, done: Provisioned, stamp: str) -> str:
    """A ONE_TIME job over the bucket with the config's identifiers, whatever its schedule.

    Job names need not be unique, so ``stamp`` only tells the runs apart in the console.
    """
    job = replace(config.job, schedule=Schedule("once"))
    params = job.to_api(
        name=f"{config.stack.name}-{config.job.name}-demo-{stamp}",
        account_id=done.account_id,
        bucket=done.names.bucket,
        custom_identifier_ids=done.identifier_ids,
        tags=stack_tags(config.stack.name, config.stack.tags),
    )
    return str(macie2.create_classification_job(**params)["jobId"])


def wait_for_job(
    macie2: Any,
    job_id: str,
    timeout: float,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
    interval: float = 0.1,
) -> dict[str, Any]:
    """Poll DescribeClassificationJob until the run ends; the job's description.

    https://docs.aws.amazon.com/macie/latest/APIReference/jobs-jobid.html (jobStatus)
    """
    deadline = clock() + timeout
    while True:
        job = macie2.describe_classification_job(jobId=job_id)
        status = job.get("jobStatus")
        if status in ("COMPLETE", "IDLE"):
            return dict(job)
        if status in ("CANCELLED", "USER_PAUSED", "PAUSED"):
            raise DemoError(
                f"classification job {job_id} stopped ({status}) before it completed",
                hint="run the demo again; `aws macie2 describe-classification-job` shows why",
            )
        if clock() >= deadline:
            raise DemoError(
                f"classification job {job_id} did not complete within {timeout:g} s "
                f"(status {status})",
                hint="raise --timeout, or use fewer or smaller --source files",
            )
        sleep(interval)
