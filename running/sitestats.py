"""Per-site line statistics: a line that recurs in many documents of one site is template.

The workers tag each document with its site evidence (cleaners.site: the keys of its lines);
here the flow process counts them per site in the state store (CLEAN/state.sqlite), so they grow
with every run, and decides at commit time, in commit order, which keeps the result
deterministic. A site's first pages, judged against few others, are judged again at the end of
a run that gave the site many more (SiteStats.unsettled, running.runs). Removing the lines is
cleaners.pipeline.without_paragraphs.
"""

from __future__ import annotations

import sqlite3
from array import array

from cleaners.document import Document, Rejection
from cleaners.pipeline import without_paragraphs
from cleaners.site import site_key

# A line seen in at least this many earlier documents of the site...
TEMPLATE_MIN_DOCS = 3
# ...and in at least this share of them is template: an article sentence does not recur in a
# fifth of a site's pages, and a template line that varies a little still passes this share.
TEMPLATE_MIN_SHARE = 0.2
# A document judged against fewer than SETTLE_BELOW_DOCS other documents of its site is judged
# again at the end of a run after which the site has enough for a template where it had not, or
# SETTLE_GROWTH times as many: a folder of one site's new pages would otherwise leave its first
# three pages with no site evidence at all, and the next few with little. Recorded in the state
# store with the batch, so that a run killed and run again ends as an uninterrupted one.
SETTLE_BELOW_DOCS = 50
SETTLE_GROWTH = 2
SCHEMA = """
CREATE TABLE IF NOT EXISTS site_docs (site TEXT PRIMARY KEY, docs INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS site_lines (
    site TEXT NOT NULL, line INTEGER NOT NULL, docs INTEGER NOT NULL,
    PRIMARY KEY (site, line)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS site_learned (  -- what each document added, to take it back exactly
    id TEXT PRIMARY KEY, site TEXT NOT NULL,
    lines BLOB NOT NULL                    -- its distinct line hashes, 8 bytes each
);
CREATE TABLE IF NOT EXISTS site_judged (   -- pages judged with few others of their site (kept
                                           -- or found copies)
    id TEXT PRIMARY KEY, site TEXT NOT NULL,
    docs INTEGER NOT NULL,                 -- how many others it was judged against
    lines BLOB NOT NULL                    -- its distinct line hashes, 8 bytes each
);
"""


