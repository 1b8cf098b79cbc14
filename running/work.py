"""What a worker does with a batch: read each file, clean each of its pages under the guard.

The guard (the pool's per-document timer, running/pool.py) wraps one page's whole step loop
(cleaners.pipeline.clean) at this one place, on the local pool and on Dask workers alike. A page
that fails or overruns becomes a named rejection; nothing a page does sinks its batch.
"""

from __future__ import annotations

import os
import time
from contextlib import nullcontext
from dataclasses import dataclass, field, replace

from cleaners.document import Document, Rejection, Source, document_id
from cleaners.formats import ReadError
from cleaners.pipeline import Page, Pages, clean
from running.inputs import Found, read_input, read_sidecar
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


def clean_page(page: Page, settings: Settings, guard=nullcontext) -> Document | Rejection:
    """One page's step loop under the guard: over its time budget it is a `timeout`, and a
    library failure on it an `error`, each a rejection of that page alone."""
    try:
        with guard():
            return clean(page, language_engine=settings.language_engine)
    except DocumentTimeout as exc:
        return Rejection(page.id, page.source, "timeout", str(exc) or "over the time budget")
    except Exception as exc:  # a bug or a library failure on one page must not sink the rest
        return Rejection(page.id, page.source, "error", f"{type(exc).__name__}: {exc}")


def clean_file(raw_root: str, found: Found, settings: Settings, guard=nullcontext) -> FileOutcome:
    """Read one input and clean its pages. Never raises."""
    start = time.perf_counter()
    outcome = _clean_file(raw_root, found, settings, guard)
    seconds = round((time.perf_counter() - start) / max(len(outcome.results), 1), 4)
    return replace(outcome, seconds=seconds)


def _clean_file(raw_root: str, found: Found, settings: Settings, guard) -> FileOutcome:
    def whole(reason: str, detail: str, stat=None) -> FileOutcome:
        return FileOutcome(found.path, [Rejection(document_id(found.path), source, reason, detail)],
                           stat=stat)

    source = Source(found.path, None, None)
    if found.problem:
        return whole(*found.problem)
    stat = None
    try:
        raw = read_input(raw_root, found.path, settings.max_file_bytes,
                         settings.max_decompressed_bytes)
        source = Source(raw.path, raw.sha256, raw.format, None, raw.compression)
        stat = (raw.size, raw.mtime_ns)
        pages = Pages(raw, None if raw.format in ("jsonl", "warc")
                      else read_sidecar(raw_root, found.path), settings.jsonl_fields or None)
        results = [page if isinstance(page, Rejection) else clean_page(page, settings, guard)
                   for page in pages]
        return FileOutcome(found.path, results, stat=stat, sha256=raw.sha256,
                           container=pages.container, skipped=pages.skipped)
    except ReadError as exc:  # a verdict on these bytes: remember them, do not try again
        return whole(exc.reason, exc.detail, _stat(raw_root, found.path))
    except OSError as exc:
        return whole("unreadable", f"{type(exc).__name__}: {exc}", stat)
    except Exception as exc:  # a bug in a reader must not sink its batch
        return whole("error", f"{type(exc).__name__}: {exc}", stat)


def _stat(raw_root: str, path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(os.path.join(raw_root, path))
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def clean_batch(raw_root: str, batch: list[Found], settings: Settings,
                guard=nullcontext) -> list[FileOutcome]:
    """The unit of work a worker process runs: a batch of inputs, in order."""
    return [clean_file(raw_root, found, settings, guard) for found in batch]
