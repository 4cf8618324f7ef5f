"""Deliver a payload to Slack, with retries, or raise :class:`DeliveryError`.

Two modes, chosen by :class:`Settings`: ``chat.postMessage`` with a bot token
(slack_sdk ``WebClient``, ``base_url`` from ``SLACK_API_URL``) or an incoming webhook
(``WebhookClient``). Both retry connection errors, HTTP 429 (sleeping ``Retry-After``,
https://docs.slack.dev/apis/web-api/rate-limits) and HTTP 500/503. Whatever still fails
raises, so Lambda's asynchronous retries and the dead-letter queue keep the event.

:func:`deliver` is the one entry point; the CLI (``notify test``, ``notify replay``) can
call it with settings of its own.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
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
from slack_sdk.web import WebClient
from slack_sdk.webhook import WebhookClient

from .credentials import CredentialsError, slack_secret
from .outcome import Delivered, DeliveryError
from .settings import Settings

__all__ = ["Delivered", "DeliveryError", "RetryPolicy", "deliver"]

# slack_sdk logs request URLs at DEBUG; in webhook mode the URL is the secret. Its
# clients get this logger, pinned at WARNING whatever the root level is.
_SDK_LOGGER = logging.getLogger("macie_notifier.slack_sdk")
_SDK_LOGGER.setLevel(logging.WARNING)


_ERROR_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")


class _NoJitter(Jitter):
    def recalculate(self, duration: float) -> float:
        return duration


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try before raising.

    ``backoff`` is the first wait (s) after a connection or server error, doubled each
    time, plus up to 1 s of random jitter unless ``jitter`` is off. Rate-limit waits are
    ``Retry-After`` plus slack_sdk's own jitter. The defaults stay well inside the
    function's 30 s timeout.
    """

    connection_retries: int = 2
    rate_limit_retries: int = 3
    server_error_retries: int = 2
    backoff: float = 0.5
    jitter: bool = True
    timeout: int = 10

    def handlers(self) -> list[RetryHandler]:
        backoff = BackoffRetryIntervalCalculator(
            backoff_factor=self.backoff, jitter=RandomJitter() if self.jitter else _NoJitter()
        )
        return [
            ConnectionErrorRetryHandler(self.connection_retries, backoff),
            RateLimitErrorRetryHandler(self.rate_limit_retries),
            ServerErrorRetryHandler(self.server_error_retries, backoff),
        ]


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
    client = WebClient(
        token=token,
        base_url=settings.api_url,
        timeout=retry.timeout,
        logger=_SDK_LOGGER,
        retry_handlers=retry.handlers(),
    )
    try:
        response = client.chat_postMessage(
            channel=settings.channel or "",
            text=payload.get("text"),
            blocks=payload.get("blocks"),
            attachments=payload.get("attachments"),
            unfurl_links=False,
            unfurl_media=False,
        )
    except SlackApiError as exc:
        status = exc.response.status_code
        error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
        raise DeliveryError(
            f"chat.postMessage failed: {error or 'unexpected response'} (HTTP {status})"
        ) from None
    except (OSError, SlackClientError) as exc:  # URLError, timeouts, resets after retries
        raise DeliveryError(f"chat.postMessage failed: {type(exc).__name__}") from None
    return Delivered("token", ts=response.get("ts"), channel=response.get("channel"))


def _send_webhook(payload: Mapping[str, Any], url: str, retry: RetryPolicy) -> Delivered:
    if urlsplit(url).scheme not in ("http", "https"):
        # urllib's ValueError would quote the URL, which is the secret, into the
        # exception that Lambda logs and writes into the DLQ's failure record.
        raise DeliveryError("webhook failed: the webhook URL is not an http(s) URL")
    client = WebhookClient(
        url, timeout=retry.timeout, logger=_SDK_LOGGER, retry_handlers=retry.handlers()
    )
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
        raise DeliveryError(f"webhook failed: {reason} (HTTP {response.status_code})")
    return Delivered("webhook")
