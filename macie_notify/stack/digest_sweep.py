"""The digest queue and its mapping when the config no longer asks for them.

Switching ``delivery`` from digest to direct (or tearing down a stack whose config now
says direct) must still remove them; like the identifier sweep, this finds them by the
stack's names. Reads only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from macie_notify.stack.model import Observed, Spec
from macie_notify.stack.resources import digest_queue, event_source_mapping
from macie_notify.stack.resources.digest_queue import DigestQueueSpec
from macie_notify.stack.resources.event_source_mapping import MappingSpec
from macie_notify.stack.resources.function import FunctionSpec

if TYPE_CHECKING:
    from macie_notify.aws import Aws


def leftovers(
    aws: Aws, specs: Sequence[Spec], stack: str, *, teardown: bool
) -> list[tuple[Spec, Observed]]:
    """(spec, observed) of the digest resources that exist but are not in ``specs``."""
    if any(isinstance(s, DigestQueueSpec) for s in specs):
        return []
    function = next((s for s in specs if isinstance(s, FunctionSpec)), None)
    if function is None:  # the notifier is not part of this plan
        return []
    queue_name = f"{function.name}-findings"
    queue = digest_queue.find(aws, queue_name)
    if queue is None:
        return []
    if digest_queue.keep_reason(DigestQueueSpec(queue_name), queue, stack) is not None:
        return []
    arn = str(queue.outputs["arn"])
    # A plan switches the rule back to the function first; a teardown deletes the
    # mapping before the queue (its edges are reversed).
    mapping_after = ("digest-queue",) if teardown else ("eventbridge-rule",)
    queue_after = () if teardown else ("eventbridge-rule", "event-source-mapping")
    out: list[tuple[Spec, Observed]] = []
    mapping = MappingSpec(function.name, queue_arn=arn, after=mapping_after)
    seen = event_source_mapping.observe(aws, mapping)
    if seen is not None:
        out.append((mapping, seen))
    out.append((DigestQueueSpec(queue_name, after=queue_after), queue))
    # Listed in dependency order, like desired.build: a teardown plan reverses it.
    return out[::-1] if teardown else out
