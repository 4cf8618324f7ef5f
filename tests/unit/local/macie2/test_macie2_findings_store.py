"""The indexed findings store agrees with a brute-force evaluation of the criteria."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from macie_notify.local.macie2.exceptions import ValidationException
from macie_notify.local.macie2.filters import flatten, matches, parse_criteria
from macie_notify.local.macie2.sample_findings import FINDING_TYPES, synthetic_findings
from macie_notify.local.macie2.shapes import epoch_millis
from macie_notify.local.macie2.store import FindingStore, sort_key

DOCS = synthetic_findings(400, "123456789012", "us-east-1", seed=3)
for n, doc in enumerate(DOCS):
    doc["id"] = f"{n:032x}"
    doc["archived"] = n % 7 == 0
    doc["sample"] = False
    doc["count"] = 1 + n % 4


def _store() -> FindingStore:
    store = FindingStore()
    for doc in DOCS:
        store.put(doc)
    return store


STORE = _store()
TIMES = sorted(epoch_millis(d["createdAt"]) for d in DOCS)
BUCKETS = sorted({d["resourcesAffected"]["s3Bucket"]["name"] for d in DOCS})

criterion = st.fixed_dictionaries(
    {},
    optional={
        "type": st.fixed_dictionaries(
            {},
            optional={
                "eq": st.lists(st.sampled_from(FINDING_TYPES), max_size=3),
                "neq": st.lists(st.sampled_from(FINDING_TYPES), max_size=3),
            },
        ),
        "severity.score": st.fixed_dictionaries(
            {}, optional={"gte": st.integers(0, 4), "lt": st.integers(0, 4)}
        ),
        "createdAt": st.fixed_dictionaries(
            {}, optional={"gt": st.sampled_from(TIMES), "lte": st.sampled_from(TIMES)}
        ),
        "archived": st.fixed_dictionaries({"eq": st.sampled_from([["true"], ["false"]])}),
        "resourcesAffected.s3Bucket.name": st.fixed_dictionaries(
            {}, optional={"neq": st.lists(st.sampled_from(BUCKETS), max_size=4)}
        ),
        "classificationDetails.result.sensitiveData.category": st.fixed_dictionaries(
            {
                "eqExactMatch": st.sampled_from(
                    [["PERSONAL_INFORMATION"], ["FINANCIAL_INFORMATION", "PERSONAL_INFORMATION"]]
                )
            }
        ),
    },
)
sorts = st.sampled_from(
    [
        None,
        ("createdAt", "ASC"),
        ("updatedAt", "DESC"),
        ("severity.score", "DESC"),
        ("count", "ASC"),
        ("type", "ASC"),
        ("resourcesAffected", "DESC"),
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(crit=criterion, sort=sorts)
def test_index_matches_brute_force(crit: dict[str, Any], sort: tuple[str, str] | None) -> None:
    crit = {k: v for k, v in crit.items() if v}
    conditions = parse_criteria({"criterion": crit})
    got = STORE.query(conditions, sort, repr((crit, sort)))
    expected = [d for d in DOCS if matches(conditions, flatten(d))]
    assert set(got) == {d["id"] for d in expected}
    attribute, order = sort or ("updatedAt", "DESC")
    keys = [sort_key(STORE.docs[i], attribute) for i in got]
    present = [k for k in keys if k is not None]
    assert present == sorted(present, reverse=order == "DESC")


def test_updates_keep_indexes_consistent() -> None:
    store = _store()
    victim = dict(DOCS[5])
    victim["type"] = "Policy:IAMUser/S3BucketPublic"
    victim["createdAt"] = "2001-01-01T00:00:00.000Z"
    store.put(victim)
    by_type = store.query(
        parse_criteria({"criterion": {"type": {"eq": [victim["type"]]}}}), None, "a"
    )
    assert victim["id"] in by_type
    old = store.query(
        parse_criteria({"criterion": {"createdAt": {"lt": 1_000_000_000_000}}}), None, "b"
    )
    assert old == [victim["id"]]
    assert store.sorted_ids("createdAt", "ASC")[0] == victim["id"]
    assert len(store) == len(DOCS)


@pytest.mark.parametrize(
    "crit",
    [
        {"nope.field": {"eq": ["x"]}},
        {"type": {}},
        {"type": {"eqExactMatch": ["x"]}},
        {"type": {"eq": [str(n) for n in range(51)]}},
    ],
)
def test_criteria_checks(crit: dict[str, Any]) -> None:
    with pytest.raises(ValidationException):
        parse_criteria({"criterion": crit})
