"""Apply a :class:`Plan`: the only part of the engine that writes.

Steps form a small dependency graph (a spec's references and ``after``; reversed for
a teardown). Every step whose dependencies are done runs at once on a thread pool, so
independent branches (bucket, Macie and identifiers, the notifier chain) overlap. A
failure stops new steps, lets running ones finish and raises :class:`PartialFailure`
naming the resource and the API call that failed, plus what was completed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import replace
from typing import Any

from macie_notify.errors import MacieNotifyError, PartialFailure
from macie_notify.stack import resources
from macie_notify.stack.failures import step_error
from macie_notify.stack.model import Action, Change, Event, Plan, Result, Step, resolve
from macie_notify.stack.resources.base import Context

OnEvent = Callable[[Event], None]
MAX_WORKERS = 8


def _edges(plan: Plan) -> dict[int, set[int]]:
    """step index -> indexes of the pending steps it waits for."""
    index = {step.spec.key: i for i, step in enumerate(plan.steps)}
    waits: dict[int, set[int]] = {i: set() for i, s in enumerate(plan.steps)}
    for i, step in enumerate(plan.steps):
        for key in step.depends_on:
            j = index.get(key)
            if j is None or j == i:
                continue
            if plan.teardown:
                waits[j].add(i)  # delete the dependent before what it depends on
            else:
                waits[i].add(j)
    pending = {i for i, s in enumerate(plan.steps) if s.change.action is not Action.NOOP}
    return {i: deps & pending for i, deps in waits.items() if i in pending}


def apply(
    plan: Plan,
    ctx: Context,
    on_event: OnEvent | None = None,
    *,
    max_workers: int = MAX_WORKERS,
    kinds: Mapping[str, Any] | None = None,
) -> Result:
    """Run every pending step; returns all changes with their ids filled in.

    ``kinds`` maps a spec kind to the module that applies it (tests pass fakes).
    """
    modules = resources.KINDS if kinds is None else kinds
    notify = on_event or (lambda _event: None)
    started = ctx.clock()
    outputs: dict[str, dict[str, str]] = {
        s.spec.key: dict(s.observed.outputs) for s in plan.steps if s.observed is not None
    }
    final: dict[int, Change] = {i: s.change for i, s in enumerate(plan.steps)}
    waits = _edges(plan)
    done: list[str] = []
    failure: MacieNotifyError | None = None
    running: dict[Future[dict[str, str]], int] = {}
    begun: dict[int, float] = {}
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        while waits or running:
            if failure is None:
                for i in [i for i, deps in waits.items() if not deps]:
                    del waits[i]
                    step = plan.steps[i]
                    notify(Event("start", step.change))
                    begun[i] = ctx.clock()
                    future = pool.submit(_run, modules, step, ctx, outputs, plan.teardown)
                    running[future] = i
            if not running:
                break
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                i = running.pop(future)
                step = plan.steps[i]
                try:
                    out = future.result()
                except Exception as exc:  # each step's error becomes one readable failure
                    error = step_error(step.change.resource, step.change.name, _phase(step), exc)
                    notify(Event("failed", step.change, error=error.message))
                    failure = failure or error
                    continue
                outputs[step.spec.key] = out
                final[i] = replace(step.change, id=_id(step, out))
                done.append(f"{step.change.action} {step.change.resource} {step.change.name}")
                notify(Event("done", final[i], seconds=ctx.clock() - begun[i]))
                for deps in waits.values():
                    deps.discard(i)
    if failure is not None:
        raise PartialFailure(failure.message, done=done, hint=failure.hint)
    ordered = tuple(final[i] for i in range(len(plan.steps)))
    return Result(ordered, ctx.clock() - started)


def _phase(step: Step) -> str:
    return step.change.action.value


def _id(step: Step, out: dict[str, str]) -> str | None:
    for key in ("arn", "id", "url", "name"):
        if out.get(key):
            return out[key]
    return step.change.id


def _run(
    modules: Mapping[str, Any],
    step: Step,
    ctx: Context,
    outputs: dict[str, dict[str, str]],
    teardown: bool,
) -> dict[str, str]:
    kind: Any = modules[step.spec.kind]
    if teardown or step.change.action is Action.DELETE:
        assert step.observed is not None
        kind.delete(ctx, step.spec, step.observed)
        return {}
    spec = resolve(step.spec, outputs, strict=True)
    result: dict[str, str] = kind.apply(ctx, spec, step.observed, step.change.action)
    return result
