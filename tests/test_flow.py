"""The real `ingest` flow end to end, under a Prefect test harness, on the seeds, re-encoded and
compressed copies of them, real dev-set HTML pages and files a scraper gets wrong."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from cleaners.document import document_id
from conftest import HTML, ROOT, SEEDS, clean_one, read_jsonl, seed_path, seed_text
from running.settings import Settings

SCHEMA = json.loads((ROOT / "schema" / "document.schema.json").read_text())
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200)


def build_raw(raw: Path) -> set[str]:
    """A raw folder of real content; returns the paths that must each end in exactly one output."""
    raw.mkdir(parents=True)
    for f in SEEDS.glob("*.txt"):
        shutil.copy(f, raw / f.name)
    copies = raw / "copies"
    copies.mkdir()
    text = seed_text("002")
    (copies / "002-mojibake.txt").write_text(
        text.encode("utf-8").decode("sloppy-windows-1252"), encoding="utf-8")
    (copies / "002-cp1252.txt").write_bytes(text.encode("cp1252", errors="strict"))
    (copies / "001.txt.gz").write_bytes(gzip.compress(seed_path("001").read_bytes()))
    pages = raw / "pages"
    pages.mkdir()
    for case_id in ("nature.com.telescope", "swr.de-volleyball", "kyffhaeuser-nachrichten.de-Regen"):
        shutil.copy(HTML / f"{case_id}.html.gz", pages / f"{case_id}.html.gz")
    junk = raw / "junk"
    junk.mkdir()
    (junk / "photo.txt").write_bytes(PNG)
    (junk / "empty.txt").write_bytes(b"")
    (junk / "report.pdf").write_bytes(b"%PDF-1.4 ...")
    (raw / ".partial.txt").write_text("a scraper's temp file")
    return {p.relative_to(raw).as_posix() for p in raw.rglob("*")
            if p.is_file() and not p.name.startswith(".")}


def outputs(clean: Path) -> dict[str, list[dict]]:
    return {kind: read_jsonl(clean / kind) for kind in ("documents", "duplicates", "rejected")}


@pytest.fixture(scope="module")
def first_run(prefect_harness, tmp_path_factory):
    from flows.ingest import ingest

    base = tmp_path_factory.mktemp("flow")
    expected = build_raw(base / "raw")
    report = ingest(Settings(raw=str(base / "raw"), clean=str(base / "clean"), batch_size=3, workers=2))
    return base, expected, report


def test_every_input_ends_in_exactly_one_place(first_run):
    base, expected, report = first_run
    out = outputs(base / "clean")
    paths = [r["source"]["path"] for kind in out.values() for r in kind]
    assert sorted(paths) == sorted(expected)
    assert report["files_seen"] == len(expected)
    assert (report["documents"], report["duplicates"], report["rejected"]) == (
        len(out["documents"]), len(out["duplicates"]), len(out["rejected"]))


def test_documents_match_the_schema(first_run):
    base, _, _ = first_run
    docs = outputs(base / "clean")["documents"]
    assert len(docs) == 8  # five seeds and three pages
    for doc in docs:
        jsonschema.validate(doc, SCHEMA)


def test_seeds(first_run):
    base, _, _ = first_run
    docs = {d["source"]["path"]: d for d in outputs(base / "clean")["documents"]}
    seeds = {p: d for p, d in docs.items() if "/" not in p}
    assert len(seeds) == 5  # 001 and 003 report the same strikes: two documents
    d002 = seeds[seed_path("002").name]
    assert d002["title"] == "US-led Coalition Shares Footage Of Recent Strikes On Iranian-Backed Forces In Syria"
    for gone in ("2,500 $", "Support SouthFront", "MORE ON THIS TOPIC", "Notify of", "JJ345",
                 "Would love your thoughts", "View all comments"):
        assert gone not in d002["text"]
    assert "On January 5, the US-led coalition released footage" in d002["text"]
    assert {r["reason"] for r in d002["removed"]} >= {"donation-widget", "comment-section"}
    d001 = seeds[seed_path("001").name]
    assert d001["title"] == "U.S. military airstrikes target militias backed by Iran in Syria, Iraq"
    assert "Back to top" not in d001["text"] and "JEFF OK" not in d001["text"]
    assert "the official said." in d001["text"]
    d004 = seeds[seed_path("004").name]
    assert d004["published"] == "2018-02-15"
    assert "first published" not in d004["text"]
    assert all(d["language"] == "en" for d in seeds.values())


def test_reencoded_and_compressed_copies_are_exact_duplicates(first_run):
    base, _, _ = first_run
    dups = {d["source"]["path"]: d for d in outputs(base / "clean")["duplicates"]}
    assert set(dups) == {"copies/002-mojibake.txt", "copies/002-cp1252.txt", "copies/001.txt.gz"}
    for path, original in (("copies/002-mojibake.txt", "002"), ("copies/002-cp1252.txt", "002"),
                           ("copies/001.txt.gz", "001")):
        assert dups[path]["kind"] == "exact" and dups[path]["similarity"] == 1.0
        assert dups[path]["duplicate_of"] == document_id(seed_path(original).name)


def test_copies_come_out_identical(first_run):
    base, _, _ = first_run
    raw = str(base / "raw")
    original = clean_one(raw, seed_path("002").name)
    for copy in ("copies/002-mojibake.txt", "copies/002-cp1252.txt"):
        doc = clean_one(raw, copy)
        assert (doc.text, doc.title) == (original.text, original.title)
    assert "encode:sloppy-windows-1252" in clean_one(raw, "copies/002-mojibake.txt").encoding["fixes"]
    assert clean_one(raw, "copies/002-cp1252.txt").encoding["detected"] == "cp1252"


def test_rejections_have_reasons(first_run):
    base, _, report = first_run
    rejected = {r["source"]["path"]: r for r in outputs(base / "clean")["rejected"]}
    assert rejected["junk/photo.txt"]["reason"] == "binary"
    assert "png" in rejected["junk/photo.txt"]["detail"]
    assert rejected["junk/empty.txt"]["reason"] == "empty"
    assert rejected["junk/report.pdf"]["reason"] == "unsupported-format"
    assert report["rejected_by_reason"] == {"binary": 1, "empty": 1, "unsupported-format": 1}


def test_html_pages(first_run):
    base, _, _ = first_run
    docs = {d["source"]["path"]: d for d in outputs(base / "clean")["documents"]}
    page = docs["pages/nature.com.telescope.html.gz"]
    assert page["title"] == "Gigantic Chinese telescope opens to astronomers worldwide"
    assert page["published"] == "2019-09-24" and page["language"] == "en"
    assert page["source"]["format"] == "html" and page["source"]["compression"] == "gzip"
    assert docs["pages/swr.de-volleyball.html.gz"]["language"] == "de"
    assert docs["pages/kyffhaeuser-nachrichten.de-Regen.html.gz"]["encoding"]["detected"] == "cp1252"


def test_report_and_outputs_on_disk(first_run):
    base, _, report = first_run
    (report_file,) = (base / "clean" / "reports").glob("*.json")
    on_disk = json.loads(report_file.read_text())
    assert on_disk["documents"] == 8 and on_disk["duplicates"] == 3 and on_disk["run"] == report["run"]
    assert not list((base / "clean").rglob("*.tmp"))


def test_second_run_adds_nothing_and_a_new_copy_is_found(first_run, tmp_path):
    from flows.ingest import ingest

    base, expected, _ = first_run
    clean = tmp_path / "clean"
    shutil.copytree(base / "clean", clean)
    again = ingest(Settings(raw=str(base / "raw"), clean=str(clean), batch_size=3, workers=2))
    assert (again["documents"], again["duplicates"], again["rejected"]) == (0, 0, 0)
    assert again["unchanged"] == len(expected)  # rejected ones too: same bytes, same verdict
    raw2 = tmp_path / "raw"
    shutil.copytree(base / "raw", raw2)
    (raw2 / "later").mkdir()
    shutil.copy(seed_path("000"), raw2 / "later" / "000-again.txt")
    later = ingest(Settings(raw=str(raw2), clean=str(clean), batch_size=3, workers=2))
    assert later["documents"] == 0 and later["duplicates"] == 1
    (dup,) = read_jsonl(clean / "duplicates")[-1:]
    assert dup["source"]["path"] == "later/000-again.txt"
    assert dup["duplicate_of"] == document_id(seed_path("000").name)


def test_result_does_not_depend_on_batching(first_run, tmp_path):
    from flows.ingest import ingest

    base, _, _ = first_run
    ingest(Settings(raw=str(base / "raw"), clean=str(tmp_path / "c"), batch_size=100, workers=1))
    one = outputs(tmp_path / "c")
    many = outputs(base / "clean")
    for kind in one:
        assert sorted(json.dumps(r, sort_keys=True) for r in one[kind]) == \
            sorted(json.dumps(r, sort_keys=True) for r in many[kind])


def test_cli(prefect_harness, seeds_raw, tmp_path, capsys):
    from flows.cli import main

    assert main(["run", "--raw", str(seeds_raw), "--clean", str(tmp_path / "clean")]) == 0
    out = capsys.readouterr().out
    assert "documents written 5" in out and "files seen        5" in out
    assert main(["run", "--raw", str(tmp_path / "missing"), "--clean", str(tmp_path / "c")]) == 2


def test_one_run_at_a_time_per_clean_folder(prefect_harness, seeds_raw, tmp_path, capsys):
    import os
    import time

    from flows.cli import main
    from flows.ingest import ingest
    from running.store import RunLocked, lock_clean_folder

    clean = tmp_path / "clean"
    held = lock_clean_folder(clean, 0)  # as a running run holds it
    try:
        start = time.monotonic()
        assert main(["run", "--raw", str(seeds_raw), "--clean", str(clean), "--wait", "0.5"]) == 3
        assert 0.5 <= time.monotonic() - start < 5
        assert "another cleanwire run" in capsys.readouterr().err
        with pytest.raises(RunLocked):
            ingest(Settings(raw=str(seeds_raw), clean=str(clean)))
    finally:
        os.close(held)
    assert ingest(Settings(raw=str(seeds_raw), clean=str(clean)))["documents"] == 5
