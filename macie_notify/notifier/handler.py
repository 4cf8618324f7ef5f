"""Lambda entry point: EventBridge Macie finding -> filters -> Slack message -> delivery.

Nothing happens at import: settings are read from the environment at the first
invocation (and kept for the container's life), boto3 is imported only when a secret is
fetched. Each invocation writes exactly one JSON log line to stdout (CloudWatch Logs)
with the finding id, type, severity and the decision: ``posted``, ``skipped``,
``ignored`` (not a Macie finding, or malformed) or ``failed``. A failure to post raises,
so Lambda's asynchronous retries and then the dead-letter queue keep the event
(https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html). The reverse holds
too: once Slack has accepted the message nothing may raise, or those same retries would
post it again; the log line therefore cannot fail the invocation.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

from .batch import handle_batch, is_sqs_batch
from .event import MacieFindingEvent, MalformedEvent, is_macie_finding_event
from .filters import should_notify
from .message import build_message
from .outcome import Delivered, DeliveryError
from .settings import Settings, SettingsError
from .storm import StormWindow, held_message, storm_message

Deliver = Callable[[Mapping[str, Any], Settings], Delivered]
# Seconds the invocation has left (from the Lambda context), for capping retry waits.
TimeLeft = Callable[[], float]

# Longest text taken from the event into the log line (an id, a foreign source).
MAX_LOGGED = 200


def deliver(
    payload: Mapping[str, Any], config: Settings, time_left: TimeLeft | None = None
) -> Delivered:
    """Post through slack_sdk, imported on the first delivery rather than at cold start."""
    from .slack import RetryPolicy
    from .slack import deliver as slack_deliver

    return slack_deliver(payload, config, retry=RetryPolicy(time_left=time_left))


Log = Callable[[Mapping[str, Any]], None]

_SETTINGS: Settings | None = None
# The container's storm window (see storm.py: per copy of the function, not shared).
_STORM: StormWindow | None = None


def settings() -> Settings:
    """The container's settings, read from ``os.environ`` at first use."""
    global _SETTINGS
    if _SETTINGS is None:
        _SETTINGS = Settings.from_env(os.environ)
    return _SETTINGS


def reset() -> None:
    """Forget the cached settings (tests; a real container never needs it)."""
    global _SETTINGS, _STORM
    _SETTINGS = None
    _STORM = None


def storm_window(config: Settings) -> StormWindow | None:
    """The container's storm window, made at first use from STORM_THRESHOLD."""
    global _STORM
    if config.storm is None:
        return None
    if _STORM is None:
        _STORM = StormWindow(config.storm[0], config.storm[1] * 60.0)
    return _STORM


def log_line(record: Mapping[str, Any]) -> None:
    """One JSON object per line on stdout: CloudWatch Logs keeps it as one event.

    ASCII-only JSON: whatever the event held (a lone surrogate, a control character)
    is written as a ``\\u`` escape, which any stdout encoding can carry.
    """
    sys.stdout.write(json.dumps(record, ensure_ascii=True, default=str) + "\n")
    sys.stdout.flush()


def _logged(value: object) -> str | None:
    """A value from the event as short text for the log line (None unless a string)."""
    return value[:MAX_LOGGED] if isinstance(value, str) else None


def _write_log(log: Log, record: dict[str, Any]) -> None:
    """Write the record; a failure to log is reported in a minimal line, never raised."""
    try:
        log(record)
    except Exception as exc:  # after a post, raising would have Lambda post it again
        minimal = {k: record.get(k) for k in ("requestId", "decision", "level")}
        minimal["logError"] = type(exc).__name__
        try:
            log_line({k: v if isinstance(v, str) else None for k, v in minimal.items()})
        except Exception:  # stdout itself is gone: nothing is left to tell
            return


def _finding_fields(finding: MacieFindingEvent) -> dict[str, Any]:
    return {
        "findingId": _logged(finding.id),
        "findingType": _logged(finding.type),
        "severity": finding.severity.label,
        "sample": finding.sample,
        "accountId": _logged(finding.account_id),
        "region": _logged(finding.region),
    }


