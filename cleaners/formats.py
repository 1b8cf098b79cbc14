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

import zstandard
from fastwarc.warc import ArchiveIterator

from cleaners.dates import parse_date, parse_datetime

# Formats by the name's ending, once a compression suffix is taken off.
FORMATS = {".txt": "text", ".text": "text", ".html": "html", ".htm": "html", ".xhtml": "html",
           ".jsonl": "jsonl", ".ndjson": "jsonl", ".warc": "warc"}
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


def _lines(data: bytes) -> Iterator[tuple[int, bytes]]:
    """(1-based line number, line) without splitting the whole buffer at once."""
    start, number = 0, 0
    if data.startswith(b"\xef\xbb\xbf"):
        start = 3
    while start < len(data):
        end = data.find(b"\n", start)
        if end < 0:
            end = len(data)
        number += 1
        yield number, data[start:end]
        start = end + 1


def iter_jsonl(data: bytes, field_map: dict[str, list[str]] | None = None) -> Iterator[Record]:
    """One Record per non-empty line of a JSONL/NDJSON export, numbered by line (1-based).

    `field_map` replaces the field names of the keys it names (see DEFAULT_FIELDS), e.g.
    {"text": ["maintext"], "published": ["date_publish"]}; an unknown key is a ValueError, raised
    here, before any line is read. An html field gives format "html"; else a text field gives
    "text". A line that is not a JSON object gives error ("bad-json", "line N: ..."), one with
    neither gives ("no-content", ...). Never raises on the data."""
    fields = dict(DEFAULT_FIELDS)
    if field_map:
        unknown = set(field_map) - set(DEFAULT_FIELDS)
        if unknown:
            raise ValueError(f"unknown field_map keys {sorted(unknown)}; known: {sorted(DEFAULT_FIELDS)}")
        fields.update({key: list(names) for key, names in field_map.items()})
    return _jsonl_records(data, fields)


def _jsonl_records(data: bytes, fields: dict[str, list[str]]) -> Iterator[Record]:
    for number, line in _lines(data):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError
            yield Record(number, b"", "text", error=("bad-json", f"line {number}: {exc}"))
            continue
        if not isinstance(item, dict):
            yield Record(number, b"", "text", error=(
                "bad-json", f"line {number}: a JSON {type(item).__name__}, not an object"))
            continue
        url = _value(item, fields["url"])
        meta = {"url": url, "title": _value(item, fields["title"]),
                "published": _published(item, fields["published"]),
                "site": _value(item, fields["site"])}
        if (html := _value(item, fields["html"])) is not None:
            yield Record(number, html.encode("utf-8", "surrogatepass"), "html", **meta)
        elif (text := _value(item, fields["text"], join=True)) is not None:
            yield Record(number, text.encode("utf-8", "surrogatepass"), "text", **meta)
        else:
            tried = "/".join(fields["html"] + fields["text"])
            yield Record(number, b"", "text", url=url,
                         error=("no-content", f"line {number}: no {tried} field"))


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
_WARC_LINE = re.compile(rb"(?:^|\n)WARC/1\.[01]\r?\n")


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


def iter_warc(data: bytes, max_page_bytes: int = MAX_PAGE_BYTES
              ) -> tuple[Iterator[Record], WarcCounts]:
    """The HTML pages of an (already decompressed) WARC, as a lazy iterator, and the counts it fills.

    response records with an HTTP 2xx HTML payload (Content-Type text/html or
    application/xhtml+xml, or sniffed when the type says nothing) and resource records of an HTML
    type become Records: url=WARC-Target-URI, fetched=WARC-Date, charset from the HTTP
    Content-Type, data the payload with chunked transfer-encoding and gzip/deflate/br/zstd
    content-encoding decoded. Every other record is skipped and counted in WarcCounts.skipped.
    A page above `max_page_bytes` (raw or decoded: a gzip bomb in a response) gives error
    ("too-large", ...); a content-encoding that cannot be undone gives ("corrupt-encoding", ...).
    A record cut short by the end of the file gives error ("truncated-warc", ...); an unreadable
    record gives ("corrupt-warc", ...) and reading resumes at the next "WARC/1." line. Compressed
    bytes give one ("compressed", ...) Record: call `decompress` first. Never raises.

    Memory: records are read one at a time from `data` (which io.BytesIO shares, not copies);
    beyond `data` itself, one decoded payload at a time is held."""
    counts = WarcCounts()
    return _warc_records(data, counts, max_page_bytes), counts


