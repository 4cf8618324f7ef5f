"""Fast, ordered retrieval of findings: paged ListFindings feeding batched GetFindings.

Macie's API hands out findings slowly by hand: ListFindings returns ids 50 at a time and
GetFindings takes at most 50 ids. :class:`Retriever` makes that fast without making more
calls than needed:

* GetFindings batches are fetched concurrently on a bounded pool *while paging
  continues*, and the findings come back in ListFindings order.
* A large query is split into disjoint partitions (by type, else bucket, else severity,
  sized with one GetFindingStatistics call), paged in parallel and merged in the sort
  order; a last partition (``neq`` every counted value) catches findings of a value that
  appeared after the count, so the partitions always cover the whole query.
* Ids from every partition share one batcher, so the number of GetFindings calls is
  exactly ``ceil(N / 50)`` for N findings.
* GetFindings responses are read as Macie sent them (ISO 8601 strings, no botocore
  re-parsing), which is both what ``-o json`` promises and most of the speed: botocore's
  model-driven parser spends ~2 ms per finding, the JSON decoder ~0.1 ms.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from macie_notify.findings.criteria import (
    BUCKET_FIELD,
    SEVERITY_FIELD,
    TYPE_FIELD,
    with_criterion,
)

PAGE_SIZE = 50  # ListFindings maxResults Macie accepts
BATCH_SIZE = 50  # GetFindings findingIds limit
MAX_EQ_VALUES = 50
# (groupBy of GetFindingStatistics, the criterion field it counts)
PARTITION_FIELDS = (TYPE_FIELD, BUCKET_FIELD, SEVERITY_FIELD)

Invoke = Callable[[Callable[..., Any], Mapping[str, Any]], Any]
"""How an API call is made: ``invoke(client.list_findings, params) -> response``."""


def direct(method: Callable[..., Any], params: Mapping[str, Any]) -> Any:
    return method(**params)


def read_raw_findings(client: Any) -> None:
    """Make ``client.get_findings`` return findings exactly as Macie sent them.

    A ``before-parse`` hook decodes the JSON body itself and hands botocore an empty body,
    so timestamps stay the API's ISO 8601 strings. Registered once per client.
    """
    events = getattr(getattr(client, "meta", None), "events", None)
    if events is None:  # a hand-written fake client
        return
    events.register(
        "before-parse.macie2.GetFindings", _raw_get_findings, unique_id="macie-notify-raw-findings"
    )


def _raw_get_findings(
    response_dict: dict[str, Any], customized_response_dict: dict[str, Any], **_: Any
) -> None:
    if response_dict.get("status_code") != 200 or not response_dict.get("body"):
        return  # errors keep botocore's own parsing (codes, messages)
    customized_response_dict["findings"] = split_findings(response_dict["body"].decode("utf-8"))
    response_dict["body"] = b"{}"


class RawFinding(dict[str, Any]):
    """A finding as decoded, plus ``raw``: its exact JSON text in the response.

    ``-o json`` writes ``raw`` instead of encoding the dict again, which is both exact
    and fast (re-encoding 10,000 findings costs over a second).
    """

    __slots__ = ("raw",)

    def __init__(self, data: dict[str, Any], raw: str) -> None:
        super().__init__(data)
        self.raw = raw


_DECODER = json.JSONDecoder()
_SPACE = " \t\n\r"


def split_findings(text: str) -> list[RawFinding]:
    """The ``findings`` of a GetFindings body, each with its own JSON text.

    Walks the top-level object with the C decoder's ``raw_decode``, which reports where
    each value ends: as fast as ``json.loads`` and keeps every finding's span.
    """
    pos = _skip(text, 0)
    if text[pos : pos + 1] != "{":
        raise ValueError("GetFindings answered something other than a JSON object")
    pos = _skip(text, pos + 1)
    found: list[RawFinding] = []
    while text[pos : pos + 1] == '"':
        key, pos = _DECODER.raw_decode(text, pos)
        pos = _skip(text, pos)
        pos = _skip(text, pos + 1)  # the colon
        if key == "findings" and text[pos : pos + 1] == "[":
            pos = _skip(text, pos + 1)
            while text[pos : pos + 1] not in ("]", ""):
                value, end = _DECODER.raw_decode(text, pos)
                found.append(RawFinding(value, text[pos:end]))
                pos = _skip(text, end)
                pos = _skip(text, pos + 1) if text[pos : pos + 1] == "," else pos
            pos += 1
        else:
            _, pos = _DECODER.raw_decode(text, pos)
        pos = _skip(text, pos)
        pos = _skip(text, pos + 1) if text[pos : pos + 1] == "," else pos
    return found


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _SPACE:
        pos += 1
    return pos


def sort_value(finding: Mapping[str, Any], attribute: str) -> Any:
    """The value a finding sorts by for a ListFindings sort attribute (None: missing)."""
    if attribute == "resourcesAffected":
        res = finding.get("resourcesAffected") or {}
        bucket = (res.get("s3Bucket") or {}).get("name") or ""
        key = (res.get("s3Object") or {}).get("key") or ""
        return f"{bucket}/{key}"
    value: Any = finding
    for part in attribute.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def sort_findings(findings: Sequence[Mapping[str, Any]], sort: Mapping[str, str]) -> list[Any]:
    """Findings in ``sort`` order: ties by id, findings without the attribute last.

    Used to merge partitions; ISO 8601 strings of one format sort as times do.
    """
    attribute = sort["attributeName"]
    present = [(sort_value(f, attribute), str(f.get("id")), f) for f in findings]
    missing = sorted((p for p in present if p[0] is None), key=lambda p: p[1])
    ordered = sorted(
        (p for p in present if p[0] is not None),
        key=lambda p: (p[0], p[1]),
        reverse=sort.get("orderBy", "ASC") == "DESC",
    )
    return [p[2] for p in ordered + missing]


class _Batcher:
    """Collects ids from any number of listing threads; full batches go to ``submit``."""

    def __init__(self, submit: Callable[[list[str]], Future[dict[str, Any]]]) -> None:
        self._submit = submit
        self._lock = threading.Lock()
        self._buffer: list[str] = []
        self._seen: set[str] = set()
        self.futures: list[Future[dict[str, Any]]] = []

    def add(self, ids: Sequence[str]) -> None:
        with self._lock:
            for fid in ids:
                if fid not in self._seen:  # a finding updated while paging can show twice
                    self._seen.add(fid)
                    self._buffer.append(fid)
            while len(self._buffer) >= BATCH_SIZE:
                batch, self._buffer = self._buffer[:BATCH_SIZE], self._buffer[BATCH_SIZE:]
                self.futures.append(self._submit(batch))

    def flush(self) -> None:
        with self._lock:
            if self._buffer:
                self.futures.append(self._submit(self._buffer))
                self._buffer = []


class Retriever:
    """Lists and fetches findings for one macie2 client.

    ``workers`` bounds the concurrent GetFindings calls, ``max_partitions`` the parallel
    listings; a query is partitioned only when it matches at least ``partition_min``
    findings (one listing of fewer pages is as fast).
    """

    def __init__(
        self,
        client: Any,
        *,
        invoke: Invoke = direct,
        workers: int = 16,
        max_partitions: int = 12,
        partition_min: int = 1000,
        partition_size: int = 500,
    ) -> None:
        self.client = client
        self.invoke = invoke
        self.workers = workers
        self.max_partitions = max_partitions
        self.partition_min = partition_min
        self.partition_size = partition_size
        read_raw_findings(client)

    # -- listing ---------------------------------------------------------------------

    def id_pages(
        self,
        criteria: Mapping[str, Any],
        sort: Mapping[str, str] | None,
        limit: int | None = None,
        stop: threading.Event | None = None,
    ) -> Iterator[list[str]]:
        """ListFindings pages (lists of ids) in order, ``limit`` ids at most."""
        params: dict[str, Any] = {"findingCriteria": dict(criteria), "maxResults": PAGE_SIZE}
        if sort:
            params["sortCriteria"] = dict(sort)
        left = limit
        while stop is None or not stop.is_set():
            page = self.invoke(self.client.list_findings, params)
            ids = list(page.get("findingIds") or [])
            if left is not None:
                ids = ids[:left]
                left -= len(ids)
            if ids:
                yield ids
            token = page.get("nextToken")
            if not token or left == 0:
                return
            params = {**params, "nextToken": token}

    def get(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        """GetFindings for ``ids`` in batches of 50, concurrently; returned in ``ids`` order."""
        with ThreadPoolExecutor(self.workers, thread_name_prefix="get-findings") as pool:
            batcher = _Batcher(lambda batch: pool.submit(self._get_batch, batch))
            batcher.add(ids)
            batcher.flush()
            found: dict[str, dict[str, Any]] = {}
            for future in batcher.futures:
                found.update(future.result())
        return [found[i] for i in dict.fromkeys(ids) if i in found]

    def _get_batch(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        response = self.invoke(self.client.get_findings, {"findingIds": ids})
        return {f["id"]: f for f in response.get("findings") or []}

    # -- the whole query -----------------------------------------------------------

    def fetch(
        self,
        criteria: Mapping[str, Any],
        sort: Mapping[str, str],
        limit: int | None = None,
        *,
        split: bool = True,
    ) -> list[dict[str, Any]]:
        """Every finding matching ``criteria`` in ``sort`` order (``limit`` first ones).

        ``split=False`` skips the partition planning (and its GetFindingStatistics call),
        for queries known to be small.
        """
        small = limit is not None or not split
        parts = [dict(criteria)] if small else self.partitions(criteria)
        stop = threading.Event()
        with (
            ThreadPoolExecutor(self.workers, thread_name_prefix="get-findings") as getters,
            ThreadPoolExecutor(len(parts), thread_name_prefix="list-findings") as listers,
        ):
            batcher = _Batcher(lambda batch: getters.submit(self._get_batch, batch))

            def list_part(part: Mapping[str, Any]) -> list[str]:
                out: list[str] = []
                for page in self.id_pages(part, sort, limit, stop):
                    batcher.add(page)
                    out += page
                return out

            listings = [listers.submit(list_part, part) for part in parts]
            try:
                id_lists = [listing.result() for listing in listings]
                batcher.flush()
                found: dict[str, dict[str, Any]] = {}
                for future in batcher.futures:
                    found.update(future.result())
            except BaseException:
                stop.set()  # the other listings end at their next page
                for future in batcher.futures:
                    future.cancel()
                raise
        if len(id_lists) == 1:
            return [found[i] for i in dict.fromkeys(id_lists[0]) if i in found]
        return sort_findings(list(found.values()), sort)

    def partitions(self, criteria: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Disjoint criteria that together match what ``criteria`` matches."""
        for field in PARTITION_FIELDS:
            counts = self.counts(criteria, field)
            total = sum(counts.values())
            if total < self.partition_min:
                return [dict(criteria)]
            wanted = min(self.max_partitions, math.ceil(total / self.partition_size))
            if len(counts) > MAX_EQ_VALUES or wanted < 2:
                continue
            if max(counts.values()) > total / 2:
                continue  # one value holds most findings: try the next field
            return [
                *(with_criterion(criteria, field, {"eq": keys}) for keys in _bins(counts, wanted)),
                with_criterion(criteria, field, {"neq": sorted(counts)}),
            ]
        return [dict(criteria)]

    def counts(self, criteria: Mapping[str, Any], group_by: str) -> dict[str, int]:
        """GetFindingStatistics: matching findings per value of ``group_by``."""
        response = self.invoke(
            self.client.get_finding_statistics,
            {"findingCriteria": dict(criteria), "groupBy": group_by, "size": 1000},
        )
        return {str(r["groupKey"]): int(r["count"]) for r in response.get("countsByGroup") or []}


def _bins(counts: Mapping[str, int], wanted: int) -> list[list[str]]:
    """Values packed into at most ``wanted`` bins of similar total count (largest first)."""
    totals = [0] * min(wanted, len(counts))
    bins: list[list[str]] = [[] for _ in totals]
    for key, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        lightest = totals.index(min(totals))
        totals[lightest] += count
        bins[lightest].append(key)
    return [sorted(keys) for keys in bins if keys]
