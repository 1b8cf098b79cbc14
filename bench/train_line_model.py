"""Train the line model (cleaners/data/line_model.json) on the dev set's train split.

    .venv/bin/python bench/train_line_model.py [DATA] [--cache DIR] [--no-tune]

Labels (train split only; the held-out split is only scored, never trained or tuned on):

- distant supervision, dense: trafilatura is run on each page's HTML (default, favor_precision
  and favor_recall settings) and its output is aligned with the page's text dump: a dump line
  found in an extraction (as a whole extracted line, or as a substring when it is long enough
  not to match by chance) is article there, a line found in none is boilerplate there. The soft
  label is the share of the three extractions that keep the line. Pages whose extraction does
  not align (an encoding the dump got wrong) give no distant labels. The extractions are cached
  under --cache (default /tmp/cleanwire-line-labels), so retraining takes a few seconds.
- the dev cases' fragments, sparse, weighted higher: a line holding a `with` fragment is
  article (1), one holding a `without` fragment is boilerplate (0); they override the above.
- Dragnet gold bodies, dense, on the Dragnet TRAIN sites only (bench/qualitylib.py's
  `dragnet_split`: sha1 of the domain, half the sites; the test sites are only scored): a line of
  a page's text dump is article (1) when at least half of its word 4-grams occur in the page's
  gold body, boilerplate (0) when fewer do; a line of 1-3 words is article when it is a whole
  line of the gold, unknown when it only occurs inside one, boilerplate otherwise.

Model: stage 1 = logistic regression over cleaners.boilerplate.FEATURE_NAMES (the line, its
neighbours, the main block; computed by cleaners.boilerplate.line_features); stage 2 = logistic
regression over the stage-1 probabilities of the neighbours (STAGE2_NAMES); then a two-state
Viterbi pass with a switch penalty. Threshold and switch penalty are chosen on the train splits:
among the settings that keep the trafilatura train split's `without gone` at the bar (TARGET),
those within F1_TIE of the best shingle F1 on the Dragnet train sites, and of them the one that
keeps most `with` fragments. Training is deterministic: numpy + scipy L-BFGS from zero weights,
no random state.

The model records its provenance: the data it read (path, file count, a hash of the sorted file
list and contents), the commit of the code (`-dirty` when the tree has changes), the settings
below and its scores on the train splits and on the held-out ones (the trafilatura held-out pages'
fragments, the Dragnet test sites' shingle F1/P/R; scored once, after tuning).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cleaners.boilerplate import (  # noqa: E402
    FEATURE_NAMES,
    STAGE2_NAMES,
    LineModel,
    clean_text,
    line_features,
)
from cleaners.boilerplate.model import MODEL, model_from_json, stage2_rows  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
import qualitylib as q  # noqa: E402
from quality import norm, split_of  # noqa: E402

FRAGMENT_WEIGHT = 5.0  # a hand-made label is worth five distant ones (those are ~89% right)
# Distant labels, two-fold CV inside the train split (--cv), threshold 0.5 / 0.4, no penalty:
#   fragments only                          0.893/0.841   0.910/0.805
#   + all distant lines, weight 0.2         0.904/0.815   0.924/0.773  (worse: mimics trafilatura
#                                                          on easy menu lines, misses hard ones)
#   + distant lines near prose, weight 0.3  0.890/0.849   0.911/0.812  (kept: slightly better)
DIST_WEIGHT = 0.3
DIST_NEAR = 3  # distant labels only for lines at most 3 lines from a prose line (the hard ones)
MIN_SUBSTRING_CHARS = 25  # shorter dump lines count as kept only when they are a whole line
MIN_ALIGNED_SHARE = 0.5  # a page whose extraction is not half found in the dump: no labels
L2 = 1e-3  # per-row weight decay (scaled by the number of rows): keeps rare flags sane
# Swept on the train splits with the penalties below. With the Dragnet labels, thresholds
# 0.3-0.4 kept the trafilatura train split's `without gone` under the bar (0.79-0.84) and a
# penalty of 0.5 beat 0.25 and 0 on the Dragnet train sites at every threshold (+0.005-0.015 F1):
# the sweep is 0.4 .. 0.6 with penalties 0.5 and 1.0 (a sweep costs ~40 s a setting).
THRESHOLDS = tuple(round(0.4 + 0.05 * i, 3) for i in range(5))
PENALTIES = (0.5, 1.0)  # Viterbi switch penalty; CV: 0.5+ trades kept for gone 1:1
TARGET = (0.95, 0.85)  # the bar: with kept, without gone
F1_TIE = 0.001  # Dragnet-train F1 differences below this are ties (see main)
# Tuning: the setting with the most `with` kept among those that meet the `without gone` bar (a
# user who asked for boilerplate removal wants it gone first); when none does, the one with the
# largest smaller margin to the bar.
VARIANTS = {"default": {}, "precision": {"favor_precision": True}, "recall": {"favor_recall": True}}


def load_cases(base: Path) -> list[dict]:
    return [json.loads(x) for x in (base / "cases.jsonl").read_text(encoding="utf-8").splitlines()
            if x]


def extractions(base: Path, cases: list[dict], cache: Path) -> dict[str, dict[str, str]]:
    """trafilatura's output per train page and setting, cached as JSON lines."""
    import trafilatura

    path = cache / f"traf-{trafilatura.__version__}.jsonl"
    done: dict[str, dict[str, str]] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            done[rec.pop("id")] = rec
    todo = [c for c in cases if c["id"] not in done]
    if todo:
        cache.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            for n, c in enumerate(todo):
                page = gzip.decompress((base / "html" / f"{c['id']}.html.gz").read_bytes())
                rec = {}
                for name, kw in VARIANTS.items():
                    try:
                        rec[name] = trafilatura.extract(page, url=c.get("url"),
                                                        include_comments=False, **kw) or ""
                    except Exception:  # noqa: BLE001 - a failed extraction gives no labels
                        rec[name] = ""
                done[c["id"]] = rec
                fh.write(json.dumps({"id": c["id"], **rec}) + "\n")
                if n % 100 == 0:
                    print(f"  trafilatura: {n}/{len(todo)}", file=sys.stderr)
    return done


