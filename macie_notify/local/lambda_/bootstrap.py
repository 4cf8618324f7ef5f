"""The Lambda runtime stand-in that :mod:`macie_notify.local.lambda_.runner` runs.

Started as ``python -I -S bootstrap.py REQUEST RESULT``: it reads the request (event,
request id, timeouts, SDK path) from REQUEST, imports the handler named by ``_HANDLER`` from
``LAMBDA_TASK_ROOT``, calls it with a context object like the Python runtime's
(https://docs.aws.amazon.com/lambda/latest/dg/python-context.html), and writes
``{"payload": ...}``, ``{"error": {errorType, errorMessage, stackTrace}}`` or
``{"timed_out": true}`` to RESULT. Standard library only; it imports nothing from
macie_notify, because it runs in the function's isolated interpreter.
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
    def __init__(self, request_path: str, result_path: str) -> None:
        with open(request_path, encoding="utf-8") as f:
            self.request: dict[str, Any] = json.load(f)
        self.result_path = result_path

    def write(self, data: dict[str, Any]) -> None:
        tmp = self.result_path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f)
        os.replace(tmp, self.result_path)

    def on_timeout(self) -> None:
        # The sandbox is frozen, whatever the handler is doing: no cleanup runs.
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

    def run(self) -> None:
        req = self.request
        sys.path[:0] = [os.environ["LAMBDA_TASK_ROOT"], str(req["sdk_path"])]
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(_RequestIdFormatter(str(req["request_id"])))
        logging.getLogger().addHandler(handler)
        init = self.watchdog(req["init_limit_ms"] / 1000)
        module_name, _, func_name = os.environ["_HANDLER"].rpartition(".")
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:
            init.cancel()
            message = f"Unable to import module '{module_name}': {exc}"
            self.fail("Runtime.ImportModuleError", message, None)
            return
        init.cancel()
        func = getattr(module, func_name, None)
        if not callable(func):
            message = f"Handler '{func_name}' missing on module '{module_name}'"
            self.fail("Runtime.HandlerNotFound", message, None)
            return
        self.invoke(func)

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
    _Bootstrap(sys.argv[1], sys.argv[2]).run()
    sys.stdout.flush()
    # Like the runtime, do not wait for threads the handler left behind.
    os._exit(0)


if __name__ == "__main__":
    main()
