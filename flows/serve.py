"""Scheduled and triggered runs: the `ingest` deployment, served, and a Prefect server for it.

Schedules need a Prefect API server (the embedded one refuses them). `cleanwire serve` uses the
one in PREFECT_API_URL, or starts `prefect server start` on 127.0.0.1 with its database under
the project's PREFECT_HOME and stops it on exit. The URL of a server it started is written to
PREFECT_HOME/serve.json, so `cleanwire trigger` finds it with no configuration.
Importing this module has no side effects.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

DEPLOYMENT = "cleanwire"  # the deployment's name: `prefect deployment run ingest/cleanwire`
SERVER_START_SECONDS = 120  # a fresh database is migrated first: 11 s here, more on a slow disk


def _home() -> Path:
    return Path(os.environ.get("PREFECT_HOME", Path.cwd() / ".prefect"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@contextmanager
def api_server():
    """The API URL to use: PREFECT_API_URL if set, else a server started here for the duration."""
    if os.environ.get("PREFECT_API_URL"):
        yield os.environ["PREFECT_API_URL"]
        return
    port = _free_port()
    url = f"http://127.0.0.1:{port}/api"
    home = _home()
    home.mkdir(parents=True, exist_ok=True)
    log = open(home / "server.log", "ab")
    server = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
         "--port", str(port)], stdout=log, stderr=subprocess.STDOUT,
        env=os.environ | {"PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                          "PREFECT_UI_ENABLED": os.environ.get("PREFECT_UI_ENABLED", "true")},
        start_new_session=True)
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while not _healthy(url):
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Prefect server did not start; see {home / 'server.log'}")
            time.sleep(0.5)
        os.environ["PREFECT_API_URL"] = url
        (home / "serve.json").write_text(json.dumps({"api_url": url, "pid": os.getpid()}))
        yield url
    finally:
        os.environ.pop("PREFECT_API_URL", None)
        (home / "serve.json").unlink(missing_ok=True)
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def known_api_url() -> str | None:
    """PREFECT_API_URL, or the URL of a server a running `cleanwire serve` started."""
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    try:
        return json.loads((_home() / "serve.json").read_text())["api_url"]
    except (OSError, ValueError, KeyError):
        return None


def serve(settings) -> None:
    """Serve the ingest deployment on the settings' cron schedule until interrupted."""
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy

    from flows.ingest import flow_parameters, ingest_flow

    strategy = {"cancel": ConcurrencyLimitStrategy.CANCEL_NEW,
                "queue": ConcurrencyLimitStrategy.ENQUEUE}[settings.collision]
    params = flow_parameters(settings)
    params["raw"], params["clean"] = str(Path(params["raw"]).resolve()), str(Path(params["clean"]).resolve())
    ingest_flow(settings.dask).serve(
        name=DEPLOYMENT, cron=settings.schedule, parameters=params,
        global_limit=ConcurrencyLimitConfig(limit=1, collision_strategy=strategy),
        pause_on_shutdown=False, print_starting_message=True)


def trigger(parameters: dict, wait: bool, timeout: float | None = None):
    """Start a run of the served deployment; with `wait`, return when it has finished."""
    from prefect.deployments import run_deployment

    return run_deployment(f"ingest/{DEPLOYMENT}", parameters=parameters or None,
                          timeout=timeout if wait else 0, as_subflow=False, poll_interval=1)
