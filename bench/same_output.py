"""Proof that a change to the code changed nothing in what the pipeline writes (issue 14).

It runs the real pipeline, as a user does (`cleanwire run --raw R --clean C`, in a subprocess),
over the dev pages in their HTML and text forms and the seed texts, reads back every record
written (documents, duplicates, rejected) and reduces each to a canonical form: every field but
the ids, run ids, times and `pipeline.version`, a duplicate's `duplicate_of` named by the source
path of the kept document instead of its id. Two checkouts that write the same canonical
records, input by input, write the same documents: same text, title, author, dates, url, site,
language and score, encoding, removed lines with their rules and evidence, stats, flags, the
same duplicate decisions and the same rejections with their reasons and details.

    # before the change: a snapshot of what the old code writes
    .venv/bin/python bench/same_output.py --root /path/to/old/checkout --snapshot before.jsonl.gz
    # after it: run this checkout's code and compare (exit 1 on any difference)
    .venv/bin/python bench/same_output.py --compare before.jsonl.gz

Sets, each run into a clean folder of its own (so that the HTML and text forms of a page do not
dedup each other), from --data (default: ../shared/data/dev beside this repo):
  trafilatura-html  trafilatura-eval/html/*.html.gz  the 990 dev pages, copied as they are
  trafilatura-text  trafilatura-eval/text/*.txt      the same pages as text dumps
  seeds             raw/ of the --root checkout      the 5 sample texts
  dragnet-html      dragnet/html/ID.html.gz          if present: 680 pages, laid out as
  dragnet-text      dragnet/text/ID.txt.gz             raw/<domain>/ID.* (its README's advice;
                                                       the 5 pages with no domain at the top)

--root DIR (default: the checkout this script is in) is the code that runs: the CLI runs with
PYTHONPATH=DIR in DIR (so DIR's cleanwire.toml holds the settings), whatever the venv's editable
install points at, with a fresh PREFECT_HOME per run. The records are read with DIR's own
`read_records` when it can be imported, else by this script (JSON Lines, .jsonl.zst, Parquet).

Figures, one plain line each: per set the inputs, documents/duplicates/rejected, the seconds of
the run and a digest of its canonical records (equal digests: identical output); with --compare
the identical, differing, missing and extra inputs and the first differences, field by field. All five sets take about 6 minutes on 2 cores (each run
starts its own Prefect server: ~15 s of it). --sets seeds,trafilatura-html runs a few of them.
"""

from __future__ import annotations

import argparse
import difflib
import gzip
import hashlib
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent  # the checkout this script is in
KINDS = ("documents", "duplicates", "rejected")
KIND_NAME = {"documents": "document", "duplicates": "duplicate", "rejected": "rejected"}
# Fields that name a record or a run, or say when it was made: not part of what was written.
# `pipeline.version` hashes the code itself, so it changes with any edit of a cleaning module.
# (`fetched` stays: it is the scraper's fetch time, read from the input, not a time of the run.)
DROPPED = ("id", "pipeline", "run", "superseded")
# Of `source`, the path and record number are the key; sha256, format and compression stay.
KEY_FIELDS = ("path", "record")
MARKER = ".same_output"  # marks the folders this script made in a --work folder


# ---------------------------------------------------------------- the sets of raw inputs

def _copy(files: list[Path], raw: Path, place: Callable[[Path], str] = lambda p: p.name) -> int:
    for src in files:
        dst = raw / place(src)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
    return len(files)


