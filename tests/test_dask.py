"""The batches on a real Dask cluster (distributed.LocalCluster, worker processes): the same
outputs as a local run, with the same guards on hostile pages, and no Prefect in the workers."""

from __future__ import annotations

import json
import shutil

from test_flow import build_raw
from test_runner import inject_faults

from conftest import SEEDS, read_jsonl
from running.inputs import discover
from running.settings import Settings


def records(clean):
    return {kind: sorted(json.dumps(r, sort_keys=True) for r in read_jsonl(clean / kind))
            for kind in ("documents", "duplicates", "rejected")}


def test_dask_run_equals_a_local_run(prefect_harness, dask_cluster, tmp_path):
    from flows.ingest import ingest

    raw = tmp_path / "raw"
    build_raw(raw)
    report = ingest(Settings(raw=str(raw), clean=str(tmp_path / "dask"), batch_size=3,
                             dask=dask_cluster.scheduler_address))
    assert len(dask_cluster.scheduler_info["workers"]) == 2
    assert report["documents"] == 8
    ingest(Settings(raw=str(raw), clean=str(tmp_path / "local"), batch_size=3))
    assert records(tmp_path / "dask") == records(tmp_path / "local")


def test_dask_workers_keep_the_guards(dask_cluster, tmp_path):
    """On the Dask workers, a page that spins is stopped by its time budget, a page that kills
    its process is isolated and rejected, a page that wants 6 GB meets the memory cap: each is
    rejected with its reason, the rest of the batch is cleaned, and no Dask worker is lost."""
    from running.cluster import DaskBackend

    raw = tmp_path / "raw"
    shutil.copytree(SEEDS, raw)
    seed = next(SEEDS.glob("000_*")).read_text()
    for name in ("spin.txt", "crash.txt", "hog.txt"):
        (raw / name).write_text(seed)
    workers = set(dask_cluster.scheduler_info["workers"])
    with DaskBackend(dask_cluster.scheduler_address, Settings(doc_seconds=2.0),
                     worker_init=inject_faults) as dask:
        outcomes = dask.run(str(raw), discover(raw))
    by_path = {r.source.path: r for o in outcomes for r in o.results}
    assert by_path["spin.txt"].reason == "timeout"
    assert by_path["crash.txt"].reason == "worker-crash"
    assert by_path["hog.txt"].reason == "error" and "MemoryError" in by_path["hog.txt"].detail
    assert sum(type(r).__name__ == "Document" for r in by_path.values()) == 5
    assert set(dask_cluster.scheduler_info["workers"]) == workers  # the Dask workers all survived
    from distributed import Client

    with Client(dask_cluster.scheduler_address) as client:  # no Prefect, so no server of theirs
        assert set(client.run(_prefect_imported).values()) == {False}


def _prefect_imported() -> bool:
    import sys

    return "prefect" in sys.modules
