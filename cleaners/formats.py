"""Multi-record inputs scrapers really produce: JSONL exports, WARC archives, sidecar metadata,
and compression recognised by content (gzip, bzip2, xz, zstd).

Every reader here is a pure function of the bytes (or the name) it is given: no Prefect, no file
I/O (running/inputs.py opens the files). Readers never raise on bad data:
a bad line or a broken WARC record becomes a `Record` with `error=(reason, detail)`, so the caller
can reject it by name and count it, and the rest of the file goes on.

WARC library: fastwarc 2.0.0, chosen over warcio 1.8.1 by measuring both on a 61 MB WARC.gz of
the 990 trafilatura-eval pages written twice with warcio's WARCWriter (1,980 request + response
pairs, a third of the responses gzip content-encoded, 203 MB decompressed; 2 shared cores, best
of 3 runs), reading every response payload decoded:
  - from the .warc.gz file:            fastwarc 0.42 s, warcio 1.00 s (max RSS 78 / 88 MB);
  - from the decompressed bytes (what `iter_warc` gets): fastwarc 0.17 s, warcio 0.49 s.
  `iter_warc` itself, content decoding included: 0.32 s for those 203 MB (1,980 pages).
Robustness, both libraries alike:
  - a copy cut inside a record: neither raises; both yield the cut record with a short payload
    and no sign of the cut, so `iter_warc` checks each record's declared length against the bytes
    left itself;
  - a record with a wrong Content-Length: both raise at the next record (fastwarc OSError,
    warcio ArchiveLoadFailed); `iter_warc` yields an error Record and resynchronises at the next
    "WARC/1." line.
One fastwarc bug found on the way: with auto_decode="all", a response that is both chunked and
gzip-encoded loses the reader's place and the rest of the file is silently dropped (warcio reads
it). So fastwarc undoes only the transfer-encoding and `undo_content_encoding` does the rest, with
a size cap fastwarc does not have. fastwarc wins 2.5-3x once wrapped.
"""

from __future__ import annotations

import bz2
import io
import json
import lzma
import re
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import BinaryIO

import zstandard
from fastwarc.warc import ArchiveIterator

from cleaners.dates import parse_date, parse_datetime

# Formats by the name's ending, once a compression suffix is taken off.
FORMATS = {".txt": "text", ".text": "text", ".html": "html", ".htm": "html", ".xhtml": "html",
           ".jsonl": "jsonl", ".ndjson": "jsonl", ".warc": "warc",
           ".wet": "warc"}  # Common Crawl's text dumps: CC-MAIN-....warc.wet.gz
MULTI_RECORD = ("jsonl", "warc")  # formats whose file holds many documents
PAGE_SUFFIXES = tuple(suffix for suffix, fmt in FORMATS.items() if fmt not in MULTI_RECORD)
COMPRESSION_SUFFIXES = {".gz": "gzip", ".bz2": "bzip2", ".xz": "xz", ".zst": "zstd",
                        ".zstd": "zstd"}
# A scraped page is rarely above a few MB; 64 MB after decompression stops a 512 MB-of-zeros
# gzip after reading 64 MB, and leaves room for big dumps.
MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024


class ReadError(ValueError):
    """Bytes that cannot be read as an input. `reason` is the rejection reason."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class RawInput:
    """One raw file's bytes as read (running/inputs.py reads them)."""

    path: str           # relative to the raw folder, with "/" separators
    data: bytes         # decompressed content
    sha256: str         # of the raw bytes as stored
    format: str         # text, html, jsonl, warc
    compression: str | None
    size: int           # the file's size and mtime when it was read, for the manifest
    mtime_ns: int


def format_of(path: str) -> tuple[str | None, str | None]:
    """(format, compression) from the file name; format None when the name says nothing we read."""
    p = PurePosixPath(path.lower())
    compression = COMPRESSION_SUFFIXES.get(p.suffix)
    if compression:
        p = p.with_suffix("")
    return FORMATS.get(p.suffix), compression


@dataclass(frozen=True)
class Record:
    """One page out of a multi-record input. An errored Record keeps record/url when known and
    has data b"" and error=(reason, detail)."""

    record: int            # JSONL: 1-based line number; WARC: 0-based index of the record in the file
    data: bytes            # the page: HTML bytes, or text as UTF-8 bytes (for a text field)
    format: str            # "html" or "text"
    url: str | None = None
    title: str | None = None
    published: str | None = None   # ISO date YYYY-MM-DD when the source gives a date/time
    fetched: str | None = None     # ISO 8601 datetime of the fetch (WARC-Date), when known
    site: str | None = None
    charset: str | None = None     # from a Content-Type header, when known (WARC)
    error: tuple[str, str] | None = None  # (reason, detail) of a bad record
    refers_to: str | None = None   # a WARC revisit: the URL of the response it repeats


