"""Names and helpers shared by the samples sync tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

REGION = "eu-west-1"
ACCOUNT = "123456789012"  # moto's default account
STACK = "samples-test"
BUCKET = f"{STACK}-data-{ACCOUNT}-{REGION}"


def write_config(folder: Path, source: str | None = None, prefix: str = "samples/") -> Path:
    lines = [f"stack: {{name: {STACK}, region: {REGION}}}", "samples:", f"  prefix: {prefix}"]
    if source is not None:
        lines.append(f"  source: {source}")
    path = folder / "macie-notify.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def keys(s3: Any, bucket: str = BUCKET) -> list[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return sorted(item["Key"] for page in pages for item in page.get("Contents", []))
