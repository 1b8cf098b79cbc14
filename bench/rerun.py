"""How long a re-run over an unchanged raw folder takes to decide there is nothing to do.

    .venv/bin/python bench/rerun.py [N]

Builds N small files (default 10,000), ingests them once without Prefect (the flow's work:
process, commit), then times discovery plus the manifest check that a second run does, and
prints the cost per thousand files. Prefect's own start-up is not part of this figure.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from running.inputs import discover  # noqa: E402
from running.settings import Settings  # noqa: E402
from running.store import CleanStore  # noqa: E402
from running.work import clean_batch  # noqa: E402


def main(n: int) -> None:
    base = Path(tempfile.mkdtemp(prefix="cleanwire-rerun-"))
    try:
        raw = base / "raw"
        for i in range(n):
            folder = raw / f"site{i % 20}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"page{i:06d}.txt").write_text(
                f"Report {i}: the council met on day {i % 365} and agreed the budget for item {i * 7}.\n")
        store = CleanStore(base / "clean", "first")
        for outcome in clean_batch(str(raw), store.plan(raw, discover(raw)), Settings()):
            store.add_file(outcome)
        store.finish(store.report(n, 0.0))

        start = time.perf_counter()
        store = CleanStore(base / "clean", "second")
        found = discover(raw)
        todo = store.plan(raw, found)
        store.finish(store.report(len(found), 0.0))
        seconds = time.perf_counter() - start
        print(f"files: {n}; to process on the re-run: {len(todo)}; "
              f"decided in {seconds:.3f} s = {1000 * seconds / n:.3f} s per thousand files")
    finally:
        shutil.rmtree(base)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