COMPRESSION_MAGIC = ((b"\x1f\x8b", "gzip"), (b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"),
                     (b"\x28\xb5\x2f\xfd", "zstd"))
# Output is taken 1 MB at a time, so a bomb costs at most `limit` + 1 MB before it is stopped.
_CHUNK = 1024 * 1024


def multi_record_format(path: str) -> str | None:
    """"jsonl" or "warc" for a name like crawl.warc.gz or export.ndjson; None otherwise."""
    fmt, _ = format_of(path)
    return fmt if fmt in MULTI_RECORD else None


# --- compression --------------------------------------------------------------------------------

def compression_of(data: bytes) -> str | None:
    """The compression `data` starts with, by magic bytes: gzip, bzip2, xz, zstd; else None."""
    return next((kind for magic, kind in COMPRESSION_MAGIC if data.startswith(magic)), None)


def _stream(kind: str, data: bytes):
    source = io.BytesIO(data)  # shares the bytes' buffer: no copy of the input
    if kind == "gzip":  # GzipFile reads every member (WARC.gz is one member per record)
        import gzip
        return gzip.GzipFile(fileobj=source)
    if kind == "bzip2":
        return bz2.BZ2File(source)
    if kind == "xz":
        return lzma.LZMAFile(source)
    return zstandard.ZstdDecompressor().stream_reader(source, read_across_frames=True)


def decompress(data: bytes, limit: int) -> tuple[bytes, str | None]:
    """(decompressed bytes, kind) by content; (data, None) when `data` is not compressed.

    Streams 1 MB at a time and raises ReadError("too-large") as soon as the output passes `limit`
    bytes, so a bomb costs `limit` + 1 MB of memory; a broken or truncated stream raises
    ReadError("corrupt-compression")."""
    kind = compression_of(data)
    if kind is None:
        return data, None
    if kind == "zstd" and (problem := zstd_problem(data)):
        raise ReadError("corrupt-compression", f"zstd: {problem}")
    # BytesIO.getvalue() hands over its buffer without a copy: the peak is the output, not twice it.
    out = io.BytesIO()
    try:
        with _stream(kind, data) as stream:
            while chunk := stream.read(_CHUNK):
                if out.tell() + len(chunk) > limit:
                    raise ReadError("too-large", f"more than {limit} bytes after {kind} decompression")
                out.write(chunk)
    except (OSError, EOFError, lzma.LZMAError, zlib.error, zstandard.ZstdError) as exc:
        raise ReadError("corrupt-compression", f"{kind}: {exc}") from None
    return out.getvalue(), kind


class GzipMembers(io.RawIOBase):
    """A gzip stream's decompressed bytes, read member by member, noting where each member
    starts: `members` holds (byte in the compressed stream, byte in the output) of each, the
    places a reader can start again (crawlers write one member per WARC record). The output is
    produced `readinto`'s buffer at a time, so a bomb costs no more memory than its reader asks
    for. A stream cut inside a member raises EOFError once what it held is read."""

    def __init__(self, source: BinaryIO, start: int = 0):
        self.source = source
        self.members: list[tuple[int, int]] = []
        self.raw_pos, self.out_pos = start, 0  # bytes of the compressed stream consumed; output
        self._input, self._inflater = b"", None

    def readable(self) -> bool:
        return True

    @property
    def between_members(self) -> bool:
        """Whether every member begun so far is read to its end."""
        return self._inflater is None

    def readinto(self, buffer) -> int:
        while True:
            if not self._input:
                self._input = self.source.read(_CHUNK)
                if not self._input:
                    if self._inflater is None:
                        return 0
                    out = self._inflater.flush()
                    if not out:
                        raise EOFError(f"the gzip stream ends inside the member at byte "
                                       f"{self.members[-1][0]}")
                    return self._give(buffer, out)
            if self._inflater is None:
                self._inflater = zlib.decompressobj(31)  # 31: a gzip header
                self.members.append((self.raw_pos, self.out_pos))
            inflater = self._inflater
            out = inflater.decompress(self._input, len(buffer))
            rest = inflater.unused_data if inflater.eof else inflater.unconsumed_tail
            self.raw_pos += len(self._input) - len(rest)
            self._input = rest
            if inflater.eof:
                self._inflater = None
            if out:
                return self._give(buffer, out)

    def _give(self, buffer, out: bytes) -> int:
        buffer[:len(out)] = out
        self.out_pos += len(out)
        return len(out)


def open_stream(source: BinaryIO, kind: str | None) -> BinaryIO:
    """A buffered reader of `source`'s decompressed bytes (`kind` from compression_of: gzip,
    bzip2, xz, zstd; None: as they are). Reading it may raise what _STREAM_ERRORS names."""
    if kind == "gzip":
        return io.BufferedReader(GzipMembers(source), _CHUNK)
    if kind == "bzip2":
        return bz2.BZ2File(source)
    if kind == "xz":
        return lzma.LZMAFile(source)
    if kind == "zstd":
        reader = zstandard.ZstdDecompressor().stream_reader(source, read_across_frames=True)
        return io.BufferedReader(reader, _CHUNK)
    return source


_ZSTD_MAGIC = 0xFD2FB528
_ZSTD_SKIPPABLE = range(0x184D2A50, 0x184D2A60)


def zstd_problem(data: bytes) -> str | None:
    """What is wrong with a zstd stream's framing (cut short, stray bytes), or None.

    zstandard's stream reader returns a cut stream's output without a word, so this walks the
    frame and block headers (no decompression: a few microseconds a 128 KB block) first."""
    pos, end = 0, len(data)
    while pos < end:
        if end - pos < 5:
            return f"{end - pos} stray bytes at byte {pos}"
        magic = int.from_bytes(data[pos:pos + 4], "little")
        if magic in _ZSTD_SKIPPABLE:
            pos += 8 + int.from_bytes(data[pos + 4:pos + 8], "little")
            continue
        if magic != _ZSTD_MAGIC:
            return f"no zstd frame at byte {pos}"
        descriptor = data[pos + 4]
        single_segment = descriptor >> 5 & 1
        pos += 5 + (1 - single_segment) + (0, 1, 2, 4)[descriptor & 3] \
            + (single_segment, 2, 4, 8)[descriptor >> 6]
        while True:
            if pos + 3 > end:
                return f"cut short: the stream ends inside a frame, at byte {end}"
            header = int.from_bytes(data[pos:pos + 3], "little")
            block_type = header >> 1 & 3
            if block_type == 3:
                return f"reserved block type at byte {pos}"
            pos += 3 + (1 if block_type == 1 else header >> 3)  # an RLE block stores one byte
            if header & 1:  # the frame's last block
                break
        pos += 4 * (descriptor >> 2 & 1)  # content checksum
    if pos > end:
        return f"cut short: the stream ends inside a frame, at byte {end}"
    return None


# --- JSONL ----------------------------------------------------------------------------------------

# Field names by key, first present wins. Taken from what exporters write: Scrapy items
# (url/title/html/text/date), news-please (maintext, date_publish: pass a field_map), Common Crawl
# derived dumps (url/text/content), newspaper-style (headline/article/published_at), schema.org
# (headline/datePublished).
DEFAULT_FIELDS: dict[str, list[str]] = {
    "url": ["url", "link", "href"],
    "html": ["html", "raw_html", "page"],
    "text": ["text", "body", "content", "article"],
    "title": ["title", "headline"],
    "published": ["date", "published", "published_at", "pubdate", "datePublished"],
    "site": ["site", "domain", "source"],
}


def _value(item: dict, names: list[str], *, join: bool = False) -> str | None:
    """The first non-empty string among `names`; a list of strings (Scrapy often stores one) gives
    its first string, or all of them joined by lines when `join` (paragraphs of a text field)."""
    for name in names:
        value = item.get(name)
        if isinstance(value, list):
            parts = [v for v in value if isinstance(v, str) and v.strip()]
            value = ("\n".join(parts) if join else parts[0]) if parts else None
        if isinstance(value, str) and value.strip():
            return value
    return None


def _published(item: dict, names: list[str]) -> str | None:
    for name in names:
        if (found := parse_date(item.get(name))) is not None:
            return found
    return None


def iter_jsonl(data: bytes | BinaryIO, field_map: dict[str, list[str]] | None = None, *,
               first: int = 1, count: int | None = None,
               max_line_bytes: int = MAX_DECOMPRESSED_BYTES) -> Iterator[Record]:
    """One Record per non-empty line of a JSONL/NDJSON export, numbered by line (1-based).

    `field_map` replaces the field names of the keys it names (see DEFAULT_FIELDS), e.g.
    {"text": ["maintext"], "published": ["date_publish"]}; an unknown key is a ValueError, raised
    here, before any line is read. An html field gives format "html"; else a text field gives
    "text". A line that is not a JSON object gives error ("bad-json", "line N: ..."), one with
    neither gives ("no-content", ...). Never raises on the data.

    `data` is the decompressed bytes or a readable stream of them (read line by line: memory is
    one line); `first` is the number of the stream's first line (a part of a file read from the
    middle) and `count` how many lines to read (None: to the end). A line above
    `max_line_bytes` gives ("too-large", ...) and costs no more than that in memory."""
    fields = dict(DEFAULT_FIELDS)
    if field_map:
        unknown = set(field_map) - set(DEFAULT_FIELDS)
        if unknown:
            raise ValueError(f"unknown field_map keys {sorted(unknown)}; known: {sorted(DEFAULT_FIELDS)}")
        fields.update({key: list(names) for key, names in field_map.items()})
    stream = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data
    return _jsonl_records(stream, fields, first, count, max_line_bytes)


def _jsonl_records(stream: BinaryIO, fields: dict[str, list[str]], first: int, count: int | None,
                   limit: int) -> Iterator[Record]:
    for number, line in _lines(stream, first, count, limit):
        if isinstance(line, ReadError):
            yield Record(number, b"", "text", error=(line.reason, f"line {number}: {line.detail}"))
        elif line.strip():
            yield _jsonl_record(number, line, fields)


def _lines(stream: BinaryIO, first: int, count: int | None, limit: int
           ) -> Iterator[tuple[int, bytes | ReadError]]:
    """(line number, line without its end) from `first`, `count` lines at most; a line above
    `limit` bytes is a ReadError in its place, read through without being kept; a compressed
    stream that breaks ends with a ReadError("corrupt-compression") by the line it broke in."""
    number = first
    while count is None or number < first + count:
        try:
            line = stream.readline(limit + 1)
            if len(line) > limit and not line.endswith(b"\n"):
                size = len(line) + _skip_line(stream)
                line = ReadError("too-large", f"{size} bytes, above the {limit}-byte limit")
        except _STREAM_ERRORS as exc:
            yield number, ReadError("corrupt-compression", f"{type(exc).__name__}: {exc}")
            return
        if not line:
            return
        if isinstance(line, bytes):
            line = (line.removeprefix(b"\xef\xbb\xbf") if number == 1 else line).rstrip(b"\n")
        yield number, line
        number += 1


def _skip_line(stream: BinaryIO) -> int:
    """Read through the rest of a line, a chunk at a time; the bytes passed over."""
    skipped = 0
    while (chunk := stream.readline(_CHUNK)) and not chunk.endswith(b"\n"):
        skipped += len(chunk)
    return skipped + len(chunk)


def _jsonl_record(number: int, line: bytes, fields: dict[str, list[str]]) -> Record:
    try:
        item = json.loads(line)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError
        return Record(number, b"", "text", error=("bad-json", f"line {number}: {exc}"))
    if not isinstance(item, dict):
        return Record(number, b"", "text", error=(
            "bad-json", f"line {number}: a JSON {type(item).__name__}, not an object"))
    url = _value(item, fields["url"])
    meta = {"url": url, "title": _value(item, fields["title"]),
            "published": _published(item, fields["published"]),
            "site": _value(item, fields["site"])}
    if (html := _value(item, fields["html"])) is not None:
        return Record(number, html.encode("utf-8", "surrogatepass"), "html", **meta)
    if (text := _value(item, fields["text"], join=True)) is not None:
        return Record(number, text.encode("utf-8", "surrogatepass"), "text", **meta)
    tried = "/".join(fields["html"] + fields["text"])
    return Record(number, b"", "text", url=url, error=("no-content", f"line {number}: no {tried} field"))


# --- WARC -----------------------------------------------------------------------------------------

# A page above this is not an article (the biggest real news pages are a few MB); the same bound
# as one raw file, so a WARC record costs what a single page may.
MAX_PAGE_BYTES = MAX_DECOMPRESSED_BYTES  # a record's payload may cost what a page file may
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# Payload types that say nothing: the bytes decide (a page served as octet-stream is still HTML).
SNIFF_TYPES = frozenset({None, "", "application/octet-stream", "binary/octet-stream",
                         "text/plain", "unknown/unknown", "application/unknown"})
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)[\s>]",
                         re.IGNORECASE | re.DOTALL)
