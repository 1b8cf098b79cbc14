"""The records that travel: a clean `Document`, or a `Rejection` with its reason.

Both are small frozen dataclasses; `to_record()` gives the JSON object of the output contract
(schema/document.schema.json).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import asdict, dataclass, field

from cleaners.version import pipeline_version


@dataclass(frozen=True)
class Source:
    path: str                 # relative to the raw folder, "/" separators
    sha256: str | None        # of the raw bytes; None when the file could not be read
    format: str | None        # text, html
    record: int | None = None  # line number in multi-record files (JSONL, WARC)
    compression: str | None = None

    def to_record(self) -> dict:
        return asdict(self)


def document_id(source_path: str, record: int | None = None) -> str:
    """Stable id: the same input (path in the raw folder, record) gives the same id on every run,
    in every version, whatever the bytes became."""
    key = source_path if record is None else f"{source_path}#{record}"
    return "cw-" + hashlib.blake2b(key.encode("utf-8"), digest_size=10).hexdigest()


_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalized_for_hash(text: str) -> str:
    """The text as exact-duplicate detection sees it: NFKC, case-folded, punctuation and white
    space folded to single spaces. Two copies that differ only in encoding, quotes, case or spacing
    are the same text."""
    return _NON_WORD.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def normalized_lines(lines: list[str]) -> tuple[list[str], str]:
    """Each line normalized for hashing, and the text of the lines joined by "\n" normalized: the
    non-empty ones joined by a space (the same string: NFKC, case folding and the folding of
    punctuation and white space act within a line, and a line break folds with what is around
    it). Normalizing a document's text once, line by line, serves its hash, its shingles and its
    lines' site keys (with_text)."""
    norms = [normalized_for_hash(line) for line in lines]
    return norms, " ".join(n for n in norms if n)


def content_hash(text: str, normalized: str | None = None) -> str:
    """The exact-duplicate key of ``text`` (``normalized``: its normalized_for_hash, if known)."""
    norm = normalized_for_hash(text) if normalized is None else normalized
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Document:
    id: str
    text: str
    source: Source
    title: str | None = None
    author: str | None = None
    published: str | None = None
    url: str | None = None
    site: str | None = None
    # `site` is a text dump's <title> suffix ("Headline | Site"), not a URL's host or the page's
    # metadata: weaker evidence than a site folder (cleaners.site.site_key); not in the record
    site_from_title: bool = False
    fetched: str | None = None  # when the scraper fetched it (WARC-Date, a sidecar's fetch time)
    language: str = "und"
    language_score: float = 0.0
    # (code, share of the text's letters) from per-paragraph detection (cleaners.language),
    # largest first, und included
    languages: tuple[tuple[str, float], ...] = ()
    encoding: dict = field(default_factory=dict)
    removed: tuple[dict, ...] = ()
    stats: dict = field(default_factory=dict)
    flags: tuple[str, ...] = ()  # annotations a user may filter on, e.g. language-not-allowed
    content_hash: str = ""     # exact-duplicate key (normalized text), not in the record
    signature: bytes = b""     # MinHash of the text for near duplicates, not in the record
    # Site evidence (cleaners.site.line_keys): the keys of the paragraphs of `text`, then of the
    # `removed` lines; not in the record
    line_keys: tuple[int | None, ...] = ()

    def to_record(self) -> dict:
        return {
            "id": self.id, "text": self.text, "title": self.title, "author": self.author,
            "published": self.published, "url": self.url, "site": self.site,
            "fetched": self.fetched,
            "language": self.language, "language_score": self.language_score,
            "languages": [{"language": code, "share": share} for code, share in self.languages],
            "source": self.source.to_record(), "encoding": self.encoding,
            "removed": list(self.removed), "stats": self.stats, "flags": list(self.flags),
            "pipeline": {"version": pipeline_version()},
        }


@dataclass(frozen=True)
class Rejection:
    id: str
    source: Source
    reason: str   # empty, binary, undecodable, too-large, no-text-after-cleaning, ...
    detail: str
    # reason "revisit" (a WARC revisit record): the URL of the page it repeats, which the flow
    # process looks up to make it a duplicate of that page's document
    refers_to: str | None = None

    def to_record(self) -> dict:
        return {"id": self.id, "source": self.source.to_record(), "reason": self.reason,
                "detail": self.detail, "pipeline": {"version": pipeline_version()}}
