"""One module per resource kind; :data:`KINDS` maps a spec's ``kind`` to its module."""

from __future__ import annotations

from types import ModuleType

from macie_notify.stack.resources import (
    bucket,
    digest_queue,
    event_source_mapping,
    function,
    identifiers,
    job,
    log_group,
    macie,
    queue,
    role,
    rule,
    secret,
)

KINDS: dict[str, ModuleType] = {
    macie.MacieSpec.kind: macie,
    bucket.BucketSpec.kind: bucket,
    identifiers.IdentifierSpec.kind: identifiers,
    job.JobSpec.kind: job,
    secret.SecretSpec.kind: secret,
    queue.QueueSpec.kind: queue,
    log_group.LogGroupSpec.kind: log_group,
    role.RoleSpec.kind: role,
    function.FunctionSpec.kind: function,
    rule.RuleSpec.kind: rule,
    digest_queue.DigestQueueSpec.kind: digest_queue,
    event_source_mapping.MappingSpec.kind: event_source_mapping,
}

__all__ = ["KINDS"]
