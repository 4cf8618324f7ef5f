"""Pure value rules (S3, KMS, tags, Slack, Regions, finding types)."""

from __future__ import annotations

import pytest

from macie_notify.config import rules


@pytest.mark.parametrize(
    "name",
    ["abc", "my-bucket", "my.bucket.name", "a" * 63, "1bucket", "bucket1", "macie-demo-data-123"],
)
def test_good_bucket_names(name: str) -> None:
    assert rules.bucket_name_problems(name) == []


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("ab", "3-63"),
        ("a" * 64, "3-63"),
        ("My-Bucket", "lowercase"),
        ("my_bucket", "lowercase"),
        ("-bucket", "start and end"),
        ("bucket.", "start and end"),
        ("my..bucket", "two adjacent dots"),
        ("10.0.0.1", "IP address"),
        ("xn--bucket", "'xn--'"),
        ("sthree-bucket", "'sthree-'"),
        ("amzn-s3-demo-bucket", "'amzn-s3-demo-'"),
        ("bucket-s3alias", "'-s3alias'"),
        ("bucket--ol-s3", "'--ol-s3'"),
        ("bucket.mrap", "'.mrap'"),
        ("bucket--x-s3", "'--x-s3'"),
        ("bucket--table-s3", "'--table-s3'"),
    ],
)
def test_bad_bucket_names(name: str, fragment: str) -> None:
    assert any(fragment in p for p in rules.bucket_name_problems(name))


@pytest.mark.parametrize(
    ("arn", "ok"),
    [
        ("arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", True),
        ("arn:aws:kms:eu-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab", True),
        ("arn:aws:kms:eu-west-1:123456789012:alias/my-key", True),
        ("arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/abc", True),
        ("arn:aws-cn:kms:cn-north-1:123456789012:alias/x", True),
        ("1234abcd-12ab-34cd-56ef-1234567890ab", False),
        ("alias/my-key", False),
        ("arn:aws:kms:eu-west-1:1234:key/abc", False),
        ("arn:aws:s3:eu-west-1:123456789012:key/abc", False),
        ("arn:aws:kms:eu-west-1:123456789012:secret/abc", False),
    ],
)
def test_kms_key_arn(arn: str, ok: bool) -> None:
    assert (rules.kms_key_arn_problems(arn) == []) is ok


@pytest.mark.parametrize(
    ("region", "ok"),
    [
        ("eu-west-1", True),
        ("us-gov-west-1", True),
        ("cn-northwest-1", True),
        ("ap-southeast-2", True),
        ("us-isob-east-1", True),
        ("europe", False),
        ("EU-WEST-1", False),
        ("eu-west", False),
    ],
)
def test_region(region: str, ok: bool) -> None:
    assert (rules.region_problems(region) == []) is ok


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("team", "devsec", None),
        ("cost center", "a/b:c=d+e-f@g_h.i", None),
        ("équipe", "sécurité", None),
        ("aws:cloudformation:stack", "x", "reserved by AWS"),
        ("AWS:x", "x", "reserved by AWS"),
        ("managed-by", "x", "reserved"),
        ("macie-notify:stack", "x", "reserved"),
        ("", "x", "1-128"),
        ("k" * 129, "x", "1-128"),
        ("k", "v" * 257, "at most 256"),
        ("team!", "x", "tag key may contain"),
        ("team", "a*b", "tag value may contain"),
    ],
)
def test_tags(key: str, value: str, fragment: str | None) -> None:
    problems = rules.tag_problems(key, value)
    if fragment is None:
        assert problems == []
    else:
        assert any(fragment in p for p in problems), problems


@pytest.mark.parametrize(
    ("channel", "ok"),
    [
        ("#aws-macie-events", True),
        ("#alerts_2", True),
        ("C0123456789", True),
        ("G01ABCDEF", True),
        ("general", False),
        ("#General", False),
        ("#" + "a" * 81, False),
        ("#has space", False),
    ],
)
def test_slack_channel(channel: str, ok: bool) -> None:
    assert (rules.slack_channel_problems(channel) == []) is ok


def test_env_var_names() -> None:
    assert rules.env_var_problems("SLACK_BOT_TOKEN") == []
    assert rules.env_var_problems("_x1") == []
    assert "not its value" in rules.env_var_problems("xoxb-123")[0]
    assert "not its value" in rules.env_var_problems("https://hooks.slack.com/x")[0]
    assert rules.env_var_problems("1TOKEN") != []


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("Policy:", True),
        ("SensitiveData:", True),
        ("SensitiveData:S3Object/", True),
        ("Policy:IAMUser/S3BucketPublic", True),
        ("SensitiveData:S3Object/Personal", True),
        ("Policy", False),
        ("policy:", False),
        ("SensitiveData:S3Object/Secrets", False),
    ],
)
def test_finding_types(value: str, ok: bool) -> None:
    assert (rules.finding_type_problems(value) == []) is ok


def test_finding_types_match_the_macie_model() -> None:
    # The botocore FindingType enum, copied: config must not import botocore.
    assert len(rules.FINDING_TYPES) == 11
    assert all(
        t.startswith(("Policy:IAMUser/", "SensitiveData:S3Object/")) for t in rules.FINDING_TYPES
    )


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("abc", True),
        ("macie-demo", True),
        ("a1-b2", True),
        ("ab", False),
        ("a" * 33, False),
        ("-abc", False),
        ("abc-", False),
        ("ab_c", False),
        ("Abc", False),
    ],
)
def test_stack_name(name: str, ok: bool) -> None:
    assert (rules.stack_name_problems(name) == []) is ok


def test_s3_prefix() -> None:
    assert rules.s3_prefix_problems("samples/") == []
    assert rules.s3_prefix_problems("/samples") != []
    assert rules.s3_prefix_problems("a\x00b") != []
    assert rules.s3_prefix_problems("é" * 513) != []  # 1,026 bytes


def test_suggest() -> None:
    assert (
        rules.suggest("notification", ["notifications", "job"])
        == " (did you mean 'notifications'?)"
    )
    assert rules.suggest("zzz", ["notifications", "job"]) == ""
