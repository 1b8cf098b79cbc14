"""Archives read record by record and in parts (issue 16): WARC, WET and JSONL files of real pages
streamed, split into parts that give exactly what the whole file gives, a bomb record and a
truncated last record inside an archive, an archive that grows, and an archive split across the
workers of a real run."""

from __future__ import annotations

import bz2
import gzip
import io
import sqlite3
import tracemalloc
from pathlib import Path

import pytest
import zstandard
from test_formats import PAGES, build_warc, page, scrapy_export
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from cleaners.document import Document, Rejection
from cleaners.formats import GzipMembers, RawInput
from cleaners.pipeline import Pages
from conftest import CASES, SEEDS, read_jsonl
from running.inputs import Found, index_archive, open_part
from running.settings import Settings
from running.work import clean_file

LIMIT = 64 << 20


def write(raw: Path, name: str, data: bytes) -> Found:
    raw.mkdir(exist_ok=True)
    (raw / name).write_bytes(data)
    return Found(name, size=len(data))


def records_of(raw: Path, found: Found) -> list[tuple]:
    """What the record readers give for one part (or, with no part, the whole file)."""
    part = found.part or index_archive(raw, found, 0, LIMIT)[0].part
    source = RawInput(found.path, b"", part.sha256, "warc" if ".warc" in found.path else "jsonl",
                      part.compression, part.size, part.mtime_ns)
    with open_part(raw, found.path, part) as stream:
        pages = Pages(source, stream=stream, first=part.at.record, count=part.count,
                      offset=part.at.offset)
        return [(p.id, p.source.record, p.reason if isinstance(p, Rejection) else p.data,
                 getattr(p, "meta", None)) for p in pages]


def zst(data: bytes) -> bytes:
    return zstandard.ZstdCompressor().compress(data)


ARCHIVES = {  # name -> the bytes, written as the tools write them
    "crawl.warc.gz": lambda: build_warc(gzipped=True)[0],         # one gzip member per record
    "crawl.warc": lambda: build_warc()[0],                         # record offsets
    "crawl.warc.zst": lambda: zst(build_warc()[0]),                # no members: a streamed split
    "export.jsonl": lambda: scrapy_export()[0],                    # line offsets
    "export.jsonl.gz": lambda: gzip.compress(scrapy_export()[0]),  # one member: streamed split
    "export.jsonl.bz2": lambda: bz2.compress(scrapy_export()[0]),
}


@pytest.mark.parametrize("name", sorted(ARCHIVES))
def test_parts_read_exactly_what_the_whole_file_holds(tmp_path, name):
    raw = tmp_path / "raw"
    found = write(raw, name, ARCHIVES[name]())
    parts = index_archive(raw, found, 3, LIMIT)
    assert len(parts) >= 3
    assert [p.part.at.record for p in parts[1:]] == [p.part.after.record for p in parts[:-1]]
    assert parts[-1].part.last and not any(p.part.last for p in parts[:-1])
    whole = records_of(raw, found)
    assert len(whole) >= len(PAGES)
    assert [r for p in parts for r in records_of(raw, p)] == whole


def test_an_archive_in_parts_cleans_as_one_piece(tmp_path):
    raw = tmp_path / "raw"
    found = write(raw, "crawl.warc.gz", ARCHIVES["crawl.warc.gz"]())
    outcomes = [clean_file(str(raw), part, Settings()) for part in index_archive(raw, found, 4, LIMIT)]
    whole = clean_file(str(raw), found, Settings())
    assert len(outcomes) > 3
    assert [r.to_record() for o in outcomes for r in o.results] == [r.to_record() for r in whole.results]
    assert sum(isinstance(r, Document) for r in whole.results) == len(PAGES)
    assert [o.container for o in outcomes] == [False] * (len(outcomes) - 1) + [True]


def record(writer: WARCWriter, kind: str, url: str, body: bytes, content_type: str, **more) -> None:
    http = None
    if kind == "response":
        http = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record(
        url, kind, payload=io.BytesIO(body), http_headers=http,
        warc_content_type=None if http else content_type, **more))


