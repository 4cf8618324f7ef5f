"""Run a deployed Lambda zip the way the Python runtime would, in a subprocess.

The local event router hands this module the function's configuration and zip (read from
moto's Lambda service) and an event; the handler runs in a ``python -I -S`` process whose
``sys.path`` holds only the function's own files and the AWS SDK the real runtime bundles
(boto3, botocore and their dependencies), so a zip that forgets a dependency fails here as
it would on AWS. That process is an execution environment, kept warm and reused as Lambda
reuses them (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html):
the init phase (imports, module-level code) runs once per environment, module-level state
carries over, each environment has its own log stream, and one runs one invocation at a
time, so the number of environments is the function's concurrency. An environment is
dropped after a timeout, a crash or a failed init, when the function's code or
configuration changes, and after :data:`IDLE_S` unused. Per invocation it gets:

- the function's environment variables, then the variables the runtime always sets
  (``AWS_REGION``, ``AWS_LAMBDA_FUNCTION_NAME``, ``_HANDLER``, ``LAMBDA_TASK_ROOT``,
  ``TZ=:UTC``, ...; https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime),
  which win, as Lambda reserves them;
- like LocalStack, ``AWS_ENDPOINT_URL`` and dummy credentials pointing back at the local
  endpoint (always: a local function must never reach real AWS), and ``SLACK_API_URL``
  pointing at the Slack sink unless the function sets its own;
- a context object with the real attributes (``function_name``, ``aws_request_id``,
  ``get_remaining_time_in_millis()``, ...), the function's timeout (the process is killed
  when it passes, ``Sandbox.Timedout``), and Lambda's START / END / REPORT log lines.

Asynchronous invocation (how EventBridge calls Lambda) follows
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html: a failed attempt is
retried ``MaximumRetryAttempts`` times (default 2) with growing delays (the sleep is
injected; local delays are seconds, not AWS's minutes), then the event goes to the
on-failure destination (an invocation record) and/or the dead-letter queue (the event
itself, with ``RequestID`` / ``ErrorCode`` / ``ErrorMessage`` attributes). Logs land in
``/aws/lambda/<name>``. Zips are extracted once into a cache keyed by CodeSha256.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import importlib.util
import io
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from macie_notify.aws import LOCAL_ACCESS_KEY, LOCAL_SECRET_KEY
from macie_notify.local.lambda_.code_limits import CodeError, check_unzipped_size
from macie_notify.local.retries import RetryEnd, retry_with_max_age
from macie_notify.render import iso8601

# The program the subprocess runs: standard library only, as on the Lambda runtime.
BOOTSTRAP = Path(__file__).with_name("bootstrap.py")

__all__ = [
    "AsyncOutcome",
    "FunctionSpec",
    "InvocationResult",
    "LambdaRunner",
    "LogWriter",
    "QueueSender",
    "log_lines",
]

# Lambda gives the init phase (imports) 10 s of its own, apart from the function timeout.
INIT_LIMIT_S = 10.0
# How long an unused environment stays warm (Lambda does not say; minutes, in practice).
IDLE_S = 600.0
DEFAULT_RETRY_DELAYS = (1.0, 2.0)
# What the Lambda Python runtime ships besides the standard library.
RUNTIME_SDK = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")
# Lambda always sets a session token; locally it is one more dummy value.
DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": LOCAL_ACCESS_KEY,
    "AWS_SECRET_ACCESS_KEY": LOCAL_SECRET_KEY,
    "AWS_SESSION_TOKEN": LOCAL_SECRET_KEY,
}


class QueueSender(Protocol):
    """Where failure/success records go (an SQS queue ARN)."""

    def send_message(self, queue_arn: str, body: str, attributes: Mapping[str, str]) -> None: ...


class LogWriter(Protocol):
    """CloudWatch Logs: ``group_arn`` is ``arn:aws:logs:<region>:<account>:log-group:<name>``;
    events are (epoch milliseconds, message)."""

    def put_log_events(
        self, group_arn: str, stream: str, events: Sequence[tuple[int, str]]
    ) -> None: ...


@dataclass(frozen=True)
class FunctionSpec:
    """What the runner needs of a function: its configuration and its zip."""

    name: str
    arn: str
    handler: str
    code: bytes
    code_sha256: str = ""
    runtime: str = "python3.12"
    timeout_s: float = 3.0
    memory_mb: int = 128
    version: str = "$LATEST"
    region: str = "us-east-1"
    environment: Mapping[str, str] = field(default_factory=dict)
    max_retry_attempts: int = 2
    max_event_age_s: int = 21_600
    dead_letter_arn: str | None = None
    on_failure_arn: str | None = None
    on_success_arn: str | None = None
    # PutFunctionConcurrency: at most this many copies run at once (None: no reservation).
    reserved_concurrency: int | None = None
    # RevisionId: a function deleted and created again is a new function (new environments).
    revision: str = ""

    @classmethod
    def from_configuration(
        cls,
        config: Mapping[str, Any],
        code: bytes,
        invoke_config: Mapping[str, Any] | None = None,
    ) -> FunctionSpec:
        """Build from GetFunctionConfiguration and GetFunctionEventInvokeConfig shapes."""
        arn = str(config["FunctionArn"])
        destinations = (invoke_config or {}).get("DestinationConfig") or {}
        return cls(
            name=str(config["FunctionName"]),
            arn=arn,
            handler=str(config.get("Handler") or ""),
            code=code,
            code_sha256=str(config.get("CodeSha256") or ""),
            runtime=str(config.get("Runtime") or "python3.12"),
            timeout_s=float(config.get("Timeout") or 3),
            memory_mb=int(config.get("MemorySize") or 128),
            version=str(config.get("Version") or "$LATEST"),
            region=arn.split(":")[3] if arn.count(":") >= 4 else "us-east-1",
            environment=dict((config.get("Environment") or {}).get("Variables") or {}),
            max_retry_attempts=int((invoke_config or {}).get("MaximumRetryAttempts", 2)),
            max_event_age_s=int((invoke_config or {}).get("MaximumEventAgeInSeconds", 21_600)),
            dead_letter_arn=(config.get("DeadLetterConfig") or {}).get("TargetArn"),
            on_failure_arn=(destinations.get("OnFailure") or {}).get("Destination"),
            on_success_arn=(destinations.get("OnSuccess") or {}).get("Destination"),
            revision=str(config.get("RevisionId") or ""),
        )


@dataclass
class InvocationResult:
    """One attempt. ``error`` has Lambda's ``errorType`` / ``errorMessage`` / ``stackTrace``."""

    request_id: str
    payload: Any = None
    error: dict[str, Any] | None = None
    logs: str = ""
    duration_ms: float = 0.0
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class AsyncOutcome:
    """Every attempt of one asynchronous invocation and where a failure went."""

    attempts: list[InvocationResult]
    condition: str  # Success | RetriesExhausted | EventAgeExceeded
    sent_to: list[str] = field(default_factory=list)

    @property
    def delivered(self) -> bool:
        return self.condition == "Success"


