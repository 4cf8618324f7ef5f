"""The commented starter config shipped in the package, and writing it for ``init``."""

from __future__ import annotations

import os
import tempfile
from importlib import resources

from macie_notify.errors import MacieNotifyError, UsageError

EXAMPLE_RESOURCE = "config.example.yaml"


def example_text() -> str:
    """``macie_notify/data/config.example.yaml``: every key, its default and a comment."""
    return (
        resources.files("macie_notify")
        .joinpath("data")
        .joinpath(EXAMPLE_RESOURCE)
        .read_text("utf-8")
    )


def write_example(path: str, *, force: bool = False) -> bool:
    """Write the example to ``path``; True when an existing file was replaced.

    Without ``force`` an existing file is never touched (UsageError, exit 2). The file is
    written next to its destination and renamed, so an interrupted ``init --force`` cannot
    leave a half-written config behind.
    """
    if os.path.isdir(path):
        raise UsageError(f"{path} is a directory", hint="give a file name, e.g. macie-notify.yaml")
    existed = os.path.exists(path)
    if existed and not force:
        raise UsageError(
            f"{path} already exists; not overwriting it",
            hint="use `macie-notify init --force` to replace it, or give another PATH",
        )
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        what = "is not a folder" if os.path.exists(folder) else "does not exist"
        raise UsageError(f"folder {folder} {what}")
    try:
        _write_replacing(folder, path)
    except OSError as exc:  # read-only folder, disk full: the environment, not the input
        raise MacieNotifyError(
            f"cannot write {path}: {exc.strerror or exc}",
            "check that the folder is writable, or give another PATH",
        ) from None
    return existed


def _write_replacing(folder: str, path: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".macie-notify-", suffix=".yaml", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(example_text())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


__all__ = ["example_text", "write_example"]
