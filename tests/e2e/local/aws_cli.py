"""The AWS CLI (awscli from PyPI, v1) as a second, independent client of the endpoint."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from macie_notify.local import LocalServer

AWS = Path(sys.executable).with_name("aws")
needs_aws_cli = pytest.mark.skipif(not AWS.exists(), reason="awscli is not installed")


def aws_cli(
    server: LocalServer,
    *args: str,
    region: str = "us-east-1",
    credentials: Mapping[str, str] | None = None,
) -> Any:
    """``aws <args> --output json`` on the server's endpoint -> its JSON answer ({} for none).

    The caller's AWS settings, profiles and proxies are left out, so only the endpoint's
    environment (or ``credentials``, another caller's keys) reaches the CLI."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "HTTP_PROXY", "HTTPS_PROXY"))
    }
    env.update(server.environment(region))
    env.update(credentials or {})
    env.update(
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_PAGER="",
        NO_PROXY="127.0.0.1,localhost",
    )
    done = subprocess.run(
        [str(AWS), *args, "--output", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else {}
