"""The text pass's cost in CPU instructions a page: a figure that does not move with the machine's
load, for comparing two versions of the code.

    .venv/bin/python bench/instructions.py [DATA] [--set trafilatura-eval|dragnet]
                                           [--pages N] [--ref REV]

On these shared 2-core machines a page's CPU time moves by half between runs of the same code
(trafilatura-eval's text pass: 11.0 and 15.8 ms a page, an hour apart; trafilatura's own time
9.6 and 13.9), and a change worth 3% cannot be seen in time. Counted by valgrind's callgrind,
the instructions of the same run repeat to 0.1%. The count is not the time: a change that saves
memory traffic, not instructions, does not show in it (pausing the garbage collector during
clean_text, 903449a: the same count to 0.1%, 2 to 9% less CPU time in alternating runs). But for
code that does the same work in fewer steps, it is the measure to trust.

Each version runs in a process of its own under `valgrind --tool=callgrind --instr-atstart=no`:
it imports the code and cleans one page uninstrumented (start-up and the first page's loading
are not counted), then turns instrumentation on (callgrind_control), runs
cleaners.boilerplate.clean_text over N dev text dumps (evenly spaced over the set: the same
pages for both versions), and turns it off. --ref REV also counts the code of a git revision
(its cleaners/, from `git archive`) over the same pages, and prints the ratio. About 40 s per
100 pages and version (valgrind runs the code ~50 times slower); the two versions run at once.
Needs valgrind (its callgrind tool and callgrind_control); without it, says so and exits 2.
"""

from __future__ import annotations

import argparse
import os
import pickle
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import qualitylib as q  # noqa: E402

DEFAULT_PAGES = 100
TEXT_GLOBS = {"trafilatura-eval": ("trafilatura-eval/text", "*.txt"),
              "dragnet": ("dragnet/text", "*.txt.gz")}
_COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


def pages(data: Path, name: str, n: int) -> list[str]:
    """N text dumps of the set, evenly spaced over its sorted files, decoded."""
    folder, pattern = TEXT_GLOBS[name]
    files = sorted((data / folder).glob(pattern))
    if not files:
        raise SystemExit(f"no {pattern} in {data / folder}")
    step = max(1, len(files) // n)
    return [q.decode(q.read_maybe_gz(f)) for f in files[::step][:n]]


def child(code_root: str, texts_file: str) -> None:
    """In the instrumented process: warm up, count clean_text over the pages."""
    sys.path.insert(0, code_root)
    import cleaners
    from cleaners.boilerplate import clean_text

    if not Path(cleaners.__file__).resolve().is_relative_to(Path(code_root).resolve()):
        raise SystemExit(f"imported {cleaners.__file__}, not the code of {code_root}")
    texts = pickle.loads(Path(texts_file).read_bytes())
    clean_text(texts[0])
    toggle = ["callgrind_control", "-i"]
    subprocess.run([*toggle, "on", str(os.getpid())], check=True, capture_output=True)
    for text in texts:
        clean_text(text)
    subprocess.run([*toggle, "off", str(os.getpid())], check=True, capture_output=True)


def count(code_root: Path, texts_file: Path, out_dir: Path) -> int:
    """Instructions callgrind counted in a child process cleaning the pages with this code."""
    out = out_dir / f"callgrind.{code_root.name}.out"
    proc = subprocess.run(
        ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
         sys.executable, __file__, "--child", str(code_root), str(texts_file)],
        capture_output=True, text=True, cwd=code_root)
    found = _COLLECTED.findall(proc.stderr)
    if proc.returncode != 0 or not found:
        raise SystemExit(f"callgrind run of {code_root} failed:\n{proc.stderr[-2000:]}")
    return int(found[-1])


def checkout(rev: str, into: Path) -> Path:
    """The cleaners/ package of git revision REV, in a folder of its own."""
    root = into / "ref"
    root.mkdir()
    archive = into / "ref.tar"
    with archive.open("wb") as f:
        subprocess.run(["git", "archive", rev, "cleaners"], cwd=ROOT, stdout=f, check=True)
    with tarfile.open(archive) as tar:
        # (extraction filters came in Python 3.11.4; Debian's python3.11, which `make setup`
        # prefers, is 3.11.2: the archive is this repository's own files either way)
        if hasattr(tarfile, "data_filter"):
            tar.extractall(root, filter="data")
        else:
            tar.extractall(root)  # noqa: S202
    return root


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        child(argv[1], argv[2])
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", nargs="?", default=str(ROOT.parent / "shared" / "data" / "dev"))
    ap.add_argument("--set", default="trafilatura-eval", choices=sorted(TEXT_GLOBS))
    ap.add_argument("--pages", type=int, default=DEFAULT_PAGES)
    ap.add_argument("--ref", metavar="REV", help="also count git revision REV's code")
    args = ap.parse_args(argv)
    if not (shutil.which("valgrind") and shutil.which("callgrind_control")):
        print("valgrind (callgrind, callgrind_control) is not installed: nothing to count")
        return 2
    texts = pages(Path(args.data), args.set, args.pages)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_dir = Path(tmp)
        texts_file = tmp_dir / "texts.pkl"
        texts_file.write_bytes(pickle.dumps(texts))
        versions = {"working tree": ROOT}
        if args.ref:
            versions[args.ref] = checkout(args.ref, tmp_dir)
        with ThreadPoolExecutor(len(versions)) as pool:
            counts = dict(zip(versions, pool.map(
                lambda root: count(root, texts_file, tmp_dir), versions.values()), strict=True))
    print(f"{args.set}: {len(texts)} text dumps, clean_text, instructions counted by callgrind")
    for name, n in counts.items():
        print(f"   {name:14s} {n / len(texts) / 1e6:8.2f} M instructions/page")
    if args.ref:
        ratio = counts["working tree"] / counts[args.ref]
        print(f"   working tree / {args.ref}: {ratio:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
