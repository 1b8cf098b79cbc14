"""HTML mode: each trafilatura option and text-pass choice, measured on both dev sets (issue 15).

    .venv/bin/python bench/html_options.py [--data DIR] [--only NAME,...] [--limit N]
                                           [--sets dragnet,trafilatura] [--workers N] [--worst N]

Prints one row per option set:
- Dragnet (DATA/dragnet: html/ID.html.gz, gold/ID.txt.gz, index.jsonl): shingle F1, precision
  and recall over word 4-grams against the gold body, per page, averaged, on the train sites and
  on the test sites. Sites are split by a hash of the domain (`dragnet_split`): half the sites
  are test, never looked at when choosing. A page with an empty output scores P = R = F1 = 0.
- trafilatura-eval (DATA/trafilatura-eval: cases.jsonl, html/ID.html.gz): share of the `with`
  fragments kept and of the `without` ones gone, micro-averaged, matched as in bench/quality.py
  (NFKC, lower case, whitespace collapsed, substring).
- ms/page: the extraction call alone, on the decoded page (the pipeline's decode step, the same
  text for every option set), mean over both sets' pages; x-traf: that over plain
  `trafilatura.extract` with its defaults (comments on) on the same pages.

cleanwire's output is scored as the pipeline writes it: title, then the text (the gold bodies
hold the title; bench/quality.py scores cleanwire-html the same way); plain trafilatura's as
`extract` returns it.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
import unicodedata
from collections.abc import Callable
from multiprocessing import Pool
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from qualitylib import dragnet_split  # noqa: E402  (the one site split every bench uses)

NGRAM = 4


def norm(s: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", s).split()).lower()


def ngrams(text: str) -> set[tuple[str, ...]]:
    w = norm(text).split()
    return {tuple(w[i:i + NGRAM]) for i in range(len(w) - NGRAM + 1)}


# -- the option sets ------------------------------------------------------------------------
def _traf(**kw) -> Callable[[str, str | None], str]:
    def run(html: str, url: str | None) -> str:
        import trafilatura

        return trafilatura.extract(html, url=url, **kw) or ""
    return run


# cleanwire's configuration before issue 15: every "cw" option set is this plus its changes, so
# the rows keep their meaning whatever cleaners/html.py's defaults become.
BEFORE = {"favor_precision": False, "favor_recall": False, "fast": False, "include_tables": True,
          "deduplicate": False, "text_pass_kind": None, "comments_apart": False,
          "head_pass": False}


# -- text-pass kinds measured here and not kept in cleaners/html.py (no gain) ------------------
# Line rules of the text pass that describe a paragraph a page's article body keeps (a byline, a
# date alone): never applied to extracted paragraphs.
_KEEP_REASONS = frozenset({"byline", "dateline", "author-bio"})


def _rules_pass(paras: list[str]) -> list[str]:
    from cleaners.boilerplate.rules import match_rule, rules

    r = rules()
    out = []
    for p in paras:
        t = " ".join(p.split())
        reason = match_rule(t, len(t.split()), r) if t else None
        if reason is None or reason in _KEEP_REASONS:
            out.append(p)
    return out


_TIME = re.compile(r"(?<![\w:.])\d{1,2}:\d{2}(?![\w:])")
COMMENT_HEADER_WORDS = 12
# An excerpt of another post, cut short: "... each one has a rid [...]".
_TEASER = re.compile(r"\[(?:\.\.\.|…)\]\s*$")


def _is_comment_header(t: str, n: int) -> bool:
    """A short paragraph with a date or a clock time: "Maria July 7, 2012 at 2:31 pm",
    "Posted by: tj at October 29, 2012 06:10 PM", "Brendan Dowling 07.23.12 at 14:56"."""
    from cleaners.dates import DATE_RE

    return 0 < n <= COMMENT_HEADER_WORDS and bool(DATE_RE.search(t) or _TIME.search(t))


def _comments_pass(paras: list[str], min_words: int = 50) -> list[str]:
    """Cut at the first of two or more dated short paragraphs, each followed by a longer one,
    with min_words of text above: the headers of a comment thread."""
    norm = [" ".join(p.split()) for p in paras]
    words = [len(t.split()) for t in norm]
    heads = [i for i, t in enumerate(norm)
             if _is_comment_header(t, words[i]) and i + 1 < len(norm)
             and words[i + 1] > words[i] and not _is_comment_header(norm[i + 1], words[i + 1])]
    for k, i in enumerate(heads):
        if sum(words[:i]) >= min_words and len(heads) - k >= 2:
            return paras[:i]
    return paras




# Applied after cleaners/html.py's own kinds (cells, tail), in this order.
BENCH_KINDS = ("teaser", "comments", "rules")


def _bench_pass(text: str, kinds: list[str]) -> str:
    from cleaners.boilerplate import clean_text

    if "clean_text" in kinds:
        res = clean_text(text)
        return "\n".join([*([res.title] if res.title else []), *res.paragraphs])
    paras = text.split("\n")
    if "teaser" in kinds:
        paras = [p for p in paras if not _TEASER.search(p)]
    if "comments" in kinds:
        paras = _comments_pass(paras)
    if "rules" in kinds:
        paras = _rules_pass(paras)
    return "\n".join(paras)


def _cw(**kw) -> Callable[[str, str | None], str]:
    """cleaners.html.extract_html with BEFORE and these changes (title, then text); the kinds
    of text pass the product does not have run here, after its own."""
    def run(html: str, url: str | None) -> str:
        from cleaners.html import extract_html

        options = BEFORE | kw
        kinds = (options["text_pass_kind"] or "").split("+")
        options["text_pass_kind"] = "+".join(k for k in kinds if k in ("cells", "chrome", "tail")) or None
        page = extract_html(html, url, **options)
        text = page.text
        if extra := [k for k in kinds if k in (*BENCH_KINDS, "clean_text")]:
            text = _bench_pass(text, extra)
        return "\n".join(x for x in (page.title, text) if x)
    return run


def _cw_notitle(html: str, url: str | None) -> str:
    from cleaners.html import extract_html

    return extract_html(html, url, **BEFORE).text


OPTIONS: dict[str, Callable[[str, str | None], str]] = {
    "traf-default": _traf(),
    "traf-nocomments": _traf(include_comments=False),
    "traf-nocomments-fast": _traf(include_comments=False, fast=True),
    "traf-nocomments-precision": _traf(include_comments=False, favor_precision=True),
    "cw-before": _cw(),
    "cw-before-notitle": _cw_notitle,
    "cw-now": lambda html, url: _now(html, url),  # cleaners/html.py's defaults as they are
}


def _now(html: str, url: str | None) -> str:
    from cleaners.html import extract_html

    page = extract_html(html, url)
    return "\n".join(x for x in (page.title, page.text) if x)
# further option sets are added below as cleaners/html.py grows its switches
EXTRA: dict[str, dict] = {
    # trafilatura's switches, one at a time
    "cw+precision": {"favor_precision": True},
    "cw+recall": {"favor_recall": True},
    "cw+fast": {"fast": True},
    "cw+precision+fast": {"favor_precision": True, "fast": True},
    "cw-tables": {"include_tables": False},
    "cw+dedup": {"deduplicate": True},
    "cw+comments_apart": {"comments_apart": True},
    # the text pass, one kind at a time (cleaners/html.py: text_pass)
    "cw+tail": {"text_pass_kind": "tail"},
    "cw+cells": {"text_pass_kind": "cells"},
    "cw+headers": {"text_pass_kind": "comments"},
    "cw+teaser": {"text_pass_kind": "teaser"},
    "cw+rules": {"text_pass_kind": "rules"},
    "cw+clean_text": {"text_pass_kind": "clean_text"},
    # combinations
    "cw+recall+fast": {"favor_recall": True, "fast": True},
    "cw+recall+fast+tail": {"favor_recall": True, "fast": True, "text_pass_kind": "tail"},
    "cw+recall+fast-tables+tail": {"favor_recall": True, "fast": True, "include_tables": False,
                                   "text_pass_kind": "tail"},
    "cw+recall+fast+cells+tail": {"favor_recall": True, "fast": True,
                                  "text_pass_kind": "cells+tail"},
    "cw+recall+cells+tail": {"favor_recall": True, "text_pass_kind": "cells+tail"},
    "cw+recall+fast+cells+tail+headers": {"favor_recall": True, "fast": True,
                                          "text_pass_kind": "cells+tail+comments"},
    "cw+recall+fast+cells+tail+rules": {"favor_recall": True, "fast": True,
                                        "text_pass_kind": "cells+tail+rules"},
    "cw+precision+fast+cells+tail": {"favor_precision": True, "fast": True,
                                     "text_pass_kind": "cells+tail"},
    # the head pass (headline, byline, standfirst from the page's tree), alone and with the rest
    "cw+head": {"head_pass": True},
    "cw+recall+head": {"favor_recall": True, "head_pass": True},
    "cw+cells+tail+head": {"text_pass_kind": "cells+tail", "head_pass": True},
    "cw+recall+cells+tail+head": {"favor_recall": True, "text_pass_kind": "cells+tail",
                                  "head_pass": True},
    # the furniture line rules (cleaners/html.py: CHROME_REASONS) before the tail pass
    "cw+recall+cells+chrome+tail+head": {"favor_recall": True, "text_pass_kind": "cells+chrome+tail",
                                         "head_pass": True},
}


def option_sets() -> dict[str, Callable[[str, str | None], str]]:
    import inspect

    from cleaners.html import extract_html

    params = inspect.signature(extract_html).parameters
    out = dict(OPTIONS)
    for name, kw in EXTRA.items():
        if all(k in params for k in kw):
            out[name] = _cw(**kw)
    return out


# -- the pages ------------------------------------------------------------------------------
def load_pages(data: Path, sets: list[str], limit: int | None) -> list[dict]:
    pages: list[dict] = []
    if "dragnet" in sets and (data / "dragnet" / "index.jsonl").exists():
        base = data / "dragnet"
        rows = [json.loads(x) for x in (base / "index.jsonl").read_text().splitlines() if x]
        for row in rows[:limit]:
            gold = gzip.decompress((base / "gold" / f"{row['id']}.txt.gz").read_bytes())
            pages.append({"set": "dragnet", "id": row["id"], "url": row.get("url") or None,
                          "split": dragnet_split(row.get("domain") or row["id"]),
                          "html": str(base / "html" / f"{row['id']}.html.gz"),
                          "gold": gold.decode("utf-8", "replace")})
    if "trafilatura" in sets and (data / "trafilatura-eval" / "cases.jsonl").exists():
        base = data / "trafilatura-eval"
        rows = [json.loads(x) for x in (base / "cases.jsonl").read_text().splitlines() if x]
        for row in rows[:limit]:
            pages.append({"set": "trafilatura", "id": row["id"], "url": row.get("url") or None,
                          "html": str(base / "html" / f"{row['id']}.html.gz"),
                          "with": row["with"], "without": row["without"]})
    return pages


_WARM = False


def score_page(job: tuple[dict, list[str]]) -> dict:
    page, names = job
    from cleaners.decode import decode

    html = decode(gzip.decompress(Path(page["html"]).read_bytes()), html=True, fix=False).text
    sets = option_sets()
    gold = ngrams(page["gold"]) if page["set"] == "dragnet" else None
    out: dict = {"set": page["set"], "id": page["id"], "split": page.get("split"), "r": {}}
    global _WARM
    if not _WARM:  # imports and first-call costs are nobody's time per page
        for name in names:
            try:
                sets[name](html, page["url"])
            except Exception:  # noqa: S110 - counted below
                pass
        _WARM = True
    for name in names:
        t0 = time.perf_counter()
        try:
            text = sets[name](html, page["url"])
        except Exception as exc:  # a crash is a page with nothing extracted
            print(f"{name} failed on {page['id']}: {exc!r}", file=sys.stderr)
            text = ""
        dt = time.perf_counter() - t0
        if gold is not None:
            got = ngrams(text)
            shared = len(got & gold)
            p = shared / len(got) if got else 0.0
            r = shared / len(gold) if gold else 0.0
            f = 2 * p * r / (p + r) if p + r else 0.0
            out["r"][name] = {"p": p, "r": r, "f": f, "t": dt}
        else:
            o = norm(text)
            kept = sum(norm(x) in o for x in page["with"])
            gone = sum(norm(x) not in o for x in page["without"])
            out["r"][name] = {"kept": kept, "nwith": len(page["with"]), "gone": gone,
                              "nwithout": len(page["without"]), "t": dt}
    return out


def _mean(xs: list[float]) -> float:
    return sum(xs) / len(xs) if xs else float("nan")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "dev")
    ap.add_argument("--only", help="comma-separated option sets (default: all)")
    ap.add_argument("--sets", default="dragnet,trafilatura")
    ap.add_argument("--limit", type=int, help="first N pages of each set")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--worst", type=int, default=0,
                    help="list the N Dragnet TRAIN pages where the first option set scores worst")
    args = ap.parse_args(argv)

    names = list(option_sets())
    if args.only:
        wanted = args.only.split(",")
        unknown = [n for n in wanted if n not in names]
        if unknown:
            ap.error(f"unknown option sets {unknown}; known: {names}")
        names = wanted
    if "traf-default" not in names:
        names.append("traf-default")  # the time reference
    pages = load_pages(args.data, args.sets.split(","), args.limit)
    jobs = [(p, names) for p in pages]
    if args.workers > 1:
        with Pool(args.workers) as pool:
            rows = pool.map(score_page, jobs, chunksize=4)
    else:
        rows = [score_page(j) for j in jobs]

    dn = [r for r in rows if r["set"] == "dragnet"]
    te = [r for r in rows if r["set"] == "trafilatura"]
    print(f"pages: dragnet {sum(r['split'] == 'train' for r in dn)} train, "
          f"{sum(r['split'] == 'test' for r in dn)} test; trafilatura-eval {len(te)}")
    ref = _mean([r["r"]["traf-default"]["t"] for r in rows]) * 1000
    print(f"{'option set':<26} {'train F1':>8} {'P':>5} {'R':>5}  {'TEST F1':>7} {'P':>5} {'R':>5}"
          f"  {'kept':>5} {'gone':>5}  {'ms/page':>7} {'x-traf':>6}")
    for n in names:
        def fpr(rs: list[dict], n: str = n) -> str:
            if not rs:
                return f"{'-':>8} {'-':>5} {'-':>5}"
            return (f"{_mean([r['r'][n]['f'] for r in rs]):>8.3f} "
                    f"{_mean([r['r'][n]['p'] for r in rs]):>5.3f} "
                    f"{_mean([r['r'][n]['r'] for r in rs]):>5.3f}")
        kept = sum(r["r"][n]["kept"] for r in te) / max(1, sum(r["r"][n]["nwith"] for r in te))
        gone = sum(r["r"][n]["gone"] for r in te) / max(1, sum(r["r"][n]["nwithout"] for r in te))
        ms = _mean([r["r"][n]["t"] for r in rows]) * 1000
        print(f"{n:<26} {fpr([r for r in dn if r['split'] == 'train'])}  "
              f"{fpr([r for r in dn if r['split'] == 'test'])}  {kept:>5.3f} {gone:>5.3f}  "
              f"{ms:>7.1f} {ms / ref:>6.2f}")
    if args.worst and names:
        n = names[0]
        train = sorted((r for r in dn if r["split"] == "train"), key=lambda r: r["r"][n]["f"])
        print(f"\nworst Dragnet train pages for {n}:")
        for r in train[:args.worst]:
            x = r["r"][n]
            print(f"  {r['id']:<14} F1 {x['f']:.3f} P {x['p']:.3f} R {x['r']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
