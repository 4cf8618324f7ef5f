"""nextToken encode/decode, bound to the query that produced it.

A token carries the offset of the next page and a digest of the request that made it
(criteria, sort, and the operation), so a token replayed with a different query is a
ValidationException as on AWS, and a mangled one too. Tokens are opaque base64 text.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from macie_notify.local.macie2.exceptions import ValidationException

T = TypeVar("T")

DEFAULT_PAGE = 50
MAX_PAGE = 1000


def query_digest(operation: str, query: Any) -> str:
    """A short stable digest of what a token is valid for."""
    canonical = json.dumps([operation, query], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def encode_token(digest: str, offset: int) -> str:
    raw = json.dumps({"q": digest, "o": offset}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str | None, digest: str) -> int:
    """The offset a token points to; 0 without a token; ValidationException when invalid."""
    if token is None or token == "":
        return 0
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        offset = int(data["o"])
        bound = str(data["q"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ValidationException("The nextToken is not valid.") from exc
    if bound != digest or offset < 0:
        raise ValidationException("The nextToken is not valid for this request.")
    return offset


def encode_cursor(digest: str, cursor: Any) -> str:
    """A token naming the last item returned (keyset paging) instead of an offset."""
    raw = json.dumps({"q": digest, "c": cursor}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str | None, digest: str) -> Any:
    """The cursor a keyset token carries; None without a token; ValidationException if bad."""
    if token is None or token == "":
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        cursor = data["c"]
        bound = str(data["q"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ValidationException("The nextToken is not valid.") from exc
    if bound != digest or not isinstance(cursor, list) or len(cursor) != 2:
        raise ValidationException("The nextToken is not valid for this request.")
    return cursor


def page_size(max_results: int | None, default: int = DEFAULT_PAGE, cap: int = MAX_PAGE) -> int:
    """Page size for a request; non-positive values are rejected like AWS's input checks."""
    if max_results is None:
        return default
    if max_results < 1:
        raise ValidationException("maxResults must be a positive number.")
    return min(max_results, cap)


def paginate(
    items: Sequence[T], operation: str, query: Any, token: str | None, size: int
) -> tuple[list[T], str | None]:
    """One page of ``items`` and the token for the next page (None on the last one)."""
    digest = query_digest(operation, query)
    start = decode_token(token, digest)
    page = list(items[start : start + size])
    end = start + len(page)
    return page, (encode_token(digest, end) if end < len(items) else None)


def page_of(
    items: Sequence[T],
    operation: str,
    query: Any,
    params: Mapping[str, Any],
    *,
    default: int,
    cap: int,
) -> tuple[list[T], str | None]:
    """The page a List/Describe request asks for with its ``maxResults`` and ``nextToken``."""
    size = page_size(params.get("maxResults"), default=default, cap=cap)
    return paginate(items, operation, query, params.get("nextToken"), size)
