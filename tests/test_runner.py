"""The batch runner under faults injected into real worker processes: a page that spins, a page
that kills its worker, a page stuck where the timer cannot reach, and a worker killed from outside."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time

import pytest

from conftest import SEEDS
from running.inputs import discover
from running.pool import BatchRunner
from running.settings import Settings


def inject_faults() -> None:
    """Runs in each worker: files named after a fault misbehave the way hostile pages do."""
    import running.work as work

    real = work.clean  # the page's steps, as the worker's guard calls them

    def clean(page, **options):
        path = page.source.path
        if "spin" in path:
            while True:  # Python code that never ends: the per-document timer stops it
                pass
        if "crash" in path:
            os.kill(os.getpid(), signal.SIGSEGV)
        if "stuck" in path:
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})  # as native code would
            time.sleep(3600)
        if "slow" in path:
            time.sleep(2)
        if "hog" in path:  # 6 GB: above the worker's address-space cap
            bytearray(6 * 1024**3)
        return real(page, **options)

    work.clean = clean


@pytest.fixture
def raw(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    for seed in sorted(SEEDS.glob("*.txt")):
        shutil.copy(seed, raw / seed.name)
    return raw


def outcomes_by_path(runner, raw):
    found = discover(raw)
    return {r.source.path: r for o in runner.run(str(raw), found) for r in o.results}


def test_a_spinning_page_times_out_and_its_batch_completes(raw):
    shutil.copy(next(SEEDS.glob("000_*")), raw / "spin.txt")
    with BatchRunner(1, Settings(doc_seconds=1.0), worker_init=inject_faults) as runner:
        out = outcomes_by_path(runner, raw)
        assert out["spin.txt"].reason == "timeout"
        assert sum(type(r).__name__ == "Document" for r in out.values()) == 5
        assert runner.restarts == 0  # the timer handled it inside the worker


def test_a_page_that_kills_its_worker_is_rejected_after_a_retry(raw):
    shutil.copy(next(SEEDS.glob("000_*")), raw / "crash.txt")
    with BatchRunner(2, worker_init=inject_faults) as runner:
        out = outcomes_by_path(runner, raw)
        assert out["crash.txt"].reason == "worker-crash"
        assert sum(type(r).__name__ == "Document" for r in out.values()) == 5
        assert runner.restarts == 2  # two attempts on the pool, then isolation


def test_a_page_stuck_in_native_code_is_killed_and_rejected(raw):
    shutil.copy(next(SEEDS.glob("000_*")), raw / "stuck.txt")
    with BatchRunner(1, Settings(doc_seconds=2.0), batch_slack=2.0, worker_init=inject_faults) as runner:
        start = time.monotonic()
        out = outcomes_by_path(runner, raw)
        assert out["stuck.txt"].reason == "timeout"
        assert sum(type(r).__name__ == "Document" for r in out.values()) == 5
        assert time.monotonic() - start < 60


def test_a_worker_killed_from_outside_loses_only_an_attempt(raw):
    shutil.copy(next(SEEDS.glob("000_*")), raw / "slow.txt")
    with BatchRunner(1, worker_init=inject_faults) as runner:
        def kill_worker_once():
            deadline = time.monotonic() + 120  # the pool starts in ~1 s, more on a loaded machine
            while (runner._pool is None or not runner._pool._processes) and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(1.0)  # inside the batch: slow.txt alone takes 2 s
            pool = runner._pool
            pid = next(iter(pool._processes))
            os.kill(pid, signal.SIGKILL)  # an OOM killer's doing

        killer = threading.Thread(target=kill_worker_once)
        killer.start()
        out = outcomes_by_path(runner, raw)
        killer.join()
        assert runner.restarts == 1
        assert all(type(r).__name__ == "Document" for r in out.values()) and len(out) == 6


def test_memory_is_capped_per_worker(raw):
    (raw / "big.txt").write_text("word " * 10)
    with BatchRunner(1, address_space=3 * 1024**3) as runner:
        future = runner._current()[0].submit(_limit)
        assert future.result() == 3 * 1024**3


def _limit():
    import resource

    return resource.getrlimit(resource.RLIMIT_AS)[0]


def test_a_workers_libraries_are_out_of_the_collectors_sight(raw):
    # the fork server loaded trafilatura, langdetect's profiles and the model, then froze them:
    # a worker's full collections scan only what it made itself (and leave the pages it shares
    # with its siblings unwritten)
    with BatchRunner(1) as runner:
        frozen, loaded = runner._current()[0].submit(_frozen).result()
    assert loaded and frozen > 100_000


def _frozen():
    import gc
    import sys

    return gc.get_freeze_count(), "langdetect.detector_factory" in sys.modules


def test_an_unguarded_script_fails_fast_with_a_clear_error(raw, tmp_path):
    """A user's script that calls ingest() at module level, unguarded: every worker imports it
    again as it starts, re-runs the flow and dies. The run must stop at once with the cause,
    not reject every document as a worker crash (hours on a big folder), and no worker may
    start a Prefect server of its own."""
    import subprocess
    import sys

    script = tmp_path / "unguarded.py"
    script.write_text(
        "from flows.ingest import ingest\nfrom running.settings import Settings\n"
        f"ingest(Settings(raw={str(raw)!r}, clean={str(tmp_path / 'clean')!r}, workers=1))\n")
    env = dict(os.environ, PREFECT_HOME=str(tmp_path / "prefect"))
    started = time.monotonic()
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          env=env, timeout=240, cwd=tmp_path)
    assert proc.returncode != 0
    assert "WorkersUnavailable" in proc.stderr and '__name__ == "__main__"' in proc.stderr
    # one temporary server (the script's own), none from the workers
    assert proc.stderr.count("Starting temporary server") + proc.stdout.count(
        "Starting temporary server") <= 1
    assert time.monotonic() - started < 200
    assert not (tmp_path / "clean" / "documents.jsonl").exists()


def test_a_stop_request_ends_the_run_at_its_next_batch_and_the_next_run_does_the_rest(tmp_path):
    """Ctrl-C's handler (flows/cli.py) asks the run to stop as well as raising
    KeyboardInterrupt, which Prefect's waiting on a task can swallow: the run then stops where it
    commits its next batch, with what it committed kept, and the next run cleans the rest."""
    from concurrent.futures import Future

    from running.output import read_records
    from running.runs import request_stop, run_ingest

    raw = tmp_path / "raw"
    shutil.copytree(SEEDS, raw)
    settings = Settings(raw=str(raw), clean=str(tmp_path / "clean"), workers=1, batch_size=1)

    def submit(number, run, raw_root, batch, backend):
        if number == 2:
            request_stop()  # as the signal handler does, while batch 2 is on its way
        done: Future = Future()
        done.set_result(backend.run(raw_root, batch))
        return done

    with pytest.raises(KeyboardInterrupt):
        run_ingest(settings, submit=submit)
    kept = [r for kind in ("documents", "duplicates", "rejected")
            for r in read_records(tmp_path / "clean" / kind)]
    assert 0 < len(kept) < len(discover(str(raw)))
    report = run_ingest(settings)
    assert report["files_seen"] == len(discover(str(raw)))
    assert report["unchanged"] == len(kept)


def test_a_stopped_runner_ends_a_batch_waiting_on_stuck_workers_at_once(raw):
    """A batch waits on a page stuck where the timer cannot reach, with a budget of minutes;
    the run stops (Ctrl-C, or a full disk): the batch ends with Stopped in a moment, not when
    its budget is over. (A pool whose futures were not failed by its workers' death left a run
    that hit a full disk waiting out a whole batch budget.)"""
    from running.pool import Stopped

    shutil.copy(next(SEEDS.glob("000_*")), raw / "stuck.txt")
    runner = BatchRunner(1, Settings(doc_seconds=60.0), worker_init=inject_faults)
    ended: list = []

    def run_batch():
        try:
            outcomes_by_path(runner, raw)
            ended.append("returned")
        except Stopped:
            ended.append("stopped")

    thread = threading.Thread(target=run_batch)
    thread.start()
    deadline = time.monotonic() + 120  # the pool starts in ~1 s, more on a loaded machine
    while (runner._pool is None or not runner._pool._processes) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(2.0)  # the worker is inside the batch, on the stuck page
    start = time.monotonic()
    runner.stop()
    thread.join(timeout=30)
    assert ended == ["stopped"]
    assert time.monotonic() - start < 10  # the batch's budget: 6 pages x 60 s + 60 s


def _collections_while_cleaning(paths: list[str]) -> tuple[list[tuple[int, int]], int]:
    """In a worker: how many collections the cyclic collector ran while each page was cleaned
    (running.work.clean_page, as a batch does), alone and with a second thread alive (which
    leaves the collector on); and the threads the worker runs."""
    import gc
    import gzip
    from pathlib import Path

    from cleaners.document import Source
    from cleaners.pipeline import Page
    from running.work import clean_page

    runs = []

    def count(phase, info):
        if phase == "start":
            runs.append(info["generation"])

    def collections(page) -> int:
        gc.collect()
        runs.clear()
        gc.callbacks.append(count)
        try:
            clean_page(page, Settings())
        finally:
            gc.callbacks.remove(count)
        return len(runs)

    threads = threading.active_count()
    counts = []
    threshold = gc.get_threshold()
    gc.set_threshold(50, *threshold[1:])  # (collections every 50 objects: many a page if on)
    for path in paths:
        fmt = "html" if ".html" in path else "text"
        data = Path(path).read_bytes()
        data = gzip.decompress(data) if path.endswith(".gz") else data
        page = Page(Path(path).name, Source(Path(path).name, None, fmt, None, None), data, fmt, {})
        alone = collections(page)
        stop = threading.Event()
        other = threading.Thread(target=stop.wait)
        other.start()
        try:
            counts.append((alone, collections(page)))
        finally:
            stop.set()
            other.join()
    gc.set_threshold(*threshold)
    return counts, threads


def _largest(folder, pattern: str, n: int) -> list[str]:
    return [str(p) for p in sorted(folder.glob(pattern), key=lambda p: -p.stat().st_size)[:n]]


def test_a_worker_cleans_a_text_page_with_the_collector_off_and_an_html_page_with_it_on():
    """running.work.collector_paused: in a worker (one thread), a text page's steps run without
    collections (at most one, of what they return, once the collector is on again); an HTML
    page's trafilatura, which makes cycles, runs with them; and a text page's steps make no
    reference cycle (nothing is left for a collection to find)."""
    cases = SEEDS.parent
    texts = _largest(cases / "text", "*.txt", 3)
    htmls = _largest(cases / "html", "*.html.gz", 2)
    with BatchRunner(1) as runner:
        counts, threads = runner._current()[0].submit(
            _collections_while_cleaning, texts + htmls).result()
        left = runner._current()[0].submit(
            _cycles_left, [str(p) for p in sorted((cases / "text").glob("*.txt"))[:30]]).result()
    assert threads == 1
    for alone, with_thread in counts[:3]:  # text: none (or one, of what the steps return)
        assert alone <= 1 and with_thread >= 20, counts
    for alone, _ in counts[3:]:  # HTML: collections, as with the collector on
        assert alone >= 20, counts

    # (in the worker: in a process with other threads, what they drop meanwhile would count)
    assert left == [0] * len(left) and len(left) == 30, left


def _cycles_left(paths: list[str]) -> list[int]:
    """In a worker: what a collection finds after each text page's steps ran with the collector
    off (unreachable objects: cycles the steps made)."""
    import gc
    from pathlib import Path

    from cleaners.document import Source
    from cleaners.pipeline import Page, clean

    pages = [Page(Path(p).name, Source(Path(p).name, None, "text", None, None),
                  Path(p).read_bytes(), "text", {}) for p in paths]
    clean(pages[0])  # (the first page loads the libraries' data: cycles, once)
    gc.collect()
    gc.disable()
    try:
        left = []
        for page in pages:
            clean(page)
            left.append(gc.collect())
        return left
    finally:
        gc.enable()


def test_the_collector_is_left_as_it_is_with_another_thread_or_when_off():
    import gc

    from running.work import collector_paused

    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        with collector_paused("text"):
            assert gc.isenabled()
    finally:
        stop.set()
        other.join()
    gc.disable()
    try:
        with collector_paused("text"):
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
