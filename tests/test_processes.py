"""`cleanwire run` as a user starts and stops it: killed with SIGKILL it leaves no process behind
(its temporary Prefect server, the fork server and the workers die with it); Ctrl-C at a terminal
stops it in seconds with what was kept said and exit code 130; a run with nothing to do answers
without Prefect; a run uses the API it is given, or the running `cleanwire serve`'s."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from test_crash import by_path, make_corpus

from conftest import ROOT

CLI = [sys.executable, "-m", "flows.cli"]


def _env(tmp_path: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    return env | {"PREFECT_HOME": str(tmp_path / ".prefect"), "PYTHONPATH": str(ROOT)} | extra


def _committed(clean: Path) -> int:
    try:
        with sqlite3.connect(f"file:{clean / 'state.sqlite'}?mode=ro", uri=True, timeout=0.1) as db:
            return db.execute("SELECT COUNT(*) FROM inputs").fetchone()[0]
    except sqlite3.Error:
        return 0


def _start_run(raw: Path, clean: Path, env: dict, *extra: str) -> subprocess.Popen:
    """A run in a session of its own, as from a terminal; returns once it has committed a batch,
    with its temporary server, fork server and workers all up."""
    proc = subprocess.Popen(CLI + ["run", "--raw", str(raw), "--clean", str(clean),
                                   "--batch-size", "16", *extra], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.monotonic() + 240
    while _committed(clean) < 32 and proc.poll() is None:
        assert time.monotonic() < deadline, "the run committed nothing in time"
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be stopped: " + proc.stderr.read()
    return proc


def _alive(processes: list[psutil.Process]) -> list[str]:
    alive = []
    for p in processes:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                alive.append(f"{p.pid} {' '.join(p.cmdline())[:120]}")
        except psutil.NoSuchProcess:
            pass
    return alive


def _gone_within(processes: list[psutil.Process], seconds: float) -> list[str]:
    deadline = time.monotonic() + seconds
    while (left := _alive(processes)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


@pytest.fixture
def corpus(tmp_path) -> Path:
    raw = tmp_path / "raw"
    make_corpus(raw, 600)
    return raw


def test_sigkill_leaves_no_process_of_the_run_alive(corpus, tmp_path):
    proc = _start_run(corpus, tmp_path / "clean", _env(tmp_path))
    children = psutil.Process(proc.pid).children(recursive=True)
    names = " ".join(" ".join(c.cmdline()) for c in children)
    assert "uvicorn" in names and "forkserver" in names  # its server, its fork server...
    assert sum("multiprocessing" in " ".join(c.cmdline()) for c in children) >= 3  # ...workers
    os.kill(proc.pid, signal.SIGKILL)  # the run alone, as the OOM killer or `kill -9` does
    proc.wait()
    assert _gone_within(children, 10) == []


ORPHANED_CHILD = """
import os, sys, time
from running.lifeline import die_with_parent
parent = os.getpid()
pid = os.fork()
if pid:  # the parent (a fork server) is killed right after the fork
    print(pid, flush=True)
    os._exit(0)
deadline = time.monotonic() + 20
while os.getppid() == parent and time.monotonic() < deadline:  # ...before its child arms
    time.sleep(0.01)                                             # the parent-death signal
die_with_parent()
time.sleep(60)
"""


def test_a_worker_whose_parent_died_before_it_armed_the_signal_exits(tmp_path):
    """The race CI met once: the run killed while the fork server forked a worker on demand.
    The kernel never signals that worker; it must see for itself that its parent is gone."""
    out = subprocess.run([sys.executable, "-c", ORPHANED_CHILD], env=_env(tmp_path),
                         capture_output=True, text=True, timeout=30)
    child = psutil.Process(int(out.stdout))
    assert _gone_within([child], 10) == []


def test_ctrl_c_stops_the_run_in_seconds_and_says_what_was_kept(corpus, tmp_path):
    clean = tmp_path / "clean"
    env = _env(tmp_path)
    proc = _start_run(corpus, clean, env)
    children = psutil.Process(proc.pid).children(recursive=True)
    start = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)  # a terminal's Ctrl-C reaches the whole foreground group
    _, err = proc.communicate(timeout=120)
    seconds = time.monotonic() - start
    assert proc.returncode == 130, err[-3000:]
    assert seconds < 10, f"took {seconds:.1f} s to stop"
    assert "Traceback" not in err
    (line,) = [x for x in err.splitlines() if x.startswith("cleanwire: interrupted")]
    kept = int(line.split("kept the ")[1].split()[0])
    assert kept >= 32 and kept == _committed(clean)
    assert _gone_within(children, 10) == []
    reports = [json.loads(p.read_text()) for p in (clean / "reports").glob("*.json")]
    assert [r["status"] for r in reports] == ["interrupted"]

    again = subprocess.run(CLI + ["run", "--raw", str(corpus), "--clean", str(clean)], env=env,
                           capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    assert len(by_path(clean)) == len(list(corpus.rglob("*.txt")))  # each input once


def test_sigterm_stops_the_run_like_ctrl_c(corpus, tmp_path):
    proc = _start_run(corpus, tmp_path / "clean", _env(tmp_path))
    os.kill(proc.pid, signal.SIGTERM)  # a service manager's stop
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "cleanwire: interrupted" in err


def test_a_run_with_nothing_to_do_answers_without_prefect(tmp_path):
    from conftest import SEEDS

    env = _env(tmp_path)
    args = CLI + ["run", "--raw", str(SEEDS), "--clean", str(tmp_path / "clean")]
    first = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0 and "Beginning flow run" in first.stderr
    start = time.monotonic()
    again = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60)
    seconds = time.monotonic() - start
    assert again.returncode == 0 and "unchanged         5" in again.stdout
    assert "flow run" not in again.stderr.lower()  # no Prefect, no server
    assert seconds < 5, f"{seconds:.1f} s for an unchanged folder"


def test_a_run_uses_the_api_it_finds_instead_of_starting_a_server(prefect_harness, tmp_path):
    """With PREFECT_API_URL, or with the URL a running `cleanwire serve` left in serve.json
    (here the test harness's server stands in for it), no server of its own is started."""
    from prefect.settings import PREFECT_API_URL

    from conftest import SEEDS

    url = PREFECT_API_URL.value()
    for name, env in (("PREFECT_API_URL", _env(tmp_path, PREFECT_API_URL=url)),
                      ("serve.json", _env(tmp_path))):
        if name == "serve.json":
            (tmp_path / ".prefect").mkdir(exist_ok=True)
            (tmp_path / ".prefect" / "serve.json").write_text(json.dumps({"api_url": url}))
        proc = subprocess.Popen(CLI + ["run", "--raw", str(SEEDS), "--clean",
                                       str(tmp_path / f"clean-{name}")], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        servers = set()
        while proc.poll() is None:
            try:
                servers |= {c.pid for c in psutil.Process(proc.pid).children(recursive=True)
                            if "uvicorn" in " ".join(c.cmdline())}
            except psutil.Error:
                pass
            time.sleep(0.1)
        out, err = proc.communicate()
        assert proc.returncode == 0, err[-3000:]
        assert not servers, f"{name}: it started a server of its own"
        assert "documents written 5" in out
        assert url.removesuffix("/api") in err  # the flow run is in that server's UI