def test_a_bomb_record_is_rejected_with_its_offset_and_the_rest_goes_on(tmp_path):
    """A 256 MB record of zeros in a 256 KB gzip member, between two real pages, with a 16 MB
    record limit: rejected as too-large by its record number and byte, read through in 1 MB
    chunks (memory stays far below the record), and the page after it is cleaned."""
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)
    (first, html1), (second, html2) = page(PAGES[0]), page(PAGES[1])
    record(writer, "response", f"https://a.example/{first}", html1, "text/html")
    record(writer, "resource", "https://a.example/bomb.html", bytes(256 << 20), "text/html")
    record(writer, "resource", "https://a.example/movie.mp4", bytes(64 << 20), "video/mp4")
    record(writer, "response", f"https://a.example/{second}", html2, "text/html")
    raw = tmp_path / "raw"
    found = write(raw, "bomb.warc.gz", out.getvalue())
    assert found.size < 1 << 20
    tracemalloc.start()
    outcome = clean_file(str(raw), found, Settings(max_decompressed_mb=16))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    kinds = [(type(r).__name__, r.source.record, getattr(r, "reason", None)) for r in outcome.results]
    assert kinds == [("Document", 0, None), ("Rejection", 1, "too-large"), ("Document", 3, None)]
    bomb = outcome.results[1]
    assert "record 1 at byte " in bomb.detail and "268435456-byte record" in bomb.detail
    assert outcome.skipped == {"resource:video/mp4": 1}
    assert peak < 48 << 20, peak


def test_a_bomb_line_in_a_jsonl_export(tmp_path):
    lines = scrapy_export()[0].split(b"\n")
    lines.insert(2, b'{"url": "https://a.example/big", "text": "' + b"a" * (20 << 20) + b'"}')
    raw = tmp_path / "raw"
    found = write(raw, "export.jsonl.gz", gzip.compress(b"\n".join(lines), 1))
    outcome = clean_file(str(raw), found, Settings(max_decompressed_mb=8))
    (big,) = [r for r in outcome.results if r.source.record == 3]
    assert big.reason == "too-large" and big.detail.startswith("line 3: 20971")
    assert sum(isinstance(r, Document) for r in outcome.results) == 9
    (whole,) = index_archive(raw, found, 0, 8 << 20)
    source = RawInput(found.path, b"", "", "jsonl", "gzip", 0, 0)
    tracemalloc.start()
    with open_part(raw, found.path, whole.part) as stream:
        for _ in Pages(source, stream=stream, limit=8 << 20):
            pass
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 20 << 20, peak  # the line's first 8 MB, and once more while it is read


