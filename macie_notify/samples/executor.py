"""apply_sync: upload and delete what a plan says; the only writer."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from macie_notify.samples.errors import raise_if_bucket_wide, reason
from macie_notify.samples.model import (
    DEFAULT_CONCURRENCY,
    DELETE_BATCH,
    MD5_METADATA,
    MULTIPART_CHUNKSIZE,
    MULTIPART_THRESHOLD,
    Progress,
    SyncPlan,
    SyncResult,
    Upload,
)

if TYPE_CHECKING:
    from s3transfer.futures import TransferFuture


def apply_sync(
    s3: Any,
    plan: SyncPlan,
    progress: Progress | None = None,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    clock: Callable[[], float] = time.monotonic,
) -> SyncResult:
    """Upload and delete what ``plan`` says; failures are collected, not raised one by one.

    A bucket that is missing or denies every request still raises (one clear error)
    instead of listing the same failure for every file.
    """
    started = clock()
    uploaded, failed = _upload_all(s3, plan, progress or _no_progress, concurrency)
    if failed and not uploaded:
        raise_if_bucket_wide(failed, plan.bucket)
    deleted, delete_failed = _delete_all(s3, plan.bucket, plan.prefix, plan.deletes)
    done = set(uploaded)
    sent = sum(u.size for u in plan.uploads if u.key in done)
    return SyncResult(
        plan=plan,
        uploaded=tuple(uploaded),
        deleted=tuple(deleted),
        failed=tuple(f for f, _ in [*failed, *delete_failed]),
        bytes=sent,
        seconds=clock() - started,
    )


def _no_progress(files: int, sent: int) -> None:
    """No progress display."""


def transfer_config(concurrency: int) -> Any:
    from s3transfer.manager import TransferConfig

    return TransferConfig(
        multipart_threshold=MULTIPART_THRESHOLD,
        multipart_chunksize=MULTIPART_CHUNKSIZE,
        max_request_concurrency=concurrency,
        # Submission (stat + queueing) is cheap per file; more threads only add contention.
        max_submission_concurrency=min(concurrency, 4),
    )


def _upload_all(
    s3: Any, plan: SyncPlan, progress: Progress, concurrency: int
) -> tuple[list[str], list[tuple[tuple[str, str], Exception]]]:
    from s3transfer.manager import TransferManager

    uploaded: list[str] = []
    failed: list[tuple[tuple[str, str], Exception]] = []
    if not plan.uploads:
        return uploaded, failed
    s3.meta.events.register(
        "request-created.s3.PutObject", _send_small_bodies_at_once, unique_id=_NO_EXPECT_ID
    )
    subscriber = _subscriber(progress)
    # Leaving the with-block waits for every transfer; an exception (Ctrl-C) cancels them.
    with TransferManager(s3, transfer_config(concurrency)) as manager:
        futures = [(upload, _submit(manager, plan, upload, subscriber)) for upload in plan.uploads]
        for upload, future in futures:
            try:
                future.result()
            except s3.exceptions.ClientError as exc:
                failed.append(((upload.key, reason(exc)), exc))
            except OSError as exc:  # the file changed or vanished since the plan
                failed.append(((upload.key, f"cannot read {upload.path}: {exc.strerror}"), exc))
            else:
                uploaded.append(upload.key)
    return uploaded, failed


def _submit(manager: Any, plan: SyncPlan, upload: Upload, subscriber: Any) -> TransferFuture:
    return manager.upload(  # type: ignore[no-any-return]
        str(upload.path),
        plan.bucket,
        upload.key,
        extra_args=_put_args(plan, upload),
        subscribers=[subscriber],
    )


_NO_EXPECT_ID = "macie-notify-samples-no-expect"
SMALL_BODY = 1024 * 1024


def _send_small_bodies_at_once(request: Any, **_: Any) -> None:
    """Drop ``Expect: 100-continue`` from PutObject requests of small files.

    botocore asks for it on every file-like body, so each upload waits a round trip for
    the server's go-ahead before sending its bytes; for a body this small, sending it with
    the headers costs less than the wait. (``Expect`` is never part of the signature.)
    """
    from botocore.utils import determine_content_length

    if "Expect" in request.headers:
        size = determine_content_length(request.body)
        if size is not None and size <= SMALL_BODY:
            del request.headers["Expect"]


def _put_args(plan: SyncPlan, upload: Upload) -> dict[str, Any]:
    args: dict[str, Any] = {"ContentType": upload.content_type}
    if plan.encryption is not None:
        args.update(plan.encryption.put_args())
    if upload.md5 is not None:
        args["Metadata"] = {MD5_METADATA: upload.md5}
    if upload.crc32 is not None:
        args["ChecksumCRC32"] = upload.crc32
    return args


def _subscriber(progress: Progress) -> Any:
    """s3transfer callbacks -> ``progress`` (bytes as they go, one file when it is done)."""
    from s3transfer.subscribers import BaseSubscriber

    class Subscriber(BaseSubscriber):
        def on_progress(
            self, future: TransferFuture, bytes_transferred: int, **kwargs: Any
        ) -> None:
            progress(0, bytes_transferred)

        def on_done(self, future: TransferFuture, **kwargs: Any) -> None:
            progress(1, 0)

    return Subscriber()


def _delete_all(
    s3: Any, bucket: str, prefix: str, keys: Iterable[str]
) -> tuple[list[str], list[tuple[tuple[str, str], Exception]]]:
    """DeleteObjects in batches; each key is checked against the prefix once more."""
    deleted: list[str] = []
    failed: list[tuple[tuple[str, str], Exception]] = []
    for batch in _batches([k for k in keys if k.startswith(prefix)], DELETE_BATCH):
        try:
            answer = s3.delete_objects(
                Bucket=bucket,
                Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True},
            )
        except s3.exceptions.ClientError as exc:
            failed.extend(((k, reason(exc)), exc) for k in batch)
            continue
        errors = {
            e["Key"]: f"{e.get('Code')}: {e.get('Message')}" for e in answer.get("Errors", [])
        }
        deleted.extend(k for k in batch if k not in errors)
        failed.extend(((k, why), RuntimeError(why)) for k, why in errors.items())
    return deleted, failed


def _batches(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
