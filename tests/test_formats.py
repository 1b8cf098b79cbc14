"""Multi-record inputs built from the real pages in tests/cases: a WARC written with warcio, JSONL
exports, compression by content, sidecars. Only small fixtures are committed
(tests/cases/formats/); the WARCs and exports are built here from tests/cases/html and seeds."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import struct
import tracemalloc
import zlib
from pathlib import Path

import pytest
import zstandard
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from cleaners.dates import parse_date
from cleaners.formats import (
    ReadError,
    Record,
    decompress,
    iter_jsonl,
    iter_warc,
    multi_record_format,
    sniff_html,
    zstd_problem,
)
from conftest import HTML, SEEDS, html_cases
from running.inputs import read_sidecar

FORMATS = Path(__file__).parent / "cases" / "formats"
URLS = {case["id"]: case["url"] for case in html_cases()}
PAGES = sorted(HTML.glob("*.html.gz"))


def page(path: Path) -> tuple[str, bytes]:
    return path.name.removesuffix(".html.gz"), gzip.decompress(path.read_bytes())


def chunked(body: bytes, size: int = 4000) -> bytes:
    parts = [b"%x\r\n%s\r\n" % (len(body[i:i + size]), body[i:i + size])
             for i in range(0, len(body), size)]
    return b"".join(parts) + b"0\r\n\r\n"


def png() -> bytes:
    """A real 1x1 PNG."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


# How each page is served, by its position: the encodings a crawler meets.
SERVED = {
    0: {"encoding": "gzip"},                      # Content-Encoding: gzip
    1: {"chunked": True},                         # Transfer-Encoding: chunked
    2: {"encoding": "gzip", "chunked": True},     # both (nginx): fastwarc's auto_decode="all" lost the rest here
    3: {"type": None},                            # no Content-Type: sniffed
    4: {"type": "application/xhtml+xml"},
    5: {"type": "application/octet-stream"},      # mislabelled: sniffed
}


def build_warc(gzipped: bool = False) -> tuple[bytes, list[dict]]:
    """A WARC of the 8 real pages (request + response each) with a warcinfo, an image, a style
    sheet, a 404 page and a metadata record among them; returns the bytes and the pages expected."""
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=gzipped)
    writer.write_record(writer.create_warcinfo_record("test.warc", {"software": "warcio", "format": "WARC 1.1"}))
    index, expected = 1, []

    def response(url, body, headers, date, status="200 OK"):
        nonlocal index
        request = StatusAndHeaders("GET / HTTP/1.1", [("Host", url.split("/")[2])], is_http_request=True)
        writer.write_record(writer.create_warc_record(url, "request", http_headers=request,
                                                      warc_headers_dict={"WARC-Date": date}))
        http = StatusAndHeaders(status, headers + [("Content-Length", str(len(body)))], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                      http_headers=http, warc_headers_dict={"WARC-Date": date}))
        index += 2
        return index - 1

    for i, path in enumerate(PAGES):
        name, html = page(path)
        how = SERVED.get(i, {})
        ctype = how.get("type", "text/html; charset=UTF-8")
        headers = [("Content-Type", ctype)] if ctype else []
        body = html
        if how.get("encoding"):
            body = gzip.compress(body)
            headers.append(("Content-Encoding", "gzip"))
        if how.get("chunked"):
            body = chunked(body)
            headers.append(("Transfer-Encoding", "chunked"))
        date = f"2024-03-{i + 1:02d}T10:00:00Z"
        at = response(URLS[name], body, headers, date)
        expected.append({"record": at, "url": URLS[name], "fetched": date, "data": html,
                         "charset": "utf-8" if ctype and "charset" in ctype else None})
        if i == 2:
            response("https://www.nature.com/static/logo.png", png(), [("Content-Type", "image/png")],
                     "2024-03-03T10:00:01Z")
            response("https://www.nature.com/static/site.css", b"body { margin: 0 }\n",
                     [("Content-Type", "text/css")], "2024-03-03T10:00:02Z")
            response("https://www.nature.com/missing", b"<!DOCTYPE html><html><body>Not found</body></html>",
                     [("Content-Type", "text/html")], "2024-03-03T10:00:03Z", status="404 Not Found")
            writer.write_record(writer.create_warc_record(
                URLS[name], "metadata", payload=io.BytesIO(b"outlinks: 42\n"),
                warc_content_type="application/warc-fields"))
            index += 1
    return out.getvalue(), expected