def test_a_broken_compressed_stream_is_a_rejection_by_the_line_it_broke_in(tmp_path):
    export = gzip.compress(scrapy_export()[0])
    raw = tmp_path / "raw"
    found = write(raw, "export.jsonl.gz", export[:len(export) // 2] + b"not gzip at all")
    outcome = clean_file(str(raw), found, Settings())
    *good, broken = outcome.results
    assert broken.reason == "corrupt-compression" and len(good) >= 1
    assert len({r.source.record for r in outcome.results}) == len(outcome.results)


def cut_warc(tmp_path) -> tuple[Path, bytes, int]:
    """A .warc.gz cut inside its last page's gzip member (a crawl still writing)."""
    data = build_warc(gzipped=True)[0]
    members = GzipMembers(io.BytesIO(data))
    io.BufferedReader(members).read()
    return tmp_path / "raw", data, members.members[-1][0] + 300  # the last page's response


def test_a_truncated_last_record_then_the_archive_grows(tmp_path):
    from running.runs import run_ingest

    raw, data, cut = cut_warc(tmp_path)
    found = write(raw, "crawl.warc.gz", data[:cut])
    outcome = clean_file(str(raw), found, Settings())
    last = outcome.results[-1]
    assert last.reason == "truncated-warc" and "the file ends inside it" in last.detail
    assert sum(isinstance(r, Document) for r in outcome.results) == len(PAGES) - 1
    parts = index_archive(raw, found, 5, LIMIT)
    assert parts[-1].part.after.record == last.source.record  # read again once it is whole

    settings = Settings(raw=str(raw), clean=str(tmp_path / "clean"), workers=2, batch_size=4)
    first = run_ingest(settings)
    assert first["rejected_by_reason"] == {"truncated-warc": 1}
    (raw / "crawl.warc.gz").write_bytes(data)  # the crawl wrote the rest
    second = run_ingest(settings)
    # only the record that was cut, and the file's end, are read again
    assert (second["documents"], second["rejected"], second["superseded"]) == (1, 0, 1)
    whole = Settings(raw=str(raw), clean=str(tmp_path / "whole"), workers=2, batch_size=4)
    run_ingest(whole)
    assert current(tmp_path / "clean") == current(tmp_path / "whole")


def test_a_cut_record_that_turns_out_no_page_is_gone(tmp_path):
    """Cut inside a request record: rejected as truncated-warc; once the crawl has written it,
    it is a request (skipped), and its rejection is counted among the records gone."""
    from running.runs import run_ingest

    data = build_warc(gzipped=True)[0]
    members = GzipMembers(io.BytesIO(data))
    io.BufferedReader(members).read()
    raw = tmp_path / "raw"
    write(raw, "crawl.warc.gz", data[:members.members[-2][0] + 200])  # the last request, cut
    settings = Settings(raw=str(raw), clean=str(tmp_path / "clean"), workers=1, batch_size=4)
    assert run_ingest(settings)["rejected_by_reason"] == {"truncated-warc": 1}
    (raw / "crawl.warc.gz").write_bytes(data)
    second = run_ingest(settings)
    assert (second["documents"], second["rejected"]) == (1, 0)
    assert second["skipped_records"] == {"request": 1}
    with sqlite3.connect(tmp_path / "clean" / "state.sqlite") as db:
        gone = db.execute("SELECT outcome FROM inputs WHERE missing_since IS NOT NULL").fetchall()
    assert gone == [("rejected",)]


def current(clean: Path) -> dict:
    """id -> (kind, text or reason) over the outputs: what a clean folder holds now."""
    return {r["id"]: (kind, r.get("text") or r.get("reason") or r.get("duplicate_of"))
            for kind in ("documents", "duplicates", "rejected") for r in read_jsonl(clean / kind)}


def wet(pages: list[tuple[str, str]]) -> bytes:
    """A WET file as Common Crawl writes it: a warcinfo, then one conversion record per page."""
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)
    writer.write_record(writer.create_warcinfo_record("crawl.warc.wet.gz", {"software": "cc"}))
    for i, (url, text) in enumerate(pages):
        record(writer, "conversion", url, text.encode("utf-8"), "text/plain",
               warc_headers_dict={"WARC-Date": f"2024-05-{i + 1:02d}T08:00:00Z",
                                  "WARC-Refers-To": f"<urn:uuid:{i:08d}-0000-0000-0000-000000000000>"})
    return out.getvalue()


def test_wet_conversion_records_are_cleaned_as_text(tmp_path):
    texts = [(f"https://news.example/{p.stem}", p.read_text(encoding="utf-8"))
             for p in sorted(SEEDS.glob("*.txt"))]
    texts += [(f"https://blog.example/{p.stem}", p.read_text(encoding="utf-8"))
              for p in sorted((CASES / "text").glob("*.txt"))[:3]]
    raw = tmp_path / "raw"
    found = write(raw, "CC-MAIN-0001.warc.wet.gz", wet(texts))
    outcome = clean_file(str(raw), found, Settings())
    assert outcome.skipped == {"warcinfo": 1}
    docs = [r for r in outcome.results if isinstance(r, Document)]
    assert len(outcome.results) == len(texts) and len(docs) >= len(texts) - 1
    for doc in docs:
        url, text = texts[doc.source.record - 1]
        assert doc.url == url and doc.site == url.split("/")[2]
        assert doc.fetched == f"2024-05-{doc.source.record:02d}T08:00:00Z"
        assert doc.encoding["detected"] == "utf-8"
        assert doc.text.split("\n")[0] in text  # the text pass, not trafilatura


def test_an_archive_is_shared_by_the_workers_of_a_dask_cluster(dask_cluster, tmp_path):
    from distributed import Client, get_task_stream

    from running.runs import run_ingest

    raw = tmp_path / "raw"
    write(raw, "crawl.warc.gz", ARCHIVES["crawl.warc.gz"]())
    write(raw, "export.jsonl.gz", ARCHIVES["export.jsonl.gz"]())
    with Client(dask_cluster.scheduler_address) as client, get_task_stream(client) as tasks:
        report = run_ingest(Settings(raw=str(raw), clean=str(tmp_path / "dask"), batch_size=3,
                                     dask=dask_cluster.scheduler_address))
    assert report["batches"] >= 6
    workers = {t["worker"] for t in tasks.data if t["key"].startswith("dask_batch")}
    assert len(workers) == 2  # the two files' records went to both workers
    run_ingest(Settings(raw=str(raw), clean=str(tmp_path / "local"), batch_size=100, workers=1))
    assert current(tmp_path / "dask") == current(tmp_path / "local")  # as if read in one piece


def article_warc(n: int) -> bytes:
    """A .warc.gz of `n` distinct article pages (from the seeds' real paragraphs), one gzip member
    per record, as crawlers write them."""
    from test_crash import articles

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)
    for i, paragraphs in enumerate(articles(n)):
        body = "".join(f"<p>{p}</p>" for p in paragraphs)
        html = f"<html><head><title>Dispatch {i}</title></head><body><article>{body}</article></body></html>"
        record(writer, "response", f"https://wire.example/{i}", html.encode(), "text/html; charset=utf-8")
    return out.getvalue()


