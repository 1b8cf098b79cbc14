"""The text pass's time as a run spends it: cleaners.boilerplate.clean_text's CPU time inside the
pipeline's own worker loop (running.work.clean_file over a folder of text dumps: reading,
decoding, ftfy, the text pass, langdetect, page after page), beside its time alone on the same
texts (the texts that loop gave it), as bench/quality.py times it.

    .venv/bin/python bench/textpass.py [DATA] [--set trafilatura-eval|dragnet] [--pages N]

The two run at once, each in a process of its own (one per core), over the same pages in the
same order: a change in the machine's load falls on both, and the ratio holds where the
milliseconds move. (Not in one process: clean_text keeps what it found of short lines across
pages, so the second call on a text would find it known.) Each process warms up on three pages
and freezes its objects (gc.freeze), as a pool worker does; the loop runs with the worker's
collector pause (running.work.collector_paused), the text pass alone with the collector off
around each call. DATA defaults to ../shared/data/dev; without it, says so and exits 2.
"""

from __future__ import annotations

import argparse
import gc
import json
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _dumps(data: Path, which: str, pages: int) -> list[Path]:
    """The set's text dumps, evenly spaced over it (all of them with pages=0)."""
    folder = data / "trafilatura-eval" / "text" if which == "trafilatura-eval" \
        else data / "dragnet" / "text"
    files = sorted(p for p in folder.glob("*") if p.is_file())
    if pages and pages < len(files):
        files = [files[i * len(files) // pages] for i in range(pages)]
    return files


def _in_loop(files: list[Path], texts_out: Path | None) -> dict:
    """Every file through running.work.clean_file, with clean_text's CPU time summed."""
    from cleaners import boilerplate
    from running.inputs import Found
    from running.settings import Settings
    from running.work import clean_file

    raw = Path(tempfile.mkdtemp(prefix="cleanwire-textpass-"))
    try:
        for f in files:
            shutil.copy(f, raw / f.name)
        settings = Settings()
        original = boilerplate.clean_text  # the pipeline calls boilerplate.clean_text
        spent = [0.0, 0]
        texts: dict[str, str] = {}
        current = [""]

        def timed(text: str, *args, **kwargs):
            t0 = time.process_time()
            try:
                return original(text, *args, **kwargs)
            finally:
                spent[0] += time.process_time() - t0
                spent[1] += 1
                texts[current[0]] = text

        boilerplate.clean_text = timed
        names = [f.name for f in files]
        for name in names[:3]:  # warm-up
            current[0] = name
            clean_file(str(raw), Found(name), settings)
        gc.freeze()
        spent[:] = [0.0, 0]
        t0 = time.process_time()
        for name in names:
            current[0] = name
            clean_file(str(raw), Found(name), settings)
        whole = time.process_time() - t0
        boilerplate.clean_text = original
    finally:
        shutil.rmtree(raw, ignore_errors=True)
    if texts_out is not None:
        texts_out.write_bytes(pickle.dumps([texts[n] for n in names if n in texts]))
    return {"pages": len(names), "page_ms": 1000 * whole / len(names),
            "textpass_ms": 1000 * spent[0] / max(spent[1], 1), "calls": spent[1]}


def _alone(texts: list[str]) -> dict:
    from cleaners.boilerplate import clean_text

    for text in texts[:3]:
        clean_text(text)
    gc.freeze()
    spent = 0.0
    for text in texts:
        gc.disable()
        t0 = time.process_time()
        clean_text(text)
        spent += time.process_time() - t0
        gc.enable()
    return {"calls": len(texts), "textpass_ms": 1000 * spent / max(len(texts), 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", nargs="?", default=str(ROOT.parent / "shared" / "data" / "dev"))
    ap.add_argument("--set", default="trafilatura-eval", choices=["trafilatura-eval", "dragnet"])
    ap.add_argument("--pages", type=int, default=0, help="N pages evenly spaced (default: all)")
    ap.add_argument("--role", choices=["loop", "alone"], help=argparse.SUPPRESS)
    ap.add_argument("--texts", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    data = Path(args.data)
    files = _dumps(data, args.set, args.pages) if data.is_dir() else []
    if args.role == "loop":
        print(json.dumps(_in_loop(files, Path(args.texts) if args.texts else None)))
        return 0
    if args.role == "alone":
        print(json.dumps(_alone(pickle.loads(Path(args.texts).read_bytes()))))
        return 0
    if not files:
        print(f"textpass: no {args.set} text dumps under {data}; nothing to measure.")
        return 2
    me = [sys.executable, __file__, str(data), "--set", args.set, "--pages", str(args.pages)]
    with tempfile.TemporaryDirectory() as tmp:
        texts = Path(tmp) / "texts.pkl"
        # the texts the loop hands the text pass (decoded, repaired), gathered once
        subprocess.run([*me, "--role", "loop", "--texts", str(texts)], check=True,
                       capture_output=True)
        loop = subprocess.Popen([*me, "--role", "loop"], stdout=subprocess.PIPE, text=True)
        alone = subprocess.Popen([*me, "--role", "alone", "--texts", str(texts)],
                                 stdout=subprocess.PIPE, text=True)
        a = json.loads(alone.communicate()[0])
        in_loop = json.loads(loop.communicate()[0])
    print(f"{args.set}: {in_loop['pages']} text dumps, both at once (one process each)")
    print(f"   the pipeline's worker loop: {in_loop['page_ms']:.1f} ms a page, of which the "
          f"text pass {in_loop['textpass_ms']:.2f} ms ({in_loop['calls']} calls)")
    print(f"   the text pass alone on the same texts: {a['textpass_ms']:.2f} ms ({a['calls']} "
          f"calls)")
    print(f"   in the loop / alone: {in_loop['textpass_ms'] / a['textpass_ms']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