SKIPPED = {"warcinfo": 1, "request": 11, "metadata": 1, "response:image/png": 1,
           "response:text/css": 1, "response:status-404": 1}


@pytest.fixture(scope="module")
def warc():
    return build_warc()


def test_warc_gives_exactly_the_html_pages(warc):
    data, expected = warc
    records, counts = iter_warc(data)
    got = list(records)
    assert [(r.record, r.url, r.fetched, r.charset, r.format) for r in got] == [
        (e["record"], e["url"], e["fetched"], e["charset"], "html") for e in expected]
    for record, want in zip(got, expected, strict=True):
        assert record.error is None
        assert record.data == want["data"]  # chunked and gzip undone, byte for byte
    assert dict(counts.skipped) == SKIPPED
    assert counts.pages == len(PAGES) and counts.errors == 0
    assert counts.records == 1 + 2 * len(PAGES) + 3 * 2 + 1


def test_warc_gz_is_decompressed_by_content_then_read(warc):
    plain, expected = warc
    packed, _ = build_warc(gzipped=True)
    data, kind = decompress(packed, limit=len(plain) * 2)
    assert kind == "gzip"  # one gzip member per record: every member is read
    records, counts = iter_warc(data)
    assert [r.url for r in records] == [e["url"] for e in expected]
    assert dict(counts.skipped) == SKIPPED


def test_compressed_bytes_are_an_error_not_garbage():
    packed, _ = build_warc(gzipped=True)
    records, counts = iter_warc(packed)
    (only,) = list(records)
    assert only.error[0] == "compressed" and counts.errors == 1


@pytest.mark.parametrize("share", [0.05, 0.33, 0.5, 0.77, 0.999])
def test_truncated_warc_yields_what_it_can_and_an_error(warc, share):
    data, expected = warc
    cut = data[: int(len(data) * share)]
    records, counts = iter_warc(cut)
    got = list(records)  # never raises
    pages = [r for r in got if r.error is None]
    assert [r.url for r in pages] == [e["url"] for e in expected[: len(pages)]]
    assert all(r.data == e["data"] for r, e in zip(pages, expected, strict=False))
    errors = [r for r in got if r.error]
    assert len(errors) <= 1 and counts.errors == len(errors)
    if errors:
        assert errors[0].error[0] == "truncated-warc" and errors[0] is got[-1]
        assert errors[0].data == b""


def test_truncation_inside_a_warc_header_is_reported(warc):
    data, expected = warc
    second = data.index(b"WARC/1", data.index(b"WARC-Type: response"))  # the record after a page
    records, _ = iter_warc(data[: second + 40])
    got = list(records)
    assert got[0].url == expected[0]["url"] and got[0].error is None
    assert got[-1].error[0] == "truncated-warc"


def test_a_corrupt_stretch_is_an_error_and_reading_resumes(warc):
    data, expected = warc
    # A record whose Content-Length is wrong: the parser lands in the middle of the next one.
    third = data.index(b"WARC-Type: response")
    third = data.index(b"WARC-Type: response", third + 1)
    length_at = data.index(b"Content-Length: ", third) + len(b"Content-Length: ")
    broken = data[:length_at] + b"1" + data[length_at:]  # 10x the length, or more
    records, counts = iter_warc(broken)
    got = list(records)
    assert any(r.error and r.error[0] in ("corrupt-warc", "truncated-warc") for r in got)
    urls = [r.url for r in got if r.error is None]
    assert urls[0] == expected[0]["url"]
    # the pages after the broken stretch come through again
    assert urls[-1] == expected[-1]["url"] or got[-1].error[0] == "truncated-warc"
    assert len({r.record for r in got}) == len(got)  # record numbers stay unique


def one_response(body: bytes, headers: list[tuple[str, str]]) -> bytes:
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=False)
    http = StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record("https://taz.de/x", "response", payload=io.BytesIO(body),
                                                  http_headers=http))
    return out.getvalue()


