"""plan_sync: compare the folder with the bucket, with get/list/head calls only."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from macie_notify.errors import UsageError
from macie_notify.samples.errors import bucket_error, code
from macie_notify.samples.files import content_type, file_digests, is_hidden_key, sample_files
from macie_notify.samples.model import (
    DEFAULT_CONCURRENCY,
    MD5_METADATA,
    MULTIPART_THRESHOLD,
    Encryption,
    SyncPlan,
    Upload,
)


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
    """Compare ``source`` with the objects under ``prefix``: only get/list/head calls.

    A prefix names a folder: ``samples`` means ``samples/``. With ``delete``, an empty
    prefix is refused, since every other object of the bucket would be "under" it.
    """
    if not source.is_dir():
        raise UsageError(f"source folder {source} does not exist", hint="give a folder of files")
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    if delete and not prefix:
        raise UsageError(
            "--delete with an empty samples.prefix would delete every other object in the bucket",
            hint="set samples.prefix (default samples/) to the folder the samples live in",
        )
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
        error = code(exc)
        if error == "ServerSideEncryptionConfigurationNotFoundError":
            return None, []
        if error in ("AccessDenied", "AccessDeniedException"):
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
            if code(exc) in ("404", "NoSuchKey", "NotFound"):
                return key, None
            raise bucket_error(exc, bucket) from None
        return key, meta.get(MD5_METADATA)

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        return {key: md5 for key, md5 in pool.map(head, keys) if md5}
