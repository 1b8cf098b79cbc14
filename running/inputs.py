"""Finding raw files and reading their bytes safely: the running layer's only reader of raw/.

Discovery walks the raw folder without following symlinks out of it; reading caps both the file
size and the decompressed size, so a gzip bomb costs a bounded amount of memory. What the bytes
are (format, compression, records) is cleaners.formats' business.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

from cleaners.formats import (
    FORMATS,
    MAX_DECOMPRESSED_BYTES,
    MAX_SIDECAR_BYTES,
    GzipMembers,
    RawInput,
    ReadError,
    compression_of,
    decompress,
    format_of,
    multi_record_format,
    open_stream,
    parse_sidecar,
    record_starts,
    sidecar_name,
)

# A scraped page is rarely above a few MB; 64 MB leaves room for big dumps and stops a runaway
# file (a video saved as .html) from holding a worker's memory.
MAX_FILE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Point:
    """A place in a JSONL/WARC file where reading can start: at a record."""

    start: int    # byte of the file to read from: its start, a gzip member's, or a record's
    skip: int     # decompressed bytes to read through from there (a stream without members)
    offset: int   # byte of the decompressed file it is (for the details of errors)
    record: int   # the number of the record there


@dataclass(frozen=True)
class Part:
    """A range of a multi-record file's records, what one batch reads of it (index_archive)."""

    at: Point                 # where its first record starts
    count: int | None         # records to read; None: to the end of the file (its last part)
    records: int              # records the index found in it (what batching weighs it by)
    after: Point              # what follows it: where a later run goes on once it is committed
    after_sha256: str         # of the file's bytes before after.start (checked before going on)
    size: int                 # the file as it was indexed: reading stops at `size` bytes
    mtime_ns: int
    sha256: str               # of the file's first `size` bytes
    compression: str | None
    whole: bool               # this run reads the file from its first record

    @property
    def last(self) -> bool:
        return self.count is None


@dataclass(frozen=True)
class Found:
    """One discovered raw path, relative to the raw folder. `problem` is set for inputs that are
    rejected before they are read (a symlink that leads out of the raw folder)."""

    path: str
    problem: tuple[str, str] | None = None
    size: int = 0  # bytes on disk: what batching weighs a multi-record file by
    part: Part | None = None  # of a JSONL/WARC file split by index_archive: the records to read


def discover(raw_root: str | os.PathLike) -> list[Found]:
    """Every regular file under raw_root, sorted; hidden files and folders skipped; symlinks
    followed only when they stay inside the raw folder; a page's sidecar (page.json beside
    page.html) is read with its page, not as an input of its own."""
    root = Path(raw_root).resolve()
    found: list[Found] = []
    for folder, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        sidecars = {sidecar_name(name) for name in filenames} & set(filenames)
        for name in filenames:
            if name.startswith(".") or name in sidecars:
                continue
            full = Path(folder, name)
            rel = full.relative_to(root).as_posix()
            if full.is_symlink():
                target = full.resolve()
                if not target.is_relative_to(root):
                    found.append(Found(rel, ("outside-raw", f"symlink to {target}, outside the raw folder")))
                    continue
                if not target.is_file():
                    found.append(Found(rel, ("not-a-file", "symlink to something that is not a regular file")))
                    continue
            elif not full.is_file():
                continue  # sockets, fifos, devices: not scraped files
            found.append(Found(rel, size=full.stat().st_size))
        for d in dirnames:
            link = Path(folder, d)
            if link.is_symlink() and not link.resolve().is_relative_to(root):
                found.append(Found(link.relative_to(root).as_posix(),
                                   ("outside-raw", f"symlinked folder to {link.resolve()}, outside the raw folder")))
    found.sort(key=lambda f: f.path)
    return found


