"""Cleaning quality on the dev sets, each on its own: shingle F1 / P / R against gold bodies, pages
emptied and time per page, for the text and HTML modes, cleanwire beside trafilatura and jusText.

    .venv/bin/python bench/quality.py [DATA] [--sets trafilatura-eval,dragnet,udhr]
        [--limit N] [--only text|html] [--methods a,b] [--workers N] [--json FILE]
        [--dragnet test|train|all] [--split train|held-out] [--no-proxy] [--no-site]
        [--udhr FOLDER] [--show-misses N] [--worst N [--worst-method M]]

DATA defaults to ../shared/data/dev (relative to the repo root); UDHR is read from DATA/../udhr
(--udhr to change). How pages are tokenised and scored, and the Dragnet site split, are in
bench/qualitylib.py's docstring; in short: word 4-gram shingle sets (regex `\\w`, letters as tokens
in scripts without spaces), P/R/F1 per page then averaged, an empty output scores 0, a page with
an empty gold is left out; Dragnet test sites = sha1(domain)[0] even (tune on train sites only).

The sets:
- trafilatura-eval: no gold body. `with kept` / `w/o gone` are the fragment scores (a fragment
  is kept when it is a substring of the output after NFKC, lower-casing and collapsing white
  space; micro-averaged over fragments; trafilatura gets the HTML as bytes): they reproduce the
  reference figures no cleaning 0.980 / 0.132, jusText English 0.138 / 0.942, trafilatura on
  HTML 0.947 / 0.885. `held-out` is the 1-in-5 page split by a hash of the page id. F1~ P~ R~ are
  a PROXY: the shingle scores against trafilatura's own extraction without comments (pages where
  it has >= 50 words): they reward agreeing with trafilatura, errors included.
- dragnet: test sites only by default (--dragnet train to tune). Beside the per-page methods,
  cleanwire-text+site runs the real pipeline (running.runs.run_ingest, as `cleanwire run` does
  without Prefect) over a temporary raw folder raw/<domain>/ID.txt and scores the documents it
  wrote (joined back by source path; a duplicate scores its kept copy's text, a rejection is
  emptied); site statistics only help the later pages of a site in that first run.
  cleanwire-text+site-2nd runs the same folder again with --reprocess '*': every page then sees
  the template learned from the site's other pages. cleanwire-html+site is the first run over
  raw/<domain>/ID.html, cleanwire-html+site-2nd its second. cleanwire-text+flat is the first
  run over one flat folder raw/ID.txt of every page: a dump's site is then the name its <title>
  line holds ("Headline | Site"), when it holds one. Their ms/page is the run's WALL time / pages.
- udhr: gold = the body's headings and paragraphs. Text mode reads the page's visible text, one
  block a line (qualitylib.visible_text). `paras lost` counts <p> paragraphs whose tokens are not
  found whole in the output and of which less than half the 4-grams are there; `cut` those not
  whole but with half or more; then the languages (and scripts) that lost anything.

cleanwire's title is scored with its text (the gold bodies hold the title); trafilatura's
`extract` gives no title. Dragnet's `1st line` is the share of pages whose output begins with the
gold body's first line (normalized): the headline in most golds, so it measures the title found
(a gold that begins with a date or a byline counts as a miss for every method). ms/page is CPU
time per call (time.process_time, in the worker processes, after a warm-up and a gc.freeze, and
with the cyclic collector off for the text methods, as a run's workers do: running/workers.py,
running.work.collector_paused), steady on a shared machine; the site runs' is wall time. Each
method runs over a batch of 8 pages in a row, the methods in turn (BATCH_PAGES), as a worker
runs a batch of pages; bench/textpass.py compares the text pass's time there with its time
inside the pipeline's own worker loop.
Each set's `time:` line gives the text pass's ms/page and cleanwire's time as a multiple of the
library's on the same pages (SPEED_PAIRS): trafilatura-nocomments extracts the text alone,
trafilatura-metadata the text with the title, author and date, as cleanwire-html does.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter, defaultdict
from multiprocessing import Pool
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import qualitylib as q  # noqa: E402
from qualitylib import (  # noqa: E402
    HTML_METHODS,
    HTML_SITE_METHODS,
    SITE_METHODS,
    TEXT_METHODS,
    TEXT_SITE_METHODS,
)

SETS = ["trafilatura-eval", "dragnet", "udhr"]
MIN_BODY_WORDS = 50
DRAGNET_RULE = "sha1(domain without www.)[0] even = test"


def split_of(case_id: str) -> str:
    """The trafilatura-eval page split (bench/train_line_model.py tunes on "train")."""
    return "held-out" if hashlib.sha1(case_id.encode()).digest()[0] % 5 == 0 else "train"


def norm(s: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", s).split()).lower()


# -- a batch of pages, in a worker --------------------------------------------------------------
# Each method runs over a batch of BATCH_PAGES pages in a row, the methods in turn (their order
# turned by one each batch), then its outputs are scored: as a run's worker cleans a batch of
# one kind of page, with the code and data of one method in the processor's caches. Every method
# on each page in turn made a method's time depend on what else the bench ran: trafilatura-eval's
# text pass took 9.8 ms a page beside trafilatura-text alone and 12.8 ms beside the twelve
# other methods of a full run (trafilatura-text 11.9 and 16.3 ms). The methods still alternate every
# few pages, so a change in the machine's load falls on all of them alike.
BATCH_PAGES = 8


def _load_trafilatura_eval(spec: dict, methods: list[str], proxy: bool) -> tuple[dict, dict]:
    base, case = Path(spec["base"]), spec["case"]
    page = {"id": case["id"], "url": case.get("url"), "site": None, "lang": None,
            "text": None, "text_bytes": None, "html": None}
    tpath = base / "text" / f"{case['id']}.txt"
    if tpath.exists():
        page["text_bytes"] = tpath.read_bytes()
        page["text"] = q.decode(page["text_bytes"])
    hpath = base / "html" / f"{case['id']}.html.gz"
    if hpath.exists() and (proxy or any(m in HTML_METHODS for m in methods)):
        page["html"] = gzip.decompress(hpath.read_bytes())
    gold = None
    if proxy and page["html"] is not None:
        import trafilatura

        body = trafilatura.extract(page["html"], url=page["url"], include_comments=False) or ""
        gold = q.shingles(body) if len(body.split()) >= MIN_BODY_WORDS else None
    return page, {"case": case, "gold": gold}


def _score_trafilatura_eval(page: dict, ctx: dict, runs: dict) -> dict:
    case, gold = ctx["case"], ctx["gold"]
    out = {"set": "trafilatura-eval", "id": case["id"], "split": split_of(case["id"]), "m": {}}
    for m, (result, dt, err) in runs.items():
        o = norm(result)
        lost = [f for f in case["with"] if norm(f) not in o]
        kept = [f for f in case["without"] if norm(f) in o]
        sh = q.shingles(result)
        out["m"][m] = {"ms": 1000 * dt, "empty": not sh, "err": err,
                       "frag": (len(case["with"]) - len(lost), len(case["with"]),
                                len(case["without"]) - len(kept), len(case["without"])),
                       "misses": (lost, kept),
                       "prf": q.prf(sh, gold) if gold else None}
    return out


def _load_dragnet(spec: dict, methods: list[str], proxy: bool) -> tuple[dict, dict]:
    text_bytes = q.read_maybe_gz(Path(spec["text"]))
    page = {"id": spec["id"], "url": spec["url"], "site": spec["domain"], "lang": None,
            "text_bytes": text_bytes, "text": q.decode(text_bytes), "html": None}
    if any(m in HTML_METHODS for m in methods):
        page["html"] = q.read_maybe_gz(Path(spec["html"]))
    return page, {"spec": spec, "gold_text": q.decode(q.read_maybe_gz(Path(spec["gold"])))}


def _score_dragnet(page: dict, ctx: dict, runs: dict) -> dict:
    spec, gold_text = ctx["spec"], ctx["gold_text"]
    gold = q.shingles(gold_text)
    out = {"set": "dragnet", "id": spec["id"], "site": spec["domain"], "split": spec["split"],
           "m": {}}
    for m, (result, dt, err) in runs.items():
        sh = q.shingles(result)
        out["m"][m] = {"ms": 1000 * dt, "empty": not sh, "err": err, "prf": q.prf(sh, gold),
                       "first": same_first_line(result, gold_text)}
    return out


def same_first_line(result: str, gold: str) -> bool:
    """Whether the output begins with the gold body's first line, the headline in most Dragnet
    golds (a date or a byline in some): cleanwire's title is its output's first line."""
    def first(text: str) -> str:
        line = next((x for x in text.split("\n") if x.strip()), "")
        return " ".join(norm(line).replace("\u2019", "'").split())
    return bool(first(gold)) and first(result) == first(gold)


def udhr_paragraphs(result: str, paragraphs: list[str]) -> tuple[int, int]:
    """(lost, cut) among the paragraphs, against an output (see the module docstring)."""
    toks = q.tokens(result)
    whole = f" {' '.join(toks)} "
    out_sh = q.shingles(toks)
    lost = cut = 0
    for p in paragraphs:
        pt = q.tokens(p)
        if not pt or q.contained(pt, whole):
            continue
        psh = q.shingles(pt)
        if len(psh & out_sh) * 2 >= len(psh) and len(pt) >= q.SHINGLE:
            cut += 1
        else:
            lost += 1
    return lost, cut


def _load_udhr(spec: dict, methods: list[str], proxy: bool) -> tuple[dict, dict]:
    u = q.udhr_page(Path(spec["path"]))
    text = q.visible_text(u["html"])
    page = {"id": spec["id"], "url": None, "site": None, "lang": u["lang"], "text": text,
            "text_bytes": text.encode("utf-8"), "html": u["html"]}
    return page, {"spec": spec, "u": u}


def _score_udhr(page: dict, ctx: dict, runs: dict) -> dict:
    spec, u = ctx["spec"], ctx["u"]
    gold = q.shingles(u["gold"])
    script = q.dominant_script(" ".join(u["paragraphs"]))
    out = {"set": "udhr", "id": spec["id"], "lang": u["lang"], "script": script,
           "paras": len(u["paragraphs"]), "m": {}}
    for m, (result, dt, err) in runs.items():
        sh = q.shingles(result)
        lost, cut = udhr_paragraphs(result, u["paragraphs"])
        out["m"][m] = {"ms": 1000 * dt, "empty": not sh, "err": err, "prf": q.prf(sh, gold),
                       "lost": lost, "cut": cut}
    return out


_SETS_CODE = {"trafilatura-eval": (_load_trafilatura_eval, _score_trafilatura_eval),
              "dragnet": (_load_dragnet, _score_dragnet),
              "udhr": (_load_udhr, _score_udhr)}


def _unreadable(kind: str, spec: dict, exc: Exception) -> dict:
    """An unreadable page, reported, not fatal."""
    return {"set": kind, "id": spec.get("id") or spec.get("case", {}).get("id"), "m": {},
            "error": repr(exc)[:300]}


def score_batch(batch: tuple[int, list[tuple]]) -> list[dict]:
    """The scored pages of a batch of jobs (kind, spec, methods, proxy): the pages read, then
    each method over all of them (timed, see BATCH_PAGES), then the outputs scored. ``batch``:
    (its number, which turns the methods' order, its jobs)."""
    number, jobs = batch
    methods = jobs[0][2]  # (every job of a batch has the bench's page methods)
    loaded: list[tuple] = []  # (kind, spec, page, ctx, runs: {method: (output, seconds, error)})
    out: list[dict] = []
    for kind, spec, _methods, proxy in jobs:
        try:
            loaded.append((kind, spec, *_SETS_CODE[kind][0](spec, methods, proxy), {}))
        except Exception as exc:  # noqa: BLE001
            out.append(_unreadable(kind, spec, exc))
    turn = number % len(methods) if methods else 0
    for m in methods[turn:] + methods[:turn]:
        for *_, page, _ctx, runs in loaded:
            result, dt, err = q.timed(m, page)
            if result is not None:
                runs[m] = (result, dt, err)
    for kind, spec, page, ctx, runs in loaded:
        try:
            out.append(_SETS_CODE[kind][1](page, ctx, {m: runs[m] for m in methods if m in runs}))
        except Exception as exc:  # noqa: BLE001
            out.append(_unreadable(kind, spec, exc))
    return out


def batches(jobs: list[tuple], size: int = BATCH_PAGES) -> list[tuple[int, list[tuple]]]:
    """The jobs in numbered batches of ``size``, each of one set's pages."""
    out: list[tuple[int, list[tuple]]] = []
    for job in jobs:
        if out and len(out[-1][1]) < size and out[-1][1][0][0] == job[0]:
            out[-1][1].append(job)
        else:
            out.append((len(out), [job]))
    return out


def _init_worker() -> None:
    q.warm_up()


# -- the Dragnet run with site evidence ---------------------------------------------------------
def _read_records(folder: Path) -> list[dict]:
    recs = []
    for f in sorted(folder.glob("*.jsonl*")):
        data = f.read_bytes()
        if f.name.endswith(".zst"):
            import zstandard

            data = zstandard.ZstdDecompressor().decompressobj().decompress(data)
        recs += [json.loads(x) for x in data.decode("utf-8").splitlines() if x.strip()]
    return recs


def _site_outputs(clean: Path) -> dict[str, tuple[str, str]]:
    """{page id: (text scored, outcome)} from a clean folder's current records."""
    docs = {r["id"]: r for r in _read_records(clean / "documents")}
    out: dict[str, tuple[str, str]] = {}
    for r in docs.values():
        out[Path(r["source"]["path"]).stem] = (
            "\n".join(x for x in (r.get("title"), r.get("text")) if x), "document")
    for r in _read_records(clean / "duplicates"):
        kept = docs.get(r.get("duplicate_of"))
        out[Path(r["source"]["path"]).stem] = (
            "\n".join(x for x in (kept.get("title"), kept.get("text")) if x) if kept else "",
            "duplicate")
    for r in _read_records(clean / "rejected"):
        out[Path(r["source"]["path"]).stem] = ("", "rejected:" + str(r.get("reason")))
    return out


def run_site_passes(pages: list[dict], workers: int, methods: list[str]) -> dict:
    """cleanwire-text+site(-2nd), cleanwire-html+site(-2nd): real runs over raw/<domain>/ID.txt
    (or ID.html), each in a child process; cleanwire-text+flat: over raw/ID.txt."""
    results: dict = {}
    if "cleanwire-text+flat" in methods and pages:
        flat = [dict(p, domain="") for p in pages]  # every dump in raw/ itself
        for run in _site_runs(flat, workers, "text", 1):
            results["cleanwire-text+flat"] = run
    # each form's runs over raw/<domain>/, in order: the first run, then the second
    for form, runs in (("text", TEXT_SITE_METHODS[1:]), ("html", HTML_SITE_METHODS)):
        if pages and any(m in methods for m in runs):
            passes = 2 if runs[1] in methods else 1
            results |= dict(zip(runs, _site_runs(pages, workers, form, passes), strict=False))
    return results


def _site_runs(pages: list[dict], workers: int, form: str, passes: int) -> list[dict]:
    """`passes` runs over one raw/<domain>/ folder of the pages' text dumps or HTML (the second
    with --reprocess '*'): each run's outputs and seconds."""
    out: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="quality-site-") as tmp:
        raw, clean = Path(tmp) / "raw", Path(tmp) / "clean"
        for p in pages:
            d = raw / p["domain"]
            d.mkdir(parents=True, exist_ok=True)
            suffix = ".txt" if form == "text" else ".html"
            (d / f"{p['id']}{suffix}").write_bytes(q.read_maybe_gz(Path(p[form])))
        for n in range(passes):
            code = ("import json,time\n"
                    "from running.settings import Settings\n"
                    "from running.runs import run_ingest\n"
                    "if __name__ == '__main__':\n"
                    "    t = time.perf_counter()\n"
                    f"    run_ingest(Settings(raw={str(raw)!r}, clean={str(clean)!r}, "
                    f"workers={workers}), {('*' if n else None)!r})\n"
                    "    print(json.dumps(time.perf_counter() - t))\n")
            env = dict(os.environ, PYTHONPATH=str(ROOT))
            t0 = time.perf_counter()
            proc = subprocess.run([sys.executable, "-c", code], cwd=tmp, env=env,
                                  capture_output=True, text=True)
            wall = time.perf_counter() - t0
            if proc.returncode != 0:
                print(f"{form} site run {n + 1} failed ({proc.returncode}): "
                      f"{proc.stderr[-2000:]}", file=sys.stderr)
                break
            try:
                run_s = float(json.loads(proc.stdout.strip().splitlines()[-1]))
            except (ValueError, IndexError):
                run_s = wall
            out.append({"outputs": _site_outputs(clean), "seconds": run_s, "wall": wall})
    return out