N_RECORDS = 1200


def test_sigkill_inside_an_archive_then_resume(prefect_harness, tmp_path):
    """A run killed half-way through an archive goes on after its last committed record: the
    re-run cleans only the records not yet committed, and the result is exactly that of an
    uninterrupted run."""
    from test_crash import kill_a_run

    from running.runs import run_ingest

    raw = tmp_path / "raw"
    write(raw, "crawl.warc.gz", article_warc(N_RECORDS))
    run_ingest(Settings(raw=str(raw), clean=str(tmp_path / "reference"), batch_size=16, workers=2))
    reference = current(tmp_path / "reference")
    assert len(reference) == N_RECORDS

    clean = tmp_path / "clean"
    done_before = kill_a_run(raw, clean)
    assert 300 <= done_before < N_RECORDS

    report = run_ingest(Settings(raw=str(raw), clean=str(clean), batch_size=16, workers=2))
    cleaned = report["documents"] + report["duplicates"] + report["rejected"]
    assert (cleaned, report["unchanged"]) == (N_RECORDS - done_before, 0)  # none cleaned twice
    assert current(clean) == reference
    assert not list(clean.rglob("*.tmp"))


def test_a_revisit_is_a_duplicate_of_the_response_it_repeats(tmp_path):
    from running.runs import run_ingest

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)
    name, html = page(PAGES[0])
    url = f"https://a.example/{name}"
    record(writer, "response", url, html, "text/html")
    for target, original in ((url, url), ("https://a.example/again", url),
                             ("https://b.example/never-fetched", "https://b.example/never-fetched")):
        writer.write_record(writer.create_revisit_record(
            target, "sha1:AAAA", original, "2024-01-01T00:00:00Z"))
    raw = tmp_path / "raw"
    write(raw, "crawl.warc.gz", out.getvalue())
    report = run_ingest(Settings(raw=str(raw), clean=str(tmp_path / "clean"), workers=1))
    (doc,) = read_jsonl(tmp_path / "clean" / "documents")
    dups = read_jsonl(tmp_path / "clean" / "duplicates")
    assert [(d["source"]["record"], d["duplicate_of"], d["kind"]) for d in dups] == [
        (1, doc["id"], "revisit"), (2, doc["id"], "revisit")]
    (unknown,) = read_jsonl(tmp_path / "clean" / "rejected")
    assert unknown["reason"] == "revisit" and "https://b.example/never-fetched" in unknown["detail"]
    assert report["duplicates_by_kind"]["revisit"] == 2
