"""The deployment zip: deterministic, small, and runnable on its own.

The extracted zip runs ``notifier.handler.lambda_handler`` in a fresh interpreter
(``python -I -S``: no site-packages, no .pth files) whose ``sys.path`` is the zip plus,
in Secrets Manager mode, site-packages for boto3; a meta-path finder makes
``macie_notify`` (and, in env mode, boto3) unimportable, the way a Lambda runtime has
neither.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Callable, Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from macie_notify.packaging import build_zip, code_sha256

LoadEvent = Callable[[str], dict[str, Any]]
TOKEN = "xoxb-zip-test-SECRET"
SITE_PACKAGES = sysconfig.get_paths()["purelib"]

BOOTSTRAP = """
import importlib.abc, json, sys
zipdir, extra, blocked = sys.argv[1], sys.argv[2], set(sys.argv[3].split(","))

class Blocked(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in blocked:
            raise ImportError(f"{name} is not available on this runtime")
        return None

sys.meta_path.insert(0, Blocked())
sys.path[:0] = [zipdir] + ([extra] if extra else [])
from notifier.handler import lambda_handler
import notifier, slack_sdk
assert notifier.__file__.startswith(zipdir) and slack_sdk.__file__.startswith(zipdir)
assert "macie_notify" not in sys.modules
result = lambda_handler(json.load(sys.stdin), None)
print("RESULT " + json.dumps({**result, "boto3": "boto3" in sys.modules}))
"""


@pytest.fixture(scope="module")
def built() -> tuple[bytes, str]:
    return build_zip()


@pytest.fixture(scope="module")
def extracted(built: tuple[bytes, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("lambda-task")
    zipfile.ZipFile(BytesIO(built[0])).extractall(target)
    return target


def test_two_builds_are_byte_identical(built: tuple[bytes, str]) -> None:
    again, sha = build_zip()
    assert again == built[0] and sha == built[1] == code_sha256(again)


def test_zip_layout_and_size(built: tuple[bytes, str]) -> None:
    data, _ = built
    assert len(data) <= 1_500_000
    archive = zipfile.ZipFile(BytesIO(data))
    infos = archive.infolist()
    names = [i.filename for i in infos]
    assert names == sorted(names)
    assert {n.split("/")[0] for n in names} == {"notifier", "slack_sdk"}
    assert "notifier/handler.py" in names and "slack_sdk/LICENSE" in names
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".pyo"))]
    for info in infos:
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        mode = info.external_attr >> 16
        assert mode == (0o040755 if info.is_dir() else 0o100644), info.filename
    assert archive.testzip() is None


def _run_zip(
    extracted: Path, event: dict[str, Any], env: dict[str, str], extra: str, blocked: str
) -> tuple[dict[str, Any], str]:
    proc = subprocess.run(
        [sys.executable, "-I", "-S", "-c", BOOTSTRAP, str(extracted), extra, blocked],
        input=json.dumps(event),
        capture_output=True,
        text=True,
        env={"PYTHONDONTWRITEBYTECODE": "1", **env},
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = next(line for line in proc.stdout.splitlines() if line.startswith("RESULT "))
    return json.loads(result[len("RESULT ") :]), proc.stdout + proc.stderr


def test_zip_runs_in_env_mode_without_boto3(
    extracted: Path, slack: Any, load_event: LoadEvent
) -> None:
    env = {"SLACK_BOT_TOKEN": TOKEN, "SLACK_CHANNEL": "#x", "SLACK_API_URL": slack.api_url}
    result, output = _run_zip(
        extracted, load_event("macie_policy"), env, "", "macie_notify,boto3,botocore"
    )
    assert result["decision"] == "posted" and result["boto3"] is False
    assert slack.requests[0].headers["Authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in output


@pytest.fixture
def moto_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def test_zip_runs_with_a_secrets_manager_token(
    extracted: Path, slack: Any, load_event: LoadEvent, moto_endpoint: str
) -> None:
    aws = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": moto_endpoint,
    }
    sm = boto3.client(
        "secretsmanager",
        region_name="us-east-1",
        endpoint_url=moto_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    arn = sm.create_secret(Name="macie-demo/slack-token", SecretString=TOKEN)["ARN"]
    env = {
        **aws,
        "SLACK_TOKEN_SECRET_ARN": arn,
        "SLACK_CHANNEL": "C1",
        "SLACK_API_URL": slack.api_url,
    }
    result, output = _run_zip(
        extracted, load_event("macie_sensitive_financial"), env, SITE_PACKAGES, "macie_notify"
    )
    assert result["decision"] == "posted" and result["boto3"] is True
    assert slack.requests[0].headers["Authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in output


def test_zip_ignores_foreign_events(extracted: Path, load_event: LoadEvent) -> None:
    env = {"SLACK_BOT_TOKEN": TOKEN, "SLACK_CHANNEL": "#x"}
    result, _ = _run_zip(
        extracted, load_event("non_macie_ec2_state_change"), env, "", "macie_notify,boto3"
    )
    assert result["decision"] == "ignored"


def test_package_does_not_import_the_rest_of_macie_notify() -> None:
    code = (
        "import sys; import macie_notify.packaging as p; p.build_zip(); "
        "print(sorted(m for m in sys.modules if m.startswith(('macie_notify', 'slack_sdk'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ
    ).stdout
    assert out.strip() == "['macie_notify', 'macie_notify.packaging']"
