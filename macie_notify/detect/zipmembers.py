"""Zip members read one at a time, in bounded memory whatever the number of members.

``zipfile.ZipFile`` parses the whole central directory into objects before the first member
can be read: a zip of a million empty members costs it about 700 MB. Here the central
directory is walked record by record (APPNOTE.TXT, sections 4.3.12-4.3.16:
https://pkware.cachefly.net/webdocs/casestudies/APPNOTE.TXT), and each member is read
through its local header with the standard library's decompressors. What this reader does
not support (encryption, compression methods other than stored, deflate and bzip2, split
archives) raises :class:`ZipUnsupported`, which the caller reports as not parsable.
"""

from __future__ import annotations

import bz2
import io
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

_EOCD = struct.Struct("<4s4H2LH")  # end of central directory record (22 bytes)
_EOCD64 = struct.Struct("<4sQ2H2L4Q")  # zip64 end of central directory record (56 bytes)
_LOCATOR64 = struct.Struct("<4sLQL")  # zip64 end of central directory locator (20 bytes)
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")  # central directory file header (46 bytes)
_LOCAL = struct.Struct("<4s2B4HL2L2H")  # local file header (30 bytes)
_MAX_COMMENT = 65535
_BLOCK = 256 * 1024
STORED, DEFLATED, BZIP2 = 0, 8, 12


class ZipUnsupported(ValueError):
    """Not a zip this reader can walk (damaged, split, or an unsupported feature)."""


@dataclass(frozen=True)
class Member:
    name: str
    flags: int
    method: int
    compressed: int
    size: int
    offset: int
    """Where the member's local header starts in the stream."""

    @property
    def is_dir(self) -> bool:
        return self.name.endswith("/")

    @property
    def encrypted(self) -> bool:
        return bool(self.flags & 0x1)


class ZipMembers:
    """The members of the zip in a seekable binary stream: ``count`` entries (folders
    included), iterated in central directory order; ``open(member)`` reads one."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        end = stream.seek(0, io.SEEK_END)
        tail_size = min(end, _EOCD.size + _MAX_COMMENT)
        stream.seek(end - tail_size)
        tail = stream.read(tail_size)
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or at + _EOCD.size > len(tail):
            raise ZipUnsupported("no end of central directory record")
        _, disk, cd_disk, _, count, cd_size, cd_offset, _ = _EOCD.unpack_from(tail, at)
        eocd_at = end - tail_size + at
        if disk != 0 or cd_disk != 0:
            raise ZipUnsupported("split archive")
        record_at = eocd_at
        if count == 0xFFFF or cd_size == 0xFFFFFFFF or cd_offset == 0xFFFFFFFF:
            locator_at = at - _LOCATOR64.size
            if locator_at >= 0 and tail[locator_at : locator_at + 4] == b"PK\x06\x07":
                record_at = eocd_at - _LOCATOR64.size - _EOCD64.size
                stream.seek(record_at)
                record = stream.read(_EOCD64.size)
                if len(record) != _EOCD64.size or not record.startswith(b"PK\x06\x06"):
                    raise ZipUnsupported("damaged zip64 end of central directory")
                fields = _EOCD64.unpack(record)
                count, cd_size, cd_offset = fields[7], fields[8], fields[9]
        self.count = count
        self.cd_start = record_at - cd_size
        # Bytes before the archive (a self-extracting stub) shift every recorded offset.
        self.shift = self.cd_start - cd_offset
        if self.cd_start < 0 or self.shift < 0:
            raise ZipUnsupported("central directory outside the file")

    def __iter__(self) -> Iterator[Member]:
        cursor = self.cd_start
        buffer = b""
        for _ in range(self.count):
            if len(buffer) < _CENTRAL.size:
                buffer, cursor = self._more(buffer, cursor, _CENTRAL.size)
            fields = _CENTRAL.unpack_from(buffer)
            if fields[0] != b"PK\x01\x02":
                raise ZipUnsupported("damaged central directory")
            flags, method = fields[5], fields[6]
            compressed, size = fields[10], fields[11]
            name_len, extra_len, comment_len = fields[12], fields[13], fields[14]
            offset = fields[18]
            whole = _CENTRAL.size + name_len + extra_len + comment_len
            if len(buffer) < whole:
                buffer, cursor = self._more(buffer, cursor, whole)
            raw_name = buffer[_CENTRAL.size : _CENTRAL.size + name_len]
            extra = buffer[_CENTRAL.size + name_len : _CENTRAL.size + name_len + extra_len]
            buffer = buffer[whole:]
            size, compressed, offset = _zip64(extra, size, compressed, offset)
            name = raw_name.decode("utf-8" if flags & 0x800 else "cp437", "replace")
            yield Member(name, flags, method, compressed, size, offset + self.shift)

    def _more(self, buffer: bytes, cursor: int, need: int) -> tuple[bytes, int]:
        self.stream.seek(cursor)
        block = self.stream.read(max(_BLOCK, need - len(buffer)))
        if len(buffer) + len(block) < need:
            raise ZipUnsupported("truncated central directory")
        return buffer + block, cursor + len(block)

    def open(self, member: Member) -> IO[bytes]:
        """The member's uncompressed bytes (a raw stream; wrap it in a BufferedReader)."""
        if member.encrypted:
            raise ZipUnsupported("encrypted member")
        self.stream.seek(member.offset)
        header = self.stream.read(_LOCAL.size)
        if len(header) != _LOCAL.size or not header.startswith(b"PK\x03\x04"):
            raise ZipUnsupported("damaged local header")
        fields = _LOCAL.unpack(header)
        start = member.offset + _LOCAL.size + fields[10] + fields[11]
        data = _Slice(self.stream, start, member.compressed)
        if member.method == STORED:
            return data  # type: ignore[return-value]
        if member.method == DEFLATED:
            return _Decompressed(data, zlib.decompressobj(-15))  # type: ignore[return-value]
        if member.method == BZIP2:
            return _Decompressed(data, bz2.BZ2Decompressor())  # type: ignore[return-value]
        raise ZipUnsupported(f"compression method {member.method}")


