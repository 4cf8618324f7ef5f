"""The demo's provisioning: the resources of DESIGN.md, created step by step on an endpoint.

A stand-in for the ``stack/`` engine (plan -> apply) until it exists: each function is
one resource, takes the clients it needs, is safe to run again on the same endpoint
(an existing resource is reused or updated, decided by a read or by the modeled
"already exists" error of a create that AWS makes atomic), and returns what later steps
need. :func:`provision` runs them in dependency order and reports one line per step
through ``progress``. Names and tags follow DESIGN.md ("Resources and idempotency").
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from macie_notify.aws import Aws
from macie_notify.config import Config, CustomIdentifier
from macie_notify.packaging import HANDLER, build_zip

Progress = Callable[[str], None]


# Any token shaped like a bot token is accepted by the local Slack sink; not a secret.
DEMO_BOT_TOKEN = "xoxb-macie-notify-demo-0000000000"
MACIE_EVENT_PATTERN = {"source": ["aws.macie"], "detail-type": ["Macie Finding"]}
LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


@dataclass(frozen=True)
class Names:
    """Deterministic resource names for one stack (``<stack>-...``)."""

    stack: str
    bucket: str

    @property
    def function(self) -> str:
        return f"{self.stack}-notifier"

    @property
    def role(self) -> str:
        return f"{self.stack}-notifier"

    @property
    def secret(self) -> str:
        return f"{self.stack}/slack"

    @property
    def queue(self) -> str:
        return f"{self.stack}-notifier-dlq"

    @property
    def rule(self) -> str:
        return f"{self.stack}-macie-findings"

    @property
    def log_group(self) -> str:
        return f"/aws/lambda/{self.function}"


@dataclass(frozen=True)
class Provisioned:
    """What the job and the report need from provisioning."""

    names: Names
    account_id: str
    region: str
    identifier_ids: tuple[str, ...]
    function_arn: str
    rule_arn: str
    uploaded: int


def stack_tags(config: Config) -> dict[str, str]:
    """The config's tags plus the two every managed resource carries."""
    return {
        **dict(config.stack.tags),
        "managed-by": "macie-notify",
        "macie-notify:stack": config.stack.name,
    }


def provision(
    aws: Aws, config: Config, source: Path, slack: SlackTarget, progress: Progress
) -> Provisioned:
    """Create (or reuse) every resource of the pipeline, in dependency order."""
    region, account = aws.region, aws.account_id
    names = Names(
        config.stack.name, config.bucket.resolved_name(config.stack.name, account, region)
    )
    tags = stack_tags(config)
    enable_macie(aws.client("macie2"), config)
    progress(f"Macie enabled (findings published every {_frequency(config)})")
    progress(ensure_bucket(aws.client("s3"), config, names.bucket, region, tags))
    uploaded = upload_samples(aws.client("s3"), names.bucket, source, config.samples.prefix)
    progress(f"uploaded {uploaded} sample file{'s' if uploaded != 1 else ''} from {source}")
    ids = ensure_identifiers(aws.client("macie2"), config.job_custom_identifiers(), tags)
    if ids:
        progress(f"{len(ids)} custom data identifier{'s' if len(ids) != 1 else ''}")
    env, kept = slack_environment(aws.client("secretsmanager"), config, names, slack, tags)
    progress(f"Slack {slack.describe(config)}, {kept}")
    dlq_arn = ensure_queue(aws.client("sqs"), names.queue, tags) if _wants_dlq(config) else None
    role_arn = ensure_role(aws.client("iam"), names, tags, account, region)
    function_arn = ensure_function(
        aws.client("lambda"), config, names, role_arn, env, dlq_arn, tags
    )
    extra = ", dead-letter queue" if dlq_arn else ""
    progress(f"Lambda {names.function} ({config.notifications.lambda_.runtime}{extra})")
    rule_arn = ensure_rule(aws.client("events"), aws.client("lambda"), names, function_arn, tags)
    progress(f"EventBridge rule {names.rule} -> {names.function}")
    return Provisioned(names, account, region, ids, function_arn, rule_arn, uploaded)


