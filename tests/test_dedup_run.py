"""Exact and near duplicates through the real pipeline and state store, across runs."""

from __future__ import annotations

import shutil

from test_neardup import _rescrape_002

from cleaners.document import document_id
from conftest import ingest_plain, read_jsonl, seed_path
from flows.cli import main


def test_near_duplicates_across_runs(seeds_raw, tmp_path, capsys):
    clean = tmp_path / "clean"
    (seeds_raw / "mirror").mkdir()
    (seeds_raw / "mirror" / "002-rescrape.txt").write_text(_rescrape_002())
    ingest_plain(seeds_raw, clean, "run1")
    docs = {d["source"]["path"] for d in read_jsonl(clean / "documents")}
    assert docs == {p.name for p in seeds_raw.glob("*.txt")}  # 001 and 003 stay two documents
    (dup,) = read_jsonl(clean / "duplicates")
    assert dup["source"]["path"] == "mirror/002-rescrape.txt"
    assert dup["kind"] == "near" and 0.5 <= dup["similarity"] < 1.0
    assert dup["duplicate_of"] == document_id(seed_path("002").name)

    ingest_plain(seeds_raw, clean, "run2")  # nothing new
    assert not (clean / "documents" / "run2.jsonl").exists()
    assert not (clean / "duplicates" / "run2.jsonl").exists()

    # tomorrow: an update of 004 with one paragraph more, and an exact copy of the re-scrape
    (seeds_raw / "later").mkdir()
    text = seed_path("004").read_text()
    (seeds_raw / "later" / "004-updated.txt").write_text(
        text + "\nUpdate: the Pentagon later confirmed the figures in a statement to reporters.\n")
    shutil.copy(seeds_raw / "mirror" / "002-rescrape.txt", seeds_raw / "later" / "002-again.txt")
    ingest_plain(seeds_raw, clean, "run3")
    later = {d["source"]["path"]: d for d in read_jsonl(clean / "duplicates")}
    assert later["later/004-updated.txt"]["kind"] == "near"
    assert later["later/004-updated.txt"]["duplicate_of"] == document_id(seed_path("004").name)
    # the exact copy of a near duplicate points at the kept original, not at the copy
    assert later["later/002-again.txt"]["kind"] == "exact"
    assert later["later/002-again.txt"]["duplicate_of"] == document_id(seed_path("002").name)

    assert main(["dups", str(clean)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "2 clusters, 3 duplicates (exact 1, near 2)"
    assert "002_fca63ceb93ec3f39.txt" in out and "near" in out and "mirror/002-rescrape.txt" in out