def _zip64(extra: bytes, size: int, compressed: int, offset: int) -> tuple[int, int, int]:
    """Sizes and offset from the zip64 extra field where the 32-bit fields are full."""
    at = 0
    while at + 4 <= len(extra):
        kind, length = struct.unpack_from("<2H", extra, at)
        if kind == 0x0001:
            values = extra[at + 4 : at + 4 + length]
            read = 0
            out = []
            for value in (size, compressed, offset):
                if value == 0xFFFFFFFF and read + 8 <= len(values):
                    value = struct.unpack_from("<Q", values, read)[0]
                    read += 8
                out.append(value)
            return out[0], out[1], out[2]
        at += 4 + length
    return size, compressed, offset


class _Slice(io.RawIOBase):
    """``length`` bytes of a shared stream from ``start`` (seeks before every read, so
    reading the central directory in between does no harm)."""

    def __init__(self, stream: IO[bytes], start: int, length: int) -> None:
        self.stream = stream
        self.position = start
        self.left = length

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.left <= 0:
            return 0
        self.stream.seek(self.position)
        data = self.stream.read(min(len(buffer), self.left))
        if not data:
            raise EOFError("member data ends early")
        size = len(data)
        buffer[:size] = data
        self.position += size
        self.left -= size
        return size


class _Decompressed(io.RawIOBase):
    """A decompressor over a compressed slice, producing at most what the reader asks."""

    def __init__(self, source: _Slice, decompressor: Any) -> None:
        self.source = source
        self.decompressor = decompressor
        self.pending = b""
        self.done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self.pending and not self.done:
            self.pending = self._step(len(buffer))
        size = min(len(buffer), len(self.pending))
        buffer[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        return size

    def _step(self, want: int) -> bytes:
        d = self.decompressor
        if d.eof:
            self.done = True
            return b""
        if isinstance(d, bz2.BZ2Decompressor):
            if not d.needs_input:  # output held back by max_length
                return bytes(d.decompress(b"", max_length=want))
            chunk = self.source.read(64 * 1024)
            if not chunk:
                raise EOFError("compressed member ends early")
            return bytes(d.decompress(chunk, max_length=want))
        if d.unconsumed_tail:  # zlib: input held back by max_length
            return bytes(d.decompress(d.unconsumed_tail, want))
        chunk = self.source.read(64 * 1024)
        if not chunk:
            self.done = True
            return bytes(d.flush())
        return bytes(d.decompress(chunk, want))
