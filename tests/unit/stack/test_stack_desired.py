"""Config -> specs (pure), the policies it writes (linted with parliament), and the
diffs of resources against in-memory observations."""

from __future__ import annotations

import json
from typing import Any

import parliament
import pytest

from macie_notify.config import loads
from macie_notify.config.example import example_text
from macie_notify.errors import UsageError
from macie_notify.stack.desired import Inputs, build, names_for
from macie_notify.stack.model import Action, Observed, Ref, resolve
from macie_notify.stack.policies import event_pattern, merge_tls, queue_policy
from macie_notify.stack.resources import bucket, function, identifiers, job, macie, secret
from macie_notify.stack.resources.function import FunctionSpec
from macie_notify.stack.resources.identifiers import IdentifierSpec
from macie_notify.stack.resources.job import JobSpec
from macie_notify.stack.resources.role import RoleSpec

INPUTS = Inputs(account_id="123456789012", region="eu-west-1", code_sha256="abc=")
EXAMPLE = loads(example_text())


def _specs(text: str = example_text(), **inputs: Any) -> dict[str, Any]:
    config = loads(text)
    return {s.key: s for s in build(config, Inputs(**{**INPUTS.__dict__, **inputs}))}


def test_specs_in_dependency_order_with_references() -> None:
    specs = build(EXAMPLE, INPUTS)
    keys = [s.key for s in specs]
    assert keys == [
        "macie",
        "bucket",
        "custom-identifier:employee-id",
        "classification-job",
        "secret",
        "dead-letter-queue",
        "log-group",
        "iam-role",
        "lambda-function",
        "eventbridge-rule",
    ]
    by_key = {s.key: s for s in specs}
    for spec in specs:  # every dependency comes earlier
        assert all(keys.index(dep) < keys.index(spec.key) for dep in spec.depends_on())
    function = by_key["lambda-function"]
    assert function.depends_on() == {"iam-role", "secret", "dead-letter-queue", "log-group"}
    assert function.environment["SLACK_TOKEN_SECRET_ARN"] == Ref("secret", "arn")
    assert by_key["classification-job"].depends_on() == {
        "macie",
        "bucket",
        "custom-identifier:employee-id",
    }


def test_names_are_deterministic_and_regional() -> None:
    names = names_for(EXAMPLE, INPUTS)
    assert names.bucket == "macie-demo-data-123456789012-eu-west-1"
    assert names.role == "macie-demo-notifier-eu-west-1"
    assert names.rule_arn == "arn:aws:events:eu-west-1:123456789012:rule/macie-demo-macie-findings"
    cn = names_for(EXAMPLE, Inputs(account_id="1", region="cn-north-1", partition="aws-cn"))
    assert cn.role_arn == "arn:aws-cn:iam::1:role/macie-demo-notifier-cn-north-1"


def test_job_name_follows_its_definition_and_its_identifiers() -> None:
    first = _specs()["classification-job"]
    assert first.name.startswith("macie-demo-daily-scan-") and len(first.name) == 30
    assert _specs()["classification-job"].name == first.name
    sampled = _specs(example_text().replace("sampling_percentage: 100", "sampling_percentage: 50"))
    assert sampled["classification-job"].name != first.name
    regex = _specs(example_text().replace("EMP-[0-9]{6}", "EMP-[0-9]{7}"))
    assert regex["classification-job"].name != first.name
    assert regex["custom-identifier:employee-id"].content_hash != (
        _specs()["custom-identifier:employee-id"].content_hash
    )


def test_token_store_env_and_skip() -> None:
    text = example_text().replace("token_store: secretsmanager", "token_store: env")
    specs = _specs(text, secret_value="xoxb-1", skip=frozenset({"classification-job"}))
    assert "secret" not in specs and "classification-job" not in specs
    function = specs["lambda-function"]
    assert function.environment["SLACK_BOT_TOKEN"] == "xoxb-1"
    assert "xoxb-1" not in repr(function) and "xoxb-1" not in repr(specs)


def test_inline_policy_is_least_privilege_and_passes_parliament() -> None:
    role = _specs()["iam-role"]
    assert isinstance(role, RoleSpec)
    secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:macie-demo/slack-AbCdEf"
    policy = resolve(role, {"secret": {"arn": secret_arn}}, strict=True).policy
    resources = {s["Sid"]: s["Resource"] for s in policy["Statement"]}
    assert resources == {
        "OwnLogGroup": "arn:aws:logs:eu-west-1:123456789012:log-group:"
        "/aws/lambda/macie-demo-notifier:*",
        "OwnSlackSecret": secret_arn,
        "OwnDeadLetterQueue": "arn:aws:sqs:eu-west-1:123456789012:macie-demo-notifier-dlq",
    }
    documents = [
        policy,
        queue_policy(
            "arn:aws:sqs:eu-west-1:123456789012:q", "arn:aws:events:eu-west-1:123456789012:rule/r"
        ),
        merge_tls(None, "arn:aws:s3:::b", True),
    ]
    for document in documents:
        linted = parliament.analyze_policy_string(json.dumps(document))
        assert [(f.issue, f.detail) for f in linted.findings] == []
        assert all(s["Resource"] != "*" for s in document["Statement"])


