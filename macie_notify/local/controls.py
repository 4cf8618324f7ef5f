"""``/_local/`` controls: local-only endpoints on werkzeug's routing, never needed against AWS.

One URL map holds every control; each rule's endpoint is a handler
``(request, **url_values) -> Response``. The parts keep their own behaviour (the Slack
sink contributes its Web API, webhook and control rules with :meth:`SlackSink.rules`);
this module only routes, reads JSON bodies and turns bad input into a 400:

==========================================  ====================================================
``GET /_local/health``                      ``{"status": "ok"}``
``POST /_local/reset``                      forget every resource (macie2, moto, router, sink)
``GET|PUT /_local/latency``                 ``{"latencyMs": N}``: delay every AWS response
``POST /_local/findings/synthetic``         ``{"count", "accountId"?, "region"?, "seed"?,
                                            "publish"?}``: N varied findings (benchmarks)
``POST /_local/findings/publish``           publish queued policy finding updates now
``GET /_local/events/deliveries``           what the event router did with each event
``POST /_local/events/drain?timeout=S``     wait for in-flight deliveries (504 on timeout)
``POST /_local/jobs/<jobId>/run``           a scheduled job's next run, now
``POST /_local/posture/check``              a bucket posture check, now
``GET|PUT /_local/posture/interval``        ``{"seconds": N}`` between posture checks
``/_local/slack/...``                       the Slack sink (:mod:`macie_notify.local.slack.sink`)
==========================================  ====================================================

Every error answers ``{"error": "<reason>"}`` (what :mod:`macie_notify.local.client` shows).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.routing import Map, Rule, RuleFactory, Submount
from werkzeug.wrappers import Request, Response

from macie_notify.local.macie2 import Macie2Backends
from macie_notify.local.macie2.exceptions import ResourceNotFoundException
from macie_notify.local.macie2.responses import DEFAULT_ACCOUNT, DEFAULT_REGION
from macie_notify.local.web import json_body, json_response

if TYPE_CHECKING:
    from macie_notify.local.events.router import EventRouter
    from macie_notify.local.macie2.jobs import JobRunner
    from macie_notify.local.macie2.posture import PostureChecker
    from macie_notify.local.slack.sink import SlackSink

__all__ = ["PREFIX", "ControlApp", "ControlParts", "local_controls"]

PREFIX = "/_local"
# Controls take small JSON documents; anything bigger is refused before it is read.
MAX_CONTROL_BODY = 1024 * 1024

Handler = Callable[..., Response]
StartResponse = Callable[..., Any]


class ControlApp:
    """A WSGI application over one werkzeug URL map of control handlers."""

    def __init__(self, rules: Iterable[RuleFactory]) -> None:
        self.url_map = Map(list(rules), strict_slashes=False, merge_slashes=False)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        request.max_content_length = MAX_CONTROL_BODY
        return self.dispatch(request)(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            handler, values = adapter.match()
            return handler(request, **values)  # type: ignore[no-any-return]
        except RequestEntityTooLarge:
            return json_response({"error": f"body over {MAX_CONTROL_BODY} bytes"}, 413)
        except HTTPException as exc:  # no such control, or not with this method
            reason = f"no local control {request.method} {request.path}"
            return json_response({"error": reason}, exc.code or 404)
        except KeyError as exc:  # str(KeyError) is only the quoted key
            return json_response({"error": f"bad request: {exc} is missing"}, 400)
        except (ValueError, TypeError) as exc:
            return json_response({"error": f"bad request: {exc}"}, 400)


@dataclass(frozen=True)
class ControlParts:
    """What the controls act on: the server's parts, passed in explicitly."""

    macie2: Macie2Backends
    events: EventRouter
    jobs: JobRunner
    posture: PostureChecker
    slack: SlackSink
    reset: Callable[[], None]
    get_latency: Callable[[], int]
    set_latency: Callable[[int], None]