def read_input(raw_root: str | os.PathLike, rel: str, max_file_bytes: int = MAX_FILE_BYTES,
               max_decompressed_bytes: int = MAX_DECOMPRESSED_BYTES) -> RawInput:
    """The file's bytes, decompressed when they are compressed (the bytes decide, not the name).
    Raises ReadError (too-large, unsupported-format, corrupt-compression) or OSError."""
    with open(Path(raw_root, rel), "rb") as f:
        st = os.fstat(f.fileno())
        if st.st_size > max_file_bytes:
            raise ReadError("too-large", f"{st.st_size} bytes, above the {max_file_bytes}-byte limit")
        raw = f.read(max_file_bytes + 1)
    digest = hashlib.sha256(raw).hexdigest()
    fmt, compression = format_of(rel)
    if fmt is None:
        raise ReadError("unsupported-format", f"no reader for '{Path(rel).name}' (read: "
                        f"{', '.join(FORMATS)}, compressed or not)")
    if compression_of(raw):
        data, compression = decompress(raw, max_decompressed_bytes)
    elif compression:
        raise ReadError("corrupt-compression", f"named {compression} but the bytes are not")
    else:
        data = raw
    return RawInput(rel, data, digest, fmt, compression, st.st_size, st.st_mtime_ns)


def read_sidecar(raw_root: str | os.PathLike, rel: str) -> dict | None:
    """The metadata saved beside a page (cleaners.formats.parse_sidecar), or None when there is
    none or it cannot be read. Never raises."""
    name = sidecar_name(Path(rel).name)
    if name is None:
        return None
    try:
        with open(Path(raw_root, rel).with_name(name), "rb") as f:
            raw = f.read(MAX_SIDECAR_BYTES + 1)
    except OSError:
        return None
    return None if len(raw) > MAX_SIDECAR_BYTES else parse_sidecar(raw)


# --- archives: JSONL and WARC files read in parts ----------------------------------------------

class _Bounded(io.RawIOBase):
    """A file's bytes up to `end`: a file that grows while it is read (a crawl still writing)
    is read as it was indexed."""

    def __init__(self, file: BinaryIO, end: int):
        self.file, self.left = file, max(0, end - file.tell())

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        size = min(len(buffer), self.left)
        if size <= 0:
            return 0
        got = self.file.readinto(memoryview(buffer)[:size])
        self.left -= got
        return got


# Bytes read at a time when hashing a file.
_HASH_CHUNK = 1024 * 1024


def _open_at(file: BinaryIO, point: Point, size: int, kind: str | None
             ) -> tuple[BinaryIO, GzipMembers | None]:
    """The decompressed stream of `file` from `point`, and its gzip member reader if any."""
    file.seek(point.start)
    bounded = _Bounded(file, size)
    members = GzipMembers(bounded, point.start) if kind == "gzip" else None
    if members is not None:
        stream = io.BufferedReader(members, _HASH_CHUNK)
    elif kind is None:
        stream = io.BufferedReader(bounded, _HASH_CHUNK)
    else:
        stream = open_stream(bounded, kind)
    remaining = point.skip
    while remaining > 0 and (chunk := stream.read(min(remaining, _HASH_CHUNK))):
        remaining -= len(chunk)
    return stream, members


@contextmanager
def open_part(raw_root: str | os.PathLike, rel: str, part: Part) -> Iterator[BinaryIO]:
    """The decompressed stream of a part, positioned at its first record. Reading it may raise
    what decompression raises (the record readers turn that into an error record)."""
    with open(Path(raw_root, rel), "rb") as file:
        yield _open_at(file, part.at, part.size, part.compression)[0]


@dataclass(frozen=True)
class Resume:
    """What the manifest knows of a JSONL/WARC file read in part (running.store)."""

    point: Point       # where the next record starts
    sha256: str        # of the file's bytes before point.start
    size: int          # the file when that was known
    mtime_ns: int


def _first_point(fmt: str) -> Point:
    return Point(0, 0, 0, 0 if fmt == "warc" else 1)


def _hash_to(file: BinaryIO, digest, start: int, end: int) -> None:
    file.seek(start)
    while start < end and (chunk := file.read(min(_HASH_CHUNK, end - start))):
        digest.update(chunk)
        start += len(chunk)


def _begin(file: BinaryIO, fmt: str, st: os.stat_result, resume: Resume | None):
    """Where this run starts reading a file (a resume point it can trust, else the start),
    and the sha256 of the bytes before it."""
    digest = hashlib.sha256()
    if resume is None or resume.point.start > st.st_size:
        return _first_point(fmt), digest
    if resume.point.skip and (resume.size, resume.mtime_ns) != (st.st_size, st.st_mtime_ns):
        return _first_point(fmt), digest  # inside a stream without members: only if unchanged
    _hash_to(file, digest, 0, resume.point.start)
    if digest.hexdigest() != resume.sha256:  # rewritten, not appended to: read it again
        return _first_point(fmt), hashlib.sha256()
    return resume.point, digest


