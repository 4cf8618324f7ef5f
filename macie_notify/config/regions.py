"""The Regions every AWS partition has, from botocore's own endpoint data.

Read lazily from ``botocore/data/endpoints.json`` (located, never imported: ``validate``
must not pay for botocore), and only the partitions' ``regions`` objects are decoded,
not the whole 1 MB file. A name that no partition lists is a typo, offered the closest
known Region; a Region newer than the installed botocore is the one false alarm, and
the hint says how to fix it.
"""

from __future__ import annotations

import importlib.util
import json
import re
from functools import cache
from pathlib import Path

_REGIONS_KEY = re.compile(r'"regions"\s*:\s*')
_PARTITION = re.compile(r'"partition"\s*:\s*"([a-z0-9-]+)"')


def _endpoints_file() -> Path | None:
    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "endpoints.json"
    return path if path.is_file() else None


@cache
def known_regions() -> dict[str, str]:
    """Region -> partition, for every partition botocore knows (empty if none found)."""
    path = _endpoints_file()
    if path is None:
        return {}
    text = path.read_text(encoding="utf-8")
    decoder = json.JSONDecoder()
    found: dict[str, str] = {}
    partitions = [(m.start(), m.group(1)) for m in _PARTITION.finditer(text)]
    for match in _REGIONS_KEY.finditer(text):
        regions, _ = decoder.raw_decode(text, match.end())
        before = [name for start, name in partitions if start < match.start()]
        for region in regions if isinstance(regions, dict) else ():
            found.setdefault(region, before[-1] if before else "aws")
    return found


def region_problem(region: str) -> str | None:
    """Why ``region`` is not a Region (with a suggestion), or None when it is one."""
    known = known_regions()
    if not known or region in known:
        return None
    import difflib

    close = difflib.get_close_matches(region, list(known), n=1, cutoff=0.75)
    suggestion = f" (did you mean {close[0]!r}?)" if close else ""
    return f"{region!r} is not a Region of any AWS partition{suggestion}"


NEWER_REGION_HINT = (
    "fix the Region name; if it is a Region newer than your botocore, upgrade it "
    "(pip install -U botocore)"
)
