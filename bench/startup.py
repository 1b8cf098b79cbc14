"""How long `cleanwire run` takes to answer when there is little or nothing to do, as a ratio to
the bare start of the CLI (`cleanwire --version`: Python, the CLI's imports), in one run.

    .venv/bin/python bench/startup.py [REPEATS]

Cases, each the median of REPEATS runs (default 3) in a subprocess, as a user runs it:
  bare           cleanwire --version
  unchanged 5    cleanwire run over the 5 sample files, all unchanged (no Prefect at all)
  unchanged 2000 the same over 2,000 unchanged files
  one new file   one new file among the 5: a temporary Prefect server of the run's own
  one new, API   the same with PREFECT_API_URL set to a running server (as under `cleanwire
                 serve`, whose server a run finds by itself)
Prefect's database is created before the timings (a first run on a fresh PREFECT_HOME migrates
it: reported apart).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

CLI = [str(Path(sys.executable).parent / "cleanwire")]


def timed(args: list[str], env: dict, cwd: Path) -> float:
    start = time.perf_counter()
    result = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{result.stderr[-2000:]}")
    return seconds


def median(args: list[str], env: dict, cwd: Path, repeats: int, before=None) -> float:
    times = []
    for i in range(repeats):
        if before:
            before(i)
        times.append(timed(args, env, cwd))
    return statistics.median(times)


def main(repeats: int) -> None:
    from test_crash import make_corpus

    from flows.api import start_server

    base = Path(tempfile.mkdtemp(prefix="cleanwire-startup-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {"PREFECT_HOME": str(base / ".prefect")}
    try:
        small = base / "small"
        shutil.copytree(ROOT / "tests" / "cases" / "seeds", small)
        big = base / "big"
        make_corpus(big, 2000)
        run_small = CLI + ["run", "--raw", str(small), "--clean", str(base / "clean-small")]
        run_big = CLI + ["run", "--raw", str(big), "--clean", str(base / "clean-big")]
        fresh = timed(run_small, env, base)  # also creates Prefect's database
        timed(run_big, env, base)
        seed = next(small.glob("000_*")).read_text()

        def new_file(i: int, tag: str) -> None:
            (small / f"new-{tag}-{i}.txt").write_text(seed.replace("the", f"the {tag}{i}", 1))

        figures = {
            "bare (cleanwire --version)": median(CLI + ["--version"], env, base, repeats),
            "unchanged, 5 files": median(run_small, env, base, repeats),
            "unchanged, 2000 files": median(run_big, env, base, repeats),
            "one new file, temporary server": median(
                run_small, env, base, repeats, before=lambda i: new_file(i, "tmp")),
        }
        os.environ["PREFECT_HOME"] = env["PREFECT_HOME"]
        server = start_server(services=False, log_name="bench-server.log")
        try:
            server.wait_ready()
            with_api = env | {"PREFECT_API_URL": server.url}
            figures["one new file, running server"] = median(
                run_small, with_api, base, repeats, before=lambda i: new_file(i, "api"))
        finally:
            server.stop()
        bare = figures["bare (cleanwire --version)"]
        print(f"cleanwire start-up, median of {repeats} runs ({os.cpu_count()} cores)\n")
        print(f"{'case':<34} {'seconds':>8} {'x bare':>8}")
        for name, seconds in figures.items():
            print(f"{name:<34} {seconds:8.2f} {seconds / bare:8.1f}")
        print(f"\nfirst run on a fresh PREFECT_HOME (database created): {fresh:.2f} s")
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
