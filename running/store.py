"""The clean folder: the state store (SQLite) and the run's output files.

Only the flow process uses this: it is the single writer of CLEAN/. Layout:
  CLEAN/state.sqlite              manifest of inputs, duplicate indexes, site statistics, runs
  CLEAN/documents/<run>.jsonl     one clean document a line
  CLEAN/duplicates/<run>.jsonl    one duplicate input a line
  CLEAN/rejected/<run>.jsonl      one rejected input a line
  CLEAN/superseded/<run>.jsonl    the earlier records that run replaced, each with where it was
  CLEAN/reports/<run>.json        the run's counts
Output files are written under a temporary name and renamed into place when the run ends; a
file is written only when it has records.

One record per input: an input cleaned again (its file changed, or `--reprocess`) whose record
comes out different supersedes its earlier record, wherever that was (documents, duplicates or
rejected, of any earlier run). At the end of every run the earlier record is moved from its run's
file to superseded/, so documents/, duplicates/ and rejected/ hold exactly one record per id.
"""

from __future__ import annotations

import errno
import fcntl
import fnmatch
import hashlib
import heapq
import json
import os
import sqlite3
import time
import traceback
import uuid
from collections import Counter
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cleaners.document import Document, Rejection, content_hash, document_id
from cleaners.neardup import cross_form
from cleaners.version import pipeline_version
from running.decide import EXACT_SCHEMA, KIND_OF, Decider, Decision, record_hash
from running.inputs import Found, Point, Resume
from running.output import FORMATS, SUFFIX, publish, read_file
from running.work import FileOutcome

KINDS = ("documents", "duplicates", "rejected")
SLOWEST_KEPT = 5  # the run report names the slowest inputs: the ones worth a look
TOP_REASONS = 10  # and the commonest boilerplate-removal reasons
SCHEMA_VERSION = 2
SCHEMA = EXACT_SCHEMA + """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
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
CREATE TABLE IF NOT EXISTS inputs (  -- the manifest: one row an input, and one a JSONL/WARC file
    path TEXT PRIMARY KEY,          -- relative to the raw folder; path#record for a record
    size INTEGER, mtime_ns INTEGER, sha256 TEXT,
    outcome TEXT NOT NULL,          -- document, duplicate, rejected; container for the file
    id TEXT NOT NULL,
    run TEXT NOT NULL,              -- the run whose record of this input is the current one
    file TEXT,                      -- the raw file it comes from
    record_hash TEXT,               -- of that record: the same record again is no change
    content_hash TEXT,              -- of its text (documents, duplicates)
    duplicate_of TEXT,              -- the kept document it copies (duplicates)
    shape TEXT,                     -- the settings that made it (a key of `shapes`)
    version TEXT,                   -- the pipeline version that made it
    seen TEXT,                      -- the last run that read it
    missing_since TEXT              -- the run that found its raw file gone; NULL while it is there
);
CREATE TABLE IF NOT EXISTS shapes (shape TEXT PRIMARY KEY, settings TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS archives (  -- how far a JSONL/WARC file read in parts is committed
    file TEXT PRIMARY KEY,
    start INTEGER NOT NULL, skip INTEGER NOT NULL,  -- where its next record is read from
    offset INTEGER NOT NULL, record INTEGER NOT NULL,
    sha256 TEXT NOT NULL,           -- of the file's bytes before `start`
    size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL  -- the file when that was committed
);
CREATE TABLE IF NOT EXISTS stale_files (  -- run files holding records a later run replaced
    kind TEXT NOT NULL, run TEXT NOT NULL, by_run TEXT NOT NULL,
    PRIMARY KEY (kind, run, by_run)
);
"""
INDEXES = """
CREATE INDEX IF NOT EXISTS inputs_id ON inputs (id);
CREATE INDEX IF NOT EXISTS inputs_file ON inputs (file);
CREATE INDEX IF NOT EXISTS inputs_duplicate_of ON inputs (duplicate_of);
CREATE INDEX IF NOT EXISTS documents_input ON documents (input);
CREATE INDEX IF NOT EXISTS documents_id ON documents (id);
"""
# Columns a state store written before SCHEMA_VERSION 2 lacks.
ADDED_COLUMNS = {"documents": ("input",),
                 "inputs": ("file", "record_hash", "content_hash", "duplicate_of", "shape",
                            "version", "seen", "missing_since")}