def distant_labels(lines: list[str], ext: dict[str, str]) -> list[float | None]:
    """Soft label per (normalized) dump line: share of the extractions that keep it."""
    votes: list[list[float]] = [[] for _ in lines]
    default = norm(ext.get("default", ""))
    if not default:
        return [None] * len(lines)
    for name in VARIANTS:
        raw = ext.get(name, "")
        whole = norm(raw)
        if not whole:
            continue
        ext_lines = {norm(x) for x in raw.split("\n") if x.strip()}
        matched = 0
        marks = []
        for t in lines:
            if t in ext_lines or (len(t) >= MIN_SUBSTRING_CHARS and t in whole):
                marks.append(1.0)
                matched += len(t)
            elif t in whole:
                marks.append(None)  # a short line found inside a paragraph: unknown
            else:
                marks.append(0.0)
        if matched < MIN_ALIGNED_SHARE * len(whole):
            if name == "default":
                return [None] * len(lines)
            continue
        for v, m in zip(votes, marks, strict=True):
            if m is not None:
                v.append(m)
    return [sum(v) / len(v) if v else None for v in votes]


def collect(base: Path, cases: list[dict], ext: dict[str, dict[str, str]] | None):
    """Per page: feature vectors of its lines before the comment cut, targets and weights."""
    pages = []
    for case in cases:
        text = (base / "text" / f"{case['id']}.txt").read_text(encoding="utf-8")
        page = line_features(text)
        items, feats, cut = page.lines, page.rows, page.cut
        if not feats:  # no main block: the model is never run on this page
            pages.append(None)
            continue
        normed = [norm(it.text) for it in items[:cut]]
        soft = distant_labels(normed, ext[case["id"]]) if ext and case["id"] in ext else \
            [None] * cut
        w = [norm(f) for f in case["with"]]
        wo = [norm(f) for f in case["without"]]
        y = np.zeros(cut)
        sw = np.zeros(cut)
        prose = [k for k in range(cut) if items[k].prose]
        for k, t in enumerate(normed):
            if DIST_NEAR and soft[k] is not None and not any(abs(k - j) <= DIST_NEAR
                                                              for j in prose):
                soft[k] = None
            pos = any(f in t for f in w)
            neg = any(f in t for f in wo)
            if pos != neg:
                y[k], sw[k] = (1.0 if pos else 0.0), FRAGMENT_WEIGHT
            elif soft[k] is not None:
                y[k], sw[k] = soft[k], DIST_WEIGHT
        pages.append((np.array(feats[:cut], dtype=float), y, sw))
    return pages


