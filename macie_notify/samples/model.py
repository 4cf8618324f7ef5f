"""What a sync is made of: the plan (data, printed by ``--dry-run``) and its result."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
