"""Throughput of a whole cleanwire run against the single-core library floor, in one run.

    .venv/bin/python bench/throughput.py [--data PATH] [--limit N] [--keep]

Corpus: the dev pages of DATA/trafilatura-eval/ (DATA defaults to ../shared/data/dev relative to
the repo), each page as HTML (html/*.html.gz) and as text (text/*.txt): 1,980 documents. --limit N
takes the first N pages of each for a quick check.

Measured, one after the other in this one run (the machine is shared: compare the ratios, and the
CPU columns, which do not depend on what else runs):

  floor        a plain loop in one process doing only what cannot be skipped: read (+ gunzip),
               decode (UTF-8, else charset-normalizer), trafilatura.bare_extraction(...,
               with_metadata=True) on HTML, ftfy on the text, langdetect on its first 1,500
               characters (what cleanwire's language.py samples). The least cleanwire's own work
               could cost, on one core.
  empty fresh  `cleanwire run` over an empty raw folder with a new PREFECT_HOME: a first run on a
               machine (Prefect creates and migrates its database).
  empty        the same, with that PREFECT_HOME now existing: the start-up every later run pays.
  warm-up      `cleanwire run` over the first WARM_PAGES pages on that PREFECT_HOME: the first
               run there that starts Prefect's server (an empty run has nothing to do and does not
               start it), so that the timed runs after it do not pay the database's migration.
  1x, 2x       `cleanwire run --raw DIR --clean DIR` in a subprocess (Prefect embedded, a fresh
               clean folder each time) over the corpus once and twice.
  1x batch 32  the 1x run again with --batch-size 32: the same work in many more Prefect task
               runs. The extra CPU of the Prefect server and the flow process over the extra
               task runs is what one task run costs; times the 2x run's task runs, over its CPU,
               it is Prefect's share of the work (target < 2%).

The 2x corpus is the 1x corpus (raw/c0/...) plus a byte-identical second copy under another folder
(raw/c1/...). Its documents become exact duplicates of the first copy's, on purpose: every one of
them still costs the whole cleaning work in the workers (dedup runs only after cleaning, in the
flow process). Making the copies "distinct" by appending a unique line would not make them
distinct to cleanwire: the text pass or trafilatura may drop the line, and if not, the near-dup
index (Jaccard >= 0.5) still marks the copy a duplicate. The 1x corpus has the same mix already:
each page's text dump is a near duplicate of its HTML. What the flow process skips for a
duplicate (writing the document, learning its site's lines, indexing its signature) is small
next to the worker's work; the CPU of the flow process is printed apart so it can be checked.

Printed: docs/s; the marginal throughput (extra documents / extra seconds between 1x and 2x); the
fixed start-up, extrapolated (1x seconds - 1x docs / marginal) and measured (the empty run); the
ratio marginal / floor; the peak memory of the whole process tree (RSS and PSS summed over the
tree, sampled from /proc every 0.2 s) at 1x and 2x; and the CPU seconds of the tree by role (the
flow process, the Prefect server, the worker processes). Targets on a 2-core machine: ratio >= 1.5
(the floor uses one core, cleanwire every core), start-up < 15 s, peak memory not growing with the
corpus.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "dev"

SAMPLE_SECONDS = 0.2  # /proc sampling period for memory and CPU of the process tree
PSS_EVERY = 5  # PSS (smaps_rollup, costlier to read) every 5th sample: once a second
LANG_SAMPLE_CHARS = 1500  # the same sample cleanwire's language.py reads
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")

# Targets (2-core machine): see the module docstring.
TARGET_RATIO = 1.5
TARGET_STARTUP_S = 15.0
# 2x peak / 1x peak of the tree, and of each process role: beyond both (sampling noise, a few
# allocator arenas) the memory grows with the corpus.
TARGET_MEMORY_GROWTH = 1.05
MEMORY_NOISE_MB = 25
# Prefect's per-task cost (server and flow process) as a share of the whole run's CPU.
TARGET_PREFECT_SHARE = 0.02
# The same 1x corpus in batches this small measures what one more task run costs.
SMALL = "1x batch 32"
SMALL_BATCH = 32
# A run over a few pages on the new PREFECT_HOME before the timed runs: the first run that starts
# Prefect's server there migrates its database (about 18 s once). An empty run does not start
# Prefect at all, so without this the 1x run paid the migration and the extrapolated start-up
# read 41 s.
WARM = "warm-up"
WARM_PAGES = 20


# -- the corpus -------------------------------------------------------------------------------
def corpus_root(data: Path) -> Path:
    """DATA/trafilatura-eval, or DATA itself when it is that folder."""
    for cand in (data / "trafilatura-eval", data):
        if (cand / "html").is_dir() and (cand / "text").is_dir():
            return cand
    sys.exit(f"throughput: no dev corpus at {data} (expected trafilatura-eval/html/*.html.gz and "
             f"trafilatura-eval/text/*.txt under it); pass --data PATH")


def corpus_files(root: Path, limit: int | None) -> list[Path]:
    html = sorted((root / "html").glob("*.html.gz"))[:limit]
    text = sorted((root / "text").glob("*.txt"))[:limit]
    if not html or not text:
        sys.exit(f"throughput: {root} has no html/*.html.gz or no text/*.txt")
    return html + text


def build_raw(files: list[Path], corpus: Path, raw: Path, copies: int, base: Path | None) -> int:
    """raw/c0/..., raw/c1/...: `copies` copies of the corpus (hard links to `base` when given)."""
    raw.mkdir(parents=True)
    for c in range(copies):
        for f in files:
            rel = Path(f"c{c}") / f.relative_to(corpus)
            dest = raw / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            src = base / rel if base is not None and (base / rel).exists() else f
            try:
                os.link(src, dest)
            except OSError:
                shutil.copy2(src, dest)
    return copies * len(files)


# -- the floor (runs in a child process: --floor-worker LIST) ---------------------------------
def floor_worker(listing: str) -> None:
    import charset_normalizer
    import ftfy
    import trafilatura
    from langdetect import DetectorFactory, detect
    from langdetect.lang_detect_exception import LangDetectException

    files = Path(listing).read_text().split("\n")
    DetectorFactory.seed = 0
    detect("Warm-up: load the language profiles before the clock starts.")
    trafilatura.bare_extraction("<html><body><p>warm up</p></body></html>", with_metadata=True)

    def decode(data: bytes) -> str:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            best = charset_normalizer.from_bytes(data).best()
            return str(best) if best is not None else data.decode("utf-8", errors="replace")

    stages = dict.fromkeys(("read", "decode", "trafilatura", "ftfy", "langdetect"), 0.0)
    counts = {"html": 0, "text": 0}
    clock = time.process_time  # stages in CPU seconds: what a stage costs, whatever else runs
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for name in files:
        t0 = clock()
        raw = Path(name).read_bytes()
        is_html = name.endswith(".gz")
        if is_html:
            raw = gzip.decompress(raw)
        t1 = clock()
        text = decode(raw)
        t2 = clock()
        if is_html:
            doc = trafilatura.bare_extraction(text, with_metadata=True)
            text = (doc.text or "") if doc is not None else ""
            title = doc.title if doc is not None else None
        t3 = clock()
        text = ftfy.fix_text(text, uncurl_quotes=False)
        if is_html and title:
            ftfy.fix_text(title, uncurl_quotes=False)
        t4 = clock()
        try:
            detect(text[:LANG_SAMPLE_CHARS])
        except LangDetectException:
            pass
        t5 = clock()
        for key, dt in zip(stages, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=True):
            stages[key] += dt
        counts["html" if is_html else "text"] += 1
    import resource

    print(json.dumps({"docs": len(files), "seconds": time.perf_counter() - wall0,
                      "cpu": time.process_time() - cpu0, "stages": stages, "counts": counts,
                      "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


# -- sampling a process tree ------------------------------------------------------------------
def _stat(pid: int) -> tuple[int, float, int] | None:
    """(ppid, CPU seconds, RSS bytes) of a process from /proc/PID/stat."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
    except OSError:
        return None
    # fields[0] is field 3 (state): ppid is field 4, utime 14, stime 15, rss 24.
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / CLK_TCK, int(fields[21]) * PAGE


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _role(pid: int, root: int) -> str:
    if pid == root:
        return "flow"
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return "workers"
    return "prefect-server" if b"uvicorn" in cmd or b"prefect" in cmd and b"server" in cmd \
        else "workers"


