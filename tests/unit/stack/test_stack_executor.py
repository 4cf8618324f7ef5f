"""The executor over fake resource kinds: dependency order, concurrency, references,
and a failure that names its step and stops what has not started."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, cast

import pytest
from botocore.exceptions import ClientError

from macie_notify.errors import PartialFailure
from macie_notify.stack.executor import apply
from macie_notify.stack.model import Action, Change, Event, Observed, Plan, Ref, Spec, Step
from macie_notify.stack.resources.base import Context


@dataclass(frozen=True)
class FakeSpec(Spec):
    kind = "fake"
    needs: str | Ref | None = None

    @property
    def key(self) -> str:
        return f"fake:{self.name}"


class Recorder:
    """A fake kind module: records applies, can block until released or fail once."""

    def __init__(self, fail: str | None = None) -> None:
        self.applied: list[tuple[str, Any]] = []
        self.deleted: list[str] = []
        self.fail = fail
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        self.barrier = threading.Barrier(2, timeout=5)

    def apply(self, ctx: Context, spec: FakeSpec, observed: Any, action: Action) -> dict[str, str]:
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if spec.name in ("left", "right"):
                self.barrier.wait()  # both independent branches run at the same time
            if spec.name == self.fail:
                raise ClientError(
                    {"Error": {"Code": "AccessDenied", "Message": "no"}}, "CreateThing"
                )
            with self.lock:
                self.applied.append((spec.name, spec.needs))
            return {"arn": f"arn:fake:{spec.name}"}
        finally:
            with self.lock:
                self.in_flight -= 1

    def delete(self, ctx: Context, spec: FakeSpec, observed: Observed) -> None:
        with self.lock:
            self.deleted.append(spec.name)


def _plan(specs: list[FakeSpec], action: Action = Action.CREATE, teardown: bool = False) -> Plan:
    steps = tuple(
        Step(
            Change("fake", s.name, action),
            s,
            Observed(id=s.name) if teardown else None,
            s.depends_on(),
        )
        for s in specs
    )
    return Plan(steps, "123456789012", "eu-west-1", "s", teardown=teardown)


def _ctx() -> Context:
    return Context(aws=cast(Any, None), stack="s", clock=lambda: 0.0)


def test_independent_branches_run_together_and_references_resolve() -> None:
    rec = Recorder()
    specs = [
        FakeSpec("left"),
        FakeSpec("right"),
        FakeSpec("child", needs=Ref("fake:left", "arn")),
    ]
    events: list[Event] = []
    result = apply(_plan(specs), _ctx(), events.append, kinds={"fake": rec})
    assert rec.max_in_flight == 2
    assert rec.applied[-1] == ("child", "arn:fake:left")  # after its parent, with its ARN
    assert [c.id for c in result.changes] == ["arn:fake:left", "arn:fake:right", "arn:fake:child"]
    assert sorted(e.phase for e in events) == ["done"] * 3 + ["start"] * 3


def test_a_failure_names_the_step_and_stops_its_dependents() -> None:
    rec = Recorder(fail="left")
    specs = [
        FakeSpec("left"),
        FakeSpec("right"),
        FakeSpec("child", needs=Ref("fake:left", "arn")),
    ]
    with pytest.raises(PartialFailure) as caught:
        apply(_plan(specs), _ctx(), kinds={"fake": rec})
    error = caught.value
    assert error.exit_code == 1
    assert error.message == "fake left: CreateThing failed (create): access denied"
    assert error.hint is not None and "CreateThing" in error.hint
    assert error.done == ("create fake right",)
    assert [name for name, _ in rec.applied] == ["right"]  # child never started


def test_teardown_deletes_dependents_first_and_skips_noops() -> None:
    rec = Recorder()
    specs = [FakeSpec("base"), FakeSpec("mid", after=("fake:base",))]
    specs.append(FakeSpec("top", after=("fake:mid",)))
    plan = _plan(specs, Action.DELETE, teardown=True)
    apply(plan, _ctx(), kinds={"fake": rec})
    assert rec.deleted == ["top", "mid", "base"]
    noop = _plan(specs, Action.NOOP, teardown=True)
    apply(noop, _ctx(), kinds={"fake": rec})
    assert rec.deleted == ["top", "mid", "base"]


def test_noop_steps_make_no_call() -> None:
    # A kind with no functions at all: any call would raise AttributeError.
    result = apply(_plan([FakeSpec("a")], Action.NOOP), _ctx(), kinds={"fake": SimpleNamespace()})
    assert [c.action for c in result.changes] == [Action.NOOP]
