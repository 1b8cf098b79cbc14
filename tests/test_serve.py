"""Scheduled and triggered runs for real: `cleanwire serve` starts a Prefect server on loopback
and serves the deployment; a run is triggered through the API, waited for, its outputs and UI
artifacts checked; then everything started is stopped."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

from conftest import ROOT, SEEDS, read_jsonl

CLI = [sys.executable, "-m", "flows.cli"]


def _post(url: str, body: dict) -> list:
    request = urllib.request.Request(url, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_serve_trigger_and_stop(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(SEEDS, project / "raw")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {"PREFECT_HOME": str(project / ".prefect"), "PYTHONPATH": str(ROOT),
            "PREFECT_UI_ENABLED": "false"}
    serve = subprocess.Popen(CLI + ["serve", "--cron", "0 0 1 1 *", "--collision", "queue"],
                             cwd=project, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        url, deadline = None, time.monotonic() + 180
        while time.monotonic() < deadline:
            line = serve.stdout.readline()
            assert line or serve.poll() is None, "cleanwire serve ended early"
            if line.startswith("PREFECT_API_URL="):
                url = line.split("=", 1)[1].strip()
            if line.startswith("serving ingest/cleanwire"):
                break
        assert url and url.startswith("http://127.0.0.1:")

        # the deployment appears, with its schedule and a concurrency limit of one
        while not (deployments := _post(f"{url}/deployments/filter", {})):
            assert time.monotonic() < deadline and serve.poll() is None
            time.sleep(0.5)
        (deployment,) = deployments
        assert deployment["name"] == "cleanwire"
        assert deployment["schedules"][0]["schedule"]["cron"] == "0 0 1 1 *"
        assert deployment["global_concurrency_limit"]["limit"] == 1
        assert deployment["concurrency_options"]["collision_strategy"] == "ENQUEUE"

        # trigger through the API, in one step, and wait for the run
        trig = subprocess.run(CLI + ["trigger", "--param", "batch_size=2", "--timeout", "240"],
                              cwd=project, env=env, capture_output=True, text=True, timeout=300)
        assert trig.returncode == 0, trig.stdout + trig.stderr
        assert ": Completed" in trig.stdout

        docs = read_jsonl(project / "clean" / "documents")
        assert len(docs) == 5
        keys = {a["key"] for a in _post(f"{url}/artifacts/filter", {})}
        assert {"ingest-report", "ingest-summary", "ingest-progress"} <= keys
        (summary,) = [a for a in _post(f"{url}/artifacts/filter", {}) if a["key"] == "ingest-summary"]
        assert "documents | 5" in summary["data"]
    finally:
        os.killpg(serve.pid, signal.SIGTERM)
        serve.wait(timeout=60)
    time.sleep(1)
    try:
        urllib.request.urlopen(f"{url}/health", timeout=2)
        raise AssertionError("the Prefect server is still up after cleanwire serve stopped")
    except OSError:
        pass
    assert not (project / ".prefect" / "serve.json").exists()
