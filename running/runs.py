"""A run over a raw folder: plan, clean in batches, commit in batch order, clean again the copies
of documents that went away, finish. Plain Python, no Prefect.

The `ingest` flow (flows/ingest.py) runs this with one Prefect task per batch; `cleanwire run`
on a folder with nothing to clean runs it without Prefect, so that it answers in about a second
instead of starting an API server. Batches go to a backend that owns the workers and their guards
(time budget per document, memory cap, isolation of a page that kills its worker): this
machine's process pool (running.pool.BatchRunner), or an existing Dask cluster
(running.cluster), where each Dask worker runs a BatchRunner of its own, so the same guards
hold there.
"""

from __future__ import annotations

import fnmatch
import gc
import math
import os
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from cleaners.formats import ReadError, multi_record_format
from running.defaults import BATCHES_PER_WORKER, IN_FLIGHT_PER_WORKER
from running.inputs import Found, discover, index_archive
from running.pool import BatchRunner, weight
from running.settings import Settings, output_settings
from running.store import CleanStore, StorageFailed, new_run_id

# Passes over the copies of documents that a run turned into rejections or copies: a second
# pass cannot orphan what it writes, but a JSONL file cleaned again may.
ORPHAN_PASSES = 2


def balanced_size(items: list[Found], size: int, workers: int) -> int:
    """`size`, or less when the run is too small to give each of several workers
    BATCHES_PER_WORKER batches of that size (a long tail on one core otherwise)."""
    if workers <= 1:
        return size
    pages = sum(weight(item) for item in items)
    return max(1, min(size, math.ceil(pages / (workers * BATCHES_PER_WORKER))))


def batches_of(items: list[Found], size: int) -> list[list[Found]]:
    """Consecutive batches of about `size` pages each; a JSONL or WARC file weighs the pages it
    likely holds, so a big one is a batch of its own."""
    batches, current, weight_so_far = [], [], 0
    for item in items:
        current.append(item)
        weight_so_far += weight(item)
        if weight_so_far >= size:
            batches.append(current)
            current, weight_so_far = [], 0
    if current:
        batches.append(current)
    return batches


# Callables (done, total) told after every committed batch: the CLI's progress display.
LISTENERS: list[Callable[[int, int], None]] = []


class Progress:
    """Inputs done of the inputs planned, told to LISTENERS (and, in a flow, to the UI)."""

    def __init__(self, total: int, run: str):
        self.total, self.done, self.batches, self.run = total, 0, 0, run

    def more(self, n: int) -> None:
        """`n` more inputs to do than planned (a second pass)."""
        self.total += n

    def advance(self, n: int) -> None:
        self.done += n
        for listener in LISTENERS:
            listener(self.done, self.total)


# submit(number, run, raw, batch, backend) -> a future of the batch's outcomes
Submit = Callable[[int, str, str, list[Found], object], Future]


# Set by the CLI's Ctrl-C / SIGTERM handler (request_stop): the run stops at its next batch at
# the latest. The KeyboardInterrupt the handler raises can be lost before it reaches the run
# (tests/test_processes.py in two fresh clones: the run went on to its end; where it is lost,
# inside Prefect's task machinery, was not found); this flag raises it again where the run
# commits.
_STOP = threading.Event()


def request_stop() -> None:
    """Make the run in this process stop at its next batch (a KeyboardInterrupt there)."""
    _STOP.set()


def run_ingest(settings: Settings, reprocess: str | None = None, *, submit: Submit | None = None,
               progress: Callable[[int, str], Progress] = Progress,
               find: Callable[[str], list[Found]] = discover) -> dict:
    """One run with these settings; `reprocess` (a path pattern, "*" for all) cleans the inputs
    it selects again, changed or not. `submit` hands a batch to a task (the flow's); by default
    a thread here runs it on the backend directly. Returns the run report."""
    started = time.perf_counter()
    _STOP.clear()
    raw, clean = str(Path(settings.raw).resolve()), str(Path(settings.clean).resolve())
    found = find(raw)
    store = CleanStore(clean, new_run_id(), lock_wait=settings.lock_wait,
                       languages=settings.languages, language_policy=settings.language_policy,
                       dedup_threshold=settings.dedup_threshold,
                       output_format=settings.output_format, shape=output_settings(settings))
    workers = settings.workers or os.cpu_count() or 1
    backend = backend_for(settings, workers)
    threads = ThreadPoolExecutor(workers * IN_FLIGHT_PER_WORKER) if submit is None else None
    if submit is None:
        def submit(number, run, raw, batch, backend):
            return threads.submit(backend.run, raw, batch)
    batches = 0
    # The ~300k objects alive now (Prefect, pydantic, the libraries) will outlive the run: frozen
    # out of the collector's sight, the full collection after each batch (_commit) costs a few
    # ms instead of ~170 ms.
    gc.freeze()
    try:
        todo = store.plan(raw, found, reprocess)
        todo = split_archives(store, raw, todo, settings, workers, reprocess)
        tracker = progress(len(todo), store.run)
        with backend:
            batches += _clean(store, raw, todo, settings.batch_size, workers, backend, submit,
                              tracker)
            # Pages judged with little evidence of their site, which has much more now (a new
            # site's first pages): judged again, its template known (running.sitestats).
            if again := store.unsettled(found):
                tracker.more(len(again))
                batches += _clean(store, raw, again, settings.batch_size, workers, backend,
                                  submit, tracker)
            # Inputs that copied a document this run turned into a rejection or a copy: cleaned
            # again, so that every duplicate points at a document.
            for _ in range(ORPHAN_PASSES):
                if not (again := store.orphans(found)):
                    break
                again = split_archives(store, raw, again, settings, workers, "*")
                tracker.more(len(again))
                batches += _clean(store, raw, again, settings.batch_size, workers, backend,
                                  submit, tracker)
    except BaseException as exc:
        store.abort()
        if failed := StorageFailed.of(exc):
            raise failed from exc
        raise
    finally:
        if threads is not None:
            threads.shutdown(wait=False, cancel_futures=True)
        gc.unfreeze()  # a long-lived process (cleanwire serve) frees them in later runs
    report = store.report(len(found), time.perf_counter() - started)
    report["batches"] = batches  # Prefect task runs (clean-batch), for bench/throughput.py
    try:
        report["outputs"] = {k: str(v) for k, v in store.finish(report).items()}
    except (OSError, sqlite3.Error) as exc:
        if failed := StorageFailed.of(exc):
            raise failed from exc
        raise
    return report


