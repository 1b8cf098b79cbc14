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
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from datetime import datetime
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
    """(API URL, server log) to use: PREFECT_API_URL if set (its log is elsewhere: None), else a
    server started here for the duration."""
    if os.environ.get("PREFECT_API_URL"):
        yield os.environ["PREFECT_API_URL"], None
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
        yield url, home / "server.log"
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


def serve(settings, url: str, log: Path | None = None) -> None:
    """Serve the ingest deployment on the settings' schedule until interrupted, with a watch
    that says loudly when the schedule does not produce runs."""
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy

    from flows.ingest import flow_parameters, ingest_flow

    strategy = {"cancel": ConcurrencyLimitStrategy.CANCEL_NEW,
                "queue": ConcurrencyLimitStrategy.ENQUEUE}[settings.collision]
    params = flow_parameters(settings)
    params["raw"], params["clean"] = str(Path(params["raw"]).resolve()), str(Path(params["clean"]).resolve())
    schedule = {"interval": settings.interval} if settings.interval else {"cron": settings.schedule}
    watch = ScheduleWatch(url, log)
    watch.start()
    try:
        ingest_flow(settings.dask).serve(
            name=DEPLOYMENT, **schedule, parameters=params,
            global_limit=ConcurrencyLimitConfig(limit=1, collision_strategy=strategy),
            pause_on_shutdown=False, print_starting_message=True)
    finally:
        watch.stop()


# The server's scheduler makes the runs of a new deployment within seconds (its loop for
# recently changed deployments runs every 5 s; the full loop every 60 s): none after this long
# means it is not working.
FIRST_RUN_GRACE_SECONDS = 45.0
# A served deployment's runner polls for due runs every 10 s; a run still waiting this long
# after its start time is not being picked up.
START_GRACE_SECONDS = 60.0
WATCH_SECONDS = 5.0  # how often the watch asks the server
WARN_AGAIN_SECONDS = 300.0  # a problem that persists is said again this often


class ScheduleWatch(threading.Thread):
    """Checks, from the API, that the served schedule produces flow runs, and says loudly on
    serve's own output when it does not: no scheduled run created, or a due run not started.
    With the server's log at hand, the warning quotes the error behind it."""

    def __init__(self, url: str, log: Path | None, say=None):
        super().__init__(name="cleanwire-schedule-watch", daemon=True)
        self.url, self.log = url, log
        self.say = say or (lambda text: print(text, file=sys.stderr, flush=True))
        self._stop = threading.Event()
        self._served_at: float | None = None
        self._said: tuple[str, float] | None = None
        self._told_next = False

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        while not self._stop.wait(WATCH_SECONDS):
            try:
                problem = self.check(time.time())
            except (OSError, ValueError, KeyError):
                continue  # the server is starting or stopping: nothing to judge yet
            if problem is None:
                self._said = None
                continue
            said, when = self._said or ("", 0.0)
            if problem != said or time.time() - when > WARN_AGAIN_SECONDS:
                self._said = (problem, time.time())
                cause = server_log_cause(self.log) if self.log else None
                self.say(f"cleanwire serve: WARNING: the schedule is not producing runs: {problem}"
                         + (f"\n  cause, from {self.log}: {cause}" if cause else
                            f"\n  no error in {self.log}" if self.log else
                            "\n  see the Prefect server's log for the cause"))

    def check(self, now: float) -> str | None:
        """What is wrong with the schedule now, or None."""
        try:
            deployment = _api(f"{self.url}/deployments/name/ingest/{DEPLOYMENT}")
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None  # not served yet
            raise
        if self._served_at is None:
            self._served_at = now
        runs = _api(f"{self.url}/flow_runs/filter",
                    {"deployments": {"id": {"any_": [deployment["id"]]}},
                     "sort": "EXPECTED_START_TIME_DESC", "limit": 50})
        scheduled = [r for r in runs if r.get("auto_scheduled")]
        if not scheduled:
            waited = now - self._served_at
            if waited < FIRST_RUN_GRACE_SECONDS:
                return None
            return (f"the server has created no scheduled flow run of ingest/{DEPLOYMENT} "
                    f"{waited:.0f} s after it was served")
        waiting = [r for r in scheduled if r["state_type"] == "SCHEDULED"
                   and now - _epoch(r["expected_start_time"]) > START_GRACE_SECONDS]
        if waiting:
            late = min(waiting, key=lambda r: r["expected_start_time"])
            return (f"scheduled run {late['name']} was due at {late['expected_start_time']} and "
                    f"has not started ({len(waiting)} due runs waiting)")
        if not self._told_next:
            upcoming = [r["expected_start_time"] for r in scheduled if r["state_type"] == "SCHEDULED"]
            if upcoming:
                self._told_next = True
                print(f"schedule works: next run at {min(upcoming)}", flush=True)
        return None


def _api(url: str, body: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


# How far back in the server's log the cause is looked for: its last minutes, not its history.
LOG_TAIL_BYTES = 256 * 1024


def server_log_cause(log: Path) -> str | None:
    """The last error the Prefect server logged: the failing service and the exception that
    ended its traceback, as one line."""
    try:
        with open(log, "rb") as f:
            f.seek(max(0, f.seek(0, os.SEEK_END) - LOG_TAIL_BYTES))
            lines = f.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return None
    last = None
    for i in range(len(lines) - 1, -1, -1):
        if "| ERROR" not in lines[i]:
            continue
        call = re.search(r"(\w+)\(\)", lines[i])  # docket logs the failing service's call
        where = f"{call.group(1)}()" if call else lines[i].split("|")[-1].strip()
        exception = next((line.strip() for line in lines[i + 1:]
                          if _EXCEPTION_LINE.match(line)), None)
        if exception:  # the newest error whose traceback is complete
            return f"{where}: {exception}"
        last = last or where
    return last


# The last line of a Python traceback: "package.module.SomeError: message".
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b.*")


def trigger(parameters: dict, wait: bool, timeout: float | None = None):
    """Start a run of the served deployment; with `wait`, return when it has finished."""
    from prefect.deployments import run_deployment

    return run_deployment(f"ingest/{DEPLOYMENT}", parameters=parameters or None,
                          timeout=timeout if wait else 0, as_subflow=False, poll_interval=1)