class SiteStats:
    def __init__(self, db: sqlite3.Connection):
        self.db = db
        db.executescript(SCHEMA)

    def template_lines(self, site: str, keys: list[int | None],
                       exclude: str | None = None) -> tuple[int, list[tuple[int, str]]]:
        """(index, evidence) of the paragraphs (by their line keys) that are this site's
        template. The document `exclude` does not count (an input judged again is judged by
        the others)."""
        row = self.db.execute("SELECT docs FROM site_docs WHERE site=?", (site,)).fetchone()
        mine = exclude is not None and self.db.execute(
            "SELECT lines FROM site_learned WHERE id=? AND site=?", (exclude, site)).fetchone()
        own = set(array("q", mine[0])) if mine else set()  # the line hashes it added
        docs = (row[0] if row else 0) - (1 if mine else 0)
        if docs < TEMPLATE_MIN_DOCS:
            return docs, []
        need = max(TEMPLATE_MIN_DOCS, TEMPLATE_MIN_SHARE * docs)
        hashes = {i: h for i, h in enumerate(keys) if h is not None}
        if not hashes:
            return docs, []
        marks = ",".join("?" * len(set(hashes.values())))
        counts = {line: n - (line in own) for line, n in self.db.execute(
            f"SELECT line, docs FROM site_lines WHERE site=? AND line IN ({marks})",
            (site, *set(hashes.values())))}
        return docs, [(i, f"in {counts[h]} of {docs} other documents of {site}")
                      for i, h in hashes.items() if counts.get(h, 0) >= need]

    def judged(self, doc: Document | Rejection, kept: bool,
               against: tuple[str, int] | None) -> bool:
        """Record how a page was judged (the writer calls this after each decision; `kept`: a
        document or a copy, not a rejection; `against`: its site and the other documents of it
        the decision saw): True when it may be judged again (see unsettled). A copy found
        before its site's template was known may be no copy once the template is gone from
        both."""
        if kept and isinstance(doc, Document) and against is not None \
                and against[1] < SETTLE_BELOW_DOCS:
            lines = array("q", sorted({h for h in doc.line_keys if h is not None}))
            self.db.execute("INSERT OR REPLACE INTO site_judged VALUES (?, ?, ?, ?)",
                            (doc.id, *against, lines.tobytes()))
            return True
        self.db.execute("DELETE FROM site_judged WHERE id=?", (doc.id,))
        return False

    def unsettled(self) -> list[str]:
        """The pages judged against too few documents of their site, which now has enough for
        a template where it had not, or SETTLE_GROWTH times as many, and whose lines hold some
        of that template now (a folder of unrelated pages has none: nothing to judge again)."""
        rows = self.db.execute(
            "SELECT j.id, j.site, j.docs, j.lines, d.docs, "
            "EXISTS (SELECT 1 FROM site_learned l WHERE l.id = j.id) "
            "FROM site_judged j JOIN site_docs d ON d.site = j.site ORDER BY j.id").fetchall()
        out = []
        for doc_id, site, then, lines, total, learned in rows:
            now = total - learned  # the other documents of its site
            if now < TEMPLATE_MIN_DOCS or then >= TEMPLATE_MIN_DOCS and now < SETTLE_GROWTH * then:
                continue
            need = max(TEMPLATE_MIN_DOCS, TEMPLATE_MIN_SHARE * now) + learned  # its own count
            hashes = list(array("q", lines))
            for i in range(0, len(hashes), 500):
                chunk = hashes[i:i + 500]
                if self.db.execute(
                        f"SELECT 1 FROM site_lines WHERE site=? AND docs >= ? AND line IN "
                        f"({','.join('?' * len(chunk))}) LIMIT 1", (site, need, *chunk)).fetchone():
                    out.append(doc_id)
                    break
        return out

    def learn(self, doc: Document) -> None:
        """Count a new document of its site, and each distinct line it had, kept or removed."""
        site = site_key(doc.site, doc.source.path, doc.site_from_title)
        if site is None:
            return
        self.db.execute("INSERT INTO site_docs VALUES (?, 1) "
                        "ON CONFLICT(site) DO UPDATE SET docs = docs + 1", (site,))
        hashes = sorted({h for h in doc.line_keys if h is not None})
        self.db.executemany("INSERT INTO site_lines VALUES (?, ?, 1) "
                            "ON CONFLICT(site, line) DO UPDATE SET docs = docs + 1",
                            [(site, h) for h in hashes])
        self.db.execute("INSERT OR REPLACE INTO site_learned VALUES (?, ?, ?)",
                        (doc.id, site, array("q", hashes).tobytes()))

    def unlearn(self, doc_id: str) -> None:
        """Take back what a document added (its input changed, or no longer is a document).
        Documents learned before cleanwire kept this record cannot be taken back, and stay."""
        row = self.db.execute("SELECT site, lines FROM site_learned WHERE id=?", (doc_id,)).fetchone()
        if row is None:
            return
        site, lines = row
        self.db.execute("UPDATE site_docs SET docs = docs - 1 WHERE site=?", (site,))
        self.db.executemany("UPDATE site_lines SET docs = docs - 1 WHERE site=? AND line=?",
                            [(site, h) for h in array("q", lines)])
        self.db.execute("DELETE FROM site_lines WHERE site=? AND docs <= 0", (site,))
        self.db.execute("DELETE FROM site_learned WHERE id=?", (doc_id,))
        self.db.execute("DELETE FROM site_judged WHERE id=?", (doc_id,))


def strip_template(doc: Document, stats: SiteStats, exclude: str | None = None
                   ) -> tuple[Document | Rejection, tuple[str, int] | None]:
    """The document without the paragraphs its site's other documents mark as template; each
    goes to `removed` with the evidence. `exclude`: a document whose own counts do not count.
    Also (site, the other documents of it seen); None for a document of no known site."""
    key = site_key(doc.site, doc.source.path, doc.site_from_title)
    if key is None:
        return doc, None
    paragraphs = doc.text.count("\n") + 1
    others, template = stats.template_lines(key, list(doc.line_keys[:paragraphs]), exclude)
    if not template:
        return doc, (key, others)
    if len(template) == paragraphs:
        return Rejection(doc.id, doc.source, "no-text-after-cleaning",
                         f"only lines that are template of {key} were left"), (key, others)
    return without_paragraphs(doc, {i: {"reason": "site-template", "detail": why}
                                    for i, why in template}), (key, others)
