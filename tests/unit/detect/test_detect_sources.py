"""Files the engine must survive: each gives a result or a skip reason, never a crash."""

from __future__ import annotations

import gzip
import io
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from macie_notify.detect import FileResult, IdentifierSelection, Limits, Scanner

SSN = "ssn 536-22-8726"
SELECTION = IdentifierSelection("INCLUDE", ("USA_SOCIAL_SECURITY_NUMBER",))


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner(SELECTION, use_hyperscan=False)


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def ssn_count(result: FileResult) -> int:
    det = result.managed.get("USA_SOCIAL_SECURITY_NUMBER")
    return det.count if det else 0


def test_unreadable_and_vanished_files(scanner: Scanner, tmp_path: Path) -> None:
    (tmp_path / "ok.txt").write_text(SSN)
    os.symlink(tmp_path / "missing", tmp_path / "dangling.txt")
    locked = tmp_path / "locked.txt"
    locked.write_text(SSN)
    locked.chmod(0)
    results = {r.path: r for r in scanner.scan_paths([str(tmp_path)])}
    assert ssn_count(results["ok.txt"]) == 1
    assert (results["dangling.txt"].status, results["dangling.txt"].reason) == (
        "SKIPPED",
        "UNABLE_TO_PARSE_FILE",
    )
    if os.geteuid() != 0:  # root reads anything
        assert results["locked.txt"].reason == "PERMISSION_DENIED"


def test_pipes_in_folders_are_not_read(scanner: Scanner, tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "ok.txt").write_text(SSN)
    results = [(r.path, r.status, r.reason) for r in scanner.scan_paths([str(tmp_path)])]
    # not read (it would block), but accounted for
    assert results == [
        ("ok.txt", "COMPLETE", None),
        ("pipe", "SKIPPED", "UNSUPPORTED_FILE_TYPE_EXCEPTION"),
    ]


def test_binary_files_are_skipped(scanner: Scanner) -> None:
    png = scanner.scan_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, name="a.png")
    blob = scanner.scan_bytes(bytes(range(256)) * 40 + SSN.encode(), name="a.bin")
    assert (png.status, png.reason) == ("SKIPPED", "UNSUPPORTED_FILE_TYPE_EXCEPTION")
    assert (blob.status, blob.reason) == ("SKIPPED", "UNSUPPORTED_FILE_TYPE_EXCEPTION")


@pytest.mark.parametrize(
    "data",
    [
        ("caf\xe9 " + SSN).encode("latin-1"),  # not UTF-8: read as Latin-1
        b"\xfa\xfb\xfc" + SSN.encode() + b"\x80\x81",  # broken UTF-8 everywhere
        ("é" * 10_000).encode() + b"\xc3" + SSN.encode(),  # UTF-8 head, invalid later
        ("\ufeff" + SSN).encode("utf-16-le"),
        SSN.encode("utf-16-le"),  # UTF-16 without BOM, told by its NUL pattern
        SSN.encode("utf-16-be"),
        b"\xef\xbb\xbf" + SSN.encode(),
        ("\ufeff" + SSN).encode("utf-32"),
    ],
)
def test_encodings(scanner: Scanner, data: bytes) -> None:
    result = scanner.scan_bytes(data, name="text.txt")
    assert (result.status, ssn_count(result)) == ("COMPLETE", 1)


def test_a_single_10_mb_line(scanner: Scanner) -> None:
    line = "a" * 5_000_000 + f" {SSN} " + "b" * 5_000_000 + f" {SSN}"
    result = scanner.scan_bytes(line.encode(), name="one-line.log")
    assert ssn_count(result) == 2
    assert result.managed["USA_SOCIAL_SECURITY_NUMBER"].occurrences[0]["start"] == 1


def test_gzip_member_keeps_its_structure(scanner: Scanner) -> None:
    data = gzip.compress(b"name,ssn\nA,536-22-8726\nB,536-22-8727\n")
    results = list(scanner.scan_file(io.BufferedReader(io.BytesIO(data)), name="people.csv.gz"))
    # The path is the file's own name (what a user can find); the structure is the CSV inside.
    assert [(r.path, ssn_count(r)) for r in results] == [("people.csv.gz", 2)]
    assert results[0].mime_type == "text/csv"


def test_truncated_gzip(scanner: Scanner) -> None:
    data = gzip.compress((SSN + "\n").encode() * 50_000)[:5000]
    result = scanner.scan_bytes(data, name="cut.txt.gz")
    assert result.status in ("SKIPPED", "PARTIAL", "COMPLETE")
    assert result.reason in (None, "UNABLE_TO_PARSE_FILE", "ARCHIVE_CONTAINS_UNPROCESSED_FILES")


def test_broken_zip(scanner: Scanner) -> None:
    result = scanner.scan_bytes(b"PK\x03\x04" + b"garbage" * 100, name="bad.zip")
    assert (result.status, result.reason) == ("SKIPPED", "UNABLE_TO_PARSE_FILE")


