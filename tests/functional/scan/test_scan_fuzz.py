"""Fuzz: whatever bytes and names ``scan`` is given (files, zip members, gzip), every input
comes back, as a result or as a skip with a reason; nothing raises, nothing goes missing."""

from __future__ import annotations

import gzip
import io
import os
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from macie_notify.detect import IdentifierSelection, Scanner
from macie_notify.detect.managed import LOCAL_IDENTIFIERS
from macie_notify.detect.report import run_scan

NAME = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00"),
    min_size=1,
    max_size=24,
).filter(lambda n: n not in (".", "..") and len(n.encode()) < 200)
CONTENT = st.one_of(
    st.binary(max_size=600),
    st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.sampled_from([b"ssn 536-22-8726\n", b"\x1f\x8b", b"PK\x03\x04", b"PK\x05\x06" + bytes(18)]),
)
MEMBER = NAME.filter(lambda n: not n.endswith("\\"))


@st.composite
def inputs(draw: st.DrawFn) -> dict[str, tuple[bytes, list[str]]]:
    """File name -> (bytes, member names when it is a zip we built)."""
    out: dict[str, tuple[bytes, list[str]]] = {}
    for name in draw(st.lists(NAME, min_size=1, max_size=5, unique=True)):
        kind = draw(st.sampled_from(["raw", "zip", "gzip"]))
        if kind == "zip":
            members = draw(st.dictionaries(MEMBER, CONTENT, max_size=4))
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
                for member, data in members.items():
                    zf.writestr(member, data)
            out[name] = (buf.getvalue(), sorted(members))
        elif kind == "gzip":
            out[name] = (gzip.compress(draw(CONTENT)), [])
        else:
            out[name] = (draw(CONTENT), [])
    return out


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    selection = IdentifierSelection("INCLUDE", tuple(sorted(LOCAL_IDENTIFIERS)))
    return Scanner(selection)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files=inputs())
def test_every_input_is_accounted_for(
    scanner: Scanner, files: dict[str, tuple[bytes, list[str]]]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        for name, (data, _) in files.items():
            Path(folder, name).write_bytes(data)
        results = list(scanner.scan_paths([folder]))
        report = run_scan(scanner, [folder])
    paths = {r.path for r in results}

    def of(name: str) -> set[str]:  # results for ``name`` ("!" may be in names too)
        return {p for p in paths if p == name or p.startswith(f"{name}!")}

    assert all(of(name) for name in files)
    assert set().union(*(of(name) for name in files)) == paths
    for name, (_, members) in files.items():
        if not members or name in paths or f"{name}!*" in paths:
            continue  # not a zip we built, or the whole archive is one result
        clean = [r for r in results if r.path.startswith(f"{name}!") and r.files > 1]
        listed = {p[len(name) + 1 :] for p in of(name) if p != name}
        # every member is listed, or counted in a result standing for several clean ones
        assert set(members) <= listed or clean, (name, members, listed)
    assert sum(r.files for r in results) >= len(files)
    # the report accounts for the same inputs: scanned plus skipped
    skipped = sum(s.get("files", 1) for s in report.skipped)
    partial = sum(1 for r in results if r.status == "PARTIAL")
    assert report.summary.files_scanned + skipped - partial == sum(r.files for r in results)


def test_names_with_escapes_and_newlines_survive(scanner: Scanner) -> None:
    with tempfile.TemporaryDirectory() as folder:
        for name in ("a\nb", "\x1b]0;x\x07", "\u202etxt.exe"):
            Path(folder, name).write_bytes(b"ssn 536-22-8726\n")
        found = {r.path for r in scanner.scan_paths([folder])}
    assert found == {"a\nb", "\x1b]0;x\x07", "\u202etxt.exe"}
    assert os.sep not in "".join(found)