def test_tls_statement_merges_into_an_existing_policy() -> None:
    theirs = {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "Theirs", "Effect": "Allow", "Principal": "*", "Action": "s3:Get*"}],
    }
    merged = merge_tls(theirs, "arn:aws:s3:::b", True)
    assert merged is not None
    assert [s["Sid"] for s in merged["Statement"]] == ["Theirs", "MacieNotifyDenyInsecureTransport"]
    assert merge_tls(merged, "arn:aws:s3:::b", True) == merged  # idempotent
    assert merge_tls(merged, "arn:aws:s3:::b", False) == theirs
    assert merge_tls(merge_tls(None, "arn:aws:s3:::b", True), "arn:aws:s3:::b", False) is None


@pytest.mark.parametrize(
    ("severity", "include", "exclude", "detail"),
    [
        ("Low", (), (), None),
        ("High", (), (), {"severity": {"description": ["High"]}}),
        ("Low", ("Policy:",), (), {"type": [{"prefix": "Policy:"}]}),
        ("Low", (), ("Policy:",), {"type": [{"anything-but": {"prefix": "Policy:"}}]}),
        ("Low", (), ("Policy:", "SensitiveData:S3Object/Credentials"), None),
    ],
)
def test_event_pattern(severity: str, include: Any, exclude: Any, detail: Any) -> None:
    pattern = event_pattern(severity, include, exclude)
    assert pattern["source"] == ["aws.macie"] and pattern["detail-type"] == ["Macie Finding"]
    assert pattern.get("detail") == detail


def test_diffs_against_observations() -> None:
    specs = _specs()
    assert macie.diff(specs["macie"], None) == (
        Action.CREATE,
        ["Macie is not enabled in this account and Region"],
    )
    paused = Observed(
        "r",
        state={
            "status": "PAUSED",
            "frequency": "ONE_HOUR",
            "security_hub": False,
            "security_hub_raw": {
                "publishClassificationFindings": False,
                "publishPolicyFindings": False,
            },
        },
    )
    assert macie.diff(specs["macie"], paused) == (
        Action.UPDATE,
        [
            "status: PAUSED -> ENABLED",
            "finding_publishing_frequency: ONE_HOUR -> FIFTEEN_MINUTES",
        ],
    )
    ident = specs["custom-identifier:employee-id"]
    assert isinstance(ident, IdentifierSpec)
    tags = {"managed-by": "macie-notify", "macie-notify:stack": "macie-demo"}
    same = Observed("i", state={"tags": tags, "hash": ident.content_hash})
    assert identifiers.diff(ident, same) == (Action.NOOP, [])
    other = Observed("i", state={"tags": tags, "hash": "0" * 64})
    assert identifiers.diff(ident, other)[0] is Action.REPLACE
    with pytest.raises(Exception, match="not managed by stack macie-demo"):
        identifiers.diff(ident, Observed("i", state={"tags": {}, "hash": None}))
    spec = specs["classification-job"]
    assert isinstance(spec, JobSpec)
    stale = {"id": "j0", "name": spec.prefix + "0badf00d", "status": "IDLE"}
    moved = Observed("", state={"stale": [stale], "current": None, "tags": {}})
    action, (reason,) = job.diff(spec, moved)
    assert action is Action.REPLACE and "cancel macie-demo-daily-scan-0badf00d (IDLE)" in reason


def test_secret_and_bucket_diffs() -> None:
    specs = _specs(secret_value="xoxb-new")
    tags = dict(specs["secret"].tags)
    seen = Observed("arn", state={"tags": tags, "deleted": False, "same_value": False})
    assert secret.diff(specs["secret"], seen) == (
        Action.UPDATE,
        ["value differs from $SLACK_BOT_TOKEN"],
    )
    unset = _specs(secret_value=None)["secret"]
    with pytest.raises(UsageError) as caught:
        secret.diff(unset, None)
    assert caught.value.hint == "export SLACK_BOT_TOKEN=... (the Slack bot token) and run again"
    adopted = example_text().replace("create: true", "create: false")
    adopt = _specs(adopted.replace("  name: null", "  name: their-bucket", 1))["bucket"]
    assert adopt.tags == {}
    with pytest.raises(Exception, match=r"bucket\.create is false"):
        bucket.diff(adopt, None)


def test_function_environment_reason_names_keys_not_values() -> None:
    spec = _specs(secret_value="xoxb-1")["lambda-function"]
    assert isinstance(spec, FunctionSpec)
    resolved = resolve(spec, {"secret": {"arn": "arn:s"}, "iam-role": {"arn": "arn:r"}})
    have = dict(resolved.configuration())
    have["Environment"] = {"Variables": {**have["Environment"]["Variables"], "X": "secret!"}}
    from macie_notify.stack.resources.function import _config_reasons

    assert _config_reasons(resolved, have) == ["environment: X differ"]


def test_token_store_env_keeps_the_deployed_token_when_the_variable_is_unset() -> None:
    text = example_text().replace("token_store: secretsmanager", "token_store: env")
    spec = _specs(text, secret_value=None)["lambda-function"]
    assert "SLACK_BOT_TOKEN" not in spec.environment
    resolved = resolve(spec, {"iam-role": {"arn": "arn:r"}, "dead-letter-queue": {"arn": "q"}})
    deployed = dict(resolved.configuration())
    deployed["Environment"] = {
        "Variables": {**deployed["Environment"]["Variables"], "SLACK_BOT_TOKEN": "xoxb-live"}
    }
    from macie_notify.stack.resources.function import _config_reasons

    assert _config_reasons(resolved, deployed) == []  # kept, not wiped
    with pytest.raises(UsageError, match=r"\$SLACK_BOT_TOKEN is not set"):
        function.diff(resolved, None)
