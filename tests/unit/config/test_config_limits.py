"""Every length and number limit of the config, from both sides.

For each limit one config sits exactly on it (accepted: no problem at that field) and one
goes one past it (refused at that field, with the documented message). Moving any limit
by one in either direction fails a row. The figures are AWS's, Macie's and Slack's
documented limits, written here by hand. The limits of notifications.delivery, digest
and storm_threshold are checked the same way in test_config_delivery.py.
"""

from __future__ import annotations

import json

import pytest

from macie_notify.config import ConfigError, loads

STACK = "stack:\n  name: demo\n"


def _at(text: str, path: str) -> list[str]:
    """The messages of the problems reported at ``path`` (none when the config loads).

    A path ending in ``*`` stands for every path it begins (a tag's key is its path).
    """
    try:
        loads(text)
    except ConfigError as exc:
        if path.endswith("*"):
            return [p.message for p in exc.problems if p.path.startswith(path[:-1])]
        return [p.message for p in exc.problems if p.path == path]
    return []


def _q(value: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(value)


def _cdi(extra: str, name: str = "emp") -> str:
    return f"custom_data_identifiers:\n  - name: {name}\n    regex: 'EMP-[0-9]{{6}}'\n{extra}"


def _level(threshold: int) -> str:
    return _cdi(f"    severity_levels: [{{occurrences_threshold: {threshold}, severity: LOW}}]\n")


def _list(items: list[str]) -> str:
    return "[" + ", ".join(_q(i) for i in items) + "]"


def _words(count: int, length: int, letter: str = "w") -> list[str]:
    return [f"{i:03d}".rjust(length, letter) for i in range(count)]


# (id, config on the limit, config one past it, field path, fragment of the message)
LIMITS: list[tuple[str, str, str, str, str]] = [
    # -- stack -----------------------------------------------------------------------------
    ("stack name min", "stack: {name: abc}\n", "stack: {name: ab}\n", "stack.name", "3-32"),
    ("stack name max", f"stack: {{name: {'a' * 32}}}\n", f"stack: {{name: {'a' * 33}}}\n",
     "stack.name", "3-32 characters long (it is 33)"),
    ("tag count", "stack: {name: demo, tags: {" + ", ".join(f"k{i}: v" for i in range(48)) + "}}\n",
     "stack: {name: demo, tags: {" + ", ".join(f"k{i}: v" for i in range(49)) + "}}\n",
     "stack.tags", "at most 48 tags"),
    ("tag key max", f"stack: {{name: demo, tags: {{{'k' * 128}: v}}}}\n",
     f"stack: {{name: demo, tags: {{{'k' * 129}: v}}}}\n",
     "stack.tags.*", "tag key must be 1-128 characters"),
    ("tag value max", f"stack: {{name: demo, tags: {{k: {'v' * 256}}}}}\n",
     f"stack: {{name: demo, tags: {{k: {'v' * 257}}}}}\n",
     "stack.tags.k", "tag value must be at most 256 characters"),
    # -- bucket ----------------------------------------------------------------------------
    ("bucket name min", STACK + "bucket: {name: abc}\n", STACK + "bucket: {name: ab}\n",
     "bucket.name", "3-63 characters long (this one is 2)"),
    ("bucket name max", STACK + f"bucket: {{name: {'b' * 63}}}\n",
     STACK + f"bucket: {{name: {'b' * 64}}}\n", "bucket.name", "3-63 characters long"),
    # <stack>-data-<12 digits>-ap-southeast-1 is the stack name plus 33 characters.
    ("default bucket name", f"stack: {{name: {'s' * 30}, region: ap-southeast-1}}\n",
     f"stack: {{name: {'s' * 31}, region: ap-southeast-1}}\n",
     "bucket.name", "would be 64 characters (S3 allows 63)"),
    # -- samples ---------------------------------------------------------------------------
    ("prefix bytes", STACK + f"samples: {{prefix: {_q('é' * 512)}}}\n",
     STACK + f"samples: {{prefix: {_q('é' * 512 + 'a')}}}\n",
     "samples.prefix", "at most 1,024 bytes"),
    # -- custom data identifiers -----------------------------------------------------------
    ("cdi name max", STACK + _cdi("", "n" * 128), STACK + _cdi("", "n" * 129),
     "custom_data_identifiers[0].name", "1-128 characters long (it is 129)"),
    ("cdi description max", STACK + _cdi(f"    description: {'d' * 512}\n"),
     STACK + _cdi(f"    description: {'d' * 513}\n"),
     "custom_data_identifiers[0].description", "1-512 characters long (it is 513)"),
    ("cdi regex max", STACK + f"custom_data_identifiers:\n  - {{name: r, regex: {'r' * 512}}}\n",
     STACK + f"custom_data_identifiers:\n  - {{name: r, regex: {'r' * 513}}}\n",
     "custom_data_identifiers[0].regex", "regex is 513 characters; Macie allows 512"),
    ("bounded repeat max", STACK + "custom_data_identifiers:\n  - {name: r, regex: 'x\\d{500}'}\n",
     STACK + "custom_data_identifiers:\n  - {name: r, regex: 'x\\d{501}'}\n",
     "custom_data_identifiers[0].regex", "too large for Macie (limit 500)"),
    ("keyword count", STACK + _cdi(f"    keywords: {_list(_words(50, 3))}\n"),
     STACK + _cdi(f"    keywords: {_list(_words(51, 3))}\n"),
     "custom_data_identifiers[0].keywords", "at most 50 items (51 given)"),
    ("keyword min", STACK + _cdi("    keywords: [abc]\n"), STACK + _cdi("    keywords: [ab]\n"),
     "custom_data_identifiers[0].keywords[0]", "3-90 characters long (it is 2)"),
    ("keyword max", STACK + _cdi(f"    keywords: [{'k' * 90}]\n"),
     STACK + _cdi(f"    keywords: [{'k' * 91}]\n"),
     "custom_data_identifiers[0].keywords[0]", "3-90 characters long (it is 91)"),
    ("ignore word count", STACK + _cdi(f"    ignore_words: {_list(_words(10, 4))}\n"),
     STACK + _cdi(f"    ignore_words: {_list(_words(11, 4))}\n"),
     "custom_data_identifiers[0].ignore_words", "at most 10 items (11 given)"),
    ("ignore word min", STACK + _cdi("    ignore_words: [abcd]\n"),
     STACK + _cdi("    ignore_words: [abc]\n"),
     "custom_data_identifiers[0].ignore_words[0]", "4-90 characters long (it is 3)"),
    ("ignore word max", STACK + _cdi(f"    ignore_words: [{'i' * 90}]\n"),
     STACK + _cdi(f"    ignore_words: [{'i' * 91}]\n"),
     "custom_data_identifiers[0].ignore_words[0]", "4-90 characters long (it is 91)"),
    ("match distance min", STACK + _cdi("    maximum_match_distance: 1\n"),
     STACK + _cdi("    maximum_match_distance: 0\n"),
     "custom_data_identifiers[0].maximum_match_distance", "must be 1-300, got 0"),
    ("match distance max", STACK + _cdi("    maximum_match_distance: 300\n"),
     STACK + _cdi("    maximum_match_distance: 301\n"),
     "custom_data_identifiers[0].maximum_match_distance", "must be 1-300, got 301"),
    ("severity level count",
     STACK + _cdi("    severity_levels: [{occurrences_threshold: 1, severity: LOW}, "
                  "{occurrences_threshold: 5, severity: MEDIUM}, "
                  "{occurrences_threshold: 9, severity: HIGH}]\n"),
     STACK + _cdi("    severity_levels: [{occurrences_threshold: 1, severity: LOW}, "
                  "{occurrences_threshold: 5, severity: MEDIUM}, "
                  "{occurrences_threshold: 9, severity: HIGH}, "
                  "{occurrences_threshold: 20, severity: HIGH}]\n"),
     "custom_data_identifiers[0].severity_levels", "at most 3 levels"),
    ("threshold min", STACK + _level(1), STACK + _level(0),
     "custom_data_identifiers[0].severity_levels[0].occurrences_threshold",
     f"must be 1-{2**63 - 1}, got 0"),
    ("threshold max", STACK + _level(2**63 - 1), STACK + _level(2**63),
     "custom_data_identifiers[0].severity_levels[0].occurrences_threshold", f"got {2**63}"),
    # -- job ---------------------------------------------------------------------------------
    # The job's name is <stack>-<name>: with stack "demo", 495 characters fill Macie's 500.
    ("job name with prefix", STACK + f"job: {{name: {'j' * 495}}}\n",
     STACK + f"job: {{name: {'j' * 496}}}\n", "job.name", "too long once the stack prefix"),
    ("job name max", "job: {name: " + "j" * 500 + "}\n", "job: {name: " + "j" * 501 + "}\n",
     "job.name", "1-500 characters long (it is 501)"),
    ("job custom identifiers",
     STACK + "custom_data_identifiers:\n"
     + "".join(f"  - {{name: c{i}, regex: 'EMP-[0-9]{{6}}'}}\n" for i in range(30)),
     STACK + "custom_data_identifiers:\n"
     + "".join(f"  - {{name: c{i}, regex: 'EMP-[0-9]{{6}}'}}\n" for i in range(31)),
     "job.custom_identifiers", "at most 30 custom identifiers (31 here)"),
    ("sampling min", STACK + "job: {sampling_percentage: 1}\n",
     STACK + "job: {sampling_percentage: 0}\n", "job.sampling_percentage", "must be 1-100, got 0"),
    ("sampling max", STACK + "job: {sampling_percentage: 100}\n",
     STACK + "job: {sampling_percentage: 101}\n", "job.sampling_percentage",
     "must be 1-100, got 101"),
    ("day of month min", STACK + "job: {schedule: {monthly: 1}}\n",
     STACK + "job: {schedule: {monthly: 0}}\n", "job.schedule.monthly", "must be 1-31, got 0"),
    ("day of month max", STACK + "job: {schedule: {monthly: 31}}\n",
     STACK + "job: {schedule: {monthly: 32}}\n", "job.schedule.monthly", "must be 1-31, got 32"),
    ("extension max", STACK + f"job: {{scope: {{exclude_extensions: [{'e' * 64}]}}}}\n",
     STACK + f"job: {{scope: {{exclude_extensions: [{'e' * 65}]}}}}\n",
     "job.scope.exclude_extensions[0]", "must be a file extension"),
    ("scope prefix bytes", STACK + f"job: {{scope: {{include_prefixes: [{'p' * 1024}]}}}}\n",
     STACK + f"job: {{scope: {{include_prefixes: [{'p' * 1025}]}}}}\n",
     "job.scope.include_prefixes[0]", "at most 1,024 bytes"),
    # -- notifications ---------------------------------------------------------------------
    ("memory min", STACK + "notifications: {lambda: {memory_mb: 128}}\n",
     STACK + "notifications: {lambda: {memory_mb: 127}}\n",
     "notifications.lambda.memory_mb", "must be 128-10240, got 127"),
    ("memory max", STACK + "notifications: {lambda: {memory_mb: 10240}}\n",
     STACK + "notifications: {lambda: {memory_mb: 10241}}\n",
     "notifications.lambda.memory_mb", "must be 128-10240, got 10241"),
    ("timeout min", STACK + "notifications: {lambda: {timeout_s: 1}}\n",
     STACK + "notifications: {lambda: {timeout_s: 0}}\n",
     "notifications.lambda.timeout_s", "must be 1-900, got 0"),
    ("timeout max", STACK + "notifications: {lambda: {timeout_s: 900}}\n",
     STACK + "notifications: {lambda: {timeout_s: 901}}\n",
     "notifications.lambda.timeout_s", "must be 1-900, got 901"),
    ("channel name max", STACK + f"notifications: {{slack: {{channel: '#{'c' * 80}'}}}}\n",
     STACK + f"notifications: {{slack: {{channel: '#{'c' * 81}'}}}}\n",
     "notifications.slack.channel", "at most 80"),
    ("channel id min", STACK + "notifications: {slack: {channel: C012345}}\n",
     STACK + "notifications: {slack: {channel: C01234}}\n",
     "notifications.slack.channel", "channel ID such as C0123456789"),
    # -- KMS key -----------------------------------------------------------------------------
    ("kms key id max",
     STACK + "bucket: {encryption: SSE-KMS, kms_key_arn: 'arn:aws:kms:eu-west-1:123456789012:key/"
     + "k" * 128 + "'}\n",
     STACK + "bucket: {encryption: SSE-KMS, kms_key_arn: 'arn:aws:kms:eu-west-1:123456789012:key/"
     + "k" * 129 + "'}\n",
     "bucket.kms_key_arn", "must be a KMS key or alias ARN"),
    ("kms alias max",
     STACK + "bucket: {encryption: SSE-KMS, kms_key_arn: 'arn:aws:kms:eu-west-1:123456789012:alias/"
     + "a" * 250 + "'}\n",
     STACK + "bucket: {encryption: SSE-KMS, kms_key_arn: 'arn:aws:kms:eu-west-1:123456789012:alias/"
     + "a" * 251 + "'}\n",
     "bucket.kms_key_arn", "must be a KMS key or alias ARN"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("on_limit", "past_limit", "path", "fragment"),
    [row[1:] for row in LIMITS],
    ids=[row[0] for row in LIMITS],
)
def test_limit_accepts_its_value_and_refuses_one_more(
    on_limit: str, past_limit: str, path: str, fragment: str
) -> None:
    assert _at(on_limit, path) == []
    refused = _at(past_limit, path)
    assert any(fragment in message for message in refused), refused


@pytest.mark.parametrize(("depth", "refused"), [(50, False), (51, True)])
def test_nesting_depth_limit(depth: int, refused: bool) -> None:
    # The root mapping is level 1 and "stack" level 2: the tags value adds the rest.
    lists = depth - 2
    text = "stack:\n  name: demo\n  tags: " + "[" * lists + "]" * lists + "\n"
    with pytest.raises(ConfigError) as info:
        loads(text)
    messages = [p.message for p in info.value.problems]
    assert ("nested more than 50 levels deep" in messages) is refused
