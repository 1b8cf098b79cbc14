"""The `ingest` flow: raw/ to clean/, in batches, on every core.

The run itself is running.runs.run_ingest, plain Python; this flow gives it to Prefect: one
task per batch on Prefect's thread runner, each handing its whole batch to the run's backend (a
process pool here, or the Dask workers; no Prefect in either: a Prefect worker process without
an API server would start its own, at ~100 ms a task), a progress bar and the report as
artifacts. The flow process alone dedups and writes, in batch order, so the result does not
depend on which batch finishes first.
"""

# No `from __future__ import annotations`: Prefect validates the parameters of a deployment's
# runs against the flow's signature, and needs Settings there as a class, not a string.

import time
import weakref

from prefect import flow, get_run_logger, task
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import NO_CACHE
from prefect.states import Cancelled, Failed
from prefect.task_runners import ThreadPoolTaskRunner

from running import runs
from running.defaults import TASK_THREADS
from running.inputs import Found, discover
from running.pool import Stopped
from running.settings import Settings
from running.store import StorageFailed
from running.work import FileOutcome


@task(name="discover", cache_policy=NO_CACHE)
def discover_inputs(raw: str) -> list[Found]:
    return discover(raw)


# The run's backend (its worker pool, or its Dask client), by run: a task finds it here (a pool
# cannot travel as a task parameter); gone with the run.
_BACKENDS: weakref.WeakValueDictionary = weakref.WeakValueDictionary()


@task(name="clean-batch", cache_policy=NO_CACHE, task_run_name="clean-batch-{number}")
def clean_batch(number: int, run: str, raw: str, batch: list[Found]) -> list[FileOutcome]:
    start = time.perf_counter()
    try:
        outcomes = _BACKENDS[run].run(raw, batch)
    except Stopped:  # the run is interrupted, or failed: this batch is not wanted
        return Cancelled(message="the run stopped before this batch was done")
    get_run_logger().info("batch %d: %d inputs in %.2f s", number, len(batch),
                          time.perf_counter() - start)
    return outcomes


def _submit(number: int, run: str, raw: str, batch: list[Found], backend):
    _BACKENDS[run] = backend
    return clean_batch.submit(number, run, raw, batch)


@flow(name="ingest", task_runner=ThreadPoolTaskRunner(max_workers=TASK_THREADS), log_prints=False)
def ingest(settings: Settings = Settings(), reprocess: str | None = None) -> dict:  # noqa: B008
    """Clean every new or changed file under `settings.raw` into `settings.clean`
    (running/settings.py and cleanwire.toml say what each setting does). `reprocess` (a path
    pattern, "*" for all) cleans the inputs it selects again, changed or not."""
    try:
        report = runs.run_ingest(settings, reprocess, submit=_submit, progress=Progress,
                                 find=discover_inputs)
    except StorageFailed as exc:  # an operating condition, not a bug: no traceback, a reason
        return Failed(message=f"the clean folder could not be written: {exc}", data=exc)
    _publish(report)
    return report


class Progress(runs.Progress):
    """A Prefect progress artifact that moves as batches commit, and the CLI's progress hook."""

    def __init__(self, total: int, run: str):
        super().__init__(total, run)
        self.artifact = create_progress_artifact(
            progress=0.0 if total else 100.0, key="ingest-progress",
            description=f"cleanwire run {run}: {total} inputs to clean")

    def advance(self, n: int) -> None:
        """`n` more inputs (files) done."""
        super().advance(n)
        update_progress_artifact(self.artifact, progress=100.0 * self.done / max(self.total, 1))


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