def _points(starts: Iterator[tuple[int, int, bool | None]], begin: Point,
            members: GzipMembers | None, kind: str | None) -> Iterator[tuple[Point, bool | None]]:
    """Each record's Point (from its byte in the decompressed stream that began at `begin`)."""
    base = begin.offset - begin.skip  # the decompressed file's byte where the stream began
    at = 0
    for number, pos, whole in starts:
        if members is not None:  # the last gzip member that starts at or before it
            while at + 1 < len(members.members) and members.members[at + 1][1] <= pos:
                at += 1
            raw, out = members.members[at] if members.members else (begin.start, 0)
            if whole is None and members.raw_pos > raw and members.between_members:
                raw, out = members.raw_pos, pos  # the end, after the last whole member
            point = Point(raw, pos - out, base + pos, number)
        elif kind is None:
            point = Point(begin.start + pos, 0, base + pos, number)
        else:
            point = Point(begin.start, pos, base + pos, number)
        yield point, whole


def index_archive(raw_root: str | os.PathLike, found: Found, per_part: int, limit: int,
                  resume: Resume | None = None) -> list[Found]:
    """The first pass over a JSONL/WARC file: its records' starts (gzip member boundaries, line
    starts, record starts; inside a stream without members, bytes to read through), and the
    file as parts of `per_part` records (a stream without members: fewer, bigger parts, since
    each reads through what comes before it), each a Found of its own; `per_part` 0: one part.
    `resume`: where an earlier run stopped; used when the bytes before it are unchanged (an
    archive that grows).
    Raises ReadError / OSError (the file is then cleaned whole, and rejected as such)."""
    fmt = multi_record_format(found.path)
    with open(Path(raw_root, found.path), "rb") as file:
        st = os.fstat(file.fileno())
        kind = compression_of(file.read(8))
        if kind is None and format_of(found.path)[1]:
            raise ReadError("corrupt-compression", f"named {format_of(found.path)[1]} but the bytes are not")
        begin, digest = _begin(file, fmt, st, resume)
        stream, members = _open_at(file, begin, st.st_size, kind)
        starts = record_starts(stream, fmt, limit, first=begin.record, offset=begin.skip)
        points = list(_points(starts, begin, members, kind))
        parts = _cut(points, begin, per_part, streamed=kind not in (None, "gzip") or any(
            p.skip for p, _ in points[1:]))
        after_sha = {}
        position = begin.start
        for point in sorted({part[1].start for part in parts}):
            _hash_to(file, digest, position, point)
            position, after_sha[point] = point, digest.hexdigest()
        _hash_to(file, digest, position, st.st_size)
    common = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": digest.hexdigest(),
              "compression": kind, "whole": begin.record == _first_point(fmt).record}
    return [replace(found, part=Part(at, count, count or records, after, after_sha[after.start],
                                     **common))
            for at, after, count, records in _with_counts(parts)]


# A stream without members (one gzip member for the whole file, bzip2, xz, zstd) is split into
# at most this many parts: each reads through the decompressed bytes before its own, so more
# parts would cost more decompression than the workers they keep busy save.
STREAMED_PARTS = 8


def _cut(points: list[tuple[Point, bool | None]], begin: Point, per_part: int, streamed: bool
         ) -> list[tuple[Point, Point]]:
    """(first record, what follows) of each part. A record the file ends inside is the last
    part's and not past `after`: a later run reads it again, once the crawl has written it."""
    if not points:
        return [(begin, begin)]
    records = [p for p, whole in points if whole is not None]
    end = next((p for p, whole in points if whole is not True), points[-1][0])
    if streamed and per_part > 0:
        per_part = max(per_part, -(-len(records) // STREAMED_PARTS))
    firsts = records[::per_part if per_part > 0 else len(records) or 1] or [begin]
    return [(first, firsts[i + 1] if i + 1 < len(firsts) else end)
            for i, first in enumerate(firsts)]


def _with_counts(parts: list[tuple[Point, Point]]) -> Iterator[tuple[Point, Point, int | None, int]]:
    for i, (at, after) in enumerate(parts):
        records = max(1, after.record - at.record)
        yield at, after, (None if i == len(parts) - 1 else after.record - at.record), records
