"""Keep the scan's large buffers in the heap (glibc).

A scan allocates and frees a few buffers of megabytes per 4 M-character buffer (the joined
text, its bytes for Hyperscan). glibc serves allocations that large with ``mmap`` and, when
they are freed, trims the heap back to the system; every new buffer then page-faults its
memory in again, which cost about a seventh of the engine's CPU time. Raising the mmap and
trim thresholds keeps freed buffers for the next one. Peak memory is unchanged (the same
buffers are live at once); a scanning process simply keeps what it peaked at.

Only processes that scan call this (``scan`` and the pool's workers), never the local
server, whose memory should follow its load.
"""

from __future__ import annotations

import os
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 64 * 1024 * 1024
"""Larger than any scan buffer (4 M characters of up to 4 bytes, plus the overlap)."""
TRIM_THRESHOLD = 128 * 1024 * 1024

_done = False


def keep_large_buffers() -> bool:
    """Tune glibc's allocator for this process (and the processes it forks); whether it
    applied (not glibc: nothing to do)."""
    global _done
    if _done:
        return True
    if not sys.platform.startswith("linux") or not _glibc():
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None)
        mmap_set: int = libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
        trim_set: int = libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
        ok = mmap_set == 1 and trim_set == 1
    except (OSError, AttributeError):
        return False
    _done = ok
    return ok


def _glibc() -> bool:
    try:
        return bool(os.confstr("CS_GNU_LIBC_VERSION"))
    except (ValueError, OSError, AttributeError):
        return False
