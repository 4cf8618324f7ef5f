"""Deliver a payload to Slack, with retries, or raise :class:`DeliveryError`.

Two modes, chosen by :class:`Settings`: ``chat.postMessage`` with a bot token
(slack_sdk ``WebClient``, ``base_url`` from ``SLACK_API_URL``) or an incoming webhook
(``WebhookClient``). Both retry connection errors, HTTP 429 (sleeping ``Retry-After``,
https://docs.slack.dev/apis/web-api/rate-limits) and HTTP 500/503. A retry is made only
when its wait and one more request fit in the time the invocation has left, so the
function always returns (and logs) before Lambda's timeout. Whatever still fails
raises, so Lambda's asynchronous retries and the dead-letter queue keep the event.

:func:`deliver` is the one entry point; the CLI (``notify test``, ``notify replay``) can
call it with settings of its own.
"""

from __future__ import annotations

import logging
import math
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.jitter import Jitter, RandomJitter
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web import WebClient
from slack_sdk.webhook import WebhookClient

from .credentials import CredentialsError, slack_secret
from .outcome import Delivered, DeliveryError
from .settings import Settings

__all__ = ["Delivered", "DeliveryError", "RetryPolicy", "deliver", "retry_after_seconds"]

# slack_sdk logs request URLs at DEBUG (in webhook mode the URL is the secret) and, at
# ERROR, the head of a response body it cannot parse (a proxy's page may echo the
# Authorization header) or an exception quoting the URL. Its clients get this logger,
# which writes nothing whatever the root logger's level or handlers.
_SDK_LOGGER = logging.getLogger("macie_notifier.slack_sdk")
_SDK_LOGGER.setLevel(logging.CRITICAL + 1)
_SDK_LOGGER.propagate = False
_SDK_LOGGER.addHandler(logging.NullHandler())

# Slack's error codes (``invalid_auth``, ``ratelimited``): the only response text ever
# repeated in an exception or the log.
_ERROR_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")
# When Retry-After is missing or unreadable: slack_sdk's own default.
DEFAULT_RATE_LIMIT_WAIT = 1.0


def retry_after_seconds(value: str | None, now: Callable[[], datetime]) -> float | None:
    """Seconds to wait from a ``Retry-After`` value; None when absent or unreadable.

    HTTP allows delay-seconds (``120``) or an HTTP-date (RFC 9110, section 10.2.3); a
    decimal (``1.5``) is read as seconds too. A date in the past means no wait.
    """
    if value is None:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - now()).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


