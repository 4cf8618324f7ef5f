"""Apache Avro and Apache Parquet files: records as JSON, located as Macie locates them.

Macie reports occurrences in Avro and Parquet files as ``records[] {recordIndex, jsonPath}``
and treats every element name on a value's path as near it (keywords). Each record is
written as one JSON line and scanned with the JSON Lines structure, which gives exactly that.
Records are streamed (Avro blocks, Parquet record batches), so memory stays bounded.
Readers: fastavro and pyarrow (the ``formats`` extra).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

from macie_notify.detect.sources import Limits, ReaderUnavailable, Segment
from macie_notify.detect.structured import JsonPaths

MISSING_AVRO = "not scanned: install macie-notify[formats] (Avro needs fastavro)"
MISSING_PARQUET = "not scanned: install macie-notify[formats] (Parquet needs pyarrow)"
_BATCH = 4096


def _line(record: Any) -> str:
    # default=str: bytes, dates and decimals become their text (what Macie reads of them).
    return json.dumps(record, ensure_ascii=False, default=str) + "\n"


def read_avro(stream: IO[bytes], name: str, limits: Limits) -> Iterator[Segment]:
    try:
        import fastavro
    except ImportError as exc:
        raise ReaderUnavailable(MISSING_AVRO) from exc
    try:
        records = fastavro.reader(stream)
    except (StopIteration, fastavro.read.SchemaResolutionError) as exc:
        raise ValueError(f"not an Avro object container file: {exc}") from exc
    yield Segment((_line(r) for r in records), JsonPaths(lines=True))


def read_parquet(stream: IO[bytes], name: str, limits: Limits) -> Iterator[Segment]:
    try:
        import pyarrow
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise ReaderUnavailable(MISSING_PARQUET) from exc
    try:
        parquet = pq.ParquetFile(stream)
    except pyarrow.ArrowException as exc:
        raise ValueError(str(exc)) from exc
    yield Segment(_parquet_lines(parquet, pyarrow), JsonPaths(lines=True))


def _parquet_lines(parquet: Any, pyarrow: Any) -> Iterator[str]:
    try:
        for batch in parquet.iter_batches(batch_size=_BATCH):
            for record in batch.to_pylist():
                yield _line(record)
    except pyarrow.ArrowException as exc:
        raise ValueError(str(exc)) from exc
