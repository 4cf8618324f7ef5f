"""The local side: which folder, which files, their Content-Type and digests."""

from __future__ import annotations

import base64
import hashlib
import mimetypes
import os
import zlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from macie_notify.errors import UsageError
from macie_notify.samples.model import MULTIPART_CHUNKSIZE

# The samples.source default: ./sample_data next to the config when it exists, else the
# sample files shipped inside the package (so `init` then `upload-samples` works anywhere).
DEFAULT_SOURCE = "sample_data"


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
