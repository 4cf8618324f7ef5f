"""``identifiers list|test`` against the local endpoint."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from macie_notify.cli.main import run
from macie_notify.detect import LOCAL_IDENTIFIERS
from macie_notify.local import LocalServer
from macie_notify.local.client import local_call

pytestmark = pytest.mark.e2e

CONFIG = """\
stack:
  name: idtest
custom_data_identifiers:
  - name: employee-id
    regex: 'EMP-[0-9]{6}'
    keywords: [employee]
    ignore_words: [EMP-000000]
    maximum_match_distance: 20
"""
SAMPLE = "employee EMP-123456, EMP-000000 ignored; " + "x" * 40 + " EMP-654321 too far"


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer() as local:
        yield local


@pytest.fixture
def macie(server: LocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.chdir(tmp_path)
    local_call(server.endpoint_url, "POST", "/_local/reset")
    client = server.client("macie2")
    client.enable_macie()
    return client


def cli(server: LocalServer, capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    capsys.readouterr()
    code = run(["--endpoint-url", server.endpoint_url, "--region", "us-east-1", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_list_shows_managed_and_custom_with_categories_and_local_column(
    server: LocalServer, macie: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    created = macie.create_custom_data_identifier(name="employee-id", regex="EMP-[0-9]{6}")
    code, out, _ = cli(server, capsys, "identifiers", "list", "-o", "json")
    assert code == 0
    rows = json.loads(out)
    managed = [r for r in rows if r["kind"] == "managed"]
    api = []
    params: dict[str, Any] = {}
    while True:
        page = macie.list_managed_data_identifiers(**params)
        api += page["items"]
        if not page.get("nextToken"):
            break
        params = {"nextToken": page["nextToken"]}
    assert [(r["id"], r["category"]) for r in managed] == [(i["id"], i["category"]) for i in api]
    assert {r["id"] for r in managed if r["local"]} == {i["id"] for i in api} & LOCAL_IDENTIFIERS
    assert any(r["local"] for r in managed) and not all(r["local"] for r in managed)
    assert [r for r in rows if r["kind"] == "custom"] == [
        {
            "kind": "custom",
            "id": created["customDataIdentifierId"],
            "name": "employee-id",
            "category": "CUSTOM_IDENTIFIER",
            "local": True,
        }
    ]
    code, out, _ = cli(server, capsys, "identifiers", "list", "--custom", "-o", "json")
    assert [r["name"] for r in json.loads(out)] == ["employee-id"]


def test_test_from_the_config_in_macie_and_locally(
    server: LocalServer, macie: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "macie-notify.yaml").write_text(CONFIG)
    code, out, err = cli(
        server, capsys, "identifiers", "test", "employee-id", "--text", SAMPLE, "-o", "json"
    )
    assert code == 0, err
    assert json.loads(out) == {
        "name": "employee-id",
        "source": "config",
        "sampleChars": len(SAMPLE),
        "macie": 1,  # the ignore word and the match beyond 20 characters do not count
        "local": 1,
        "agree": True,
    }


def test_test_reads_the_definition_from_macie_without_a_config(
    server: LocalServer, macie: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    macie.create_custom_data_identifier(name="order-id", regex="ORD-[0-9]{4}")
    sample = tmp_path / "sample.txt"
    sample.write_text("ORD-1234 ORD-5678 ORD-12")
    code, out, _ = cli(
        server, capsys, "identifiers", "test", "order-id", "--file", str(sample), "-o", "json"
    )
    assert code == 0
    shown = json.loads(out)
    assert (shown["source"], shown["macie"], shown["local"], shown["agree"]) == (
        "macie", 2, 2, True,
    )  # fmt: skip


def test_offline_makes_no_aws_call(
    macie: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "macie-notify.yaml").write_text(CONFIG)
    capsys.readouterr()
    # An endpoint nobody listens on: any AWS call would fail.
    code = run(
        ["--endpoint-url", "http://127.0.0.1:9", "-o", "json", "identifiers", "test",
         "employee-id", "--text", (SAMPLE + "\n") * 30, "--offline"]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert json.loads(out) == {
        "name": "employee-id",
        "source": "config",
        "sampleChars": (len(SAMPLE) + 1) * 30,
        "macie": None,
        "local": 30,
        "agree": None,
    }


def test_long_sample_for_macie_is_a_usage_error(
    server: LocalServer, macie: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "macie-notify.yaml").write_text(CONFIG)
    code, _, err = cli(server, capsys, "identifiers", "test", "employee-id", "--text", "x" * 1001)
    assert code == 2
    assert err.splitlines() == [
        "Error: Macie tests at most 1,000 characters; the sample has 1,001",
        "Hint: shorten it, or use --offline (the local engine has no such limit)",
    ]


def test_unknown_identifier_and_missing_sample(
    server: LocalServer, macie: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = cli(server, capsys, "identifiers", "test", "nope", "--text", "abc")
    assert code == 1
    assert err.startswith("Error: no custom identifier 'nope' in the config or in Macie")
    code, _, err = cli(server, capsys, "identifiers", "test", "nope")
    assert code == 2
    assert "give exactly one of --text or --file" in err
