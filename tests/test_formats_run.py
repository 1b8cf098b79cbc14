"""JSONL exports, WARC archives, zstd and sidecars through the real ingest flow: every record
its own input, document and accounting; the target URL and fetch date carried in."""

from __future__ import annotations

import gzip
import shutil

import jsonschema
import zstandard
from test_flow import SCHEMA
from test_formats import FORMATS, URLS, build_warc, scrapy_export

from cleaners.document import document_id
from conftest import HTML, clean_one, read_jsonl, seed_path
from running.settings import Settings


def test_formats_end_to_end(prefect_harness, tmp_path):
    from flows.ingest import ingest

    raw = tmp_path / "raw"
    raw.mkdir()
    warc, pages = build_warc(gzipped=True)
    (raw / "crawl.warc.gz").write_bytes(warc)
    export, urls = scrapy_export()
    (raw / "export.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(export))
    (raw / "site").mkdir()
    shutil.copy(HTML / "nature.com.telescope.html.gz", raw / "site" / "nature.com.telescope.html.gz")
    shutil.copy(FORMATS / "nature.com.telescope.json", raw / "site" / "nature.com.telescope.json")
    (raw / "seed.txt.xz").write_bytes(__import__("lzma").compress(seed_path("003").read_bytes()))

    report = ingest(Settings(raw=str(raw), clean=str(tmp_path / "clean"), batch_size=4, workers=2))
    docs = read_jsonl(tmp_path / "clean" / "documents")
    dups = read_jsonl(tmp_path / "clean" / "duplicates")
    rejected = read_jsonl(tmp_path / "clean" / "rejected")
    for doc in docs:
        jsonschema.validate(doc, SCHEMA)

    # the WARC: exactly its HTML pages, each with its target URL and fetch date
    from_warc = [r for r in docs + dups if r["source"]["path"] == "crawl.warc.gz"]
    assert len(from_warc) == len(pages)
    warc_docs = {d["url"]: d for d in docs if d["source"]["path"] == "crawl.warc.gz"}
    for expected in pages:
        if expected["url"] in warc_docs:
            doc = warc_docs[expected["url"]]
            assert doc["fetched"].startswith(expected["fetched"][:10])
            assert doc["source"]["format"] == "warc" and doc["source"]["compression"] == "gzip"
            assert doc["id"] == document_id("crawl.warc.gz", doc["source"]["record"])
    assert report["skipped_records"]["request"] >= len(pages)
    assert any(k.startswith("response:image") for k in report["skipped_records"])

    # the JSONL export: one input per line, the bad ones rejected by line, the rest documents
    from_jsonl = [r for r in docs + dups + rejected if r["source"]["path"] == "export.jsonl.zst"]
    lines = sorted(r["source"]["record"] for r in from_jsonl)
    assert len(lines) == len(set(lines)) == len(urls) + 2  # + the broken line + the one without content
    bad = {r["reason"] for r in rejected if r["source"]["path"] == "export.jsonl.zst"}
    assert bad == {"bad-json", "no-content"}
    seed_doc = next(d for d in docs if d["url"] == f"https://news.example/{seed_path('004').stem}")
    assert seed_doc["published"] == "2018-02-15" and seed_doc["site"] == "news.example"
    assert seed_doc["source"]["compression"] == "zstd"

    # the sidecar: read with its page, not an input of its own
    (dup,) = [d for d in dups if d["source"]["path"] == "site/nature.com.telescope.html.gz"]
    assert dup["duplicate_of"] == warc_docs[URLS["nature.com.telescope"]]["id"]  # the WARC has it too
    page = clean_one(raw, "site/nature.com.telescope.html.gz")
    assert page.url == "https://www.nature.com/articles/d41586-019-02790-3"
    assert page.fetched == "2019-09-20T08:14:03Z" and page.site == "nature.com"
    assert all(not r["source"]["path"].endswith(".json") for r in docs + dups + rejected)

    # the xz text: one document
    assert any(d["source"]["path"] == "seed.txt.xz" for d in docs + dups)

    # a re-run skips every file whole, records included
    again = ingest(Settings(raw=str(raw), clean=str(tmp_path / "clean"), batch_size=4, workers=2))
    assert (again["documents"], again["duplicates"], again["rejected"]) == (0, 0, 0)
    assert again["unchanged"] == 4  # the WARC, the export, the page, the xz text


def test_gzip_jsonl_by_name_and_content(tmp_path):
    from conftest import ingest_plain

    raw = tmp_path / "raw"
    raw.mkdir()
    export, urls = scrapy_export()
    (raw / "export.ndjson.gz").write_bytes(gzip.compress(export))
    ingest_plain(raw, tmp_path / "clean", "r1")
    records = read_jsonl(tmp_path / "clean" / "documents") + read_jsonl(tmp_path / "clean" / "duplicates")
    assert len(records) == len(urls)
