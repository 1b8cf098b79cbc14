"""Batches on an existing Dask cluster (cleanwire run --dask tcp://host:port).

Each Dask worker cleans its batches in a BatchRunner of its own, so the guards of a local run
(time budget per document, memory cap, isolation of a page that kills its process) hold there
too; the Dask workers need cleanwire and the raw folder at the same path, and no Prefect.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from running.inputs import Found
from running.pool import BatchRunner
from running.settings import Settings


class DaskBackend:
    """Batches on an existing Dask cluster. Each Dask worker cleans its batches in a
    BatchRunner of its own (one process per Dask thread), so the per-document time budget, the
    memory cap and the isolation of a page that kills its process hold as on a local run; the
    Dask workers need no Prefect and no Prefect server."""

    def __init__(self, address: str, settings: Settings,
                 worker_init: Callable[[], None] | None = None):
        self.address, self.settings = address, settings
        self.worker_init = worker_init  # run in each process of the Dask workers' runners
        self.client = None

    def __enter__(self) -> DaskBackend:
        from distributed import Client

        self.client = Client(self.address, set_as_default=False)
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None

    def run(self, raw: str, batch: list[Found]) -> list:
        future = self.client.submit(dask_batch, raw, batch, self.settings, self.worker_init,
                                    pure=False)
        return future.result()


_DASK_RUNNER: dict[tuple, BatchRunner] = {}
_DASK_LOCK = threading.Lock()


def dask_batch(raw: str, batch: list[Found], settings: Settings,
               worker_init: Callable[[], None] | None = None) -> list:
    """A batch on a Dask worker, in the worker's own BatchRunner (made on its first batch)."""
    from distributed import get_worker

    key = (settings.worker_key(), worker_init)
    with _DASK_LOCK:
        runner = _DASK_RUNNER.get(key)
        if runner is None:
            # Dask starts its workers as daemon processes, which multiprocessing forbids to
            # have children; the runner's own processes die with this one (running.lifeline).
            import multiprocessing

            multiprocessing.current_process()._config["daemon"] = False
            runner = BatchRunner(get_worker().state.nthreads, settings, worker_init=worker_init)
            _DASK_RUNNER[key] = runner
    return runner.run(raw, batch)