_INPUT_COLUMNS = ("path", "size", "mtime_ns", "sha256", "outcome", "id", "run", "file",
                  "record_hash", "content_hash", "duplicate_of", "shape", "version", "seen",
                  "missing_since")
_MAX_VARS = 500  # ids per IN (...) query


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


def shape_of(settings: dict) -> str:
    """A fingerprint of the settings that change what an input becomes."""
    text = json.dumps(settings, sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def _unchanged(db: sqlite3.Connection, raw_root: str | os.PathLike, path: str) -> bool:
    """True when this path was ingested before with the same size and mtime."""
    row = db.execute("SELECT size, mtime_ns FROM inputs WHERE path=?", (path,)).fetchone()
    if row is None:
        return False
    try:
        st = os.stat(Path(raw_root, path))
    except OSError:
        return False
    return (row[0], row[1]) == (st.st_size, st.st_mtime_ns)


# The files of duplicates whose document no longer is one (see CleanStore.orphans).
_ORPHANS = ("SELECT DISTINCT i.file FROM inputs i WHERE i.outcome='duplicate' "
            "AND i.missing_since IS NULL AND NOT EXISTS (SELECT 1 FROM inputs k "
            "WHERE k.id = i.duplicate_of AND k.outcome='document')")


def work_to_do(clean_root: str | os.PathLike, raw_root: str | os.PathLike, found: list[Found],
               reprocess: str | None = None) -> bool:
    """Whether a run would have anything to clean: a new or changed file, one `reprocess`
    selects, a copy of a document that went away. Reads the state only (no lock), so that
    `cleanwire run` can answer an unchanged folder without starting Prefect."""
    path = Path(clean_root) / "state.sqlite"
    if not found:
        return False
    if not path.exists() or (reprocess and any(fnmatch.fnmatchcase(f.path, reprocess) for f in found)):
        return True
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            if db.execute("SELECT 1 FROM meta WHERE key='schema' AND value=?",
                          (str(SCHEMA_VERSION),)).fetchone() is None:
                return True  # an older store: the run brings it up to date
            if any(f.problem is not None or not _unchanged(db, raw_root, f.path) for f in found):
                return True
            present = {f.path for f in found}
            return any(f in present for (f,) in db.execute(_ORPHANS))
    except sqlite3.Error:
        return True  # let the run itself meet (and report) whatever is wrong


class RunLocked(RuntimeError):
    """Another run holds the clean folder."""


class StorageFailed(RuntimeError):
    """The clean folder could not be written: its disk is full, or it is read-only. What the
    last checkpoint committed is kept; a run after the cause is fixed goes on from there."""

    @staticmethod
    def of(exc: BaseException) -> StorageFailed | None:
        """The storage failure `exc` is, if it is one (an OSError or SQLite's own report)."""
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
            return StorageFailed(f"{exc.strerror}: {exc.filename or 'an output file'}")
        text = str(exc)
        if isinstance(exc, sqlite3.Error):
            if "disk is full" in text or "disk I/O error" in text:
                return StorageFailed(f"{os.strerror(errno.ENOSPC)}: state.sqlite ({text})")
            if "readonly database" in text:
                return StorageFailed(f"{os.strerror(errno.EROFS)}: state.sqlite ({text})")
        return None


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


@dataclass(frozen=True)
class Prior:
    """What the manifest says of an input before this run."""

    outcome: str
    run: str
    record_hash: str | None
    content_hash: str | None

    @property
    def location(self) -> tuple[str, str] | None:
        """(kind, run) of the file that holds its record; None for a JSONL/WARC file's row."""
        return (KIND_OF[self.outcome], self.run) if self.outcome in KIND_OF else None


class CleanStore:
    """The single writer of a clean folder for one run.

    Crash safety: outputs are appended to hidden files (`.<run>.jsonl.tmp`); at every checkpoint
    (after each batch) they are flushed and fsynced, their lengths are recorded in the state
    store, and the state transaction (manifest, indexes) commits with them. A run that dies —
    SIGKILL, power cut — leaves committed prefixes; the next run (holding the lock, so the old
    one is gone) truncates each file to its committed length and publishes it under its final
    name, then finishes moving the records it replaced. Inputs after the last checkpoint are not
    in the manifest, so they are simply done again: every input ends up exactly once in
    documents, duplicates or rejected.
    """

    def __init__(self, clean_root: str | os.PathLike, run_id: str, *, lock_wait: float = 0.0,
                 languages: list[str] | None = None, language_policy: str = "flag",
                 dedup_threshold: float | None = None, output_format: str = "jsonl",
                 shape: dict | None = None):
        if output_format not in FORMATS:
            raise ValueError(f"output_format {output_format!r} is not one of {FORMATS}")
        self.root = Path(clean_root)
        self.run = run_id
        self._lock = lock_clean_folder(self.root, lock_wait)
        try:
            self._open(languages, language_policy, dedup_threshold, output_format, shape)
        except BaseException:
            os.close(self._lock)
            raise

    def _open(self, languages, language_policy, dedup_threshold, output_format, shape) -> None:
        for kind in (*KINDS, "superseded", "reports"):
            (self.root / kind).mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.root / "state.sqlite", isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")  # a commit is a checkpoint: make it durable
        self.db.executescript(SCHEMA)
        migrated = self._migrate()
        self.db.executescript(INDEXES)
        self.decider = Decider(self.db, languages=languages, language_policy=language_policy,
                               dedup_threshold=dedup_threshold)
        self.settings = dict(shape or {})
        self.shape = shape_of(self.settings)
        self.version = pipeline_version()
        self.db.execute("INSERT OR IGNORE INTO shapes VALUES (?, ?)",
                        (self.shape, json.dumps(self.settings, sort_keys=True)))
        self._recover()
        self.db.execute("BEGIN")
        self.db.execute("INSERT INTO runs VALUES (?, 'running', ?, NULL, ?)",
                        (self.run, _now(), output_format))
        self.db.executemany("INSERT INTO run_files VALUES (?, ?, 0)", [(self.run, k) for k in KINDS])
        if migrated:
            self._reconcile()
        self.db.execute("COMMIT")
        if migrated:
            self._compact(self.run)
        self._files = {kind: open(self._tmp(self.run, kind), "wb") for kind in KINDS}
        self.counts: Counter = Counter()
        self.rejudged: set[str] = set()  # page files judged again at the run's end (unsettled)
        # what an input that may be judged again added to the report: (language, reasons,
        # duplicate match)
        self.counted: dict[str, tuple[str | None, tuple[str, ...], str | None]] = {}
        self.reasons: Counter = Counter()
        self.languages: Counter = Counter()
        self.removed_reasons: Counter = Counter()
        self.skipped_records: Counter = Counter()  # WARC records that are not pages, by type
        self.slowest: list[tuple[float, str]] = []  # a heap of the SLOWEST_KEPT slowest inputs
        self.gone_files: list[str] = []  # raw files found gone by this run
        self.db.execute("BEGIN")

    # -- schema ---------------------------------------------------------------------------
    def _migrate(self) -> bool:
        """Bring a state store of an older cleanwire up to SCHEMA_VERSION; True if it was older
        (its records are then reconciled with the manifest, see _reconcile)."""
        row = self.db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        if row is not None and int(row[0]) >= SCHEMA_VERSION:
            return False
        older = self.db.execute("SELECT COUNT(*) FROM inputs").fetchone()[0] > 0
        for table, columns in ADDED_COLUMNS.items():
            have = {r[1] for r in self.db.execute(f"PRAGMA table_info({table})")}
            for column in columns:
                if column not in have:
                    self.db.execute(f"ALTER TABLE {table} ADD COLUMN {column} TEXT")
        self.db.execute("UPDATE inputs SET file = CASE WHEN instr(path, '#') > 0 "
                        "THEN substr(path, 1, instr(path, '#') - 1) ELSE path END WHERE file IS NULL")
        self.db.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        return older

    def _reconcile(self) -> None:
        """A clean folder written before records were superseded may hold several records of
        one input. Read every record once: the newest of each id is its record, the others are
        marked stale (moved to superseded/ by this run), and the manifest learns each record's
        hash, text hash and the document a duplicate copies."""
        newest: dict[str, tuple[str, str, str, str | None, str | None]] = {}
        for run, fmt in self.db.execute("SELECT run, format FROM runs ORDER BY run").fetchall():
            for kind in KINDS:
                path = self.root / kind / f"{run}{SUFFIX[fmt]}"
                if not path.exists():
                    continue
                for record in read_file(path):
                    text_hash = content_hash(record["text"]) if kind == "documents" else None
                    old = newest.get(record["id"])
                    if old is not None:
                        self.db.execute("INSERT OR IGNORE INTO stale_files VALUES (?, ?, ?)",
                                        (old[0], old[1], self.run))
                    newest[record["id"]] = (kind, run, record_hash(record), text_hash,
                                            record.get("duplicate_of"))
        outcome_of = {kind: outcome for outcome, kind in KIND_OF.items()}
        self.db.executemany(
            "UPDATE inputs SET run=?, outcome=?, record_hash=?, content_hash=?, duplicate_of=? "
            "WHERE id=? AND outcome != 'container'",
            [(run, outcome_of[kind], rh, th, dup, doc_id)
             for doc_id, (kind, run, rh, th, dup) in newest.items()])
        # A text's input was not kept: a page file's is the file; a record's cannot be told.
        pages = self.db.execute(
            "SELECT DISTINCT d.path FROM documents d WHERE d.input IS NULL AND NOT EXISTS "
            "(SELECT 1 FROM inputs i WHERE i.path = d.path AND i.outcome = 'container')").fetchall()
        self.db.executemany("UPDATE documents SET input=? WHERE path=? AND input IS NULL",
                            [(document_id(path), path) for (path,) in pages])

    # -- files ----------------------------------------------------------------------------
    def _tmp(self, run: str, kind: str) -> Path:
        return self.root / kind / f".{run}.jsonl.tmp"

    def _format(self, run: str) -> str:
        row = self.db.execute("SELECT format FROM runs WHERE run=?", (run,)).fetchone()
        return row[0] if row else "jsonl"

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
        return publish(tmp, kind, self.root / kind / run, self._format(run))

    def _recover(self) -> list[str]:
        """Publish what interrupted runs committed (and what a completed run had not renamed
        yet when it died), and finish moving the records they replaced; returns the
        interrupted runs' ids."""
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
        for (by_run,) in self.db.execute("SELECT DISTINCT by_run FROM stale_files").fetchall():
            self._compact(by_run)
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

    # -- superseded records ---------------------------------------------------------------
    def _compact(self, by_run: str) -> int:
        """Move the records that run `by_run` replaced out of their run files into
        superseded/<by_run>.jsonl. Safe to repeat after a crash at any point: the superseded
        file is written whole before any run file is rewritten, and each rewrite is a rename."""
        stale = self.db.execute("SELECT kind, run FROM stale_files WHERE by_run=? ORDER BY run, kind",
                                (by_run,)).fetchall()
        if not stale:
            return 0
        files = [(kind, run, self.root / kind / f"{run}{SUFFIX[self._format(run)]}")
                 for kind, run in stale]
        # which records of each file stay: read once, used for both steps below
        files = [(kind, run, path, self._current(kind, run, path))
                 for kind, run, path in files if path.exists()]
        marker = f"superseded-written:{by_run}"
        moved = 0
        if self.db.execute("SELECT 1 FROM meta WHERE key=?", (marker,)).fetchone() is None:
            target = self.root / "superseded" / f"{by_run}.jsonl"
            tmp = target.with_name(f".{target.name}.tmp")
            with open(tmp, "w", encoding="utf-8") as out:
                for kind, run, path, keep in files:
                    if run == by_run:  # replaced in the run that wrote it: never published
                        continue
                    for record, kept in zip(read_file(path), keep, strict=True):
                        if not kept:
                            moved += 1
                            out.write(_dumps(record | {"superseded": {
                                "kind": kind, "run": run, "by": by_run}}) + "\n")
                out.flush()
                os.fsync(out.fileno())
            if moved:
                os.replace(tmp, target)
            else:
                tmp.unlink()
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, 'yes')", (marker,))
        for kind, run, path, keep in files:
            if all(keep):
                continue
            journal = path.with_name(f".{run}.compact.tmp")
            with open(journal, "w", encoding="utf-8") as out:
                for record, kept in zip(read_file(path), keep, strict=True):
                    if kept:
                        out.write(_dumps(record) + "\n")
                out.flush()
                os.fsync(out.fileno())
            if any(keep):
                publish(journal, kind, self.root / kind / run, self._format(run))
            else:
                journal.unlink()
                path.unlink()
        self.db.execute("BEGIN")
        self.db.execute("DELETE FROM stale_files WHERE by_run=?", (by_run,))
        self.db.execute("DELETE FROM meta WHERE key=?", (marker,))
        self.db.execute("COMMIT")
        return moved

    def _current(self, kind: str, run: str, path: Path) -> list[bool]:
        """For each record of a run file: is it its input's current record? The manifest says
        where each input's record is; within one file, an input's last record is the one."""
        ids = [record["id"] for record in read_file(path)]
        last = {doc_id: i for i, doc_id in enumerate(ids)}
        where: dict[str, tuple[str, str]] = {}
        distinct = list(last)
        for i in range(0, len(distinct), _MAX_VARS):
            chunk = distinct[i:i + _MAX_VARS]
            rows = self.db.execute(
                f"SELECT id, outcome, run FROM inputs WHERE outcome != 'container' "
                f"AND id IN ({','.join('?' * len(chunk))})", chunk)
            where.update((doc_id, (KIND_OF[outcome], r)) for doc_id, outcome, r in rows)
        return [last[doc_id] == i and where.get(doc_id, (kind, run)) == (kind, run)
                for i, doc_id in enumerate(ids)]

    # -- manifest -------------------------------------------------------------------------
    def plan(self, raw_root: str | os.PathLike, found: list[Found],
             reprocess: str | None = None) -> list[Found]:
        """The discovered inputs to clean in this run: new or changed files, and those the
        `reprocess` path pattern selects ("*": all). The others are counted as unchanged. Raw
        files the manifest knows and discovery did not find are marked gone (their records
        stay); files that came back are marked present again."""
        present = {item.path for item in found}
        known = {f for (f,) in self.db.execute(
            "SELECT DISTINCT file FROM inputs WHERE missing_since IS NULL")}
        self.gone_files = sorted(known - present)
        self.db.executemany("UPDATE inputs SET missing_since=? WHERE file=?",
                            [(self.run, f) for f in self.gone_files])
        back = {f for (f,) in self.db.execute(
            "SELECT DISTINCT file FROM inputs WHERE missing_since IS NOT NULL")} & present
        self.db.executemany("UPDATE inputs SET missing_since=NULL WHERE file=?", [(f,) for f in back])
        todo = []
        for item in found:
            if reprocess and fnmatch.fnmatchcase(item.path, reprocess):
                self.counts["reprocess"] += 1
                todo.append(item)
            elif item.problem is None and _unchanged(self.db, raw_root, item.path):
                self.counts["skipped_unchanged"] += 1
            else:
                todo.append(item)
        return todo

    def unsettled(self, found: list[Found]) -> list[Found]:
        """Page files whose document was judged against too few documents of its site, which
        has many more now (running.sitestats.SiteStats.unsettled): judged again at the end of
        the run, with the site's template known. A page out of a JSONL/WARC file is not (its
        file would be read again whole)."""
        ids = self.decider.sites.unsettled()
        files: set[str] = set()
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            files.update(f for (f,) in self.db.execute(
                "SELECT path FROM inputs WHERE path = file AND missing_since IS NULL "
                f"AND id IN ({','.join('?' * len(chunk))})", chunk))
        again = [item for item in found if item.path in files and item.part is None]
        self.rejudged.update(item.path for item in again)
        self.counts["judged_again"] += len(again)
        return again

    def orphans(self, found: list[Found]) -> list[Found]:
        """Inputs whose record says they copy a document that no longer is one (it was edited
        into a rejection or a copy itself): they are cleaned again, so that every duplicate
        points at a document that exists."""
        files = {f for (f,) in self.db.execute(_ORPHANS)}
        return [item for item in found if item.path in files]

    def resume_point(self, path: str) -> Resume | None:
        """Where the next record of a JSONL/WARC file is, after the parts of it committed so
        far (by this run or an earlier one); None when none was."""
        row = self.db.execute("SELECT start, skip, offset, record, sha256, size, mtime_ns "
                              "FROM archives WHERE file=?", (path,)).fetchone()
        return Resume(Point(*row[:4]), *row[4:]) if row else None

    def _prior(self, key: str) -> Prior | None:
        row = self.db.execute("SELECT outcome, run, record_hash, content_hash FROM inputs "
                              "WHERE path=?", (key,)).fetchone()
        return Prior(*row) if row else None

    def _set_row(self, key: str, prior: Prior | None, **row) -> None:
        """Write an input's manifest row; the record it had before, if it is replaced, is
        stale in its run file."""
        values = {"path": key, "shape": self.shape, "version": self.version, "seen": self.run,
                  "missing_since": None} | row
        if prior is not None and prior.location is not None:
            self.db.execute("INSERT OR IGNORE INTO stale_files VALUES (?, ?, ?)",
                            (*prior.location, self.run))
            if prior.run != self.run:  # a record of this run itself was never published
                self.counts["superseded"] += 1
        self.db.execute(f"INSERT OR REPLACE INTO inputs ({','.join(_INPUT_COLUMNS)}) "
                        f"VALUES ({','.join('?' * len(_INPUT_COLUMNS))})",
                        [values.get(c) for c in _INPUT_COLUMNS])

    # -- outcomes -------------------------------------------------------------------------
    def _write(self, kind: str, record: dict) -> None:
        self._files[kind].write((_dumps(record) + "\n").encode("utf-8"))

    def add_file(self, outcome: FileOutcome) -> None:
        """Decide and write what became of one input, in the order the flow gives (which makes
        the kept copy the first in path order), then what is known of the file as a whole."""
        self.skipped_records.update(outcome.skipped)
        size, mtime = outcome.stat or (None, None)
        for result in outcome.results:
            self.add(result, outcome.seconds, size, mtime)
        if (part := outcome.part) is not None:  # its records up to part.after are done
            after = part.after
            self.db.execute("INSERT OR REPLACE INTO archives VALUES (?,?,?,?,?,?,?,?)",
                            (outcome.path, after.start, after.skip, after.offset, after.record,
                             part.after_sha256, part.size, part.mtime_ns))
        if outcome.container:  # a JSONL/WARC file read through: the manifest knows it whole
            self._set_row(outcome.path, self._prior(outcome.path), size=size, mtime_ns=mtime,
                          sha256=outcome.sha256, outcome="container", id=document_id(outcome.path),
                          run=self.run, file=outcome.path)
        if part is None or part.last and part.whole:
            self._records_gone(outcome.path)
        elif not part.whole:  # read again from where a run stopped: the records it re-read
            self._records_gone(outcome.path, range(part.at.record, part.after.record))

    def add(self, result: Document | Rejection, seconds: float = 0.0, size: int | None = None,
            mtime: int | None = None) -> str:
        """Decide and write one page's result. Returns what became of it: document, duplicate,
        rejected or unchanged (the same record as before: nothing written)."""
        heapq.heappush(self.slowest, (seconds, result.source.path))
        if len(self.slowest) > SLOWEST_KEPT:
            heapq.heappop(self.slowest)
        source = result.source
        key = source.path if source.record is None else f"{source.path}#{source.record}"
        prior = self._prior(key)
        decision = self._decide(result)
        settling = self.decider.sites.judged(  # a page file's, not a record's (unsettled)
            decision.result, decision.outcome != "rejected" and source.record is None,
            decision.site)
        record = decision.record
        digest = record_hash(record)
        # judged again at the end of the run (unsettled): already counted once in this run
        again = key in self.rejudged and prior is not None
        if prior is not None and prior.record_hash == digest and prior.outcome == decision.outcome:
            kind = "unchanged"
            self.db.execute("UPDATE inputs SET size=?, mtime_ns=?, sha256=?, shape=?, version=?, "
                            "seen=?, missing_since=NULL WHERE path=?",
                            (size, mtime, source.sha256, self.shape, self.version, self.run, key))
            if again:  # the same record: counted as it was
                return kind
        else:
            kind = decision.outcome
            if again:
                self._uncount(key, prior)
            if prior is not None:
                self._unindex(result.id, prior, decision)
            self._index(decision, source.path, settling)
            self._write(decision.kind, record)
            self._set_row(key, prior, size=size, mtime_ns=mtime, sha256=source.sha256,
                          outcome=decision.outcome, id=result.id, run=self.run, file=source.path,
                          record_hash=digest, content_hash=decision.content_hash,
                          duplicate_of=decision.duplicate_of)
        self.counts[kind] += 1
        return kind

    def _decide(self, result: Document | Rejection) -> Decision:
        """The decider's judgement, or, when deciding fails for an unforeseen reason (a bug),
        the input's rejection as an `error` that names where it failed: one input's failure
        never ends the run. Deciding only reads the state, so a failure leaves it as it was."""
        try:
            return self.decider.decide(result)
        except Exception as exc:  # noqa: BLE001 - any bug in deciding is this input's rejection
            where = traceback.extract_tb(exc.__traceback__)[-1]
            detail = (f"while deciding: {type(exc).__name__}: {exc} "
                      f"({Path(where.filename).name}:{where.lineno})")
            rejection = Rejection(result.id, result.source, "error", detail)
            return Decision("rejected", rejection, rejection.to_record())

    def _uncount(self, key: str, prior: Prior) -> None:
        """Take back what an input judged again counted earlier in this run: its outcome, or
        its being unchanged."""
        if prior.run != self.run:
            self.counts["skipped_unchanged"] -= 1
            return
        self.counts[prior.outcome] -= 1
        if (counted := self.counted.pop(key, None)) is not None:
            language, reasons, match = counted
            languages = (language,) if language is not None else ()
            if match is not None:
                self.counts[f"duplicate_{match}"] -= 1
            self.languages.subtract(languages)
            self.removed_reasons.subtract(reasons)
            for counter, keys in ((self.languages, languages), (self.removed_reasons, reasons)):
                for k in keys:
                    if counter[k] <= 0:
                        del counter[k]

    def _records_gone(self, path: str, numbers: range | None = None) -> None:
        """A JSONL/WARC file is read (or rejected whole), or these `numbers` of its records:
        its records that were not in it this time are gone from the raw folder, like a deleted
        file; their records stay. (A record the file ended inside, read again once written,
        may now be no page: its rejection as truncated-warc is gone.)"""
        query = ("UPDATE inputs SET missing_since=? WHERE file=? AND path != file "
                 "AND seen IS NOT ? AND missing_since IS NULL")
        if numbers is None:
            self.db.execute(query, (self.run, path, self.run))
        else:
            self.db.executemany(query + " AND path=?",
                                [(self.run, path, self.run, f"{path}#{n}") for n in numbers])

    def _unindex(self, doc_id: str, prior: Prior, decision: Decision) -> None:
        """Take an input's earlier version out of the indexes before its new one goes in."""
        self.db.execute("DELETE FROM documents WHERE input=?", (doc_id,))
        self.decider.sites.unlearn(doc_id)  # a document's lines, or a copy's of another form
        if prior.outcome != "document":
            return
        self.decider.near.remove(doc_id)
        self.db.execute("DELETE FROM documents WHERE id=? AND content_hash=? AND input IS NULL",
                        (doc_id, prior.content_hash))
        if decision.outcome != "document":  # its copies now copy nothing: see orphans()
            self.db.execute("DELETE FROM documents WHERE id=?", (doc_id,))

    def _index(self, decision: Decision, path: str, settling: bool = False) -> None:
        """Exact duplicates by a hash of the normalized text, near ones by MinHash LSH. The kept
        copy is the first ingested: an earlier run's, else the first in path order within the
        run. A near duplicate's hash points at the kept copy, so that a later exact copy of it
        is linked to the original too."""
        doc = decision.result
        if isinstance(doc, Document) and doc.url and doc.source.record is not None:
            # a page out of an archive: what a later revisit of its URL repeats
            self.db.execute("INSERT OR REPLACE INTO urls VALUES (?, ?)", (doc.url, doc.id))
        if decision.outcome == "document":
            self.db.execute("INSERT OR REPLACE INTO documents VALUES (?,?,?,?,?)",
                            (doc.content_hash, doc.id, self.run, path, doc.id))
            self.decider.near.add(doc.id, doc.signature)
            self.decider.sites.learn(doc)
            reasons = tuple(r["reason"] for r in doc.removed)
            self.languages[doc.language] += 1
            self.removed_reasons.update(reasons)
            if settling:  # may be judged again in this run: see unsettled()
                self.counted[path] = (doc.language, reasons, None)
        elif decision.outcome == "duplicate":
            self.counts[f"duplicate_{decision.match}"] += 1
            if settling:
                self.counted[path] = (None, (), decision.match)
            if decision.match == "near":
                self.db.execute("INSERT OR REPLACE INTO documents VALUES (?,?,?,?,?)",
                                (doc.content_hash, decision.duplicate_of, self.run, path, doc.id))
                kept = self.decider.near.signature_of(decision.duplicate_of)
                if kept is not None and cross_form(doc.signature, kept):
                    # a text dump of an HTML page kept (or the other way round): its lines are
                    # its site's evidence, which the kept copy of the other form does not hold
                    self.decider.sites.learn(doc)
        else:
            self.reasons[doc.reason] += 1

    # -- end of run -----------------------------------------------------------------------
    def finish(self, report: dict) -> dict[str, Path]:
        """Checkpoint, publish the outputs under their final names, move the records this run
        replaced to superseded/, write the report."""
        try:
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
            if self._compact(self.run):
                written["superseded"] = self.root / "superseded" / f"{self.run}.jsonl"
            for kind in KINDS:  # a run file whose every record was replaced in the run is gone
                if kind in written and not written[kind].exists():
                    del written[kind]
            report_path = self.root / "reports" / f"{self.run}.json"
            _write_json(report_path, report | {"status": "completed"})
            written["report"] = report_path
        finally:  # what did not happen (a full disk) the next run does (see _recover)
            self._close()
        return written

    def abort(self) -> None:
        """The run failed: keep what its checkpoints committed, as a crash would. When that
        cannot be done now (a full disk), the next run does it."""
        try:
            # a Ctrl-C lands anywhere: between a checkpoint's COMMIT and its BEGIN no transaction
            # is open, and a ROLLBACK there raised, which left the run unreported until the next
            # run (tests/test_processes.py failed once so in a fresh clone)
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            for f in self._files.values():
                try:
                    f.close()
                except OSError:  # its unflushed tail is not committed anyway
                    pass
            self._recover()
        except (OSError, sqlite3.Error):
            pass
        finally:
            self._close()

    def _close(self) -> None:
        self.db.close()
        os.close(self._lock)  # releases the lock

    def outdated(self) -> dict:
        """Inputs whose records were made with other settings or another pipeline version than
        this run's, and what differs."""
        rows = self.db.execute(
            "SELECT i.shape, i.version, COUNT(*), s.settings FROM inputs i "
            "LEFT JOIN shapes s ON s.shape = i.shape WHERE i.outcome != 'container' "
            "AND i.missing_since IS NULL AND (i.shape IS NOT ? OR i.version IS NOT ?) "
            "GROUP BY i.shape, i.version", (self.shape, self.version)).fetchall()
        settings, versions = set(), set()
        for shape, version, _, text in rows:
            if shape != self.shape:
                then = json.loads(text) if text else {}
                settings |= {k for k in self.settings.keys() | then.keys()
                             if then.get(k) != self.settings.get(k)} or {"unknown"}
            if version != self.version:
                versions.add(version or "unknown")
        return {"inputs": sum(r[2] for r in rows), "settings": sorted(settings),
                "versions": sorted(versions)}

    def report(self, files_seen: int, seconds: float) -> dict:
        slowest = sorted(self.slowest, reverse=True)
        gone_documents = self.db.execute(
            "SELECT COUNT(*) FROM inputs WHERE outcome='document' AND missing_since IS NOT NULL"
        ).fetchone()[0]
        return {
            "run": self.run,
            "files_seen": files_seen,
            "documents": self.counts["document"],
            "duplicates": self.counts["duplicate"],
            "duplicates_by_kind": {"exact": self.counts["duplicate_exact"],
                                   "near": self.counts["duplicate_near"],
                                   "revisit": self.counts["duplicate_revisit"]},
            "rejected": self.counts["rejected"],
            "rejected_by_reason": dict(sorted(self.reasons.items())),
            "unchanged": self.counts["unchanged"] + self.counts["skipped_unchanged"],
            "superseded": self.counts["superseded"],
            "reprocessed": self.counts["reprocess"],
            "judged_again": self.counts["judged_again"],
            "gone": {"files": self.gone_files[:100], "files_count": len(self.gone_files),
                     "documents_without_raw": gone_documents},
            "outdated": self.outdated(),
            "pipeline": {"version": self.version, "settings": self.settings},
            "languages": dict(self.languages.most_common()),
            "removed_reasons": dict(self.removed_reasons.most_common(TOP_REASONS)),
            "skipped_records": dict(self.skipped_records.most_common()),
            "slowest": [{"path": p, "seconds": s} for s, p in slowest],
            "seconds": round(seconds, 3),
        }
