"""Scheduled and triggered runs: the `ingest` deployment, served, and watched.

Schedules need a Prefect API server (flows/api.py: PREFECT_API_URL, or one `cleanwire serve`
starts with its scheduler). The URL of a server serve started is in PREFECT_HOME/serve.json, so
`cleanwire trigger` (and `cleanwire run`) find it with no configuration.
Importing this module has no side effects.
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path

DEPLOYMENT = "cleanwire"  # the deployment's name: `prefect deployment run ingest/cleanwire`


def serve(settings, url: str, log: Path | None = None) -> None:
    """Serve the ingest deployment on the settings' schedule until interrupted, with a watch
    that says loudly when the schedule does not produce runs."""
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy

    from flows.ingest import ingest

    strategy = {"cancel": ConcurrencyLimitStrategy.CANCEL_NEW,
                "queue": ConcurrencyLimitStrategy.ENQUEUE}[settings.collision]
    settings = settings.model_copy(update={"raw": str(Path(settings.raw).resolve()),
                                           "clean": str(Path(settings.clean).resolve())})
    params = {"settings": settings.model_dump(mode="json")}
    schedule = {"interval": settings.interval} if settings.interval else {"cron": settings.schedule}
    watch = ScheduleWatch(url, log)
    watch.start()
    try:
        ingest.serve(
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
        # The scheduler keeps the next runs of a schedule made ahead of time: the earliest of
        # them is the next one, or one that is late.
        runs = _api(f"{self.url}/flow_runs/filter",
                    {"deployments": {"id": {"any_": [deployment["id"]]}},
                     "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}},
                     "sort": "EXPECTED_START_TIME_ASC", "limit": 20})
        scheduled = [r for r in runs if r.get("auto_scheduled")]
        if not scheduled:
            waited = now - self._served_at
            if waited < FIRST_RUN_GRACE_SECONDS:
                return None
            return (f"the server has created no scheduled flow run of ingest/{DEPLOYMENT} "
                    f"{waited:.0f} s after it was served")
        waiting = [r for r in scheduled  # queued behind a running run is not late
                   if r["state_name"] != "AwaitingConcurrencySlot"
                   and now - _epoch(r["expected_start_time"]) > START_GRACE_SECONDS]
        if waiting:
            late = waiting[0]
            return (f"scheduled run {late['name']} was due at {late['expected_start_time']} and "
                    f"has not started ({len(waiting)} due runs waiting)")
        if not self._told_next:
            self._told_next = True
            print(f"schedule works: next run at {scheduled[0]['expected_start_time']}", flush=True)
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


# A served deployment's runner polls for runs every 10 s (PREFECT_RUNNER_POLL_FREQUENCY): a run
# triggered with --no-wait is accepted, queued or refused within about that; this is ample.
ACCEPT_SECONDS = 60.0


def _run_parameters(given: dict) -> dict:
    """The flow parameters of a triggered run: settings given as KEY=VALUE go over the served
    deployment's settings (checked as any settings are); `reprocess` is the run's own."""
    from prefect import get_client

    from running.settings import Settings

    params = {k: v for k, v in given.items() if k not in Settings.model_fields}
    changed = {k: v for k, v in given.items() if k in Settings.model_fields}
    if changed:
        with get_client(sync_client=True) as client:
            served = client.read_deployment_by_name(f"ingest/{DEPLOYMENT}").parameters
        settings = Settings(**(served.get("settings") or {}) | changed)
        params["settings"] = settings.model_dump(mode="json")
    return params


def trigger(parameters: dict, wait: bool, timeout: float | None = None):
    """Start a run of the served deployment; with `wait`, return when it has finished, else
    when it has been accepted (running), queued behind a running run, or refused (the
    concurrency limit cancels a run due while another runs, with collision "cancel")."""
    from prefect import get_client
    from prefect.deployments import run_deployment

    parameters = _run_parameters(parameters)
    run = run_deployment(f"ingest/{DEPLOYMENT}", parameters=parameters or None,
                         timeout=timeout if wait else 0, as_subflow=False, poll_interval=1)
    if wait:
        return run
    deadline = time.monotonic() + (timeout or ACCEPT_SECONDS)
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            run = client.read_flow_run(run.id)
            state = run.state
            if state is None or not (state.is_scheduled() or state.is_pending()) or \
                    state.name == "AwaitingConcurrencySlot":
                return run
            time.sleep(0.5)
    return run