# Look this far into a payload for the HTML start (BOM, comments, white space before it).
SNIFF_BYTES = 1024


@dataclass
class WarcCounts:
    """Filled in while `iter_warc`'s records are consumed; read it after the loop.

    skipped counts records that are not pages, by WARC-Type ("warcinfo", "request", "metadata",
    "revisit", ...) and, for responses, by why: "response:image/png" (the payload's type),
    "response:status-404" (not a 2xx), "response:empty". errors counts error Records."""

    records: int = 0      # WARC records read (pages, skipped, and errored)
    pages: int = 0        # HTML Records yielded
    errors: int = 0
    skipped: Counter = field(default_factory=Counter)


def _mime(value: str | None) -> str | None:
    return value.split(";", 1)[0].strip().lower() if value is not None else None


def _charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    m = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:\-]+)", content_type, re.IGNORECASE)
    return m.group(1).lower() if m else None


def _inflate(body: bytes, wbits: int, limit: int) -> bytes:
    inflater = zlib.decompressobj(wbits)
    chunks, total, pending = [], 0, body
    while pending and not inflater.eof:
        chunk = inflater.decompress(pending, _CHUNK)
        total += len(chunk)
        if total > limit:
            raise ReadError("too-large", f"more than {limit} bytes after content decoding")
        chunks.append(chunk)
        pending = inflater.unconsumed_tail
    # A body cut short (WARC-Truncated, a dropped connection) keeps what it decoded.
    return b"".join(chunks)


