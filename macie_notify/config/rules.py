"""Pure value rules: what AWS, Macie and Slack would reject, as lists of one-line messages.

Each ``*_problems`` function returns ``[]`` for a good value. Limits are those of the
public documentation (links per rule), mostly the Macie API reference
(https://docs.aws.amazon.com/macie/latest/APIReference/).
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Iterable

STACK_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
STACK_NAME_LENGTH = (3, 32)

# Commercial, China, GovCloud and ISO partitions: us-east-1, cn-north-1, us-gov-west-1,
# us-isob-east-1, eu-isoe-west-1.
REGION = re.compile(r"^[a-z]{2}(?:-[a-z]+){1,2}-\d{1,2}$")

KMS_KEY_ARN = re.compile(
    r"^arn:aws[a-z-]*:kms:[a-z]{2}(?:-[a-z]+){1,2}-\d{1,2}:\d{12}:"
    r"(?:key/[A-Za-z0-9-]{1,128}|alias/[A-Za-z0-9/_-]{1,250})$"
)

# Tag keys and values: letters, digits, spaces and _ . : / = + - @ (any language's letters).
# AWS's pattern is ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$: \p{Z} is space separators only, so a
# tab or newline (which \s would allow) is refused.
# https://docs.aws.amazon.com/tag-editor/latest/userguide/best-practices-and-strats.html
_UNICODE_SPACES = " \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
TAG_CHARS = re.compile(rf"^[\w{_UNICODE_SPACES}.:/=+\-@]*$", re.UNICODE)
TAG_KEY_MAX, TAG_VALUE_MAX, TAGS_MAX = 128, 256, 50
RESERVED_TAG_KEYS = ("managed-by", "macie-notify:stack")
"""Tags setup writes on every resource; teardown finds its resources by them."""

# Slack: channel names are lowercase letters, digits, hyphens and underscores, <= 80 chars;
# IDs are C (public), G (private / legacy group) followed by uppercase alphanumerics.
SLACK_CHANNEL_NAME = re.compile(r"^#[a-z0-9_-][a-z0-9_.-]{0,79}$")
SLACK_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")

ENV_VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
BUCKET_CHARS = re.compile(r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$")
BUCKET_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
BUCKET_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")

LAMBDA_RUNTIMES = ("python3.10", "python3.11", "python3.12", "python3.13", "python3.14")
"""Lambda Python runtimes that are neither deprecated nor pre-release (botocore Runtime enum)."""

LOG_RETENTION_DAYS: tuple[int, ...] = (
    *(1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731),
    *(1096, 1827, 2192, 2557, 2922, 3288, 3653),
)
"""CloudWatch Logs PutRetentionPolicy ``retentionInDays``: the only accepted values."""

FINDING_TYPES = (
    "Policy:IAMUser/S3BlockPublicAccessDisabled",
    "Policy:IAMUser/S3BucketEncryptionDisabled",
    "Policy:IAMUser/S3BucketPublic",
    "Policy:IAMUser/S3BucketReplicatedExternally",
    "Policy:IAMUser/S3BucketSharedExternally",
    "Policy:IAMUser/S3BucketSharedWithCloudFront",
    "SensitiveData:S3Object/Credentials",
    "SensitiveData:S3Object/CustomIdentifier",
    "SensitiveData:S3Object/Financial",
    "SensitiveData:S3Object/Multiple",
    "SensitiveData:S3Object/Personal",
)
"""macie2 ``FindingType`` enum (botocore model)."""

FINDING_TYPE_PREFIXES = ("Policy:", "Policy:IAMUser/", "SensitiveData:", "SensitiveData:S3Object/")


def suggest(value: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the nearest choice, or ``""``."""
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def stack_name_problems(name: str) -> list[str]:
    low, high = STACK_NAME_LENGTH
    out: list[str] = []
    if not low <= len(name) <= high:
        out.append(f"must be {low}-{high} characters long (it is {len(name)})")
    if not STACK_NAME.match(name):
        out.append(
            "use only lowercase letters, digits and hyphens, starting and ending with a "
            "letter or digit"
        )
    return out


def region_problems(region: str) -> list[str]:
    if not REGION.match(region):
        return [f"{region!r} does not look like an AWS Region (for example eu-west-1)"]
    from macie_notify.config.regions import region_problem  # reads botocore's data lazily

    problem = region_problem(region)
    return [problem] if problem else []