class TreeSampler(threading.Thread):
    """Every SAMPLE_SECONDS: the RSS and PSS summed over `root` and its descendants (peaks kept),
    and each process's CPU seconds (the last value seen, summed by role at the end)."""

    def __init__(self, root: int):
        super().__init__(daemon=True)
        self.root = root
        self.done = threading.Event()
        self.peak_rss = self.peak_pss = 0
        self.cpu: dict[int, float] = {}
        self.roles: dict[int, str] = {}
        self.peak_by_role: dict[str, int] = {}
        self.samples = 0

    def run(self) -> None:
        while not self.done.is_set():
            self.sample()
            self.done.wait(SAMPLE_SECONDS)

    def sample(self) -> None:
        children: dict[int, list[int]] = {}
        stats = {}
        for entry in os.scandir("/proc"):
            if entry.name.isdigit() and (st := _stat(int(entry.name))) is not None:
                stats[int(entry.name)] = st
                children.setdefault(st[0], []).append(int(entry.name))
        tree, todo = [], [self.root]
        while todo:
            pid = todo.pop()
            if pid in stats:
                tree.append(pid)
                todo.extend(children.get(pid, ()))
        rss = pss = 0
        by_role: dict[str, int] = {}
        pss_now = self.samples % PSS_EVERY == 0  # smaps_rollup costs more than stat: sample less
        for pid in tree:
            _, cpu, r = stats[pid]
            rss += r
            pss += _pss(pid) if pss_now else 0
            self.cpu[pid] = max(cpu, self.cpu.get(pid, 0.0))
            if pid not in self.roles:
                self.roles[pid] = _role(pid, self.root)
            by_role[self.roles[pid]] = by_role.get(self.roles[pid], 0) + r
        self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
        for role, r in by_role.items():
            self.peak_by_role[role] = max(r, self.peak_by_role.get(role, 0))
        self.samples += 1

    def cpu_by_role(self) -> dict[str, float]:
        out = {"flow": 0.0, "prefect-server": 0.0, "workers": 0.0}
        for pid, cpu in self.cpu.items():
            out[self.roles[pid]] += cpu
        return out


