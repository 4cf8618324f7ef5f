"""The Lambda runtime stand-in that :mod:`macie_notify.local.lambda_.runner` runs.

One process is one execution environment, reused for invocation after invocation as Lambda
reuses a warm environment (module-level state and imports persist; the init phase runs
once). Started as ``python -I -S bootstrap.py``, it reads one request per line on stdin:
the event, request id, timeouts, and the files for the invocation's RESULT and LOG. The
first request imports the handler named by ``_HANDLER`` from ``LAMBDA_TASK_ROOT`` (the AWS
SDK from ``LAMBDA_RUNTIME_DIR``, as on Lambda); each calls it with a context object like
the Python runtime's
(https://docs.aws.amazon.com/lambda/latest/dg/python-context.html), with the function's
stdout and stderr going to LOG, writes ``{"payload": ...}``, ``{"error": {errorType,
errorMessage, stackTrace}}`` or ``{"timed_out": true}`` to RESULT, and then ``done`` on
its own stdout. A timeout or a failed init ends the process (Lambda resets such an
environment). Standard library only; it imports nothing from macie_notify, because it runs
in the function's isolated interpreter.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys
import threading
import time
import traceback
from types import TracebackType
from typing import Any


class LambdaContext:
    """The attributes and methods of the Python runtime's context object."""

    def __init__(self, request: dict[str, Any], deadline_ms: float) -> None:
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ["AWS_LAMBDA_FUNCTION_VERSION"]
        self.invoked_function_arn = str(request["invoked_function_arn"])
        # A string, as in the real runtime.
        self.memory_limit_in_mb = os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]
        self.aws_request_id = str(request["request_id"])
        self.log_group_name = os.environ["AWS_LAMBDA_LOG_GROUP_NAME"]
        self.log_stream_name = os.environ["AWS_LAMBDA_LOG_STREAM_NAME"]
        self.identity = None
        self.client_context = None
        self.tenant_id = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return int(max(self._deadline_ms - time.time() * 1000, 0))

    def log(self, message: object) -> None:
        sys.stdout.write(str(message))


class _RequestIdFormatter(logging.Formatter):
    def __init__(self, request_id: str) -> None:
        super().__init__(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
            "%Y-%m-%dT%H:%M:%S",
        )
        self.converter = time.gmtime
        self.request_id = request_id

    def format(self, record: logging.LogRecord) -> str:
        record.aws_request_id = self.request_id
        return super().format(record)


class _Bootstrap:
    def __init__(self, control: Any) -> None:
        self.control = control
        self.request: dict[str, Any] = {}
        self.func: Any = None
        self.log_handler: logging.Handler | None = None

    def write(self, data: dict[str, Any]) -> None:
        path = str(self.request["result_path"])
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f)
        os.replace(tmp, path)

    def on_timeout(self) -> None:
        # The sandbox is frozen, whatever the handler is doing: no cleanup runs, and the
        # environment is not used again.
        self.write({"timed_out": True})
        sys.stdout.flush()
        os._exit(0)

    def watchdog(self, seconds: float) -> threading.Timer:
        timer = threading.Timer(seconds, self.on_timeout)
        timer.daemon = True
        timer.start()
        return timer

    def fail(self, error_type: str, message: str, tb: TracebackType | None) -> None:
        frames = traceback.format_list(traceback.extract_tb(tb)) if tb else []
        sys.stdout.write(
            f"[ERROR] {error_type}: {message}\nTraceback (most recent call last):\n"
            + "".join(frames)
        )
        self.write(
            {"error": {"errorType": error_type, "errorMessage": message, "stackTrace": frames}}
        )

    def serve(self) -> None:
        for line in sys.stdin:
            if not line.strip():
                continue
            self.request = json.loads(line)
            self.redirect_output(str(self.request["log_path"]))
            if self.func is None and not self.init():
                return  # a failed init ends the environment: the next event starts anew
            self.invoke(self.func)
            sys.stdout.flush()
            sys.stderr.flush()
            self.control.write("done\n")
            self.control.flush()

    def redirect_output(self, path: str) -> None:
        """The function's stdout and stderr (fds 1 and 2, so child processes and C code
        too) go to this invocation's log file."""
        sys.stdout.flush()
        sys.stderr.flush()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
        if self.log_handler is not None:
            self.log_handler.setFormatter(_RequestIdFormatter(str(self.request["request_id"])))

    def init(self) -> bool:
        req = self.request
        sys.path[:0] = [os.environ["LAMBDA_TASK_ROOT"], os.environ["LAMBDA_RUNTIME_DIR"]]
        self.log_handler = logging.StreamHandler(sys.stdout)
        self.log_handler.setFormatter(_RequestIdFormatter(str(req["request_id"])))
        logging.getLogger().addHandler(self.log_handler)
        init = self.watchdog(req["init_limit_ms"] / 1000)
        module_name, _, func_name = os.environ["_HANDLER"].rpartition(".")
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:
            init.cancel()
            message = f"Unable to import module '{module_name}': {exc}"
            self.fail("Runtime.ImportModuleError", message, None)
            return False
        init.cancel()
        func = getattr(module, func_name, None)
        if not callable(func):
            message = f"Handler '{func_name}' missing on module '{module_name}'"
            self.fail("Runtime.HandlerNotFound", message, None)
            return False
        self.func = func
        return True

    def invoke(self, func: Any) -> None:
        req = self.request
        deadline = time.time() * 1000 + req["timeout_ms"]
        timer = self.watchdog(req["timeout_ms"] / 1000)
        try:
            payload = func(req["event"], LambdaContext(req, deadline))
        except Exception as exc:
            self.fail(type(exc).__name__, str(exc), exc.__traceback__)
            return
        finally:
            timer.cancel()
        try:
            self.write({"payload": payload})
        except (TypeError, ValueError) as exc:
            self.fail("Runtime.MarshalError", f"Unable to marshal response: {exc}", None)


def main() -> None:
    # The process's own stdout is the control channel; the function's output goes to each
    # invocation's log file (see redirect_output).
    control = os.fdopen(os.dup(1), "w", encoding="utf-8")
    _Bootstrap(control).serve()
    sys.stdout.flush()
    # Like the runtime, do not wait for threads the handler left behind.
    os._exit(0)


if __name__ == "__main__":
    main()
