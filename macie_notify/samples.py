"""Sync a local folder of sample files to the stack's bucket: a plan, then its execution.

    plan = plan_sync(s3, bucket, source, prefix, delete=False)   # reads only
    result = apply_sync(s3, plan, progress)                      # the only writer

:func:`plan_sync` reads the bucket (one ListObjectsV2 pass under the prefix, its default
encryption) and compares every local file with the object of the same key: a file whose
size and MD5 already match is skipped. The MD5 is compared with the object's ETag, which
S3 sets to the MD5 of the content for a single-part upload and to
``md5(md5(part1) + md5(part2) + ...)-N`` for a multipart one
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html);
the local side is hashed with the part size :func:`apply_sync` uploads with, so files
this module uploaded compare equal. With SSE-KMS the ETag is not an MD5 at all, so the
MD5 travels in the object's metadata (``x-amz-meta-md5``) and is read back with HeadObject.

The plan is data (``--dry-run`` prints it); :func:`apply_sync` uploads through the
s3transfer manager with bounded concurrency, passing the bucket's default encryption
explicitly, then deletes what the plan lists, only ever under the prefix.
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
import os
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from macie_notify.errors import AwsError, UsageError

if TYPE_CHECKING:
    from s3transfer.futures import TransferFuture

# The samples.source default: ./sample_data next to the config when it exists, else the
# sample files shipped inside the package (so `init` then `upload-samples` works anywhere).
DEFAULT_SOURCE = "sample_data"
MIB = 1024 * 1024
# s3transfer's defaults, named: the multipart ETag of a file depends on the part size.
MULTIPART_THRESHOLD = 8 * MIB
MULTIPART_CHUNKSIZE = 8 * MIB
DEFAULT_CONCURRENCY = 16
MD5_METADATA = "md5"
DELETE_BATCH = 1000  # DeleteObjects takes at most 1,000 keys per request

# files done, bytes sent (deltas; called from the transfer threads)
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Encryption:
    """The bucket's default server-side encryption, as PutObject arguments."""

    algorithm: str  # AES256 | aws:kms | aws:kms:dsse
    kms_key_id: str | None = None

    @property
    def is_kms(self) -> bool:
        return self.algorithm.startswith("aws:kms")

    def put_args(self) -> dict[str, str]:
        args = {"ServerSideEncryption": self.algorithm}
        if self.kms_key_id:
            args["SSEKMSKeyId"] = self.kms_key_id
        return args

    def to_dict(self) -> dict[str, str | None]:
        return {"algorithm": self.algorithm, "kmsKeyId": self.kms_key_id}


@dataclass(frozen=True)
class Upload:
    """One file to upload, and why (``new``: no object; ``changed``: size or MD5 differ)."""

    path: Path
    key: str
    size: int
    content_type: str
    reason: str
    md5: str | None = None  # kept in the metadata when the ETag cannot carry it (SSE-KMS)
    crc32: str | None = None  # sent as x-amz-checksum-crc32 (single-part uploads)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "path": str(self.path),
            "bytes": self.size,
            "contentType": self.content_type,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class SyncPlan:
    """What :func:`apply_sync` will do; nothing here has been done yet."""

    bucket: str
    prefix: str
    source: Path
    uploads: tuple[Upload, ...]
    unchanged: tuple[str, ...]
    deletes: tuple[str, ...]
    encryption: Encryption | None
    warnings: tuple[str, ...] = ()

    @property
    def upload_bytes(self) -> int:
        return sum(u.size for u in self.uploads)

    @property
    def has_changes(self) -> bool:
        return bool(self.uploads or self.deletes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "bucket": self.bucket,
            "prefix": self.prefix,
            "source": str(self.source),
            "encryption": self.encryption.to_dict() if self.encryption else None,
            "uploads": [u.to_dict() for u in self.uploads],
            "deletes": list(self.deletes),
            "summary": {
                "upload": len(self.uploads),
                "skip": len(self.unchanged),
                "delete": len(self.deletes),
                "bytes": self.upload_bytes,
            },
        }


@dataclass(frozen=True)
class SyncResult:
    """What :func:`apply_sync` did; ``failed`` holds ``(key, reason)`` pairs."""

    plan: SyncPlan
    uploaded: tuple[str, ...]
    deleted: tuple[str, ...]
    failed: tuple[tuple[str, str], ...]
    bytes: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "bucket": self.plan.bucket,
            "prefix": self.plan.prefix,
            "source": str(self.plan.source),
            "uploaded": len(self.uploaded),
            "skipped": len(self.plan.unchanged),
            "deleted": len(self.deleted),
            "failed": [{"key": key, "error": reason} for key, reason in self.failed],
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
        }


# --- the local side ------------------------------------------------------------------------


def bundled_sample_data() -> Path:
    """The synthetic sample files shipped inside the package (``macie_notify/data``)."""
    return Path(str(resources.files("macie_notify").joinpath("data").joinpath("sample_data")))