def score_site_passes(pages: list[dict], site: dict, results: list[dict]) -> None:
    """Add the site passes' scores to the Dragnet page results."""
    by_id = {r["id"]: r for r in results if r.get("set") == "dragnet"}
    for method, run in site.items():
        # wall time: the run's CPU is mostly in its pool's workers, which getrusage misses
        ms = 1000 * run["seconds"] / max(len(pages), 1)
        for p in pages:
            r = by_id.get(p["id"])
            if r is None:
                continue
            text, outcome = run["outputs"].get(p["id"], ("", "missing"))
            gold_text = q.decode(q.read_maybe_gz(Path(p["gold"])))
            sh = q.shingles(text)
            r["m"][method] = {"ms": ms, "empty": not sh, "err": None,
                              "prf": q.prf(sh, q.shingles(gold_text)), "outcome": outcome,
                              "first": same_first_line(text, gold_text)}


# -- figures ------------------------------------------------------------------------------------
def figures(rows: list[dict], m: str) -> dict:
    rs = [r["m"][m] for r in rows if m in r["m"]]
    scored = [x["prf"] for x in rs if x.get("prf")]
    fig: dict = {"pages": len(rs), "scored": len(scored),
                 "emptied": sum(1 for x in rs if x["empty"]),
                 "errors": sum(1 for x in rs if x.get("err")),
                 "ms_per_page": sum(x["ms"] for x in rs) / len(rs) if rs else None}
    for i, k in enumerate(("P", "R", "F1")):
        fig[k] = sum(s[i] for s in scored) / len(scored) if scored else None
    fr = [x["frag"] for x in rs if "frag" in x]
    if fr:
        fig["with_kept"] = sum(x[0] for x in fr) / max(sum(x[1] for x in fr), 1)
        fig["without_gone"] = sum(x[2] for x in fr) / max(sum(x[3] for x in fr), 1)
    if any("first" in x for x in rs):
        fig["first_line"] = sum(1 for x in rs if x.get("first")) / len(rs)
    if any("lost" in x for x in rs):
        fig["paras_lost"] = sum(x["lost"] for x in rs)
        fig["paras_cut"] = sum(x["cut"] for x in rs)
        fig["paras"] = sum(r["paras"] for r in rows if m in r["m"])
    return fig