def local_controls(parts: ControlParts) -> ControlApp:
    """The ``/_local/`` application of a local server."""
    return ControlApp(
        [
            Submount(
                PREFIX,
                [
                    *_builtin_rules(parts),
                    Submount("/events", _events_rules(parts.events)),
                    Submount("/jobs", _jobs_rules(parts)),
                    Submount("/posture", _posture_rules(parts.posture)),
                    Submount("/slack", parts.slack.rules()),
                ],
            )
        ]
    )


def _builtin_rules(parts: ControlParts) -> list[Rule]:
    def health(request: Request) -> Response:
        return json_response({"status": "ok"})

    def reset(request: Request) -> Response:
        parts.reset()
        return json_response({"reset": True})

    def latency(request: Request) -> Response:
        if request.method in ("PUT", "POST"):
            value = int(json_body(request)["latencyMs"])
            if value < 0:
                raise ValueError("latencyMs must be >= 0")
            parts.set_latency(value)
        return json_response({"latencyMs": parts.get_latency()})

    def synthetic(request: Request) -> Response:
        return _synthetic(parts.macie2, json_body(request))

    def publish(request: Request) -> Response:
        # Queued policy finding updates go out now instead of at the publishing frequency.
        return json_response({"published": parts.macie2.flush()})

    return [
        Rule("/health", methods=["GET"], endpoint=health),
        Rule("/reset", methods=["POST"], endpoint=reset),
        Rule("/latency", methods=["GET", "PUT", "POST"], endpoint=latency),
        Rule("/findings/synthetic", methods=["POST"], endpoint=synthetic),
        Rule("/findings/publish", methods=["POST"], endpoint=publish),
    ]


def _synthetic(backends: Macie2Backends, body: dict[str, Any]) -> Response:
    count = int(body.get("count", 1000))
    if not 0 <= count <= 200_000:
        return json_response({"error": "count must be between 0 and 200000"}, 400)
    backend = backends.get(
        str(body.get("accountId") or DEFAULT_ACCOUNT), str(body.get("region") or DEFAULT_REGION)
    )
    with backend.transaction():
        if backend.session is None:
            return json_response({"error": "Macie is not enabled for this account and Region"}, 409)
        backend.load_synthetic(count, int(body.get("seed", 0)), bool(body.get("publish")))
        total = len(backend.findings)
    return json_response({"loaded": count, "total": total})


def _events_rules(router: EventRouter) -> list[Rule]:
    def deliveries(request: Request) -> Response:
        return json_response({"deliveries": router.deliveries()})

    def drain(request: Request) -> Response:
        done = router.drain(float(request.args.get("timeout", "60")))
        return json_response({"drained": done}, 200 if done else 504)

    return [
        Rule("/deliveries", methods=["GET"], endpoint=deliveries),
        Rule("/drain", methods=["POST"], endpoint=drain),
    ]


def _jobs_rules(parts: ControlParts) -> list[Rule]:
    def run(request: Request, job_id: str) -> Response:
        backend = parts.macie2.get(
            request.args.get("accountId", DEFAULT_ACCOUNT),
            request.args.get("region", DEFAULT_REGION),
        )
        try:
            parts.jobs.run_now(backend, job_id)
        except ResourceNotFoundException as exc:
            return json_response({"error": exc.message}, 404)
        except ValueError as exc:
            return json_response({"error": str(exc)}, 409)
        return json_response({"jobId": job_id, "started": True})

    return [Rule("/<job_id>/run", methods=["POST"], endpoint=run)]


def _posture_rules(checker: PostureChecker) -> list[Rule]:
    def check(request: Request) -> Response:
        found = checker.check()
        summary = [{"id": f["id"], "type": f["type"], "count": f["count"]} for f in found]
        return json_response({"findings": summary})

    def interval(request: Request) -> Response:
        if request.method in ("PUT", "POST"):
            seconds = float(json_body(request).get("seconds", checker.interval_s))
            checker.interval_s = max(1.0, seconds)
        return json_response({"seconds": checker.interval_s})

    return [
        Rule("/check", methods=["POST"], endpoint=check),
        Rule("/interval", methods=["GET", "PUT", "POST"], endpoint=interval),
    ]