def _unbrotli(body: bytes, limit: int) -> bytes:
    import brotli  # installed with fastwarc

    unbrotli = brotli.Decompressor()
    chunks, total = [unbrotli.process(body, output_buffer_limit=_CHUNK)], 0
    while True:
        total += len(chunks[-1])
        if total > limit:
            raise ReadError("too-large", f"more than {limit} bytes after content decoding")
        if unbrotli.is_finished():
            return b"".join(chunks)
        if unbrotli.can_accept_more_data():  # every byte read and no end of stream: not brotli,
            raise ReadError("corrupt-encoding", "the brotli stream ends early")  # or truncated
        chunks.append(unbrotli.process(b"", output_buffer_limit=_CHUNK))


def undo_content_encoding(body: bytes, encoding: str | None, limit: int) -> bytes:
    """An HTTP body with its Content-Encoding (gzip, deflate, br, zstd; several, comma-separated)
    undone, never above `limit` bytes. A body that is not encoded as its header says but reads
    as HTML is kept as it is: some crawlers store the decoded body and keep the header.
    Raises ReadError("too-large" | "corrupt-encoding")."""
    codings = [c.strip().lower() for c in (encoding or "").split(",") if c.strip()]
    for coding in reversed(codings):  # the last coding listed was applied last
        if coding in ("identity", "none", "utf-8", "utf8"):
            continue
        try:
            if coding in ("gzip", "x-gzip"):
                body = _inflate(body, 47, limit)  # 47: a gzip or zlib header, detected
            elif coding == "deflate":  # zlib-wrapped per the RFC, raw deflate by some servers
                body = _inflate(body, 15 if body[:1] == b"\x78" else -15, limit)
            elif coding == "br":
                body = _unbrotli(body, limit)
            elif coding == "zstd":
                body = decompress(body, limit)[0]
            else:
                raise ReadError("corrupt-encoding", f"unknown content-encoding {coding!r}")
        except ReadError as exc:
            if exc.reason == "too-large":
                raise
            if not sniff_html(body):
                raise ReadError("corrupt-encoding", f"{coding}: {exc.detail}") from None
        except Exception as exc:  # zlib.error, brotli.error
            if not sniff_html(body):
                raise ReadError("corrupt-encoding", f"{coding}: {type(exc).__name__}: {exc}") from None
    return body