def resolve_source(configured: str, base_dir: str | None, override: str | None = None) -> Path:
    """The folder to sync: ``--source``, else ``samples.source`` relative to the config.

    The default ``sample_data`` falls back to the bundled sample files when the config's
    folder has none; any other missing folder is a usage error naming the path.
    """
    if override is not None:
        path = Path(override)
        if not path.is_dir():
            raise UsageError(
                f"--source {override}: no such folder", hint="give a folder of files to upload"
            )
        return path
    path = Path(base_dir or ".") / configured
    if path.is_dir():
        return path
    if configured == DEFAULT_SOURCE:
        return bundled_sample_data()
    raise UsageError(
        f"samples.source folder {path} does not exist",
        hint="create it, fix samples.source in the config, or pass --source DIR",
    )


def sample_files(source: Path) -> list[Path]:
    """Regular files under ``source``, sorted, without hidden files and folders."""
    found: list[Path] = []
    for folder, dirs, names in os.walk(source):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found.extend(Path(folder, n) for n in names if not n.startswith("."))
    return sorted(p for p in found if p.is_file())


def content_type(path: Path) -> str:
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def part_size(size: int) -> int:
    """The part size s3transfer uses for a file of ``size`` bytes (grown past 10,000 parts)."""
    from s3transfer.utils import ChunksizeAdjuster

    return int(ChunksizeAdjuster().adjust_chunksize(MULTIPART_CHUNKSIZE, size))


@dataclass(frozen=True)
class Digests:
    """What S3 can compare a file with: its MD5, its multipart ETag and its CRC32."""

    md5: str
    multipart_etag: str
    crc32: str  # base64 of the big-endian CRC32, as x-amz-checksum-crc32 carries it


def file_digests(path: Path, size: int) -> Digests:
    """The file's :class:`Digests` in one read, the multipart ETag with :func:`part_size`."""
    whole = hashlib.md5(usedforsecurity=False)
    crc = 0
    parts: list[bytes] = []
    with path.open("rb") as handle:
        while block := handle.read(part_size(size)):
            whole.update(block)
            crc = zlib.crc32(block, crc)
            parts.append(hashlib.md5(block, usedforsecurity=False).digest())
    joined = hashlib.md5(b"".join(parts), usedforsecurity=False).hexdigest()
    return Digests(
        md5=whole.hexdigest(),
        multipart_etag=f"{joined}-{max(len(parts), 1)}",
        crc32=base64.b64encode(crc.to_bytes(4, "big")).decode("ascii"),
    )


def is_hidden_key(key: str, prefix: str) -> bool:
    """A key whose path below the prefix has a hidden part: never ours to delete."""
    return any(part.startswith(".") for part in key[len(prefix) :].split("/"))


# --- the plan --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Remote:
    size: int
    etag: str


