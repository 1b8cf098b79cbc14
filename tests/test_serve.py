"""Scheduled and triggered runs for real: `cleanwire serve` starts a Prefect server on loopback
with the locked versions and serves the deployment; a run that the server's scheduler makes on
its own writes the documents; a triggered one too; a schedule that produces no runs is said
loudly on serve's output; stopping serve stops everything it started."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import CASES, ROOT, SEEDS, read_jsonl

CLI = [sys.executable, "-m", "flows.cli"]


def _post(url: str, body: dict) -> list:
    request = urllib.request.Request(url, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


class Served:
    """`cleanwire serve` in a project of its own (the seeds as raw/), its output collected."""

    def __init__(self, project: Path, *args: str, env: dict | None = None):
        shutil.copytree(SEEDS, project / "raw")
        self.project = project
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        self.env |= {"PREFECT_HOME": str(project / ".prefect"), "PYTHONPATH": str(ROOT),
                     "PREFECT_UI_ENABLED": "false"} | (env or {})
        self.process = subprocess.Popen(CLI + ["serve", *args], cwd=project, env=self.env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True, start_new_session=True)
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.url = None

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)

    def wait_for(self, text: str, seconds: float) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = [line for line in self.lines if text in line]
            if found:
                return found[0]
            assert self.process.poll() is None, "cleanwire serve ended early:\n" + "".join(self.lines)
            time.sleep(0.5)
        raise AssertionError(f"no {text!r} within {seconds} s:\n" + "".join(self.lines))

    def started(self) -> str:
        self.url = self.wait_for("PREFECT_API_URL=", 180).split("=", 1)[1].strip()
        self.wait_for("serving ingest/cleanwire", 60)
        return self.url

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=60)


@pytest.fixture(scope="module")
def broken_scheduler(tmp_path_factory):
    """A server whose scheduler service does not run: the schedule never produces a run. Started
    with the module, so that its grace period passes while the other tests work."""
    served = Served(tmp_path_factory.mktemp("broken") / "project", "--interval", "10",
                    env={"PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
                         "PREFECT_RUNNER_POLL_FREQUENCY": "2"})
    yield served
    served.stop()


def test_a_scheduled_run_writes_the_documents_by_itself(broken_scheduler, tmp_path):
    served = Served(tmp_path / "project", "--interval", "10", "--collision", "queue")
    try:
        url = served.started()
        deadline = time.monotonic() + 60
        while not (deployments := _post(f"{url}/deployments/filter", {})):
            assert time.monotonic() < deadline and served.process.poll() is None
            time.sleep(0.5)
        (deployment,) = deployments
        assert deployment["name"] == "cleanwire"
        assert deployment["schedules"][0]["schedule"]["interval"] == 10.0
        assert deployment["global_concurrency_limit"]["limit"] == 1
        assert deployment["concurrency_options"]["collision_strategy"] == "ENQUEUE"

        # nothing is triggered: the server's scheduler makes the run, serve's runner starts it
        deadline = time.monotonic() + 240
        while not (done := [r for r in _post(f"{url}/flow_runs/filter", {})
                            if r["state_type"] == "COMPLETED"]):
            assert time.monotonic() < deadline, "no scheduled run completed:\n" + "".join(served.lines)
            assert served.process.poll() is None
            time.sleep(1)
        assert all(r["auto_scheduled"] for r in done), "the run was not a scheduled one"
        # a scheduled run Prefect stopped half-way (its concurrency lease not renewed in time on
        # a busy machine) is finished by the next one, as after any crash
        while len(read_jsonl(served.project / "clean" / "documents")) < 5:
            runs = {r["name"]: r["state_name"] for r in _post(f"{url}/flow_runs/filter", {})}
            assert time.monotonic() < deadline, (runs, "".join(served.lines))
            time.sleep(1)
        assert len(read_jsonl(served.project / "clean" / "documents")) == 5
        served.wait_for("schedule works: next run at", 30)
        assert "WARNING" not in "".join(served.lines)

        keys = {a["key"] for a in _post(f"{url}/artifacts/filter", {})}
        assert {"ingest-report", "ingest-summary", "ingest-progress"} <= keys
        summary = next(a for a in _post(f"{url}/artifacts/filter", {}) if a["key"] == "ingest-summary")
        assert "documents | 5" in summary["data"]

        # a run triggered by hand, in one step, waited for. The schedule is paused first: its
        # runs every 10 s on a busy machine (CI runs this test after 600 others) take the one
        # concurrency slot in turn for longer than the trigger waits (its run queued behind them)
        pause = urllib.request.Request(f"{url}/deployments/{deployment['id']}/pause_deployment",
                                       data=b"", method="POST")
        urllib.request.urlopen(pause, timeout=10).close()
        trig = subprocess.run(CLI + ["trigger", "--param", "batch_size=2", "--timeout", "240"],
                              cwd=served.project, env=served.env, capture_output=True, text=True,
                              timeout=300)
        assert trig.returncode == 0, trig.stdout + trig.stderr
        assert ": Completed" in trig.stdout
    finally:
        served.stop()
    time.sleep(1)
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{url}/health", timeout=2)
    assert not (served.project / ".prefect" / "serve.json").exists()


def test_serve_says_loudly_when_the_schedule_produces_no_runs(broken_scheduler):
    from flows.serve import FIRST_RUN_GRACE_SECONDS

    broken_scheduler.started()
    warning = broken_scheduler.wait_for("WARNING: the schedule is not producing runs",
                                        FIRST_RUN_GRACE_SECONDS + 90)
    assert "created no scheduled flow run of ingest/cleanwire" in warning
    assert not (broken_scheduler.project / "clean" / "documents").exists()


def test_the_warning_quotes_the_cause_from_a_real_server_log():
    """The log the scheduler wrote with sqlalchemy 2.1.9 (no scheduled run was ever created)."""
    from flows.serve import server_log_cause

    cause = server_log_cause(CASES / "serve" / "scheduler-sqlalchemy-2.1.9.log")
    assert cause == ("schedule_recent_deployments(): sqlalchemy.exc.InvalidRequestError: Can't "
                     "evaluate bulk DML statement; please supply a bulk_dml decorated function")


def test_trigger_no_wait_says_when_the_concurrency_limit_refuses_a_run(broken_scheduler, tmp_path):
    """collision 'cancel': a run triggered while another runs is refused, and `trigger
    --no-wait` says so (exit 3) instead of printing 'Scheduled' and exiting 0."""
    from test_crash import make_corpus

    broken_scheduler.started()
    raw = tmp_path / "raw"
    make_corpus(raw)  # 2,000 files: a run of several seconds
    args = CLI + ["trigger", "--no-wait", "--param", f"raw={raw}",
                  "--param", f"clean={tmp_path / 'clean'}"]
    env, cwd = broken_scheduler.env, broken_scheduler.project
    first = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0 and ": Running" in first.stdout, first.stdout + first.stderr
    second = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert second.returncode == 3, second.stdout + second.stderr
    assert ": Cancelled" in second.stdout and "the run was refused" in second.stderr