def sniff_html(payload: bytes) -> bool:
    """Whether a payload starts like an HTML document (after a BOM, white space, comments)."""
    head = payload[:SNIFF_BYTES].removeprefix(b"\xef\xbb\xbf")
    return bool(_HTML_START.match(head))


def iter_warc(data: bytes | BinaryIO, max_page_bytes: int = MAX_PAGE_BYTES, *, first: int = 0,
              count: int | None = None, offset: int = 0) -> tuple[Iterator[Record], WarcCounts]:
    """The pages of a WARC (its decompressed bytes, or a readable stream of them), as a lazy
    iterator, and the counts it fills.

    response records with an HTTP 2xx HTML payload (Content-Type text/html or
    application/xhtml+xml, or sniffed when the type says nothing) and resource records of an HTML
    type become HTML Records: url=WARC-Target-URI, fetched=WARC-Date, charset from the HTTP
    Content-Type, data the payload with chunked transfer-encoding and gzip/deflate/br/zstd
    content-encoding decoded. conversion records (Common Crawl WET: a page's extracted text)
    become text Records with their target URL and date. Every other record is skipped and
    counted in WarcCounts.skipped.
    A record above `max_page_bytes` (its block, or a payload once decoded: a gzip bomb in a
    response) gives error ("too-large", ...) if it is a page, and is skipped otherwise; a
    content-encoding that cannot be undone gives ("corrupt-encoding", ...). A record cut short
    by the end of the file gives error ("truncated-warc", ...) and ends the file; bytes that are
    no WARC record give ("corrupt-warc", ...) and reading resumes at the next "WARC/1." line; a
    compressed stream that breaks gives ("corrupt-compression", ...). Compressed bytes give one
    ("compressed", ...) Record: decompress first (open_stream). Never raises.

    Records are numbered from `first` (0 for a file's start), one number a WARC record or
    unreadable stretch; `count` stops after that many (None: the end), `offset` is the byte of
    the decompressed file where the stream starts (for the details of errors).
    Memory: one record at a time is read from the stream (a record above the limit is read
    through in 1 MB chunks, not kept)."""
    counts = WarcCounts()
    if isinstance(data, bytes | bytearray):
        if (kind := compression_of(data)) is not None:
            counts.errors += 1
            error = ("compressed", f"{kind} bytes: decompress before iter_warc")
            return iter([Record(first, b"", "html", error=error)]), counts
        data = io.BytesIO(data)
    records = (_warc_page(framed, counts, max_page_bytes)
               for framed in WarcFrames(data, max_page_bytes, first=first, count=count, offset=offset))
    return (record for record in records if record is not None), counts