def plan_sync(
    s3: Any,
    bucket: str,
    source: Path,
    prefix: str,
    *,
    delete: bool = False,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> SyncPlan:
    """Compare ``source`` with the objects under ``prefix``: only get/list/head calls."""
    if not source.is_dir():
        raise UsageError(f"source folder {source} does not exist", hint="give a folder of files")
    remote = _list_objects(s3, bucket, prefix)
    encryption, warnings = _bucket_encryption(s3, bucket)
    kms = encryption is not None and encryption.is_kms
    local = {prefix + p.relative_to(source).as_posix(): p for p in sample_files(source)}
    stored_md5 = (
        _stored_md5s(s3, bucket, _kms_candidates(local, remote), concurrency) if kms else {}
    )
    uploads: list[Upload] = []
    unchanged: list[str] = []
    for key, path in local.items():
        size = path.stat().st_size
        upload = _compare(path, key, size, remote.get(key), stored_md5.get(key), kms)
        if upload is None:
            unchanged.append(key)
        else:
            uploads.append(upload)
    deletes = [
        key
        for key in remote
        if delete and key not in local and key.startswith(prefix) and not is_hidden_key(key, prefix)
    ]
    return SyncPlan(
        bucket=bucket,
        prefix=prefix,
        source=source,
        uploads=tuple(uploads),
        unchanged=tuple(unchanged),
        deletes=tuple(sorted(deletes)),
        encryption=encryption,
        warnings=tuple(warnings),
    )


def _compare(
    path: Path, key: str, size: int, remote: _Remote | None, stored_md5: str | None, kms: bool
) -> Upload | None:
    """None when the object already holds this file, else the upload (new or changed).

    Single-part uploads carry the CRC32 computed here, so S3 checks the bytes it receives
    (and a file changed since the plan is refused); otherwise botocore would stream them
    as aws-chunked with a trailing checksum, which costs both ends more for small files.
    """
    single = size < MULTIPART_THRESHOLD
    same_size = remote is not None and remote.size == size
    digests = file_digests(path, size) if (single or kms or same_size) else None
    if digests is not None and same_size and remote is not None:
        etag = remote.etag.strip('"')
        if kms:
            same = stored_md5 == digests.md5
        else:
            same = etag == (digests.multipart_etag if "-" in etag else digests.md5)
        if same:
            return None
    return Upload(
        path,
        key,
        size,
        content_type(path),
        "new" if remote is None else "changed",
        md5=digests.md5 if kms and digests else None,
        crc32=digests.crc32 if single and digests else None,
    )


def _kms_candidates(local: dict[str, Path], remote: dict[str, _Remote]) -> list[str]:
    """Keys whose object has the local file's size: only those need their metadata read."""
    return [
        key
        for key, path in local.items()
        if key in remote and remote[key].size == path.stat().st_size
    ]


def _list_objects(s3: Any, bucket: str, prefix: str) -> dict[str, _Remote]:
    """Every object under ``prefix`` (one paginated ListObjectsV2 pass)."""
    found: dict[str, _Remote] = {}
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                found[item["Key"]] = _Remote(int(item["Size"]), str(item.get("ETag", "")))
    except s3.exceptions.ClientError as exc:
        raise bucket_error(exc, bucket) from None
    return found


def _bucket_encryption(s3: Any, bucket: str) -> tuple[Encryption | None, list[str]]:
    """The default encryption rule, or None when the bucket has none.

    Since January 2023 every bucket has at least SSE-S3, but older ones (and the local
    endpoint) may answer ServerSideEncryptionConfigurationNotFoundError.
    """
    try:
        config = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
    except s3.exceptions.ClientError as exc:
        code = _code(exc)
        if code == "ServerSideEncryptionConfigurationNotFoundError":
            return None, []
        if code in ("AccessDenied", "AccessDeniedException"):
            # Uploads still get the bucket's default encryption from S3 itself.
            return None, [
                f"cannot read the default encryption of {bucket} (access denied): "
                "uploading without explicit encryption headers; S3 applies the bucket's default"
            ]
        raise bucket_error(exc, bucket) from None
    for rule in config.get("Rules", []):
        default = rule.get("ApplyServerSideEncryptionByDefault") or {}
        if default.get("SSEAlgorithm"):
            return Encryption(default["SSEAlgorithm"], default.get("KMSMasterKeyID")), []
    return None, []


def _stored_md5s(s3: Any, bucket: str, keys: list[str], concurrency: int) -> dict[str, str]:
    """``x-amz-meta-md5`` of each object (HeadObject, in parallel); missing ones are absent."""

    def head(key: str) -> tuple[str, str | None]:
        try:
            meta = s3.head_object(Bucket=bucket, Key=key).get("Metadata") or {}
        except s3.exceptions.ClientError as exc:
            if _code(exc) in ("404", "NoSuchKey", "NotFound"):
                return key, None
            raise bucket_error(exc, bucket) from None
        return key, meta.get(MD5_METADATA)

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        return {key: md5 for key, md5 in pool.map(head, keys) if md5}


# --- the execution ---------------------------------------------------------------------------


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
        _raise_if_bucket_wide(failed, plan.bucket)
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
                failed.append(((upload.key, _reason(exc)), exc))
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
            failed.extend(((k, _reason(exc)), exc) for k in batch)
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


# --- errors ----------------------------------------------------------------------------------


def _code(exc: Any) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


def _reason(exc: Any) -> str:
    error = getattr(exc, "response", {}).get("Error", {})
    return f"{error.get('Code', type(exc).__name__)}: {error.get('Message', '')}".rstrip(": ")


_WRONG_REGION = ("PermanentRedirect", "AuthorizationHeaderMalformed", "301")


def bucket_error(exc: Exception, bucket: str) -> Exception:
    """A readable error for the ways a whole bucket can be unusable; else ``exc`` itself."""
    code = _code(exc)
    if code == "NoSuchBucket":
        return AwsError(
            f"bucket {bucket} does not exist",
            "create it with `macie-notify setup` (or check --region and bucket.name)",
        )
    if code in ("AccessDenied", "AccessDeniedException", "AllAccessDisabled"):
        return AwsError(
            f"access to bucket {bucket} was denied ({_reason(exc)})",
            "upload-samples needs s3:ListBucket and s3:GetEncryptionConfiguration on the "
            "bucket, s3:PutObject (and s3:DeleteObject for --delete) on its objects; a "
            "bucket policy may deny it too",
        )
    if code in _WRONG_REGION:
        return AwsError(
            f"bucket {bucket} is in another Region", "pass --region, or set stack.region"
        )
    return exc  # translated generically at the CLI edge


def _raise_if_bucket_wide(failed: list[tuple[tuple[str, str], Exception]], bucket: str) -> None:
    """Every upload failed for one bucket-wide reason (missing, denied): say it once."""
    first = failed[0][1]
    translated = bucket_error(first, bucket)
    if translated is not first and all(_code(e) == _code(first) for _, e in failed):
        raise translated from None


__all__ = [
    "DEFAULT_CONCURRENCY",
    "DEFAULT_SOURCE",
    "Digests",
    "Encryption",
    "Progress",
    "SyncPlan",
    "SyncResult",
    "Upload",
    "apply_sync",
    "bucket_error",
    "bundled_sample_data",
    "file_digests",
    "plan_sync",
    "resolve_source",
    "sample_files",
]
