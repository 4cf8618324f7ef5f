"""A Slack-compatible sink: enough of the Web API and incoming webhooks for slack_sdk.

Routed by the local server's controls at ``/_local/slack/`` (:meth:`SlackSink.rules`), so
a function configured with ``SLACK_API_URL=<endpoint>/_local/slack/api/`` (or a webhook URL
``<endpoint>/_local/slack/webhook/<id>``) posts here instead of to slack.com. The sink
answers the way Slack does, including its failure modes, and records every accepted message.

Slack facts it follows (https://docs.slack.dev/reference/methods/chat.postMessage,
https://docs.slack.dev/apis/web-api/rate-limits, https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks):

- Web API failures are HTTP 200 with ``{"ok": false, "error": "<code>"}``; only rate
  limiting differs: HTTP 429, a ``Retry-After`` header and ``"error": "ratelimited"``.
- No token is ``not_authed``; a wrong one is ``invalid_auth``.
- More than 50 blocks, or a section text over 3,000 characters, is ``invalid_blocks`` with
  an ``errors`` list of ``"no more than 50 items allowed [json-pointer:/blocks]"`` form (as
  public logs of the live API show; Slack has no ``too_many_blocks`` code). Text over
  40,000 characters is ``msg_too_long``; no text, blocks or attachments is ``no_text``.
- Webhooks answer plain text: ``ok``, or an error string with a 4xx status
  (``invalid_payload``, ``no_text``, ``invalid_blocks``, ``no_service``, ``channel_not_found``).

Control endpoints (local only): ``GET/DELETE messages``, ``GET/POST faults`` (rate limit
and outage switches, and the per-channel rate), ``GET/POST config`` (accepted tokens and
channels), ``GET stats`` (requests, most posts in flight at once, 429s from the rate).

The per-channel rate: chat.postMessage allows about one message a second per channel,
with short bursts (https://docs.slack.dev/apis/web-api/rate-limits#special-rate-limits).
The sink keeps a token bucket per channel (default 1 a second, bursts of 20, on the
injected clock) and answers 429 with ``Retry-After`` when it is empty. ``POST faults``
with ``{"rate": null}`` switches it off, ``{"rate": {"per_second": 1, "burst": 5}}`` sets it.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from macie_notify.local.web import json_body, json_response

__all__ = ["MAX_BLOCKS", "MAX_TEXT", "Faults", "SlackSink"]

MAX_BLOCKS = 50
MAX_TEXT = 40_000
MAX_SECTION_TEXT = 3_000
MAX_HEADER_TEXT = 150
# What any real token looks like: bot, user, app-level, workspace, refresh tokens.
_TOKEN_SHAPE = re.compile(r"^xox[abposre]-[A-Za-z0-9-]+$")
_CHANNEL_ID = re.compile(r"^[CGDU][A-Z0-9]{6,}$")


@dataclass
class Faults:
    """Failure switches. ``count`` None means "until switched off"."""

    rate_limit_count: int | None = 0
    retry_after: int = 1
    outage_status: int | None = None
    outage_count: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rate_limit": {"count": self.rate_limit_count, "retry_after": self.retry_after},
            "outage": {"status": self.outage_status, "count": self.outage_count},
        }


@dataclass
class ChannelRate:
    """A token bucket per channel: ``per_second`` refill, ``burst`` capacity."""

    per_second: float = 1.0
    burst: int = 20
    _level: dict[str, tuple[float, float]] = field(default_factory=dict, repr=False)

    def take(self, channel: str, now: float) -> float:
        """0 when a message may go now (and counts it), else the seconds to wait."""
        level, stamp = self._level.get(channel, (float(self.burst), now))
        level = min(float(self.burst), level + (now - stamp) * self.per_second)
        if level >= 1.0:
            self._level[channel] = (level - 1.0, now)
            return 0.0
        self._level[channel] = (level, now)
        return (1.0 - level) / self.per_second

    def to_dict(self) -> dict[str, Any]:
        return {"per_second": self.per_second, "burst": self.burst}


def _text_reply(text: str, status: int, headers: dict[str, str] | None = None) -> Response:
    # Webhooks (and Slack's outage pages) answer plain text.
    return Response(text, status=status, headers=headers, content_type="text/html; charset=utf-8")


class SlackSink:
    """The sink's state and its WSGI application (the instance itself is the app).

    ``tokens``: accepted tokens; None accepts any token shaped like a Slack token.
    ``channels``: name -> channel ID; None accepts any channel (IDs derived from names).
    ``webhooks``: accepted webhook ids; None accepts any.
    """

    def __init__(
        self,
        tokens: Iterable[str] | None = None,
        channels: Mapping[str, str] | None = None,
        webhooks: Iterable[str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self.tokens: set[str] | None = None
        self.channels: dict[str, str] | None = None
        self.webhooks: set[str] | None = None
        self.configure(tokens=tokens, channels=channels, webhooks=webhooks)
        self.faults = Faults()
        self.rate: ChannelRate | None = ChannelRate()
        self._messages: list[dict[str, Any]] = []
        self._seq = 0
        self.requests = 0
        self.rate_limited = 0
        self._in_flight = 0
        self.max_in_flight = 0

    # --- Python API (used by the control endpoints, tests and the event router) -----------

    def configure(self, **settings: Any) -> None:
        """Set ``tokens``, ``channels`` and/or ``webhooks`` (None = accept any)."""
        with self._lock:
            if "tokens" in settings:
                tokens = settings["tokens"]
                self.tokens = {str(t) for t in tokens} if tokens is not None else None
            if "channels" in settings:
                chans = settings["channels"]
                self.channels = (
                    {str(k).lstrip("#"): str(v) for k, v in chans.items()} if chans else None
                )
            if "webhooks" in settings:
                hooks = settings["webhooks"]
                self.webhooks = {str(h) for h in hooks} if hooks is not None else None

    def messages(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Copies of the accepted messages, oldest first, optionally for one channel."""
        with self._lock:
            found = list(self._messages)
        if channel:
            name = channel.lstrip("#")
            found = [m for m in found if name in (m["channel"], m["channel_name"])]
        return [dict(m) for m in found]

    def reset(self) -> None:
        """Forget messages and faults (``/_local/reset``)."""
        with self._lock:
            self._messages.clear()
            self.faults = Faults()
            self.rate = ChannelRate()
            self.requests = 0
            self.rate_limited = 0
            self.max_in_flight = 0

    def set_faults(
        self,
        rate_limit_count: int | None = 0,
        retry_after: int = 1,
        outage_status: int | None = None,
        outage_count: int | None = None,
    ) -> None:
        """Answer the next ``rate_limit_count`` posts with 429 / switch an outage on or off."""
        if outage_status is not None and outage_status not in (500, 502, 503, 504):
            raise ValueError("outage status must be 500, 502, 503 or 504")
        with self._lock:
            self.faults = Faults(rate_limit_count, max(0, retry_after), outage_status, outage_count)

    def set_rate(self, per_second: float | None, burst: int = 20) -> None:
        """The per-channel rate; ``per_second`` None switches it off."""
        if per_second is not None and (per_second <= 0 or burst < 1):
            raise ValueError("rate per_second must be > 0 and burst >= 1")
        with self._lock:
            self.rate = None if per_second is None else ChannelRate(float(per_second), burst)

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": self.requests,
                "max_in_flight": self.max_in_flight,
                "rate_limited": self.rate_limited,
                "messages": len(self._messages),
            }

    def _rate_limited(self, channel: str, webhook: bool) -> Response | None:
        """429 with Retry-After when ``channel``'s bucket is empty."""
        with self._lock:
            if self.rate is None:
                return None
            wait = self.rate.take(channel, self._clock())
            if wait <= 0:
                return None
            self.rate_limited += 1
        headers = {"Retry-After": str(max(1, math.ceil(wait)))}
        if webhook:
            return _text_reply("rate_limited", 429, headers)
        return json_response({"ok": False, "error": "ratelimited"}, 429, headers)

    # --- HTTP (werkzeug rules, routed under /_local/slack by the server's controls) ---------

    def rules(self) -> list[Rule]:
        """The Web API, webhooks and the sink's controls, relative to its prefix."""
        return [
            Rule("/api/<api_method>", methods=["POST"], endpoint=self._api),
            Rule("/api/<api_method>", endpoint=_api_wrong_method),
            Rule("/webhook/<path:hook_id>", methods=["POST"], endpoint=self._webhook),
            Rule("/messages", methods=["GET", "DELETE"], endpoint=self._messages_control),
            Rule("/faults", methods=["GET", "POST"], endpoint=self._faults_control),
            Rule("/config", methods=["GET", "POST"], endpoint=self._config_control),
            Rule("/stats", methods=["GET"], endpoint=self._stats_control),
        ]

    # --- faults ----------------------------------------------------------------------------

    def _injected_fault(self, webhook: bool) -> Response | None:
        """Consume one rate-limit or outage answer if a fault is switched on."""
        with self._lock:
            self.requests += 1
            f = self.faults
            if f.outage_status is not None and f.outage_count != 0:
                if f.outage_count is not None:
                    f.outage_count -= 1
                status = f.outage_status
                return _text_reply("Service Unavailable" if status == 503 else "error", status)
            if f.rate_limit_count != 0:
                if f.rate_limit_count is not None:
                    f.rate_limit_count -= 1
                headers = {"Retry-After": str(f.retry_after)}
                if webhook:
                    return _text_reply("rate_limited", 429, headers)
                return json_response({"ok": False, "error": "ratelimited"}, 429, headers)
        return None

    # --- Web API ---------------------------------------------------------------------------

    def _api(self, request: Request, api_method: str) -> Response:
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            return self._api_call(request, api_method)
        finally:
            with self._lock:
                self._in_flight -= 1

    def _api_call(self, request: Request, api_method: str) -> Response:
        fault = self._injected_fault(webhook=False)
        if fault is not None:
            return fault
        try:
            args = _read_args(request)
        except ValueError:
            return json_response({"ok": False, "error": "invalid_json"})
        auth_error = self._check_token(request, args)
        if auth_error:
            return json_response({"ok": False, "error": auth_error})
        if api_method == "auth.test":
            return json_response(_AUTH_TEST)
        if api_method == "chat.postMessage":
            resolved = self._resolve_channel(str(args.get("channel") or ""))
            limited = self._rate_limited(resolved[0], webhook=False) if resolved else None
            return limited or json_response(self._post_message(args))
        return json_response({"ok": False, "error": "unknown_method"})

    def _check_token(self, request: Request, args: Mapping[str, Any]) -> str | None:
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        token = token or str(args.get("token") or "")
        if not token:
            return "not_authed"
        valid = token in self.tokens if self.tokens is not None else bool(_TOKEN_SHAPE.match(token))
        return None if valid else "invalid_auth"

    def _resolve_channel(self, channel: str) -> tuple[str, str] | None:
        """(channel ID, name) for a ``#name``, a name or an ID; None when unknown."""
        name = channel.lstrip("#")
        if self.channels is None:
            if _CHANNEL_ID.match(name):
                return name, name
            digest = hashlib.sha256(name.encode()).hexdigest()[:9].upper()
            return f"C{digest}", name
        if name in self.channels:
            return self.channels[name], name
        for known, cid in self.channels.items():
            if cid == name:
                return cid, known
        return None

    def _post_message(self, args: Mapping[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel") or "")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        resolved = self._resolve_channel(channel)
        if resolved is None:
            return {"ok": False, "error": "channel_not_found"}
        problem = _check_content(args)
        if problem is not None:
            return problem
        message = self._record(args, resolved, via="chat.postMessage")
        return {
            "ok": True,
            "channel": message["channel"],
            "ts": message["ts"],
            "message": {
                "type": "message",
                "subtype": "bot_message",
                "text": message["text"],
                "blocks": message["blocks"],
                "bot_id": _AUTH_TEST["bot_id"],
                "ts": message["ts"],
            },
        }

    def _record(
        self, args: Mapping[str, Any], channel: tuple[str, str], via: str, webhook: str = ""
    ) -> dict[str, Any]:
        with self._lock:
            self._seq += 1
            ts = f"{int(self._clock())}.{self._seq:06d}"
            message = {
                "ts": ts,
                "channel": channel[0],
                "channel_name": channel[1],
                "via": via,
                "webhook": webhook or None,
                "text": args.get("text") or "",
                "blocks": _as_list(args.get("blocks")),
                "attachments": _as_list(args.get("attachments")),
                "thread_ts": args.get("thread_ts"),
                "username": args.get("username"),
                "icon_emoji": args.get("icon_emoji"),
            }
            self._messages.append(message)
        return message

    # --- incoming webhooks -----------------------------------------------------------------

    def _webhook(self, request: Request, hook_id: str) -> Response:
        fault = self._injected_fault(webhook=True)
        if fault is not None:
            return fault
        if not hook_id or (self.webhooks is not None and hook_id not in self.webhooks):
            return _text_reply("no_service", 404)
        try:
            args = _read_args(request, form_payload=True)
        except ValueError:
            return _text_reply("invalid_payload", 400)
        problem = _check_content(args)
        if problem is not None:
            return _text_reply(str(problem["error"]), 400)
        channel = str(args.get("channel") or f"webhook-{hook_id.split('/')[0]}")
        resolved = self._resolve_channel(channel)
        if resolved is None:
            return _text_reply("channel_not_found", 404)
        limited = self._rate_limited(resolved[0], webhook=True)
        if limited is not None:
            return limited
        self._record(args, resolved, via="webhook", webhook=hook_id)
        return _text_reply("ok", 200)

    # --- control ---------------------------------------------------------------------------

    def _messages_control(self, request: Request) -> Response:
        if request.method == "DELETE":
            with self._lock:
                self._messages.clear()
            return json_response({"messages": []})
        return json_response({"messages": self.messages(request.args.get("channel") or None)})

    def _faults_control(self, request: Request) -> Response:
        if request.method == "POST":
            try:
                body = json_body(request)
                rate = body.get("rate_limit") or {}
                outage = body.get("outage") or {}
                if "rate" in body:
                    channel_rate = body["rate"]
                    if channel_rate is None:
                        self.set_rate(None)
                    else:
                        self.set_rate(
                            float(channel_rate.get("per_second", 1)),
                            int(channel_rate.get("burst", 20)),
                        )
                self.set_faults(
                    rate_limit_count=rate.get("count", 0),
                    retry_after=int(rate.get("retry_after", 1)),
                    outage_status=outage.get("status"),
                    outage_count=outage.get("count"),
                )
            except (ValueError, TypeError, AttributeError) as exc:
                return json_response({"error": f"bad faults body: {exc}"}, 400)
        answer = self.faults.to_dict()
        answer["rate"] = self.rate.to_dict() if self.rate is not None else None
        return json_response(answer)

    def _stats_control(self, request: Request) -> Response:
        return json_response(self.stats())

    def _config_control(self, request: Request) -> Response:
        if request.method == "POST":
            try:
                body = json_body(request)
                self.configure(
                    **{k: body[k] for k in ("tokens", "channels", "webhooks") if k in body}
                )
            except (ValueError, TypeError, AttributeError) as exc:
                return json_response({"error": f"bad config body: {exc}"}, 400)
        # Tokens are secrets: report how many, never which.
        return json_response(
            {
                "tokens": None if self.tokens is None else len(self.tokens),
                "channels": self.channels,
                "webhooks": None if self.webhooks is None else sorted(self.webhooks),
            }
        )


# --- request parsing and Slack's content checks -------------------------------------------

_AUTH_TEST = {
    "ok": True,
    "url": "https://macie-notify-local.slack.com/",
    "team": "macie-notify local",
    "user": "macie-notify",
    "team_id": "T0LOCAL01",
    "user_id": "U0LOCAL01",
    "bot_id": "B0LOCAL01",
    "is_enterprise_install": False,
}


def _api_wrong_method(request: Request, api_method: str) -> Response:
    return json_response({"ok": False, "error": "invalid_request"}, 405)


def _read_args(request: Request, form_payload: bool = False) -> dict[str, Any]:
    """Arguments from a JSON body, a form body or the query string, as Slack accepts them.

    Webhooks also accept a form field ``payload`` holding the JSON message.
    """
    ctype = (request.content_type or "").lower()
    raw = request.get_data(cache=True)
    args: dict[str, Any] = {k: request.args[k] for k in request.args}
    if "json" in ctype:
        data = json.loads(raw or b"{}")
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object")
        args.update(data)
    elif raw:
        form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
        if form_payload and "payload" in form:
            data = json.loads(form["payload"])
            if not isinstance(data, dict):
                raise ValueError("expected a JSON object")
            form = data
        args.update(form)
    return args


def _as_list(value: Any) -> list[Any]:
    """blocks/attachments arrive as lists (JSON) or JSON-encoded strings (form bodies)."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        decoded = json.loads(value)
        return decoded if isinstance(decoded, list) else [decoded]
    return list(value) if isinstance(value, list) else [value]


def _check_content(args: Mapping[str, Any]) -> dict[str, Any] | None:
    """Slack's checks on text, blocks and attachments; None when the message is fine."""
    try:
        blocks = _as_list(args.get("blocks"))
        attachments = _as_list(args.get("attachments"))
    except ValueError:
        return {"ok": False, "error": "invalid_blocks_format"}
    text = args.get("text") or ""
    if not isinstance(text, str):
        text = str(text)
    if not text and not blocks and not attachments:
        return {"ok": False, "error": "no_text"}
    if len(text) > MAX_TEXT:
        return {"ok": False, "error": "msg_too_long"}
    errors = _block_errors(blocks)
    if errors:
        return {
            "ok": False,
            "error": "invalid_blocks",
            "errors": errors,
            "response_metadata": {"messages": [f"[ERROR] {e}" for e in errors]},
        }
    return None


def _block_errors(blocks: list[Any]) -> list[str]:
    if len(blocks) > MAX_BLOCKS:
        return [f"no more than {MAX_BLOCKS} items allowed [json-pointer:/blocks]"]
    errors: list[str] = []
    for i, block in enumerate(blocks):
        pointer = f"/blocks/{i}"
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            errors.append(f"missing required field: type [json-pointer:{pointer}]")
            continue
        text = block.get("text")
        limit = {"section": MAX_SECTION_TEXT, "header": MAX_HEADER_TEXT}.get(block["type"])
        if limit and isinstance(text, dict) and len(str(text.get("text", ""))) > limit:
            errors.append(
                f"must be less than {limit + 1} characters [json-pointer:{pointer}/text/text]"
            )
    return errors
