"""One raw input to one outcome (a Document or a Rejection), and a batch of them.

Everything here is pure and per input, so it runs in worker processes; the flow process owns
state (dedup index, manifest) and writes the outputs.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from cleaners import boilerplate, language
from cleaners.decode import DecodeError, decode, fix_text
from cleaners.document import Document, Rejection, Source, content_hash, document_id
from cleaners.html import extract_html
from cleaners.neardup import signature
from cleaners.read import DEFAULT_LIMITS, Found, Limits, RawInput, ReadError, read_input

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u3000]+")


@dataclass(frozen=True)
class Outcome:
    """What became of one input, with how long it took (for the run report's slowest files)."""

    result: Document | Rejection
    seconds: float
    stat: tuple[int, int] | None = None  # (size, mtime_ns) of the file as read, for the manifest


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


def clean_html(raw: RawInput) -> dict:
    decoded = decode(raw.data, html=True, fix=False)
    page = extract_html(decoded.text)
    text, fixes = fix_text(page.text)
    title = fix_text(page.title)[0] if page.title else None
    encoding = decoded.annotation() | {"fixes": list(fixes)}
    return {"paragraphs": normalize_paragraphs(text.split("\n")), "title": title,
            "author": page.author, "published": page.published, "url": page.url,
            "site": page.site or _site_of(page.url), "encoding": encoding, "removed": ()}


def clean_plain_text(raw: RawInput) -> dict:
    decoded = decode(raw.data)
    result = boilerplate.clean_text(decoded.text)
    removed = tuple({"line": r.line, "text": r.text, "reason": r.reason, "detail": r.detail}
                    for r in result.removed)
    return {"paragraphs": normalize_paragraphs(result.paragraphs), "title": result.title,
            "author": result.author, "published": result.published, "url": None, "site": None,
            "encoding": decoded.annotation(), "removed": removed}


CLEANERS = {"html": clean_html, "text": clean_plain_text}


def process(raw: RawInput) -> Document | Rejection:
    source = Source(raw.path, raw.sha256, raw.format, None, raw.compression)
    doc_id = document_id(raw.path, source.record)
    try:
        cleaned = CLEANERS[raw.format](raw)
    except DecodeError as exc:
        return Rejection(doc_id, source, exc.reason, exc.detail)
    paragraphs = cleaned.pop("paragraphs")
    text = "\n".join(paragraphs)
    if not text.strip():
        return Rejection(doc_id, source, "no-text-after-cleaning",
                         f"{len(cleaned['removed'])} lines removed as boilerplate, none left")
    lang, score = language.detect(text)
    stats = {"chars": len(text), "words": len(text.split()), "lines_kept": len(paragraphs),
             "lines_removed": len(cleaned["removed"])}
    return Document(id=doc_id, text=text, source=source, language=lang, language_score=score,
                    stats=stats, content_hash=content_hash(text), signature=signature(text),
                    **cleaned)


def process_path(raw_root: str, found: Found, limits: Limits = DEFAULT_LIMITS) -> Document | Rejection:
    """Read, clean and annotate one discovered input; any failure is a Rejection, never a raise."""
    return process_found(raw_root, found, limits)[0]


def process_found(raw_root: str, found: Found, limits: Limits = DEFAULT_LIMITS
                  ) -> tuple[Document | Rejection, tuple[int, int] | None]:
    """The outcome of one input and the (size, mtime_ns) it had when read."""
    doc_id, source = document_id(found.path), Source(found.path, None, None)
    if found.problem:
        return Rejection(doc_id, source, *found.problem), None
    stat = None
    try:
        raw = read_input(raw_root, found.path, limits)
        source = Source(raw.path, raw.sha256, raw.format, None, raw.compression)
        stat = (raw.size, raw.mtime_ns)
        return process(raw), stat
    except ReadError as exc:  # a verdict on these bytes: remember them, do not try again
        return Rejection(doc_id, source, exc.reason, exc.detail), _stat(raw_root, found.path)
    except OSError as exc:
        return Rejection(doc_id, source, "unreadable", f"{type(exc).__name__}: {exc}"), stat
    except Exception as exc:  # a bug or a library failure on one page must not sink its batch
        return Rejection(doc_id, source, "error", f"{type(exc).__name__}: {exc}"), stat


def _stat(raw_root: str, path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(os.path.join(raw_root, path))
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def process_batch(raw_root: str, batch: list[Found], limits: Limits = DEFAULT_LIMITS,
                  one=None) -> list[Outcome]:
    """The unit of work a worker process runs: a batch of inputs, in order. `one` processes a
    single input (default process_found; the runner passes a timed version)."""
    one = one or process_found
    outcomes = []
    for found in batch:
        start = time.perf_counter()
        result, stat = one(raw_root, found, limits)
        outcomes.append(Outcome(result, round(time.perf_counter() - start, 4), stat))
    return outcomes