def _f(x: float | None, w: int = 5) -> str:
    return f"{x:>{w}.3f}" if x is not None else f"{'-':>{w}}"


def print_table(title: str, rows: list[dict], methods: list[str], kind: str,
                notes: list[str]) -> dict:
    print(f"\n== {title}")
    for n in notes:
        print(f"   {n}")
    out = {}
    head = f"{'method':<25} {'pages':>5} {'F1':>5} {'P':>5} {'R':>5} {'emptied':>8} {'ms/page':>8}"
    if kind == "trafilatura-eval":
        head = (f"{'method':<25} {'pages':>5} {'F1~':>5} {'P~':>5} {'R~':>5} {'emptied':>8} "
                f"{'ms/page':>8}  {'with kept':>9} {'w/o gone':>8}  {'held-out w/ w/o':>15}")
    if kind == "udhr":
        head += f"  {'paras lost':>12} {'cut':>4}"
    if kind == "dragnet":
        head += f"  {'1st line':>8}"
    print(head)
    print("-" * len(head))
    for m in methods:
        fig = figures(rows, m)
        if not fig["pages"]:
            continue
        out[m] = fig
        line = (f"{m:<25} {fig['pages']:>5} {_f(fig['F1'])} {_f(fig['P'])} {_f(fig['R'])} "
                f"{fig['emptied']:>8} {fig['ms_per_page']:>8.1f}")
        if kind == "trafilatura-eval":
            ho = figures([r for r in rows if r.get("split") == "held-out"], m)
            fig["held_out"] = {k: ho.get(k) for k in ("with_kept", "without_gone", "F1")}
            line += (f"  {_f(fig['with_kept'], 9)} {_f(fig['without_gone'], 8)}  "
                     f"{_f(ho.get('with_kept'), 7)} {_f(ho.get('without_gone'))}")
        if kind == "udhr":
            line += f"  {fig['paras_lost']:>5}/{fig['paras']:<6} {fig['paras_cut']:>4}"
        if kind == "dragnet":
            line += f"  {_f(fig.get('first_line'), 8)}"
        if fig["errors"]:
            line += f"  ({fig['errors']} errors)"
        print(line)
    return out