def handle(
    event: object,
    get_settings: Callable[[], Settings] = settings,
    send: Deliver = deliver,
    log: Log = log_line,
    request_id: str | None = None,
) -> dict[str, Any]:
    """Process one event; returns (and logs) the record. Raises on any failure to post."""
    started = time.perf_counter()
    record: dict[str, Any] = {"requestId": request_id}
    if isinstance(event, Mapping):
        record["eventId"] = _logged(event.get("id"))
    try:
        outcome = _process(event, get_settings, send, record)
    except (DeliveryError, SettingsError) as exc:
        record.update(decision="failed", error=str(exc))
        raise
    except Exception as exc:  # a bug: logged as a failure (type only: no data), re-raised
        record.update(decision="failed", error=f"unexpected {type(exc).__name__}")
        raise
    else:
        record.update(outcome)
    finally:
        record["durationMs"] = round((time.perf_counter() - started) * 1000, 1)
        record.setdefault("level", "ERROR" if record.get("decision") == "failed" else "INFO")
        _write_log(log, record)
    return record


def _process(
    event: object, get_settings: Callable[[], Settings], send: Deliver, record: dict[str, Any]
) -> dict[str, Any]:
    if not is_macie_finding_event(event):
        source = _logged(event.get("source")) if isinstance(event, Mapping) else None
        source = source or type(event).__name__
        return {"decision": "ignored", "reason": f"not a Macie finding event ({source})"}
    try:
        finding = MacieFindingEvent.from_event(event)
    except MalformedEvent as exc:
        return {"decision": "ignored", "reason": f"malformed Macie event: {exc}"}
    record.update(_finding_fields(finding))
    config = get_settings()
    decision = should_notify(finding, config)
    if not decision.notify:
        return {"decision": "skipped", "reason": decision.reason}
    window = None if finding.is_test else storm_window(config)
    if window is not None:
        verdict, held = window.admit()
        if held:
            try:  # informational: a failure here must not cost the finding its post
                send(held_message(held, window.minutes), config)
            except DeliveryError:
                record["heldNotice"] = "failed"
        if verdict == "summary":
            delivered = send(storm_message(window), config)
            return {"decision": "storm-summary", "ts": delivered.ts, "channel": delivered.channel}
        if verdict == "hold":
            return {"decision": "held", "reason": "storm threshold passed for this window"}
    delivered = send(build_message(finding), config)
    return {
        "decision": "posted",
        "mode": delivered.mode,
        "ts": delivered.ts,
        "channel": delivered.channel,
    }


def time_left_of(context: Any) -> TimeLeft | None:
    """The invocation's remaining seconds, from ``context.get_remaining_time_in_millis``."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if not callable(remaining):
        return None

    def seconds() -> float:
        try:
            return float(remaining()) / 1000
        except (TypeError, ValueError):  # an odd runtime: no cap rather than a failure
            return float("inf")

    return seconds


def handle_sqs(
    event: Mapping[str, Any],
    get_settings: Callable[[], Settings] = settings,
    send: Deliver = deliver,
    log: Log = log_line,
    request_id: str | None = None,
) -> dict[str, Any]:
    """A batch from the digest queue: returns the partial batch response, logs one line.

    A settings error raises (every record returns to the queue, and on to the DLQ).
    """
    started = time.perf_counter()
    record: dict[str, Any] = {"requestId": request_id}
    try:
        config = get_settings()
        window = storm_window(config)
        response, outcome = handle_batch(
            event, config, send, window.add if window is not None else None
        )
        record.update(outcome)
    except SettingsError as exc:
        record.update(decision="failed", error=str(exc))
        raise
    except Exception as exc:  # a bug: every record returns to the queue
        record.update(decision="failed", error=f"unexpected {type(exc).__name__}")
        raise
    finally:
        record["durationMs"] = round((time.perf_counter() - started) * 1000, 1)
        record.setdefault("level", "ERROR" if record.get("decision") == "failed" else "INFO")
        _write_log(log, record)
    return response


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The function's handler: ``notifier.handler.lambda_handler``."""
    time_left = time_left_of(context)

    def send(payload: Mapping[str, Any], config: Settings) -> Delivered:
        return deliver(payload, config, time_left)

    request_id = _logged(getattr(context, "aws_request_id", None))
    if is_sqs_batch(event):
        return handle_sqs(event, send=send, request_id=request_id)
    return handle(event, send=send, request_id=request_id)