def log_group_arn(spec: FunctionSpec) -> str:
    """The function's log group ``/aws/lambda/<name>`` as an ARN (account and Region)."""
    parts = spec.arn.split(":")
    account = parts[4] if len(parts) > 4 else ""
    return f"arn:aws:logs:{spec.region}:{account}:log-group:/aws/lambda/{spec.name}"


class LambdaRunner:
    """Runs functions; one per local server. Thread-safe; it owns no threads itself."""

    def __init__(
        self,
        cache_dir: Path,
        endpoint_url: str | Callable[[], str] | None = None,
        slack_api_url: str | Callable[[], str | None] | None = None,
        queues: QueueSender | None = None,
        logs: LogWriter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
        python: str = sys.executable,
    ) -> None:
        # Created on first use and removed by the owner (the local server's stop()).
        self.cache_dir = Path(cache_dir)
        self.endpoint_url = endpoint_url
        self.slack_api_url = slack_api_url
        self.queues = queues
        self.logs = logs
        self.sleep = sleep
        self.clock = clock
        self.retry_delays = tuple(retry_delays)
        self.python = python
        self._lock = threading.RLock()
        # Every function process (each leads its own process group), and whether the owner
        # is shutting down (no new process starts then).
        self._processes: set[subprocess.Popen[bytes]] = set()
        self._idle: list[_Environment] = []
        """Warm environments not running an invocation, most recently used last."""
        self._closed = False
        # One semaphore per function with reserved concurrency: a burst of events waits
        # for a free copy, as in Lambda's asynchronous queue (see slot()).
        self._slots: dict[tuple[str, int], threading.BoundedSemaphore] = {}

    # --- code cache ------------------------------------------------------------------------

    def task_root(self, spec: FunctionSpec) -> Path:
        """The extracted zip, shared by every invocation of the same code."""
        # Keyed by the digest behind CodeSha256 (hex, to be a safe directory name).
        key = hashlib.sha256(spec.code).hexdigest()
        root = self.cache_dir / "code" / key
        with self._lock:
            if not root.is_dir():
                self.cache_dir.mkdir(parents=True, exist_ok=True)
                # Lambda's 250 MB unzipped limit, checked before anything is written.
                check_unzipped_size(spec.code)
                tmp = Path(tempfile.mkdtemp(dir=self.cache_dir, prefix=".extract-"))
                # zipfile drops absolute paths and ".." parts, so members stay inside tmp.
                with zipfile.ZipFile(io.BytesIO(spec.code)) as archive:
                    archive.extractall(tmp)
                root.parent.mkdir(parents=True, exist_ok=True)
                tmp.rename(root)
        return root

    def _runtime_dir(self) -> Path:
        """A directory holding only the AWS SDK packages, as the Lambda runtime provides."""
        sdk = self.cache_dir / "runtime-sdk"
        with self._lock:
            if sdk.is_dir():
                return sdk
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(dir=self.cache_dir, prefix=".sdk-"))
            for name in RUNTIME_SDK:
                found = importlib.util.find_spec(name)
                if found is None or found.origin is None:
                    continue
                origin = Path(found.origin)
                src = origin.parent if origin.name == "__init__.py" else origin
                (tmp / src.name).symlink_to(src, target_is_directory=src.is_dir())
            tmp.rename(sdk)
        return sdk

    # --- environment -----------------------------------------------------------------------

    @staticmethod
    def _log_stream(spec: FunctionSpec, now: float) -> str:
        """A new environment's log stream (``2024/05/01/[$LATEST]<hex>``, as Lambda names
        them: one stream per environment)."""
        day = dt.datetime.fromtimestamp(now, dt.timezone.utc).strftime("%Y/%m/%d")
        return f"{day}/[{spec.version}]{uuid.uuid4().hex}"

    def environment(self, spec: FunctionSpec, root: Path, stream: str) -> dict[str, str]:
        """The process environment: the function's variables, then the runtime's."""
        env = {str(k): str(v) for k, v in spec.environment.items()}
        # URLs may be callables: the local server knows its port only once it listens.
        slack, endpoint = self._url(self.slack_api_url), self._url(self.endpoint_url)
        if slack:
            env.setdefault("SLACK_API_URL", slack)
        env.update(
            {
                "PATH": "/usr/local/bin:/usr/bin:/bin",
                "LANG": "en_US.UTF-8",
                "TZ": ":UTC",
                "_HANDLER": spec.handler,
                "AWS_REGION": spec.region,
                "AWS_DEFAULT_REGION": spec.region,
                "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
                "AWS_LAMBDA_FUNCTION_NAME": spec.name,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
                "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
                "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
                "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
                "AWS_LAMBDA_LOG_STREAM_NAME": stream,
                "LAMBDA_TASK_ROOT": str(root),
                "LAMBDA_RUNTIME_DIR": str(self._runtime_dir()),
                "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
                **DUMMY_CREDENTIALS,
            }
        )
        if endpoint:
            env["AWS_ENDPOINT_URL"] = endpoint
        return env

    # --- one attempt -----------------------------------------------------------------------

    def invoke(
        self, spec: FunctionSpec, event: Any, request_id: str | None = None
    ) -> InvocationResult:
        """Run the handler once (RequestResponse semantics) and write its logs."""
        request_id = request_id or str(uuid.uuid4())
        if not spec.runtime.startswith("python"):
            return InvocationResult(
                request_id,
                error=_error("Runtime.InvalidRuntime", f"unsupported runtime {spec.runtime}"),
            )
        started = self.clock()
        try:
            root = self.task_root(spec)
        except CodeError as exc:
            message = f"RequestId: {request_id} Error: {exc}"
            return InvocationResult(request_id, error=_error("Runtime.ExitError", message))
        try:
            environment = self._acquire(spec, root, started)
        except OSError as exc:
            # The runtime could not start (no interpreter, not executable): a failed
            # invocation, retried and dead-lettered like any other.
            reason = f"fork/exec {self.python}: {exc.strerror or exc}"
            message = f"RequestId: {request_id} Error: {reason}"
            return InvocationResult(request_id, error=_error("Runtime.InvalidEntrypoint", message))
        except _Stopping:
            return _stopping(request_id)
        try:
            result = self._run_in(environment, spec, event, request_id)
        except _Stopping:
            return _stopping(request_id)
        finally:
            self._release(environment)
        self._write_logs(spec, environment.stream, started, result)
        return result

    def _run_in(
        self, environment: _Environment, spec: FunctionSpec, event: Any, request_id: str
    ) -> InvocationResult:
        with tempfile.TemporaryDirectory(dir=self.cache_dir, prefix=".invoke-") as tmp:
            result_path, log_path = Path(tmp) / "result.json", Path(tmp) / "log.txt"
            request = {
                "event": event,
                "request_id": request_id,
                "invoked_function_arn": spec.arn,
                "timeout_ms": int(spec.timeout_s * 1000),
                "init_limit_ms": int(INIT_LIMIT_S * 1000),
                "result_path": str(result_path),
                "log_path": str(log_path),
            }
            t0 = time.monotonic()
            limit = spec.timeout_s + (0 if environment.used else INIT_LIMIT_S) + 5
            finished = environment.run(json.dumps(request), limit)
            killed = finished is None
            if killed:
                _kill_group(environment.proc, signal.SIGKILL)
                environment.proc.wait()
            duration = (time.monotonic() - t0) * 1000
            if not finished and self.closed and (environment.proc.returncode or 0) < 0:
                raise _Stopping  # killed by close()/kill(), not by its own doing
            raw = result_path.read_text() if result_path.exists() else ""
            output = environment.output() + (
                log_path.read_text("utf-8", "replace") if log_path.exists() else ""
            )
        now = dt.datetime.fromtimestamp(self.clock(), dt.timezone.utc)
        return _parse_result(request_id, raw, output, duration, killed, spec.timeout_s, now)

    # --- execution environments -----------------------------------------------------------

    def _environment_key(self, spec: FunctionSpec, root: Path) -> tuple[Any, ...]:
        """What makes an environment reusable: the same code and configuration."""
        urls = (self._url(self.endpoint_url), self._url(self.slack_api_url))
        settings = (spec.handler, spec.runtime, spec.timeout_s, spec.memory_mb, spec.version)
        variables = tuple(sorted(spec.environment.items()))
        return (spec.arn, spec.revision, str(root), settings, variables, urls)

    @staticmethod
    def _url(url: str | Callable[[], str | None] | None) -> str | None:
        return url() if callable(url) else url

    def _acquire(self, spec: FunctionSpec, root: Path, now: float) -> _Environment:
        """A warm environment of this code and configuration, else a new one."""
        key = self._environment_key(spec, root)
        stale: list[_Environment] = []
        found: _Environment | None = None
        with self._lock:
            if self._closed:
                raise _Stopping
            keep: list[_Environment] = []
            for env in self._idle:
                # Lambda retires an old version's environments; idle ones are reclaimed.
                gone = env.proc.poll() is not None or now - env.last_used > IDLE_S
                if gone or (env.key[0] == spec.arn and env.key != key):
                    stale.append(env)
                else:
                    keep.append(env)
            for env in reversed(keep):  # the most recently used: its caches are warmest
                if env.key == key:
                    found = env
                    keep.remove(env)
                    break
            self._idle = keep
        for env in stale:
            self._discard(env)
        if found is not None:
            return found
        stream = self._log_stream(spec, now)
        return self._start(key, self.environment(spec, root, stream), root, stream)

    def _start(
        self, key: tuple[Any, ...], env: dict[str, str], root: Path, stream: str
    ) -> _Environment:
        """Start the bootstrap in its own process group (killpg reaches its children).

        OSError when the interpreter cannot be started; _Stopping when the owner stops.
        """
        # -I: no environment, user site or script directory on sys.path; -S: no site-packages.
        cmd = [self.python, "-I", "-S", str(BOOTSTRAP)]
        with self._lock:
            if self._closed:
                raise _Stopping
            proc = subprocess.Popen(
                cmd,
                cwd=root,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            self._processes.add(proc)
        return _Environment(key, proc, stream, self.clock())

    def retire(self) -> None:
        """End every warm environment not running now (the endpoint was reset: its
        functions are gone, and a function created again must not find old state)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for environment in idle:
            self._discard(environment)

    def _release(self, environment: _Environment) -> None:
        """Back to the warm pool if it can run again; otherwise gone."""
        environment.last_used = self.clock()
        with self._lock:
            if not self._closed and environment.proc.poll() is None:
                self._idle.append(environment)
                return
        self._discard(environment)

    def _discard(self, environment: _Environment) -> None:
        _kill_group(environment.proc, signal.SIGKILL)
        environment.proc.wait()
        environment.close()
        with self._lock:
            self._processes.discard(environment.proc)

    # --- shutdown ----------------------------------------------------------------------------

    def close(self, grace_s: float = 5.0, monotonic: Callable[[], float] = time.monotonic) -> None:
        """Start no new function; SIGTERM the running ones and the warm environments,
        SIGKILL what is left after ``grace_s`` (each process group, so a function's own
        children go too)."""
        with self._lock:
            self._closed = True
            running = list(self._processes)
            idle, self._idle = self._idle, []
        for proc in running:
            _kill_group(proc, signal.SIGTERM)
        deadline = monotonic() + grace_s
        for proc in running:
            try:
                proc.wait(max(0.0, deadline - monotonic()))
            except subprocess.TimeoutExpired:
                _kill_group(proc, signal.SIGKILL)
        for environment in idle:
            self._discard(environment)

    def kill(self) -> None:
        """SIGKILL every running function now (a second Ctrl-C)."""
        with self._lock:
            self._closed = True
            running = list(self._processes)
        for proc in running:
            _kill_group(proc, signal.SIGKILL)

    @property
    def closed(self) -> bool:
        with self._lock:
            return self._closed

    def reopen(self) -> None:
        """Run functions again after :meth:`close` (a server started again)."""
        with self._lock:
            self._closed = False

    def _write_logs(
        self, spec: FunctionSpec, stream: str, started: float, result: InvocationResult
    ) -> None:
        if self.logs is None:
            return
        ms = int(started * 1000)
        events = [(ms + i, line) for i, line in enumerate(log_lines(spec, result))]
        self.logs.put_log_events(log_group_arn(spec), stream, events)

    # --- asynchronous invocation -----------------------------------------------------------

    @contextlib.contextmanager
    def slot(self, spec: FunctionSpec) -> Iterator[None]:
        """Hold one of the function's reserved copies while running it (none: no limit)."""
        if spec.reserved_concurrency is None:
            yield
            return
        key = (spec.arn, spec.reserved_concurrency)
        with self._lock:
            semaphore = self._slots.setdefault(
                key, threading.BoundedSemaphore(spec.reserved_concurrency)
            )
        with semaphore:
            yield

    def invoke_async(self, spec: FunctionSpec, event: Any) -> AsyncOutcome:
        """Event invocation: retries with backoff, then destinations / dead-letter queue."""
        # Lambda keeps the request id across retries of one event.
        request_id = str(uuid.uuid4())
        attempts: list[InvocationResult] = []

        def attempt(_number: int) -> bool:
            with self.slot(spec):
                attempts.append(self.invoke(spec, event, request_id))
            # A stopping runner starts nothing more: the event goes where failures go.
            return attempts[-1].ok or self.closed

        end = retry_with_max_age(
            attempt,
            retries=spec.max_retry_attempts,
            max_age_s=spec.max_event_age_s,
            received=self.clock(),
            delays=self.retry_delays,
            sleep=self.sleep,
            clock=self.clock,
        )
        condition = {
            RetryEnd.DONE: "Success" if attempts[-1].ok else "RetriesExhausted",
            RetryEnd.EXHAUSTED: "RetriesExhausted",
            RetryEnd.EXPIRED: "EventAgeExceeded",
        }[end]
        outcome = AsyncOutcome(attempts, condition)
        self._route_outcome(spec, event, outcome)
        return outcome

    def _route_outcome(self, spec: FunctionSpec, event: Any, outcome: AsyncOutcome) -> None:
        if self.queues is None:
            return
        last = outcome.attempts[-1] if outcome.attempts else None
        now = dt.datetime.fromtimestamp(self.clock(), dt.timezone.utc)
        if outcome.delivered:
            if spec.on_success_arn and _is_sqs(spec.on_success_arn):
                record = _invocation_record(spec, event, outcome, last, now)
                self.queues.send_message(spec.on_success_arn, json.dumps(record), {})
                outcome.sent_to.append(spec.on_success_arn)
            return
        if spec.on_failure_arn and _is_sqs(spec.on_failure_arn):
            record = _invocation_record(spec, event, outcome, last, now)
            self.queues.send_message(spec.on_failure_arn, json.dumps(record), {})
            outcome.sent_to.append(spec.on_failure_arn)
        if spec.dead_letter_arn and _is_sqs(spec.dead_letter_arn):
            error = (last.error if last else None) or {}
            attributes = {
                "RequestID": last.request_id if last else "",
                "ErrorCode": "200",
                "ErrorMessage": str(error.get("errorMessage", ""))[:1000],
            }
            self.queues.send_message(spec.dead_letter_arn, json.dumps(event), attributes)
            outcome.sent_to.append(spec.dead_letter_arn)


# --- helpers -------------------------------------------------------------------------------


class _Stopping(Exception):
    """The runner was closed: a function is not started, or was stopped from outside."""


def _stopping(request_id: str) -> InvocationResult:
    message = f"RequestId: {request_id} Error: the local server is stopping"
    return InvocationResult(request_id, error=_error("Runtime.ExitError", message))


class _Environment:
    """One warm execution environment: a bootstrap process and what it printed outside any
    invocation (an interpreter failing to start, say)."""

    def __init__(
        self,
        key: tuple[Any, ...],
        proc: subprocess.Popen[bytes],
        stream: str,
        now: float,
    ) -> None:
        self.key = key
        self.proc = proc
        self.stream = stream
        self.last_used = now
        self.used = False
        self._lines: queue.Queue[bytes | None] = queue.Queue()
        self._stray: list[str] = []
        reader = threading.Thread(target=self._read, name="lambda-env-reader", daemon=True)
        reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def run(self, request: str, limit_s: float) -> bool | None:
        """Send one request; True once the environment says it is done, False when it
        ended first (a timeout, exit or crash), None when ``limit_s`` passed."""
        self.used = True
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(request.encode() + b"\n")
            self.proc.stdin.flush()
        except OSError:
            return False  # it died while idle
        deadline = time.monotonic() + limit_s
        while True:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                return None
            if line is None:
                self.proc.wait()
                return False
            if line == b"done\n":
                return True
            self._stray.append(line.decode("utf-8", "replace"))

    def output(self) -> str:
        """What the process printed outside the invocation's own log (then cleared)."""
        text, self._stray = "".join(self._stray), []
        return text

    def close(self) -> None:
        for pipe in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(OSError):
                if pipe is not None:
                    pipe.close()


def _kill_group(proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass  # already gone


def log_lines(spec: FunctionSpec, result: InvocationResult) -> list[str]:
    """Lambda's log for one invocation: START, the function's lines, END and REPORT."""
    rid = result.request_id
    billed = int(-(-result.duration_ms // 1))
    return [
        f"START RequestId: {rid} Version: {spec.version}",
        *(line for line in result.logs.splitlines() if line.strip()),
        f"END RequestId: {rid}",
        f"REPORT RequestId: {rid}\tDuration: {result.duration_ms:.2f} ms\t"
        f"Billed Duration: {billed} ms\tMemory Size: {spec.memory_mb} MB\t"
        f"Max Memory Used: {min(spec.memory_mb, 48)} MB\t",
    ]


def _is_sqs(arn: str) -> bool:
    return arn.startswith("arn:") and arn.split(":")[2:3] == ["sqs"]


def _error(error_type: str, message: str, trace: list[str] | None = None) -> dict[str, Any]:
    return {"errorType": error_type, "errorMessage": message, "stackTrace": trace or []}


def _parse_result(
    request_id: str,
    raw: str,
    output: str,
    duration: float,
    killed: bool,
    timeout_s: float,
    now: dt.datetime,
) -> InvocationResult:
    result = InvocationResult(request_id, logs=output, duration_ms=duration)
    data = json.loads(raw) if raw else None
    if killed or (data is not None and data.get("timed_out")):
        message = f"Task timed out after {timeout_s:.2f} seconds"
        result.logs += f"{iso8601(now)} {request_id} {message}\n"
        result.timed_out = True
        result.error = _error("Sandbox.Timedout", f"RequestId: {request_id} Error: {message}")
    elif data is None:
        # sys.exit() or a crash in the handler: no result was written.
        message = f"RequestId: {request_id} Error: Runtime exited without providing a reason"
        result.error = _error("Runtime.ExitError", message)
    elif "error" in data:
        result.error = data["error"]
    else:
        result.payload = data.get("payload")
    return result


def _invocation_record(
    spec: FunctionSpec,
    event: Any,
    outcome: AsyncOutcome,
    last: InvocationResult | None,
    now: dt.datetime,
) -> dict[str, Any]:
    """The record Lambda sends to an invocation destination."""
    response: dict[str, Any] = {"statusCode": 200, "executedVersion": spec.version}
    if last is not None and last.error is not None:
        response["functionError"] = "Unhandled"
    return {
        "version": "1.0",
        "timestamp": iso8601(now),
        "requestContext": {
            "requestId": last.request_id if last else "",
            "functionArn": f"{spec.arn}:{spec.version}",
            "condition": outcome.condition,
            "approximateInvokeCount": len(outcome.attempts),
        },
        "requestPayload": event,
        "responseContext": response,
        "responsePayload": (
            last.error if last and last.error else (last.payload if last else None)
        ),
    }
