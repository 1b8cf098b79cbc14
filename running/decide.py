"""What becomes of a cleaned input, given the clean folder's state: the flow process's part.

A worker returns a `Document` or a `Rejection`; then, against what earlier inputs left in the
state store, the document loses its site's template lines, meets the language allow-list, and is
kept or found to copy a kept document (exactly, or nearly). `Decider.decide` does all of that by
reading only: the store applies its decision (running/store.py), and `cleanwire explain` shows it
without writing anything, so both run this one piece of code.

An input judged again (an edited file, `--reprocess`) is judged as if its own earlier version
were not there: it is no copy of itself, and its own lines do not make its site's template.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, replace

from cleaners.document import Document, Rejection
from running.nearindex import NearDupIndex
from running.sitestats import SiteStats, strip_template

KIND_OF = {"document": "documents", "duplicate": "duplicates", "rejected": "rejected"}
EXACT_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (  -- the exact-duplicate index
    content_hash TEXT PRIMARY KEY,  -- sha256 of the normalized clean text
    id TEXT NOT NULL,               -- the kept document this text is (or copies)
    run TEXT NOT NULL,
    path TEXT NOT NULL,
    input TEXT                      -- the id of the input whose text it is
);
CREATE TABLE IF NOT EXISTS urls (   -- the page fetched from a URL (what a WARC revisit repeats)
    url TEXT PRIMARY KEY,
    id TEXT NOT NULL                -- the id of the input that page is
);
"""


def record_hash(record: dict) -> str:
    """The identity of a record as written: an input whose new record hashes the same is
    unchanged, and its earlier record stays."""
    text = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Decision:
    outcome: str                        # document, duplicate, rejected
    result: Document | Rejection        # after site templates and the language policy
    record: dict                        # what is written for it
    duplicate_of: str | None = None
    match: str | None = None            # exact, near or revisit, for a duplicate
    site: tuple[str, int] | None = None  # its site and the other documents of it it was judged by

    @property
    def kind(self) -> str:
        return KIND_OF[self.outcome]

    @property
    def content_hash(self) -> str | None:
        return self.result.content_hash if isinstance(self.result, Document) else None


class Decider:
    def __init__(self, db: sqlite3.Connection, *, languages: list[str] | None = None,
                 language_policy: str = "flag", dedup_threshold: float | None = None):
        self.db = db
        db.executescript(EXACT_SCHEMA)
        self.sites = SiteStats(db)
        self.near = NearDupIndex(db, dedup_threshold)
        self.allowed_languages = frozenset(languages or ())
        self.language_policy = language_policy

    def decide(self, result: Document | Rejection) -> Decision:
        site = None
        if isinstance(result, Document):
            result, site = strip_template(result, self.sites, exclude=result.id)
            result = self._check_language(result)
        decision = self._decide(result)
        return replace(decision, site=site) if site is not None else decision

    def _decide(self, result: Document | Rejection) -> Decision:
        if isinstance(result, Rejection):
            if result.refers_to is not None and (original := self._by_url(result.refers_to)):
                return self._duplicate(result, original, "revisit", 1.0)
            return Decision("rejected", result, result.to_record())
        row = self.db.execute(
            "SELECT id FROM documents WHERE content_hash=? AND (input IS NULL OR input != ?)",
            (result.content_hash, result.id)).fetchone()
        if row is not None and row[0] != result.id:
            return self._duplicate(result, row[0], "exact", 1.0)
        if row is None:
            (match,) = self.near.match_and_add([(result.id, result.signature)], add=False,
                                               exclude=frozenset({result.id}))
            if match is not None:
                return self._duplicate(result, match[0], "near", round(match[1], 4))
        return Decision("document", result, result.to_record())

    def _by_url(self, url: str) -> str | None:
        """The kept document of the page fetched from `url` (the one a revisit repeats)."""
        row = self.db.execute("SELECT i.outcome, i.id, i.duplicate_of FROM urls u JOIN inputs i "
                              "ON i.id = u.id WHERE u.url=? AND i.missing_since IS NULL",
                              (url,)).fetchone()
        if row is None or row[0] not in ("document", "duplicate"):
            return None
        return row[1] if row[0] == "document" else row[2]

    def _duplicate(self, doc: Document | Rejection, original: str, match: str,
                   similarity: float) -> Decision:
        record = {"id": doc.id, "duplicate_of": original, "kind": match,
                  "similarity": similarity, "source": doc.source.to_record()}
        return Decision("duplicate", doc, record, original, match)

    def _check_language(self, doc: Document | Rejection) -> Document | Rejection:
        allowed = self.allowed_languages
        if not allowed or isinstance(doc, Rejection) or doc.language in allowed:
            return doc
        detail = f"{doc.language} ({doc.language_score:.2f}) is not in {sorted(allowed)}"
        if self.language_policy == "reject":
            return Rejection(doc.id, doc.source, "language-not-allowed", detail)
        return replace(doc, flags=doc.flags + ("language-not-allowed",))
