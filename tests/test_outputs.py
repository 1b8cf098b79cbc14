"""The clean folder in each output format, loaded the way the README tells users to, on real
output of the seeds: JSON Lines, zstd JSON Lines and Parquet carry the same records."""

from __future__ import annotations

import glob
import json
from collections import Counter

import pytest

from conftest import ingest_plain
from running.output import read_records


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    import shutil

    from conftest import SEEDS

    base = tmp_path_factory.mktemp("outputs")
    raw = base / "raw"
    shutil.copytree(SEEDS, raw)
    (raw / "copy.txt").write_bytes((SEEDS / next(p.name for p in SEEDS.iterdir())).read_bytes())
    (raw / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(32))
    for fmt in ("jsonl", "jsonl.zst", "parquet"):
        ingest_plain(raw, base / fmt, "run1", output_format=fmt)
    return base


def canonical(records):
    return sorted(json.dumps(r, sort_keys=True) for r in records)


@pytest.mark.parametrize("kind", ["documents", "duplicates", "rejected"])
def test_every_format_carries_the_same_records(outputs, kind):
    jsonl = canonical(read_records(outputs / "jsonl" / kind))
    assert len(jsonl) == {"documents": 5, "duplicates": 1, "rejected": 1}[kind]
    assert canonical(read_records(outputs / "jsonl.zst" / kind)) == jsonl
    assert canonical(read_records(outputs / "parquet" / kind)) == jsonl
    assert [p.name for p in (outputs / "parquet" / kind).iterdir()] == ["run1.parquet"]


def test_pandas_one_liners(outputs, monkeypatch):
    import pandas as pd

    monkeypatch.chdir(outputs / "jsonl")
    df = pd.concat(pd.read_json(f, lines=True) for f in sorted(glob.glob("documents/*.jsonl")))
    assert len(df) == 5 and set(df["language"]) == {"en"}
    assert df.loc[df["published"].notna(), "published"].tolist() == ["2018-02-15"]
    monkeypatch.chdir(outputs / "parquet")
    df = pd.read_parquet("documents")
    assert len(df) == 5 and df["stats"].map(lambda s: s["words"]).min() > 100


def test_duckdb_one_liners(outputs, monkeypatch):
    import duckdb

    for fmt, reader in (("jsonl", "read_json_auto('documents/*.jsonl')"),
                        ("jsonl.zst", "read_json_auto('documents/*.jsonl.zst')"),
                        ("parquet", "read_parquet('documents/*.parquet')")):
        monkeypatch.chdir(outputs / fmt)
        rows = duckdb.sql(f"SELECT language, count(*) FROM {reader} GROUP BY 1").fetchall()
        assert rows == [("en", 5)], fmt
        removed = duckdb.sql(f"SELECT r.reason, count(*) FROM {reader}, unnest(removed) AS t(r) "
                             "GROUP BY 1").fetchall()
        expected = Counter(r["reason"] for d in read_records(outputs / "jsonl" / "documents")
                           for r in d["removed"])
        assert dict(removed) == dict(expected) and expected["comment-section"] > 10, fmt


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_stats(outputs, fmt, capsys):
    from flows.cli import main

    assert main(["stats", str(outputs / fmt), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert (stats["documents"], stats["duplicates"], stats["rejected"]) == (5, 1, 1)
    assert stats["by_language"] == {"en": 5}
    assert stats["by_month"] == {"(undated)": 4, "2018-02": 1}
    assert stats["duplicates_by_kind"] == {"exact": 1}
    assert stats["rejected_by_reason"] == {"binary": 1}
    assert stats["removed_reasons"]["comment-section"] > 10
    assert main(["stats", str(outputs / fmt)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("5 documents (") and "rejected by reason:\n  binary" in text


def test_dups_reads_every_format(outputs, capsys):
    """The same clusters whatever format the runs wrote: every command reads through one reader."""
    from flows.cli import main

    shown = {}
    for fmt in ("jsonl", "jsonl.zst", "parquet"):
        assert main(["dups", str(outputs / fmt)]) == 0
        shown[fmt] = capsys.readouterr().out
    assert shown["jsonl"].startswith("1 clusters, 1 duplicates (exact 1)")
    assert shown["jsonl.zst"] == shown["jsonl"] == shown["parquet"]
