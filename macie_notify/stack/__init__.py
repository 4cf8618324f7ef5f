"""The provisioning engine: desired state from the config, current state read from AWS,
a plan as data, and an executor. No printing, no Click.

    engine = Engine.for_config(config, aws, secret_value=os.environ.get(...))
    plan = engine.plan()                       # reads only
    result = engine.apply(plan, on_event)      # writes; PartialFailure names the step
    engine.apply(engine.teardown_plan())       # deletes what carries the stack's tags

One Engine works on one account and Region (its :class:`~macie_notify.aws.Aws`), so
several Regions or accounts are a loop over engines.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from macie_notify.stack.desired import Inputs, build, for_teardown, names_for
from macie_notify.stack.model import Action, Change, Event, Plan, Result, Spec
from macie_notify.stack.naming import Names

if TYPE_CHECKING:
    from mypy_boto3_macie2 import Macie2Client

    from macie_notify.aws import Aws
    from macie_notify.config import Config


@dataclass
class Engine:
    config: Config
    aws: Aws
    inputs: Inputs
    package: Future[tuple[bytes, str]] = field(repr=False)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic

    @classmethod
    def for_config(
        cls,
        config: Config,
        aws: Aws,
        *,
        secret_value: str | None = None,
        extra_environment: Mapping[str, str] | None = None,
        skip: frozenset[str] = frozenset(),
        disable_macie: bool = False,
        package: Callable[[], tuple[bytes, str]] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> Engine:
        """Resolve the account, Region and partition; the notifier's zip is built in the
        background meanwhile (its hash is needed only once the reads are done)."""
        if package is None:
            from macie_notify.packaging import build_zip

            package = build_zip
        builder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="zip")
        built = builder.submit(package)
        builder.shutdown(wait=False)
        inputs = Inputs(
            account_id=aws.account_id,
            region=aws.region,
            partition=aws.partition,
            secret_value=secret_value,
            extra_environment=dict(extra_environment or {}),
            skip=skip,
            disable_macie=disable_macie,
        )
        return cls(config, aws, inputs, built, sleep, clock)

    @property
    def zip_bytes(self) -> bytes:
        return self.package.result()[0]

    @property
    def code_sha256(self) -> str:
        return self.package.result()[1]

    def _specs(self) -> list[Spec]:
        return build(self.config, replace(self.inputs, code_sha256=self.code_sha256))

    @property
    def bucket(self) -> str:
        return names_for(self.config, self.inputs).bucket

    @property
    def names(self) -> Names:
        return names_for(self.config, self.inputs)

    def plan(self) -> Plan:
        from macie_notify.stack.planner import plan

        return plan(
            self.aws,
            build(self.config, self.inputs),
            stack=self.config.stack.name,
            account_id=self.inputs.account_id,
            final=self._specs,
        )

    def teardown_plan(self) -> Plan:
        from macie_notify.stack.planner import teardown_plan

        specs = for_teardown(self._specs())
        return teardown_plan(
            self.aws, specs, stack=self.config.stack.name, account_id=self.inputs.account_id
        )

    def apply(self, plan: Plan, on_event: Callable[[Event], None] | None = None) -> Result:
        from macie_notify.stack.executor import apply
        from macie_notify.stack.resources.base import Context

        ctx = Context(
            self.aws,
            self.config.stack.name,
            sleep=self.sleep,
            clock=self.clock,
            zip_source=self.package.result,
        )
        return apply(plan, ctx, on_event)

    def status(self, plan: Plan | None = None) -> dict[str, Any]:
        """State and drift of each resource, the Macie session, jobs, the cost estimate."""
        from macie_notify.stack import status

        plan = plan or self.plan()
        session = status.macie_session(plan)
        return {
            "stack": self.config.stack.name,
            "account": self.inputs.account_id,
            "region": self.inputs.region,
            "resources": status.resources(plan),
            "macie": session,
            "jobs": status.jobs(self.aws, plan),
            "cost": status.cost(
                self.aws, self.config, self.bucket, session["status"] != "NOT_ENABLED"
            ),
        }

    def cost(self) -> dict[str, Any]:
        """The job's monthly cost estimate; DescribeBuckets needs Macie enabled, which
        GetMacieSession tells (its modeled AccessDeniedException: not enabled)."""
        from macie_notify.stack import status

        macie2: Macie2Client = self.aws.client("macie2")
        try:
            macie2.get_macie_session()
        except macie2.exceptions.AccessDeniedException:
            return status.cost(self.aws, self.config, self.bucket, False)
        return status.cost(self.aws, self.config, self.bucket, True)


__all__ = ["Action", "Change", "Engine", "Event", "Inputs", "Plan", "Result"]