def test_content_encodings_are_undone_with_a_cap():
    import brotli

    _, html = page(HTML / "taz.de.siemens.html.gz")
    html_type = ("Content-Type", "text/html; charset=ISO-8859-1")
    deflated = zlib.compressobj(9, zlib.DEFLATED, -15)
    for body, coding in [(brotli.compress(html), "br"), (zlib.compress(html), "deflate"),
                         (deflated.compress(html) + deflated.flush(), "deflate"),
                         (zstandard.ZstdCompressor().compress(html), "zstd"),
                         (gzip.compress(gzip.compress(html)), "gzip, gzip"),
                         (html, "gzip")]:  # decoded by the crawler, header kept: kept as it is
        (record,) = iter_warc(one_response(body, [html_type, ("Content-Encoding", coding)]))[0]
        assert record.error is None and record.data == html, coding
        assert record.charset == "iso-8859-1"
    bomb = gzip.compress(bytes(64 << 20))  # 64 MB of zeros in a 64 KB response
    records, counts = iter_warc(one_response(b"<html>" + bomb, [html_type]) +
                                one_response(bomb, [html_type, ("Content-Encoding", "gzip")]) +
                                one_response(html, [html_type]), max_page_bytes=8 << 20)
    got = list(records)
    assert [r.error[0] if r.error else None for r in got] == [None, "too-large", None]
    assert got[2].data == html and counts.errors == 1
    (broken,) = iter_warc(one_response(gzip.compress(png(), mtime=0), [("Content-Type", "text/html"),
                                                               ("Content-Encoding", "br")]))[0]
    assert broken.error[0] == "corrupt-encoding"


def test_a_body_that_is_not_brotli_is_never_taken_for_an_empty_one():
    """Found by a flaky run: 3% of gzip streams (by their mtime byte) read as the start of a
    brotli stream that never ends; the decoder gave b"" and the record was skipped as empty,
    not rejected. Every seventh mtime from 0 to 3,000 s now gives corrupt-encoding."""
    for mtime in range(0, 3000, 7):
        body = gzip.compress(png(), mtime=mtime)
        (record,) = iter_warc(one_response(body, [("Content-Type", "text/html"),
                                                  ("Content-Encoding", "br")]))[0]
        assert record.error[0] == "corrupt-encoding", mtime
    html = b"<html><body><p>decoded by the crawler, header kept</p></body></html>"
    (record,) = iter_warc(one_response(html, [("Content-Type", "text/html"),
                                              ("Content-Encoding", "br")]))[0]
    assert record.error is None and record.data == html


def test_empty_and_non_warc_bytes_do_not_raise():
    assert list(iter_warc(b"")[0]) == []
    got = list(iter_warc(b"this is not a warc\n" * 10)[0])
    assert len(got) == 1 and got[0].error is not None


def test_sniffing_html():
    for path in PAGES:
        assert sniff_html(page(path)[1]), path.name
    assert not sniff_html(png())
    assert not sniff_html(SEEDS.joinpath(sorted(p.name for p in SEEDS.glob("*.txt"))[0]).read_bytes())
    assert not sniff_html(b"body { margin: 0 }")


# --- JSONL ----------------------------------------------------------------------------------------

def scrapy_export() -> tuple[bytes, list[str]]:
    """A Scrapy-like export: html items for 4 real pages, text items for the 5 seeds, one broken
    line in the middle, one item without a content field, a blank line."""
    lines, urls = [], []
    for i, path in enumerate(PAGES[:4]):
        name, html = page(path)
        lines.append(json.dumps({"url": URLS[name], "title": name, "html": html.decode("utf-8", "replace"),
                                 "date": f"2023-10-{i + 10}T09:30:00+02:00"}))
        urls.append(URLS[name])
    lines.append('{"url": "https://example.org/broken", "title": "cut off", "html": "<html><bod')
    for seed in sorted(SEEDS.glob("*.txt")):
        text = seed.read_text(encoding="utf-8")
        lines.append(json.dumps({"link": f"https://news.example/{seed.stem}", "headline": text.splitlines()[0],
                                 "text": text, "published": "Thu, 15 Feb 2018 10:00:00 GMT"}))
        urls.append(f"https://news.example/{seed.stem}")
        if seed.name.startswith("001"):
            lines.append(json.dumps({"url": "https://news.example/gallery", "title": "Photo gallery",
                                     "images": ["a.jpg", "b.jpg"]}))
            lines.append("")
    return ("\n".join(lines) + "\n").encode("utf-8"), urls


def test_jsonl_export_with_a_bad_line_and_a_line_without_content():
    data, urls = scrapy_export()
    got = list(iter_jsonl(data))
    good = [r for r in got if r.error is None]
    bad = {r.record: r for r in got if r.error}
    assert [r.url for r in good] == urls
    assert [r.record for r in good] == [1, 2, 3, 4, 6, 7, 10, 11, 12]  # line numbers, 1-based
    assert [r.format for r in good] == ["html"] * 4 + ["text"] * 5
    assert set(bad) == {5, 8}
    assert bad[5].error[0] == "bad-json" and bad[5].error[1].startswith("line 5:")
    assert bad[8].error[0] == "no-content" and bad[8].url == "https://news.example/gallery"
    assert all(r.data == b"" for r in bad.values())
    assert good[0].data == page(PAGES[0])[1]
    assert good[0].published == "2023-10-10" and good[4].published == "2018-02-15"
    assert good[4].title.startswith(good[4].data.decode("utf-8").splitlines()[0][:20])
    assert good[4].data == sorted(SEEDS.glob("*.txt"))[0].read_bytes()


