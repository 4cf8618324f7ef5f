"""`macie-notify validate` over broken configs: exit 2, field path and line, no traceback.

One row per rule. Each YAML text starts with a valid ``stack`` (lines 1-2) unless the rule
is about the stack, so the expected line numbers are easy to read off the text.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from macie_notify.cli.main import run

STACK = "stack:\n  name: macie-demo\n"

# (id, yaml, expected path, expected line, fragment of the message)
CASES: list[tuple[str, str, str, int | None, str]] = [
    # -- document ---------------------------------------------------------------------
    ("yaml-syntax", STACK + "job: {name: [unclosed\n", "", 4, "expected ',' or ']'"),
    ("yaml-tab", STACK + "job:\n\tname: x\n", "", 4, "not tabs"),
    ("control-character", STACK + "job: {name: \x1f}\n", "", 3, "#x001f"),
    (
        "cdi-empty-item",
        STACK + "custom_data_identifiers:\n  -\n",
        "custom_data_identifiers[0]",
        4,
        "expected a mapping",
    ),
    ("empty-file", "", "", 1, "expected a mapping"),
    ("comments-only", "# nothing here\n", "", 1, "expected a mapping"),
    ("not-a-mapping", "- stack\n- job\n", "", 1, "must be a mapping"),
    ("scalar-document", "hello\n", "", 1, "must be a mapping"),
    (
        "misspelt-section",
        STACK + "notification:\n  min_severity: High\n",
        "notification",
        3,
        "did you mean 'notifications'",
    ),
    (
        "misspelt-key",
        STACK + "job:\n  shedule: daily\n",
        "job.shedule",
        4,
        "did you mean 'schedule'",
    ),
    ("duplicate-key", STACK + "job:\n  name: a\n  name: b\n", "job.name", 5, "duplicate key"),
    ("section-not-mapping", STACK + "bucket: [a]\n", "bucket", 3, "expected a mapping"),
    ("unknown-tag", STACK + "job:\n  name: !vault secret\n", "job.name", 4, "cannot read"),
    (
        "deep-nesting",
        STACK + "job: " + "[" * 5000 + "]" * 5000 + "\n",
        "",
        3,
        "more than 50 levels",
    ),
    ("merge-scalar", STACK + "job:\n  <<: 5\n", "job", 4, "merge key (<<): expected a mapping"),
    (
        "nested-repeats",
        STACK + "custom_data_identifiers:\n  - {name: w, regex: '(?:\\w+\\s?)+X'}\n",
        "custom_data_identifiers[0].regex",
        4,
        "nested repeats over the same characters",
    ),
    # -- stack ------------------------------------------------------------------------
    ("stack-missing", "job:\n  name: x\n", "stack.name", None, "required"),
    ("stack-null", "stack:\njob: {}\n", "stack.name", 1, "required"),
    ("stack-not-mapping", "stack: [macie-demo]\n", "stack", 1, "expected a mapping"),
    ("stack-name-missing", "stack:\n  region: eu-west-1\n", "stack.name", 2, "required"),
    ("stack-name-short", "stack:\n  name: ab\n", "stack.name", 2, "3-32 characters"),
    ("stack-name-long", "stack:\n  name: " + "a" * 33 + "\n", "stack.name", 2, "3-32"),
    ("stack-name-chars", "stack:\n  name: Macie_Demo\n", "stack.name", 2, "lowercase"),
    ("stack-name-hyphen", "stack:\n  name: -demo\n", "stack.name", 2, "starting and ending"),
    ("stack-name-number", "stack:\n  name: 12345\n", "stack.name", 2, "expected a string"),
    ("region", STACK + "  region: europe\n", "stack.region", 3, "AWS Region"),
    (
        "tag-aws-prefix",
        STACK + "  tags: {'aws:team': x}\n",
        "stack.tags.aws:team",
        3,
        "reserved by AWS",
    ),
    ("tag-reserved", STACK + "  tags: {managed-by: me}\n", "stack.tags.managed-by", 3, "reserved"),
    (
        "tag-reserved-stack",
        STACK + "  tags: {'macie-notify:stack': x}\n",
        "stack.tags.macie-notify:stack",
        3,
        "reserved",
    ),
    (
        "tag-key-long",
        STACK + "  tags: {" + "k" * 129 + ": v}\n",
        "stack.tags." + "k" * 129,
        3,
        "1-128",
    ),
    (
        "tag-value-long",
        STACK + "  tags: {k: " + "v" * 257 + "}\n",
        "stack.tags.k",
        3,
        "at most 256",
    ),
    ("tag-chars", STACK + "  tags: {'team!': x}\n", "stack.tags.team!", 3, "only letters"),
    ("tag-value-type", STACK + "  tags: {cost: 12}\n", "stack.tags.cost", 3, "expected a string"),
    (
        "tags-too-many",
        STACK + "  tags: {" + ", ".join(f"t{i}: v" for i in range(49)) + "}\n",
        "stack.tags",
        3,
        "at most 48",
    ),
    # -- macie ------------------------------------------------------------------------
    (
        "publishing-frequency",
        STACK + "macie: {finding_publishing_frequency: HOURLY}\n",
        "macie.finding_publishing_frequency",
        3,
        "FIFTEEN_MINUTES",
    ),
    (
        "security-hub-bool",
        STACK + "macie: {publish_to_security_hub: 'yes'}\n",
        "macie.publish_to_security_hub",
        3,
        "expected a boolean",
    ),
    # -- bucket -----------------------------------------------------------------------
    ("bucket-short", STACK + "bucket: {name: ab}\n", "bucket.name", 3, "3-63"),
    ("bucket-upper", STACK + "bucket: {name: My-Bucket}\n", "bucket.name", 3, "lowercase"),
    ("bucket-dots", STACK + "bucket: {name: my..bucket}\n", "bucket.name", 3, "two adjacent dots"),
    ("bucket-ip", STACK + "bucket: {name: 192.168.5.4}\n", "bucket.name", 3, "IP address"),
    ("bucket-xn", STACK + "bucket: {name: xn--bucket}\n", "bucket.name", 3, "'xn--'"),
    ("bucket-sthree", STACK + "bucket: {name: sthree-bucket}\n", "bucket.name", 3, "'sthree-'"),
    ("bucket-s3alias", STACK + "bucket: {name: data-s3alias}\n", "bucket.name", 3, "'-s3alias'"),
    ("bucket-ol", STACK + "bucket: {name: data--ol-s3}\n", "bucket.name", 3, "'--ol-s3'"),
    ("bucket-end-hyphen", STACK + "bucket: {name: data-}\n", "bucket.name", 3, "end with a letter"),
    (
        "bucket-default-too-long",
        "stack:\n  name: " + "a" * 32 + "\n  region: ap-southeast-2\n",
        "bucket.name",
        None,
        "would be 65 characters",
    ),
    (
        "adopt-without-name",
        STACK + "bucket:\n  create: false\n",
        "bucket.name",
        4,
        "required when create",
    ),
    (
        "encryption",
        STACK + "bucket: {encryption: AES256}\n",
        "bucket.encryption",
        3,
        "SSE-S3, SSE-KMS",
    ),
    (
        "kms-missing",
        STACK + "bucket:\n  encryption: SSE-KMS\n",
        "bucket.kms_key_arn",
        4,
        "required",
    ),
    (
        "kms-with-sse-s3",
        STACK + "bucket:\n  kms_key_arn: arn:aws:kms:eu-west-1:123456789012:key/abc\n",
        "bucket.kms_key_arn",
        4,
        "only valid with encryption: SSE-KMS",
    ),
    (
        "kms-not-arn",
        STACK + "bucket:\n  encryption: SSE-KMS\n  kms_key_arn: my-key\n",
        "bucket.kms_key_arn",
        5,
        "KMS key or alias ARN",
    ),
    (
        "kms-wrong-service",
        STACK + "bucket:\n  encryption: SSE-KMS\n"
        "  kms_key_arn: arn:aws:s3:eu-west-1:123456789012:key/abc\n",
        "bucket.kms_key_arn",
        5,
        "KMS",
    ),
    (
        "versioning-bool",
        STACK + "bucket: {versioning: 'true'}\n",
        "bucket.versioning",
        3,
        "boolean",
    ),
    (
        "bpa-bool",
        STACK + "bucket: {block_public_access: 1}\n",
        "bucket.block_public_access",
        3,
        "boolean",
    ),
    ("tls-bool", STACK + "bucket: {enforce_tls: null_}\n", "bucket.enforce_tls", 3, "boolean"),
    ("destroy-bool", STACK + "bucket: {force_destroy: 0}\n", "bucket.force_destroy", 3, "boolean"),
    ("create-bool", STACK + "bucket: {create: nope}\n", "bucket.create", 3, "boolean"),
    # -- samples ----------------------------------------------------------------------
    ("prefix-slash", STACK + "samples: {prefix: /samples/}\n", "samples.prefix", 3, "'/'"),
    ("source-empty", STACK + "samples: {source: ''}\n", "samples.source", 3, "must not be empty"),
    # -- custom data identifiers ------------------------------------------------------
    (
        "cdi-not-list",
        STACK + "custom_data_identifiers: {name: x}\n",
        "custom_data_identifiers",
        3,
        "expected a list",
    ),
    (
        "cdi-name-missing",
        STACK + "custom_data_identifiers:\n  - regex: 'EMP-[0-9]{6}'\n",
        "custom_data_identifiers[0].name",
        4,
        "required",
    ),
    (
        "cdi-regex-missing",
        STACK + "custom_data_identifiers:\n  - name: emp\n",
        "custom_data_identifiers[0].regex",
        4,
        "required",
    ),
    (
        "cdi-name-long",
        STACK + f"custom_data_identifiers:\n  - name: {'n' * 129}\n    regex: x\n",
        "custom_data_identifiers[0].name",
        4,
        "1-128",
    ),
    (
        "cdi-name-duplicate",
        STACK + "custom_data_identifiers:\n  - {name: a, regex: x}\n  - {name: a, regex: y}\n",
        "custom_data_identifiers[1].name",
        5,
        "duplicate name",
    ),
    (
        "cdi-description-long",
        STACK + "custom_data_identifiers:\n  - name: a\n    regex: x\n"
        f"    description: {'d' * 513}\n",
        "custom_data_identifiers[0].description",
        6,
        "1-512",
    ),
    (
        "cdi-regex-long",
        STACK + f"custom_data_identifiers:\n  - name: a\n    regex: {'x' * 513}\n",
        "custom_data_identifiers[0].regex",
        5,
        "Macie allows 512",
    ),
    (
        "cdi-regex-capture",
        STACK + "custom_data_identifiers:\n  - name: a\n    regex: '(EMP)-\\d+'\n",
        "custom_data_identifiers[0].regex",
        5,
        "capturing groups",
    ),
    (
        "cdi-regex-backref",
        STACK + "custom_data_identifiers:\n  - name: a\n    regex: 'a(?:b)\\1'\n",
        "custom_data_identifiers[0].regex",
        5,
        "backreferences",
    ),
    (
        "cdi-regex-lookahead",
        STACK + "custom_data_identifiers:\n  - name: a\n    regex: 'EMP(?=-)'\n",
        "custom_data_identifiers[0].regex",
        5,
        "look-ahead",
    ),
    (
        "cdi-regex-lookbehind",
        STACK + "custom_data_identifiers:\n  - name: a\n    regex: '(?<=x)EMP'\n",
        "custom_data_identifiers[0].regex",
        5,
        "look-behind",
    ),
    (
        "cdi-regex-syntax",
        STACK + "custom_data_identifiers:\n  - name: a\n    regex: 'EMP[0-9'\n",
        "custom_data_identifiers[0].regex",
        5,
        "does not compile",
    ),
    (
        "cdi-regex-repeat",
        STACK + "custom_data_identifiers:\n  - name: a\n    regex: '\\d{100,1000}'\n",
        "custom_data_identifiers[0].regex",
        5,
        "too large",
    ),
    (
        "cdi-regex-empty-match",
        STACK + "custom_data_identifiers:\n  - name: a\n    regex: 'a*b*a*'\n",
        "custom_data_identifiers[0].regex",
        5,
        "match empty text",
    ),
    (
        "cdi-keywords-count",
        STACK + "custom_data_identifiers:\n  - name: a\n    regex: x\n"
        "    keywords: [" + ", ".join(f"kw{i:02d}" for i in range(51)) + "]\n",
        "custom_data_identifiers[0].keywords",
        6,
        "at most 50",
    ),
    (
        "cdi-keyword-short",
        STACK + "custom_data_identifiers:\n  - name: a\n    regex: x\n"
        "    keywords: [employee, id]\n",
        "custom_data_identifiers[0].keywords[1]",
        6,
        "3-90",
    ),
    (
        "cdi-keyword-long",
        STACK + "custom_data_identifiers:\n  - name: a\n    regex: x\n"
        f"    keywords: [{'k' * 91}]\n",
        "custom_data_identifiers[0].keywords[0]",
        6,
        "3-90",
    ),
    (
        "cdi-ignore-count",
        STACK + "custom_data_identifiers:\n  - name: a\n    regex: x\n"
        "    ignore_words: [" + ", ".join(f"word{i}" for i in range(11)) + "]\n",
        "custom_data_identifiers[0].ignore_words",
        6,
        "at most 10",
    ),
    (
        "cdi-ignore-short",
        STACK + "custom_data_identifiers:\n  - name: a\n    regex: x\n    ignore_words: [abc]\n",
        "custom_data_identifiers[0].ignore_words[0]",
        6,
        "4-90",
    ),
    (
        "cdi-distance-low",
        STACK + "custom_data_identifiers:\n  - name: a\n    regex: x\n"
        "    maximum_match_distance: 0\n",
        "custom_data_identifiers[0].maximum_match_distance",
        6,
        "1-300",
    ),
    (
        "cdi-distance-high",
        STACK + "custom_data_identifiers:\n  - name: a\n    regex: x\n"
        "    maximum_match_distance: 301\n",
        "custom_data_identifiers[0].maximum_match_distance",
        6,
        "1-300",
    ),
    (
        "cdi-distance-float",
        STACK + "custom_data_identifiers:\n  - name: a\n    regex: x\n"
        "    maximum_match_distance: 5.5\n",
        "custom_data_identifiers[0].maximum_match_distance",
        6,
        "whole number",
    ),
    (
        "levels-too-many",
        STACK + "custom_data_identifiers:\n  - name: a\n    regex: x\n"
        "    severity_levels:\n      - {occurrences_threshold: 1, severity: LOW}\n"
        "      - {occurrences_threshold: 2, severity: MEDIUM}\n"
        "      - {occurrences_threshold: 3, severity: HIGH}\n"
        "      - {occurrences_threshold: 4, severity: HIGH}\n",
        "custom_data_identifiers[0].severity_levels",
        7,
        "at most 3",
    ),
    (
        "levels-severity",
        STACK + "custom_data_identifiers:\n  - name: a\n    regex: x\n"
        "    severity_levels:\n      - {occurrences_threshold: 1, severity: CRITICAL}\n",
        "custom_data_identifiers[0].severity_levels[0].severity",
        7,
        "LOW, MEDIUM, HIGH",
    ),
    (
        "levels-severity-twice",
        STACK + "custom_data_identifiers:\n  - name: a\n    regex: x\n"
        "    severity_levels:\n      - {occurrences_threshold: 1, severity: LOW}\n"
        "      - {occurrences_threshold: 5, severity: low}\n",
        "custom_data_identifiers[0].severity_levels[1]",
        8,
        "listed twice",
    ),
    (
        "levels-threshold-twice",
        STACK + "custom_data_identifiers:\n  - name: a\n    regex: x\n"
        "    severity_levels:\n      - {occurrences_threshold: 5, severity: LOW}\n"
        "      - {occurrences_threshold: 5, severity: HIGH}\n",
        "custom_data_identifiers[0].severity_levels[1]",
        8,
        "threshold 5 is listed twice",
    ),
    (
        "levels-descending",
        STACK + "custom_data_identifiers:\n  - name: a\n    regex: x\n"
        "    severity_levels:\n      - {occurrences_threshold: 50, severity: LOW}\n"
        "      - {occurrences_threshold: 10, severity: MEDIUM}\n",
        "custom_data_identifiers[0].severity_levels[1]",
        8,
        "must be above the LOW threshold",
    ),
    (
        "levels-threshold-zero",
        STACK + "custom_data_identifiers:\n  - name: a\n    regex: x\n"
        "    severity_levels:\n      - {occurrences_threshold: 0, severity: LOW}\n",
        "custom_data_identifiers[0].severity_levels[0].occurrences_threshold",
        7,
        "must be 1-",
    ),
    (
        "levels-missing-key",
        STACK + "custom_data_identifiers:\n  - name: a\n    regex: x\n"
        "    severity_levels:\n      - {severity: LOW}\n",
        "custom_data_identifiers[0].severity_levels[0].occurrences_threshold",
        7,
        "required",
    ),
    # -- job --------------------------------------------------------------------------
    ("job-name-long", STACK + f"job: {{name: {'j' * 501}}}\n", "job.name", 3, "1-500"),
    ("schedule-word", STACK + "job: {schedule: hourly}\n", "job.schedule", 3, "once, daily"),
    (
        "schedule-weekly-no-day",
        STACK + "job: {schedule: weekly}\n",
        "job.schedule",
        3,
        "needs a day",
    ),
    (
        "schedule-weekday",
        STACK + "job:\n  schedule: {weekly: FUNDAY}\n",
        "job.schedule.weekly",
        4,
        "MONDAY",
    ),
    (
        "schedule-monthly-range",
        STACK + "job:\n  schedule: {monthly: 32}\n",
        "job.schedule.monthly",
        4,
        "1-31",
    ),
    (
        "schedule-two-forms",
        STACK + "job:\n  schedule: {weekly: MONDAY, monthly: 1}\n",
        "job.schedule",
        4,
        "exactly one",
    ),
    (
        "schedule-unknown-form",
        STACK + "job:\n  schedule: {weakly: MONDAY}\n",
        "job.schedule.weakly",
        4,
        "did you mean 'weekly'",
    ),
    (
        "managed-word",
        STACK + "job: {managed_identifiers: SOME}\n",
        "job.managed_identifiers",
        3,
        "ALL, RECOMMENDED, NONE",
    ),
    (
        "managed-unknown-id",
        STACK + "job:\n  managed_identifiers:\n    include: [USA_SOCIAL_SECURITY_NUMBR]\n",
        "job.managed_identifiers.include[0]",
        5,
        "did you mean 'USA_SOCIAL_SECURITY_NUMBER'",
    ),
    (
        "managed-empty-include",
        STACK + "job:\n  managed_identifiers: {include: []}\n",
        "job.managed_identifiers.include",
        4,
        "at least one",
    ),
    (
        "managed-none-without-custom",
        STACK + "job:\n  managed_identifiers: NONE\n",
        "job.managed_identifiers",
        4,
        "NONE needs at least one custom identifier",
    ),
    (
        "custom-unknown-name",
        STACK + "custom_data_identifiers:\n  - {name: employee-id, regex: x}\n"
        "job:\n  custom_identifiers: [employee]\n",
        "job.custom_identifiers[0]",
        6,
        "did you mean 'employee-id'",
    ),
    (
        "custom-word",
        STACK + "job: {custom_identifiers: some}\n",
        "job.custom_identifiers",
        3,
        "all",
    ),
    (
        "custom-too-many",
        STACK
        + "custom_data_identifiers:\n"
        + "".join(f"  - {{name: c{i}, regex: x}}\n" for i in range(31))
        + "job: {}\n",
        "job.custom_identifiers",
        35,
        "at most 30",
    ),
    (
        "sampling-zero",
        STACK + "job: {sampling_percentage: 0}\n",
        "job.sampling_percentage",
        3,
        "1-100",
    ),
    (
        "sampling-over",
        STACK + "job: {sampling_percentage: 101}\n",
        "job.sampling_percentage",
        3,
        "1-100",
    ),
    ("initial-run-bool", STACK + "job: {initial_run: 'no'}\n", "job.initial_run", 3, "boolean"),
    (
        "scope-prefix",
        STACK + "job:\n  scope: {include_prefixes: [/data]}\n",
        "job.scope.include_prefixes[0]",
        4,
        "'/'",
    ),
    (
        "scope-extension",
        STACK + "job:\n  scope: {exclude_extensions: ['a/b']}\n",
        "job.scope.exclude_extensions[0]",
        4,
        "file extension",
    ),
    (
        "scope-not-list",
        STACK + "job:\n  scope: {exclude_extensions: pdf}\n",
        "job.scope.exclude_extensions",
        4,
        "expected a list",
    ),
    # -- notifications ----------------------------------------------------------------
    (
        "channel",
        STACK + "notifications:\n  slack: {channel: general}\n",
        "notifications.slack.channel",
        4,
        "'#name'",
    ),
    (
        "channel-null",
        STACK + "notifications:\n  slack: {channel: null}\n",
        "notifications.slack.channel",
        4,
        "required with token_env",
    ),
    (
        "token-env-value",
        STACK + "notifications:\n  slack: {token_env: xoxb-1234-abcd}\n",
        "notifications.slack.token_env",
        4,
        "variable's name, not its value",
    ),
    (
        "webhook-env-value",
        STACK + "notifications:\n  slack:\n    token_env: null\n"
        "    webhook_url_env: 'https://hooks.slack.com/x'\n",
        "notifications.slack.webhook_url_env",
        6,
        "environment variable name",
    ),
    (
        "token-and-webhook",
        STACK + "notifications:\n  slack:\n    token_env: SLACK_BOT_TOKEN\n"
        "    webhook_url_env: SLACK_WEBHOOK_URL\n",
        "notifications.slack.webhook_url_env",
        6,
        "not both",
    ),
    (
        "no-token-no-webhook",
        STACK + "notifications:\n  slack:\n    token_env: null\n",
        "notifications.slack.token_env",
        5,
        "required",
    ),
    (
        "token-store",
        STACK + "notifications:\n  slack: {token_store: vault}\n",
        "notifications.slack.token_store",
        4,
        "secretsmanager, env",
    ),
    (
        "min-severity",
        STACK + "notifications: {min_severity: Critical}\n",
        "notifications.min_severity",
        3,
        "Low, Medium, High",
    ),
    (
        "sample-findings-bool",
        STACK + "notifications: {include_sample_findings: 'false'}\n",
        "notifications.include_sample_findings",
        3,
        "boolean",
    ),
    (
        "finding-type",
        STACK + "notifications:\n  finding_types: {include: [Policy]}\n",
        "notifications.finding_types.include[0]",
        4,
        "did you mean 'Policy:'",
    ),
    (
        "finding-type-unknown",
        STACK
        + "notifications:\n  finding_types:\n    exclude: ['SensitiveData:S3Object/Secrets']\n",
        "notifications.finding_types.exclude[0]",
        5,
        "not a Macie finding type",
    ),
    (
        "finding-type-both",
        STACK + "notifications:\n  finding_types:\n    include: ['Policy:']\n"
        "    exclude: ['Policy:']\n",
        "notifications.finding_types.exclude[0]",
        6,
        "also under include",
    ),
    (
        "runtime",
        STACK + "notifications:\n  lambda: {runtime: python3.9}\n",
        "notifications.lambda.runtime",
        4,
        "python3.12",
    ),
    (
        "memory-low",
        STACK + "notifications:\n  lambda: {memory_mb: 64}\n",
        "notifications.lambda.memory_mb",
        4,
        "128-10240",
    ),
    (
        "memory-high",
        STACK + "notifications:\n  lambda: {memory_mb: 10241}\n",
        "notifications.lambda.memory_mb",
        4,
        "128-10240",
    ),
    (
        "timeout",
        STACK + "notifications:\n  lambda: {timeout_s: 901}\n",
        "notifications.lambda.timeout_s",
        4,
        "1-900",
    ),
    (
        "retention",
        STACK + "notifications:\n  lambda: {log_retention_days: 31}\n",
        "notifications.lambda.log_retention_days",
        4,
        "nearest allowed: 30",
    ),
    (
        "dlq-bool",
        STACK + "notifications: {dead_letter_queue: 'true'}\n",
        "notifications.dead_letter_queue",
        3,
        "boolean",
    ),
]


def _validate(tmp_path: Path, text: str, *args: str) -> list[str]:
    path = tmp_path / "macie-notify.yaml"
    path.write_text(text, encoding="utf-8")
    return ["validate", "-c", str(path), *args]


@pytest.mark.parametrize(
    ("text", "path", "line", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_rule_exits_2_with_path_and_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    text: str,
    path: str,
    line: int | None,
    fragment: str,
) -> None:
    code = run(_validate(tmp_path, text))
    out, err = capsys.readouterr()
    where = (path or "(document)") + (f" (line {line})" if line is not None else "")
    matching = [row for row in err.splitlines() if row.strip().startswith(f"{where}:")]
    assert code == 2, err
    assert out == ""
    assert matching, f"no line starting with {where!r} in:\n{err}"
    assert any(fragment in row for row in matching), err
    assert "Traceback" not in err


def test_every_problem_is_listed_in_one_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        "stack:\n  name: X\n"
        "job:\n  sampling_percentage: 0\n"
        "notifications:\n  lambda: {timeout_s: 0}\n"
    )
    code = run(_validate(tmp_path, text))
    err = capsys.readouterr().err
    assert code == 2
    assert err.splitlines()[0].endswith("is not valid (4 problems):")
    paths = [row.split(" (line")[0].strip() for row in err.splitlines()[1:5]]
    assert paths == [
        "stack.name",
        "stack.name",
        "job.sampling_percentage",
        "notifications.lambda.timeout_s",
    ]
    assert err.splitlines()[-1].startswith("Hint: ")


def test_example_config_validates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = Path(__file__).resolve().parents[3]
    code = run(["validate", "-c", str(root / "config.example.yaml")])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out == ""
    assert err.splitlines()[-1] == (
        f"{root / 'config.example.yaml'} is valid: stack macie-demo, 1 custom identifier, "
        "job daily-scan (daily)"
    )


def test_missing_file_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run(["validate", "-c", str(tmp_path / "nope.yaml"), "-o", "json"])
    out = capsys.readouterr().out
    assert code == 2
    assert json.loads(out) == {
        "valid": False,
        "source": str(tmp_path / "nope.yaml"),
        "error": f"config file {tmp_path / 'nope.yaml'} not found",
        "problems": [],
    }


def test_missing_file_hints_at_init(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run(["validate", "-c", str(tmp_path / "nope.yaml")])
    err = capsys.readouterr().err
    assert code == 2
    assert err == (
        f"Error: config file {tmp_path / 'nope.yaml'} not found\n"
        "Hint: run `macie-notify init` to write a starter config, or pass -c PATH\n"
    )


def test_default_path_is_macie_notify_yaml(
    no_local_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (no_local_config / "macie-notify.yaml").write_text(STACK, encoding="utf-8")
    code = run(["validate"])
    err = capsys.readouterr().err
    assert code == 0
    assert "macie-notify.yaml is valid: stack macie-demo, 0 custom identifiers" in err


def test_warnings_go_to_stderr_and_do_not_fail(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        STACK + "samples: {source: missing-folder}\nnotifications:\n  slack: {token_store: env}\n"
    )
    code = run(_validate(tmp_path, text))
    out, err = capsys.readouterr()
    assert code == 0
    assert out == ""
    assert (
        "Warning: samples.source (line 3): folder 'missing-folder' does not exist "
        "(upload-samples needs it)" in err
    )
    assert "Warning: notifications.slack.token_store (line 5): the Slack secret" in err


def test_json_output_on_success(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "sample_data").mkdir()
    code = run(_validate(tmp_path, STACK, "-o", "json"))
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert code == 0
    assert data["valid"] is True
    assert data["warnings"] == []
    assert data["summary"] == "stack macie-demo, 0 custom identifiers, job daily-scan (daily)"
    assert data["config"]["notifications"]["lambda"] == {
        "runtime": "python3.12",
        "memory_mb": 128,
        "timeout_s": 30,
        "log_retention_days": 30,
    }
    assert "is valid" in err


def test_json_output_on_failure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run(_validate(tmp_path, STACK + "job: {sampling_percentage: 0}\n", "-o", "json"))
    out, err = capsys.readouterr()
    assert code == 2
    assert json.loads(out) == {
        "valid": False,
        "source": str(tmp_path / "macie-notify.yaml"),
        "error": f"{tmp_path / 'macie-notify.yaml'} is not valid (1 problem):",
        "problems": [
            {"path": "job.sampling_percentage", "line": 3, "message": "must be 1-100, got 0"}
        ],
    }
    assert "job.sampling_percentage (line 3): must be 1-100, got 0" in err


def test_yaml_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import yaml

    code = run(_validate(tmp_path, STACK + "samples: {source: elsewhere}\n", "-o", "yaml", "-q"))
    out, err = capsys.readouterr()
    assert code == 0
    doc = yaml.safe_load(out)
    assert doc["config"]["stack"] == {
        "name": "macie-demo",
        "region": None,
        "tags": {},
    }
    assert [w["path"] for w in doc["warnings"]] == ["samples.source"]  # the data keeps it
    assert err == ""  # -q: only errors and data, so neither the warning nor the summary


def test_validate_imports_neither_boto3_nor_rich_nor_moto(tmp_path: Path) -> None:
    path = tmp_path / "macie-notify.yaml"
    path.write_text(STACK, encoding="utf-8")
    code = (
        "import sys\n"
        "from macie_notify.cli.main import run\n"
        f"rc = run(['validate', '-c', {str(path)!r}, '-q'])\n"
        "bad = sorted(m for m in ('boto3', 'botocore', 'rich', 'moto') if m in sys.modules)\n"
        "print(rc, bad)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.stdout.strip() == "0 []", done.stderr