def _dragnet_place(data: Path) -> Callable[[Path], str]:
    """raw/<domain>/ID.*, as dragnet/README.md suggests; the few pages with no domain at the
    top level (the pipeline then learns no site from their path, rather than a made-up one)."""
    domains = {}
    for line in (data / "dragnet" / "index.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            domains[row["id"]] = row.get("domain")

    def place(src: Path) -> str:
        domain = domains.get(src.name.split(".", 1)[0])
        return f"{domain}/{src.name}" if domain else src.name
    return place


def sets(data: Path, root: Path) -> dict[str, Callable[[Path], int]]:
    """name -> a builder that fills a raw folder and returns the number of files it wrote."""
    trafilatura = data / "trafilatura-eval"
    found: dict[str, Callable[[Path], int]] = {
        "trafilatura-html": lambda raw: _copy(sorted((trafilatura / "html").glob("*.html.gz")), raw),
        "trafilatura-text": lambda raw: _copy(sorted((trafilatura / "text").glob("*.txt")), raw),
        "seeds": lambda raw: _copy(sorted(p for p in (root / "raw").iterdir()
                                          if p.is_file() and not p.name.startswith(".")), raw),
    }
    dragnet = data / "dragnet"
    if (dragnet / "index.jsonl").is_file():
        place = _dragnet_place(data)
        found["dragnet-html"] = lambda raw: _copy(sorted((dragnet / "html").glob("*.html.gz")),
                                                  raw, place)
        found["dragnet-text"] = lambda raw: _copy(sorted((dragnet / "text").glob("*.txt.gz")),
                                                  raw, place)
    return found


# ---------------------------------------------------------------- running the CLI of --root

def cli_command(root: Path) -> list[str]:
    """The `cleanwire` console script of root's pyproject.toml (flows.cli:main today), run by
    this Python: the installed script would import the editable install's code instead."""
    entry = "flows.cli:main"
    try:
        scripts = tomllib.loads((root / "pyproject.toml").read_text())["project"]["scripts"]
        entry = scripts.get("cleanwire", entry)
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        pass
    module, _, func = entry.partition(":")
    return [sys.executable, "-c", f"import sys; from {module} import {func}; sys.exit({func}())"]


def run_set(root: Path, raw: Path, clean: Path, home: Path, log: Path) -> float:
    """`cleanwire run --raw RAW --clean CLEAN` with root's code; returns its wall seconds."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {"PYTHONPATH": str(root), "PREFECT_HOME": str(home),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PYTHONDONTWRITEBYTECODE": "1"}  # leave the checkout under test as it is
    args = cli_command(root) + ["run", "--raw", str(raw), "--clean", str(clean)]
    start = time.perf_counter()
    with open(log, "w") as out:
        code = subprocess.run(args, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL).returncode
    seconds = time.perf_counter() - start
    if code != 0:
        tail = log.read_text(errors="replace")[-3000:]
        raise SystemExit(f"cleanwire run failed (exit {code}) for {raw}; its output ends:\n{tail}")
    return seconds


# ---------------------------------------------------------------- reading what was written

def own_read_records(folder: Path) -> Iterator[dict]:
    """Every record of a kind folder, in any published format (the fallback reader)."""
    if not folder.is_dir():
        return
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        if path.name.endswith(".jsonl"):
            with open(path, encoding="utf-8") as f:
                yield from (json.loads(line) for line in f if line.strip())
        elif path.name.endswith(".jsonl.zst"):
            import io

            import zstandard

            with open(path, "rb") as raw:
                text = io.TextIOWrapper(zstandard.ZstdDecompressor().stream_reader(raw), "utf-8")
                yield from (json.loads(line) for line in text if line.strip())
        elif path.name.endswith(".parquet"):
            import pyarrow.parquet as pq

            for batch in pq.ParquetFile(path).iter_batches():
                yield from batch.to_pylist()


def project_reader(root: Path) -> tuple[Callable[[Path], Iterator[dict]], str]:
    """root's own `read_records` (wherever the refactor put it), else this script's."""
    skip = {".venv", "tests", "bench", "build", "node_modules"}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if skip & set(rel.parts) or any(p.startswith(".") for p in rel.parts):
            continue
        if "def read_records(" not in path.read_text(encoding="utf-8", errors="replace"):
            continue
        module = ".".join(rel.with_suffix("").parts)
        sys.path.insert(0, str(root))
        try:
            return importlib.import_module(module).read_records, f"{module}.read_records of {root}"
        except Exception as exc:  # a tree mid-refactor: read the files directly
            return own_read_records, f"this script's reader ({module} of {root}: {exc!r})"
        finally:
            sys.path.remove(str(root))
    return own_read_records, "this script's reader (no read_records found in the root)"


class Canon:
    """The canonical records of one set's clean folder, keyed by (set, path, record)."""

    def __init__(self, name: str, clean: Path, read: Callable[[Path], Iterator[dict]],
                 work: Path):
        self.name = name
        self.counts: Counter[str] = Counter()
        self.rewritten = 0  # strings that named the work folder (a temp path, not output)
        self.work = str(work)
        records = {kind: list(read(clean / kind)) for kind in KINDS}
        self.counts["superseded"] = sum(1 for _ in read(clean / "superseded"))
        # duplicate_of names the kept document by id: name it by its source instead
        self.path_of = {r["id"]: self._where(r["source"]) for r in records["documents"]}
        self.records: dict[tuple, dict | list] = {}
        for kind in KINDS:
            for record in records[kind]:
                self.counts[kind] += 1
                key = (name, record["source"]["path"], record["source"].get("record"))
                canon = self.canonical(KIND_NAME[kind], record)
                if key in self.records:  # an input written twice is a difference in itself
                    before = self.records[key]
                    self.records[key] = (before if isinstance(before, list) else [before]) + [canon]
                    self.counts["inputs with several records"] += 1
                else:
                    self.records[key] = canon
        self.versions = sorted({r.get("pipeline", {}).get("version", "?")
                                for kind in ("documents", "rejected") for r in records[kind]})

    @staticmethod
    def _where(source: dict) -> str:
        record = source.get("record")
        return source["path"] + (f"#{record}" if record is not None else "")

    def _scrub(self, value):
        if isinstance(value, str) and self.work in value:
            self.rewritten += 1
            return value.replace(self.work, "<work>")
        if isinstance(value, dict):
            return {k: self._scrub(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._scrub(v) for v in value]
        return value

    def canonical(self, kind: str, record: dict) -> dict:
        out = {k: v for k, v in record.items() if k not in DROPPED}
        out["kind"] = kind
        out["source"] = {k: v for k, v in record["source"].items() if k not in KEY_FIELDS}
        if "duplicate_of" in out:
            out["duplicate_of"] = self.path_of.get(out["duplicate_of"],
                                                   f"<no document with id {out['duplicate_of']}>")
        return self._scrub(out)

    def digest(self) -> str:
        h = hashlib.sha256()
        for key in sorted(self.records, key=_order):
            h.update(_line(key, self.records[key]).encode())
        return h.hexdigest()[:16]


def _order(key: tuple) -> tuple:
    return key[0], key[1], -1 if key[2] is None else key[2]


def _line(key: tuple, value) -> str:
    return json.dumps({"key": list(key), "value": value}, sort_keys=True, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------- snapshots and comparing

def write_snapshot(path: Path, header: dict, canons: list[Canon]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write((json.dumps({"header": header}, sort_keys=True) + "\n").encode())
        for canon in canons:
            for key in sorted(canon.records, key=_order):
                gz.write(_line(key, canon.records[key]).encode())
    os.replace(tmp, path)


def read_snapshot(path: Path) -> tuple[dict, dict[tuple, object]]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        header = json.loads(f.readline())["header"]
        records = {}
        for line in f:
            row = json.loads(line)
            records[tuple(row["key"])] = row["value"]
    return header, records


def _short(value, width: int = 160) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= width else text[: width - 3] + "..."


def field_diffs(old, new, lines: int = 6) -> list[str]:
    """Per differing field, a line or a few: what it was and what it is."""
    if not (isinstance(old, dict) and isinstance(new, dict)):
        return [f"    record: {_short(old)} -> {_short(new)}"]
    out = []
    for field in sorted(set(old) | set(new)):
        a, b = old.get(field, "<absent>"), new.get(field, "<absent>")
        if a == b:
            continue
        if isinstance(a, str) and isinstance(b, str) and ("\n" in a or "\n" in b or len(a) > 80):
            diff = [d for d in difflib.unified_diff(a.split("\n"), b.split("\n"), lineterm="", n=0)
                    if not d.startswith(("---", "+++", "@@"))]
            at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
                      min(len(a), len(b)))
            out.append(f"    {field}: {len(diff)} lines differ; first at char {at}: "
                       f"{_short(a[max(0, at - 30):at + 40])} -> {_short(b[max(0, at - 30):at + 40])}")
            out += [f"      {_short(d, 150)}" for d in diff[:lines]]
        elif isinstance(a, list) and isinstance(b, list):
            first = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
                         min(len(a), len(b)))
            out.append(f"    {field}: {len(a)} -> {len(b)} items; first difference at [{first}]")
            out.append(f"      was {_short(a[first]) if first < len(a) else '<none>'}")
            out.append(f"      now {_short(b[first]) if first < len(b) else '<none>'}")
        elif isinstance(a, dict) and isinstance(b, dict):
            out += [f"    {field}.{line.strip()}" for line in field_diffs(a, b, lines)]
        else:
            out.append(f"    {field}: {_short(a, 100)} -> {_short(b, 100)}")
    return out


def compare(name: str, old: dict[tuple, object], new: dict[tuple, object], show: int) -> int:
    """Prints the figures of one set; returns the number of inputs that are not identical."""
    same = sum(1 for k in old.keys() & new.keys() if old[k] == new[k])
    differing = sorted((k for k in old.keys() & new.keys() if old[k] != new[k]), key=_order)
    missing = sorted(old.keys() - new.keys(), key=_order)
    extra = sorted(new.keys() - old.keys(), key=_order)
    print(f"compare {name}: inputs {len(old.keys() | new.keys())}, identical {same}, "
          f"differing {len(differing)}, missing {len(missing)}, extra {len(extra)}")
    shown = 0
    for key in differing:
        if shown >= show:
            break
        shown += 1
        where = key[1] + ("" if key[2] is None else f"#{key[2]}")
        print(f"  differs: {where}")
        for line in field_diffs(old[key], new[key]):
            print(line)
    for label, keys in (("missing (in the snapshot, not written now)", missing),
                        ("extra (written now, not in the snapshot)", extra)):
        for key in keys[: max(0, show - shown)]:
            shown += 1
            print(f"  {label}: {key[1]}" + ("" if key[2] is None else f"#{key[2]}"))
    if len(differing) + len(missing) + len(extra) > shown:
        print(f"  ... {len(differing) + len(missing) + len(extra) - shown} more not shown "
              f"(--show N)")
    return len(differing) + len(missing) + len(extra)


# ---------------------------------------------------------------- main

def _git(root: Path, *args: str) -> str:
    try:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                              timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _set_folder(work: Path, name: str) -> Path:
    """A fresh folder for one set; in a --work folder, only ever one this script made."""
    folder = work / name
    if folder.exists():
        if not (folder / MARKER).exists():
            raise SystemExit(f"{folder} exists and was not made by this script: choose another "
                             f"--work folder")
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / MARKER).touch()
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=HERE,
                        help="checkout whose code runs (default: the one this script is in)")
    parser.add_argument("--data", type=Path, default=HERE.parent / "shared" / "data" / "dev",
                        help="the dev data (default: ../shared/data/dev beside this repo)")
    parser.add_argument("--work", type=Path,
                        help="folder for the raw and clean folders (kept); default: a temp "
                             "folder, removed at the end")
    parser.add_argument("--snapshot", type=Path, help="write the canonical records here (.jsonl.gz)")
    parser.add_argument("--compare", type=Path, help="compare with this snapshot; exit 1 on a difference")
    parser.add_argument("--sets", help="comma-separated sets to run (default: all found)")
    parser.add_argument("--show", type=int, default=5, help="differences shown per set (default 5)")
    args = parser.parse_args()
    if not args.snapshot and not args.compare:
        parser.error("give --snapshot FILE, --compare FILE or both")
    root = args.root.resolve()
    if not (root / "pyproject.toml").is_file():
        parser.error(f"--root {root}: not a cleanwire checkout (no pyproject.toml)")
    available = sets(args.data.resolve(), root)
    chosen = args.sets.split(",") if args.sets else list(available)
    unknown = [s for s in chosen if s not in available]
    if unknown:
        parser.error(f"unknown or absent sets {unknown}; found: {', '.join(available)}")
    old_header, old = read_snapshot(args.compare) if args.compare else ({}, {})

    work = args.work.resolve() if args.work else Path(tempfile.mkdtemp(prefix="same-output-"))
    work.mkdir(parents=True, exist_ok=True)
    read, reader = project_reader(root)
    commit = _git(root, "rev-parse", "--short", "HEAD") or "?"
    dirty = len(_git(root, "status", "--porcelain", "--untracked-files=no").splitlines())
    print(f"root {root} at {commit}" + (f" with {dirty} changed files" if dirty else "")
          + f"; records read with {reader}")
    canons, figures, failures = [], {}, 0
    try:
        for name in chosen:
            folder = _set_folder(work, name)
            files = available[name](folder / "raw")
            seconds = run_set(root, folder / "raw", folder / "clean", folder / ".prefect",
                              folder / "run.log")
            canon = Canon(name, folder / "clean", read, folder)
            canons.append(canon)
            c = canon.counts
            reports = [json.loads(p.read_text()) for p in (folder / "clean" / "reports").glob("*.json")]
            flow_seconds = sum(r.get("seconds", 0) for r in reports)
            figures[name] = {"files": files, "inputs": len(canon.records), "seconds": round(seconds, 1),
                             "digest": canon.digest(), "versions": canon.versions}
            print(f"set {name}: files {files}, inputs {len(canon.records)} (documents "
                  f"{c['documents']}, duplicates {c['duplicates']}, rejected {c['rejected']}"
                  + (f", superseded {c['superseded']}" if c["superseded"] else "")
                  + (f", several records {c['inputs with several records']}"
                     if c["inputs with several records"] else "")
                  + f"); {seconds:.1f} s (cleaning {flow_seconds:.1f} s); digest {canon.digest()}"
                  + (f"; {canon.rewritten} strings named the work folder, made <work>"
                     if canon.rewritten else ""), flush=True)
            if len(canon.records) != files or c["inputs with several records"]:
                print(f"  WARNING {name}: {files} files but {len(canon.records)} inputs with "
                      f"records (every input should end in exactly one record)")
        versions = sorted({v for f in figures.values() for v in f["versions"]})
        print(f"pipeline version {', '.join(versions)}; total "
              f"{sum(f['seconds'] for f in figures.values()):.1f} s for "
              f"{sum(f['inputs'] for f in figures.values())} inputs")
        if args.compare:
            print(f"against {args.compare}: root {old_header.get('root')} at "
                  f"{old_header.get('commit')}, pipeline "
                  f"{', '.join(old_header.get('versions', []))}")
            for canon in canons:
                mine = {k: v for k, v in old.items() if k[0] == canon.name}
                if not mine:
                    print(f"compare {canon.name}: not in the snapshot")
                failures += compare(canon.name, mine, canon.records, args.show)
                was = old_header.get("sets", {}).get(canon.name, {})
                if was:
                    print(f"  digest {was.get('digest')} -> {canon.digest()}; seconds "
                          f"{was.get('seconds')} -> {figures[canon.name]['seconds']}")
            skipped = sorted({k[0] for k in old} - set(chosen))
            if skipped:
                print(f"not run this time (in the snapshot): {', '.join(skipped)}")
            print("RESULT: identical" if not failures
                  else f"RESULT: {failures} inputs differ, are missing or extra")
        if args.snapshot:
            write_snapshot(args.snapshot, {"root": str(root), "commit": commit, "dirty": dirty,
                                           "versions": versions, "sets": figures}, canons)
            print(f"snapshot written: {args.snapshot}")
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
