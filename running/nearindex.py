"""The near-duplicate index: banded MinHash LSH over SQLite, in the flow process.

The signatures, their parameters and their scheme are cleaners.neardup's (computed in the
workers); this is the state they are matched against, in commit order.

A candidate is one document with the new one when their estimated Jaccard is >= THRESHOLD, or
when the smaller text is contained in the other (>= CONTAINMENT, cleaners.neardup). Containment
counts only the minima the candidate shares with the new document and with *no other candidate*:
pages of one site share the site's template, so a minimum that the new document shares with two
of its pages is template, not its content. The same page in another form shares its article with
no other document. Measured on the real runs of bench/forms.py (train pages): of the 89 HTML/text
pairs of one page it was computed for, it changes one (0.48 to 0.30, below CONTAINMENT either
way), and it brings pages of one site sharing a template from up to 0.83 to <= 0.33.

The Jaccard test asks the same of the minima it counts: at least OWN_SHARE of those the pair
agrees on must be its own (cleaners.neardup). Two text dumps of one site whose cleaning kept
mostly the site's sidebar reach a Jaccard of 0.5 on it when a third page of the site holds it too.
Both tests cost a miss, never a merge: a text whose content two kept documents both hold is one
with neither of them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from cleaners.neardup import (
    BANDS,
    CONTAINMENT,
    CONTAINMENT_MIN_JACCARD,
    CROSS_FORM_CONTAINMENT,
    CROSS_FORM_CONTAINMENT_MIN_JACCARD,
    NUM_PERM,
    OWN_SHARE,
    ROWS,
    SIGNATURE_SCHEME,
    THRESHOLD,
    band_keys,
    containment,
    cross_form,
    shingle_count,
    signature_values,
    threshold_for,
)

# SQLite limits bound parameters to 32766 (3.32+); stay well below for older builds.
_MAX_VARS = 900 * 9

SCHEMA = """
CREATE TABLE IF NOT EXISTS neardup_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS neardup_docs (
    n INTEGER PRIMARY KEY,        -- dense number, the band table's reference
    id TEXT NOT NULL,             -- document id
    sig BLOB NOT NULL             -- signature(): NUM_PERM little-endian uint16, then the
                                  -- shingle-set size (uint32, absent in older stores)
);
CREATE INDEX IF NOT EXISTS neardup_docs_id ON neardup_docs (id);
CREATE TABLE IF NOT EXISTS neardup_bands (
    key INTEGER NOT NULL,         -- 48-bit hash of (band number, that band's values)
    n INTEGER NOT NULL,
    PRIMARY KEY (key, n)
) WITHOUT ROWID;
"""


# The banding the band rows were made with; a store without it has the original 32 x 4.
BANDING = f"{BANDS}x{ROWS}"
_OLD_BANDING = "32x4"


# -- the index ---------------------------------------------------------------------------------
def _agreeing(a, b) -> int:
    """The permutations whose minima agree, as the bits of an int."""
    return sum(1 << i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x == y)


def _contained(sig: bytes, other: bytes, s: float, own: float) -> bool:
    """Is the smaller of the two texts contained in the other? `s`: their estimated Jaccard;
    `own`: the share of minima they agree on and no other candidate does."""
    cross = cross_form(sig, other)
    if s < (CROSS_FORM_CONTAINMENT_MIN_JACCARD if cross else CONTAINMENT_MIN_JACCARD):
        return False
    size, other_size = shingle_count(sig), shingle_count(other)
    if size is None or other_size is None:  # stored before sizes were: Jaccard only
        return False
    return containment(own, size, other_size, s) >= (CROSS_FORM_CONTAINMENT if cross
                                                      else CONTAINMENT)


def _chunks(seq: list, size: int) -> Iterable[list]:
    for i in range(0, len(seq), size):
        yield seq[i:i + size]


class NearDupIndex:
    """Banded MinHash LSH over SQLite tables in the caller's connection (and transaction).

    Nothing of the index is held in Python between calls: a call reads the band rows of its
    batch's keys and the signatures of the candidates they name, and writes the new rows.
    """

    def __init__(self, db: sqlite3.Connection, threshold: float | None = None):
        """`threshold`: estimated Jaccard at or above which two documents are one (default
        THRESHOLD). Below ~0.2 the banding misses candidates: lower it together with ROWS.
        A store whose band rows were made with another banding has them made again."""
        self.db = db
        self.threshold = THRESHOLD if threshold is None else threshold
        for stmt in SCHEMA.split(";"):
            if stmt.strip():
                db.execute(stmt)
        row = db.execute("SELECT value FROM neardup_meta WHERE key='scheme'").fetchone()
        if row is None:
            db.execute("INSERT INTO neardup_meta VALUES ('scheme', ?)", (SIGNATURE_SCHEME,))
            db.execute("INSERT INTO neardup_meta VALUES ('banding', ?)", (BANDING,))
        elif row[0] != SIGNATURE_SCHEME:
            raise RuntimeError(f"near-duplicate index was built with {row[0]}, this code makes "
                               f"{SIGNATURE_SCHEME}: rebuild it (drop the neardup_* tables)")
        else:
            row = db.execute("SELECT value FROM neardup_meta WHERE key='banding'").fetchone()
            if (row[0] if row else _OLD_BANDING) != BANDING:
                self._rebuild_bands()
        self.lookups = 0  # band keys looked up, cumulative (for the bench)
        self.inserts = 0  # rows inserted (documents + band rows), cumulative

    def _rebuild_bands(self) -> None:
        """Band rows of another banding (an older store): made again from the stored signatures,
        which the banding does not change. Once, in the caller's transaction."""
        self.db.execute("DELETE FROM neardup_bands")
        last = 0
        while rows := self.db.execute("SELECT n, sig FROM neardup_docs WHERE n > ? ORDER BY n "
                                      "LIMIT 10000", (last,)).fetchall():
            self.db.executemany("INSERT OR IGNORE INTO neardup_bands VALUES (?,?)",
                                sorted((k, n) for n, sig in rows for k in band_keys(sig)))
            last = rows[-1][0]
        self.db.execute("INSERT OR REPLACE INTO neardup_meta VALUES ('banding', ?)", (BANDING,))

    def __len__(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM neardup_docs").fetchone()[0]

    def match_and_add(self, items: list[tuple[str, bytes]], *, add: bool = True,
                      exclude: frozenset[str] = frozenset()) -> list[tuple[str, float] | None]:
        """For each (id, signature) in commit order: the best earlier document that is one with
        it (estimated Jaccard >= THRESHOLD, or contained: see the module) as (its id, estimated
        Jaccard), the item then not indexed; else None and the item is indexed. The highest
        Jaccard wins; ties go to the earliest indexed document (deterministic).
        add=False only looks (cleanwire explain); documents in `exclude` are no candidates (an
        input judged again is no copy of its own earlier version)."""
        if not items:
            return []
        keys = [band_keys(sig) for _, sig in items]
        # 1. Candidates from earlier calls: one IN query per chunk of keys.
        hits: dict[int, list[int]] = {}
        distinct = sorted({k for ks in keys for k in ks})
        for chunk in _chunks(distinct, _MAX_VARS):
            q = f"SELECT key, n FROM neardup_bands WHERE key IN ({','.join('?' * len(chunk))})"
            for key, n in self.db.execute(q, chunk):
                hits.setdefault(key, []).append(n)
        self.lookups += len(distinct)
        wanted = sorted({n for ns in hits.values() for n in ns})
        stored: dict[int, tuple[str, bytes]] = {}
        for chunk in _chunks(wanted, _MAX_VARS):
            q = f"SELECT n, id, sig FROM neardup_docs WHERE n IN ({','.join('?' * len(chunk))})"
            for n, doc_id, sig in self.db.execute(q, chunk):
                if doc_id not in exclude:
                    stored[n] = (doc_id, sig)
        # 2. Decide in order; items indexed in this call are candidates for the later ones.
        top = self.db.execute("SELECT COALESCE(MAX(n), 0) FROM neardup_docs").fetchone()[0]
        batch_keys: dict[int, list[int]] = {}
        new_docs: list[tuple[int, str, bytes]] = []
        new_bands: list[tuple[int, int]] = []
        out: list[tuple[str, float] | None] = []
        for (doc_id, sig), ks in zip(items, keys, strict=True):
            cands = sorted(({n for k in ks for n in hits.get(k, ())}
                            | {n for k in ks for n in batch_keys.get(k, ())}) & stored.keys())
            best: tuple[str, float] | None = None
            if cands:
                mine = signature_values(sig)
                agree = {n: _agreeing(mine, signature_values(stored[n][1])) for n in cands}
                once = twice = 0  # minima agreeing with one candidate, with two or more
                for bits in agree.values():
                    twice |= once & bits
                    once |= bits
                for n in cands:
                    other_id, other = stored[n]
                    s = agree[n].bit_count() / NUM_PERM
                    own = (agree[n] & ~twice).bit_count() / NUM_PERM
                    # a Jaccard that rests on minima other candidates share too is a template's
                    if (s < threshold_for(sig, other, self.threshold) or own < OWN_SHARE * s) \
                            and not _contained(sig, other, s, own):
                        continue
                    if best is None or s > best[1]:
                        best = (other_id, s)
            out.append(best)
            if best is None:
                top += 1
                stored[top] = (doc_id, sig)
                new_docs.append((top, doc_id, sig))
                for k in ks:
                    batch_keys.setdefault(k, []).append(top)
                    new_bands.append((k, top))
        # 3. Write the new documents and their band rows (in key order: B-tree locality).
        if not add:
            return out
        self.db.executemany("INSERT INTO neardup_docs VALUES (?,?,?)", new_docs)
        new_bands.sort()
        self.db.executemany("INSERT OR IGNORE INTO neardup_bands VALUES (?,?)", new_bands)
        self.inserts += len(new_docs) + len(new_bands)
        return out

    def add(self, doc_id: str, sig: bytes) -> None:
        """Index a document the caller has already found to be no copy."""
        top = self.db.execute("SELECT COALESCE(MAX(n), 0) FROM neardup_docs").fetchone()[0] + 1
        self.db.execute("INSERT INTO neardup_docs VALUES (?,?,?)", (top, doc_id, sig))
        self.db.executemany("INSERT OR IGNORE INTO neardup_bands VALUES (?,?)",
                            sorted((k, top) for k in band_keys(sig)))
        self.inserts += 1 + BANDS

    def signature_of(self, doc_id: str) -> bytes | None:
        """The signature a document is indexed with (None: it is not indexed)."""
        row = self.db.execute("SELECT sig FROM neardup_docs WHERE id=? LIMIT 1",
                              (doc_id,)).fetchone()
        return row[0] if row else None

    def remove(self, doc_id: str) -> None:
        """Take a document out of the index (its input changed, or no longer is a document)."""
        for n, sig in self.db.execute("SELECT n, sig FROM neardup_docs WHERE id=?", (doc_id,)).fetchall():
            self.db.executemany("DELETE FROM neardup_bands WHERE key=? AND n=?",
                                [(k, n) for k in band_keys(sig)])
            self.db.execute("DELETE FROM neardup_docs WHERE n=?", (n,))