def _frequency(config: Config) -> str:
    return config.macie.finding_publishing_frequency.replace("_", " ").lower()


def _wants_dlq(config: Config) -> bool:
    return config.notifications.dead_letter_queue


# --- Macie ---------------------------------------------------------------------------------


def enable_macie(macie2: Any, config: Config) -> None:
    """EnableMacie unless GetMacieSession says it is on; then the publishing frequency.

    GetMacieSession answers AccessDeniedException until Macie is enabled in the account
    and Region (https://docs.aws.amazon.com/macie/latest/APIReference/macie.html).
    """
    frequency = config.macie.finding_publishing_frequency
    try:
        session = macie2.get_macie_session()
    except macie2.exceptions.AccessDeniedException:
        macie2.enable_macie(findingPublishingFrequency=frequency, status="ENABLED")
    else:
        if session.get("status") != "ENABLED" or session.get("findingPublishingFrequency") != (
            frequency
        ):
            macie2.update_macie_session(findingPublishingFrequency=frequency, status="ENABLED")
    if config.macie.publish_to_security_hub:
        macie2.put_findings_publication_configuration(
            securityHubConfiguration={
                "publishClassificationFindings": True,
                "publishPolicyFindings": True,
            }
        )


# --- S3 ------------------------------------------------------------------------------------


def ensure_bucket(s3: Any, config: Config, bucket: str, region: str, tags: dict[str, str]) -> str:
    """The sample bucket with the config's protections; returns the progress line."""
    params: dict[str, Any] = {"Bucket": bucket}
    if region != "us-east-1":  # us-east-1 refuses an explicit LocationConstraint
        params["CreateBucketConfiguration"] = {"LocationConstraint": region}
    try:
        s3.create_bucket(**params)
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    done = [_encrypt(s3, config, bucket)]
    if config.bucket.versioning:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        done.append("versioned")
    if config.bucket.block_public_access:
        flags = (
            "BlockPublicAcls",
            "IgnorePublicAcls",
            "BlockPublicPolicy",
            "RestrictPublicBuckets",
        )
        s3.put_public_access_block(
            Bucket=bucket, PublicAccessBlockConfiguration=dict.fromkeys(flags, True)
        )
        done.append("public access blocked")
    if config.bucket.enforce_tls:
        lift_tls_policy(s3, bucket)
        done.append("TLS only after the scan")
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": _tag_list(tags)})
    return f"bucket {bucket} ({', '.join(done)})"


def _encrypt(s3: Any, config: Config, bucket: str) -> str:
    if config.bucket.encryption == "SSE-KMS":
        rule: dict[str, Any] = {
            "ApplyServerSideEncryptionByDefault": {
                "SSEAlgorithm": "aws:kms",
                "KMSMasterKeyID": config.bucket.kms_key_arn,
            },
            "BucketKeyEnabled": True,
        }
    else:
        rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [rule]})
    return "encrypted" if config.bucket.encryption == "SSE-S3" else "encrypted with KMS"


def enforce_tls(s3: Any, bucket: str) -> None:
    """Put the TLS-only bucket policy (after the scan: see :func:`lift_tls_policy`)."""
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(tls_only_policy(bucket)))


def lift_tls_policy(s3: Any, bucket: str) -> None:
    """Remove the policy a previous run put, so that this run can upload.

    The local endpoint speaks plain HTTP, which a TLS-only policy denies, as AWS would
    (moto even denies it whatever the condition says). On AWS the policy goes with the
    bucket; the demo uploads and scans first and puts it afterwards. DeleteBucketPolicy
    succeeds when there is none.
    """
    s3.delete_bucket_policy(Bucket=bucket)


def tls_only_policy(bucket: str) -> dict[str, Any]:
    """Deny every request not sent over TLS (https://repost.aws/knowledge-center/s3-bucket-policy-for-config-rule)."""
    arn = f"arn:aws:s3:::{bucket}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [arn, f"{arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }


def sample_files(source: Path) -> list[Path]:
    """Regular files under ``source``, sorted, without hidden files and folders."""
    files = []
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if path.is_file() and not any(part.startswith(".") for part in rel.parts):
            files.append(path)
    return files