# A WARC header is a few hundred bytes; this much without its blank line is not one.
MAX_WARC_HEADER = 64 * 1024
# Of a record above the size limit, this much is kept: its WARC and HTTP headers, to tell
# a page (rejected as too-large) from an image or a video (skipped).
OVERSIZE_HEAD = 64 * 1024
# What reading a compressed stream raises when it is cut short or broken.
_STREAM_ERRORS = (OSError, EOFError, lzma.LZMAError, zlib.error, zstandard.ZstdError)


@dataclass(frozen=True)
class Frame:
    """One WARC record as its bytes (header, block, record end), or a stretch that is none."""

    record: int                 # its number in the file
    offset: int                 # byte of the decompressed file where it starts
    data: bytes                 # header and block; only the block's head when `oversize`
    length: int = 0             # the block's declared length
    cut: bool = False           # the file ends inside it
    oversize: bool = False      # its block is above the limit: read through, not kept
    error: tuple[str, str] | None = None


def _is_version_line(line: bytes) -> bool:
    return line.rstrip(b"\r\n") in (b"WARC/1.0", b"WARC/1.1")


def _content_length(header: bytes) -> int | None:
    match = re.search(rb"\r?\ncontent-length[ \t]*:[ \t]*(\d+)[ \t]*\r?\n", header, re.IGNORECASE)
    return int(match.group(1)) if match else None


def _skip(stream: BinaryIO, size: int) -> int:
    """Read through `size` bytes, 1 MB at a time; the bytes there were."""
    done = 0
    while done < size and (chunk := stream.read(min(_CHUNK, size - done))):
        done += len(chunk)
    return done