DRAGNET_WEIGHT = 1.0  # a gold-aligned Dragnet line: dense and nearly always right
GOLD_SHARE = 0.5  # a line is article when this share of its 4-grams is in the gold body
# Tuning runs the real clean_text over both train splits for every setting, in this many
# worker processes.
WORKERS = 2


def gold_labels(lines: list[str], gold: str) -> list[float | None]:
    """The label of each dump line against a gold article body (see the module docstring)."""
    gold_sh = q.shingles(gold)
    gold_lines = {" ".join(q.tokens(x)) for x in gold.split("\n") if x.strip()}
    gold_all = f" {' '.join(q.tokens(gold))} "
    out: list[float | None] = []
    for line in lines:
        toks = q.tokens(line)
        if not toks:
            out.append(0.0)
        elif len(toks) >= q.SHINGLE:
            sh = q.shingles(toks)
            out.append(1.0 if len(sh & gold_sh) >= GOLD_SHARE * len(sh) else 0.0)
        elif " ".join(toks) in gold_lines:
            out.append(1.0)
        else:
            out.append(None if q.contained(toks, gold_all) else 0.0)
    return out


def dragnet_specs(folder: Path, split: str) -> list[dict]:
    return q.dragnet_pages(folder, split) if (folder / "index.jsonl").exists() else []


def dragnet_text(spec: dict) -> tuple[str, str]:
    return (q.decode(q.read_maybe_gz(Path(spec["text"]))),
            q.decode(q.read_maybe_gz(Path(spec["gold"]))))


def collect_dragnet(specs: list[dict]):
    """Per Dragnet page: feature vectors of its lines before the comment cut, gold labels."""
    pages = []
    for spec in specs:
        text, gold = dragnet_text(spec)
        page = line_features(text)
        if not page.rows or not gold.strip():
            continue
        cut = page.cut
        labels = gold_labels([it.text for it in page.lines[:cut]], gold)
        y = np.array([v if v is not None else 0.0 for v in labels])
        sw = np.array([DRAGNET_WEIGHT if v is not None else 0.0 for v in labels])
        pages.append((np.array(page.rows[:cut], dtype=float), y, sw))
    return pages


def _dragnet_page_score(job: tuple[dict, dict]) -> tuple[float, float, float, bool] | None:
    spec, raw = job
    text, gold = dragnet_text(spec)
    gold_sh = q.shingles(gold)
    if not gold_sh:
        return None
    r = clean_text(text, model=model_from_json(raw))
    out = q.shingles("\n".join([r.title or "", *r.paragraphs]))
    p, rec, f = q.prf(out, gold_sh)
    return p, rec, f, not out


def dragnet_scores(specs: list[dict], raw: dict, pool=None) -> dict:
    """Shingle P/R/F1 of clean_text with this model on these Dragnet pages (per page, averaged;
    bench/quality.py's measure) and the pages emptied."""
    jobs = [(s, raw) for s in specs]
    res = [x for x in (pool.map(_dragnet_page_score, jobs, chunksize=8) if pool else
                       map(_dragnet_page_score, jobs)) if x is not None]
    n = max(len(res), 1)
    return {"pages": len(res), "f1": round(sum(x[2] for x in res) / n, 4),
            "p": round(sum(x[0] for x in res) / n, 4), "r": round(sum(x[1] for x in res) / n, 4),
            "emptied": sum(x[3] for x in res)}


def fit(x: np.ndarray, y: np.ndarray, sw: np.ndarray) -> tuple[np.ndarray, float]:
    """Weighted logistic regression with soft targets; classes balanced by total weight."""
    pos = float((sw * y).sum())
    neg = float((sw * (1 - y)).sum())
    # balance: a positive target counts total/(2*pos), a negative one total/(2*neg)
    wp, wn = sw * (pos + neg) / (2 * pos), sw * (pos + neg) / (2 * neg)
    m = x.shape[0]
    xb = np.hstack([x, np.ones((m, 1))])

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = np.clip(xb @ theta, -30, 30)
        lp = -np.logaddexp(0, -z)  # log sigmoid
        ln = -np.logaddexp(0, z)  # log (1 - sigmoid)
        f = -(wp * y * lp + wn * (1 - y) * ln).sum() / m
        p = 1 / (1 + np.exp(-z))
        g = xb.T @ (wp * y * (p - 1) + wn * (1 - y) * p) / m
        reg = theta.copy()
        reg[-1] = 0.0
        return f + 0.5 * L2 * float(reg @ reg), g + L2 * reg

    res = minimize(loss, np.zeros(xb.shape[1]), jac=True, method="L-BFGS-B",
                   options={"maxiter": 500})
    return res.x[:-1], float(res.x[-1])


