"""One LocalServer for the stack tests, wiped before each test, and helpers to build an
engine whose every botocore call goes through hooks (counted, or made to fail)."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.loaders
import botocore.session
import pytest

from macie_notify.aws import Aws, AwsSettings
from macie_notify.config import Config, loads
from macie_notify.local import LocalServer
from macie_notify.stack import Engine

pytestmark = pytest.mark.e2e

REGION = "eu-west-1"
TOKEN = "xoxb-stack-test-0000"
READ_PREFIXES = ("Get", "List", "Describe", "Head")

CONFIG = """
stack:
  name: stacktest
  tags: {team: devsec}
custom_data_identifiers:
  - name: employee-id
    regex: 'EMP-[0-9]{6}'
    keywords: [employee]
  - name: badge-id
    regex: 'BDG-[0-9]{4}'
job:
  name: nightly
  schedule: daily
notifications:
  min_severity: Medium
  finding_types: {include: ['SensitiveData:']}
"""


def is_mutating(operation: str) -> bool:
    return not operation.startswith(READ_PREFIXES)


@dataclass
class Calls:
    """Every botocore call made, as ``service.Operation``, in order."""

    names: list[str] = field(default_factory=list)

    def hook(self, model: Any, **_: Any) -> None:
        self.names.append(f"{model.service_model.service_name}.{model.name}")

    @property
    def mutating(self) -> list[str]:
        return [n for n in self.names if is_mutating(n.split(".", 1)[1])]

    @property
    def reads(self) -> list[str]:
        return [n for n in self.names if not is_mutating(n.split(".", 1)[1])]


@pytest.fixture(scope="package")
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        yield srv


def reset(url: str) -> None:
    request = urllib.request.Request(f"{url}/_local/reset", method="POST", data=b"")
    with urllib.request.urlopen(request, timeout=30) as answer:
        json.loads(answer.read())


@pytest.fixture
def url(server: LocalServer) -> str:
    reset(server.endpoint_url)
    return server.endpoint_url


# One model loader for every session the tests make: parsing the service models again
# for each fresh session would cost a second or two per setup.
_LOADER = botocore.loaders.create_loader()


def make_aws(url: str, *hooks: Callable[..., Any], region: str = REGION) -> Aws:
    """An Aws on the endpoint whose clients all call ``hooks`` before each request."""
    core = botocore.session.get_session()
    core.register_component("data_loader", _LOADER)
    session = boto3.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name=region,
        botocore_session=core,
    )
    for hook in hooks:
        session.events.register("before-call", hook)
    settings = AwsSettings(region=region, endpoint_url=url, local=True, dummy_credentials=True)
    return Aws(settings, session=session)


def config(text: str = CONFIG) -> Config:
    return loads(text, source="test.yaml")


class NoSleep:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def engine(cfg: Config, aws: Aws, **kwargs: Any) -> Engine:
    kwargs.setdefault("secret_value", TOKEN)
    return Engine.for_config(cfg, aws, sleep=NoSleep(), **kwargs)


def setup(cfg: Config, aws: Aws, **kwargs: Any) -> Engine:
    eng = engine(cfg, aws, **kwargs)
    eng.apply(eng.plan())
    return eng


def tagged(tags: Any, stack: str = "stacktest") -> bool:
    if isinstance(tags, list):
        tags = {t.get("Key", t.get("key")): t.get("Value", t.get("value")) for t in tags}
    return tags.get("macie-notify:stack") == stack and tags.get("managed-by") == "macie-notify"


def inventory(aws: Aws, stack: str = "stacktest") -> dict[str, Any]:
    """Every resource the stack could have made, listed as data (duplicates would show)."""
    s3, macie2 = aws.client("s3"), aws.client("macie2")
    lam, events = aws.client("lambda"), aws.client("events")
    inv: dict[str, Any] = {
        "buckets": sorted(b["Name"] for b in s3.list_buckets().get("Buckets", [])),
        "secrets": sorted(
            s["Name"] for s in aws.client("secretsmanager").list_secrets()["SecretList"]
        ),
        "queues": sorted(aws.client("sqs").list_queues().get("QueueUrls", [])),
        "roles": sorted(
            r["RoleName"]
            for r in aws.client("iam").list_roles()["Roles"]
            if r["RoleName"].startswith(stack)
        ),
        "log_groups": sorted(
            g["logGroupName"]
            for g in aws.client("logs").describe_log_groups(logGroupNamePrefix="/aws/lambda/")[
                "logGroups"
            ]
        ),
        "functions": sorted(f["FunctionName"] for f in lam.list_functions()["Functions"]),
        "rules": sorted(r["Name"] for r in events.list_rules().get("Rules", [])),
    }
    try:
        macie2.get_macie_session()
    except macie2.exceptions.AccessDeniedException:
        inv["macie"] = "off"
        return inv
    inv["macie"] = "on"
    inv["identifiers"] = sorted(
        i["name"] for i in macie2.list_custom_data_identifiers().get("items", [])
    )
    inv["active_jobs"] = sorted(
        j["name"]
        for j in macie2.list_classification_jobs().get("items", [])
        if j["jobStatus"] not in ("CANCELLED", "COMPLETE")
    )
    inv["targets"] = {
        r: sorted(t["Id"] for t in events.list_targets_by_rule(Rule=r)["Targets"])
        for r in inv["rules"]
    }
    inv["permissions"] = {}
    for name in inv["functions"]:
        try:
            policy = json.loads(lam.get_policy(FunctionName=name)["Policy"])
        except lam.exceptions.ResourceNotFoundException:
            continue
        inv["permissions"][name] = sorted(s["Sid"] for s in policy["Statement"])
    return inv