def udhr_losses(rows: list[dict], m: str, top: int = 20) -> dict:
    by_lang: Counter = Counter()
    # lost, cut, paras, docs, emptied
    by_script: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    emptied = []
    for r in rows:
        x = r["m"].get(m)
        if x is None:
            continue
        s = by_script[r["script"]]
        s[0] += x["lost"]
        s[1] += x["cut"]
        s[2] += r["paras"]
        s[3] += 1
        s[4] += int(x["empty"])
        if x["lost"] or x["cut"] or x["empty"]:
            by_lang[f"{r['lang']} ({r['script'].lower()})"] += x["lost"] + x["cut"]
        if x["empty"]:
            emptied.append(r["lang"])
    return {"languages": by_lang.most_common(top), "languages_with_loss": len(by_lang),
            "scripts": {k: v for k, v in sorted(by_script.items()) if v[0] or v[1] or v[4]},
            "emptied": emptied}


def site_subsets(rows: list[dict], pages: list[dict]) -> dict:
    """The site runs where site evidence can act: F1 of the text methods on the pages that had
    at least TEMPLATE_MIN_DOCS earlier pages of their site in the run (path order), and on the
    pages of sites with more than TEMPLATE_MIN_DOCS pages (the 2nd pass sees the others)."""
    try:
        from running.sitestats import TEMPLATE_MIN_DOCS as need
    except ImportError:
        need = 3
    order = sorted(pages, key=lambda p: (p["domain"], f"{p['id']}.txt"))
    rank, size = {}, Counter(p["domain"] for p in pages)
    seen: Counter = Counter()
    for p in order:
        rank[p["id"]] = seen[p["domain"]]
        seen[p["domain"]] += 1
    subsets = {f"pages with >= {need} earlier pages of their site in the run":
               [r for r in rows if rank.get(r["id"], 0) >= need],
               f"pages of sites with > {need} pages":
               [r for r in rows if size[r.get("site")] > need]}
    out = {}
    for name, rs in subsets.items():
        if not rs:
            continue
        figs = {m: figures(rs, m) for m in ("cleanwire-text", *TEXT_SITE_METHODS, "cleanwire-html",
                                            *HTML_SITE_METHODS)}
        figs = {m: f for m, f in figs.items() if f["pages"]}
        out[name] = {"pages": len(rs), **{m: {k: f[k] for k in ("F1", "P", "R")}
                                          for m, f in figs.items()}}
        print(f"   {name} ({len(rs)}): " + ", ".join(
            f"{m} F1 {_f(f['F1']).strip()} P {_f(f['P']).strip()} R {_f(f['R']).strip()}"
            for m, f in figs.items()))
    return out