def split_archives(store: CleanStore, raw: str, todo: list[Found], settings: Settings,
                   workers: int, reprocess: str | None) -> list[Found]:
    """Each JSONL/WARC file of `todo` as parts of its records (running.inputs.index_archive),
    so that one big archive keeps every worker busy. A file an earlier run read in part goes on
    after its last committed record, unless `reprocess` (a path pattern) selects it. A file that
    cannot be indexed stays whole (its worker rejects it, by name)."""
    per_part = balanced_size(todo, max(1, settings.batch_size), workers)
    out = []
    for item in todo:
        if not multi_record_format(item.path) or item.problem:
            out.append(item)
            continue
        again = reprocess is not None and fnmatch.fnmatchcase(item.path, reprocess)
        try:
            out += index_archive(raw, item, per_part, settings.max_decompressed_bytes,
                                 None if again else store.resume_point(item.path))
        except (ReadError, OSError):
            out.append(item)
    return out


def _clean(store: CleanStore, raw: str, todo: list[Found], batch_size: int, workers: int,
           backend, submit: Submit, progress: Progress) -> int:
    """Clean `todo` in batches on the backend, committing in batch order; returns the batches."""
    batches = batches_of(todo, balanced_size(todo, max(1, batch_size), workers))
    workers = min(workers, max(1, len(batches)))
    in_flight: deque = deque()
    for number, batch in enumerate(batches, start=progress.batches):
        in_flight.append((submit(number, store.run, raw, batch, backend), len(batch)))
        if len(in_flight) >= workers * IN_FLIGHT_PER_WORKER:
            _commit(store, *in_flight.popleft(), progress)
    while in_flight:
        _commit(store, *in_flight.popleft(), progress)
    progress.batches += len(batches)
    return len(batches)


def _commit(store: CleanStore, future, inputs: int, progress: Progress) -> None:
    if _STOP.is_set():
        raise KeyboardInterrupt
    outcomes = future.result()
    if _STOP.is_set():  # stopped while waiting: this batch is not committed either
        raise KeyboardInterrupt
    for outcome in outcomes:
        store.add_file(outcome)
    store.checkpoint()
    progress.advance(inputs)
    # Each task run leaves reference cycles (Prefect's run objects, holding the batch's
    # results) that only a full collection frees, and CPython runs one too rarely: the flow
    # process grew ~46 KB a document (220 -> 368 MB over 3,960 documents); collected after each
    # batch it stays flat (bench/throughput.py, "flow" memory row).
    gc.collect()


def backend_for(settings: Settings, workers: int):
    """This machine's worker pool, or the Dask cluster at settings.dask (tcp://host:port)."""
    if settings.dask:
        from running.cluster import DaskBackend

        return DaskBackend(settings.dask, settings)
    return _WARM.pop((workers, settings.worker_key()), None) or BatchRunner(workers, settings)


_WARM: dict[tuple, BatchRunner] = {}


def warm_up(settings: Settings) -> None:
    """Start the run's worker pool now, in the background (its fork server loads the cleaning
    libraries in about a second), for the run that follows in this process with these
    settings: `cleanwire run` does this while Prefect is imported and its server boots."""
    if settings.dask:
        return
    workers = settings.workers or os.cpu_count() or 1
    runner = BatchRunner(workers, settings)
    _WARM[(workers, settings.worker_key())] = runner
    threading.Thread(target=runner.warm, name="cleanwire-warm-up", daemon=True).start()
