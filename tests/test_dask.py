"""The batches on a real Dask cluster (distributed.LocalCluster, two worker processes) through
prefect-dask: the same outputs as a local run."""

from __future__ import annotations

import json
import os

from test_flow import build_raw

from conftest import read_jsonl


def records(clean):
    return {kind: sorted(json.dumps(r, sort_keys=True) for r in read_jsonl(clean / kind))
            for kind in ("documents", "duplicates", "rejected")}


def test_dask_run_equals_a_local_run(prefect_harness, tmp_path):
    from distributed import LocalCluster
    from prefect.settings import PREFECT_API_URL

    from flows.ingest import ingest, ingest_flow

    raw = tmp_path / "raw"
    build_raw(raw)
    before = os.environ.get("PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = PREFECT_API_URL.value()  # Dask workers need a real server
    try:
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster:
            report = ingest_flow(cluster.scheduler_address)(
                raw=str(raw), clean=str(tmp_path / "dask"), batch_size=3)
            workers = cluster.scheduler_info["workers"]
            assert len(workers) == 2
    finally:
        if before is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = before
    assert report["documents"] == 8
    ingest(raw=str(raw), clean=str(tmp_path / "local"), batch_size=3)
    assert records(tmp_path / "dask") == records(tmp_path / "local")
