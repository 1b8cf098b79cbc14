"""Shared fixtures: the real cases in tests/cases/ and a Prefect harness for flow tests."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

CASES = Path(__file__).parent / "cases"
SEEDS = CASES / "seeds"
HTML = CASES / "html"
ROOT = Path(__file__).parent.parent


def seed_path(prefix: str) -> Path:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path


def seed_text(prefix: str) -> str:
    return seed_path(prefix).read_text(encoding="utf-8")


def html_cases() -> list[dict]:
    return [json.loads(line) for line in (HTML / "cases.jsonl").read_text().splitlines()]


def read_jsonl(folder: Path) -> list[dict]:
    return [json.loads(line) for f in sorted(folder.glob("*.jsonl")) for line in f.open(encoding="utf-8")]


def ingest_plain(raw, clean, run, **options):
    """The flow's work without Prefect: process every new input in one batch and commit it."""
    from running.inputs import discover
    from running.settings import Settings
    from running.store import CleanStore
    from running.work import clean_batch

    store = CleanStore(clean, run, **options)
    for outcome in clean_batch(str(raw), store.plan(raw, discover(raw)), Settings()):
        store.add_file(outcome)
    store.finish(store.report(0, 0.0))


def clean_one(raw, path: str, **settings):
    """One input of the raw folder `raw` through the workers' code: its first (or only) result."""
    from running.inputs import Found
    from running.settings import Settings
    from running.work import clean_file

    return clean_file(str(raw), Found(path), Settings(**settings)).results[0]


@pytest.fixture
def seeds_raw(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    for f in SEEDS.glob("*.txt"):
        shutil.copy(f, raw / f.name)
    return raw


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory):
    """One temporary Prefect database and API for the whole session (starting it costs ~10 s)."""
    os.environ["PREFECT_HOME"] = str(tmp_path_factory.mktemp("prefect-home"))
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def dask_cluster():
    """A real Dask cluster on this machine: two worker processes, one thread each."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        yield cluster
