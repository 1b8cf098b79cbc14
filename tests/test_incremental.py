"""A raw folder that lives: files edited, edited again, broken, restored, deleted, settings
changed. After every run the clean folder holds one record per input, the newest, in every
output format, as pandas, DuckDB and the CLI read it; earlier records are in superseded/."""

from __future__ import annotations

import glob
import json
import os
import shutil
import time
from collections import Counter
from pathlib import Path

import pytest
from test_neardup import _rescrape_002

from cleaners.document import document_id
from conftest import SEEDS, ingest_plain, read_jsonl, seed_path
from flows.cli import main
from running.output import read_records

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200)
KINDS = ("documents", "duplicates", "rejected")


def run(raw: Path, clean: Path, reprocess: str | None = None, **options) -> dict:
    from flows.ingest import ingest
    from running.settings import Settings

    return ingest(Settings(raw=str(raw), clean=str(clean), batch_size=2, workers=2, **options),
                  reprocess)


def records(clean: Path) -> dict[str, list[dict]]:
    return {kind: list(read_records(clean / kind)) for kind in (*KINDS, "superseded")}


def where(clean: Path) -> dict[str, str]:
    """id -> the kind of its one record; fails if an id has two records."""
    seen: dict[str, str] = {}
    for kind in KINDS:
        for record in read_records(clean / kind):
            assert record["id"] not in seen, f"{record['id']} is in {seen.get(record['id'])} and {kind}"
            seen[record["id"]] = kind
    return seen


def one_liners(clean: Path, fmt: str) -> list[str]:
    """The ids the README's loading lines give, for this output format."""
    import duckdb
    import pandas as pd

    docs = clean / "documents"
    if fmt == "jsonl":
        files = sorted(glob.glob(f"{docs}/*.jsonl"))
        ids = pd.concat(pd.read_json(f, lines=True) for f in files)["id"].tolist() if files else []
        rows = duckdb.sql(f"SELECT id FROM read_json_auto('{docs}/*.jsonl')").fetchall() if files else []
    elif fmt == "jsonl.zst":
        ids = [r["id"] for r in read_records(docs)]
        rows = duckdb.sql(f"SELECT id FROM read_json_auto('{docs}/*.jsonl.zst')").fetchall()
    else:
        ids = pd.read_parquet(docs)["id"].tolist()
        rows = duckdb.sql(f"SELECT id FROM read_parquet('{docs}/*.parquet')").fetchall()
    assert sorted(ids) == sorted(r[0] for r in rows)
    return ids


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.mark.parametrize("fmt", ["jsonl", "jsonl.zst", "parquet"])
def test_edits_supersede_the_earlier_record(prefect_harness, seeds_raw, tmp_path, fmt):
    clean = tmp_path / "clean"
    s000, s003 = seeds_raw / seed_path("000").name, seeds_raw / seed_path("003").name
    id000, id003 = document_id(s000.name), document_id(s003.name)
    first = run(seeds_raw, clean, output_format=fmt)
    assert first["documents"] == 5 and first["superseded"] == 0

    # an edit of one sentence: one record per id, the new text, the old record kept aside
    sentence = next(line for line in s000.read_text().split("\n") if len(line) > 80)
    edit(s000, sentence, sentence + " A sentence the editor added later.")
    second = run(seeds_raw, clean, output_format=fmt)
    assert (second["documents"], second["unchanged"], second["superseded"]) == (1, 4, 1)
    ids = one_liners(clean, fmt)
    assert len(ids) == 5 == len(set(ids))
    (doc,) = [d for d in records(clean)["documents"] if d["id"] == id000]
    assert "A sentence the editor added later." in doc["text"]
    (old,) = records(clean)["superseded"]
    assert old["id"] == id000 and "A sentence the editor added later." not in old["text"]
    assert old["superseded"] == {"kind": "documents", "run": first["run"], "by": second["run"]}

    # a second edit
    edit(s000, "A sentence the editor added later.", "A sentence the editor changed again.")
    third = run(seeds_raw, clean, output_format=fmt)
    assert third["superseded"] == 1
    assert sorted(one_liners(clean, fmt)) == sorted(set(one_liners(clean, fmt)))
    (doc,) = [d for d in records(clean)["documents"] if d["id"] == id000]
    assert "changed again" in doc["text"] and "added later" not in doc["text"]
    assert len(records(clean)["superseded"]) == 2

    # an edit that turns a document into a rejection, and back
    s003.write_bytes(PNG)
    fourth = run(seeds_raw, clean, output_format=fmt)
    assert (fourth["rejected"], fourth["superseded"]) == (1, 1)
    assert where(clean)[id003] == "rejected"
    assert len(one_liners(clean, fmt)) == 4
    shutil.copy(seed_path("003"), s003)
    fifth = run(seeds_raw, clean, output_format=fmt)
    assert (fifth["documents"], fifth["superseded"]) == (1, 1)
    assert where(clean)[id003] == "documents"
    assert not list(read_records(clean / "rejected"))  # it left the rejected list
    assert sorted(one_liners(clean, fmt)) == sorted(document_id(p.name) for p in seeds_raw.iterdir())
    superseded = Counter((r["id"], r["superseded"]["kind"]) for r in records(clean)["superseded"])
    assert superseded == {(id000, "documents"): 2, (id003, "documents"): 1, (id003, "rejected"): 1}

    assert main(["stats", str(clean), "--json"]) == 0
    assert not list(clean.rglob("*.tmp"))


