"""The `ingest` flow: raw/ to clean/, in batches, on every core.

Prefect runs one task per batch on its thread runner; each task hands its whole batch to a plain
process pool (no Prefect in the workers: a Prefect worker process without an API server would
start its own, at ~100 ms a task). The flow process alone dedups and writes, in batch order, so the
result does not depend on which batch finishes first. cleaners/runner.py keeps the pool alive
through worker deaths and hung pages.
"""

from __future__ import annotations

import gc
import math
import os
import time
from collections import deque
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.task_runners import ThreadPoolTaskRunner

from cleaners.config import output_settings
from cleaners.defaults import BATCH_SIZE, BATCHES_PER_WORKER, IN_FLIGHT_PER_WORKER, TASK_THREADS
from cleaners.language import ENGINES
from cleaners.pipeline import Outcome, process_batch
from cleaners.read import MAX_DECOMPRESSED_BYTES, MAX_FILE_BYTES, Found, Limits, discover
from cleaners.runner import DOC_SECONDS, BatchRunner, weight
from cleaners.store import CleanStore, new_run_id


@task(name="discover", cache_policy=NO_CACHE)
def discover_inputs(raw: str) -> list[Found]:
    return discover(raw)


# The flow process's live process pools, by run. A task on the thread runner finds its pool here
# (a pool cannot travel as a task parameter); a task on a Dask worker finds none and works in
# the worker itself, which is the Dask worker's own process.
_RUNNERS: dict[str, BatchRunner] = {}


@task(name="clean-batch", cache_policy=NO_CACHE, task_run_name="clean-batch-{number}")
def clean_batch(number: int, run: str, raw: str, batch: list[Found], limits: Limits) -> list[Outcome]:
    start = time.perf_counter()
    runner = _RUNNERS.get(run)
    outcomes = runner.run(raw, batch) if runner else process_batch(raw, batch, limits)
    get_run_logger().info("batch %d: %d inputs in %.2f s", number, len(batch),
                          time.perf_counter() - start)
    return outcomes


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


@flow(name="ingest", task_runner=ThreadPoolTaskRunner(max_workers=TASK_THREADS), log_prints=False)
def ingest(raw: str = "raw", clean: str = "clean", batch_size: int = BATCH_SIZE,
           workers: int = 0, lock_wait: float = 0.0, doc_seconds: float = DOC_SECONDS,
           max_file_mb: float = MAX_FILE_BYTES / 2**20,
           max_decompressed_mb: float = MAX_DECOMPRESSED_BYTES / 2**20,
           languages: list[str] | None = None, language_policy: str = "flag",
           language_engine: str = "langdetect",
           dedup_threshold: float | None = None, output_format: str = "jsonl",
           jsonl_fields: dict[str, list[str]] | None = None, reprocess: str | None = None) -> dict:
    """Clean every new or changed file under `raw` into `clean`. workers=0: one per core.
    One run at a time per clean folder: wait up to `lock_wait` seconds for another, then fail.
    A document that takes more than `doc_seconds` is stopped and rejected as `timeout`; a file
    above `max_file_mb`, or above `max_decompressed_mb` once decompressed, as `too-large`.
    A document in a language outside `languages` (when given) is flagged or rejected, by
    `language_policy`; `language_engine` is langdetect or fasttext. Outputs are JSON Lines,
    zstd-compressed JSON Lines or Parquet, by `output_format`. `jsonl_fields` maps JSONL field
    names to roles (url, html, text, title, published, site) for exports of another shape.
    `reprocess` (a path pattern, "*" for all) cleans the inputs it selects again, changed or
    not. cleanwire.toml documents every other parameter."""
    if language_engine not in ENGINES:
        raise ValueError(f"language_engine must be one of {', '.join(ENGINES)}, "
                         f"not {language_engine!r}")
    limits = Limits(int(max_file_mb * 2**20), int(max_decompressed_mb * 2**20), jsonl_fields,
                    language_engine)
    started = time.perf_counter()
    raw, clean = str(Path(raw).resolve()), str(Path(clean).resolve())
    found = discover_inputs(raw)
    store = CleanStore(clean, new_run_id(), lock_wait=lock_wait, languages=languages,
                       language_policy=language_policy, dedup_threshold=dedup_threshold,
                       output_format=output_format,
                       shape=output_settings(locals()))
    todo = store.plan(raw, found, reprocess)
    workers = workers or os.cpu_count() or 1
    local = isinstance(FlowRunContext.get().task_runner, ThreadPoolTaskRunner)
    progress = Progress(len(todo), store.run)
    # The ~300k objects alive now (Prefect, pydantic, the libraries) will outlive the run: frozen
    # out of the collector's sight, the full collection after each batch (_commit) costs a few
    # ms instead of ~170 ms.
    gc.freeze()
    batches = 0
    try:
        with BatchRunner(workers, doc_seconds=doc_seconds, limits=limits) as runner:
            if local:
                _RUNNERS[store.run] = runner
            batches += _clean(store, raw, todo, batch_size, workers, limits, progress)
            # Inputs that copied a document this run turned into a rejection or a copy: cleaned
            # again, so that every duplicate points at a document (twice at most: a second
            # pass cannot orphan what it writes, but a JSONL file cleaned again may).
            for _ in range(ORPHAN_PASSES):
                if not (again := store.orphans(found)):
                    break
                progress.more(len(again))
                batches += _clean(store, raw, again, batch_size, workers, limits, progress)
    except BaseException:
        store.abort()
        raise
    finally:
        _RUNNERS.pop(store.run, None)
        gc.unfreeze()  # a long-lived process (cleanwire serve) frees them in later runs
    report = store.report(len(found), time.perf_counter() - started)
    report["batches"] = batches  # Prefect task runs (clean-batch), for bench/throughput.py
    report["outputs"] = {k: str(v) for k, v in store.finish(report).items()}
    _publish(report)
    return report