def tag_problems(key: str, value: str) -> list[str]:
    """Rules for one tag; the caller reports them at the key."""
    out: list[str] = []
    if not key or len(key) > TAG_KEY_MAX:
        out.append(f"tag key must be 1-{TAG_KEY_MAX} characters")
    if key.lower().startswith("aws:"):
        out.append("tag keys starting with 'aws:' are reserved by AWS")
    if key in RESERVED_TAG_KEYS:
        out.append(f"tag key {key!r} is reserved: macie-notify sets it on every resource")
    if not TAG_CHARS.match(key):
        out.append("tag key may contain only letters, digits, spaces and _ . : / = + - @")
    if len(value) > TAG_VALUE_MAX:
        out.append(f"tag value must be at most {TAG_VALUE_MAX} characters")
    if not TAG_CHARS.match(value):
        out.append("tag value may contain only letters, digits, spaces and _ . : / = + - @")
    return out


def bucket_name_problems(name: str) -> list[str]:
    """S3 general purpose bucket naming rules."""
    out: list[str] = []
    if not 3 <= len(name) <= 63:
        out.append(f"bucket names are 3-63 characters long (this one is {len(name)})")
    if not BUCKET_CHARS.match(name):
        out.append(
            "bucket names use lowercase letters, digits, dots and hyphens, and start and "
            "end with a letter or digit"
        )
    if ".." in name:
        out.append("bucket names must not contain two adjacent dots")
    if _is_ip_address(name):
        out.append("bucket names must not be formatted as an IP address")
    out.extend(
        f"bucket names must not start with {p!r}" for p in BUCKET_PREFIXES if name.startswith(p)
    )
    out.extend(f"bucket names must not end with {s!r}" for s in BUCKET_SUFFIXES if name.endswith(s))
    return out


def _is_ip_address(name: str) -> bool:
    try:
        ipaddress.IPv4Address(name)
    except ValueError:
        return False
    return True


def kms_key_arn_problems(arn: str) -> list[str]:
    if KMS_KEY_ARN.match(arn):
        return []
    return [
        "must be a KMS key or alias ARN, e.g. arn:aws:kms:eu-west-1:123456789012:key/<id> "
        "or arn:aws:kms:eu-west-1:123456789012:alias/<name>"
    ]


def s3_prefix_problems(prefix: str) -> list[str]:
    """Object key prefix: no leading "/", at most 1,024 UTF-8 bytes, no control characters."""
    out: list[str] = []
    if prefix.startswith("/"):
        out.append("S3 key prefixes do not start with '/'")
    if len(prefix.encode("utf-8")) > 1024:
        out.append("S3 keys are at most 1,024 bytes")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in prefix):
        out.append("S3 keys must not contain control characters")
    return out


def slack_channel_problems(channel: str) -> list[str]:
    if SLACK_CHANNEL_NAME.match(channel) or SLACK_CHANNEL_ID.match(channel):
        return []
    return [
        "must be '#name' (lowercase letters, digits, - and _, at most 80) or a channel ID "
        "such as C0123456789"
    ]


def env_var_problems(name: str) -> list[str]:
    if ENV_VAR.match(name):
        return []
    hint = " (give the variable's name, not its value)" if name.startswith(("xox", "http")) else ""
    return [f"must be an environment variable name such as SLACK_BOT_TOKEN{hint}"]


def finding_type_problems(value: str) -> list[str]:
    """A full Macie finding type, or a prefix of one ending at ':' or '/'."""
    if value in FINDING_TYPES or value in FINDING_TYPE_PREFIXES:
        return []
    return [
        f"{value!r} is not a Macie finding type or prefix such as 'Policy:' or "
        f"'SensitiveData:'{suggest(value, FINDING_TYPES + FINDING_TYPE_PREFIXES)}"
    ]


__all__ = [
    "FINDING_TYPES",
    "LAMBDA_RUNTIMES",
    "LOG_RETENTION_DAYS",
    "RESERVED_TAG_KEYS",
    "TAGS_MAX",
    "bucket_name_problems",
    "env_var_problems",
    "finding_type_problems",
    "kms_key_arn_problems",
    "region_problems",
    "s3_prefix_problems",
    "slack_channel_problems",
    "stack_name_problems",
    "suggest",
    "tag_problems",
]
