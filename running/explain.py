"""Why an input became what it became: the data behind `cleanwire explain`.

It runs the pipeline's own code on one input, or one record of a JSONL/WARC file: the workers'
cleaning (running.work.clean_file, the steps of cleaners.pipeline) and then the flow process's decisions
(running.decide: the site's template lines, the language policy, duplicates), against the clean
folder's state, read only. What it shows is what a run would write now; it then compares that
with the record written for the input, and when they differ, says why.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

from cleaners.boilerplate import Removed
from cleaners.decode import DecodeError, decode, drop_invisible
from cleaners.document import Document
from cleaners.formats import ReadError, multi_record_format
from cleaners.language import paragraph_languages
from cleaners.pipeline import Page, Pages
from cleaners.version import pipeline_version
from running.decide import KIND_OF, Decider, Decision, record_hash
from running.inputs import Found, index_archive, open_part, read_input
from running.output import SUFFIX, read_file
from running.settings import Settings, output_settings
from running.store import shape_of
from running.work import archive_pages, clean_file, whole_file


def _same(a: str, b: str) -> bool:
    """Whitespace runs and the soft hyphens clean_text drops do not count."""
    return " ".join(drop_invisible(a).split()) == " ".join(drop_invisible(b).split())


@dataclass(frozen=True)
class ExplainedLine:
    number: int               # 0-based line number in the decoded input
    text: str                 # the line as it was
    reason: str | None        # why the whole line went; None when it was kept (or blank)
    detail: str = ""
    fragments: tuple[Removed, ...] = ()  # parts cut out of a kept line (an editor's note)


def explain_lines(text: str, removed) -> list[ExplainedLine]:
    """Every line of a decoded text page, with what was removed of it. `removed`: Removed items
    or the `removed` entries of a record (dicts); entries with no line (site template lines)
    are not lines of the page's text and are left to the caller."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    by_line: dict[int, list[Removed]] = {}
    for item in removed:
        item = Removed(**item) if isinstance(item, dict) else item
        if item.line is not None:
            by_line.setdefault(item.line, []).append(item)
    out = []
    for number, line in enumerate(lines):
        found = by_line.get(number, [])
        whole = next((r for r in found if _same(r.text, line)), None)
        if whole:
            out.append(ExplainedLine(number, line, whole.reason, whole.detail))
        else:
            out.append(ExplainedLine(number, line, None, "", tuple(found)))
    return out


@dataclass(frozen=True)
class Written:
    """The record a run wrote for the input, compared with what explain finds now."""

    kind: str | None          # documents, duplicates, rejected; None: not ingested yet
    run: str | None
    file: Path | None
    matches: bool
    why: str                  # when it does not match: the reason, in a sentence


@dataclass(frozen=True)
class Explanation:
    input: str                # path in the raw folder, path#record for a record
    decision: Decision
    format: str | None        # text or html (the page's, for a record)
    page_text: str | None     # the decoded text page the line numbers refer to (text pages)
    written: Written

    @property
    def document(self) -> Document | None:
        result = self.decision.result
        return result if isinstance(result, Document) else None

    # -- each paragraph's language (issue 15) --
    @cached_property
    def paragraph_languages(self) -> list[tuple[str, str, float]]:
        """(paragraph, language, score) for each paragraph of the document's text, as the
        language detection labelled it (cleaners.language.paragraph_languages)."""
        doc = self.document
        if doc is None:
            return []
        paragraphs = doc.text.split("\n")
        return [(p, *found) for p, found in
                zip(paragraphs, paragraph_languages(paragraphs, doc.language), strict=True)]

    def language_of(self, text: str) -> tuple[str, float] | None:
        """The language of the paragraph whose text this is (white space and invisible
        characters aside), None when no paragraph of the document is."""
        return self._language_by_text.get(_key(text))

    @cached_property
    def _language_by_text(self) -> dict[str, tuple[str, float]]:
        return {_key(p): (code, score) for p, code, score in self.paragraph_languages}


def _key(text: str) -> str:
    return " ".join(drop_invisible(text).split())


class ExplainError(ValueError):
    pass


def explain(raw_root: str | os.PathLike, rel: str, record: int | None = None, *,
            settings: Settings) -> list[Explanation]:
    """What a run with `settings` would make of the input `rel` of `raw_root` (all its
    records, or the one numbered `record`), decided against the clean folder settings.clean."""
    path, clean = Path(raw_root, rel), settings.clean
    shape, version = shape_of(output_settings(settings)), pipeline_version()
    found = _input(raw_root, Found(rel, size=path.stat().st_size), record, settings)
    results = clean_file(str(raw_root), found, settings).results
    if record is not None:
        numbers = [r.source.record for r in results if r.source.record is not None]
        results = [r for r in results if r.source.record == record]
        if not results:
            raise ExplainError(f"{rel} has no record {record}"
                               + (f" (its records: {numbers[0]} to {numbers[-1]})" if numbers else
                                  " (it is not a JSONL or WARC file with records)"))
    pages = _pages(raw_root, found, settings)
    with _state(Path(clean)) as db:
        decider = Decider(db, languages=settings.languages,
                          language_policy=settings.language_policy,
                          dedup_threshold=settings.dedup_threshold)
        out = []
        for result in results:
            source = result.source
            key = source.path if source.record is None else f"{source.path}#{source.record}"
            decision = decider.decide(result)
            fmt, text = pages.get(source.record, (None, None))
            out.append(Explanation(key, decision, fmt, text,
                                   _written(db, Path(clean), key, decision, path, shape, version)))
    return out