def run_tree(cmd: list[str], *, cwd: Path, env: dict, log: Path) -> dict:
    """Run a command, sampling its process tree; its wall seconds, CPU by role and peak memory."""
    with open(log, "wb") as out:
        busy0, own0 = machine_busy(), time.process_time()
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        sampler = TreeSampler(proc.pid)
        sampler.start()
        rc = proc.wait()
        seconds = time.perf_counter() - start
        sampler.done.set()
        sampler.join()
        busy, own = machine_busy() - busy0, time.process_time() - own0
    if rc != 0:
        tail = log.read_text(errors="replace").splitlines()[-25:]
        sys.exit(f"throughput: {' '.join(cmd)} exited {rc}; its last output:\n" + "\n".join(tail))
    cpu = sampler.cpu_by_role()
    # Cores the rest of the machine kept busy meanwhile (other users, not this tree, not the
    # sampler): the contention this measurement ran under.
    others = max(0.0, busy - sum(cpu.values()) - own) / seconds
    return {"seconds": seconds, "cpu": sum(cpu.values()), "cpu_by_role": cpu,
            "peak_rss_mb": sampler.peak_rss / 2**20, "peak_pss_mb": sampler.peak_pss / 2**20,
            "peak_by_role_mb": {k: v / 2**20 for k, v in sampler.peak_by_role.items()},
            "others": others, "samples": sampler.samples}


# -- the measurements -------------------------------------------------------------------------
def measure_floor(files: list[Path], work: Path) -> dict:
    listing = work / "floor-files.txt"
    listing.write_text("\n".join(str(f) for f in files))
    res = run_tree([sys.executable, str(Path(__file__).resolve()), "--floor-worker", str(listing)],
                   cwd=ROOT, env=os.environ.copy(), log=work / "floor.log")
    floor = json.loads((work / "floor.log").read_text().strip().splitlines()[-1])
    # The loop's own clock and CPU (imports and warm-up excluded), the tree's peak memory.
    return res | {"docs": floor["docs"], "seconds": floor["seconds"], "cpu": floor["cpu"],
                  "stages": floor["stages"], "counts": floor["counts"], "cpu_by_role": None}


