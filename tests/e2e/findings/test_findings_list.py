"""``findings list|show|stats`` against the local endpoint: every filter, sort and format.

The expectations are computed here from every finding the API holds (``all_findings``),
filtered and ordered by hand, so a filter the CLI failed to send to Macie shows up as a
different list.
"""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import yaml
from findings_e2e import Run, all_findings, invoke_with, load_synthetic, make_app, without_nulls

from macie_notify.local import LocalServer

SEVERITY_RANK = {"Low": 1, "Medium": 2, "High": 3}


def ids(findings: list[dict[str, Any]]) -> list[str]:
    return [f["id"] for f in findings]


def newest_first(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(findings, key=lambda f: (f["updatedAt"], f["id"]), reverse=True)


def current(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f for f in findings if not f["archived"]]


def listed(invoke: Run, *args: str) -> list[dict[str, Any]]:
    result = invoke("findings", "list", "-o", "json", *args)
    assert result.exit_code == 0, result.output
    data: list[dict[str, Any]] = json.loads(result.stdout)
    return data


@pytest.fixture
def data(server: LocalServer, macie: Any) -> list[dict[str, Any]]:
    # A suppression rule (ARCHIVE filter) archives one bucket's findings as they arrive.
    macie.create_findings_filter(
        name="archive-bucket-03",
        action="ARCHIVE",
        findingCriteria={
            "criterion": {"resourcesAffected.s3Bucket.name": {"eq": ["synthetic-bucket-03"]}}
        },
    )
    load_synthetic(server, 400)
    found = all_findings(macie)
    assert any(f["archived"] for f in found) and not all(f["archived"] for f in found)
    return found


def test_json_lists_every_current_finding_exactly_as_getfindings_returns_it(
    invoke: Run, data: list[dict[str, Any]]
) -> None:
    shown = listed(invoke)
    expected = newest_first(current(data))
    assert without_nulls(shown) == expected  # whole objects: ISO timestamps, every member
    policy = next(f for f in shown if f["category"] == "POLICY")
    assert policy["classificationDetails"] is None  # as sent, not as botocore re-shapes it
    assert isinstance(shown[0]["createdAt"], str) and shown[0]["createdAt"].endswith("Z")


def test_archived_lists_only_archived_findings(invoke: Run, data: list[dict[str, Any]]) -> None:
    shown = listed(invoke, "--archived")
    assert ids(shown) == ids(newest_first([f for f in data if f["archived"]]))
    assert {f["resourcesAffected"]["s3Bucket"]["name"] for f in shown} == {"synthetic-bucket-03"}


@pytest.mark.parametrize("minimum", ["Low", "Medium", "High"])
def test_severity_is_a_minimum(invoke: Run, data: list[dict[str, Any]], minimum: str) -> None:
    shown = listed(invoke, "--severity", minimum.upper())
    expected = [
        f
        for f in current(data)
        if SEVERITY_RANK[f["severity"]["description"]] >= SEVERITY_RANK[minimum]
    ]
    assert ids(shown) == ids(newest_first(expected))
    assert shown


@pytest.mark.parametrize(
    ("args", "wanted"),
    [
        (["--type", "Policy:"], lambda t: t.startswith("Policy:")),
        (["--type", "sensitivedata:s3object/p"], lambda t: t == "SensitiveData:S3Object/Personal"),
        (
            [
                "--type",
                "SensitiveData:S3Object/Financial",
                "--type",
                "Policy:IAMUser/S3BucketPublic",
            ],
            lambda t: t in ("SensitiveData:S3Object/Financial", "Policy:IAMUser/S3BucketPublic"),
        ),
    ],
)
def test_type_takes_types_and_prefixes(
    invoke: Run, data: list[dict[str, Any]], args: list[str], wanted: Any
) -> None:
    shown = listed(invoke, *args)
    assert ids(shown) == ids(newest_first([f for f in current(data) if wanted(f["type"])]))
    assert shown


def test_unknown_type_is_a_usage_error(invoke: Run, data: list[dict[str, Any]]) -> None:
    result = invoke("findings", "list", "--type", "Policy:Nope")
    assert result.exit_code == 2
    assert "'Policy:Nope' is not a finding type or the start of one" in result.output


@pytest.mark.parametrize("category", ["POLICY", "classification"])
def test_category(invoke: Run, data: list[dict[str, Any]], category: str) -> None:
    shown = listed(invoke, "--category", category)
    expected = [f for f in current(data) if f["category"] == category.upper()]
    assert ids(shown) == ids(newest_first(expected)) and shown


def test_bucket_repeatable(invoke: Run, data: list[dict[str, Any]]) -> None:
    shown = listed(invoke, "--bucket", "synthetic-bucket-01", "--bucket", "synthetic-bucket-07")
    names = ("synthetic-bucket-01", "synthetic-bucket-07")
    expected = [f for f in current(data) if f["resourcesAffected"]["s3Bucket"]["name"] in names]
    assert ids(shown) == ids(newest_first(expected)) and shown


def test_job(invoke: Run, data: list[dict[str, Any]]) -> None:
    jobs = sorted(
        {
            f["classificationDetails"]["jobId"]
            for f in current(data)
            if f.get("classificationDetails")
        }
    )[:2]
    shown = listed(invoke, "--job", jobs[0], "--job", jobs[1])
    expected = [
        f for f in current(data) if (f.get("classificationDetails") or {}).get("jobId") in jobs
    ]
    assert ids(shown) == ids(newest_first(expected)) and shown


@pytest.mark.parametrize("since", ["7d", "ISO"])
def test_since_is_on_updated_at(invoke: Run, data: list[dict[str, Any]], since: str) -> None:
    cutoff = datetime.now(timezone.utc) - timedelta(days=7)
    arg = since if since != "ISO" else cutoff.strftime("%Y-%m-%dT%H:%M:%SZ")
    shown = listed(invoke, "--since", arg)
    # Findings within a minute of the cut-off may fall either side (the clock moved on).
    margin = timedelta(minutes=1)
    for f in current(data):
        updated = datetime.fromisoformat(f["updatedAt"].replace("Z", "+00:00"))
        if updated > cutoff + margin:
            assert f["id"] in ids(shown)
        elif updated < cutoff - margin:
            assert f["id"] not in ids(shown)
    assert 0 < len(shown) < len(current(data))


def test_bad_since_is_a_usage_error(invoke: Run, data: list[dict[str, Any]]) -> None:
    result = invoke("findings", "list", "--since", "yesterday")
    assert result.exit_code == 2
    assert "'yesterday' is neither a duration (30m, 24h, 7d) nor an ISO 8601 time" in result.output


SORTS = {
    "updated": lambda f: f["updatedAt"],
    "created": lambda f: f["createdAt"],
    "severity": lambda f: f["severity"]["score"],
    "type": lambda f: f["type"],
    "count": lambda f: f["count"],
    "resource": lambda f: (
        f"{f['resourcesAffected']['s3Bucket']['name']}/"
        + (f["resourcesAffected"].get("s3Object") or {}).get("key", "")
    ),
    "first-seen": lambda f: (
        ((f.get("policyDetails") or {}).get("action") or {})
        .get("apiCallDetails", {})
        .get("firstSeen")
    ),
    "last-seen": lambda f: (
        ((f.get("policyDetails") or {}).get("action") or {})
        .get("apiCallDetails", {})
        .get("lastSeen")
    ),
}


@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("name", sorted(SORTS))
def test_every_sort_in_both_orders(
    invoke: Run, data: list[dict[str, Any]], name: str, order: str
) -> None:
    shown = listed(invoke, "--sort", f"{name}:{order}", "--severity", "High")
    key = SORTS[name]
    rows = [f for f in current(data) if f["severity"]["description"] == "High"]
    present = sorted(
        (f for f in rows if key(f) is not None),
        key=lambda f: (key(f), f["id"]),
        reverse=order == "desc",
    )
    missing = sorted((f for f in rows if key(f) is None), key=lambda f: f["id"])
    assert ids(shown) == ids(present + missing)


def test_limit_takes_the_first_ones(invoke: Run, data: list[dict[str, Any]]) -> None:
    shown = listed(invoke, "--limit", "73", "--sort", "created:asc")
    expected = sorted(current(data), key=lambda f: (f["createdAt"], f["id"]))[:73]
    assert ids(shown) == ids(expected)


def test_yaml_is_the_same_data(invoke: Run, data: list[dict[str, Any]]) -> None:
    result = invoke("findings", "list", "-o", "yaml", "--severity", "High")
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(result.stdout) == listed(invoke, "--severity", "High")


def test_global_output_before_the_command(
    server: LocalServer, invoke: Run, data: list[dict[str, Any]]
) -> None:
    result = invoke("-o", "json", "findings", "list", "--limit", "5")
    assert result.exit_code == 0, result.output
    assert ids(json.loads(result.stdout)) == ids(newest_first(current(data)))[:5]


def test_csv_has_flattened_key_columns(invoke: Run, data: list[dict[str, Any]]) -> None:
    result = invoke("findings", "list", "-o", "csv", "--category", "CLASSIFICATION")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    expected = newest_first([f for f in current(data) if f["category"] == "CLASSIFICATION"])
    assert [r["id"] for r in rows] == ids(expected)
    first, want = rows[0], expected[0]
    assert first == {
        "id": want["id"],
        "type": want["type"],
        "category": "CLASSIFICATION",
        "severity": want["severity"]["description"],
        "severityScore": str(want["severity"]["score"]),
        "count": "1",
        "accountId": want["accountId"],
        "region": "us-east-1",
        "bucket": want["resourcesAffected"]["s3Bucket"]["name"],
        "key": want["resourcesAffected"]["s3Object"]["key"],
        "jobId": want["classificationDetails"]["jobId"],
        "title": want["title"],
        "createdAt": want["createdAt"],
        "updatedAt": want["updatedAt"],
        "archived": "false",
        "sample": "false",
    }


def test_table_shows_severity_type_resource_count_and_id(
    server: LocalServer,
    invoke: Run,
    data: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    result = invoke("findings", "list", "--limit", "3")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [c.strip() for c in lines[1].strip("┃").split("┃")] == [
        "Severity", "Type", "Bucket / key", "Count", "Updated (UTC)", "Id",
    ]  # fmt: skip
    for finding, line in zip(newest_first(current(data))[:3], lines[3:6], strict=True):
        cells = [c.strip() for c in line.strip("│").split("│")]
        resource = finding["resourcesAffected"]["s3Bucket"]["name"]
        key = (finding["resourcesAffected"].get("s3Object") or {}).get("key")
        assert cells == [
            finding["severity"]["description"],
            finding["type"],
            f"{resource}/{key}" if key else resource,
            str(finding["count"]),
            finding["updatedAt"][:10] + " " + finding["updatedAt"][11:16],
            finding["id"],
        ]
    assert (
        result.stderr
        == "3 findings: "
        + ", ".join(
            f"{n} {s}"
            for s in ("High", "Medium", "Low")
            if (
                n := sum(f["severity"]["description"] == s for f in newest_first(current(data))[:3])
            )
        )
        + "\n"
    )


@pytest.mark.parametrize(("threshold", "code"), [("High", 3), ("Low", 3)])
def test_fail_on_exits_3_when_a_finding_reaches_the_threshold(
    invoke: Run, data: list[dict[str, Any]], threshold: str, code: int
) -> None:
    result = invoke("findings", "list", "-o", "json", "--fail-on", threshold)
    assert result.exit_code == code
    hits = [
        f
        for f in current(data)
        if SEVERITY_RANK[f["severity"]["description"]] >= SEVERITY_RANK[threshold]
    ]
    assert f"Error: {len(hits)} findings at or above {threshold}" in result.stderr
    assert len(json.loads(result.stdout)) == len(current(data))  # the data is still printed


def test_fail_on_passes_when_nothing_reaches_it(invoke: Run, data: list[dict[str, Any]]) -> None:
    result = invoke(
        "findings",
        "list",
        "--type",
        "Policy:IAMUser/S3BucketEncryptionDisabled",
        "--fail-on",
        "Medium",
    )
    assert result.exit_code == 0, result.output  # encryption-disabled findings are Low


def test_large_query_is_partitioned_and_uses_ceil_n_over_50_get_findings(
    server: LocalServer, macie: Any
) -> None:
    load_synthetic(server, 2600, seed=11)
    expected = newest_first(current(all_findings(macie)))
    app = make_app(server, output="json")
    calls: list[str] = []
    app.aws.client("macie2").meta.events.register(
        "before-call.macie2", lambda model, **_: calls.append(model.name)
    )
    result = invoke_with(app, "findings", "list")
    assert result.exit_code == 0, result.output
    assert ids(json.loads(result.stdout)) == ids(expected)
    assert calls.count("GetFindings") == math.ceil(len(expected) / 50)
    assert calls.count("GetFindingStatistics") == 1
    # Partitioned: more listings than one sequential pass would need pages for.
    assert calls.count("ListFindings") > math.ceil(len(expected) / 50)


def test_show_as_json_is_the_finding(invoke: Run, data: list[dict[str, Any]]) -> None:
    finding = current(data)[0]
    result = invoke("findings", "show", finding["id"], "-o", "json")
    assert result.exit_code == 0, result.output
    assert without_nulls(json.loads(result.stdout)) == finding


def test_show_reads_like_the_slack_message_plus_occurrences(
    invoke: Run, data: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    finding = next(f for f in current(data) if f["category"] == "CLASSIFICATION")
    result = invoke("findings", "show", finding["id"])
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert finding["resourcesAffected"]["s3Object"]["key"] in text
    assert finding["resourcesAffected"]["s3Bucket"]["name"] in text
    assert finding["severity"]["description"] in text
    assert "Occurrences" in text
    detection = finding["classificationDetails"]["result"]["sensitiveData"][0]["detections"][0]
    assert detection["type"] in text


def test_show_unknown_id(invoke: Run, data: list[dict[str, Any]]) -> None:
    result = invoke("findings", "show", "0" * 32)
    assert result.exit_code == 1
    assert f"Error: no finding {'0' * 32} in this account and Region" in result.stderr


GROUPS = {
    "type": lambda f: f["type"],
    "severity": lambda f: f["severity"]["description"],
    "bucket": lambda f: f["resourcesAffected"]["s3Bucket"]["name"],
    "job": lambda f: (f.get("classificationDetails") or {}).get("jobId"),
}


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_stats_group_by(invoke: Run, data: list[dict[str, Any]], group: str) -> None:
    result = invoke("findings", "stats", "--group-by", group, "--severity", "Medium", "-o", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    counts: dict[str, int] = {}
    for f in current(data):
        if f["severity"]["score"] >= 2 and GROUPS[group](f) is not None:
            counts[GROUPS[group](f)] = counts.get(GROUPS[group](f), 0) + 1
    assert {r["groupKey"]: r["count"] for r in rows} == counts
    assert [r["count"] for r in rows] == sorted((r["count"] for r in rows), reverse=True)


def test_reading_commands_need_no_config(
    invoke: Run,
    data: list[dict[str, Any]],
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # no macie-notify.yaml here
    assert invoke("findings", "list", "--limit", "1", "-o", "json").exit_code == 0
    assert invoke("findings", "stats").exit_code == 0


def test_at_80_columns_nothing_is_cut(
    server: LocalServer,
    invoke: Run,
    data: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Folded, never "…": every id stays whole (findings show takes it) and every key too.
    monkeypatch.setenv("COLUMNS", "80")
    result = invoke("findings", "list", "--limit", "5")
    assert result.exit_code == 0, result.output
    assert "…" not in result.stdout
    assert all(len(line) <= 80 for line in result.stdout.splitlines())
    flat = "".join(
        cell.strip()
        for line in result.stdout.splitlines()
        for cell in line.strip("│┃").split("│")[-1:]
    )
    for finding in newest_first(current(data))[:5]:
        assert finding["id"] in flat


def test_stats_table_summary_counts_in_words(invoke: Run, data: list[dict[str, Any]]) -> None:
    result = invoke("findings", "stats", "--group-by", "severity")
    assert result.exit_code == 0, result.output
    groups = {f["severity"]["description"] for f in current(data)}
    total = len(current(data))

    def words(n: int, noun: str) -> str:
        return f"{n} {noun}" if n == 1 else f"{n} {noun}s"

    assert result.stderr == f"{words(total, 'finding')} in {words(len(groups), 'group')}\n"
