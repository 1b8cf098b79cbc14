"""What a worker does with a batch: read each file, clean each of its pages under the guard.

The guard wraps one page's whole step loop (cleaners.pipeline.clean) at this one place: the
pool's workers install their per-document timer here as they start (running.pool, on the local
pool and on Dask workers alike); in the flow process (explain, tests) there is none. A page that
fails or overruns becomes a named rejection; nothing a page does sinks its batch.
"""

from __future__ import annotations

import gc
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field, replace

from cleaners.document import Document, Rejection, Source, document_id
from cleaners.formats import MULTI_RECORD, RawInput, ReadError, format_of, multi_record_format
from cleaners.pipeline import Page, Pages, clean
from running.inputs import Found, Part, index_archive, open_part, read_input, read_sidecar
from running.settings import Settings


class DocumentTimeout(BaseException):
    """Raised by the runner's per-document timer. BaseException, so that the cleaners' own
    `except Exception` guards let it through."""


@dataclass(frozen=True)
class FileOutcome:
    """What became of one discovered input: one result per page (a file holds one, a JSONL or
    WARC file many), with the time each took on average (for the run report's slowest files)."""

    path: str
    results: list[Document | Rejection]
    seconds: float = 0.0
    stat: tuple[int, int] | None = None  # (size, mtime_ns) of the file as read, for the manifest
    sha256: str | None = None            # of the file's bytes as read
    container: bool = False              # a JSONL/WARC file read through, record by record
    skipped: dict = field(default_factory=dict)  # its WARC records that are not pages, by type
    part: Part | None = None             # the records of a JSONL/WARC file it holds


def _no_guard(settings: Settings) -> AbstractContextManager:
    return nullcontext()


# guard(settings) -> a context manager around one page's steps (see set_guard).
_guard: Callable[[Settings], AbstractContextManager] = _no_guard


def set_guard(guard: Callable[[Settings], AbstractContextManager]) -> None:
    """Install the guard of this process (a worker's per-document timer)."""
    global _guard
    _guard = guard


def clean_page(page: Page, settings: Settings) -> Document | Rejection:
    """One page's step loop under the guard: over its time budget it is a `timeout`, and a
    library failure on it an `error`, each a rejection of that page alone."""
    try:
        with _guard(settings), collector_paused(page.format):
            return clean(page, language_engine=settings.language_engine)
    except DocumentTimeout as exc:
        return Rejection(page.id, page.source, "timeout", str(exc) or "over the time budget")
    except Exception as exc:  # a bug or a library failure on one page must not sink the rest
        return Rejection(page.id, page.source, "error", f"{type(exc).__name__}: {exc}")


@contextmanager
def collector_paused(page_format: str) -> Iterator[None]:
    """Python's cyclic garbage collector off while a text page is cleaned, in a process of one
    thread (a pool worker). A text page's steps (decoding, ftfy, the text pass, langdetect) make
    no reference cycle: every object they drop is freed as it is dropped, so a collection among
    them finds nothing, but it still walks the page's live lines, word sets and tuples (about one
    young and 0.1 older collections a page: 4% of the text pass's time on trafilatura-eval). An
    HTML page's trafilatura makes cycles (lxml trees among them: with the collector off for whole
    pages, a process's peak memory rose from 315 to 444 MB on 300 Dragnet pages): it keeps the
    collector. With another thread running (the flow process: explain, a Dask worker's threads),
    what that thread drops meanwhile could wait: the collector is left as it is.
    tests/test_runner.py checks all three on real pages."""
    if page_format == "html" or not gc.isenabled() or threading.active_count() > 1:
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def clean_file(raw_root: str, found: Found, settings: Settings) -> FileOutcome:
    """Read one input and clean its pages. Never raises."""
    start = time.perf_counter()
    outcome = _clean_file(raw_root, found, settings)
    seconds = round((time.perf_counter() - start) / max(len(outcome.results), 1), 4)
    return replace(outcome, seconds=seconds)


