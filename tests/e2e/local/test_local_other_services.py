"""S3, IAM, Lambda, EventBridge, Logs, Secrets Manager, SQS and STS through the same
endpoint (moto answers them), plus DescribeBuckets reading that S3."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
import uuid
import zipfile
from typing import Any

import pytest

from macie_notify.local import LocalServer

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("handler.py", "def lambda_handler(event, context):\n    return event\n")
    return buf.getvalue()


def test_s3_and_describe_buckets(client: Any) -> None:
    s3 = client("s3", region="eu-west-1")
    bucket = _name("data")
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_object(Bucket=bucket, Key="employees.csv", Body=b"name,ssn\n")
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "team", "Value": "sec"}]})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    assert s3.get_object(Bucket=bucket, Key="employees.csv")["Body"].read() == b"name,ssn\n"

    macie = client("macie2", region="eu-west-1")
    macie.enable_macie()
    found = macie.describe_buckets(criteria={"bucketName": {"eq": [bucket]}})["buckets"]
    assert len(found) == 1
    meta = found[0]
    assert (meta["bucketName"], meta["region"], meta["objectCount"]) == (bucket, "eu-west-1", 1)
    assert meta["sizeInBytes"] == len(b"name,ssn\n")
    assert meta["tags"] == [{"key": "team", "value": "sec"}]
    assert meta["versioning"] is True
    assert macie.describe_buckets(criteria={"bucketName": {"prefix": "zzz"}})["buckets"] == []


def test_iam_lambda_from_zip_and_logs(client: Any) -> None:
    iam, lam, logs = client("iam"), client("lambda"), client("logs")
    role = iam.create_role(RoleName=_name("role"), AssumeRolePolicyDocument=TRUST)["Role"]
    name = _name("fn")
    made = lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role["Arn"],
        Handler="handler.lambda_handler",
        Code={"ZipFile": _zip()},
        Environment={"Variables": {"MIN_SEVERITY": "Medium"}},
    )
    assert made["CodeSha256"]
    got = lam.get_function_configuration(FunctionName=name)
    assert got["Environment"]["Variables"] == {"MIN_SEVERITY": "Medium"}
    group = f"/aws/lambda/{name}"
    logs.create_log_group(logGroupName=group)
    logs.put_retention_policy(logGroupName=group, retentionInDays=30)
    groups = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    assert groups[0]["retentionInDays"] == 30


def test_eventbridge_sqs_secrets_sts(client: Any) -> None:
    events, sqs, secrets, sts = (
        client("events"),
        client("sqs"),
        client("secretsmanager"),
        client("sts"),
    )
    rule = _name("rule")
    arn = events.put_rule(
        Name=rule,
        EventPattern=json.dumps({"source": ["aws.macie"], "detail-type": ["Macie Finding"]}),
    )["RuleArn"]
    queue_url = sqs.create_queue(QueueName=_name("dlq"))["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    events.put_targets(Rule=rule, Targets=[{"Id": "q", "Arn": queue_arn}])
    assert events.list_targets_by_rule(Rule=rule)["Targets"][0]["Arn"] == queue_arn
    assert arn.endswith(f"rule/{rule}")
    secret = secrets.create_secret(Name=_name("slack"), SecretString="xoxb-not-real")
    assert secrets.get_secret_value(SecretId=secret["ARN"])["SecretString"] == "xoxb-not-real"
    assert sts.get_caller_identity()["Account"] == "123456789012"


def test_unknown_macie_operation_paths(local_server: Any) -> None:
    import urllib.request

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method="GET", url=f"{local_server.endpoint_url}/nothing/here")
    SigV4Auth(Credentials("testing", "testing"), "macie2", "us-east-1").add_auth(request)
    prepared = request.prepare()
    req = urllib.request.Request(prepared.url, headers=dict(prepared.headers), method="GET")
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=5)
    assert info.value.code == 404
    assert info.value.headers["x-amzn-ErrorType"] == "UnknownOperationException"


def test_unknown_macie_route(local_server: LocalServer, macie: Any) -> None:
    # Every modelled operation is emulated; a path no operation has is refused as AWS does.
    scope = "testing/20260101/us-east-1/macie2/aws4_request"
    request = urllib.request.Request(
        f"{local_server.endpoint_url}/no-such-macie-route",
        headers={
            "Authorization": f"AWS4-HMAC-SHA256 Credential={scope}, SignedHeaders=host, Signature=0"
        },
    )
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=30)
    assert info.value.code == 404
    assert info.value.headers["x-amzn-ErrorType"] == "UnknownOperationException"
    assert macie.get_usage_totals()["ResponseMetadata"]["HTTPStatusCode"] == 200