def test_jsonl_field_map_for_news_please():
    data = (FORMATS / "newsplease.jsonl").read_bytes()
    assert all(r.error[0] == "no-content" for r in iter_jsonl(data))  # maintext is not a default
    got = list(iter_jsonl(data, {"text": ["maintext"], "published": ["date_publish"],
                                 "site": ["source_domain"]}))
    assert [(r.record, r.format, r.published, r.site) for r in got] == [
        (1, "text", "2018-02-14", "www.example-news.com"), (2, "text", "2018-02-15", "www.example-news.com")]
    assert got[1].title.startswith("US Releases Videos")
    assert b"first published on February 15, 2018" in got[1].data


def test_jsonl_odd_lines_never_raise():
    lines = [b"[1, 2]", b"\xff\xfe not utf-8", b"[" * 100_000, b'{"text": ["para one", "para two"]}',
             b'{"text": "   "}', b"\r", b'{"html": 42, "text": "fallback"}']
    got = list(iter_jsonl(b"\xef\xbb\xbf" + b"\n".join(lines)))
    assert [r.record for r in got] == [1, 2, 3, 4, 5, 7]
    assert [r.error[0] if r.error else None for r in got] == [
        "bad-json", "bad-json", "bad-json", None, "no-content", None]
    assert got[3].data == b"para one\npara two" and got[5].data == b"fallback"


def test_jsonl_unknown_field_map_key_is_a_caller_error():
    with pytest.raises(ValueError, match="maintext"):
        iter_jsonl(b"{}", {"maintext": ["text"]})


@pytest.mark.parametrize("value, expected", [
    ("2018-02-15", "2018-02-15"), ("2018-02-15T23:30:00-05:00", "2018-02-15"),
    ("2018/2/5", "2018-02-05"), ("20180215", "2018-02-15"),
    ("Thu, 15 Feb 2018 10:00:00 GMT", "2018-02-15"), ("February 15, 2018", "2018-02-15"),
    ("15 Feb 2018", "2018-02-15"), (1518688800, "2018-02-15"), (1518688800000, "2018-02-15"),
    ("2018-02-30", None), ("yesterday", None), (None, None), (True, None), ("", None),
])
def test_parse_date(value, expected):
    assert parse_date(value) == expected


# --- compression ----------------------------------------------------------------------------------

def test_decompress_by_content():
    seed = sorted(SEEDS.glob("*.txt"))[3].read_bytes()
    packed = {"gzip": gzip.compress(seed), "bzip2": bz2.compress(seed), "xz": lzma.compress(seed),
              "zstd": zstandard.ZstdCompressor().compress(seed)}
    for kind, data in packed.items():
        assert decompress(data, 1 << 20) == (seed, kind)
    assert decompress(seed, 1 << 20) == (seed, None)
    # multi-member / multi-frame / multi-stream: all of it
    assert decompress(gzip.compress(seed) + gzip.compress(seed), 1 << 20) == (seed * 2, "gzip")
    assert decompress(packed["zstd"] * 3, 1 << 20) == (seed * 3, "zstd")
    assert decompress(bz2.compress(seed) + bz2.compress(seed), 1 << 20) == (seed * 2, "bzip2")
    with pytest.raises(ReadError) as exc:
        decompress(packed["gzip"], len(seed) - 1)
    assert exc.value.reason == "too-large"