def rejected_whole(path: str, reason: str, detail: str, stat=None, source=None) -> FileOutcome:
    """An input rejected as a whole (unread, or unreadable): one rejection, by the file's id."""
    source = source or Source(path, None, None)
    return FileOutcome(path, [Rejection(document_id(path), source, reason, detail)], stat=stat)


def rejected_part(path: str, part: Part, reason: str, detail: str) -> FileOutcome:
    """A part of an archive whose worker died or hung on it, twice: one rejection, by its first
    record, for its records (the run goes on after them)."""
    last = "the end" if part.last else part.after.record - 1
    source = Source(path, part.sha256, format_of(path)[0], part.at.record, part.compression)
    rejection = Rejection(document_id(path, part.at.record), source, reason,
                          f"records {part.at.record} to {last} of the file: {detail}")
    return FileOutcome(path, [rejection], stat=(part.size, part.mtime_ns), sha256=part.sha256,
                       container=part.last, part=part)


def _clean_file(raw_root: str, found: Found, settings: Settings) -> FileOutcome:
    def whole(reason: str, detail: str, stat=None) -> FileOutcome:
        return rejected_whole(found.path, reason, detail, stat, pages.source if pages else None)

    if found.problem:
        return rejected_whole(found.path, *found.problem)
    stat = pages = None
    try:
        if multi_record_format(found.path):
            part = found.part or whole_file(raw_root, found, settings)
            stat = (part.size, part.mtime_ns)
            return _clean_part(raw_root, found.path, part, settings)
        raw = read_input(raw_root, found.path, settings.max_file_bytes,
                         settings.max_decompressed_bytes)
        stat = (raw.size, raw.mtime_ns)
        pages = Pages(raw, None if raw.format in MULTI_RECORD
                      else read_sidecar(raw_root, found.path), settings.jsonl_fields or None)
        results = [page if isinstance(page, Rejection) else clean_page(page, settings)
                   for page in pages]
        return FileOutcome(found.path, results, stat=stat, sha256=raw.sha256,
                           container=pages.container, skipped=pages.skipped)
    except ReadError as exc:  # a verdict on these bytes: remember them, do not try again
        return whole(exc.reason, exc.detail, _stat(raw_root, found.path))
    except OSError as exc:
        return whole("unreadable", f"{type(exc).__name__}: {exc}", stat)
    except Exception as exc:  # a bug in a reader must not sink its batch
        return whole("error", f"{type(exc).__name__}: {exc}", stat)


def whole_file(raw_root: str, found: Found, settings: Settings) -> Part:
    """A JSONL/WARC file as one part: all of its records (a file no run has split)."""
    (whole,) = index_archive(raw_root, found, 0, settings.max_decompressed_bytes)
    return whole.part


def _clean_part(raw_root: str, path: str, part: Part, settings: Settings) -> FileOutcome:
    """The records of one part of a JSONL/WARC file, read from its stream record by record:
    memory holds one record, whatever the file's size."""
    with open_part(raw_root, path, part) as stream:
        pages = archive_pages(path, part, stream, settings)
        results = [page if isinstance(page, Rejection) else clean_page(page, settings)
                   for page in pages]
    return FileOutcome(path, results, stat=(part.size, part.mtime_ns), sha256=part.sha256,
                       container=part.last, skipped=pages.skipped, part=part)


def archive_pages(path: str, part: Part, stream, settings: Settings) -> Pages:
    """The pages of one part of a JSONL/WARC file, from its open stream (running.inputs.open_part)."""
    raw = RawInput(path, b"", part.sha256, format_of(path)[0], part.compression, part.size,
                   part.mtime_ns)
    return Pages(raw, jsonl_fields=settings.jsonl_fields or None, stream=stream,
                 first=part.at.record, count=part.count, offset=part.at.offset,
                 limit=settings.max_decompressed_bytes)


def _stat(raw_root: str, path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(os.path.join(raw_root, path))
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def clean_batch(raw_root: str, batch: list[Found], settings: Settings) -> list[FileOutcome]:
    """The unit of work a worker process runs: a batch of inputs, in order."""
    return [clean_file(raw_root, found, settings) for found in batch]
