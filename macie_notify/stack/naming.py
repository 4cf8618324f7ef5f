"""Deterministic names, ARNs and tags for one stack in one account and Region.

Names are derived, never stored: a clean checkout finds the same resources a laptop
created. The IAM role is global, so its name carries the Region, which lets the same
stack name be deployed to several Regions of one account.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

MANAGED_BY = "managed-by"
MANAGED_BY_VALUE = "macie-notify"
STACK_TAG = "macie-notify:stack"
# The content hash of an immutable resource (custom identifier, job): its identity.
HASH_TAG = "macie-notify:hash"


@dataclass(frozen=True)
class Names:
    stack: str
    account_id: str
    region: str
    partition: str
    bucket: str

    @property
    def function(self) -> str:
        return f"{self.stack}-notifier"

    @property
    def role(self) -> str:
        return f"{self.stack}-notifier-{self.region}"

    @property
    def secret(self) -> str:
        return f"{self.stack}/slack"

    @property
    def queue(self) -> str:
        return f"{self.stack}-notifier-dlq"

    @property
    def digest_queue(self) -> str:
        """delivery: digest: the queue the rule sends findings to."""
        return f"{self.stack}-notifier-findings"

    @property
    def digest_queue_arn(self) -> str:
        return self.arn("sqs", self.digest_queue)

    @property
    def rule(self) -> str:
        return f"{self.stack}-macie-findings"

    @property
    def log_group(self) -> str:
        return f"/aws/lambda/{self.function}"

    def job_prefix(self, job: str) -> str:
        return f"{self.stack}-{job}-"

    def job(self, job: str, content_hash: str) -> str:
        """``<stack>-<job>-<hash8>``: a changed definition is a new job with a new name."""
        return f"{self.job_prefix(job)}{content_hash[:8]}"

    def arn(self, service: str, resource: str, *, regional: bool = True) -> str:
        region = self.region if regional else ""
        return f"arn:{self.partition}:{service}:{region}:{self.account_id}:{resource}"

    @property
    def role_arn(self) -> str:
        return self.arn("iam", f"role/{self.role}", regional=False)

    @property
    def queue_arn(self) -> str:
        return self.arn("sqs", self.queue)

    @property
    def rule_arn(self) -> str:
        return self.arn("events", f"rule/{self.rule}")

    @property
    def function_arn(self) -> str:
        return self.arn("lambda", f"function:{self.function}")

    @property
    def log_group_arn(self) -> str:
        return self.arn("logs", f"log-group:{self.log_group}")

    @property
    def bucket_arn(self) -> str:
        return f"arn:{self.partition}:s3:::{self.bucket}"


def stack_tags(stack: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The config's tags plus the two every managed resource carries."""
    return {**dict(extra or {}), MANAGED_BY: MANAGED_BY_VALUE, STACK_TAG: stack}


def is_managed(tags: Mapping[str, str], stack: str) -> bool:
    """Whether ``tags`` say this stack manages the resource (teardown deletes only those)."""
    return tags.get(MANAGED_BY) == MANAGED_BY_VALUE and tags.get(STACK_TAG) == stack


def content_hash(value: Any) -> str:
    """SHA-256 (hex) of ``value`` as canonical JSON: equal definitions, equal hashes."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Tag(TypedDict):
    Key: str
    Value: str


def tag_list(tags: Mapping[str, str]) -> list[Tag]:
    """Tags as S3, IAM, Secrets Manager and EventBridge take them."""
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def tag_map(tags: Any) -> dict[str, str]:
    """``[{"Key", "Value"}]`` (any capitalisation) or a mapping -> a plain dict."""
    if isinstance(tags, Mapping):
        return {str(k): str(v) for k, v in tags.items()}
    out = {}
    for item in tags or ():
        key = item.get("Key", item.get("key"))
        value = item.get("Value", item.get("value", ""))
        out[str(key)] = str(value)
    return out


def missing_tags(want: Mapping[str, str], have: Mapping[str, str]) -> dict[str, str]:
    """The tags of ``want`` that ``have`` lacks or holds with another value."""
    return {k: v for k, v in want.items() if have.get(k) != v}
