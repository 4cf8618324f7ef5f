"""The local endpoint: its parts, built once, and the WSGI dispatcher in front of them.

:class:`LocalServer` builds every part explicitly, as a typed member, and wires them:

- ``moto``: :class:`MotoBackends`, the parts' view of moto's in-process backends;
- ``macie2_backends`` + :class:`Macie2App`: this project's macie2 emulator;
- ``slack_sink``: the Slack Web API and webhooks stand-in;
- ``lambda_runner``: the ONE Lambda runner (zip cache, subprocesses, retries);
- ``event_router``: finding -> EventBridge rules -> targets (Lambda through the runner);
- ``lambda_invoke``: Lambda's Invoke API, run by the same runner;
- ``job_runner``: classification job runs against the local S3;
- ``posture`` and ``s3_calls``: bucket posture -> policy findings (from the S3 calls the
  endpoint answers, and from periodic checks for changes made around it), sharing one
  record of each bucket's posture;
- ``controls``: the ``/_local/`` API over all of them.

moto's SQS models are shared by the request threads, the router and the SQS poller and are
not thread-safe: ``local/sqs_lock.py`` serializes every access to them with one lock.

:class:`LocalApp` dispatches each request by path prefix and SigV4 credential scope:
``/_local/...`` -> the controls; scope ``macie2`` -> the emulator (moto's partial macie2
never answers); scope ``lambda`` + Invoke's route -> ``lambda_invoke`` (moto would start
docker); scope ``s3`` -> moto, watched by ``s3_calls``; everything else -> moto's server
application (``DomainDispatcherApplication``, what ``moto_server`` runs). This is the only
module that imports moto's server. moto keeps its state in process-wide backends, so two
servers in one process share S3, IAM, ...; each server has its own macie2 state.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

from macie_notify.aws import LOCAL_ACCESS_KEY, LOCAL_SECRET_KEY
from macie_notify.local.controls import PREFIX, ControlApp, ControlParts, local_controls
from macie_notify.local.events.router import EventRouter
from macie_notify.local.events.test_pattern import is_test_event_pattern, test_event_pattern_app
from macie_notify.local.guard import RequestGuard
from macie_notify.local.lambda_.code_limits import code_upload_refusal
from macie_notify.local.lambda_.event_sources import (
    MotoQueueSource,
    QueuePoller,
    disable_moto_sqs_invoke,
)
from macie_notify.local.lambda_.invoke import INVOKE_PATH, LambdaInvokeApp
from macie_notify.local.lambda_.runner import LambdaRunner
from macie_notify.local.logs_filter import patch_moto_log_filter
from macie_notify.local.macie2 import ENV_ACCOUNT, ENV_REGION, Macie2App, Macie2Backends
from macie_notify.local.macie2.bucket_metadata import s3_buckets
from macie_notify.local.macie2.jobs import JobRunner
from macie_notify.local.macie2.posture import PostureBook, PostureChecker
from macie_notify.local.macie2.s3_calls import S3CallObserver
from macie_notify.local.moto_backends import MotoBackends, secure_transport
from macie_notify.local.sigv4 import CredentialScope, parse_authorization, parse_query_credential
from macie_notify.local.slack.sink import SlackSink
from macie_notify.local.sqs_lock import moto_sqs, serialize_moto_sqs

__all__ = ["DUMMY_ENV", "LocalApp", "LocalServer", "make_wsgi_server"]

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

# What a client exports to use the endpoint (the CLI's --local uses the same values).
DUMMY_ENV = {"AWS_ACCESS_KEY_ID": LOCAL_ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": LOCAL_SECRET_KEY}
# The emulator's own reads of the local S3 (jobs, posture, policy findings) carry this
# header: on AWS those reads happen inside the service, so --latency-ms (which stands for
# the network between a client and AWS) is not charged to them. It changes nothing else.
INTERNAL_HEADER = "x-macie-notify-internal"
INTERNAL_HEADER_ENV = "HTTP_X_MACIE_NOTIFY_INTERNAL"
# Every function run's cache (zips, SDK links, invocation folders) starts with this.
CACHE_PREFIX = "macie-notify-lambda-"


class LocalApp:
    """The WSGI dispatcher behind :class:`LocalServer` (also usable in-process)."""

    def __init__(
        self,
        macie2: WSGIApp,
        lambda_invoke: WSGIApp,
        controls: WSGIApp,
        latency_ms: int = 0,
        sleep: Callable[[float], None] = time.sleep,
        s3_calls: S3CallObserver | None = None,
        guard: RequestGuard | None = None,
    ) -> None:
        self.macie2 = macie2
        self.lambda_invoke = lambda_invoke
        self.controls = controls
        self.s3_calls = s3_calls
        self.guard = guard or RequestGuard()
        self.latency_ms = latency_ms
        self._sleep = sleep
        self._moto: WSGIApp | None = None
        self._moto_lock = threading.Lock()

    @property
    def moto(self) -> WSGIApp:
        with self._moto_lock:
            if self._moto is None:
                from moto.moto_server.werkzeug_app import create_backend_app

                self._moto = _moto_dispatcher(create_backend_app)
            return self._moto

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        refusal = self.guard.refuse_browser(environ)
        if refusal is not None:
            return refusal(environ, start_response)
        start_response = self.guard.cors_start_response(environ, start_response)
        path = str(environ.get("PATH_INFO", ""))
        if path == PREFIX or path.startswith(PREFIX + "/"):
            return self.controls(environ, start_response)
        if self.latency_ms and INTERNAL_HEADER_ENV not in environ:
            self._sleep(self.latency_ms / 1000)
        scope = request_scope(environ)
        refusal = self.guard.refuse_aws(environ, scope)
        if refusal is not None:
            return refusal(environ, start_response)
        if scope is not None and scope.service == "macie2":
            environ[ENV_ACCOUNT] = account_id(environ, scope)
            environ[ENV_REGION] = scope.region
            return self.macie2(environ, start_response)
        if scope is not None and _is_invoke(scope, environ):
            environ[ENV_ACCOUNT] = account_id(environ, scope)
            environ[ENV_REGION] = scope.region
            return self.lambda_invoke(environ, start_response)
        own = _own_answer(scope, environ)
        if own is not None:
            return own(environ, start_response)
        # Plain HTTP on loopback cannot be listened in on: bucket policies see it as TLS.
        with secure_transport(_is_loopback(environ.get("REMOTE_ADDR"))):
            if scope is not None and scope.service == "s3" and self.s3_calls is not None:
                account = account_id(environ, scope)
                return self.s3_calls.wrap(
                    self.moto, environ, start_response, account, scope.region, scope.access_key
                )
            if scope is not None and scope.service == "sqs":
                # The whole request (checks, change, answer) under the SQS lock; a long
                # poll lets go of it while it waits (local/sqs_lock.py).
                with moto_sqs():
                    return list(self.moto(environ, start_response))
            return list(self.moto(environ, start_response))


class LocalServer:
    """The local endpoint on a background thread (threaded WSGI, one thread per request).

    ``background=False`` serves the APIs only: classification jobs keep the status the API
    gives them, findings are not published to EventBridge and no posture check runs (the
    API tests of the emulator use it to see exactly the states they set).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        latency_ms: int = 0,
        *,
        log_requests: bool = False,
        background: bool = True,
        cors_origins: Iterable[str] = (),
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.host = host
        self._requested_port = port
        self._log_requests = log_requests
        self._background = background
        # Known once the server listens; kept after stop() forgets the port, because the
        # invocations stop() still joins call the endpoint.
        self._endpoint = ""
        cache = Path(tempfile.gettempdir()) / f"{CACHE_PREFIX}{os.getpid()}-{uuid.uuid4().hex}"

        self._s3_clients: dict[tuple[str, str, str], Any] = {}
        self._s3_clients_lock = threading.Lock()
        self.moto = MotoBackends()
        # One clock and one sleep for every part that waits, retries or stamps times.
        self.macie2_backends = Macie2Backends(clock=clock)
        self.macie2_backends.bucket_source = s3_buckets
        self.macie2_backends.s3_client = self._s3_client
        self.slack_sink = SlackSink(clock=clock)
        self.lambda_runner = LambdaRunner(
            cache,
            endpoint_url=lambda: self._endpoint,
            slack_api_url=lambda: f"{self._endpoint}{PREFIX}/slack/api/",
            queues=self.moto,
            logs=self.moto,
            sleep=sleep,
            clock=clock,
        )
        self.event_router = EventRouter(self.moto, self.lambda_runner, sleep=sleep, clock=clock)
        self.lambda_invoke = LambdaInvokeApp(self.lambda_runner, self.moto.function_named)
        # SQS event source mappings: polled here (moto would start docker on SendMessage).
        disable_moto_sqs_invoke()
        # The poller, the router and the request threads share moto's queues: one lock.
        serialize_moto_sqs()
        patch_moto_log_filter()  # moto's FilterLogEvents matches every event for JSON patterns
        self.queue_poller = QueuePoller(
            MotoQueueSource(), self.lambda_runner, self.moto.function, clock=clock
        )
        self.job_runner = JobRunner(self._s3_client, logs=self.moto, clock=clock)
        book = PostureBook()
        self.posture = PostureChecker(self.macie2_backends, self._s3_client, clock=clock, book=book)
        self.s3_calls = S3CallObserver(self.macie2_backends, self._s3_client, book)
        if background:
            self.macie2_backends.add_listener(self.event_router.on_finding)
            self.macie2_backends.job_observer = self.job_runner
        self.controls: ControlApp = local_controls(
            ControlParts(
                macie2=self.macie2_backends,
                events=self.event_router,
                jobs=self.job_runner,
                posture=self.posture,
                slack=self.slack_sink,
                reset=self.reset,
                get_latency=lambda: self.app.latency_ms,
                set_latency=self._set_latency,
            )
        )
        self.app = LocalApp(
            Macie2App(self.macie2_backends),
            self.lambda_invoke,
            self.controls,
            latency_ms,
            sleep=sleep,
            s3_calls=self.s3_calls if background else None,
            guard=RequestGuard(host, cors_origins),
        )
        self._server: Any = None
        self._stopping = False
        self._thread: threading.Thread | None = None

    def _s3_client(self, account_id: str, region: str) -> Any:
        """The local S3 as ``account_id`` sees it (jobs, posture checks and macie2 reads of
        every account on the endpoint; moto takes the account from this header).

        One client per account and Region, made once: every observed S3 call reads the
        bucket's posture through it, and building a boto3 client costs tens of ms.
        """
        key = (self.endpoint_url, account_id, region)
        with self._s3_clients_lock:
            client = self._s3_clients.get(key)
            if client is None:
                client = self.client("s3", region)

                def as_account(request: Any, **_: Any) -> None:
                    request.headers["x-moto-account-id"] = account_id
                    request.headers[INTERNAL_HEADER] = "1"

                client.meta.events.register("before-sign.s3", as_account)
                self._s3_clients[key] = client
            return client

    def _set_latency(self, value: int) -> None:
        self.app.latency_ms = value

    def reset(self) -> None:
        """Forget every resource: macie2, moto's backends, deliveries, messages, postures."""
        self.macie2_backends.reset()
        self.moto.reset()
        self.lambda_runner.retire()
        self.event_router.reset()
        self.queue_poller.reset()
        self.slack_sink.reset()
        self.posture.reset()

    def start(self) -> LocalServer:
        """Bind and serve; returns once requests are accepted (OSError if the port is taken)."""
        if self._server is not None:
            return self
        self._server = make_wsgi_server(
            self.app, self.host, self._requested_port, self._log_requests
        )
        self._endpoint = self.endpoint_url
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="macie-notify-local", daemon=True
        )
        self._thread.start()
        remove_stale_caches(Path(tempfile.gettempdir()))
        self.lambda_runner.reopen()
        self.lambda_invoke.open()
        if self._background:
            self.posture.start()
            self.queue_poller.start()
        return self

    def stop(self, grace_s: float = 5.0) -> None:
        """Stop serving and release the port (idempotent).

        Background invocations and event deliveries get ``grace_s`` seconds to finish (each),
        then every function still running is killed with its process group (:meth:`kill`
        does that at once, e.g. on a second Ctrl-C); their temporary folder is removed.
        """
        server = self._server
        if server is None or self._stopping:
            return
        # In-flight work (Lambda invocations, event deliveries) still calls this endpoint:
        # keep serving until it is done.
        self._stopping = True
        try:
            self.posture.stop()
            self.job_runner.stop()
            self.lambda_invoke.close()
            self.lambda_invoke.drain(grace_s)
            self.event_router.drain(grace_s)
            self.queue_poller.stop(grace_s)
            self.lambda_runner.close(grace_s=0.5)  # SIGTERM, then SIGKILL what is left
            self.lambda_invoke.stop()
            self.event_router.stop()
            shutil.rmtree(self.lambda_runner.cache_dir, ignore_errors=True)
        finally:
            self._server = None
            self._stopping = False
            server.shutdown()
            server.server_close()
            if self._thread is not None:
                self._thread.join(timeout=10)
                self._thread = None

    def kill(self) -> None:
        """Kill every running function now (a second Ctrl-C while stopping)."""
        self.lambda_runner.kill()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the local server is not running; call start() first")
        return int(self._server.server_address[1])

    @property
    def endpoint_url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}"

    def environment(self, region: str = "us-east-1") -> dict[str, str]:
        """What a client exports to use this endpoint (dummy credentials)."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            **DUMMY_ENV,
        }

    def client(self, service: str, region: str = "us-east-1", config: Any = None) -> Any:
        """A boto3 client for this endpoint, with the dummy credentials (jobs, posture).

        ``config`` is a ``botocore.config.Config`` (retries, pool size) when one is needed.
        """
        import boto3

        return boto3.client(
            service,  # type: ignore[call-overload]
            endpoint_url=self.endpoint_url,
            region_name=region,
            aws_access_key_id=LOCAL_ACCESS_KEY,
            aws_secret_access_key=LOCAL_SECRET_KEY,
            config=config,
        )

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _is_loopback(address: object) -> bool:
    try:
        return ipaddress.ip_address(str(address)).is_loopback
    except ValueError:
        return False


def _own_answer(scope: CredentialScope | None, environ: dict[str, Any]) -> WSGIApp | None:
    """An answer given here instead of moto's: an oversized Lambda code upload's refusal,
    or TestEventPattern (moto answers it with an empty body: the rules' matcher answers)."""
    if scope is not None and scope.service == "events" and is_test_event_pattern(environ):
        return test_event_pattern_app
    if scope is not None and scope.service == "lambda":
        return code_upload_refusal(environ)
    return None


def _is_invoke(scope: CredentialScope, environ: dict[str, Any]) -> bool:
    return (
        scope.service == "lambda"
        and environ.get("REQUEST_METHOD") == "POST"
        and INVOKE_PATH.match(str(environ.get("PATH_INFO", ""))) is not None
    )


def request_scope(environ: dict[str, Any]) -> CredentialScope | None:
    """The SigV4 scope from the Authorization header or a presigned URL's query."""
    scope = parse_authorization(environ.get("HTTP_AUTHORIZATION"))
    if scope is None and "X-Amz-Credential" in str(environ.get("QUERY_STRING", "")):
        from urllib.parse import parse_qs

        values = parse_qs(str(environ["QUERY_STRING"])).get("X-Amz-Credential")
        scope = parse_query_credential(values[0] if values else None)
    return scope


def account_id(environ: dict[str, Any], scope: CredentialScope) -> str:
    """moto's convention: MOTO_ACCOUNT_ID, x-moto-account-id, an IAM/STS key's owner, default."""
    if os.environ.get("MOTO_ACCOUNT_ID"):
        return os.environ["MOTO_ACCOUNT_ID"]
    header = environ.get("HTTP_X_MOTO_ACCOUNT_ID")
    if header:
        return str(header)
    from moto.iam.models import get_account_id_from

    return str(get_account_id_from(scope.access_key))


def remove_stale_caches(folder: Path) -> None:
    """Remove the function caches of servers whose process is gone (killed, not stopped)."""
    for path in folder.glob(f"{CACHE_PREFIX}*-*"):
        pid = path.name[len(CACHE_PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def _moto_dispatcher(create_app: Any) -> WSGIApp:
    """moto's host dispatcher, with its list of service modules read once.

    ``DomainDispatcherApplication.get_backend_for_host`` checks ``host in
    list_of_moto_modules()``, a generator that lists moto's package folder and stats each
    entry, twice per request: about half of the server's time for a small S3 PUT.
    """
    from moto.backends import list_of_moto_modules
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    modules = frozenset(list_of_moto_modules())

    class Dispatcher(DomainDispatcherApplication):
        # The parent's body with the module list read once (moto 5.x): the host is usually
        # "s3.us-east-1.amazonaws.com", so the generator ran to its end on every request.
        def get_backend_for_host(self, host: str | None) -> Any:
            if host is None or host == "moto_api" or host in modules:
                return host
            for backend, pattern in self.backend_url_patterns:
                if pattern.match(f"http://{host}"):
                    return backend
            return None

    return Dispatcher(create_app)


def make_wsgi_server(app: WSGIApp, host: str, port: int, log_requests: bool = False) -> Any:
    """A threaded werkzeug server with moto's request handler (keeps S3 ``x-amz-meta-a_b``).

    Raises OSError when the address cannot be bound (port taken, unknown host).
    """
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import make_server

    class Handler(MotoRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            if log_requests:
                super().log_request(code, size)

    # werkzeug prints and calls sys.exit(1) when its own bind fails, which would end the
    # caller's process (a test run, `local serve`'s error handling): bind here so a taken
    # port is an OSError, and hand werkzeug the listening socket.
    sock = _listen(host, port)
    try:
        return make_server(
            host, port, app, threaded=True, request_handler=Handler, fd=sock.fileno()
        )
    finally:
        sock.close()  # werkzeug works on its own duplicate of the descriptor


def _listen(host: str, port: int) -> socket.socket:
    # The address family follows werkzeug's choice for the same host string.
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except BaseException:
        sock.close()
        raise
    return sock
