"""One raw input to one outcome (a Document or a Rejection), and a batch of them.

Everything here is pure and per input, so it runs in worker processes; the flow process owns
state (dedup index, manifest) and writes the outputs.
"""

from __future__ import annotations

import os
import re
import time
from contextlib import nullcontext
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from cleaners import boilerplate, language
from cleaners.decode import DecodeError, decode, fix_text
from cleaners.document import Document, Rejection, Source, content_hash, document_id
from cleaners.formats import read_sidecar
from cleaners.html import extract_html
from cleaners.neardup import signature
from cleaners.read import (
    DEFAULT_LIMITS,
    MULTI_RECORD,
    Found,
    Limits,
    RawInput,
    ReadError,
    read_input,
)

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u3000]+")


@dataclass(frozen=True)
class Outcome:
    """What became of one input, with how long it took (for the run report's slowest files)."""

    result: Document | Rejection
    seconds: float
    stat: tuple[int, int] | None = None  # (size, mtime_ns) of the file as read, for the manifest
    # Set ({} or the WARC records that are not pages, by type) on the last page of each input
    # file, None on the others: the store remembers a multi-record file once, with its last page.
    skipped: dict | None = None


def normalize_paragraphs(lines) -> list[str]:
    """Strip each paragraph, fold runs of horizontal white space, drop empty ones."""
    out = []
    for line in lines:
        line = _SPACES.sub(" ", line).strip()
        if line:
            out.append(line)
    return out


def _site_of(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url).hostname
    return host.removeprefix("www.") if host else None


def clean_html(raw: RawInput, url: str | None = None) -> dict:
    decoded = decode(raw.data, html=True, fix=False)
    page = extract_html(decoded.text, url)
    text, fixes = fix_text(page.text)
    title = fix_text(page.title)[0] if page.title else None
    encoding = decoded.annotation() | {"fixes": list(decoded.fixes + fixes)}
    return {"paragraphs": normalize_paragraphs(text.split("\n")), "title": title,
            "author": page.author, "published": page.published, "url": page.url,
            "site": page.site or _site_of(page.url), "encoding": encoding, "removed": ()}


def clean_plain_text(raw: RawInput, url: str | None = None) -> dict:
    decoded = decode(raw.data)
    result = boilerplate.clean_text(decoded.text)
    removed = tuple({"line": r.line, "text": r.text, "reason": r.reason, "detail": r.detail}
                    for r in result.removed)
    return {"paragraphs": normalize_paragraphs(result.paragraphs), "title": result.title,
            "author": result.author, "published": result.published, "url": url,
            "site": _site_of(url),
            "encoding": decoded.annotation(), "removed": removed}


CLEANERS = {"html": clean_html, "text": clean_plain_text}
# What a page's sidecar or its record in a JSONL/WARC file may say about it. It wins over what
# extraction found: it is what the scraper saw (the URL it fetched, the date it recorded).
META_FIELDS = ("url", "title", "published", "site", "fetched")


# The run's language engine (Limits.language_engine), set for the inputs process_found reads.
_ENGINE: ContextVar[str] = ContextVar("language_engine", default="langdetect")


class DocumentTimeout(BaseException):
    """Raised by the runner's per-document timer. BaseException, so that the cleaners' own
    `except Exception` guards let it through."""


def process(raw: RawInput, meta: dict | None = None, record: int | None = None,
            container: str | None = None) -> Document | Rejection:
    """Clean one page (a file, or one record of a `container` JSONL/WARC file) into a document."""
    source = Source(raw.path, raw.sha256, container or raw.format, record, raw.compression)
    doc_id = document_id(raw.path, record)
    try:
        cleaned = CLEANERS[raw.format](raw, (meta or {}).get("url"))
    except DecodeError as exc:
        return Rejection(doc_id, source, exc.reason, exc.detail)
    for key in META_FIELDS:
        if (meta or {}).get(key):
            cleaned[key] = meta[key]
    if meta and meta.get("url") and not (meta.get("site") or cleaned.get("site")):
        cleaned["site"] = _site_of(meta["url"])
    paragraphs = cleaned.pop("paragraphs")
    text = "\n".join(paragraphs)
    if not text.strip():
        return Rejection(doc_id, source, "no-text-after-cleaning",
                         f"{len(cleaned['removed'])} lines removed as boilerplate, none left")
    lang, score = language.detect(text, _ENGINE.get())
    stats = {"chars": len(text), "words": len(text.split()), "lines_kept": len(paragraphs),
             "lines_removed": len(cleaned["removed"])}
    return Document(id=doc_id, text=text, source=source, language=lang, language_score=score,
                    stats=stats, content_hash=content_hash(text), signature=signature(text),
                    **cleaned)


