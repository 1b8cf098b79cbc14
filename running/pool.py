"""Batches in worker processes that survive what hostile pages do to workers.

- A document that spins in Python code is stopped by a per-document timer in its worker
  (SIGALRM) and rejected as `timeout`; the rest of its batch completes.
- A worker that dies (segfault, OOM kill) costs its batch one attempt: the batch is tried once
  more on fresh workers. A batch that overruns its whole budget (a page stuck inside a C
  extension, where the timer cannot interrupt) has its workers killed. Either way, a batch that
  still fails runs one document at a time, each alone in a fresh process, and the document that
  kills or hangs its process is rejected (`worker-crash` / `timeout`), never retried forever.
- Each worker's address space is capped, so a page that would exhaust memory raises
  MemoryError in its own worker (a rejection) rather than bringing down the machine.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import CancelledError, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager

from cleaners.formats import multi_record_format
from running import work
from running.inputs import Found
from running.lifeline import die_with_parent
from running.settings import Settings
from running.work import DocumentTimeout, FileOutcome

# A batch may overrun its documents' budgets by this much (start-up, a slow disk) before its
# workers are presumed stuck in C code and killed.
BATCH_SLACK_SECONDS = 60.0
# Address space per worker. The libraries need well under 1 GB for any real page; 4 GiB lets a
# huge page through and turns a runaway one into a MemoryError in its own worker.
WORKER_ADDRESS_SPACE = 4 * 1024**3
# Attempts of a whole batch on the shared pool before its documents run one by one in isolation.
BATCH_ATTEMPTS = 2
# A fresh pool must answer a no-op call within this time, or its workers cannot start at all.
PROBE_SECONDS = 120.0
# A batch waiting on its workers looks this often whether the run was stopped. stop() kills the
# workers, which should fail their futures at once (BrokenProcessPool); but a pool shut down
# before its manager thread saw its workers die can leave a future pending until the batch's
# whole budget (minutes) is over: a run whose disk filled up waited that long to say so.
STOP_POLL_SECONDS = 0.5


class Stopped(RuntimeError):
    """The runner was stopped (the run is interrupted): no more work is taken."""


class WorkersUnavailable(RuntimeError):
    """Worker processes die before doing any work: no document is to blame, so the run stops
    rather than rejecting every document as a crash."""


_NO_WORKERS = (
    "cleanwire's worker processes die as they start, before any document. The usual cause: "
    "ingest() is called from a script at module level; worker processes import the main "
    "script, so guard the call with `if __name__ == \"__main__\":`. Otherwise, see the "
    "worker's own error above.")


def _alarm(signum, frame):
    raise DocumentTimeout("stopped after its time budget")


def _init_worker(address_space: int, extra: Callable[[], None] | None) -> None:
    die_with_parent()  # its parent is the fork server, whose main thread forks it
    if address_space:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = address_space if hard == resource.RLIM_INFINITY else min(address_space, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    signal.signal(signal.SIGALRM, _alarm)
    work.set_guard(_timer)  # every page's steps in this worker run under the timer
    if extra is not None:
        extra()


@contextmanager
def _timer(settings: Settings):
    """The per-document time budget: a page over it raises DocumentTimeout (a rejection)."""
    signal.setitimer(signal.ITIMER_REAL, settings.doc_seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


# A multi-record file (JSONL, WARC) weighs one page per this many bytes on disk, for batching
# and time budgets: scraped pages run 20 to 100 KB, compressed records less.
BYTES_PER_RECORD = 20_000


def weight(found: Found) -> int:
    """Pages an input stands for: 1 for a page file, the records of a part of a JSONL or WARC
    file, an estimate for such a file not split in parts."""
    if found.part is not None:
        return found.part.records
    if multi_record_format(found.path):
        return max(1, found.size // BYTES_PER_RECORD)
    return 1


def _rejection(found: Found, reason: str, detail: str) -> FileOutcome:
    if (part := found.part) is not None:  # a part of an archive: rejected by its first record
        return work.rejected_part(found.path, part, reason, detail)
    return work.rejected_whole(found.path, reason, detail)


class BatchRunner:
    """A process pool shared by the flow's batch tasks (threads), rebuilt when it breaks."""

    def __init__(self, workers: int, settings: Settings | None = None, *,
                 batch_slack: float = BATCH_SLACK_SECONDS,
                 address_space: int = WORKER_ADDRESS_SPACE,
                 worker_init: Callable[[], None] | None = None):
        self.workers = workers
        self.settings = settings or Settings()  # what the workers need: limits, time budget, engine
        self.doc_seconds = self.settings.doc_seconds
        self.batch_slack = batch_slack
        self._initargs = (address_space, worker_init)
        self._ctx = multiprocessing.get_context("forkserver")
        # forkserver, not fork: the flow process runs Prefect's threads, which fork would copy
        # mid-lock. The server imports the cleaners once; each worker forks from it ready.
        self._ctx.set_forkserver_preload(["running.workers"])
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._stopped = False
        self._generation = 0
        self.restarts = 0

    def __enter__(self) -> BatchRunner:
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if exc_type is not None:  # interrupted or failed: the workers' results are not wanted
            self.stop()
            return
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None

    def stop(self) -> None:
        """Kill the workers now and take no more work: a batch waiting on them ends at once
        with Stopped (Ctrl-C stops a run in a moment, not when its batches are done)."""
        with self._lock:
            self._stopped = True
            pool, self._pool = self._pool, None
        if pool is not None:
            _kill(pool)

    def _new_pool(self, workers: int) -> ProcessPoolExecutor:
        """A pool whose workers are proven to start: a pool that cannot start a worker would
        otherwise look like a crash of every document in turn."""
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=self._ctx,
                                   initializer=_init_worker, initargs=self._initargs)
        try:
            pool.submit(os.getpid).result(timeout=PROBE_SECONDS)
        except (BrokenProcessPool, FutureTimeout) as exc:
            _kill(pool)
            raise WorkersUnavailable(_NO_WORKERS) from exc
        return pool

    def warm(self) -> None:
        """Start the pool's workers ahead of the first batch (errors wait for that batch)."""
        try:
            self._current()
        except (WorkersUnavailable, Stopped):
            pass

    def _current(self) -> tuple[ProcessPoolExecutor, int]:
        with self._lock:
            if self._stopped:
                raise Stopped("the run was stopped")
            if self._pool is None:
                self._pool = self._new_pool(self.workers)
            return self._pool, self._generation

    def _discard(self, generation: int) -> None:
        """Kill the workers of a broken or stuck pool (once, whichever batch noticed first)."""
        with self._lock:
            if generation != self._generation or self._pool is None:
                return
            pool, self._pool = self._pool, None
            self._generation += 1
            self.restarts += 1
        _kill(pool)

    def budget(self, batch: list[Found]) -> float:
        return self.doc_seconds * sum(weight(found) for found in batch) + self.batch_slack

    def run(self, raw_root: str, batch: list[Found]) -> list[FileOutcome]:
        for _ in range(BATCH_ATTEMPTS):
            pool, generation = self._current()
            try:
                future = pool.submit(work.clean_batch, raw_root, batch, self.settings)
                return self._result(future, self.budget(batch))
            except (RuntimeError, CancelledError) as exc:  # BrokenProcessPool is a RuntimeError
                if self._stopped:  # killed by stop(), or shut down under our feet
                    raise Stopped("the run was stopped") from None
                if not isinstance(exc, BrokenProcessPool | CancelledError):
                    raise
                self._discard(generation)  # a worker died: this batch's or another's
            except FutureTimeout:  # stuck where the timer cannot reach: trying again would hang
                self._discard(generation)
                break
        return [self._isolated(raw_root, found) for found in batch]

    def _result(self, future, seconds: float):
        """The future's result within `seconds` (else FutureTimeout); Stopped as soon as the
        runner is stopped (see STOP_POLL_SECONDS)."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                return future.result(timeout=max(0.0, min(STOP_POLL_SECONDS,
                                                          deadline - time.monotonic())))
            except FutureTimeout:
                if self._stopped:
                    raise Stopped("the run was stopped") from None
                if time.monotonic() >= deadline:
                    raise

    def _isolated(self, raw_root: str, found: Found) -> FileOutcome:
        """One input alone in a fresh process: its crash or hang is its own verdict."""
        if self._stopped:
            raise Stopped("the run was stopped")
        pool = self._new_pool(1)
        try:
            future = pool.submit(work.clean_batch, raw_root, [found], self.settings)
            return self._result(future, self.budget([found]))[0]
        except BrokenProcessPool:
            if self._stopped:
                raise Stopped("the run was stopped") from None
            return _rejection(found, "worker-crash", "the worker process died on this input twice")
        except FutureTimeout:
            return _rejection(found, "timeout",
                              "the worker did not return in time (stuck in native code)")
        finally:
            _kill(pool)


def _kill(pool: ProcessPoolExecutor) -> None:
    for process in list((pool._processes or {}).values()):  # no public API kills a worker
        try:
            os.kill(process.pid, signal.SIGKILL)
        except (ProcessLookupError, AttributeError, TypeError):
            pass
    pool.shutdown(wait=False, cancel_futures=True)
