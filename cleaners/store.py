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
import json
import os
import sqlite3
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from cleaners.document import Document, Rejection
from cleaners.pipeline import Outcome
from cleaners.sitestats import SiteStats, strip_template

KINDS = ("documents", "duplicates", "rejected")
SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    content_hash TEXT PRIMARY KEY,  -- sha256 of the normalized clean text
    id TEXT NOT NULL,
    run TEXT NOT NULL,
    path TEXT NOT NULL
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
    def __init__(self, clean_root: str | os.PathLike, run_id: str, *, lock_wait: float = 0.0):
        self.root = Path(clean_root)
        self.run = run_id
        self._lock = lock_clean_folder(self.root, lock_wait)
        for kind in (*KINDS, "reports"):
            (self.root / kind).mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.root / "state.sqlite", isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(SCHEMA)
        self.sites = SiteStats(self.db)
        self.db.execute("BEGIN")
        self._files = {kind: open(self._tmp(kind), "w", encoding="utf-8") for kind in KINDS}
        self._written = Counter()
        self.counts: Counter = Counter()
        self.reasons: Counter = Counter()
        self.languages: Counter = Counter()
        self.slowest: list[tuple[float, str]] = []

    def _tmp(self, kind: str) -> Path:
        return self.root / kind / f".{self.run}.jsonl.tmp"

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

    def _remember(self, raw_root, result: Document | Rejection, outcome: str) -> None:
        try:
            st = os.stat(Path(raw_root, result.source.path))
            size, mtime = st.st_size, st.st_mtime_ns
        except OSError:
            size = mtime = None
        self.db.execute("INSERT OR REPLACE INTO inputs VALUES (?,?,?,?,?,?,?)",
                        (result.source.path, size, mtime, result.source.sha256, outcome,
                         result.id, self.run))

    # -- outcomes -------------------------------------------------------------------------
    def _write(self, kind: str, record: dict) -> None:
        self._files[kind].write(_dumps(record) + "\n")
        self._written[kind] += 1

    def add(self, raw_root, outcome: Outcome) -> str:
        """Dedup and write one outcome, in the order the flow gives (which makes the kept copy
        the first in path order). Returns what became of it."""
        result = outcome.result
        self.slowest.append((outcome.seconds, result.source.path))
        if isinstance(result, Document):
            result = strip_template(result, self.sites)
        if isinstance(result, Rejection):
            self._write("rejected", result.to_record())
            self.reasons[result.reason] += 1
            kind = "rejected"
        else:
            kind = self._add_document(result)
        self._remember(raw_root, result, "document" if kind == "unchanged" else kind)
        self.counts[kind] += 1
        return kind

    def _add_document(self, doc: Document) -> str:
        row = self.db.execute("SELECT id FROM documents WHERE content_hash=?",
                              (doc.content_hash,)).fetchone()
        if row is None:
            self.db.execute("INSERT INTO documents VALUES (?,?,?,?)",
                            (doc.content_hash, doc.id, self.run, doc.source.path))
            self._write("documents", doc.to_record())
            self.sites.learn(doc)
            self.languages[doc.language] += 1
            return "document"
        if row[0] == doc.id:
            return "unchanged"  # the same input, touched but with the same clean text
        self._write("duplicates", {"id": doc.id, "duplicate_of": row[0], "kind": "exact",
                                   "similarity": 1.0, "source": doc.source.to_record()})
        self.counts["duplicate_exact"] += 1
        return "duplicate"

    # -- end of run -----------------------------------------------------------------------
    def finish(self, report: dict) -> dict[str, Path]:
        """Make the outputs durable and visible, then commit the state."""
        written: dict[str, Path] = {}
        for kind, f in self._files.items():
            f.flush()
            os.fsync(f.fileno())
            f.close()
            tmp = self._tmp(kind)
            if self._written[kind]:
                final = self.root / kind / f"{self.run}.jsonl"
                os.replace(tmp, final)
                written[kind] = final
            else:
                tmp.unlink()
        report_path = self.root / "reports" / f"{self.run}.json"
        tmp = report_path.with_name(f".{report_path.name}.tmp")
        tmp.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, report_path)
        written["report"] = report_path
        self.db.execute("COMMIT")
        self._close()
        return written

    def _close(self) -> None:
        self.db.close()
        os.close(self._lock)  # releases the lock

    def abort(self) -> None:
        for kind, f in self._files.items():
            f.close()
            self._tmp(kind).unlink(missing_ok=True)
        self.db.execute("ROLLBACK")
        self._close()

    def report(self, files_seen: int, seconds: float) -> dict:
        slowest = sorted(self.slowest, reverse=True)[:5]
        return {
            "run": self.run,
            "files_seen": files_seen,
            "documents": self.counts["document"],
            "duplicates": self.counts["duplicate"],
            "duplicates_by_kind": {"exact": self.counts["duplicate_exact"]},
            "rejected": self.counts["rejected"],
            "rejected_by_reason": dict(sorted(self.reasons.items())),
            "unchanged": self.counts["unchanged"] + self.counts["skipped_unchanged"],
            "languages": dict(self.languages.most_common()),
            "slowest": [{"path": p, "seconds": s} for s, p in slowest],
            "seconds": round(seconds, 3),
        }