# The speed targets, as time ratios in one run (the machine's load weighs on both):
# cleanwire's method against the library's on the same pages. cleanwire-html also gives the
# page's title, author and date: trafilatura-metadata is the library's time for that output,
# trafilatura-nocomments its time for the text alone.
SPEED_PAIRS = (("cleanwire-textpass", "trafilatura-text"),
               ("cleanwire-html", "trafilatura-nocomments"),
               ("cleanwire-html", "trafilatura-metadata"))
TEXT_PASS_TARGET_MS = 10.0


def print_speed(figs: dict) -> dict:
    """A line of the set's speed figures: the text pass's ms/page and the SPEED_PAIRS ratios."""
    ms = {m: f["ms_per_page"] for m, f in figs.items() if f.get("ms_per_page")}
    out = {}
    parts = []
    if "cleanwire-textpass" in ms:
        out["textpass_ms"] = round(ms["cleanwire-textpass"], 2)
        parts.append(f"text pass {ms['cleanwire-textpass']:.1f} ms/page "
                     f"(target < {TEXT_PASS_TARGET_MS:g})")
    for mine, theirs in SPEED_PAIRS:
        if mine in ms and theirs in ms:
            out[f"{mine}/{theirs}"] = round(ms[mine] / ms[theirs], 3)
            parts.append(f"{mine} {ms[mine] / ms[theirs]:.2f}x {theirs}")
    if parts:
        print("   time: " + "; ".join(parts))
    return out