class _NoJitter(Jitter):
    def recalculate(self, duration: float) -> float:
        return duration


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try before raising.

    ``backoff`` is the first wait (s) after a connection or server error, doubled each
    time, plus up to 1 s of random jitter unless ``jitter`` is off. Rate-limit waits are
    ``Retry-After`` plus up to 1 s of jitter (unless off). ``time_left`` (seconds the
    invocation has left) caps it all: a retry is made only if its wait, one more request
    (``timeout``) and ``reserve`` still fit, and no request is given longer than that.
    ``sleep`` and ``now`` are injected so that tests never wait.
    """

    connection_retries: int = 2
    rate_limit_retries: int = 3
    server_error_retries: int = 2
    backoff: float = 0.5
    jitter: bool = True
    timeout: int = 10
    time_left: Callable[[], float] | None = None
    reserve: float = 1.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    now: Callable[[], datetime] = field(default=_utc_now, repr=False)

    def request_timeout(self) -> int:
        """The HTTP timeout per request: ``timeout``, or less when the invocation ends sooner."""
        left = math.inf if self.time_left is None else self.time_left() - self.reserve
        if not left < self.timeout:  # also NaN
            return self.timeout
        return max(1, math.floor(left))

    def handlers(self, request_timeout: int | None = None) -> list[_Budgeted]:
        """Fresh handlers for one delivery (they remember why they stopped retrying)."""
        budget = _Budget(self, request_timeout or self.timeout)
        backoff = BackoffRetryIntervalCalculator(
            backoff_factor=self.backoff, jitter=RandomJitter() if self.jitter else _NoJitter()
        )
        return [
            _ConnectionErrors(self.connection_retries, budget, backoff),
            _RateLimited(self.rate_limit_retries, budget),
            _ServerErrors(self.server_error_retries, budget, backoff),
        ]


@dataclass(frozen=True)
class _Budget:
    policy: RetryPolicy
    request_timeout: int

    def fits(self, wait: float) -> bool:
        if self.policy.time_left is None:
            return True
        return wait + self.request_timeout + self.policy.reserve <= self.policy.time_left()


class _Budgeted(RetryHandler):
    """A slack_sdk retry handler whose waits fit the budget and use the injected sleep.

    Mixed in before one of slack_sdk's handlers, which decides what is retryable.
    """

    def __init__(
        self,
        max_retry_count: int,
        budget: _Budget,
        interval: BackoffRetryIntervalCalculator | None = None,
    ) -> None:
        if interval is None:
            super().__init__(max_retry_count)
        else:
            super().__init__(max_retry_count, interval)
        self.budget = budget
        self.refused: str | None = None  # why a retryable failure was not retried
        self._wait = 0.0

    def wait_for(self, state: RetryState, response: HttpResponse | None) -> float:
        return float(self.interval_calculator.calculate_sleep_duration(state.current_attempt))

    def can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if not super().can_retry(state=state, request=request, response=response, error=error):
            return False
        wait = self.wait_for(state, response)
        if not self.budget.fits(wait):
            self.refused = f"no retry: a {wait:.1f} s wait is more than the invocation has left"
            return False
        self._wait = wait
        return True

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        self.budget.policy.sleep(self._wait)
        state.increment_current_attempt()


class _ConnectionErrors(_Budgeted, ConnectionErrorRetryHandler):
    """Connection resets and URL errors, retried after a backoff."""


class _ServerErrors(_Budgeted, ServerErrorRetryHandler):
    """HTTP 500 and 503, retried after a backoff."""


class _RateLimited(_Budgeted, RateLimitErrorRetryHandler):
    """HTTP 429, retried after ``Retry-After``."""

    def wait_for(self, state: RetryState, response: HttpResponse | None) -> float:
        headers = response.headers if response is not None else {}
        values = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
        first = values[0] if isinstance(values, list) and values else values
        policy = self.budget.policy
        seconds = retry_after_seconds(first if isinstance(first, str) else None, policy.now)
        wait = DEFAULT_RATE_LIMIT_WAIT if seconds is None else seconds
        return wait + (random.random() if policy.jitter else 0.0)


def _refusal(handlers: list[_Budgeted]) -> str:
    reasons = [h.refused for h in handlers if h.refused]
    return f"; {reasons[-1]}" if reasons else ""


def deliver(
    payload: Mapping[str, Any],
    settings: Settings,
    *,
    retry: RetryPolicy | None = None,
    secret: Callable[[Settings], str] = slack_secret,
) -> Delivered:
    """Post ``payload`` (``text``, ``blocks``, ``attachments``) where ``settings`` say."""
    retry = retry or RetryPolicy()
    try:
        credential = secret(settings)
    except CredentialsError as exc:
        raise DeliveryError(str(exc)) from None
    if settings.mode == "webhook":
        return _send_webhook(payload, credential, retry)
    return _post_message(payload, settings, credential, retry)


def _post_message(
    payload: Mapping[str, Any], settings: Settings, token: str, retry: RetryPolicy
) -> Delivered:
    timeout = retry.request_timeout()
    handlers = retry.handlers(timeout)
    client = WebClient(
        token=token,
        base_url=settings.api_url,
        timeout=timeout,
        logger=_SDK_LOGGER,
        retry_handlers=list(handlers),
    )
    try:
        response = client.chat_postMessage(
            channel=settings.channel or "",
            text=payload.get("text"),
            blocks=payload.get("blocks"),
            attachments=payload.get("attachments"),
            thread_ts=payload.get("thread_ts"),
            unfurl_links=False,
            unfurl_media=False,
        )
    except SlackApiError as exc:
        status = exc.response.status_code
        error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
        # slack_sdk puts the head of a non-JSON body in "error": only a code is repeated.
        code = error if isinstance(error, str) and _ERROR_CODE.fullmatch(error) else None
        raise DeliveryError(
            f"chat.postMessage failed: {code or 'unexpected response'} (HTTP {status})"
            f"{_refusal(handlers)}"
        ) from None
    except (OSError, SlackClientError) as exc:  # URLError, timeouts, resets after retries
        raise DeliveryError(f"chat.postMessage failed: {type(exc).__name__}") from None
    return Delivered("token", ts=response.get("ts"), channel=response.get("channel"))


def _send_webhook(payload: Mapping[str, Any], url: str, retry: RetryPolicy) -> Delivered:
    if urlsplit(url).scheme not in ("http", "https"):
        # urllib's ValueError would quote the URL, which is the secret, into the
        # exception that Lambda logs and writes into the DLQ's failure record.
        raise DeliveryError("webhook failed: the webhook URL is not an http(s) URL")
    timeout = retry.request_timeout()
    handlers = retry.handlers(timeout)
    client = WebhookClient(url, timeout=timeout, logger=_SDK_LOGGER, retry_handlers=list(handlers))
    try:
        response = client.send(
            text=payload.get("text"),
            blocks=payload.get("blocks"),
            attachments=payload.get("attachments"),
            unfurl_links=False,
            unfurl_media=False,
        )
    except OSError as exc:
        # The exception text may quote the URL, which is the secret: name the type only.
        raise DeliveryError(f"webhook failed: {type(exc).__name__}") from None
    if response.status_code != 200:
        # Webhook errors are short codes such as ``invalid_blocks``; anything else (an
        # HTML page, a proxy echoing the path, which is the secret) is not repeated.
        body = (response.body or "").strip()
        reason = body if _ERROR_CODE.fullmatch(body) else "unexpected response"
        raise DeliveryError(
            f"webhook failed: {reason} (HTTP {response.status_code}){_refusal(handlers)}"
        )
    return Delivered("webhook")