@pytest.mark.parametrize("kind", ["gzip", "bzip2", "xz", "zstd"])
def test_broken_streams_are_corrupt_compression(kind):
    seed = sorted(SEEDS.glob("*.txt"))[3].read_bytes() * 20
    data = {"gzip": gzip.compress, "bzip2": bz2.compress, "xz": lzma.compress,
            "zstd": zstandard.ZstdCompressor(write_checksum=True).compress}[kind](seed)
    for broken in (data[: len(data) // 2], data[:12] + b"\x00" * 40 + data[52:]):
        with pytest.raises(ReadError) as exc:
            decompress(broken, 1 << 24)
        assert exc.value.reason == "corrupt-compression", broken[:8]


def test_zstd_framing_check():
    frame = zstandard.ZstdCompressor().compress(b"x" * 300_000 + bytes(range(256)) * 100)
    assert zstd_problem(frame) is None and zstd_problem(frame * 2) is None
    assert "cut short" in zstd_problem(frame[:-2])
    assert "no zstd frame" in zstd_problem(frame + b"trailing junk")


def test_zstd_bomb_stops_at_the_limit_with_little_memory():
    compressor = zstandard.ZstdCompressor(level=1).compressobj()
    zeros = bytes(1 << 20)
    bomb = b"".join(compressor.compress(zeros) for _ in range(512)) + compressor.flush()  # 512 MB
    assert len(bomb) < 100_000
    limit = 8 << 20
    tracemalloc.start()
    try:
        with pytest.raises(ReadError) as exc:
            decompress(bomb, limit)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert exc.value.reason == "too-large"
    assert peak < limit + (4 << 20)


# --- sidecars and names ---------------------------------------------------------------------------

def test_sidecar_beside_a_page(tmp_path):
    html = tmp_path / "nature.com.telescope.html.gz"
    html.write_bytes((HTML / "nature.com.telescope.html.gz").read_bytes())
    (tmp_path / "nature.com.telescope.json").write_bytes((FORMATS / "nature.com.telescope.json").read_bytes())
    assert read_sidecar(tmp_path, html.name) == {
        "url": "https://www.nature.com/articles/d41586-019-02790-3",
        "fetched": "2019-09-20T08:14:03Z", "site": "nature.com",
        "title": "Gigantic Chinese telescope opens to astronomers worldwide",
        "published": "2019-09-17"}


def test_sidecar_absent_bad_or_partial(tmp_path):
    text = tmp_path / "000.txt"
    text.write_bytes(sorted(SEEDS.glob("*.txt"))[0].read_bytes())
    assert read_sidecar(tmp_path, text.name) is None
    (tmp_path / "000.json").write_text('{"url": "https://x.example/a", "fetched": ')
    assert read_sidecar(tmp_path, text.name) is None
    (tmp_path / "000.json").write_text('["not", "a", "dict"]')
    assert read_sidecar(tmp_path, text.name) is None
    (tmp_path / "000.json").write_text('{"link": "https://x.example/a", "fetch_time": 1518688800, "date": "nonsense"}')
    assert read_sidecar(tmp_path, text.name) == {"url": "https://x.example/a", "fetched": "2018-02-15T10:00:00Z",
                                  "site": None, "title": None, "published": None}
    assert read_sidecar(tmp_path, "000.json") is None  # a sidecar has no sidecar


def test_multi_record_names():
    assert multi_record_format("crawl/CC-MAIN-0001.warc.gz") == "warc"
    assert multi_record_format("export.JSONL") == "jsonl"
    assert multi_record_format("items.ndjson.zst") == "jsonl"
    assert multi_record_format("page.html.gz") is None


def test_record_is_frozen():
    record = Record(1, b"x", "text")
    with pytest.raises(AttributeError):
        record.url = "https://example.org"  # type: ignore[misc]


def test_a_responses_http_charset_reaches_decoding():
    """A WARC response's Content-Type charset is decoding's evidence, before the page's own
    meta charset (as in browsers): taz.de's page, which declares utf-8, served as windows-1252."""
    from cleaners.formats import RawInput
    from cleaners.pipeline import Pages, clean

    utf8 = gzip.decompress((HTML / "taz.de.siemens.html.gz").read_bytes())
    assert b'charset=utf-8"' in utf8
    body = utf8.decode("utf-8").encode("cp1252", errors="ignore")
    results = {}
    for label, ctype in (("header", "text/html; charset=windows-1252"), ("none", "text/html")):
        data = one_response(body, [("Content-Type", ctype)])
        [page] = Pages(RawInput("crawl.warc", data, "0" * 64, "warc", None, len(data), 0))
        assert page.meta["charset"] == ("windows-1252" if label == "header" else None)
        results[label] = clean(page)
    encoding = results["header"].encoding
    assert (encoding["detected"], encoding["method"], encoding["declared"]) == (
        "cp1252", "declared", "cp1252")
    assert results["none"].encoding["declared"] == "utf-8"  # the page's meta, which is wrong
    assert "Geschäft" in results["header"].text and "\ufffd" not in results["header"].text