class WarcFrames:
    """The records of a decompressed WARC stream, one Frame each, by their headers'
    Content-Length, without parsing them (the first pass over an archive, and each part's
    reading). A stretch of bytes before a "WARC/1." line is one Frame with a corrupt-warc error;
    a stream that breaks (compression) ends with a Frame with its error. Never raises. Once
    iterated, `pos` is the byte after the last record and `number` the next record's number."""

    def __init__(self, stream: BinaryIO, limit: int, *, first: int = 0, count: int | None = None,
                 offset: int = 0):
        self.stream, self.limit, self.count = stream, limit, count
        self.first, self.number, self.pos = first, first, offset
        self.start = offset  # where the record being read starts

    def __iter__(self) -> Iterator[Frame]:
        stream, pending = self.stream, b""
        try:
            while self.count is None or self.number < self.first + self.count:
                self.start = self.pos
                line = pending or stream.readline(MAX_WARC_HEADER)
                pending = b""
                if not line:
                    return
                if line in (b"\r\n", b"\n"):  # the end of the record before, or padding
                    self.pos += len(line)
                    continue
                if not _is_version_line(line):
                    start, size = self.pos, len(line)
                    while (line := stream.readline(MAX_WARC_HEADER)) and not _is_version_line(line):
                        size += len(line)
                    self.pos, pending = start + size, line
                    yield self._next(Frame(self.number, start, b"", error=(
                        "corrupt-warc", f"record {self.number}: {size} bytes at byte {start} "
                                        "are not a WARC record")))
                    continue
                frame = self._record(line)
                yield self._next(frame)
                if frame.cut:
                    return
        except EOFError:  # a compressed stream that ends inside a record: the file is cut
            yield Frame(self.number, self.start, b"", cut=True, error=(
                "truncated-warc", f"record {self.number} at byte {self.start}: the file ends inside it"))
        except _STREAM_ERRORS as exc:
            yield Frame(self.number, self.start, b"", cut=True, error=(
                "corrupt-compression", f"record {self.number}, after byte {self.start}: "
                                       f"{type(exc).__name__}: {exc}"))

    def _next(self, frame: Frame) -> Frame:
        self.number += 1
        return frame

    def _record(self, line: bytes) -> Frame:
        stream, start, header = self.stream, self.pos, [line]
        while (line := stream.readline(MAX_WARC_HEADER)) not in (b"\r\n", b"\n", b""):
            header.append(line)
            if sum(map(len, header)) > MAX_WARC_HEADER:
                break
        header.append(line)
        head = b"".join(header)
        self.pos += len(head)
        length = _content_length(head)
        if not line:
            return Frame(self.number, start, head, cut=True)
        if length is None:
            return Frame(self.number, start, head, error=(
                "corrupt-warc", f"record {self.number} at byte {start}: a header without its "
                                "Content-Length or its end"))
        if length > self.limit:
            block = stream.read(min(length, OVERSIZE_HEAD))
            got = len(block) + _skip(stream, length - len(block))
            data = head + block
        else:
            block = stream.read(length)
            got = len(block)
            data = head + block + b"\r\n\r\n"
        self.pos += got
        return Frame(self.number, start, data, length, cut=got < length, oversize=length > self.limit)


def record_starts(stream: BinaryIO, fmt: str, limit: int, *, first: int, offset: int = 0
                  ) -> Iterator[tuple[int, int, bool]]:
    """(number, byte of the decompressed stream where it starts, whole) of each record of a
    WARC or JSONL stream, and last (number, byte, None) for where the stream ends: the first
    pass over an archive, which splits it. `whole` is False for a record that the stream ends
    (or breaks) inside: only the last one can be. Never raises."""
    if fmt == "warc":
        frames = WarcFrames(stream, limit, first=first, offset=offset)
        for frame in frames:
            yield frame.record, frame.offset, not frame.cut
            if frame.cut:
                return
        yield frames.number, frames.pos, None
        return
    number, pos = first, offset
    try:
        while True:
            size, chunk = 0, b""
            while chunk := stream.readline(_CHUNK):
                size += len(chunk)
                if chunk.endswith(b"\n"):
                    break
            if not size:
                break
            yield number, pos, chunk.endswith(b"\n")
            if not chunk.endswith(b"\n"):
                return
            number, pos = number + 1, pos + size
    except _STREAM_ERRORS:
        yield number, pos, False
        return
    yield number, pos, None


def _warc_page(frame: Frame, counts: WarcCounts, limit: int) -> Record | None:
    """The page (or the error) one Frame gives, or None for a record that is no page."""
    counts.records += 1
    index = frame.record
    if frame.error:
        counts.errors += 1
        return Record(index, b"", "html", error=frame.error)
    try:
        # auto_decode="transfer": fastwarc undoes chunked transfer-encoding; the content-encoding
        # is undone here, with a size cap. (fastwarc's "all" loses its place in the stream after a
        # chunked + gzip response, and would expand a gzip bomb without a bound.)
        rec = next(iter(ArchiveIterator(io.BytesIO(frame.data), parse_http=True,
                                        auto_decode="transfer", stream_detect=False)), None)
    except Exception as exc:  # fastwarc raises OSError on a bad header
        rec, problem = None, f"{type(exc).__name__}: {exc}"
    else:
        problem = "not a WARC record"
    if rec is None or frame.cut and not frame.oversize:
        counts.errors += 1
        url, fetched = (_target(rec), rec.headers.get("WARC-Date")) if rec is not None else (None, None)
        if frame.cut:
            return Record(index, b"", "html", url=url, fetched=fetched, error=(
                "truncated-warc", f"record {index} at byte {frame.offset}: the file ends inside it"))
        return Record(index, b"", "html", error=(
            "corrupt-warc", f"record {index} at byte {frame.offset}: {problem}"))
    return _warc_record(rec, frame, counts, limit)


