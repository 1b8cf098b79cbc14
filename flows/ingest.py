"""The `ingest` flow: raw/ to clean/, in batches, on every core.

Prefect runs one task per batch on its thread runner; each task hands its whole batch to a plain
process pool (no Prefect in the workers: a Prefect worker process without an API server would
start its own, at ~100 ms a task). The flow process alone dedups and writes, in batch order, so the
result does not depend on which batch finishes first.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import deque
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from cleaners.defaults import BATCH_SIZE, IN_FLIGHT_PER_WORKER, TASK_THREADS
from cleaners.pipeline import Outcome, process_batch
from cleaners.read import Found, discover
from cleaners.store import CleanStore, new_run_id


@contextmanager
def worker_pool(workers: int):
    """A process pool whose workers are forked from a server that has the cleaners imported.
    forkserver, not fork: the flow process has Prefect's threads, which fork would copy mid-lock."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["cleaners.workers"])
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@task(name="discover", cache_policy=NO_CACHE)
def discover_inputs(raw: str) -> list[Found]:
    return discover(raw)


@task(name="clean-batch", cache_policy=NO_CACHE, task_run_name="clean-batch-{number}")
def clean_batch(number: int, raw: str, batch: list[Found], pool: Executor | None) -> list[Outcome]:
    start = time.perf_counter()
    if pool is None:
        outcomes = process_batch(raw, batch)
    else:
        outcomes = pool.submit(process_batch, raw, batch).result()
    get_run_logger().info("batch %d: %d inputs in %.2f s", number, len(batch),
                          time.perf_counter() - start)
    return outcomes


def batches_of(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


@flow(name="ingest", task_runner=ThreadPoolTaskRunner(max_workers=TASK_THREADS), log_prints=False)
def ingest(raw: str = "raw", clean: str = "clean", batch_size: int = BATCH_SIZE,
           workers: int = 0, lock_wait: float = 0.0) -> dict:
    """Clean every new or changed file under `raw` into `clean`. workers=0: one per core.
    One run at a time per clean folder: wait up to `lock_wait` seconds for another, then fail."""
    started = time.perf_counter()
    raw, clean = str(Path(raw).resolve()), str(Path(clean).resolve())
    found = discover_inputs(raw)
    store = CleanStore(clean, new_run_id(), lock_wait=lock_wait)
    batches = batches_of(store.to_process(raw, found), max(1, batch_size))
    workers = min(workers or os.cpu_count() or 1, max(1, len(batches)))
    try:
        with (worker_pool(workers) if workers > 1 else _no_pool()) as pool:
            in_flight: deque = deque()
            pending = iter(enumerate(batches))
            for number, batch in pending:
                in_flight.append(clean_batch.submit(number, raw, batch, pool))
                if len(in_flight) >= workers * IN_FLIGHT_PER_WORKER:
                    _commit(store, in_flight.popleft().result())
            while in_flight:
                _commit(store, in_flight.popleft().result())
    except BaseException:
        store.abort()
        raise
    report = store.report(len(found), time.perf_counter() - started)
    report["outputs"] = {k: str(v) for k, v in store.finish(report).items()}
    _publish(report)
    return report


@contextmanager
def _no_pool():
    yield None


def _commit(store: CleanStore, outcomes: list[Outcome]) -> None:
    for outcome in outcomes:
        store.add(outcome)
    store.checkpoint()


def _publish(report: dict) -> None:
    rows = [{"outcome": "files seen", "count": report["files_seen"]},
            {"outcome": "documents", "count": report["documents"]},
            {"outcome": "duplicates", "count": report["duplicates"]},
            {"outcome": "unchanged (skipped)", "count": report["unchanged"]}]
    rows += [{"outcome": f"rejected: {reason}", "count": n}
             for reason, n in report["rejected_by_reason"].items()]
    create_table_artifact(key="ingest-report", table=rows,
                          description=f"cleanwire run {report['run']}")
    get_run_logger().info("run %s: %d documents, %d duplicates, %d rejected, %d unchanged",
                          report["run"], report["documents"], report["duplicates"],
                          report["rejected"], report["unchanged"])