def stage2_of(pages, w, b: float):
    out = []
    for x, y, sw in pages:
        p1 = (1 / (1 + np.exp(-np.clip(x @ np.asarray(w) + b, -30, 30)))).tolist()
        out.append((np.array(stage2_rows(p1, x.tolist()), dtype=float), y, sw))
    return out


def stack(pages):
    return (np.vstack([p[0] for p in pages]), np.concatenate([p[1] for p in pages]),
            np.concatenate([p[2] for p in pages]))


def _fragment_page(job: tuple[Path, dict, LineModel | dict]) -> tuple[int, int, int, int]:
    base, c, model = job
    if isinstance(model, dict):
        model = model_from_json(model)
    r = clean_text((base / "text" / f"{c['id']}.txt").read_text(encoding="utf-8",
                                                                errors="replace"),
                   model=model)
    o = norm("\n".join([r.title or "", *r.paragraphs]))
    return (sum(norm(f) in o for f in c["with"]), len(c["with"]),
            sum(norm(f) not in o for f in c["without"]), len(c["without"]))


def fragment_scores(base: Path, cases: list[dict], model: LineModel | dict,
                    pool=None) -> tuple[float, float]:
    """The bench/quality.py figures of clean_text with this model on these pages: (with kept,
    without gone)."""
    jobs = [(base, c, model) for c in cases]
    res = list(pool.map(_fragment_page, jobs, chunksize=16) if pool else map(_fragment_page, jobs))
    wk, wt, og, ot = (sum(x[i] for x in res) for i in range(4))
    return wk / max(wt, 1), og / max(ot, 1)


def write_model(out: dict, path: Path = MODEL) -> None:
    path.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")


def data_digest(base: Path, pattern: str = "*") -> dict:
    """What the trainer read: the dev set's folder, its file count and the SHA-256 of its sorted
    file list with each file's content (cases.jsonl, text/, html/: a changed, added or removed
    page changes it)."""
    h = hashlib.sha256()
    files = sorted(p for p in base.rglob(pattern) if p.is_file())
    for p in files:
        h.update(p.relative_to(base).as_posix().encode() + b"\0")
        h.update(hashlib.sha256(p.read_bytes()).digest())
    try:
        shown = Path("..", base.resolve().relative_to(ROOT.parent)).as_posix()
    except ValueError:
        shown = str(base)
    return {"path": shown, "files": len(files), "sha256": h.hexdigest()}