def _target(rec) -> str | None:
    url = rec.headers.get("WARC-Target-URI")
    return url.strip("<>") if url else None  # WARC 1.0 writers sometimes keep the angle brackets


def _warc_record(rec, frame: Frame, counts: WarcCounts, limit: int) -> Record | None:
    headers, index = rec.headers, frame.record
    warc_type = (headers.get("WARC-Type") or "unknown").lower()
    url, fetched = _target(rec), headers.get("WARC-Date")
    fmt = "html"
    if warc_type == "response" and rec.is_http:
        status = rec.http_headers.status_code
        content_type = rec.http_headers.get("Content-Type")
        if status is None or not 200 <= status < 300:
            counts.skipped[f"response:status-{status}"] += 1
            return None
    elif warc_type == "resource":
        content_type = headers.get("Content-Type")
    elif warc_type == "conversion":  # Common Crawl WET: the page's text, UTF-8
        content_type, fmt = "text/plain; charset=utf-8", "text"
    elif warc_type == "revisit":  # the same payload as an earlier response: no payload of its own
        original = headers.get("WARC-Refers-To-Target-URI")
        return Record(index, b"", "html", url=url, fetched=fetched,
                      refers_to=original.strip("<>") if original else url)
    else:
        counts.skipped[warc_type] += 1
        return None
    mime = _mime(content_type)
    if fmt == "html" and mime not in HTML_TYPES and mime not in SNIFF_TYPES:
        counts.skipped[f"{warc_type}:{mime}"] += 1
        return None

    def error(reason: str, detail: str) -> Record:
        counts.errors += 1
        return Record(index, b"", fmt, url=url, fetched=fetched,
                      error=(reason, f"record {index} at byte {frame.offset}: {detail}"))

    if frame.oversize or rec.content_length > limit:
        return error("too-large", f"a {frame.length}-byte record, above the {limit}-byte limit")
    try:
        payload = rec.reader.read()
    except Exception as exc:  # a broken chunked transfer-encoding
        return error("corrupt-warc", f"payload: {type(exc).__name__}: {exc}")
    if warc_type == "response":
        try:
            payload = undo_content_encoding(payload, rec.http_headers.get("Content-Encoding"), limit)
        except ReadError as exc:
            return error(exc.reason, exc.detail)
    if not payload or payload.isspace():  # isspace: no copy of a big payload
        counts.skipped[f"{warc_type}:empty"] += 1
        return None
    if fmt == "html" and mime not in HTML_TYPES and not sniff_html(payload):
        counts.skipped[f"{warc_type}:{mime or 'no-type'}"] += 1
        return None
    counts.pages += 1
    return Record(index, payload, fmt, url=url, fetched=fetched, charset=_charset(content_type))


# --- sidecars -------------------------------------------------------------------------------------

SIDECAR_FIELDS: dict[str, list[str]] = {
    "url": DEFAULT_FIELDS["url"],
    "fetched": ["fetched", "fetch_time", "fetched_at", "crawled_at", "crawl_time"],
    "site": DEFAULT_FIELDS["site"],
    "title": DEFAULT_FIELDS["title"],
    "published": DEFAULT_FIELDS["published"],
}
# A sidecar is a few hundred bytes of metadata; anything far bigger is not one.
MAX_SIDECAR_BYTES = 1024 * 1024


def sidecar_name(page_name: str) -> str | None:
    """page.html, page.html.gz, page.txt -> page.json, the page's metadata beside it; None for a
    name that is no page (a JSONL or WARC file, an unknown suffix)."""
    fmt, compression = format_of(page_name)
    if fmt is None or fmt in MULTI_RECORD:
        return None
    name = PurePosixPath(page_name)
    return (name.with_suffix("") if compression else name).with_suffix(".json").name


def parse_sidecar(raw: bytes) -> dict | None:
    """The metadata saved beside a page, normalized to {url, fetched, site, title, published}
    (None where absent; published as YYYY-MM-DD, fetched as ISO 8601). None when it is not a
    JSON object. Never raises."""
    try:
        item = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(item, dict):
        return None
    return {
        "url": _value(item, SIDECAR_FIELDS["url"]),
        "fetched": next((v for n in SIDECAR_FIELDS["fetched"]
                         if (v := parse_datetime(item.get(n))) is not None), None),
        "site": _value(item, SIDECAR_FIELDS["site"]),
        "title": _value(item, SIDECAR_FIELDS["title"]),
        "published": _published(item, SIDECAR_FIELDS["published"]),
    }
