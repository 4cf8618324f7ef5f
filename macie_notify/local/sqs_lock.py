"""One lock around moto's SQS state: every thread of the local endpoint that reads or
changes a queue's messages holds it.

moto's SQS models are not thread-safe. ``DeleteMessage`` rebuilds a queue's message list
and assigns it back, so a ``SendMessage`` appending to the old list at the same moment
loses its message, and two deletes at once bring one of the deleted messages back;
``ReceiveMessage`` walks the visible messages and then removes those bound for the
dead-letter queue from the list (``list.remove(x): x not in list`` once a delete has
swapped it) and takes messages out of the in-flight set that a ``ChangeMessageVisibility``
may just have removed (``KeyError``). On the local endpoint those calls come from several
threads at once: the server's request threads (the SQS API, and SNS, EventBridge and S3
notifications that moto delivers to queues), the event router's delivery threads, the
Lambda runner's destinations and the SQS event source poller with its batch workers.

:func:`serialize_moto_sqs` makes every public method of moto's ``SQSBackend`` take
:data:`LOCK` (re-entrant), so every path above is serialized, whoever calls it; the parts
that read a queue or check it before acting (the poller, the router's ``SendMessage``, the
server's SQS requests) hold it with :func:`moto_sqs` around the whole step.

What runs under the lock must be short, and two of moto's habits made a storm's queue slow
(quadratic in the messages it holds): every message a receive hands out is checked
against the retention period by computing all of the queue's attributes (three passes over
its messages) to read one, and every visibility test reads the clock through ``datetime``.
With 1,000 messages, receiving them in batches of 100 took over a minute of CPU, every
other SQS call waiting behind it. The retention check reads the one attribute instead, and
the module's clock is ``time.time()`` (the same milliseconds, and still frozen by
``freezegun``); behaviour is unchanged.

A long poll (``ReceiveMessage`` with ``WaitTimeSeconds``) must not hold the lock while it
waits, or every other queue operation would stall behind it: moto's receive loop waits in
``Queue.wait_for_messages`` with nothing half done, and that wait is replaced by one on
this module's condition, which releases the lock (all of its re-entrant levels) while it
waits and is notified whenever a holder lets go.
"""

from __future__ import annotations

import functools
import inspect
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["LOCK", "moto_sqs", "serialize_moto_sqs"]

# Re-entrant: a serialized backend method may call another (ReceiveMessage moves messages
# to the dead-letter queue with the same backend), and callers hold it around them.
LOCK = threading.RLock()
_changed = threading.Condition(LOCK)
_patch_lock = threading.Lock()
_MARK = "_macie_notify_serialized"


@contextmanager
def moto_sqs() -> Iterator[None]:
    """Hold the SQS lock; waiting long polls look at their queue again on the way out."""
    with _changed:
        try:
            yield
        finally:
            _changed.notify_all()


def serialize_moto_sqs() -> None:
    """Make moto's SQS backend take :data:`LOCK` in every public method, and keep what it
    does under it short (once per process)."""
    from moto.sqs import models
    from moto.sqs.models import Queue, SQSBackend

    with _patch_lock:
        if getattr(Queue.wait_for_messages, _MARK, False):
            return
        _shorten_moto_sqs(models, SQSBackend)
        for name, member in list(vars(SQSBackend).items()):
            if name.startswith("_") or not inspect.isfunction(member):
                continue
            setattr(SQSBackend, name, _serialized(member))

        def wait_for_messages(queue: Any, timeout: int) -> None:
            # Releases LOCK while waiting, even when a caller holds it more than once.
            with _changed:
                _changed.wait_for(lambda: queue.messages, timeout=timeout)

        setattr(wait_for_messages, _MARK, True)
        setattr(Queue, "wait_for_messages", wait_for_messages)  # noqa: B010 (a method)


def _shorten_moto_sqs(models: Any, backend: Any) -> None:
    """moto's SQS without its per-message passes over the queue (same answers)."""
    clock = models.unix_time_millis

    def unix_time_millis(dt: Any = None) -> float:
        return time.time() * 1000.0 if dt is None else float(clock(dt))

    def is_message_valid_based_on_retention_period(sqs: Any, queue_name: str, message: Any) -> bool:
        period = int(sqs.get_queue(queue_name).message_retention_period)
        return bool(period + message.sent_timestamp / 1000 > time.time())

    models.unix_time_millis = unix_time_millis
    setattr(  # noqa: B010 (a method)
        backend,
        "is_message_valid_based_on_retention_period",
        is_message_valid_based_on_retention_period,
    )


def _serialized(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with moto_sqs():
            return method(*args, **kwargs)

    return locked