def code_commit() -> str:
    """`git rev-parse HEAD` of the code that trained, "-dirty" when the tree has changes."""
    def git(*cmd: str) -> str:
        return subprocess.run(["git", *cmd], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()

    try:
        head = git("rev-parse", "HEAD")
        return head + ("-dirty" if git("--no-optional-locks", "status", "--porcelain") else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (no git)"


def provenance(base: Path, dragnet: Path, args: argparse.Namespace) -> dict:
    import trafilatura

    return {
        "data": data_digest(base),
        "dragnet_data": data_digest(dragnet) if dragnet.is_dir() else None,
        "commit": code_commit(),
        "settings": {
            "split": "held-out: sha1(case id)[0] % 5 == 0 (bench/quality.py split_of), never "
                     "trained or tuned on; train: the rest",
            "dragnet_split": "by site: test when sha1(domain without www.)[0] is even "
                             "(bench/qualitylib.py dragnet_split), never trained or tuned on; "
                             "train: the other sites",
            "dragnet_weight": DRAGNET_WEIGHT,
            "gold_share": GOLD_SHARE,
            "tuning": "among the thresholds and penalties that keep trafilatura-train `without "
                      "gone` >= target[1], those within f1_tie of the best Dragnet-train F1; of "
                      "them the one with the most trafilatura-train `with kept`",
            "f1_tie": F1_TIE,
            "seed": None,  # deterministic: L-BFGS-B from zero weights, no random state
            "optimizer": "scipy L-BFGS-B from zero weights, maxiter 500, balanced classes",
            "l2": L2,
            "fragment_weight": FRAGMENT_WEIGHT,
            "distant_labels": not args.no_distant,
            "distant_weight": DIST_WEIGHT,
            "distant_near": DIST_NEAR,
            "min_substring_chars": MIN_SUBSTRING_CHARS,
            "min_aligned_share": MIN_ALIGNED_SHARE,
            "trafilatura": trafilatura.__version__,
            "variants": VARIANTS,
            "tuned": not args.no_tune,
            "thresholds": list(THRESHOLDS),
            "penalties": list(PENALTIES),
            "target": list(TARGET),
        },
    }


def fold_of(case_id: str) -> int:
    """Two folds inside the train split (another byte of the same hash) for --cv."""
    import hashlib

    return hashlib.sha1(case_id.encode()).digest()[1] % 2


def train_pages(pages) -> dict:
    x, y, sw = stack([p for p in pages if p[2].any()])
    w, b = fit(x, y, sw)
    x2, y2, sw2 = stack([p for p in stage2_of(pages, w, b) if p[2].any()])
    w2, b2 = fit(x2, y2, sw2)
    return {
        "features": list(FEATURE_NAMES),
        "weights": [round(float(v), 5) for v in w],
        "bias": round(b, 5),
        "stage2_features": list(STAGE2_NAMES),
        "stage2_weights": [round(float(v), 5) for v in w2],
        "stage2_bias": round(b2, 5),
        "threshold": 0.5,
        "switch_penalty": 0.0,
        "train_lines": int((sw > 0).sum()),
        "train_fragment_lines": int((sw == FRAGMENT_WEIGHT).sum()),
    }


def cross_validate(base: Path, cases: list[dict], pages: list, settings) -> None:
    """Train on one fold of the train split, score the other, for each (threshold, penalty)."""
    res: dict = {}
    for f in (0, 1):
        model = train_pages([p for c, p in zip(cases, pages, strict=True) if fold_of(c["id"]) != f])
        other = [c for c in cases if fold_of(c["id"]) == f]
        for thr, pen in settings:
            model["threshold"], model["switch_penalty"] = thr, pen
            k, g = fragment_scores(base, other, model_from_json(model))
            n = sum(len(c["with"]) for c in other), sum(len(c["without"]) for c in other)
            acc = res.setdefault((thr, pen), [0.0, 0, 0.0, 0])
            acc[0] += k * n[0]
            acc[1] += n[0]
            acc[2] += g * n[1]
            acc[3] += n[1]
    for (thr, pen), (k, nk, g, ng) in res.items():
        print(f"  cv threshold {thr:.2f} penalty {pen:.1f}: {k / nk:.3f}/{g / ng:.3f}")


def main(argv: list[str] | None = None) -> int:  # noqa: C901, PLR0915
    global DIST_WEIGHT, DIST_NEAR, DRAGNET_WEIGHT
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", nargs="?", default=str(ROOT.parent / "shared" / "data" / "dev"))
    ap.add_argument("--cache", default="/tmp/cleanwire-line-labels",
                    help="where trafilatura's extractions of the train pages are cached")
    ap.add_argument("--no-tune", action="store_true",
                    help="keep threshold 0.5 / no switch penalty (skip the sweep)")
    ap.add_argument("--no-distant", action="store_true", help="fragment labels only")
    ap.add_argument("--no-dragnet", action="store_true",
                    help="train on the trafilatura-eval set only (no Dragnet gold labels)")
    ap.add_argument("--dist-weight", type=float, default=None)
    ap.add_argument("--dist-near", type=int, default=None)
    ap.add_argument("--workers", type=int, default=WORKERS)
    ap.add_argument("--dragnet-weight", type=float, default=None)
    ap.add_argument("--cv", action="store_true",
                    help="two-fold cross-validation inside the train split; writes nothing")
    args = ap.parse_args(argv)
    if args.dist_weight is not None:
        DIST_WEIGHT = args.dist_weight
    if args.dist_near is not None:
        DIST_NEAR = args.dist_near
    if args.dragnet_weight is not None:
        DRAGNET_WEIGHT = args.dragnet_weight
    data = Path(args.data)
    base = data / "trafilatura-eval" if (data / "trafilatura-eval").is_dir() else data
    dragnet = data / "dragnet"
    if not (base / "cases.jsonl").exists():
        print(f"train_line_model: no dev set at {base}; nothing to train.")
        return 0
    cases = load_cases(base)
    train_cases = [c for c in cases if split_of(c["id"]) == "train"]
    ext = None if args.no_distant else extractions(base, train_cases, Path(args.cache))
    dn_train = [] if args.no_dragnet else dragnet_specs(dragnet, "train")
    dn_test = [] if args.no_dragnet else dragnet_specs(dragnet, "test")

    tr_pages = collect(base, train_cases, ext)
    if args.cv:
        kept_cases = [c for c, p in zip(train_cases, tr_pages, strict=True) if p is not None]
        cross_validate(base, kept_cases, [p for p in tr_pages if p is not None],
                       [(t, p) for t in (0.3, 0.4, 0.5) for p in (0.0, 0.5)])
        return 0
    dn_pages = collect_dragnet(dn_train)
    out = {
        "about": "Two-stage logistic line model over cleaners.boilerplate.FEATURE_NAMES and "
                 "STAGE2_NAMES + Viterbi switch penalty; trained by bench/train_line_model.py on "
                 "the trafilatura-eval train split (dense labels aligned from trafilatura's "
                 "output on the HTML, overridden by the `with`/`without` fragments) and the "
                 "Dragnet train sites (every line labelled against the gold article body).",
        **train_pages([p for p in tr_pages if p is not None] + dn_pages),
        "train_dragnet_pages": len(dn_pages),
    }
    w = out["weights"]
    w2 = out["stage2_weights"]
    from multiprocessing import Pool

    with Pool(args.workers) as pool:
        if not args.no_tune:
            grid: list = []
            for thr in THRESHOLDS:
                for pen in PENALTIES:
                    out["threshold"], out["switch_penalty"] = thr, pen
                    kept, gone = fragment_scores(base, train_cases, dict(out), pool)
                    dn = dragnet_scores(dn_train, dict(out), pool) if dn_train else {"f1": kept}
                    print(f"  threshold {thr:.3f} penalty {pen:.2f}: trafilatura train "
                          f"{kept:.3f}/{gone:.3f}, dragnet train F1 {dn['f1']:.4f}",
                          file=sys.stderr)
                    grid.append((thr, pen, kept, gone, dn))
            # Among the settings that meet the bar, those within F1_TIE of the best Dragnet-train
            # F1 are equal (noise on 379 pages); of them, the one that keeps most `with`
            # fragments: deleting article text is the worse error. Without one that meets the
            # bar, the one closest to it.
            ok = [g for g in grid if g[3] >= TARGET[1]]
            if ok:
                top = max(g[4]["f1"] for g in ok)
                best = max((g for g in ok if g[4]["f1"] >= top - F1_TIE), key=lambda g: g[2])
            else:
                best = max(grid, key=lambda g: g[3])
            best = (None, *best)
            out["threshold"], out["switch_penalty"] = best[1], best[2]
            out["train_scores"] = [round(best[3], 4), round(best[4], 4)]
            if dn_train:
                out["train_dragnet_scores"] = best[5]
        # scored once, after every choice is made: the held-out pages never steer training
        held_out = [c for c in cases if split_of(c["id"]) == "held-out"]
        kept, gone = fragment_scores(base, held_out, dict(out), pool)
        out["held_out_scores"] = [round(kept, 4), round(gone, 4)]
        if dn_test:
            out["held_out_dragnet_scores"] = dragnet_scores(dn_test, dict(out), pool)
    out["provenance"] = provenance(base, dragnet, args)
    write_model(out)
    print({k: v for k, v in out.items() if k not in ("weights", "features", "about",
                                                     "stage2_weights", "stage2_features")})
    for name, wi in sorted(zip(FEATURE_NAMES, w, strict=True), key=lambda t: -abs(t[1]))[:25]:
        print(f"  {name:<24} {wi:+.3f}")
    for name, wi in zip(STAGE2_NAMES, w2, strict=True):
        print(f"  stage2 {name:<17} {wi:+.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
