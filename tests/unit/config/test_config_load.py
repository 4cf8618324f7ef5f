"""config.loads / config.load: defaults, normalisation, warnings, YAML edge cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from macie_notify.config import (
    Config,
    ConfigError,
    CustomIdentifier,
    JobScope,
    ManagedIdentifiers,
    Schedule,
    SeverityLevel,
    SlackConfig,
    load,
    loads,
)
from macie_notify.config.example import example_text
from macie_notify.config.export import config_to_dict
from macie_notify.config.model import (
    BucketConfig,
    JobConfig,
    MacieConfig,
    NotificationsConfig,
    SamplesConfig,
)

MINIMAL = "stack: {name: macie-demo}\n"


def _problems(text: str) -> list[tuple[str, int | None, str]]:
    with pytest.raises(ConfigError) as info:
        loads(text)
    return [(p.path, p.line, p.message) for p in info.value.problems]


def test_minimal_config_gets_every_default() -> None:
    config = loads(MINIMAL)
    assert config.stack.name == "macie-demo"
    assert config.stack.region is None
    assert dict(config.stack.tags) == {}
    assert config.macie == MacieConfig()
    assert config.bucket == BucketConfig()
    assert config.samples == SamplesConfig()
    assert config.custom_data_identifiers == ()
    assert config.job == JobConfig()
    assert config.notifications == NotificationsConfig()


def test_documented_defaults() -> None:
    config = loads(MINIMAL)
    assert config.macie.finding_publishing_frequency == "FIFTEEN_MINUTES"
    assert config.bucket.encryption == "SSE-S3"
    assert (config.bucket.versioning, config.bucket.enforce_tls) == (True, True)
    assert config.samples.prefix == "samples/"
    assert config.job.schedule == Schedule("daily")
    assert config.job.managed_identifiers == ManagedIdentifiers("ALL")
    assert config.job.custom_identifiers == "all"
    assert config.notifications.slack == SlackConfig(
        "#aws-macie-events", "SLACK_BOT_TOKEN", "secretsmanager", None
    )
    assert config.notifications.lambda_.runtime == "python3.12"
    assert config.notifications.dead_letter_queue is True


def test_example_is_the_defaults_plus_its_illustrations() -> None:
    example = config_to_dict(loads(example_text()))
    defaults = config_to_dict(loads(MINIMAL))
    example["stack"].update(region=None, tags={})
    example["custom_data_identifiers"] = []
    assert example == defaults


def test_example_identifier() -> None:
    (cdi,) = loads(example_text()).custom_data_identifiers
    assert cdi == CustomIdentifier(
        name="employee-id",
        regex="EMP-[0-9]{6}",
        description="Internal employee numbers",
        keywords=("employee", "emp id"),
        ignore_words=("EMP-000000",),
        maximum_match_distance=50,
        severity_levels=(
            SeverityLevel(1, "LOW"),
            SeverityLevel(20, "MEDIUM"),
            SeverityLevel(100, "HIGH"),
        ),
    )


def test_values_are_normalised() -> None:
    config = loads(
        MINIMAL
        + "macie: {finding_publishing_frequency: one_hour}\n"
        + "bucket:\n  encryption: sse-kms\n"
        + "  kms_key_arn: 'arn:aws:kms:eu-west-1:123456789012:alias/k'\n"
        + "custom_data_identifiers:\n"
        + "  - name: a\n    regex: x\n    severity_levels:\n"
        + "      - {occurrences_threshold: 9, severity: high}\n"
        + "      - {occurrences_threshold: 1, severity: low}\n"
        + "job:\n  schedule: {weekly: friday}\n  managed_identifiers: recommended\n"
        + "  scope: {exclude_extensions: [.pdf, zip]}\n"
        + "notifications: {min_severity: MEDIUM, lambda: {runtime: Python3.13}}\n"
    )
    assert config.macie.finding_publishing_frequency == "ONE_HOUR"
    assert config.bucket.encryption == "SSE-KMS"
    assert config.custom_data_identifiers[0].severity_levels == (
        SeverityLevel(1, "LOW"),
        SeverityLevel(9, "HIGH"),
    )
    assert config.job.schedule == Schedule("weekly", "FRIDAY")
    assert config.job.schedule.describe() == "weekly on Friday"
    assert config.job.managed_identifiers.selector == "RECOMMENDED"
    assert config.job.scope == JobScope((), ("pdf", "zip"))
    assert config.notifications.min_severity == "Medium"
    assert config.notifications.lambda_.runtime == "python3.13"


def test_job_forms() -> None:
    config = loads(
        MINIMAL
        + "custom_data_identifiers: [{name: a, regex: x}, {name: b, regex: y}]\n"
        + "job:\n  schedule: {monthly: 28}\n"
        + "  managed_identifiers: {exclude: [NAME, ADDRESS]}\n  custom_identifiers: [b]\n"
    )
    assert config.job.schedule == Schedule("monthly", 28)
    assert config.job.managed_identifiers == ManagedIdentifiers("EXCLUDE", ("NAME", "ADDRESS"))
    assert config.job.custom_identifiers == ("b",)
    assert [c.name for c in config.job_custom_identifiers()] == ["b"]


def test_none_with_custom_identifiers_is_fine() -> None:
    config = loads(
        MINIMAL
        + "custom_data_identifiers: [{name: a, regex: x}]\njob: {managed_identifiers: NONE}\n"
    )
    assert config.job.managed_identifiers.to_api() == {"managedDataIdentifierSelector": "NONE"}


def test_webhook_mode() -> None:
    config = loads(MINIMAL + "notifications:\n  slack: {token_env: null, webhook_url_env: HOOK}\n")
    slack = config.notifications.slack
    assert (slack.mode, slack.secret_env, slack.channel, slack.token_env) == (
        "webhook",
        "HOOK",
        None,
        None,
    )
    assert config.warnings == ()


def test_webhook_mode_without_token_env_key() -> None:
    config = loads(MINIMAL + "notifications:\n  slack: {webhook_url_env: HOOK}\n")
    assert config.notifications.slack.mode == "webhook"


def test_channel_with_webhook_is_a_warning() -> None:
    config = loads(MINIMAL + "notifications:\n  slack: {webhook_url_env: HOOK, channel: '#x'}\n")
    assert [(w.path, w.line) for w in config.warnings] == [("notifications.slack.channel", 3)]


def test_warnings(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        MINIMAL
        + "samples: {source: nowhere}\n"
        + "bucket: {create: false, name: existing-bucket, force_destroy: true}\n"
        + "job: {schedule: once, initial_run: false}\n"
        + "notifications:\n  slack: {token_store: env}\n",
        encoding="utf-8",
    )
    config = load(str(path))
    assert [(w.path, w.line) for w in config.warnings] == [
        ("bucket.force_destroy", 3),
        ("samples.source", 2),
        ("job.initial_run", 4),
        ("notifications.slack.token_store", 6),
    ]


def test_samples_source_is_relative_to_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "sample_data").mkdir()
    path = tmp_path / "c.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    config = load(str(path))
    assert config.warnings == ()
    assert config.base_dir == str(tmp_path)


def test_merge_keys_are_understood() -> None:
    config = loads(
        MINIMAL
        + "custom_data_identifiers:\n"
        + "  - &base {name: a, regex: x, maximum_match_distance: 10}\n"
        + "  - <<: *base\n    name: b\n"
    )
    a, b = config.custom_data_identifiers
    assert (b.name, b.regex, b.maximum_match_distance) == ("b", "x", 10)
    assert a.name == "a"


def test_duplicate_key_names_first_line() -> None:
    assert _problems(MINIMAL + "job:\n  name: a\n  name: b\n") == [
        ("job.name", 4, "duplicate key (first set on line 3)")
    ]


def test_multiple_documents_are_refused() -> None:
    with pytest.raises(ConfigError) as info:
        loads(MINIMAL + "---\n" + MINIMAL)
    assert info.value.problems[0].line == 2
    assert "single document" in info.value.problems[0].message


def test_problems_are_sorted_by_line() -> None:
    lines = [
        line
        for _, line, _ in _problems(
            "stack: {name: X}\njob: {sampling_percentage: 0}\nbucket: {name: A}\n"
        )
    ]
    assert lines == sorted(lines)


def test_stack_is_required() -> None:
    assert _problems("job: {name: x}\n") == [
        ("stack.name", None, "required: the name of this stack (3-32 a-z 0-9 -)")
    ]


def test_not_found(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found") as info:
        load(str(tmp_path / "missing.yaml"))
    assert info.value.hint is not None
    assert "macie-notify init" in info.value.hint


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a directory"):
        load(str(tmp_path))


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_bytes(b"stack: {name: \xff}\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load(str(path))


def test_config_error_lines_format() -> None:
    with pytest.raises(ConfigError) as info:
        loads("stack: {name: macie-demo}\njob: {sampling_percentage: 0}\n", source="x.yaml")
    assert info.value.lines() == [
        "Error: x.yaml is not valid (1 problem):",
        "  job.sampling_percentage (line 2): must be 1-100, got 0",
        "Hint: fix the values above; `macie-notify init` writes a commented example",
    ]


def test_secrets_are_never_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-secret-value")
    config = loads(MINIMAL)
    assert "xoxb-secret-value" not in repr(config)
    assert "xoxb-secret-value" not in repr(config_to_dict(config))


def test_config_is_frozen() -> None:
    config = loads(MINIMAL)
    with pytest.raises(AttributeError):
        config.stack = config.stack  # type: ignore[misc]
    with pytest.raises(TypeError):
        config.stack.tags["x"] = "y"  # type: ignore[index]
    assert isinstance(config, Config)


# -- hostile files: each a config error with a line, never an unexpected error ------------


@pytest.mark.parametrize(
    ("value", "line"),
    [
        ("[" * 5000 + "]" * 5000, 3),
        ("{a: " * 5000 + "1" + "}" * 5000, 3),
        ("\n    " + "- " * 60 + "x", 4),  # block style: one level per "- "
    ],
)
def test_deep_nesting_is_a_problem_with_a_line(value: str, line: int) -> None:
    text = f"stack:\n  name: demo\n  tags: {value}\n"
    with pytest.raises(ConfigError) as info:
        loads(text)
    assert str(info.value) == "<string> is not valid YAML:"
    [problem] = info.value.problems
    assert (problem.path, problem.line) == ("", line)
    assert problem.message == "nested more than 50 levels deep"


def test_fifty_levels_of_nesting_are_read() -> None:
    # A value nested to the limit is read (and refused for its type, not its depth).
    nested = "[" * 47 + "]" * 47  # stack, tags, and 47 lists: 49 levels below the root
    assert _problems(f"stack:\n  name: demo\n  tags: {nested}\n") == [
        ("stack.tags", 3, "expected a mapping")
    ]


@pytest.mark.parametrize(
    ("merge", "message"),
    [
        (
            "5",
            "merge key (<<): expected a mapping or list of mappings for merging, but found scalar",
        ),
        ("[5]", "merge key (<<): expected a mapping for merging, but found scalar"),
    ],
)
def test_a_merge_key_that_is_not_a_mapping_is_a_problem(merge: str, message: str) -> None:
    assert _problems(f"stack:\n  <<: {merge}\n  name: demo\n") == [("stack", 2, message)]


def test_a_mapping_merged_into_itself_is_read() -> None:
    config = loads("stack: &s\n  name: demo\n  <<: *s\n")
    assert config.stack.name == "demo"


def test_a_config_over_one_megabyte_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(MINIMAL.encode() + b"#" + b"x" * (1_000_000 - len(MINIMAL)))
    with pytest.raises(ConfigError) as info:
        load(str(path))
    assert (
        str(info.value) == f"config file {path} is larger than 1 MB; a config may be at most 1 MB"
    )
    with pytest.raises(ConfigError, match="larger than 1 MB"):
        loads(path.read_text())


def test_a_config_of_exactly_one_megabyte_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(MINIMAL.encode() + b"#" + b"x" * (1_000_000 - len(MINIMAL) - 1))
    assert path.stat().st_size == 1_000_000
    assert load(str(path)).stack.name == "macie-demo"
