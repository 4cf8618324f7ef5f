"""Read what exists and diff it against the specs: a :class:`Plan`. Reads only.

Every spec is observed concurrently (the reads are independent), then diffed in
dependency order, resolving references from what already exists.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from macie_notify.stack import resources
from macie_notify.stack.digest_sweep import leftovers
from macie_notify.stack.failures import step_error
from macie_notify.stack.model import Action, Change, Observed, Plan, Spec, Step, resolve
from macie_notify.stack.resources.identifiers import IdentifierSpec, orphans

if TYPE_CHECKING:
    from mypy_boto3_macie2 import Macie2Client

    from macie_notify.aws import Aws

MAX_WORKERS = 16
# Kinds that live inside Macie: with Macie not enabled, they cannot exist.
_IN_MACIE = ("custom-identifier", "classification-job")

Orphans = list[tuple[IdentifierSpec, Observed]]


def _observe(aws: Aws, spec: Spec) -> Observed | None:
    try:
        result: Observed | None = resources.KINDS[spec.kind].observe(aws, spec)
    except Exception as exc:
        if spec.kind in _IN_MACIE and _macie_off(aws, exc):
            return None
        raise step_error(spec.kind, spec.name, "read", exc) from exc
    return result


def _macie_off(aws: Aws, exc: Exception) -> bool:
    """Whether ``exc`` is Macie's answer to a call made before EnableMacie.

    Decided by GetMacieSession (its modeled AccessDeniedException), never by wording.
    """
    macie2: Macie2Client = aws.client("macie2")
    if not isinstance(exc, macie2.exceptions.AccessDeniedException):
        return False
    try:
        macie2.get_macie_session()
    except macie2.exceptions.AccessDeniedException:
        return True
    return False


def _orphans(aws: Aws, specs: Sequence[Spec], stack: str) -> Orphans:
    """Identifiers tagged as this stack's that the config no longer names."""
    if not any(s.kind == "macie" for s in specs):
        return []
    names = {s.name for s in specs if isinstance(s, IdentifierSpec)}
    try:
        found = orphans(aws, stack, names)
    except Exception as exc:
        if _macie_off(aws, exc):
            return []
        raise step_error("custom-identifier", "(all)", "read", exc) from exc
    return [
        (IdentifierSpec(name, stack=stack, orphan_id=seen.id, after=("macie",)), seen)
        for name, seen in found
    ]


def observe_all(
    aws: Aws, specs: Sequence[Spec], stack: str
) -> tuple[list[Observed | None], Orphans]:
    """``observe`` of each spec and the orphan sweep, all in parallel."""
    with ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(specs) + 1)) as pool:
        sweep: Future[Orphans] = pool.submit(_orphans, aws, specs, stack)
        seen = list(pool.map(lambda spec: _observe(aws, spec), specs))
        return seen, sweep.result()


def plan(
    aws: Aws,
    specs: Sequence[Spec],
    *,
    stack: str,
    account_id: str,
    final: Callable[[], Sequence[Spec]] | None = None,
) -> Plan:
    """What setup would do to converge ``specs``.

    ``final``, when given, returns the same specs completed while the reads ran (the
    engine builds the Lambda zip, whose hash only the diff needs, during them).
    """
    observed, stale = observe_all(aws, specs, stack)
    if final is not None:
        specs = final()
    known: dict[str, Any] = {}
    steps: list[Step] = []
    for spec, seen in zip(specs, observed, strict=True):
        action, reasons = resources.KINDS[spec.kind].diff(resolve(spec, known), seen)
        if seen is not None and action in (Action.NOOP, Action.UPDATE):
            known[spec.key] = dict(seen.outputs)
        steps.append(_step(spec, seen, action, reasons))
    for spec, seen in stale:
        steps.append(_step(spec, seen, Action.DELETE, ["no longer in the config"]))
    for spec, seen in leftovers(aws, specs, stack, teardown=False):
        steps.append(_step(spec, seen, Action.DELETE, ["delivery: direct no longer uses it"]))
    return Plan(tuple(steps), account_id, aws.region, stack)


def teardown_plan(aws: Aws, specs: Sequence[Spec], *, stack: str, account_id: str) -> Plan:
    """Delete, in reverse dependency order, what exists and carries this stack's tags."""
    observed, stale = observe_all(aws, specs, stack)
    pairs: list[tuple[Spec, Observed | None]] = [
        *zip(specs, observed, strict=True),
        *stale,
        *leftovers(aws, specs, stack, teardown=True),
    ]
    steps = []
    for spec, seen in pairs:
        if seen is None:
            steps.append(_step(spec, None, Action.NOOP, ["does not exist"]))
            continue
        keep = resources.KINDS[spec.kind].keep_reason(spec, seen, stack)
        steps.append(_step(spec, seen, Action.NOOP if keep else Action.DELETE, [keep or ""]))
    steps.reverse()
    return Plan(tuple(steps), account_id, aws.region, stack, teardown=True)


def _step(spec: Spec, seen: Observed | None, action: Action, reasons: list[str]) -> Step:
    change = Change(
        resource=spec.kind,
        name=spec.name,
        action=action,
        reason="; ".join(r for r in reasons if r),
        id=seen.id if seen is not None and seen.id else None,
    )
    return Step(change, spec, seen, spec.depends_on())
