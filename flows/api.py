"""Which Prefect API a command talks to, and the Prefect servers cleanwire starts.

- `cleanwire serve` needs a server with its scheduler: PREFECT_API_URL if set, else it starts
  `prefect server start` on 127.0.0.1 (database under the project's PREFECT_HOME) and writes its
  URL to PREFECT_HOME/serve.json while it serves.
- `cleanwire run` uses PREFECT_API_URL if set, else the server of a running `cleanwire serve`
  (serve.json, if it answers), else a temporary server of its own, without services or UI, as
  Prefect's "ephemeral" mode starts one, but started here, so that it dies with the run.
- `cleanwire trigger` uses PREFECT_API_URL or serve.json.

Every server cleanwire starts dies with the process that started it, whatever kills that
process (running.lifeline), and runs in a session of its own, so that a terminal's Ctrl-C
reaches the run, which stops it after Prefect has recorded how the run ended.
Importing this module has no side effects.
"""

from __future__ import annotations

import atexit
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from running.lifeline import command

# A fresh database is migrated first: 11 s here, more on a slow disk or a busy machine.
SERVER_START_SECONDS = 120


def home() -> Path:
    return Path(os.environ.get("PREFECT_HOME", Path.cwd() / ".prefect"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url: str, timeout: float = 2) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


class ServerFailed(RuntimeError):
    pass


@dataclass
class Server:
    """A Prefect API server started by cleanwire."""

    url: str
    log: Path
    process: subprocess.Popen

    def wait_ready(self, seconds: float = SERVER_START_SECONDS) -> None:
        deadline = time.monotonic() + seconds
        while not healthy(self.url, timeout=1):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise ServerFailed(f"the Prefect server did not start (see {self.log})")
            time.sleep(0.1)

    def stop(self, wait: float = 10) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(*, services: bool, log_name: str) -> Server:
    """Start a Prefect server on a free loopback port; returns at once (see wait_ready).
    services=False: API only (no scheduler, no UI), what one run needs."""
    port = _free_port()
    where = home()
    where.mkdir(parents=True, exist_ok=True)
    log = where / log_name
    env = os.environ | {"PREFECT_HOME": str(where), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    if services:
        argv = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                "--port", str(port)]
        env["PREFECT_UI_ENABLED"] = os.environ.get("PREFECT_UI_ENABLED", "true")
    else:  # as prefect.server.api.server.SubprocessASGIServer runs its temporary server
        argv = [sys.executable, "-m", "uvicorn", "--factory",
                "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port",
                str(port), "--log-level", "error", "--lifespan", "on"]
        env |= {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
                "PREFECT__SERVER_FINAL": "1"}
    with open(log, "ab") as out:
        process = subprocess.Popen(command(*argv), stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, env=env, start_new_session=True)
    return Server(f"http://127.0.0.1:{port}/api", log, process)


@contextmanager
def serve_api():
    """(API URL, server log) for `cleanwire serve`: PREFECT_API_URL if set (its log is
    elsewhere: None), else a server with its scheduler, started for the duration."""
    if os.environ.get("PREFECT_API_URL"):
        yield os.environ["PREFECT_API_URL"], None
        return
    server = start_server(services=True, log_name="server.log")
    try:
        server.wait_ready()
        os.environ["PREFECT_API_URL"] = server.url
        (home() / "serve.json").write_text(json.dumps({"api_url": server.url, "pid": os.getpid()}))
        yield server.url, server.log
    finally:
        os.environ.pop("PREFECT_API_URL", None)
        (home() / "serve.json").unlink(missing_ok=True)
        server.stop(wait=30)


def served_api_url() -> str | None:
    """The URL of the server a running `cleanwire serve` started, if it answers."""
    try:
        url = json.loads((home() / "serve.json").read_text())["api_url"]
    except (OSError, ValueError, KeyError):
        return None
    return url if healthy(url) else None


def known_api_url() -> str | None:
    """PREFECT_API_URL, or the URL of a server a running `cleanwire serve` started."""
    return os.environ.get("PREFECT_API_URL") or served_api_url()


@dataclass
class RunApi:
    url: str
    how: str                   # "PREFECT_API_URL", "cleanwire serve" or "temporary server"
    server: Server | None = None


def run_api() -> RunApi:
    """The API `cleanwire run` uses, set in PREFECT_API_URL before Prefect is imported. A
    temporary server is started here and left to boot while the caller imports Prefect
    (RunApi.server.wait_ready); it stops when the process exits, after Prefect has sent its
    last logs and states (Prefect drains those before atexit handlers run)."""
    if os.environ.get("PREFECT_API_URL"):
        return RunApi(os.environ["PREFECT_API_URL"], "PREFECT_API_URL")
    url = served_api_url()
    if url:
        os.environ["PREFECT_API_URL"] = url
        return RunApi(url, "cleanwire serve")
    server = start_server(services=False, log_name="run-server.log")
    atexit.register(server.stop)
    os.environ["PREFECT_API_URL"] = server.url
    return RunApi(server.url, "temporary server", server)
