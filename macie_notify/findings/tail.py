"""Follow findings as they are created and updated (``findings --tail``).

The shape follows chalice's ``FollowLogEventGenerator``: a cursor, an injected clock and
sleep, and a generator of new items. The cursor is the newest ``updatedAt`` printed (epoch
milliseconds) plus the ``(updatedAt, count)`` of every finding printed at exactly that
time. Each poll asks for ``updatedAt >= cursor`` (not ``>``: more findings may arrive
with the cursor's very timestamp), oldest first, and skips what the cursor has seen, so:

* a new finding is printed once, even when hundreds share one millisecond;
* a policy finding that happens again (Macie raises its ``count`` and ``updatedAt``) is
  printed again, once per update seen;
* the cursor moves only past printed findings, so an error, ``--max-findings`` or a
  restart from the checkpoint file never skips or repeats one.

Throttling and transient errors are retried per call with capped exponential backoff
(a note on stderr each time); authentication and authorization errors end the tail
after a few attempts.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from macie_notify.errors import MacieNotifyError, UsageError
from macie_notify.findings.criteria import (
    UPDATED_FIELD,
    epoch_millis,
    millis_of,
    with_criterion,
)
from macie_notify.findings.retrieval import Invoke, Retriever

ASCENDING = {"attributeName": "updatedAt", "orderBy": "ASC"}
CHECKPOINT_VERSION = 1

TRANSIENT_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "InternalServerException",
        "InternalFailure",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)
AUTH_CODES = frozenset(
    {
        "AccessDeniedException",
        "AccessDenied",
        "UnauthorizedOperation",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
    }
)


@dataclass
class Cursor:
    """Where a tail stands: ``at`` (epoch ms) and what was printed at exactly that time."""

    at: int
    seen: dict[str, tuple[int, int]] = field(default_factory=dict)

    def is_new(self, finding: Mapping[str, Any]) -> bool:
        stamp, count = _stamp(finding)
        last = self.seen.get(str(finding["id"]))
        return last is None or (stamp, count) > last

    def advance(self, finding: Mapping[str, Any]) -> None:
        stamp, count = _stamp(finding)
        if stamp > self.at:
            self.at = stamp
            self.seen = {}
        if stamp == self.at:
            self.seen[str(finding["id"])] = (stamp, count)
        # An older finding (visible late) is printed but moves nothing: the next query
        # starts at the cursor and cannot return it again.

    def to_json(self) -> dict[str, Any]:
        return {
            "version": CHECKPOINT_VERSION,
            "cursor": self.at,
            "seen": {fid: list(v) for fid, v in sorted(self.seen.items())},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Cursor:
        if data.get("version") != CHECKPOINT_VERSION:
            raise ValueError(f"unknown checkpoint version {data.get('version')!r}")
        seen = {str(k): (int(v[0]), int(v[1])) for k, v in dict(data.get("seen") or {}).items()}
        return cls(int(data["cursor"]), seen)


def _stamp(finding: Mapping[str, Any]) -> tuple[int, int]:
    updated = finding.get("updatedAt") or finding.get("createdAt")
    stamp = millis_of(updated) if isinstance(updated, str) else 0
    return stamp, int(finding.get("count") or 1)


class Checkpoint:
    """The cursor in a JSON file, replaced atomically (temp file + ``os.replace``)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def load(self) -> Cursor | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise UsageError(f"cannot read the checkpoint {self.path}: {exc.strerror}") from None
        try:
            return Cursor.from_json(json.loads(text))
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            raise UsageError(
                f"{self.path} is not a findings tail checkpoint: {exc}",
                "delete it to start again from --since",
            ) from None

    def save(self, cursor: Cursor) -> None:
        folder = self.path.parent
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=folder)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(cursor.to_json(), handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except OSError as exc:
            raise MacieNotifyError(
                f"cannot write the checkpoint {self.path}: {exc.strerror or exc}",
                "check the folder exists and is writable",
            ) from None


class Retrying:
    """An :data:`Invoke` that rides out throttling and transient errors with backoff."""

    def __init__(
        self,
        sleep: Callable[[float], None],
        note: Callable[[str], None],
        *,
        base: float = 1.0,
        cap: float = 30.0,
        auth_attempts: int = 3,
    ) -> None:
        self.sleep = sleep
        self.note = note
        self.base = base
        self.cap = cap
        self.auth_attempts = auth_attempts
        self.retries = 0

    def __call__(self, method: Callable[..., Any], params: Mapping[str, Any]) -> Any:
        transient = auth = 0
        while True:
            try:
                return method(**params)
            except Exception as exc:
                kind, label = classify(exc)
                if kind is None:
                    raise
                if kind == "auth":
                    auth += 1
                    if auth >= self.auth_attempts:
                        raise
                transient += 1
                delay = min(self.cap, self.base * 2 ** (transient - 1))
                self.retries += 1
                name = getattr(method, "__name__", "call")
                self.note(f"{name}: {label}; retrying in {delay:g}s")
                self.sleep(delay)


def classify(exc: BaseException) -> tuple[str | None, str]:
    """``("transient" | "auth" | None, label)`` for an error raised by a botocore call."""
    import botocore.exceptions as bex

    if isinstance(exc, bex.ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        if code in AUTH_CODES:
            return "auth", code
        if code in TRANSIENT_CODES or status >= 500 or status == 429:
            return "transient", code or f"HTTP {status}"
        return None, code
    if isinstance(exc, (bex.NoCredentialsError, bex.PartialCredentialsError)):
        return "auth", type(exc).__name__
    if isinstance(
        exc,
        (
            bex.EndpointConnectionError,
            bex.ConnectionClosedError,
            bex.ConnectTimeoutError,
            bex.ReadTimeoutError,
        ),
    ):
        return "transient", type(exc).__name__
    return None, type(exc).__name__


class Tailer:
    """Prints new and updated findings: the backlog since ``since``, then every ``interval``.

    ``clock`` returns an aware datetime and ``sleep`` waits (both injected: tests never
    wait). ``checkpoint`` (optional) is loaded at start, when it exists, instead of
    ``since``, and saved after every poll and when the tail ends for any reason.
    """

    def __init__(
        self,
        client: Any,
        criteria: Mapping[str, Any],
        *,
        since: datetime,
        interval: float,
        clock: Callable[[], datetime],
        sleep: Callable[[float], None],
        note: Callable[[str], None],
        checkpoint: Checkpoint | None = None,
        max_findings: int | None = None,
        duration: float | None = None,
        workers: int = 8,
    ) -> None:
        self.criteria = dict(criteria)
        self.interval = interval
        self.clock = clock
        self.sleep = sleep
        self.checkpoint = checkpoint
        self.max_findings = max_findings
        self.duration = duration
        self.invoke: Invoke = Retrying(sleep, note)
        self.retriever = Retriever(client, invoke=self.invoke, workers=workers)
        loaded = checkpoint.load() if checkpoint is not None else None
        self.cursor = loaded or Cursor(epoch_millis(since))
        self.resumed = loaded is not None
        self.printed = 0
        self.polled = False

    def poll(self) -> Iterator[dict[str, Any]]:
        """One query from the cursor; yields each unseen finding, oldest first."""
        criteria = with_criterion(self.criteria, UPDATED_FIELD, {"gte": self.cursor.at})
        # Only the backlog can be large enough to be worth splitting (and counting).
        found = self.retriever.fetch(criteria, ASCENDING, split=not self.polled)
        self.polled = True
        found.sort(key=lambda f: (_stamp(f)[0], str(f.get("id"))))
        for finding in found:
            if self.cursor.is_new(finding):
                yield finding

    def run(self, emit: Callable[[dict[str, Any]], None]) -> int:
        """Poll until ``max_findings`` or ``duration`` (forever without them); the count printed."""
        started = self.clock()
        try:
            while True:
                for finding in self.poll():
                    emit(finding)
                    self.cursor.advance(finding)
                    self.printed += 1
                    if self.max_findings is not None and self.printed >= self.max_findings:
                        return self.printed
                self._save()
                wait = self.interval
                if self.duration is not None:
                    left = self.duration - self._elapsed(started)
                    if left <= 0:
                        return self.printed
                    wait = min(wait, left)  # then one last poll at the deadline
                self.sleep(wait)
        finally:
            self._save()

    def _elapsed(self, started: datetime) -> float:
        return (self.clock() - started).total_seconds()

    def _save(self) -> None:
        if self.checkpoint is not None:
            self.checkpoint.save(self.cursor)