def print_worst(rows: list[dict], method: str, n: int) -> None:
    scored = [(r["m"][method]["prf"], r) for r in rows
              if method in r["m"] and r["m"][method].get("prf")]
    scored.sort(key=lambda x: x[0][2])
    for (p, rr, f1), r in scored[:n]:
        where = r.get("site") or r.get("lang") or r.get("split") or ""
        print(f"   {r['id']:<28} {where:<24} F1 {f1:.3f} P {p:.3f} R {rr:.3f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", nargs="?", default=str(ROOT.parent / "shared" / "data" / "dev"),
                    help="the dev-data folder (holding trafilatura-eval/ and dragnet/)")
    ap.add_argument("--udhr", help="the UDHR folder (default: DATA/../udhr)")
    ap.add_argument("--sets", default=",".join(SETS), help="comma-separated: " + ",".join(SETS))
    ap.add_argument("--limit", type=int, default=0, help="only the first N pages of each set")
    ap.add_argument("--only", choices=["text", "html"], help="only text or only HTML methods")
    ap.add_argument("--methods", help="comma-separated method names (default: all)")
    ap.add_argument("--split", choices=["train", "held-out"],
                    help="trafilatura-eval: only pages of one split")
    ap.add_argument("--dragnet", choices=["test", "train", "all"], default="test",
                    help="which Dragnet sites (default: test; tune on train)")
    ap.add_argument("--no-proxy", action="store_true",
                    help="trafilatura-eval: skip the proxy shingle scores (one extraction less)")
    ap.add_argument("--shingle", action="store_true", help=argparse.SUPPRESS)  # now the default
    ap.add_argument("--no-site", action="store_true", help="skip the Dragnet runs with site evidence")
    ap.add_argument("--show-misses", type=int, default=0, metavar="N",
                    help="print the N worst trafilatura-eval pages for cleanwire-text")
    ap.add_argument("--worst", type=int, default=0, metavar="N",
                    help="list the N pages of each set with the lowest F1 of --worst-method")
    ap.add_argument("--worst-method", default="cleanwire-text", metavar="METHOD")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", metavar="FILE", help="save the figures as JSON")
    args = ap.parse_args(argv)

    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    for s in sets:
        if s not in SETS:
            ap.error(f"unknown set {s!r} (known: {', '.join(SETS)})")
    methods = TEXT_METHODS + SITE_METHODS + HTML_METHODS
    if args.only == "text":
        methods = TEXT_METHODS + TEXT_SITE_METHODS
    elif args.only == "html":
        methods = HTML_METHODS + HTML_SITE_METHODS
    if args.methods:
        methods = [m for m in args.methods.split(",") if m]
    if args.no_site:
        methods = [m for m in methods if m not in SITE_METHODS]
    page_methods = [m for m in methods if m not in SITE_METHODS]

    data = Path(args.data)
    dev = data if not (data / "dev").is_dir() else data / "dev"
    jobs: list[tuple] = []
    info: dict = {}
    if "trafilatura-eval" in sets:
        base = dev / "trafilatura-eval" if (dev / "trafilatura-eval").is_dir() else dev
        cases_path = base / "cases.jsonl"
        if cases_path.exists():
            cases = [json.loads(x) for x in cases_path.read_text(encoding="utf-8").splitlines() if x]
            if args.split:
                cases = [c for c in cases if split_of(c["id"]) == args.split]
            if args.limit:
                cases = cases[: args.limit]
            jobs += [("trafilatura-eval", {"base": str(base), "case": c}, page_methods,
                      not args.no_proxy) for c in cases]
            info["trafilatura-eval"] = {"folder": str(base), "pages": len(cases)}
        else:
            print(f"quality: no trafilatura-eval set at {base}; skipped.")
    dragnet_pages: list[dict] = []
    if "dragnet" in sets:
        folder = dev / "dragnet"
        if (folder / "index.jsonl").exists():
            dragnet_pages = q.dragnet_pages(folder, args.dragnet)
            if args.limit:
                dragnet_pages = dragnet_pages[: args.limit]
            jobs += [("dragnet", p, page_methods, False) for p in dragnet_pages]
            info["dragnet"] = {"folder": str(folder), "pages": len(dragnet_pages),
                               "sites": len({p["domain"] for p in dragnet_pages}),
                               "split": args.dragnet, "rule": DRAGNET_RULE}
        else:
            print(f"quality: no Dragnet set at {folder}; skipped.")
    if "udhr" in sets:
        folder = Path(args.udhr) if args.udhr else dev.parent / "udhr"
        files = sorted(folder.glob("*.html*")) if folder.is_dir() else []
        if args.limit:
            files = files[: args.limit]
        if files:
            jobs += [("udhr", {"id": f.name.split(".")[0], "path": str(f)}, page_methods, False)
                     for f in files]
            info["udhr"] = {"folder": str(folder), "pages": len(files)}
        else:
            print(f"quality: no UDHR set at {folder}; skipped.")
    if not jobs:
        print("quality: no dev set found; nothing to measure.")
        return 0

    t0 = time.perf_counter()
    if args.workers > 1:
        # Here first: code that fails to import stops the run with its error. A pool whose
        # initializer raises starts new workers for ever, and the run hangs without a word.
        _init_worker()
        with Pool(args.workers, initializer=_init_worker) as pool:
            results = [r for rs in pool.imap_unordered(score_batch, batches(jobs)) for r in rs]
    else:
        _init_worker()
        results = [r for b in batches(jobs) for r in score_batch(b)]
    pages_wall = time.perf_counter() - t0
    site_wall = 0.0
    if dragnet_pages and any(m in SITE_METHODS for m in methods):
        t1 = time.perf_counter()
        site = run_site_passes(dragnet_pages, args.workers, methods)
        score_site_passes(dragnet_pages, site, results)
        site_wall = time.perf_counter() - t1
        info["dragnet"]["site_runs"] = {m: {"run_seconds": round(v["seconds"], 2),
                                            "wall_seconds": round(v["wall"], 2)}
                                        for m, v in site.items()}
    wall = time.perf_counter() - t0
    for r in results:
        if r.get("error"):
            print(f"quality: {r['set']} page {r['id']} unreadable: {r['error']}", file=sys.stderr)

    print(f"quality: {len(jobs)} pages in {wall:.0f} s wall ({pages_wall:.0f} s per-page methods, "
          f"{site_wall:.0f} s Dragnet site runs; {args.workers} workers)")
    # The times depend on the interpreter's build as much as on the code (Makefile: PYTHON)
    interpreter = f"{sys.executable} -> {os.path.realpath(sys.executable)} " \
        f"(Python {platform.python_version()})"
    print(f"interpreter: {interpreter}")
    print("scores: word 4-gram shingle sets (regex \\w+; letters as tokens in Han/Kana/Thai/Lao/"
          "Khmer/Myanmar), P/R/F1 per page then averaged; empty output = 0; empty gold = not "
          "scored. emptied = pages with no output token (cleanwire: rejected). ms/page: CPU time "
          "per call in the worker.")
    print("methods:")
    for m in methods:
        print(f"   {m:<25} {q.METHOD_NOTES.get(m, '?')}")
    report: dict = {"sets": {}, "info": info, "interpreter": interpreter,
                    "wall_seconds": round(wall, 1),
                    "workers": args.workers, "methods": {m: q.METHOD_NOTES.get(m, "")
                                                        for m in methods}}
    order = {m: i for i, m in enumerate(methods)}
    if "trafilatura-eval" in info:
        rows = [r for r in results if r["set"] == "trafilatura-eval"]
        report["sets"]["trafilatura-eval"] = print_table(
            f"trafilatura-eval: {len(rows)} pages (one per site), fragments and a proxy",
            rows, page_methods, "trafilatura-eval",
            ["F1~ P~ R~: PROXY gold = trafilatura's extraction without comments (>= 50 words; "
             f"{sum(1 for r in rows if any((x.get('prf') is not None) for x in r['m'].values()))}"
             " pages); rewards agreeing with trafilatura",
             "with kept / w/o gone: fragment shares, micro-averaged; held-out = 1 page in 5"])
        report.setdefault("speed", {})["trafilatura-eval"] = print_speed(
            report["sets"]["trafilatura-eval"])
        if args.show_misses:
            m = "cleanwire-text"
            worst = sorted((r for r in rows if m in r["m"]),
                           key=lambda r: -(2 * len(r["m"][m]["misses"][0])
                                           + len(r["m"][m]["misses"][1])))
            for r in worst[: args.show_misses]:
                lost, kept = r["m"][m]["misses"]
                if lost or kept:
                    print(f"\n== {r['id']} [{r['split']}]")
                    for f in lost:
                        print(f"   LOST  {f[:100]!r}")
                    for f in kept:
                        print(f"   KEPT  {f[:100]!r}")
    if "dragnet" in info:
        rows = [r for r in results if r["set"] == "dragnet"]
        d = info["dragnet"]
        notes = [f"split by site: {DRAGNET_RULE}; {d['split']} sites: {d['sites']}, pages: "
                 f"{d['pages']}; gold = gold/ID.txt.gz (title included)"]
        no_gold = sum(1 for r in rows if r["m"] and all(x.get("prf") is None
                                                        for x in r["m"].values()))
        if no_gold:
            notes.append(f"{no_gold} pages with an empty gold are not scored")
        if "site_runs" in d:
            notes.append("+site: run_ingest over raw/<domain>/ID.txt or ID.html (2nd = the same folder with "
                         "--reprocess '*'); ms/page = the run's WALL time (start-up included, "
                         "machine load too) / pages; runs: " + ", ".join(
                             f"{m} {v['run_seconds']} s" for m, v in d["site_runs"].items()))
        ms = sorted((m for m in methods if any(m in r["m"] for r in rows)), key=order.get)
        report["sets"]["dragnet"] = print_table(
            f"dragnet {d['split']} sites: {d['pages']} pages of {d['sites']} sites", rows, ms,
            "dragnet", notes)
        report.setdefault("speed", {})["dragnet"] = print_speed(report["sets"]["dragnet"])
        for m, fig in report["sets"]["dragnet"].items():
            outs = Counter(r["m"][m].get("outcome") for r in rows if m in r["m"])
            if None not in outs:
                fig["outcomes"] = dict(outs)
                print(f"   {m} outcomes: " + ", ".join(f"{k} {v}" for k, v in outs.most_common()))
        if "site_runs" in d:
            report["sets"]["dragnet-site-subsets"] = site_subsets(rows, dragnet_pages)
    if "udhr" in info:
        rows = [r for r in results if r["set"] == "udhr" and r["m"]]
        langs = len({r["lang"] for r in rows})
        figs = print_table(
            f"udhr: {len(rows)} documents, {langs} language tags, "
            f"{sum(r['paras'] for r in rows)} paragraphs", rows, page_methods, "udhr",
            ["gold = headings + paragraphs; text mode reads the visible text one block a line",
             "paras lost: <p> not found whole and < half its 4-grams in the output; cut: not "
             "whole, >= half"])
        report.setdefault("speed", {})["udhr"] = print_speed(figs)
        for m in ("cleanwire-text", "cleanwire-html", "justext-lang", "trafilatura-nocomments"):
            if m not in figs:
                continue
            loss = udhr_losses(rows, m)
            figs[m]["losses"] = loss
            print(f"   {m}: {figs[m]['paras_lost']} of {figs[m]['paras']} paragraphs lost and "
                  f"{figs[m]['paras_cut']} cut, in {loss['languages_with_loss']} language tags; "
                  f"{len(loss['emptied'])} documents emptied"
                  + (f" ({', '.join(loss['emptied'][:20])})" if loss["emptied"] else ""))
            if loss["languages"]:
                print("     top (paragraphs lost + cut): "
                      + ", ".join(f"{k} {v}" for k, v in loss["languages"]))
            if loss["scripts"]:
                print("     by script (lost+cut/paras, emptied/docs): " + ", ".join(
                    f"{k.lower()} {v[0]}+{v[1]}/{v[2]} {v[4]}/{v[3]}"
                    for k, v in loss["scripts"].items()))
        report["sets"]["udhr"] = figs
    if args.worst:
        for name in info:
            print(f"\n== {name}: the {args.worst} pages with the lowest F1 of {args.worst_method}")
            print_worst([r for r in results if r["set"] == name], args.worst_method, args.worst)
    if args.json:
        report["pages"] = {
            name: {r["id"]: {m: {"prf": x.get("prf"), "empty": x["empty"],
                                 "ms": round(x["ms"], 2),
                                 **({"lost": x["lost"], "cut": x["cut"]} if "lost" in x else {}),
                                 **({"outcome": x["outcome"]} if "outcome" in x else {})}
                             for m, x in r["m"].items()}
                   for r in results if r["set"] == name}
            for name in info}
        Path(args.json).write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n",
                                   encoding="utf-8")
        print(f"\nfigures saved to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