def upload_samples(s3: Any, bucket: str, source: Path, prefix: str) -> int:
    """PutObject for every sample file under ``prefix``; returns how many."""
    files = sample_files(source)
    for path in files:
        key = prefix + path.relative_to(source).as_posix()
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes(), ContentType=content_type)
    return len(files)


# --- Macie custom data identifiers ---------------------------------------------------------


def ensure_identifiers(
    macie2: Any, identifiers: tuple[CustomIdentifier, ...], tags: dict[str, str]
) -> tuple[str, ...]:
    """Ids of the job's custom identifiers, creating those missing (found by name).

    Macie cannot update an identifier, and its name is unique per account and Region.
    """
    existing: dict[str, str] = {}
    for page in macie2.get_paginator("list_custom_data_identifiers").paginate():
        existing.update({item["name"]: item["id"] for item in page.get("items", [])})
    ids = []
    for cdi in identifiers:
        if cdi.name not in existing:
            created = macie2.create_custom_data_identifier(**cdi.to_api(tags))
            existing[cdi.name] = created["customDataIdentifierId"]
        ids.append(existing[cdi.name])
    return tuple(ids)


# --- Slack secret --------------------------------------------------------------------------


@dataclass(frozen=True)
class SlackTarget:
    """Where the local Slack sink listens (its Web API base and webhook base URLs)."""

    endpoint_url: str

    @property
    def api_url(self) -> str:
        return f"{self.endpoint_url}/_local/slack/api/"

    def webhook_url(self, stack: str) -> str:
        return f"{self.endpoint_url}/_local/slack/webhook/{stack}"

    @staticmethod
    def describe(config: Config) -> str:
        slack = config.notifications.slack
        if slack.mode == "webhook":
            return "incoming webhook on the local sink"
        return f"{slack.channel} on the local sink"


def slack_environment(
    secrets: Any, config: Config, names: Names, slack: SlackTarget, tags: dict[str, str]
) -> tuple[dict[str, str], str]:
    """The function's environment (the config's part, the credential, the sink) and
    where the credential is kept.

    The credential is the demo's: a bot token the sink accepts, or the sink's webhook URL.
    """
    env = config.notifications.notifier_environment()
    env["SLACK_API_URL"] = slack.api_url
    if config.notifications.include_sample_findings:
        env["INCLUDE_SAMPLE_FINDINGS"] = "true"
    webhook = config.notifications.slack.mode == "webhook"
    value = slack.webhook_url(config.stack.name) if webhook else DEMO_BOT_TOKEN
    kind = "webhook URL" if webhook else "token"
    if config.notifications.slack.token_store == "env":
        env["SLACK_WEBHOOK_URL" if webhook else "SLACK_BOT_TOKEN"] = value
        return env, f"{kind} in the function's environment"
    arn = ensure_secret(secrets, names.secret, value, tags)
    env["SLACK_WEBHOOK_SECRET_ARN" if webhook else "SLACK_TOKEN_SECRET_ARN"] = arn
    return env, f"{kind} in Secrets Manager {names.secret}"


def ensure_secret(secrets: Any, name: str, value: str, tags: dict[str, str]) -> str:
    """The secret's ARN, holding ``value`` (created, or given a new version)."""
    try:
        created = secrets.create_secret(
            Name=name,
            SecretString=value,
            Description="Slack credential for the macie-notify notifier (demo)",
            Tags=_tag_list(tags),
        )
        return str(created["ARN"])
    except secrets.exceptions.ResourceExistsException:
        return str(secrets.put_secret_value(SecretId=name, SecretString=value)["ARN"])


# --- SQS, IAM, Lambda ----------------------------------------------------------------------


