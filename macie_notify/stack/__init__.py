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
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from macie_notify.stack.desired import Inputs, build, for_teardown, names_for
from macie_notify.stack.model import Action, Change, Event, Plan, Result

if TYPE_CHECKING:
    from macie_notify.aws import Aws
    from macie_notify.config import Config


@dataclass
class Engine:
    config: Config
    aws: Aws
    inputs: Inputs
    zip_bytes: bytes = field(default=b"", repr=False)
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
        """Resolve the account, Region and partition, and build the notifier's zip."""
        if package is None:
            from macie_notify.packaging import build_zip

            package = build_zip
        data, sha = package()
        inputs = Inputs(
            account_id=aws.account_id,
            region=aws.region,
            partition=aws.partition,
            secret_value=secret_value,
            code_sha256=sha,
            extra_environment=dict(extra_environment or {}),
            skip=skip,
            disable_macie=disable_macie,
        )
        return cls(config, aws, inputs, data, sleep, clock)

    @property
    def bucket(self) -> str:
        return names_for(self.config, self.inputs).bucket

    @property
    def names(self) -> Any:
        return names_for(self.config, self.inputs)

    def plan(self) -> Plan:
        from macie_notify.stack.planner import plan

        specs = build(self.config, self.inputs)
        return plan(
            self.aws, specs, stack=self.config.stack.name, account_id=self.inputs.account_id
        )

    def teardown_plan(self) -> Plan:
        from macie_notify.stack.planner import teardown_plan

        specs = for_teardown(build(self.config, self.inputs))
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
            zip_source=lambda: (self.zip_bytes, self.inputs.code_sha256),
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
        from macie_notify.stack import status

        try:
            self.aws.client("macie2").get_macie_session()
        except self.aws.client("macie2").exceptions.AccessDeniedException:
            return status.cost(self.aws, self.config, self.bucket, False)
        return status.cost(self.aws, self.config, self.bucket, True)


__all__ = ["Action", "Change", "Engine", "Event", "Inputs", "Plan", "Result"]