def test_nested_archives_paths_and_merge(scanner: Scanner) -> None:
    inner = zip_bytes({"deep/a.txt": SSN.encode()})
    outer = zip_bytes(
        {"inner.zip": inner, "b.txt": SSN.encode(), "c.txt.gz": gzip.compress(SSN.encode())}
    )
    stream = io.BufferedReader(io.BytesIO(outer))
    results = {r.path: ssn_count(r) for r in scanner.scan_file(stream, name="outer.zip")}
    assert results == {
        "outer.zip!inner.zip!deep/a.txt": 1,
        "outer.zip!b.txt": 1,
        "outer.zip!c.txt.gz": 1,
    }
    merged = scanner.scan_bytes(outer, name="outer.zip")
    assert (merged.status, ssn_count(merged), merged.bytes) == ("COMPLETE", 3, len(outer))


def test_nesting_limit() -> None:
    data = SSN.encode()
    for level in range(4):
        data = zip_bytes({f"level{level}.zip" if level else "a.txt": data})
    shallow = Scanner(SELECTION, use_hyperscan=False, limits=Limits(max_depth=2))
    results = list(shallow.scan_file(io.BufferedReader(io.BytesIO(data)), name="n.zip"))
    assert [r.reason for r in results] == ["ARCHIVE_NESTING_LEVEL_OVER_LIMIT"]
    merged = shallow.scan_bytes(data, name="n.zip")
    assert (merged.status, merged.reason) == ("SKIPPED", "ARCHIVE_NESTING_LEVEL_OVER_LIMIT")


def test_zip_bomb_stops_at_the_ratio_limit(scanner: Scanner) -> None:
    bomb = zip_bytes({"zeros.txt": b"0" * (16 * 1024 * 1024), "ok.txt": SSN.encode()})
    assert len(bomb) < 200_000
    results = {
        r.path: r for r in scanner.scan_file(io.BufferedReader(io.BytesIO(bomb)), name="b.zip")
    }
    assert results["b.zip!zeros.txt"].reason == "ARCHIVE_TOTAL_BYTES_EXTRACTED_OVER_LIMIT"
    assert ssn_count(results["b.zip!ok.txt"]) == 1
    merged = scanner.scan_bytes(bomb, name="b.zip")
    assert (merged.status, merged.reason) == ("PARTIAL", "ARCHIVE_CONTAINS_UNPROCESSED_FILES")


def test_total_extraction_budget() -> None:
    data = zip_bytes({f"f{i}.txt": os.urandom(300_000).hex().encode() for i in range(4)})
    small = Scanner(SELECTION, use_hyperscan=False, limits=Limits(max_extracted_bytes=1_000_000))
    reasons = [r.reason for r in small.scan_file(io.BufferedReader(io.BytesIO(data)), name="z.zip")]
    assert reasons[0] is None
    assert "ARCHIVE_TOTAL_BYTES_EXTRACTED_OVER_LIMIT" in reasons


def test_encrypted_member_is_reported(scanner: Scanner) -> None:
    data = bytearray(zip_bytes({"secret.txt": SSN.encode()}))
    data[6] |= 0x1  # local header "encrypted" bit
    cd = data.rfind(b"PK\x01\x02")
    data[cd + 8] |= 0x1  # central directory copy
    results = list(scanner.scan_file(io.BufferedReader(io.BytesIO(bytes(data))), name="e.zip"))
    assert [(r.path, r.reason) for r in results] == [("e.zip!secret.txt", "UNABLE_TO_PARSE_FILE")]


def tar_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_tar_members_are_scanned(scanner: Scanner) -> None:
    # Macie analyses TAR archives (.tar, and .tar.gz through gzip) member by member.
    data = tar_bytes(
        {
            "./people/ssn.txt": SSN.encode(),
            "clean.txt": b"nothing here",
            "deep/inner.zip": zip_bytes({"a.csv": f"name,ssn\nA,{SSN[4:]}\n".encode()}),
        }
    )
    stream = io.BufferedReader(io.BytesIO(data))
    results = {r.path: ssn_count(r) for r in scanner.scan_file(stream, name="backup.tar")}
    assert results == {
        "backup.tar!people/ssn.txt": 1,
        "backup.tar!clean.txt": 0,
        "backup.tar!deep/inner.zip!a.csv": 1,
    }
    merged = scanner.scan_bytes(gzip.compress(data), name="backup.tgz")
    assert (merged.status, ssn_count(merged)) == ("COMPLETE", 2)


def test_truncated_tar_is_unparsable(scanner: Scanner) -> None:
    data = tar_bytes({"a.txt": (SSN + "\n").encode() * 200})
    result = scanner.scan_bytes(data[:700], name="cut.tar")
    assert result.status in ("SKIPPED", "PARTIAL")
    assert result.reason == "UNABLE_TO_PARSE_FILE"


def test_an_archive_object_reports_the_archive_mime_type(scanner: Scanner) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("a/people.csv", f"name,ssn\nbob,{SSN}\n")
    result = scanner.scan_bytes(buf.getvalue(), name="export.zip")
    assert result.classification_result()["mimeType"] == "application/zip"
    assert result.finding_type == "SensitiveData:S3Object/Personal"