def _block_end(data: bytes, pos: int, declared: str | None) -> int | None:
    """Where the record starting at `pos` ends (header + block + CRLFCRLF); None if unknown."""
    header_end = data.find(b"\r\n\r\n", pos)
    try:
        length = int(declared) if declared is not None else -1
    except ValueError:
        return None
    if header_end < 0 or length < 0:
        return None
    return header_end + 4 + length


def _warc_records(data: bytes, counts: WarcCounts, limit: int) -> Iterator[Record]:
    if (kind := compression_of(data)) is not None:
        counts.errors += 1
        yield Record(0, b"", "html", error=("compressed", f"{kind} bytes: decompress before iter_warc"))
        return
    index, start = 0, 0
    while start < len(data):
        stream = io.BytesIO(data)
        stream.seek(start)
        # auto_decode="transfer": fastwarc undoes chunked transfer-encoding; the content-encoding
        # is undone here, with a size cap. (fastwarc's "all" loses its place in the stream after a
        # chunked + gzip response, and would expand a gzip bomb without a bound.)
        records = iter(ArchiveIterator(stream, parse_http=True, auto_decode="transfer",
                                       stream_detect=False))
        last_pos = last_end = start
        while True:
            try:
                rec = next(records)
            except StopIteration:
                # fastwarc stops quietly at a header cut short: say so if bytes are left over.
                if data[last_end:].strip():
                    counts.records += 1
                    counts.errors += 1
                    yield Record(index, b"", "html", error=(
                        "truncated-warc", f"{len(data) - last_end} bytes after byte {last_end} "
                                          "are not a whole WARC record"))
                return
            except Exception as exc:  # fastwarc raises OSError on a bad header; any error: resync
                counts.records += 1
                counts.errors += 1
                yield Record(index, b"", "html", error=(
                    "corrupt-warc", f"record {index}, after byte {last_pos}: {type(exc).__name__}: {exc}"))
                index += 1
                found = _WARC_LINE.search(data, last_pos + 1)
                start = found.start() + (data[found.start()] == 0x0A) if found else len(data)
                break
            last_pos = rec.stream_pos
            last_end = _block_end(data, last_pos, rec.headers.get("Content-Length")) or last_pos
            counts.records += 1
            out = _warc_record(rec, index, data, counts, limit)
            index += 1
            if out is not None:
                yield out
                if out.error and out.error[0] == "truncated-warc":
                    return


def _warc_record(rec, index: int, data: bytes, counts: WarcCounts, limit: int) -> Record | None:
    headers = rec.headers
    warc_type = (headers.get("WARC-Type") or "unknown").lower()
    url = headers.get("WARC-Target-URI")
    url = url.strip("<>") if url else None  # WARC 1.0 writers sometimes keep the angle brackets
    fetched = headers.get("WARC-Date")
    end = _block_end(data, rec.stream_pos, headers.get("Content-Length"))
    if end is not None and end > len(data):
        counts.errors += 1
        return Record(index, b"", "html", url=url, fetched=fetched, error=(
            "truncated-warc", f"record {index} ({warc_type}) at byte {rec.stream_pos} needs "
                              f"{end - rec.stream_pos} bytes, the file ends after {len(data) - rec.stream_pos}"))
    if warc_type == "response" and rec.is_http:
        status = rec.http_headers.status_code
        content_type = rec.http_headers.get("Content-Type")
        if status is None or not 200 <= status < 300:
            counts.skipped[f"response:status-{status}"] += 1
            return None
    elif warc_type == "resource":
        content_type = headers.get("Content-Type")
    else:
        counts.skipped[warc_type] += 1
        return None
    mime = _mime(content_type)
    if mime not in HTML_TYPES and mime not in SNIFF_TYPES:
        counts.skipped[f"{warc_type}:{mime}"] += 1
        return None

    def error(reason: str, detail: str) -> Record:
        counts.errors += 1
        return Record(index, b"", "html", url=url, fetched=fetched, error=(reason, f"record {index}: {detail}"))

    if rec.content_length > limit:
        return error("too-large", f"a {rec.content_length}-byte payload, above the {limit}-byte limit")
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
    if mime not in HTML_TYPES and not sniff_html(payload):
        counts.skipped[f"{warc_type}:{mime or 'no-type'}"] += 1
        return None
    counts.pages += 1
    return Record(index, payload, "html", url=url, fetched=fetched, charset=_charset(content_type))


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
