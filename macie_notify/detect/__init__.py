"""Local sensitive-data detection with Amazon Macie's identifiers and semantics (stdlib only).

Used by ``macie-notify scan`` and by the local Macie emulator, so a local classification job
and ``scan`` agree. Public API:

``IdentifierSelection(selector="ALL", ids=())``
    macie2's ``managedDataIdentifierSelector`` (ALL | RECOMMENDED | NONE | INCLUDE | EXCLUDE)
    with ``managedDataIdentifierIds``; ``.not_evaluated_locally()`` lists selected IDs this
    engine cannot evaluate (names, addresses, ...), to be reported, never taken as clean.

``CustomIdentifierSpec.from_api(dict)`` / ``.from_config(item)``
    A custom data identifier (name, regex, keywords, ignoreWords, maximumMatchDistance,
    severityLevels; optional ``id``), straight from CreateCustomDataIdentifier /
    GetCustomDataIdentifier or from the config.

``scan_bytes(data, *, name, identifiers, custom=()) -> FileResult``
    One S3 object or file held in memory. Archive members are merged into one result, as
    Macie reports one finding per object. ``FileResult.finding_type`` and ``.severity`` are
    what Macie would report (None: no finding); ``.classification_result()`` is Macie's
    ``classificationDetails.result`` (status, sensitiveData, customDataIdentifiers,
    occurrences: at most 15 each); ``.status`` / ``.reason`` use Macie's status vocabulary
    (COMPLETE | PARTIAL | SKIPPED; UNSUPPORTED_FILE_TYPE_EXCEPTION, ...).

``default_scanner(identifiers=None, custom=()) -> Scanner``
    The compiled scanner ``scan_bytes`` uses for these identifiers (cached), for callers
    that hand it to a ``ScanPool``.

``scan_paths(paths, *, identifiers, custom=(), exclude=())``
    Files and folders: one ``FileResult`` per file or archive member (``a.zip!dir/b.csv``),
    streamed in bounded memory; paths are relative to the argument they were found under.
    Whatever is not read (pipes, devices, unreadable folders, members past a limit) is a
    SKIPPED result with its reason.

``Scanner(identifiers, custom, use_hyperscan=None, limits=Limits())``
    The compiled engine behind these functions; build one and reuse it for many objects
    (thread-safe). Methods ``scan_bytes``, ``scan_file(stream, name=...)`` (a buffered
    binary stream: one result per file or member) and ``scan_paths(..., jobs=N)`` (N worker
    processes; large text files in chunks; the same results for any N).
    ``use_hyperscan=None`` uses Hyperscan when it imports (a dependency; its compiled
    database is cached on disk, see ``hscache``), ``False`` forces the pure-Python path;
    both give identical results.

``macie_notify.detect.pool.ScanPool(scanner, jobs=None)``
    Worker processes for many scans (``scan`` and the local classification jobs):
    ``scan_objects(items)`` yields ``Scanner.scan_bytes``'s result for each ``(name, data)``,
    in order.

``macie_notify.detect.report.run_scan(scanner, paths, ...) -> ScanReport``
    What ``macie-notify scan`` prints (``to_dict()`` is the ``scan -o json`` document).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from macie_notify.detect.custom import CustomIdentifierSpec, SeverityLevel
    from macie_notify.detect.managed import LOCAL_IDENTIFIERS
    from macie_notify.detect.result import FileResult, ScanSummary, scan_document
    from macie_notify.detect.scanner import Scanner, default_scanner, scan_bytes, scan_paths
    from macie_notify.detect.selection import IdentifierSelection
    from macie_notify.detect.sources import Limits

# Loaded on first use: config validation needs only ``detect.catalog`` and
# ``detect.macie_regex``, and importing the engine would cost ``validate`` ~60 ms.
_LAZY = {
    "LOCAL_IDENTIFIERS": "macie_notify.detect.managed",
    "CustomIdentifierSpec": "macie_notify.detect.custom",
    "SeverityLevel": "macie_notify.detect.custom",
    "FileResult": "macie_notify.detect.result",
    "ScanSummary": "macie_notify.detect.result",
    "scan_document": "macie_notify.detect.result",
    "IdentifierSelection": "macie_notify.detect.selection",
    "Limits": "macie_notify.detect.sources",
    "Scanner": "macie_notify.detect.scanner",
    "default_scanner": "macie_notify.detect.scanner",
    "scan_bytes": "macie_notify.detect.scanner",
    "scan_paths": "macie_notify.detect.scanner",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "LOCAL_IDENTIFIERS",
    "CustomIdentifierSpec",
    "FileResult",
    "IdentifierSelection",
    "Limits",
    "ScanSummary",
    "Scanner",
    "SeverityLevel",
    "default_scanner",
    "scan_bytes",
    "scan_document",
    "scan_paths",
]