def _records(raw: RawInput, limits: Limits, guard) -> tuple[list, dict]:
    """Every record of a JSONL or WARC file, each cleaned under its own time budget."""
    from cleaners.formats import iter_jsonl, iter_warc

    if raw.format == "warc":
        records, counts = iter_warc(raw.data)
    else:
        records, counts = iter_jsonl(raw.data, limits.jsonl_fields), None
    results = []
    for rec in records:
        source = Source(raw.path, raw.sha256, raw.format, rec.record, raw.compression)
        if rec.error:
            results.append(Rejection(document_id(raw.path, rec.record), source, *rec.error))
            continue
        page = RawInput(raw.path, rec.data, raw.sha256, rec.format, raw.compression, raw.size,
                        raw.mtime_ns)
        meta = {key: getattr(rec, key) for key in META_FIELDS}
        results.append(_timed(guard, lambda p=page, m=meta, r=rec.record: _safe(p, m, r, raw.format),
                              document_id(raw.path, rec.record), source))
    skipped = dict(counts.skipped) if counts is not None else {}
    return results, skipped


def _safe(raw: RawInput, meta: dict | None, record: int | None,
          container: str | None = None) -> Document | Rejection:
    try:
        return process(raw, meta, record, container)
    except Exception as exc:  # a bug or a library failure on one page must not sink the rest
        return Rejection(document_id(raw.path, record),
                         Source(raw.path, raw.sha256, container or raw.format, record,
                                raw.compression), "error", f"{type(exc).__name__}: {exc}")


def _timed(guard, work, doc_id: str, source: Source) -> Document | Rejection:
    try:
        with guard():
            return work()
    except DocumentTimeout as exc:
        return Rejection(doc_id, source, "timeout", str(exc) or "over the time budget")


def process_path(raw_root: str, found: Found, limits: Limits = DEFAULT_LIMITS) -> Document | Rejection:
    """Read, clean and annotate one discovered single-page input; never raises."""
    return process_found(raw_root, found, limits)[0][0]


def process_found(raw_root: str, found: Found, limits: Limits = DEFAULT_LIMITS, guard=nullcontext
                  ) -> tuple[list[Document | Rejection], tuple[int, int] | None, dict]:
    """What became of one discovered input: one result per page (a file holds one, a JSONL or
    WARC file many), the (size, mtime_ns) the file had when read, and the records it skipped.
    `guard()` wraps each page's work (the runner's per-document timer). Never raises."""
    token = _ENGINE.set(limits.language_engine)
    try:
        return _process_found(raw_root, found, limits, guard)
    finally:
        _ENGINE.reset(token)


def _process_found(raw_root: str, found: Found, limits: Limits, guard):
    doc_id, source = document_id(found.path), Source(found.path, None, None)
    if found.problem:
        return [Rejection(doc_id, source, *found.problem)], None, {}
    stat = None
    try:
        raw = read_input(raw_root, found.path, limits)
        source = Source(raw.path, raw.sha256, raw.format, None, raw.compression)
        stat = (raw.size, raw.mtime_ns)
        if raw.format in MULTI_RECORD:
            results, skipped = _records(raw, limits, guard)
            return results, stat, skipped
        meta = read_sidecar(Path(raw_root, found.path))
        return [_timed(guard, lambda: _safe(raw, meta, None), doc_id, source)], stat, {}
    except ReadError as exc:  # a verdict on these bytes: remember them, do not try again
        return [Rejection(doc_id, source, exc.reason, exc.detail)], _stat(raw_root, found.path), {}
    except OSError as exc:
        return [Rejection(doc_id, source, "unreadable", f"{type(exc).__name__}: {exc}")], stat, {}
    except Exception as exc:  # a bug in a reader must not sink its batch
        return [Rejection(doc_id, source, "error", f"{type(exc).__name__}: {exc}")], stat, {}


def _stat(raw_root: str, path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(os.path.join(raw_root, path))
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def process_batch(raw_root: str, batch: list[Found], limits: Limits = DEFAULT_LIMITS,
                  guard=nullcontext) -> list[Outcome]:
    """The unit of work a worker process runs: a batch of inputs, in order, one Outcome per
    page. `guard()` wraps each page's work (the runner passes its per-document timer)."""
    outcomes = []
    for found in batch:
        start = time.perf_counter()
        results, stat, skipped = process_found(raw_root, found, limits, guard)
        seconds = round((time.perf_counter() - start) / max(len(results), 1), 4)
        for i, result in enumerate(results):
            last = i == len(results) - 1
            outcomes.append(Outcome(result, seconds, stat, skipped if last else None))
    return outcomes
