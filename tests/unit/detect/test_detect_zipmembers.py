"""The zip member reader: what zipfile writes, read back member by member."""

from __future__ import annotations

import io
import zipfile

import pytest

from macie_notify.detect.zipmembers import ZipMembers, ZipUnsupported


def build(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def read_all(data: bytes) -> dict[str, bytes]:
    archive = ZipMembers(io.BytesIO(data))
    return {m.name: archive.open(m).read() for m in archive if not m.is_dir}


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2])
def test_members_round_trip(method: int) -> None:
    big = b"".join(b"line %d ssn 536-22-8726\n" % i for i in range(60_000))  # > one read
    members = {"a.txt": b"hello", "dir/big.log": big, "empty": b"", "caf\u00e9.txt": b"x"}
    assert read_all(build(members, method)) == members


def test_reads_interleave_with_the_directory_walk() -> None:
    members = {f"m{i}.txt": bytes([65 + i % 26]) * (i * 100) for i in range(50)}
    archive = ZipMembers(io.BytesIO(build(members)))
    got = {}
    for member in archive:  # open each member mid-walk: the walk must not lose its place
        got[member.name] = archive.open(member).read()
    assert got == members and archive.count == 50


def test_a_stub_before_the_archive_shifts_offsets() -> None:
    data = b"#!/bin/sh\nexec unzip\n" + b"\0" * 1000 + build({"x.txt": b"payload"})
    assert read_all(data) == {"x.txt": b"payload"}


def test_zip64_end_record_for_many_members() -> None:
    members = {f"e{i}": b"" for i in range(0x10000 + 5)}  # more than 65,535: zip64 records
    data = build(members, zipfile.ZIP_STORED)
    archive = ZipMembers(io.BytesIO(data))
    assert archive.count == len(members)
    assert sum(1 for _ in archive) == len(members)


def test_damage_and_unsupported_features_raise() -> None:
    with pytest.raises(ZipUnsupported):
        ZipMembers(io.BytesIO(b"PK\x03\x04 not really a zip"))
    data = bytearray(build({"a.txt": b"abc", "b.txt": b"def"}))
    directory = data.find(b"PK\x01\x02", data.find(b"PK\x01\x02") + 4)
    data[directory : directory + 4] = b"XXXX"  # the second central directory record
    archive = ZipMembers(io.BytesIO(bytes(data)))
    walk = iter(archive)
    assert next(walk).name == "a.txt"
    with pytest.raises(ZipUnsupported):
        next(walk)
    lzma = build({"a.txt": b"abc"}, zipfile.ZIP_LZMA)
    archive = ZipMembers(io.BytesIO(lzma))
    (member,) = list(archive)
    with pytest.raises(ZipUnsupported):
        archive.open(member)