ORPHAN_PASSES = 2


def _clean(store: CleanStore, raw: str, todo: list[Found], batch_size: int, workers: int,
           limits: Limits, progress: Progress) -> int:
    """Clean `todo` in batches on the workers, committing in batch order; returns the batches."""
    batches = batches_of(todo, balanced_size(todo, max(1, batch_size), workers))
    workers = min(workers, max(1, len(batches)))
    in_flight: deque = deque()
    for number, batch in enumerate(batches, start=progress.batches):
        in_flight.append((clean_batch.submit(number, store.run, raw, batch, limits), len(batch)))
        if len(in_flight) >= workers * IN_FLIGHT_PER_WORKER:
            _commit(store, *in_flight.popleft(), progress)
    while in_flight:
        _commit(store, *in_flight.popleft(), progress)
    progress.batches += len(batches)
    return len(batches)


def _commit(store: CleanStore, future, inputs: int, progress: Progress) -> None:
    for outcome in future.result():
        store.add(outcome)
    store.checkpoint()
    progress.advance(inputs)
    # Each task run leaves reference cycles (Prefect's run objects, holding the batch's
    # results) that only a full collection frees, and CPython runs one too rarely: the flow
    # process grew ~46 KB a document (220 -> 368 MB over 3,960 documents); collected after each
    # batch it stays flat (bench/throughput.py, "flow" memory row).
    gc.collect()


class Progress:
    """A Prefect progress artifact that moves as batches commit, and the CLI's progress hook."""

    def __init__(self, total: int, run: str):
        self.total, self.done, self.batches = total, 0, 0
        self.artifact = create_progress_artifact(
            progress=0.0 if total else 100.0, key="ingest-progress",
            description=f"cleanwire run {run}: {total} inputs to clean")

    def more(self, n: int) -> None:
        """`n` more inputs to do than planned (a second pass)."""
        self.total += n

    def advance(self, n: int) -> None:
        """`n` more inputs (files) done."""
        self.done += n
        update_progress_artifact(self.artifact, progress=100.0 * self.done / max(self.total, 1))
        for listener in LISTENERS:
            listener(self.done, self.total)


# Callables (done, total) told after every committed batch: the CLI's progress bar.
LISTENERS: list = []


def _publish(report: dict) -> None:
    rows = [{"outcome": "files seen", "count": report["files_seen"]},
            {"outcome": "documents", "count": report["documents"]},
            {"outcome": "duplicates", "count": report["duplicates"]},
            {"outcome": "unchanged (skipped)", "count": report["unchanged"]}]
    rows += [{"outcome": f"rejected: {reason}", "count": n}
             for reason, n in report["rejected_by_reason"].items()]
    create_table_artifact(key="ingest-report", table=rows,
                          description=f"cleanwire run {report['run']}")
    create_markdown_artifact(key="ingest-summary", markdown=summary_markdown(report),
                             description=f"cleanwire run {report['run']}")
    get_run_logger().info("run %s: %d documents, %d duplicates, %d rejected, %d unchanged",
                          report["run"], report["documents"], report["duplicates"],
                          report["rejected"], report["unchanged"])


def summary_markdown(report: dict) -> str:
    """The run report as a page a person reads in the Prefect UI."""
    def table(title: str, rows: dict, unit: str = "count") -> list[str]:
        if not rows:
            return []
        return [f"### {title}", "", f"| | {unit} |", "|---|---:|",
                *[f"| {k} | {v} |" for k, v in rows.items()], ""]

    lines = [f"## cleanwire run `{report['run']}`", "",
             f"{report['files_seen']} files seen in {report['seconds']:.1f} s.", ""]
    lines += table("Outcomes", {"documents": report["documents"],
                                "duplicates (exact)": report["duplicates_by_kind"]["exact"],
                                "duplicates (near)": report["duplicates_by_kind"]["near"],
                                "rejected": report["rejected"],
                                "unchanged (skipped)": report["unchanged"]})
    lines += table("Rejected, by reason", report["rejected_by_reason"])
    lines += table("Languages", report["languages"], "documents")
    lines += table("Boilerplate removed, top reasons", report["removed_reasons"], "lines")
    lines += table("Slowest files", {f"`{s['path']}`": f"{s['seconds']:.2f} s"
                                     for s in report["slowest"]}, "time")
    return "\n".join(lines)


def flow_parameters(settings) -> dict:
    """The flow's parameters from cleaners.config.Settings (the same names, one to one)."""
    return settings.model_dump(exclude={"schedule", "interval", "collision", "dask"})



def ingest_flow(dask: str | None = None):
    """The ingest flow on this machine's cores, or on an existing Dask cluster."""
    if not dask:
        return ingest
    from prefect_dask import DaskTaskRunner

    return ingest.with_options(task_runner=DaskTaskRunner(address=dask))
