"""Kill a real run with SIGKILL mid-way, run again, and compare with an uninterrupted run:
every input ends up exactly once, nothing is written twice, nothing is lost."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from conftest import SEEDS, read_jsonl
from running.settings import Settings

N_FILES = 2000


def articles(n: int) -> list[list[str]]:
    """`n` distinct article-like texts (their paragraphs) built from the seeds' real paragraphs."""
    paragraphs = []
    for seed in sorted(SEEDS.glob("*.txt")):
        if not seed.name.startswith("002"):  # 002's comment section would cut what follows
            paragraphs += [p for p in seed.read_text().split("\n") if len(p) > 80]
    rng = random.Random(5)
    return [[f"Dispatch {i}: correspondents filed report number {i * 7919 % 10007} from the "
             f"region on day {i % 365}, as the wire service confirmed later that evening.",
             *rng.sample(paragraphs, 6)] for i in range(n)]


def make_corpus(raw: Path, n: int = N_FILES) -> None:
    """Thousands of distinct article-like files built from the seeds' real paragraphs."""
    for i, article in enumerate(articles(n)):
        folder = raw / f"site{i % 7}"
        folder.mkdir(parents=True, exist_ok=True)
        if i % 50 == 0:
            (folder / f"doc{i:05d}.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
        else:
            (folder / f"doc{i:05d}.txt").write_text("\n".join(article) + "\n")
    (raw / "site0" / "doc00001-copy.txt").write_bytes((raw / "site1" / "doc00001.txt").read_bytes())


def by_path(clean: Path) -> dict[str, tuple[str, str]]:
    """path -> (where it ended, its record) over every output file; fails if a path is twice."""
    seen: dict[str, tuple[str, str]] = {}
    for kind in ("documents", "duplicates", "rejected"):
        for record in read_jsonl(clean / kind):
            path = record["source"]["path"]
            assert path not in seen, f"{path} written twice"
            seen[path] = (kind, json.dumps(record, sort_keys=True))
    return seen


def committed(clean: Path) -> int:
    try:
        with sqlite3.connect(clean / "state.sqlite", timeout=0.1) as db:
            return db.execute("SELECT COUNT(*) FROM inputs").fetchone()[0]
    except sqlite3.Error:
        return 0


def kill_a_run(raw: Path, clean: Path, after: int = 300) -> int:
    """Start `cleanwire run` (on the harness's Prefect API), SIGKILL it and its workers once
    `after` manifest rows are committed; returns the rows committed then."""
    from prefect.settings import PREFECT_API_URL

    env = os.environ | {"PREFECT_API_URL": PREFECT_API_URL.value()}
    proc = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "run", "--raw", str(raw), "--clean", str(clean),
         "--batch-size", "16"], env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    while committed(clean) < after and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "the run ended before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    return committed(clean)


def test_sigkill_mid_run_then_resume_equals_an_uninterrupted_run(prefect_harness, tmp_path):
    from flows.ingest import ingest

    raw = tmp_path / "raw"
    make_corpus(raw)
    reference = by_path(_run(ingest, raw, tmp_path / "reference"))
    assert len(reference) == N_FILES + 1

    clean = tmp_path / "clean"
    done_before = kill_a_run(raw, clean)
    assert 300 <= done_before < N_FILES + 1
    assert not list((clean / "documents").glob("*.jsonl"))  # nothing published half-way

    report = _run_report(ingest, raw, clean)
    # the committed part is not done again, but for the first pages of a site judged before
    # the site's template was known (judged again at the end of the run, as without the kill)
    assert done_before - report["judged_again"] <= report["unchanged"] <= done_before
    assert by_path(clean) == reference
    reports = [json.loads(p.read_text()) for p in (clean / "reports").glob("*.json")]
    assert sorted(r["status"] for r in reports) == ["completed", "interrupted"]
    assert not list(clean.rglob("*.tmp"))


def _run(ingest, raw: Path, clean: Path) -> Path:
    _run_report(ingest, raw, clean)
    return clean


def _run_report(ingest, raw: Path, clean: Path) -> dict:
    return ingest(Settings(raw=str(raw), clean=str(clean), batch_size=16, workers=2))


def test_a_run_interrupted_between_checkpoint_transactions_is_reported_at_once(seeds_raw,
                                                                             tmp_path):
    """Ctrl-C raises KeyboardInterrupt wherever the flow process is; between a checkpoint's
    COMMIT and the BEGIN after it no transaction is open. The run is aborted there all the same:
    what its checkpoints committed is published and its report says 'interrupted' now, not at
    the next run (once, in a fresh clone, the Ctrl-C test found no report)."""
    from running.inputs import discover
    from running.store import CleanStore
    from running.work import clean_batch

    clean = tmp_path / "clean"
    store = CleanStore(clean, "20260101T000000Z-aaaaaa")
    for outcome in clean_batch(str(seeds_raw), store.plan(seeds_raw, discover(seeds_raw)),
                               Settings()):
        store.add_file(outcome)
    store.checkpoint()
    store.db.execute("COMMIT")  # where checkpoint() is when the interrupt lands: no transaction
    store.abort()
    report = json.loads((clean / "reports" / "20260101T000000Z-aaaaaa.json").read_text())
    assert report["status"] == "interrupted"
    assert sum(report["committed"].values()) == len(list(seeds_raw.iterdir()))
    assert len(read_jsonl(clean / "documents")) >= 1
    with sqlite3.connect(clean / "state.sqlite") as db:
        assert db.execute("SELECT status FROM runs").fetchall() == [("interrupted",)]
