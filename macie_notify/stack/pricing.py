"""What a classification job will cost per month, before it runs (dated price data).

Macie charges sensitive data discovery jobs by the uncompressed bytes they analyse, in
tiers per account and month, and bucket monitoring per bucket and month. The prices
below are the published US East (N. Virginia) ones; the pricing page renders other
Regions' prices dynamically, so they are assumed equal and the estimate says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_macie2 import Macie2Client

SOURCE_URL = "https://aws.amazon.com/macie/pricing/"
PRICES_AS_OF = "2026-10-07"
# USD per GB analysed by jobs, first 50 TB a month (the next tiers are cheaper).
PER_GB_FIRST_50TB = {"us-east-1": 1.00}
PER_BUCKET_MONTH = {"us-east-1": 0.10}
FREE_GB_PER_MONTH = 1.0
GB = 1024**3
# Runs a month per schedule kind (a monthly schedule runs once; daily about 30.4 times).
RUNS_PER_MONTH = {"once": 0.0, "daily": 30.4, "weekly": 4.35, "monthly": 1.0}


@dataclass(frozen=True)
class CostEstimate:
    bucket: str
    classifiable_bytes: int
    sampling_percentage: int
    runs_per_month: float
    price_per_gb: float
    region_price_known: bool
    initial_run_gb: float
    monthly_usd: float
    first_run_usd: float

    def assumptions(self) -> list[str]:
        out = [
            f"price ${self.price_per_gb:.2f}/GB analysed (first 50 TB a month), "
            f"from {SOURCE_URL} as of {PRICES_AS_OF}",
            f"{FREE_GB_PER_MONTH:g} GB a month free; bucket monitoring "
            f"${PER_BUCKET_MONTH['us-east-1']:.2f}/bucket/month not included",
            "every classifiable byte is analysed on each run (scheduled runs after the first "
            "analyse only new or changed objects, so later runs usually cost less)",
        ]
        if not self.region_price_known:
            out.append("this Region's price equals US East (N. Virginia)'s (not published as text)")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "bucket": self.bucket,
            "classifiableBytes": self.classifiable_bytes,
            "samplingPercentage": self.sampling_percentage,
            "runsPerMonth": self.runs_per_month,
            "pricePerGbUsd": self.price_per_gb,
            "monthlyUsd": round(self.monthly_usd, 2),
            "firstRunUsd": round(self.first_run_usd, 2),
            "assumptions": self.assumptions(),
            "source": SOURCE_URL,
            "pricesAsOf": PRICES_AS_OF,
        }


def estimate(
    *,
    bucket: str,
    region: str,
    classifiable_bytes: int,
    sampling_percentage: int,
    schedule_kind: str,
    initial_run: bool,
) -> CostEstimate:
    """classifiable bytes x sampling % x runs a month x the Region's price per GB."""
    price = PER_GB_FIRST_50TB.get(region)
    known = price is not None
    per_gb = price if price is not None else PER_GB_FIRST_50TB["us-east-1"]
    gb_per_run = classifiable_bytes / GB * sampling_percentage / 100
    runs = RUNS_PER_MONTH.get(schedule_kind, 0.0)
    first = gb_per_run if (initial_run or schedule_kind == "once") else 0.0
    monthly = max(gb_per_run * runs - FREE_GB_PER_MONTH, 0.0) * per_gb
    return CostEstimate(
        bucket=bucket,
        classifiable_bytes=classifiable_bytes,
        sampling_percentage=sampling_percentage,
        runs_per_month=runs,
        price_per_gb=per_gb,
        region_price_known=known,
        initial_run_gb=first,
        monthly_usd=monthly,
        first_run_usd=max(first - FREE_GB_PER_MONTH, 0.0) * per_gb,
    )


def classifiable_bytes(macie2: Macie2Client, bucket: str) -> int | None:
    """DescribeBuckets' classifiableSizeInBytes for ``bucket`` (None: Macie has no data)."""
    answer: Mapping[str, Any] = macie2.describe_buckets(criteria={"bucketName": {"eq": [bucket]}})
    for item in answer.get("buckets", []):
        if item.get("bucketName") == bucket:
            return int(item.get("classifiableSizeInBytes") or 0)
    return None