def test_a_copy_of_a_document_that_is_gone_becomes_the_document(prefect_harness, seeds_raw,
                                                                 tmp_path, capsys):
    clean = tmp_path / "clean"
    (seeds_raw / "mirror").mkdir()
    (seeds_raw / "mirror" / "002-rescrape.txt").write_text(_rescrape_002())
    run(seeds_raw, clean)
    copy_id, original_id = document_id("mirror/002-rescrape.txt"), document_id(seed_path("002").name)
    assert where(clean)[copy_id] == "duplicates"

    (seeds_raw / seed_path("002").name).write_bytes(b"")  # the original is emptied
    report = run(seeds_raw, clean)
    found = where(clean)
    assert found[original_id] == "rejected" and found[copy_id] == "documents"
    assert not list(read_records(clean / "duplicates"))
    assert report["superseded"] == 2
    assert main(["dups", str(clean)]) == 0
    assert capsys.readouterr().out.startswith("0 clusters, 0 duplicates")


def test_a_deleted_raw_file_is_reported_and_its_document_stays(prefect_harness, seeds_raw,
                                                                tmp_path, capsys):
    clean = tmp_path / "clean"
    run(seeds_raw, clean)
    gone = seeds_raw / seed_path("001").name
    kept_aside = tmp_path / gone.name
    shutil.move(gone, kept_aside)
    report = run(seeds_raw, clean)
    assert report["gone"] == {"files": [gone.name], "files_count": 1, "documents_without_raw": 1}
    assert where(clean)[document_id(gone.name)] == "documents"
    assert main(["stats", str(clean), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["documents_without_raw"] == 1
    assert main(["stats", str(clean)]) == 0
    assert "1 documents whose raw file is gone" in capsys.readouterr().out
    # the next run does not report it again as newly gone, but still counts it
    report = run(seeds_raw, clean)
    assert report["gone"]["files_count"] == 0 and report["gone"]["documents_without_raw"] == 1
    shutil.move(kept_aside, gone)  # back, untouched
    report = run(seeds_raw, clean)
    assert report["gone"]["documents_without_raw"] == 0 and report["unchanged"] == 5


def test_changed_settings_are_said_and_reprocess_applies_them(prefect_harness, seeds_raw,
                                                               tmp_path, capsys):
    clean = tmp_path / "clean"
    (seeds_raw / "mirror").mkdir()
    (seeds_raw / "mirror" / "002-rescrape.txt").write_text(_rescrape_002())
    assert main(["run", "--raw", str(seeds_raw), "--clean", str(clean)]) == 0
    # a later copy whose name sorts before the original's: the original stays the kept one
    (seeds_raw / "00-copy-of-002.txt").write_bytes((seeds_raw / seed_path("002").name).read_bytes())
    assert main(["run", "--raw", str(seeds_raw), "--clean", str(clean)]) == 0
    capsys.readouterr()
    before = where(clean)
    assert before[document_id("00-copy-of-002.txt")] == "duplicates"

    # new settings: nothing is cleaned again by itself, and the run says so
    assert main(["run", "--raw", str(seeds_raw), "--clean", str(clean), "--languages", "de",
                 "--language-policy", "reject"]) == 0
    out = capsys.readouterr().out
    assert "NOTE: 7 inputs were cleaned with other settings (language_policy, languages)" in out
    assert "cleanwire run --reprocess" in out and where(clean) == before

    # --reprocess with a pattern cleans those again only
    assert main(["run", "--raw", str(seeds_raw), "--clean", str(clean), "--languages", "de",
                 "--language-policy", "reject", "--reprocess", "00[01]_*"]) == 0
    out = capsys.readouterr().out
    assert "NOTE: 5 inputs" in out
    after = where(clean)
    assert [i for i in after if after[i] != before[i]] == [
        document_id(seed_path("000").name), document_id(seed_path("001").name)]
    assert {r["reason"] for r in read_records(clean / "rejected")} == {"language-not-allowed"}

    # all of them, back to the defaults: the same documents and duplicates as at first
    assert main(["run", "--raw", str(seeds_raw), "--clean", str(clean), "--reprocess"]) == 0
    out = capsys.readouterr().out
    assert "NOTE" not in out
    assert where(clean) == before
    dups = {d["id"]: d["duplicate_of"] for d in read_records(clean / "duplicates")}
    original = document_id(seed_path("002").name)
    assert dups == {document_id("mirror/002-rescrape.txt"): original,
                    document_id("00-copy-of-002.txt"): original}


def test_an_older_clean_folder_with_two_records_of_one_input_is_reconciled(tmp_path):
    """A clean folder written before records were superseded (state schema 1): an edited input
    has a record in two runs. The next run keeps the newest and moves the other aside."""
    import sqlite3

    clean, raw = tmp_path / "clean", tmp_path / "raw"
    shutil.copytree(SEEDS, raw)
    from conftest import ingest_plain

    ingest_plain(raw, clean, "20260101T000000Z-aaaaaa")
    (doc,) = [d for d in read_records(clean / "documents") if d["id"] == document_id(seed_path("000").name)]
    newer = doc | {"text": doc["text"] + "\nAn edited last line."}
    (clean / "documents" / "20260102T000000Z-bbbbbb.jsonl").write_text(json.dumps(newer) + "\n")
    with sqlite3.connect(clean / "state.sqlite") as db:  # the tables as cleanwire 0.1.0 left them
        db.execute("INSERT INTO runs VALUES ('20260102T000000Z-bbbbbb', 'completed', '', '', 'jsonl')")
        db.execute("UPDATE inputs SET run='20260102T000000Z-bbbbbb' WHERE id=?", (doc["id"],))
        db.executescript("""
            CREATE TABLE v1 AS SELECT path, size, mtime_ns, sha256, outcome, id, run FROM inputs;
            DROP TABLE inputs; ALTER TABLE v1 RENAME TO inputs;
            CREATE TABLE v1 AS SELECT content_hash, id, run, path FROM documents;
            DROP TABLE documents; ALTER TABLE v1 RENAME TO documents;
            DROP TABLE meta; DROP TABLE stale_files; DROP TABLE shapes;""")
    from running.store import CleanStore

    store = CleanStore(clean, "20260103T000000Z-cccccc")
    store.finish(store.report(0, 0.0))
    assert len(where(clean)) == 5
    (current,) = [d for d in read_records(clean / "documents") if d["id"] == doc["id"]]
    assert current["text"].endswith("An edited last line.")
    (old,) = read_records(clean / "superseded")
    assert old["superseded"]["run"] == "20260101T000000Z-aaaaaa" and old["text"] == doc["text"]


def test_a_failure_while_deciding_one_input_rejects_it_and_the_run_goes_on(seeds_raw, tmp_path,
                                                                           monkeypatch):
    """A bug met while the flow process decides one input (a fault put into the site-template
    step for one seed) rejects that input as an `error` naming where it failed; the other
    seeds are written and the run finishes. A run after the bug is gone cleans it as usual."""
    import running.decide
    from running.sitestats import strip_template

    victim = next(p.name for p in sorted(seeds_raw.iterdir()) if p.name.startswith("003"))

    def broken(doc, sites, exclude=None):
        if doc.source.path == victim:
            raise ValueError("not enough values to unpack (expected 2, got 0)")
        return strip_template(doc, sites, exclude=exclude)

    monkeypatch.setattr(running.decide, "strip_template", broken)
    clean = tmp_path / "clean"
    ingest_plain(seeds_raw, clean, "run1")
    rejected = {r["source"]["path"]: r for r in read_jsonl(clean / "rejected")}
    documents = {d["source"]["path"] for d in read_jsonl(clean / "documents")}
    assert set(rejected) == {victim}
    assert rejected[victim]["reason"] == "error"
    assert rejected[victim]["detail"].startswith("while deciding: ValueError: not enough values")
    assert "test_incremental.py:" in rejected[victim]["detail"]
    assert len(documents) >= 3 and victim not in documents

    monkeypatch.setattr(running.decide, "strip_template", strip_template)
    os.utime(seeds_raw / victim, ns=(time.time_ns(), time.time_ns()))  # touched: cleaned again
    ingest_plain(seeds_raw, clean, "run2")
    assert read_jsonl(clean / "rejected") == []
    assert victim in {d["source"]["path"] for d in read_jsonl(clean / "documents")}
