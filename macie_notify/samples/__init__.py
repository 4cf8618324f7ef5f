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

from macie_notify.samples.errors import bucket_error
from macie_notify.samples.executor import apply_sync, transfer_config
from macie_notify.samples.files import (
    DEFAULT_SOURCE,
    Digests,
    bundled_sample_data,
    content_type,
    file_digests,
    is_hidden_key,
    part_size,
    resolve_source,
    sample_files,
)
from macie_notify.samples.model import (
    DEFAULT_CONCURRENCY,
    MD5_METADATA,
    MULTIPART_CHUNKSIZE,
    MULTIPART_THRESHOLD,
    Encryption,
    Progress,
    SyncPlan,
    SyncResult,
    Upload,
)
from macie_notify.samples.planner import plan_sync

__all__ = [
    "DEFAULT_CONCURRENCY",
    "DEFAULT_SOURCE",
    "MD5_METADATA",
    "MULTIPART_CHUNKSIZE",
    "MULTIPART_THRESHOLD",
    "Digests",
    "Encryption",
    "Progress",
    "SyncPlan",
    "SyncResult",
    "Upload",
    "apply_sync",
    "bucket_error",
    "bundled_sample_data",
    "content_type",
    "file_digests",
    "is_hidden_key",
    "part_size",
    "plan_sync",
    "resolve_source",
    "sample_files",
    "transfer_config",
]
