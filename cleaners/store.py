"""The clean folder: the state store (SQLite) and the run's output files.

Only the flow process uses this: it is the single writer of CLEAN/. Layout:
  CLEAN/state.sqlite              exact-duplicate index and the manifest of ingested inputs
  CLEAN/documents/<run>.jsonl     one clean document a line
  CLEAN/duplicates/<run>.jsonl    one duplicate input a line
  CLEAN/rejected/<run>.jsonl      one rejected input a line
  CLEAN/reports/<run>.json        the run's counts
Output files are written under a temporary name and renamed into place when the run ends; a
file is written only when it has records.
"""

from __future__ import annotations

import fcntl
import heapq
import json
import os
import sqlite3
import time
import uuid
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from cleaners.document import Document, Rejection, document_id
from cleaners.neardup import NearDupIndex
from cleaners.output import FORMATS, publish
from cleaners.pipeline import Outcome
from cleaners.sitestats import SiteStats, strip_template

KINDS = ("documents", "duplicates", "rejected")
SLOWEST_KEPT = 5  # the run report names the slowest inputs: the ones worth a look
TOP_REASONS = 10  # and the commonest boilerplate-removal reasons
SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    content_hash TEXT PRIMARY KEY,  -- sha256 of the normalized clean text
    id TEXT NOT NULL,
    run TEXT NOT NULL,
    path TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    run TEXT PRIMARY KEY, status TEXT NOT NULL,  -- running, completed, interrupted
    started TEXT NOT NULL, finished TEXT,
    format TEXT NOT NULL DEFAULT 'jsonl'         -- the output format the run publishes
);
CREATE TABLE IF NOT EXISTS run_files (
    run TEXT NOT NULL, kind TEXT NOT NULL,
    length INTEGER NOT NULL,        -- bytes of the run's output file committed so far
    PRIMARY KEY (run, kind)
);
CREATE TABLE IF NOT EXISTS inputs (
    path TEXT PRIMARY KEY,          -- relative to the raw folder
    size INTEGER, mtime_ns INTEGER, sha256 TEXT,
    outcome TEXT NOT NULL,          -- document, duplicate, rejected
    id TEXT NOT NULL, run TEXT NOT NULL
);
"""


def new_run_id() -> str:
    """Sortable by time, unique across machines: 20261123T130102Z-3f9a1c."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _dumps(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


class RunLocked(RuntimeError):
    """Another run holds the clean folder."""


def lock_clean_folder(root: Path, wait_seconds: float) -> int:
    """An OS lock on CLEAN/.lock, released by the OS if the process dies. Waits up to
    `wait_seconds` for a run that holds it, then raises RunLocked."""
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            return fd
        except BlockingIOError:
            if time.monotonic() >= deadline:
                holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
                os.close(fd)
                raise RunLocked(f"another cleanwire run (pid {holder}) is writing to {root}") from None
            time.sleep(0.2)