class _state:
    """The clean folder's state store, read only; an empty one when there is none yet."""

    def __init__(self, clean: Path):
        self.path = clean / "state.sqlite"

    def __enter__(self) -> sqlite3.Connection:
        if self.path.exists():
            self.db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
            try:
                Decider(self.db)  # its tables are all there (a store of this cleanwire)
                self.db.execute("SELECT seen FROM inputs LIMIT 1")
                return self.db
            except sqlite3.OperationalError:
                self.db.close()
                raise ExplainError(f"{self.path} was written by an older cleanwire: "
                                   "run `cleanwire run` once to bring it up to date") from None
        self.db = sqlite3.connect(":memory:")
        return self.db

    def __exit__(self, *exc) -> None:
        self.db.close()


def _input(raw_root, found: Found, record: int | None, settings: Settings) -> Found:
    """The input to clean for one record of a JSONL/WARC file: the part of it that holds the
    record (the file indexed as a run's first pass does), so that explaining one record of a
    35,000-record archive cleans one record, not the archive; all of it as one part without a
    record (indexed once, for cleaning and for showing lines alike). A page file as it is."""
    if not multi_record_format(found.path):
        return found
    try:
        if record is None:
            return replace(found, part=whole_file(str(raw_root), found, settings))
        parts = index_archive(raw_root, found, 1, settings.max_decompressed_bytes)
    except (ReadError, OSError):
        return found  # the pipeline reports why, as a run would
    return next((f for f in parts if f.part.at.record <= record
                 and (f.part.last or record < f.part.at.record + f.part.count)), found)


def _pages(raw_root, found: Found, settings: Settings) -> dict[int | None, tuple[str, str | None]]:
    """record -> (format, decoded text for text pages) of the input's pages, for showing lines;
    a JSONL/WARC file's (or its part's) records are read from its stream, record by record.
    Reading failures are the pipeline's to report: here they only leave the lines out."""
    try:
        if multi_record_format(found.path):
            part = found.part or whole_file(str(raw_root), found, settings)
            with open_part(raw_root, found.path, part) as stream:
                return _texts(archive_pages(found.path, part, stream, settings))
        raw = read_input(raw_root, found.path, settings.max_file_bytes,
                         settings.max_decompressed_bytes)
    except (ReadError, OSError):
        return {}
    return _texts(Pages(raw, None, settings.jsonl_fields or None))


def _texts(pages: Pages) -> dict[int | None, tuple[str, str | None]]:
    return {page.source.record: (page.format, _text(page.data) if page.format == "text" else None)
            for page in pages if isinstance(page, Page)}


def _text(data: bytes) -> str | None:
    try:
        return decode(data).text
    except DecodeError:
        return None


def _written(db: sqlite3.Connection, clean: Path, key: str, decision: Decision, raw_path: Path,
             shape: str | None, version: str | None) -> Written:
    try:
        row = db.execute("SELECT outcome, run, size, mtime_ns, record_hash, shape, version "
                         "FROM inputs WHERE path=?", (key,)).fetchone()
    except sqlite3.OperationalError:  # an empty state: nothing ingested
        row = None
    if row is None:
        return Written(None, None, None, False, "not ingested yet: no run has written it")
    outcome, run, size, mtime, digest, made_shape, made_version = row
    kind = KIND_OF[outcome]
    fmt = db.execute("SELECT format FROM runs WHERE run=?", (run,)).fetchone()
    file = clean / kind / f"{run}{SUFFIX[fmt[0] if fmt else 'jsonl']}"
    if digest == record_hash(decision.record):
        return Written(kind, run, file, True, "")
    st = raw_path.stat()
    if (size, mtime) != (st.st_size, st.st_mtime_ns):  # a record's row has its file's
        why = "the raw file changed since that run: the next run cleans it again"
    elif version and made_version != version:
        why = (f"that record was made by pipeline version {made_version}, this is {version}: "
               f"`cleanwire run --reprocess '{key.split('#')[0]}'` makes it again")
    elif shape and made_shape != shape:
        why = (f"that record was made with other settings: `cleanwire run --reprocess "
               f"'{key.split('#')[0]}'` makes it again with these")
    else:
        why = _difference(_record(file, decision.record["id"]), decision)
    return Written(kind, run, file, False, why)


def _record(file: Path, doc_id: str) -> dict | None:
    if not file.exists():
        return None
    return next((r for r in read_file(file) if r["id"] == doc_id), None)


def _difference(written: dict | None, decision: Decision) -> str:
    """Why the same input, settings and pipeline give another record now: the state the flow
    process decides against (site statistics, the duplicate indexes) has grown since."""
    if written is None:
        return "its record is missing from its run's file"
    now = decision.record
    template = [{r["text"] for r in rec.get("removed", ()) if r["reason"] == "site-template"}
                for rec in (now, written)]
    if template[0] != template[1]:
        return ("its site's template lines have changed since it was written (they are learned "
                "from every document of the site): a run with --reprocess applies them")
    if "duplicate_of" in now or "duplicate_of" in written:
        return ("the documents ingested since change its duplicate decision: a run with "
                "--reprocess applies it")
    return "these fields differ: " + ", ".join(
        sorted(k for k in now.keys() | written.keys() if now.get(k) != written.get(k)))
