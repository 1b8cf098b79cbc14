"""One page's way to a `Document` or a `Rejection`: a list of steps over one draft.

    raw file's bytes ─► pages (one, or a JSONL/WARC file's records, each with what the scraper
    knew: url, title, dates, site, charset) ─► STEPS: decode ─► extract ─► scraper's metadata
    ─► text left? ─► language ─► fingerprint ─► Document (or a Rejection with a named reason)

Everything here is pure and per page: a function of bytes and text, no files, no state. The
running layer (running/work.py) reads the files, runs `clean` on each page under its guards
(time budget, memory cap) in worker processes, and the flow process decides (duplicates, site
templates, language policy) from what the steps annotated.

A step takes the draft and either fills in more of it (returns None) or ends the page with a
Rejection. To add one, write `def step(draft) -> Rejection | None` and put it in STEPS.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import BinaryIO

from cleaners import boilerplate, language
from cleaners.decode import Decoded, DecodeError, decode, fix_lines, fix_text
from cleaners.document import (
    Document,
    Rejection,
    Source,
    content_hash,
    document_id,
    normalized_lines,
)
from cleaners.formats import MAX_PAGE_BYTES, MULTI_RECORD, RawInput, iter_jsonl, iter_warc
from cleaners.html import extract_html
from cleaners.neardup import signature
from cleaners.site import line_keys, site_of

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u3000]+")
# What a page's sidecar or its record in a JSONL/WARC file may say about it. It wins over what
# extraction found: it is what the scraper saw (the URL it fetched, the date it recorded).
META_FIELDS = ("url", "title", "published", "site", "fetched")


@dataclass(frozen=True)
class Page:
    """One page to clean: its bytes, its id and source (made once, here), and what the scraper
    knew of it (META_FIELDS, from a sidecar or the page's record in a JSONL/WARC file, and the
    charset of a WARC response's HTTP header, evidence for decoding)."""

    id: str
    source: Source
    data: bytes
    format: str                 # html or text
    meta: dict = field(default_factory=dict)


class Pages:
    """The pages of one raw file, in order: a page file is one, a JSONL or WARC file one per
    record (a bad record is a Rejection in its place). `skipped` (WARC records that are not
    pages, by type) is complete once the pages are consumed."""

    def __init__(self, raw: RawInput, meta: dict | None = None,
                 jsonl_fields: dict[str, list[str]] | None = None, *,
                 stream: BinaryIO | None = None, first: int | None = None,
                 count: int | None = None, offset: int = 0, limit: int = MAX_PAGE_BYTES):
        """A JSONL/WARC file's records come from `stream` (its decompressed bytes, read record
        by record) when given, else from raw.data: `count` records (None: all) from record
        `first` (None: the file's first), `limit` bytes a record at most (iter_warc, iter_jsonl)."""
        self.raw, self.meta, self.jsonl_fields = raw, meta or {}, jsonl_fields
        self.stream, self.first, self.count, self.offset, self.limit = stream, first, count, offset, limit
        self._counts = None
        self.container = raw.format in MULTI_RECORD
        # The file's source; a record's is the same with its number.
        self.source = Source(raw.path, raw.sha256, raw.format, None, raw.compression)

    @property
    def skipped(self) -> dict:
        return dict(self._counts.skipped) if self._counts is not None else {}

    def __iter__(self) -> Iterator[Page | Rejection]:
        raw = self.raw
        if not self.container:
            yield Page(document_id(raw.path), self.source, raw.data, raw.format, self.meta)
            return
        data = raw.data if self.stream is None else self.stream
        if raw.format == "warc":
            records, self._counts = iter_warc(data, self.limit, first=self.first or 0,
                                              count=self.count, offset=self.offset)
        else:
            records = iter_jsonl(data, self.jsonl_fields, first=self.first or 1, count=self.count,
                                 max_line_bytes=self.limit)
        for rec in records:
            source = replace(self.source, record=rec.record)
            doc_id = document_id(raw.path, rec.record)
            if rec.error:
                yield Rejection(doc_id, source, *rec.error)
            elif rec.refers_to is not None:
                yield Rejection(doc_id, source, "revisit", f"repeats {rec.refers_to}",
                                refers_to=rec.refers_to)
            else:
                meta = {key: getattr(rec, key) for key in META_FIELDS}
                yield Page(doc_id, source, rec.data, rec.format, meta | {"charset": rec.charset})


@dataclass
class Draft:
    """A page on its way: what the steps have learned of it so far."""

    page: Page
    language_engine: str = "langdetect"
    decoded: Decoded | None = None
    paragraphs: list[str] = field(default_factory=list)
    fields: dict = field(default_factory=dict)  # Document fields: title, author, url, ...
    removed: tuple[dict, ...] = ()
    language: tuple[str, float] = ("und", 0.0)

    def document(self) -> Document:
        doc = Document(id=self.page.id, text="", source=self.page.source,
                       language=self.language[0], language_score=self.language[1],
                       **self.fields)
        return with_text(doc, self.paragraphs, self.removed)


def with_text(doc: Document, paragraphs: list[str], removed: tuple[dict, ...]) -> Document:
    """`doc` with this text and these removed lines, and all that derives from them: stats,
    fingerprints (exact hash, MinHash) and site evidence."""
    text = "\n".join(paragraphs)
    stats = {"chars": len(text), "words": len(text.split()), "lines_kept": len(paragraphs),
             "lines_removed": len(removed)}
    lines = text.split("\n")
    norms, norm = normalized_lines(lines)  # the text normalized once, for all three
    return replace(doc, text=text, removed=removed, stats=stats,
                   content_hash=content_hash(text, norm),
                   signature=signature(text, doc.source.format, norm),
                   line_keys=line_keys(lines, removed, norms))


def without_paragraphs(doc: Document, drop: dict[int, dict]) -> Document:
    """`doc` without the paragraphs `drop` names (index -> the removal's reason and detail), each
    added to `removed`: how the flow process applies a decision on lines (a site's template)."""
    paragraphs = doc.text.split("\n")
    removed = tuple({"line": None, "text": paragraphs[i]} | why for i, why in drop.items())
    kept = [p for i, p in enumerate(paragraphs) if i not in drop]
    return with_text(doc, kept, doc.removed + removed)


def normalize_paragraphs(lines) -> list[str]:
    """Strip each paragraph, fold runs of horizontal white space, drop empty ones."""
    out = []
    for line in lines:
        line = _SPACES.sub(" ", line).strip()
        if line:
            out.append(line)
    return out


# -- the steps --------------------------------------------------------------------------------
def decode_bytes(draft: Draft) -> Rejection | None:
    """Bytes to text (cleaners.decode). An HTML page is repaired by ftfy after extraction, on
    its text alone; a text dump before, as a whole."""
    html = draft.page.format == "html"
    try:
        draft.decoded = decode(draft.page.data, html=html, fix=not html,
                               charset=draft.page.meta.get("charset"))
    except DecodeError as exc:
        return Rejection(draft.page.id, draft.page.source, exc.reason, exc.detail)
    return None


def extract(draft: Draft) -> Rejection | None:
    """The article: trafilatura on HTML, the line classifier (cleaners.boilerplate) on text."""
    decoded, url = draft.decoded, draft.page.meta.get("url")
    if draft.page.format == "html":
        page = extract_html(decoded.text, url)
        fixed = fix_lines(page.text)  # line by line, each line's repairs recorded
        draft.paragraphs = normalize_paragraphs(fixed.text.split("\n"))
        # (issue 15, HTML) what cleaners.html's text pass cut from trafilatura's paragraphs
        draft.removed = tuple({"line": i, "text": t, "reason": reason, "detail": detail}
                              for i, t, reason, detail in page.removed)
        draft.fields = {"title": fix_text(page.title)[0] if page.title else None,
                        "author": page.author, "published": page.published, "url": page.url,
                        "site": page.site or site_of(page.url),
                        "encoding": decoded.annotation(fixed)}
        return None
    result = boilerplate.clean_text(decoded.text)
    draft.paragraphs = normalize_paragraphs(result.paragraphs)
    draft.removed = tuple({"line": r.line, "text": r.text, "reason": r.reason, "detail": r.detail}
                          for r in result.removed)
    host = site_of(url)
    draft.fields = {"title": result.title, "author": result.author, "published": result.published,
                    "url": url, "site": host or result.site,
                    "site_from_title": host is None and result.site is not None,
                    "encoding": decoded.annotation()}
    return None


def scraper_metadata(draft: Draft) -> Rejection | None:
    """What the scraper recorded wins over what extraction guessed (META_FIELDS)."""
    meta = draft.page.meta
    if draft.fields.get("site_from_title") and (meta.get("site") or meta.get("url")):
        # a text dump's <title> names its site less surely than the scraper's record
        draft.fields["site"], draft.fields["site_from_title"] = None, False
    for key in META_FIELDS:
        if meta.get(key):
            draft.fields[key] = meta[key]
    if meta.get("url") and not (meta.get("site") or draft.fields.get("site")):
        draft.fields["site"] = site_of(meta["url"])
    return None


def require_text(draft: Draft) -> Rejection | None:
    if "\n".join(draft.paragraphs).strip():
        return None
    return Rejection(draft.page.id, draft.page.source, "no-text-after-cleaning",
                     f"{len(draft.removed)} lines removed as boilerplate, none left")


def detect_language(draft: Draft) -> Rejection | None:
    """The document's language, each language's share of its letters, and the mixed-language
    flag, from per-paragraph detection (cleaners.language: the policy)."""
    found = language.identify(draft.paragraphs, draft.language_engine)
    draft.language = (found.language, found.score)
    draft.fields["languages"] = found.languages
    if found.mixed:
        draft.fields["flags"] = (*draft.fields.get("flags", ()), language.MIXED_FLAG)
    return None


Step = Callable[[Draft], Rejection | None]
# The fingerprints (exact hash, MinHash signature) and stats are made as the draft becomes a
# Document (Draft.document), from the final text.
STEPS: tuple[Step, ...] = (decode_bytes, extract, scraper_metadata, require_text, detect_language)


def clean(page: Page, *, language_engine: str = "langdetect",
          steps: tuple[Step, ...] = STEPS) -> Document | Rejection:
    """One page through the steps. Exceptions are the caller's: the running layer wraps this
    call in its guards (a time budget, and a library failure becoming an `error` rejection)."""
    draft = Draft(page, language_engine)
    for step in steps:
        if (rejection := step(draft)) is not None:
            return rejection
    return draft.document()
