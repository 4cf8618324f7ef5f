"""Retrieval against a hand-written fake: order kept, ceil(N/50) GetFindings, partitions
that cover the query exactly, raw JSON spans."""

from __future__ import annotations

import json
import math

import pytest
from findings_fakes import FakeMacie, finding

from macie_notify.findings.criteria import Filters
from macie_notify.findings.retrieval import (
    RawFinding,
    Retriever,
    _bins,
    sort_findings,
    split_findings,
)

TYPES = [
    "Policy:IAMUser/S3BucketPublic",
    "SensitiveData:S3Object/Personal",
    "SensitiveData:S3Object/Financial",
    "SensitiveData:S3Object/Credentials",
]
NEWEST = {"attributeName": "updatedAt", "orderBy": "DESC"}


def populated(count: int) -> FakeMacie:
    fake = FakeMacie(shuffle_get=True)
    for n in range(count):
        fake.put(finding(f"f{n:05d}", (n * 7919) % 100_000, type=TYPES[n % len(TYPES)]))
    return fake


def expected_ids(fake: FakeMacie, sort: dict[str, str] = NEWEST) -> list[str]:
    return [f["id"] for f in sort_findings(list(fake.docs.values()), sort)]


@pytest.mark.parametrize("count", [0, 1, 49, 50, 51, 777])
def test_small_query_keeps_list_order_with_ceil_n_over_50_get_findings(count: int) -> None:
    fake = populated(count)
    found = Retriever(fake, workers=4).fetch(Filters().criteria(), NEWEST)
    assert [f["id"] for f in found] == expected_ids(fake)
    assert fake.calls.count("GetFindings") == math.ceil(count / 50)
    assert fake.calls.count("ListFindings") == max(1, math.ceil(count / 50))
    assert "GetFindingStatistics" in fake.calls  # asked, then judged too small to split


def test_large_query_is_split_by_type_and_merged_in_order() -> None:
    fake = populated(2400)
    retriever = Retriever(fake, workers=8, partition_min=1000, partition_size=500)
    parts = retriever.partitions(Filters().criteria())
    # 2,400 findings in parts of ~500: one bin per type (600 each), then a last part
    # for a type that appears after the count.
    assert sorted(tuple(p["criterion"]["type"]["eq"]) for p in parts[:-1]) == sorted(
        (t,) for t in TYPES
    )
    assert parts[-1]["criterion"]["type"] == {"neq": sorted(TYPES)}
    fake.calls.clear()
    for sort in (NEWEST, {"attributeName": "type", "orderBy": "ASC"}):
        found = retriever.fetch(Filters().criteria(), sort)
        assert [f["id"] for f in found] == expected_ids(fake, sort)
    assert fake.calls.count("GetFindings") == 2 * math.ceil(2400 / 50)


def test_partitions_fall_back_when_one_value_dominates() -> None:
    fake = FakeMacie()
    for n in range(1200):  # one type, spread over 4 buckets
        fake.put(finding(f"g{n}", n, bucket=f"bucket-{n % 4}"))
    parts = Retriever(fake, partition_min=1000).partitions(Filters().criteria())
    fields = {field for p in parts for field in p["criterion"]} - {"archived"}
    assert fields == {"resourcesAffected.s3Bucket.name"}
    bins = [p["criterion"]["resourcesAffected.s3Bucket.name"] for p in parts]
    assert len(bins) == 4  # ceil(1200 / 500) = 3 bins, plus the rest
    assert sorted(b for part in bins[:-1] for b in part["eq"]) == [f"bucket-{n}" for n in range(4)]
    assert bins[-1] == {"neq": [f"bucket-{n}" for n in range(4)]}


def test_limit_stops_listing_early() -> None:
    fake = populated(500)
    found = Retriever(fake).fetch(Filters().criteria(), NEWEST, limit=120)
    assert [f["id"] for f in found] == expected_ids(fake)[:120]
    assert fake.calls.count("ListFindings") == 3
    assert fake.calls.count("GetFindings") == 3


def test_bins_balance_counts() -> None:
    counts = {"a": 900, "b": 500, "c": 400, "d": 100, "e": 100}
    bins = _bins(counts, 2)
    totals = sorted(sum(counts[k] for k in b) for b in bins)
    assert totals == [1000, 1000]
    assert sorted(k for b in bins for k in b) == sorted(counts)


def test_split_findings_keeps_each_findings_text() -> None:
    body = (
        '{ "findings" : [ {"id": "a", "count": 1, "title": "x, ]"} ,\n'
        '{"id":"b","nested":{"k":[1,2]}} ], "other": {"findings": [9]} }'
    )
    found = split_findings(body)
    assert [f["id"] for f in found] == ["a", "b"]
    assert all(isinstance(f, RawFinding) for f in found)
    assert found[0].raw == '{"id": "a", "count": 1, "title": "x, ]"}'
    assert json.loads(found[1].raw) == found[1] == {"id": "b", "nested": {"k": [1, 2]}}
    assert split_findings('{"findings": []}') == []
