"""``notify preview`` with several events: the digest messages ``delivery: digest`` posts.

Events are grouped as the function groups an SQS batch (job run and bucket; policy
findings by bucket); each group renders as its parent message and its thread replies.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import IO, Any

from macie_notify.errors import UsageError


def events_from_files(streams: Sequence[IO[str]]) -> list[dict[str, Any]]:
    """Every event in the files: a file holds one event (or bare finding) or a list."""
    from macie_notify.notifier.event import envelope, is_macie_finding_event

    out: list[dict[str, Any]] = []
    for stream in streams:
        try:
            data = json.load(stream)
        except ValueError as exc:
            raise UsageError(f"{stream.name} is not JSON: {exc}") from None
        except RecursionError:  # json recurses once per [ or {: no finding is that deep
            raise UsageError(f"{stream.name} is nested too deeply to be a finding") from None
        items = data if isinstance(data, list) else [data]
        for item in items:
            if not isinstance(item, dict):
                raise UsageError(f"{stream.name} does not hold a JSON object")
            if not is_macie_finding_event(item) and "severity" in item:
                item = envelope(item)
            out.append(item)
    if not out:
        raise UsageError(f"{streams[0].name if streams else 'the input'} holds no events")
    return out


def digest_payloads(events: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """``[{"message": parent, "thread": [replies]}]``, one per group."""
    from macie_notify.findings.event import finding_view
    from macie_notify.notifier.digest import digest_message, group, thread_replies

    findings = [(str(i), finding_view(e)) for i, e in enumerate(events)]
    return [{"message": digest_message(g), "thread": thread_replies(g)} for g in group(findings)]
