"""`cleanwire explain`: every line of a real page, kept plain or marked with its reason; for
every input format, what it shows is the record the pipeline wrote for that input."""

from __future__ import annotations

import gzip
import json
import shutil

import pytest
import zstandard
from test_formats import FORMATS, build_warc, scrapy_export

from conftest import HTML, seed_path
from flows.cli import main
from running.output import read_records
from running.settings import Settings


def test_explain_marks_removed_lines_with_reasons(capsys, tmp_path):
    assert main(["explain", str(seed_path("002")), "--detail", "--clean", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    marked = {line.split("] ", 1)[1].split("  (")[0]: line.split("[")[1].split("]")[0].strip()
              for line in out if line.startswith("- [")}
    assert marked["Notify of"] == "comment-section"
    assert marked["2,500 $"] == "donation-widget"
    assert marked["JJ345"] == "comment-section"
    kept = [line.strip() for line in out if line.startswith("  ")]
    assert any(line.startswith("On January 5, the US-led coalition") for line in kept)
    assert out[-3].startswith("# kept 6 lines")
    assert out[-2] == "# outcome: document cw-9b69e900f2fbc8fea50b (language en 1.00)"


def test_explain_shows_a_fragment_cut_from_a_kept_line(capsys, tmp_path):
    assert main(["explain", str(seed_path("001")), "--clean", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "the official said. [-editor-note: JEFF OK’D-]" in out
    assert "- [back-to-top" in out


def test_explain_html_and_bad_input(tmp_path, capsys):
    page = tmp_path / "page.html"
    page.write_bytes(gzip.decompress((HTML / "nature.com.telescope.html.gz").read_bytes()))
    assert main(["explain", str(page), "--clean", str(tmp_path / "clean")]) == 0
    out = capsys.readouterr().out
    assert "trafilatura extracted the main text" in out
    assert "- [" not in out  # no line pass on HTML: nothing of the extraction is marked removed
    assert "# written: NOT the record written: not ingested yet" in out
    png = tmp_path / "photo.txt"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    assert main(["explain", str(png), "--clean", str(tmp_path / "clean")]) == 1
    assert "# outcome: rejected: binary" in capsys.readouterr().out
    assert main(["explain", str(tmp_path / "missing.txt")]) == 2


def test_explain_lines_matches_removed_lines_that_held_soft_hyphens():
    """clean_text drops soft hyphens; a caller explaining the raw text still sees each removed
    line marked as removed."""
    from cleaners.boilerplate import clean_text
    from running.explain import explain_lines

    text = seed_path("002").read_text(encoding="utf-8").replace("Notify of", "No\u00adtify of")
    lines = explain_lines(text, clean_text(text).removed)
    notify = next(x for x in lines if x.text == "No\u00adtify of")
    assert notify.reason == "comment-section"


@pytest.fixture(scope="module")
def ingested(prefect_harness, tmp_path_factory):
    """Every input format, ingested by the real flow: plain and compressed text, HTML with its
    sidecar, a JSONL export (zstd), a WARC (gzip), and copies that are duplicates."""
    from flows.ingest import ingest

    base = tmp_path_factory.mktemp("explain")
    raw = base / "raw"
    raw.mkdir()
    # path order decides which copy is kept: each format keeps some documents of its own
    for prefix in ("000", "001"):
        shutil.copy(seed_path(prefix), raw / seed_path(prefix).name)
    (raw / "a-site").mkdir()
    shutil.copy(HTML / "nature.com.telescope.html.gz", raw / "a-site" / "telescope.html.gz")
    shutil.copy(FORMATS / "nature.com.telescope.json", raw / "a-site" / "telescope.json")
    export, _ = scrapy_export()  # 4 pages and the 5 seeds, a broken line
    (raw / "b-export.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(export))
    (raw / "copy.txt.gz").write_bytes(gzip.compress(seed_path("002").read_bytes()))
    warc, _ = build_warc(gzipped=True)  # the 8 pages
    (raw / "crawl.warc.gz").write_bytes(warc)
    ingest(Settings(raw=str(raw), clean=str(base / "clean"), batch_size=4, workers=2))
    return base


def _explain(base, record: dict, capsys) -> dict:
    source = record["source"]
    name = str(base / "raw" / source["path"]) + (
        f"#{source['record']}" if source["record"] is not None else "")
    main(["explain", name, "--json", "--raw", str(base / "raw"), "--clean", str(base / "clean")])
    (explained,) = json.loads(capsys.readouterr().out)
    return explained


@pytest.mark.parametrize("kind", ["documents", "duplicates", "rejected"])
def test_explain_shows_the_record_written_for_every_input(ingested, kind, capsys):
    written = list(read_records(ingested / "clean" / kind))
    formats = {(r["source"]["format"], r["source"]["compression"]) for r in written}
    if kind == "documents":
        assert formats >= {("text", None), ("html", "gzip"), ("jsonl", "zstd"), ("warc", "gzip")}
    for record in written:
        explained = _explain(ingested, record, capsys)
        assert explained["id"] == record["id"]
        assert explained["outcome"] == {"documents": "document", "duplicates": "duplicate",
                                        "rejected": "rejected"}[kind]
        assert explained["written"]["matches"], (record["source"], explained["written"]["why"])
        assert explained["record"] == record
        if kind == "documents":
            assert explained["text"] == record["text"]
        elif kind == "duplicates":
            assert explained["duplicate_of"] == record["duplicate_of"]
        else:
            assert explained["reason"] == record["reason"]


def test_explain_a_container_lists_its_records(ingested, capsys):
    assert main(["explain", str(ingested / "raw" / "crawl.warc.gz"), "--raw",
                 str(ingested / "raw"), "--clean", str(ingested / "clean")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("# ") and "records; `cleanwire explain" in out[0]
    assert any(line.startswith("#") and "document cw-" in line and "https://" in line
               for line in out[1:])
    assert main(["explain", str(ingested / "raw" / "crawl.warc.gz") + "#99999", "--raw",
                 str(ingested / "raw"), "--clean", str(ingested / "clean")]) == 2


def test_explain_says_why_the_written_record_differs(ingested, tmp_path, capsys):
    """Settings that differ from the run's: explain shows what a run would write now, and why
    the written record is not that."""
    config = tmp_path / "c.toml"
    config.write_text('[cleanwire]\nlanguages = ["de"]\nlanguage_policy = "reject"\n')
    main(["explain", str(ingested / "raw" / seed_path("001").name), "--config", str(config),
          "--raw", str(ingested / "raw"), "--clean", str(ingested / "clean")])
    out = capsys.readouterr().out
    assert "# outcome: rejected: language-not-allowed" in out
    assert "NOT the record written (documents of run" in out and "other settings" in out


def test_explain_one_record_of_an_archive_above_the_file_limit(tmp_path, capsys):
    """A JSONL export larger than max_file_mb (a run streams it, record by record): explaining
    one of its records (which reads and cleans only the part of the file that holds it) shows
    its lines marked and finds the record the run wrote for it."""
    from running.runs import run_ingest

    raw, clean = tmp_path / "raw", tmp_path / "clean"
    raw.mkdir()
    seeds = [seed_path(p).read_text(encoding="utf-8") for p in ("000", "001", "002", "003", "004")]
    lines = [json.dumps({"url": f"https://example.org/{n}", "text": seeds[n % 5]})
             for n in range(500)]
    (raw / "export.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert (raw / "export.jsonl").stat().st_size > 2**20
    config = tmp_path / "cleanwire.toml"
    config.write_text("max_file_mb = 1\n", encoding="utf-8")
    report = run_ingest(Settings(raw=str(raw), clean=str(clean), max_file_mb=1, workers=1))
    assert (report["documents"], report["duplicates"], report["rejected"]) == (5, 495, 0)
    assert main(["explain", f"{raw / 'export.jsonl'}#3", "--config", str(config), "--raw",
                 str(raw), "--clean", str(clean)]) == 0
    out = capsys.readouterr().out.splitlines()
    marked = {line.split("] ", 1)[1].split("  (")[0]: line.split("[")[1].split("]")[0].strip()
              for line in out if line.startswith("- [")}
    assert marked["Notify of"] == "comment-section"  # seed 002's comment section, line by line
    assert out[-1].startswith(f"# written: the same record as the one written in {clean}")