class CleanStore:
    """The single writer of a clean folder for one run.

    Crash safety: outputs are appended to hidden files (`.<run>.jsonl.tmp`); at every checkpoint
    (after each batch) they are flushed and fsynced, their lengths are recorded in the state
    store, and the state transaction (manifest, indexes) commits with them. A run that dies —
    SIGKILL, power cut — leaves committed prefixes; the next run (holding the lock, so the old
    one is gone) truncates each file to its committed length and publishes it under its final
    name. Inputs after the last checkpoint are not in the manifest, so they are simply done
    again: every input ends up exactly once in documents, duplicates or rejected.
    """

    def __init__(self, clean_root: str | os.PathLike, run_id: str, *, lock_wait: float = 0.0,
                 languages: list[str] | None = None, language_policy: str = "flag",
                 dedup_threshold: float | None = None, output_format: str = "jsonl"):
        if output_format not in FORMATS:
            raise ValueError(f"output_format {output_format!r} is not one of {FORMATS}")
        self.root = Path(clean_root)
        self.allowed_languages = frozenset(languages or ())
        self.language_policy = language_policy
        self.run = run_id
        self._lock = lock_clean_folder(self.root, lock_wait)
        for kind in (*KINDS, "reports"):
            (self.root / kind).mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.root / "state.sqlite", isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")  # a commit is a checkpoint: make it durable
        self.db.executescript(SCHEMA)
        self.sites = SiteStats(self.db)
        self.near = NearDupIndex(self.db, dedup_threshold)
        self.recovered = self._recover()
        self.db.execute("BEGIN")
        self.db.execute("INSERT INTO runs VALUES (?, 'running', ?, NULL, ?)",
                        (run_id, _now(), output_format))
        self.db.executemany("INSERT INTO run_files VALUES (?, ?, 0)", [(run_id, k) for k in KINDS])
        self.db.execute("COMMIT")
        self._files = {kind: open(self._tmp(self.run, kind), "wb") for kind in KINDS}
        self._written = Counter()
        self.counts: Counter = Counter()
        self.reasons: Counter = Counter()
        self.languages: Counter = Counter()
        self.removed_reasons: Counter = Counter()
        self.skipped_records: Counter = Counter()  # WARC records that are not pages, by type
        self.slowest: list[tuple[float, str]] = []  # a heap of the SLOWEST_KEPT slowest inputs
        self.db.execute("BEGIN")

    def _tmp(self, run: str, kind: str) -> Path:
        return self.root / kind / f".{run}.jsonl.tmp"

    def _publish(self, run: str, kind: str, length: int) -> Path | None:
        """Truncate a run's output to its committed length; rename it into place, or drop it if
        empty."""
        tmp = self._tmp(run, kind)
        if not tmp.exists():
            return None
        if length == 0:
            tmp.unlink()
            return None
        with open(tmp, "r+b") as f:
            f.truncate(length)
            os.fsync(f.fileno())
        row = self.db.execute("SELECT format FROM runs WHERE run=?", (run,)).fetchone()
        return publish(tmp, kind, self.root / kind / run, row[0] if row else "jsonl")

    def _recover(self) -> list[str]:
        """Publish what interrupted runs committed (and what a completed run had not renamed
        yet when it died); returns the interrupted runs' ids."""
        leftovers = {tmp.name[1:].split(".jsonl")[0] for kind in KINDS
                     for tmp in (self.root / kind).glob(".*.jsonl.tmp")}
        status = dict(self.db.execute("SELECT run, status FROM runs WHERE status='running'"))
        for run in leftovers:
            status.setdefault(run, self._status_of(run))
        stale = []
        for run, state in status.items():
            lengths = dict(self.db.execute("SELECT kind, length FROM run_files WHERE run=?", (run,)))
            for kind in KINDS:
                self._publish(run, kind, lengths.get(kind, 0))
            if state != "running":
                continue
            stale.append(run)
            counts = dict(self.db.execute(
                "SELECT outcome, COUNT(*) FROM inputs WHERE run=? GROUP BY outcome", (run,)).fetchall())
            _write_json(self.root / "reports" / f"{run}.json",
                        {"run": run, "status": "interrupted", "committed": counts})
            self.db.execute("UPDATE runs SET status='interrupted', finished=? WHERE run=?",
                            (_now(), run))
        return stale

    def _status_of(self, run: str) -> str | None:
        row = self.db.execute("SELECT status FROM runs WHERE run=?", (run,)).fetchone()
        return row[0] if row else None

    def checkpoint(self) -> None:
        """Make everything added so far durable: output files first, then the state."""
        for kind, f in self._files.items():
            f.flush()
            os.fsync(f.fileno())
            self.db.execute("UPDATE run_files SET length=? WHERE run=? AND kind=?",
                            (f.tell(), self.run, kind))
        self.db.execute("COMMIT")
        self.db.execute("BEGIN")

    # -- manifest -------------------------------------------------------------------------
    def unchanged(self, raw_root: str | os.PathLike, path: str) -> bool:
        """True when this path was ingested before with the same size and mtime."""
        row = self.db.execute("SELECT size, mtime_ns FROM inputs WHERE path=?", (path,)).fetchone()
        if row is None:
            return False
        try:
            st = os.stat(Path(raw_root, path))
        except OSError:
            return False
        return row == (st.st_size, st.st_mtime_ns)

    def to_process(self, raw_root: str | os.PathLike, found: list) -> list:
        """The discovered inputs that are new or changed; the others are counted as unchanged."""
        todo = []
        for item in found:
            if item.problem is None and self.unchanged(raw_root, item.path):
                self.counts["skipped_unchanged"] += 1
            else:
                todo.append(item)
        return todo

    def _remember(self, stat: tuple[int, int] | None, result: Document | Rejection,
                  outcome: str, last_of_file: bool) -> None:
        """Record an input's outcome. A record of a JSONL/WARC file is an input of its own
        (`path#record`); with its file's last record the file is remembered too (once), so an
        unchanged file is skipped whole."""
        size, mtime = stat or (None, None)
        source = result.source
        key = source.path if source.record is None else f"{source.path}#{source.record}"
        rows = [(key, size, mtime, source.sha256, outcome, result.id, self.run)]
        if source.record is not None and last_of_file:
            rows.append((source.path, size, mtime, source.sha256, "container",
                         document_id(source.path), self.run))
        self.db.executemany("INSERT OR REPLACE INTO inputs VALUES (?,?,?,?,?,?,?)", rows)

    # -- outcomes -------------------------------------------------------------------------
    def _write(self, kind: str, record: dict) -> None:
        self._files[kind].write((_dumps(record) + "\n").encode("utf-8"))
        self._written[kind] += 1

    def add(self, outcome: Outcome) -> str:
        """Dedup and write one outcome, in the order the flow gives (which makes the kept copy
        the first in path order). Returns what became of it."""
        result = outcome.result
        self.skipped_records.update(outcome.skipped or {})
        heapq.heappush(self.slowest, (outcome.seconds, result.source.path))
        if len(self.slowest) > SLOWEST_KEPT:
            heapq.heappop(self.slowest)
        if isinstance(result, Document):
            result = self._check_language(strip_template(result, self.sites))
        if isinstance(result, Rejection):
            self._write("rejected", result.to_record())
            self.reasons[result.reason] += 1
            kind = "rejected"
        else:
            kind = self._add_document(result)
        self._remember(outcome.stat, result, "document" if kind == "unchanged" else kind,
                       last_of_file=outcome.skipped is not None)
        self.counts[kind] += 1
        return kind

    def _check_language(self, doc: Document | Rejection) -> Document | Rejection:
        allowed = self.allowed_languages
        if not allowed or isinstance(doc, Rejection) or doc.language in allowed:
            return doc
        detail = f"{doc.language} ({doc.language_score:.2f}) is not in {sorted(allowed)}"
        if self.language_policy == "reject":
            return Rejection(doc.id, doc.source, "language-not-allowed", detail)
        return replace(doc, flags=doc.flags + ("language-not-allowed",))

    def _add_document(self, doc: Document) -> str:
        """Exact duplicates first (a hash of the normalized text), then near duplicates (MinHash
        LSH). The kept copy is the first ingested: an earlier run's, else the first in path
        order within the run. A duplicate's hash points at the kept copy, so a later exact copy
        of a near duplicate is linked to the original too."""
        row = self.db.execute("SELECT id FROM documents WHERE content_hash=?",
                              (doc.content_hash,)).fetchone()
        if row is not None:
            if row[0] == doc.id:
                return "unchanged"  # the same input, touched but with the same clean text
            return self._duplicate(doc, row[0], "exact", 1.0)
        (match,) = self.near.match_and_add([(doc.id, doc.signature)])
        if match is not None and match[0] != doc.id:  # a changed version of itself is no copy
            self._index_hash(doc, match[0])
            return self._duplicate(doc, match[0], "near", round(match[1], 4))
        self._index_hash(doc, doc.id)
        self._write("documents", doc.to_record())
        self.sites.learn(doc)
        self.languages[doc.language] += 1
        self.removed_reasons.update(r["reason"] for r in doc.removed)
        return "document"

    def _index_hash(self, doc: Document, kept_id: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO documents VALUES (?,?,?,?)",
                        (doc.content_hash, kept_id, self.run, doc.source.path))

    def _duplicate(self, doc: Document, original: str, kind: str, similarity: float) -> str:
        self._write("duplicates", {"id": doc.id, "duplicate_of": original, "kind": kind,
                                   "similarity": similarity, "source": doc.source.to_record()})
        self.counts[f"duplicate_{kind}"] += 1
        return "duplicate"

    # -- end of run -----------------------------------------------------------------------
    def finish(self, report: dict) -> dict[str, Path]:
        """Checkpoint, publish the outputs under their final names, write the report."""
        self.db.execute("UPDATE runs SET status='completed', finished=? WHERE run=?",
                        (_now(), self.run))
        self.checkpoint()
        self.db.execute("COMMIT")
        written: dict[str, Path] = {}
        for kind, f in self._files.items():
            length = f.tell()
            f.close()
            if path := self._publish(self.run, kind, length):
                written[kind] = path
        report_path = self.root / "reports" / f"{self.run}.json"
        _write_json(report_path, report | {"status": "completed"})
        written["report"] = report_path
        self._close()
        return written

    def abort(self) -> None:
        """The run failed: keep what its checkpoints committed, as a crash would."""
        self.db.execute("ROLLBACK")
        for f in self._files.values():
            f.close()
        self._recover()
        self._close()

    def _close(self) -> None:
        self.db.close()
        os.close(self._lock)  # releases the lock

    def report(self, files_seen: int, seconds: float) -> dict:
        slowest = sorted(self.slowest, reverse=True)
        return {
            "run": self.run,
            "files_seen": files_seen,
            "documents": self.counts["document"],
            "duplicates": self.counts["duplicate"],
            "duplicates_by_kind": {"exact": self.counts["duplicate_exact"],
                                   "near": self.counts["duplicate_near"]},
            "rejected": self.counts["rejected"],
            "rejected_by_reason": dict(sorted(self.reasons.items())),
            "unchanged": self.counts["unchanged"] + self.counts["skipped_unchanged"],
            "languages": dict(self.languages.most_common()),
            "removed_reasons": dict(self.removed_reasons.most_common(TOP_REASONS)),
            "skipped_records": dict(self.skipped_records.most_common()),
            "slowest": [{"path": p, "seconds": s} for s, p in slowest],
            "seconds": round(seconds, 3),
        }
