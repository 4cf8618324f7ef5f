"""Allow lists: text Macie ignores when it inspects objects
(https://docs.aws.amazon.com/macie/latest/user/allow-lists.html).

Two kinds: a regex (Macie's regex subset, 1-512 characters) or a list of predefined words
in an S3 object (one entry per line, 4-90 characters each, at most 100,000 entries and
35 MB; matched case-insensitively as whole text). An account has at most 10 allow lists and
a job at most 10. A job honours its lists by never reporting an occurrence of allowed text:
:func:`mask` blanks that text (same length, so every reported position stays where it was)
before the object is scanned. Only text objects can be masked; a binary format (zip, gzip,
Office) is scanned as is.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from macie_notify.local.macie2 import validation
from macie_notify.local.macie2.exceptions import (
    ResourceNotFoundException,
    ServiceQuotaExceededException,
    ValidationException,
)
from macie_notify.local.macie2.shapes import now_iso

__all__ = ["WORDS_MAX_BYTES", "AllowLists", "mask"]

QUOTA = 10
WORDS_MAX_BYTES = 35 * 1024 * 1024
WORDS_MAX_ENTRIES = 100_000

# (bucket, key) -> the words file's bytes; raises KeyError when the object is missing.
ObjectReader = Callable[[str, str], bytes]


class AllowLists:
    """One account's allow lists in one Region (guarded by the backend's lock)."""

    def __init__(self, arn: Callable[[str, str], str]) -> None:
        self._arn = arn
        self.items: dict[str, dict[str, Any]] = {}

    def create(self, params: Mapping[str, Any]) -> dict[str, Any]:
        _check(params)
        if len(self.items) >= QUOTA:
            raise ServiceQuotaExceededException("The account already has 10 allow lists.")
        list_id = uuid.uuid4().hex[:22]
        stamp = now_iso()
        item = {
            "arn": self._arn("allow-list", list_id),
            "createdAt": stamp,
            "criteria": dict(params["criteria"]),
            "description": params.get("description"),
            "id": list_id,
            "name": params["name"],
            "tags": dict(params.get("tags") or {}),
            "updatedAt": stamp,
        }
        self.items[list_id] = item
        return item

    def get(self, list_id: str) -> dict[str, Any]:
        found = self.items.get(list_id)
        if found is None:
            raise ResourceNotFoundException(f"The allow list {list_id} doesn't exist.")
        return found

    def update(self, params: Mapping[str, Any]) -> dict[str, Any]:
        item = self.get(params["id"])
        _check(params)
        item.update(
            criteria=dict(params["criteria"]),
            description=params.get("description"),
            name=params["name"],
            updatedAt=now_iso(),
        )
        return item

    def delete(self, list_id: str, used_by: Iterable[str], ignore_job_checks: bool) -> None:
        self.get(list_id)
        jobs = sorted(used_by)
        if jobs and not ignore_job_checks:
            raise ValidationException(
                f"The allow list {list_id} is used by active classification jobs "
                f"({', '.join(jobs)}); set ignoreJobChecks to delete it anyway."
            )
        del self.items[list_id]

    def summaries(self) -> list[dict[str, Any]]:
        keys = ("arn", "createdAt", "description", "id", "name", "updatedAt")
        ordered = sorted(self.items.values(), key=lambda i: (i["createdAt"], i["id"]))
        return [{k: i[k] for k in keys} for i in ordered]

    def status(self, item: Mapping[str, Any], read: ObjectReader | None) -> dict[str, Any]:
        """GetAllowList's ``status``: whether Macie can use the list's words file."""
        words = item["criteria"].get("s3WordsList")
        if not words:
            return {"code": "OK"}
        if read is None:
            return {"code": "UNKNOWN_ERROR", "description": "No S3 storage to read from."}
        try:
            data = read(words["bucketName"], words["objectKey"])
        except KeyError:
            return {"code": "S3_OBJECT_NOT_FOUND", "description": "The words file doesn't exist."}
        if not data.strip():
            return {"code": "S3_OBJECT_EMPTY", "description": "The words file is empty."}
        if len(data) > WORDS_MAX_BYTES:
            return {"code": "S3_OBJECT_OVERSIZE", "description": "The words file exceeds 35 MB."}
        return {"code": "OK"}

    def matchers(self, ids: Iterable[str], read: ObjectReader | None) -> list[re.Pattern[str]]:
        """One pattern per usable list (a list Macie can't read is skipped, as on AWS)."""
        from macie_notify.local.macie2.identifiers import check_regex

        out = []
        for list_id in ids:
            item = self.items.get(list_id)
            if item is None:
                continue
            criteria = item["criteria"]
            if criteria.get("regex"):
                out.append(check_regex(criteria["regex"]))
            elif criteria.get("s3WordsList") and read is not None:
                words = criteria["s3WordsList"]
                try:
                    data = read(words["bucketName"], words["objectKey"])
                except KeyError:
                    continue
                entries = words_of(data)
                if entries:
                    alternatives = "|".join(re.escape(w) for w in sorted(entries, key=len)[::-1])
                    # Whole text only: not part of a longer word.
                    out.append(re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE))
        return out


def words_of(data: bytes) -> list[str]:
    """The entries of a words file (blank lines dropped, at most 100,000)."""
    text = data.decode("utf-8", errors="replace")
    entries = [line.strip() for line in text.splitlines() if line.strip()]
    return entries[:WORDS_MAX_ENTRIES]


def mask(data: bytes, matchers: Iterable[re.Pattern[str]]) -> bytes:
    """``data`` with every allowed text replaced by spaces (text objects only)."""
    patterns = list(matchers)
    if not patterns:
        return data
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data  # binary: the detection engine opens it, allow lists can't apply here
    chars = list(text)
    for pattern in patterns:
        for found in pattern.finditer(text):
            for pos in range(found.start(), found.end()):
                if chars[pos] not in "\r\n":
                    chars[pos] = " "
    return "".join(chars).encode("utf-8")


def _check(params: Mapping[str, Any]) -> None:
    validation.text(params.get("name"), "name", low=1, high=128)
    validation.text(params.get("description"), "description", high=512)
    validation.tags(params.get("tags"))
    criteria = params.get("criteria") or {}
    given = [k for k in ("regex", "s3WordsList") if criteria.get(k)]
    if len(given) != 1:
        raise ValidationException("criteria needs exactly one of regex or s3WordsList.")
    if criteria.get("regex"):
        from macie_notify.local.macie2.identifiers import check_regex

        check_regex(criteria["regex"])
