"""The Lambda deployment zip: ``notifier/`` and ``slack_sdk/`` at its root, deterministic.

Identical sources give a byte-identical zip, so its SHA-256 is the function's identity:
``setup`` skips UpdateFunctionCode when ``base64(sha256(zip)) == CodeSha256``
(https://docs.aws.amazon.com/lambda/latest/api/API_FunctionConfiguration.html). What
varies between two checkouts is removed: entries are sorted, every timestamp is
1980-01-01 00:00 (the zip epoch), modes are 0o644 / 0o755, there is no ``__pycache__``
or ``.pyc`` (they depend on the building Python; Lambda compiles the sources), and the
compression level is fixed. Same idea as chalice's ``ChaliceZipFile``.

slack_sdk is copied whole from the installed distribution (found with importlib, never
imported here): the zip is about 0.3 MB, far under the 1.5 MB budget, so trimming modules
the notifier does not use would save little and risk a missing import at run time.
Its MIT licence text travels with it as ``slack_sdk/LICENSE``.

This module imports nothing else from macie_notify.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import importlib.util
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

HANDLER = "notifier.handler.lambda_handler"
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644
DIR_MODE = 0o040755
COMPRESS_LEVEL = 9
_SKIP_DIRS = {"__pycache__"}
_SKIP_SUFFIXES = (".pyc", ".pyo")


class PackagingError(RuntimeError):
    """A source the zip needs is missing."""


def notifier_dir() -> Path:
    return Path(__file__).resolve().parent / "notifier"


def slack_sdk_dir() -> Path:
    """The installed ``slack_sdk`` package directory, located without importing it."""
    spec = importlib.util.find_spec("slack_sdk")
    if spec is None or not spec.submodule_search_locations:
        raise PackagingError("slack_sdk is not installed; pip install slack_sdk")
    return Path(next(iter(spec.submodule_search_locations))).resolve()


def _slack_sdk_license() -> bytes | None:
    try:
        dist = importlib.metadata.distribution("slack_sdk")
    except importlib.metadata.PackageNotFoundError:
        return None
    for file in dist.files or ():
        if file.name.upper().startswith("LICENSE"):
            return Path(str(dist.locate_file(file))).read_bytes()
    return None


def _walk(root: Path, prefix: str) -> Iterator[tuple[str, Path | None]]:
    """(arcname, path) for every kept file, (arcname/, None) for every directory."""
    yield prefix + "/", None
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if _SKIP_DIRS.intersection(rel.parts) or path.name.endswith(_SKIP_SUFFIXES):
            continue
        arcname = f"{prefix}/{rel.as_posix()}"
        if path.is_dir():
            yield arcname + "/", None
        elif path.is_file():
            yield arcname, path


def _entry(arcname: str, is_dir: bool) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(arcname, date_time=ZIP_EPOCH)
    info.create_system = 3  # Unix, so external_attr carries the mode on every OS
    if is_dir:
        info.external_attr = (DIR_MODE << 16) | 0x10  # 0x10: MS-DOS directory flag
        info.compress_type = zipfile.ZIP_STORED
    else:
        info.external_attr = FILE_MODE << 16
        info.compress_type = zipfile.ZIP_DEFLATED
    return info


def build_zip() -> tuple[bytes, str]:
    """The deployment package and its CodeSha256 (base64 of the raw SHA-256 digest)."""
    entries: dict[str, bytes | None] = {}
    for root, prefix in ((notifier_dir(), "notifier"), (slack_sdk_dir(), "slack_sdk")):
        if not (root / "__init__.py").is_file():
            raise PackagingError(f"{root} is not a Python package")
        for arcname, path in _walk(root, prefix):
            entries[arcname] = None if path is None else path.read_bytes()
    licence = _slack_sdk_license()
    if licence is not None:
        entries.setdefault("slack_sdk/LICENSE", licence)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compresslevel=COMPRESS_LEVEL) as archive:
        for arcname in sorted(entries):
            data = entries[arcname]
            archive.writestr(_entry(arcname, data is None), data or b"")
    payload = buffer.getvalue()
    return payload, code_sha256(payload)


def code_sha256(data: bytes) -> str:
    """Lambda's ``CodeSha256`` of a zip: base64 of the SHA-256 digest of its bytes."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")