def ensure_queue(sqs: Any, name: str, tags: dict[str, str]) -> str:
    """The dead-letter queue's ARN (CreateQueue returns the existing queue when it matches)."""
    url = sqs.create_queue(QueueName=name, tags=tags)["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return str(attrs["Attributes"]["QueueArn"])


def notifier_policy(names: Names, account: str, region: str) -> dict[str, Any]:
    """Least privilege for the function: its logs, its secret, its dead-letter queue."""
    prefix = f"arn:aws:{{}}:{region}:{account}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"{prefix.format('logs')}:log-group:{names.log_group}:*",
            },
            {
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": f"{prefix.format('secretsmanager')}:secret:{names.secret}-*",
            },
            {
                "Effect": "Allow",
                "Action": "sqs:SendMessage",
                "Resource": f"{prefix.format('sqs')}:{names.queue}",
            },
        ],
    }


def ensure_role(iam: Any, names: Names, tags: dict[str, str], account: str, region: str) -> str:
    """The function's execution role (trusting Lambda) with its inline policy.

    IAM is global: ``region`` is the one of the resources the policy names.
    """
    try:
        role = iam.create_role(
            RoleName=names.role,
            AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST),
            Description="macie-notify notifier function",
            Tags=_tag_list(tags),
        )["Role"]
    except iam.exceptions.EntityAlreadyExistsException:
        role = iam.get_role(RoleName=names.role)["Role"]
    iam.put_role_policy(
        RoleName=names.role,
        PolicyName="notifier",
        PolicyDocument=json.dumps(notifier_policy(names, account, region)),
    )
    return str(role["Arn"])


def ensure_function(
    lam: Any,
    config: Config,
    names: Names,
    role_arn: str,
    env: Mapping[str, str],
    dlq_arn: str | None,
    tags: dict[str, str],
) -> str:
    """The notifier from :func:`build_zip`; an existing one gets this code and configuration."""
    zip_bytes, _ = build_zip()
    settings = config.notifications.lambda_
    common: dict[str, Any] = {
        "FunctionName": names.function,
        "Runtime": settings.runtime,
        "Role": role_arn,
        "Handler": HANDLER,
        "Timeout": settings.timeout_s,
        "MemorySize": settings.memory_mb,
        "Environment": {"Variables": dict(env)},
        "DeadLetterConfig": {"TargetArn": dlq_arn} if dlq_arn else {},
    }
    try:
        created = lam.create_function(
            **common,
            Code={"ZipFile": zip_bytes},
            Description="Posts Amazon Macie findings to Slack (macie-notify)",
            Tags=dict(tags),
        )
        return str(created["FunctionArn"])
    except lam.exceptions.ResourceConflictException:
        lam.update_function_code(FunctionName=names.function, ZipFile=zip_bytes)
        return str(lam.update_function_configuration(**common)["FunctionArn"])


# --- EventBridge ---------------------------------------------------------------------------


def ensure_rule(
    events: Any, lam: Any, names: Names, function_arn: str, tags: dict[str, str]
) -> str:
    """Rule for every Macie finding -> the function, and the permission to invoke it.

    PutRule and PutTargets are idempotent; whether the permission exists is read from
    GetPolicy, never guessed from AddPermission's conflict error.
    """
    rule_arn = str(
        events.put_rule(
            Name=names.rule,
            EventPattern=json.dumps(MACIE_EVENT_PATTERN),
            State="ENABLED",
            Description="Amazon Macie findings to the macie-notify notifier",
            Tags=_tag_list(tags),
        )["RuleArn"]
    )
    events.put_targets(Rule=names.rule, Targets=[{"Id": "notifier", "Arn": function_arn}])
    statement_id = f"{names.rule}-invoke"
    if statement_id not in _policy_statement_ids(lam, names.function):
        lam.add_permission(
            FunctionName=names.function,
            StatementId=statement_id,
            Action="lambda:InvokeFunction",
            Principal="events.amazonaws.com",
            SourceArn=rule_arn,
        )
    return rule_arn


def _policy_statement_ids(lam: Any, function: str) -> set[str]:
    try:
        policy = json.loads(lam.get_policy(FunctionName=function)["Policy"])
    except lam.exceptions.ResourceNotFoundException:
        return set()
    return {str(s.get("Sid")) for s in policy.get("Statement", [])}


def _tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    """Tags as the S3, IAM, Secrets Manager and EventBridge APIs take them."""
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]
