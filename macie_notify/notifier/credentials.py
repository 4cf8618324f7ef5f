"""The Slack bot token or webhook URL, from Secrets Manager (once per container) or env.

boto3 is imported only when a secret is fetched (in :func:`_default_client`): the Lambda
runtime provides it, but the env-mode function must also work (and import fast) without
it. The cache lives for the life of the execution environment, so a warm container costs
no Secrets Manager call
(https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html).
Rotating the secret therefore takes effect on the next cold start.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any

from .settings import Settings

# ARN -> secret value. Module level on purpose: it is the per-container cache.
_CACHE: dict[str, str] = {}
_LOCK = threading.Lock()

# JSON secrets may hold the value under one of these keys (first match wins).
_JSON_KEYS = ("token", "bot_token", "SLACK_BOT_TOKEN", "webhook_url", "url", "SLACK_WEBHOOK_URL")


# botocore logs each response body at DEBUG (botocore.parsers: GetSecretValue's
# SecretString) and request details in botocore.endpoint/hooks. A root logger at DEBUG
# (a handler's own logging.basicConfig) would pass them to CloudWatch; these are pinned.
_SDK_LOGGERS = ("botocore", "boto3", "urllib3", "botocore.parsers", "botocore.endpoint")


def pin_sdk_loggers() -> None:
    """Keep the AWS SDK's loggers at WARNING whatever the root logger's level is."""
    for name in _SDK_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


class CredentialsError(RuntimeError):
    """The secret could not be read; the message never contains the secret."""


def clear_cache() -> None:
    """Forget cached secrets (tests; a real container never needs it)."""
    with _LOCK:
        _CACHE.clear()


def _region_of(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[3] if len(parts) > 5 and parts[0] == "arn" and parts[3] else None


def _default_client(arn: str) -> Any:
    import boto3

    # The secret's own Region, from its ARN; else AWS_REGION as Lambda sets it.
    return boto3.client("secretsmanager", region_name=_region_of(arn))


def _value_from(secret_string: str) -> str:
    """A plain string secret, or a JSON object holding it under a known key."""
    text = secret_string.strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            return text
        for key in _JSON_KEYS:
            if isinstance(data, dict) and isinstance(data.get(key), str):
                return str(data[key]).strip()
        raise CredentialsError(f"the JSON secret has none of the keys {', '.join(_JSON_KEYS)}")
    return text


def fetch_secret(arn: str, client_factory: Callable[[str], Any] | None = None) -> str:
    """The secret's value, from the container cache or GetSecretValue."""
    with _LOCK:
        if arn in _CACHE:
            return _CACHE[arn]
    pin_sdk_loggers()
    client = (client_factory or _default_client)(arn)
    try:
        response = client.get_secret_value(SecretId=arn)
    except Exception as exc:  # botocore errors; re-raised without their context
        code = getattr(exc, "response", {}).get("Error", {}).get("Code") or type(exc).__name__
        raise CredentialsError(f"cannot read secret {arn}: {code}") from None
    secret = response.get("SecretString")
    if not isinstance(secret, str) or not secret.strip():
        raise CredentialsError(f"secret {arn} has no SecretString value")
    value = _value_from(secret)
    with _LOCK:
        _CACHE[arn] = value
    return value


def slack_secret(settings: Settings, client_factory: Callable[[str], Any] | None = None) -> str:
    """The token (token mode) or webhook URL (webhook mode) for ``settings``."""
    if settings.mode == "webhook":
        arn, value = settings.webhook_secret_arn, settings.webhook_url
    else:
        arn, value = settings.token_secret_arn, settings.bot_token
    if arn:
        return fetch_secret(arn, client_factory)
    if value:
        return value
    raise CredentialsError("no Slack token or webhook URL is configured")
