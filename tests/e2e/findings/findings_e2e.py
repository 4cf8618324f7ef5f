"""Helpers of the findings e2e tests (a module of its own: conftest is not importable)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from click.testing import CliRunner, Result

from macie_notify.cli import cli
from macie_notify.cli.context import AppContext, GlobalSettings
from macie_notify.local import LocalServer
from macie_notify.local.client import local_call
from macie_notify.render import to_jsonable


def load_synthetic(server: LocalServer, count: int, seed: int = 7) -> None:
    payload = {"count": count, "seed": seed}
    local_call(server.endpoint_url, "POST", "/_local/findings/synthetic", payload=payload)


def all_findings(macie: Any) -> list[dict[str, Any]]:
    """Every finding, archived or not, straight from the API (the tests' oracle)."""
    ids: list[str] = []
    params: dict[str, Any] = {"maxResults": 50}
    while True:
        page = macie.list_findings(**params)
        ids += page["findingIds"]
        if not page.get("nextToken"):
            break
        params["nextToken"] = page["nextToken"]
    out: list[dict[str, Any]] = []
    for start in range(0, len(ids), 50):
        out += macie.get_findings(findingIds=ids[start : start + 50])["findings"]
    # botocore parsed the times; the API sent ISO 8601 with milliseconds, as iso8601 writes.
    return list(to_jsonable(out))


def without_nulls(value: Any) -> Any:
    """The API sends ``null`` members (a policy finding's classificationDetails) that
    botocore drops: compare the two with those removed."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


class Outcome:
    """What one CLI run printed and returned."""

    def __init__(self, exit_code: int, stdout: str, stderr: str) -> None:
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr
        self.output = stdout + stderr


def make_app(server: LocalServer, output: str = "table") -> AppContext:
    settings = GlobalSettings(endpoint_url=server.endpoint_url, region="us-east-1", output=output)
    return AppContext(settings=settings)


def invoke_with(app: AppContext, *args: str) -> Result:
    """The CLI with a prepared AppContext (hooks on its clients, a fake clock)."""
    return CliRunner().invoke(cli, list(args), obj=app)


Run = Callable[..., Outcome]
"""The ``invoke`` fixture: ``invoke(*args) -> Outcome``."""