def cleanwire_command() -> list[str]:
    script = Path(sys.executable).parent / "cleanwire"
    return [str(script)] if script.exists() else [sys.executable, "-m", "flows.cli"]


def measure_run(raw: Path, clean: Path, work: Path, prefect_home: Path, name: str,
                extra: tuple[str, ...] = ()) -> dict:
    env = os.environ.copy()
    env.pop("PREFECT_API_URL", None)  # embedded Prefect, as `cleanwire run` runs by default
    env["PREFECT_HOME"] = str(prefect_home)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    res = run_tree(cleanwire_command() + ["run", "--raw", str(raw), "--clean", str(clean), *extra],
                   cwd=work, env=env, log=work / f"{name}.log")
    reports = sorted((clean / "reports").glob("*.json"))
    report = json.loads(reports[-1].read_text()) if reports else {}
    res["report"] = {k: report.get(k) for k in ("files_seen", "documents", "duplicates",
                                                 "rejected", "rejected_by_reason", "seconds",
                                                 "batches")}
    res["docs"] = report.get("files_seen", 0)
    return res


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (all cores, /proc/stat: all but idle, iowait)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / CLK_TCK


# -- printing ---------------------------------------------------------------------------------
def print_table(rows: list[tuple[str, dict]]) -> None:
    head = (f"{'measurement':<13}{'docs':>6}{'wall s':>9}{'docs/s':>9}{'CPU s':>9}"
            f"{'CPU ms/doc':>12}{'cores used':>12}{'peak RSS MB':>13}{'peak PSS MB':>13}"
            f"{'others':>8}")
    print(head)
    print("-" * len(head))
    for name, r in rows:
        rate = f"{r['docs'] / r['seconds']:.1f}" if r["docs"] else "-"
        per = f"{1000 * r['cpu'] / r['docs']:.1f}" if r["docs"] else "-"
        print(f"{name:<13}{r['docs']:>6}{r['seconds']:>9.1f}{rate:>9}{r['cpu']:>9.1f}{per:>12}"
              f"{r['cpu'] / r['seconds']:>12.2f}{r['peak_rss_mb']:>13.0f}{r['peak_pss_mb']:>13.0f}"
              f"{r['others']:>8.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="folder holding trafilatura-eval/ (default: ../shared/data/dev)")
    parser.add_argument("--limit", type=int, help="only the first N pages of html/ and of text/")
    parser.add_argument("--rounds", type=int, default=1,
                        help="repeat the measurements N times, interleaved; each figure is taken "
                             "from its fastest round (the least disturbed on a shared machine)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (raw, clean, logs)")
    parser.add_argument("--floor-worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.floor_worker:
        floor_worker(args.floor_worker)
        return 0

    corpus = corpus_root(args.data)
    files = corpus_files(corpus, args.limit)
    work = Path(tempfile.mkdtemp(prefix="cleanwire-throughput-"))
    print(f"corpus: {corpus} ({len(files)} documents: {sum(f.suffix == '.gz' for f in files)} "
          f"HTML, {sum(f.suffix == '.txt' for f in files)} text); work folder {work}")
    print(f"machine: {os.cpu_count()} cores; cleanwire: {' '.join(cleanwire_command())}\n")
    try:
        raw1, raw2, empty = work / "raw-1x", work / "raw-2x", work / "raw-empty"
        warm = work / "raw-warm"
        build_raw(files[:WARM_PAGES], corpus, warm, 1, None)
        build_raw(files, corpus, raw1, 1, None)
        build_raw(files, corpus, raw2, 2, raw1)
        empty.mkdir()
        home = work / "prefect-home"
        best: dict[str, dict] = {}
        plan = [("empty fresh", empty), (WARM, warm)] + [("floor", None), ("empty", empty), ("1x", raw1),
                                           ("2x", raw2)] * max(1, args.rounds) + [(SMALL, raw1)]
        for i, (name, raw) in enumerate(plan):
            print(f"  [{i + 1}/{len(plan)}] {name} ...", end="", flush=True)
            if raw is None:
                res = measure_floor(files, work)
            else:
                slug = f"{name.replace(' ', '-')}-{i}"
                extra = ("--batch-size", str(SMALL_BATCH)) if name == SMALL else ()
                res = measure_run(raw, work / f"clean-{slug}", work, home, slug, extra)
            print(f" {res['seconds']:.1f} s (other processes kept {res['others']:.2f} cores busy)")
            if name in best:  # the fastest round's figures; memory: the highest peak of any
                peaks = {k: max(res[k], best[name][k]) for k in ("peak_rss_mb", "peak_pss_mb")}
                if res["seconds"] < best[name]["seconds"]:
                    best[name] = res
                best[name] |= peaks
            else:
                best[name] = res
        print()
        rows = [(name, best[name])
                for name in ("floor", "empty fresh", WARM, "empty", "1x", "2x", SMALL)]
        print_table(rows)
        summarize(best)
    finally:
        if args.keep:
            print(f"\nkept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def summarize(r: dict[str, dict]) -> None:
    floor, one, two, empty, fresh = r["floor"], r["1x"], r["2x"], r["empty"], r["empty fresh"]
    cores = os.cpu_count() or 1
    print("\n(CPU s: user+system seconds of the process tree, the floor's timed loop alone; "
          "cores used: CPU s / wall s;\n others: cores that other processes on the machine kept "
          "busy meanwhile)")
    print("\nby process (cleanwire runs): CPU s | peak RSS MB")
    print(f"{'measurement':<13}{'flow':>14}{'server':>14}{'workers':>14}   outcome")
    for name in ("empty fresh", WARM, "empty", "1x", "2x", SMALL):
        c, m, rep = r[name]["cpu_by_role"], r[name]["peak_by_role_mb"], r[name]["report"]
        cells = "".join(f"{c[k]:>7.1f} |{m.get(k, 0):>5.0f}" for k in ("flow", "prefect-server",
                                                                          "workers"))
        rejected = ", ".join(f"{k} {v}" for k, v in (rep["rejected_by_reason"] or {}).items())
        print(f"{name:<13}{cells}   {rep['documents']} documents, {rep['duplicates']} duplicates, "
              f"{rep['rejected']} rejected" + (f" ({rejected})" if rejected else ""))

    floor_rate = floor["docs"] / floor["seconds"]
    extra_docs, extra_s = two["docs"] - one["docs"], two["seconds"] - one["seconds"]
    marginal = extra_docs / extra_s if extra_s > 0 else float("inf")
    startup = one["seconds"] - one["docs"] / marginal
    ratio = marginal / floor_rate
    growth = two["peak_rss_mb"] / one["peak_rss_mb"]
    marginal_cpu = 1000 * (two["cpu"] - one["cpu"]) / extra_docs
    floor_cpu = 1000 * floor["cpu"] / floor["docs"]
    ceiling = cores * floor_cpu / marginal_cpu

    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    if extra_s <= 0 or marginal_cpu <= 0:
        print("\nthe 2x run was not slower or cheaper than the 1x run: too few documents (or too "
              "much disturbance) to tell a marginal cost; run without --limit")
        return
    print("\nfigure                                   value            target")
    print(f"floor (one core)                         {floor_rate:7.1f} docs/s")
    print(f"cleanwire 1x                             {one['docs'] / one['seconds']:7.1f} docs/s")
    print(f"cleanwire 2x                             {two['docs'] / two['seconds']:7.1f} docs/s")
    print(f"marginal (2x - 1x)                       {marginal:7.1f} docs/s")
    print(f"ratio marginal / floor                   {ratio:7.2f}          >= {TARGET_RATIO} "
          f"{verdict(ratio >= TARGET_RATIO)}")
    print(f"fixed start-up, extrapolated             {startup:7.1f} s        < {TARGET_STARTUP_S:g} s "
          f"{verdict(startup < TARGET_STARTUP_S)}")
    print(f"fixed start-up, measured (empty run)     {empty['seconds']:7.1f} s        < "
          f"{TARGET_STARTUP_S:g} s {verdict(empty['seconds'] < TARGET_STARTUP_S)}")
    print(f"  first run on a new PREFECT_HOME        {fresh['seconds']:7.1f} s")
    print(f"  first run there with pages ({r[WARM]['docs']} pages)   {r[WARM]['seconds']:7.1f} s"
          "   (starts Prefect's server, migrates its database)")
    def grows(a: float, b: float) -> bool:
        return b > a * TARGET_MEMORY_GROWTH and b - a > MEMORY_NOISE_MB

    print(f"peak RSS 1x / 2x (process tree)          {one['peak_rss_mb']:7.0f} / {two['peak_rss_mb']:.0f} MB"
          f"   2x/1x {growth:.2f} {'GROWS' if grows(one['peak_rss_mb'], two['peak_rss_mb']) else 'ok'}")
    for role, peak1 in one["peak_by_role_mb"].items():
        peak2 = two["peak_by_role_mb"].get(role, 0.0)
        if grows(peak1, peak2):
            print(f"  the {role} process(es) grow: {peak1:.0f} -> {peak2:.0f} MB "
                  f"({1024 * (peak2 - peak1) / extra_docs:.0f} KB per extra document)")
    print(f"peak PSS 1x / 2x (process tree)          {one['peak_pss_mb']:7.0f} / {two['peak_pss_mb']:.0f} MB")
    print("\nCPU figures (do not depend on what else runs on the machine):")
    print(f"CPU ms/doc: floor / cleanwire marginal   {floor_cpu:7.1f} / {marginal_cpu:.1f}"
          f"   cleanwire costs {marginal_cpu / floor_cpu:.2f}x the floor's CPU")
    print(f"ratio ceiling with {cores} free cores          {ceiling:7.2f}          >= {TARGET_RATIO} "
          f"{verdict(ceiling >= TARGET_RATIO)}  ({cores} x floor CPU/doc / cleanwire CPU/doc)")
    # Prefect's cost per task run: the same 1x corpus in many small batches against the default
    # batches. The same documents, the same dedup and writes: the extra CPU of the Prefect server
    # and of the flow process (task engine, state updates, logs) over the extra task runs.
    small = r.get(SMALL)
    if small and small["report"].get("batches") and one["report"].get("batches"):
        extra_tasks = small["report"]["batches"] - one["report"]["batches"]
        roles = ("prefect-server", "flow")
        extra = [small["cpu_by_role"][k] - one["cpu_by_role"][k] for k in roles]
        per_task = sum(extra) / max(extra_tasks, 1)
        share = per_task * two["report"]["batches"] / two["cpu"]
        print(f"Prefect per task run: server {1000 * extra[0] / max(extra_tasks, 1):.0f} ms + flow "
              f"process {1000 * extra[1] / max(extra_tasks, 1):.0f} ms ({small['report']['batches']}"
              f" tasks of {SMALL_BATCH} vs {one['report']['batches']} at 1x)")
        print(f"Prefect share of the 2x run's CPU        {100 * share:7.2f}%         < "
              f"{100 * TARGET_PREFECT_SHARE:g}% {verdict(share < TARGET_PREFECT_SHARE)}  "
              f"({two['report']['batches']} tasks x {1000 * per_task:.0f} ms / {two['cpu']:.0f} CPU s)")
    disturbed = max(row["others"] for row in r.values())
    if disturbed > 0.25:
        print(f"\nnote: other processes kept up to {disturbed:.2f} cores busy during these "
              "measurements: the wall-clock figures (docs/s, marginal, ratio, start-up) are "
              "pessimistic; trust the CPU figures, or run again on a quiet machine (--rounds 2).")
    st, counts = floor["stages"], floor["counts"]
    print("\nfloor per stage, CPU ms/doc over all documents: "
          + ", ".join(f"{k} {1000 * v / floor['docs']:.2f}" for k, v in st.items())
          + f"  ({counts['html']} HTML, {counts['text']} text)")


if __name__ == "__main__":
    sys.exit(main())
