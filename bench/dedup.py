"""Near-duplicate detection (cleaners/neardup.py): quality on a labeled set, then speed and memory.

    .venv/bin/python bench/dedup.py [--quick] [--pages N] [--scale N] [--skip-quality]
                                    [--skip-scale] [--batch N] [DATA]

1. Quality. A labeled set built from real text: tests/cases/seeds/ and, when present,
   DATA/trafilatura-eval/ (DATA defaults to ../shared/data/dev). Every text is a *clean* text, as
   the pipeline would index it. Positives (pairs that must be one document):
     html-vs-text   the same dev page as HTML (decode + extract_html) and as the text dump
                    (clean_text paragraphs)
     boilerplate    the text dump with another page's top and bottom lines around it (other
                    menus, widgets, comments), both cleaned with clean_text; for 002 another
                    donation widget and another comment section
     para-added     one paragraph (from another document) inserted in the middle
     para-cut       the middle paragraph removed (only when the text has >= 4 paragraphs)
     update-line    "Update (...): ..." line added at the top
     re-encoded     saved in a legacy charset (cp1252, cp1250, ...) with straight quotes, read
                    back with decode()
     mojibake       UTF-8 read as Latin-1, repaired by decode() (ftfy)
     syndicated     wire dateline prefix + copyright line added
   Negatives (pairs that must stay two):
     seeds          every pair of the five seeds (001 vs 003: same strikes, shared quotes)
     same-site      dev pages from the same site
     dragnet-site   DATA/dragnet/: two pages of one site (different articles sharing the site's
                    template), each as HTML (extract_html) and as text dump (clean_text): all four
                    pairings of the two forms, so a dump that kept the template is compared with
                    its sibling's dump and clean article (containment must not merge them);
                    dragnet-site-x are the pairings of an HTML page and a dump (signed with
                    their forms: CROSS_FORM_THRESHOLD), as html-vs-text is
     corpus         all clean texts of distinct pages in one index: every match is a false
                    positive (N*(N-1)/2 implicit pairs), except the reviewed pairs of
                    DEV_DUPLICATES (the dev set's own near duplicates: true positives).
                    Pages with the same normalized text are exact duplicates (caught by the
                    exact-hash index before this one): one of them is kept.
   A pair counts as matched when NearDupIndex.match_and_add([(a, sa), (b, sb)]) matches b to a:
   the banding and the THRESHOLD (CROSS_FORM_THRESHOLD for an HTML page and a dump) together,
   as the pipeline decides.
2. Scale. signature() per second on one core; NearDupIndex.match_and_add on synthetic signatures
   (5% planted near duplicates) at 100k and --scale documents, in a child process (peak memory =
   its ru_maxrss), in a temp dir deleted afterwards. One transaction per 100k documents (a run).
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import random
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cleaners import neardup  # noqa: E402
from cleaners.document import content_hash  # noqa: E402
from cleaners.neardup import signature, similarity  # noqa: E402
from running.nearindex import NearDupIndex  # noqa: E402

SEEDS = ROOT / "tests" / "cases" / "seeds"
MIN_WORDS = 50  # dev pages whose clean text is shorter are no article: not labeled
# Near duplicates found in the dev set itself and reviewed by hand: the same press release of the
# Forum Waffenrecht on the Heidelberg shooting, once as published, once retold in indirect speech
# by DJV (estimated Jaccard ~0.5, true 0.47). Syndication: downstream should see it once.
DEV_DUPLICATES = {frozenset({"djz.de-amoklauf", "jagdverband.de-erschuettert"})}
# Dragnet pages that are one article twice (reviewed, as in bench/forms.py): no negatives.
DRAGNET_SAME = {frozenset(p) for p in (("dragnet-R419", "dragnet-R420"),
                                       ("dragnet-R491", "dragnet-R492"))}


# -- the labeled set ----------------------------------------------------------------------------
def _clean(dump: str) -> str:
    from cleaners.boilerplate import clean_text

    return "\n".join(clean_text(dump).paragraphs)


def _from_html(data: bytes) -> str:
    from cleaners.decode import decode, fix_text
    from cleaners.html import extract_html

    text = extract_html(decode(data, html=True, fix=False).text).text
    return fix_text(text)[0]


def _site(case: dict) -> str:
    url = case.get("url") or ""
    m = re.match(r"https?://web\.archive\.org/web/\w+/(?:https?://)?([^/]+)", url)
    host = m.group(1) if m else urlparse(url).netloc
    if not host:
        host = re.split(r"[.-](?=[^.]*$)", case["id"])[0]
    return host.lower().removeprefix("www.")


def _reencoded(text: str) -> str:
    """Saved in a legacy charset (the first that holds the text, else cp1252 with "?" for what it
    can't), curly quotes straightened, and read back by the pipeline's decode()."""
    from cleaners.decode import decode

    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2019", "'")
    for charset in ("cp1252", "cp1250", "iso-8859-2", "cp1251"):
        try:
            return decode(text.encode(charset)).text
        except UnicodeEncodeError:
            continue
    return decode(text.encode("cp1252", errors="replace")).text


def _mojibake(text: str) -> str:
    """UTF-8 bytes read as Latin-1 by a broken scraper, repaired by decode() (ftfy)."""
    from cleaners.decode import decode

    return decode(text.encode("utf-8").decode("latin-1").encode("utf-8")).text


def _variants(text: str, dump: str | None, other: str, other_dump: str | None,
              rng: random.Random) -> list[tuple[str, str]]:
    """(kind, variant) positives of one clean text."""
    paras = [p for p in text.split("\n") if p.strip()]
    extra = max((p for p in other.split("\n")), key=len, default="")[:600]
    out = []
    if dump is not None and other_dump is not None:
        o = [x for x in other_dump.split("\n") if x.strip()]
        out.append(("boilerplate", _clean("\n".join(o[:8] + dump.split("\n") + o[-8:]))))
    mid = len(paras) // 2
    out.append(("para-added", "\n".join(paras[:mid] + [extra] + paras[mid:])))
    if len(paras) >= 4:
        out.append(("para-cut", "\n".join(paras[:mid] + paras[mid + 1:])))
    out.append(("update-line", "Update (" + rng.choice(["10:42", "14:05", "09:17"]) + "): "
                "This article has been updated with new information.\n" + text))
    out.append(("re-encoded", _reencoded(text)))
    out.append(("mojibake", _mojibake(text)))
    out.append(("syndicated", "WASHINGTON (AP) — " + text + "\nCopyright 2024 The Associated "
                "Press. All rights reserved. This material may not be published, broadcast, "
                "rewritten or redistributed."))
    return out


def _seed_002_rescrape() -> tuple[str, str]:
    """002 and a re-scrape of it: another donation widget, another comment section."""
    raw = next(SEEDS.glob("002_*.txt")).read_text(encoding="utf-8")
    body = raw[raw.index("NOVEMBER 2024"):raw.index("Subscribe\nNotify of")]
    widget = "10 $\n50 $\n100 $\n500 $\nDonate now\nDECEMBER 2024\n"
    comments = ("Subscribe\nNotify of\nguest\n5 Comments\nOldest\nNewest Most Voted\n"
                "Inline Feedbacks\nView all comments\nRandomReader\n\nThe coalition should leave"
                " the region before the situation gets any worse for everybody involved.\n\n3\n1\n"
                "Would love your thoughts, please comment.x\n")
    rescrape = widget + body.replace("NOVEMBER 2024\n", "") + comments
    return _clean(raw), _clean(rescrape)


def build_labeled(data: Path | None, pages: int, seed: int = 1):
    """(positives, negatives, corpus): pairs are (kind, a, b); corpus = clean texts of distinct
    documents."""
    rng = random.Random(seed)
    seeds = {p.name[:3]: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}
    seed_clean = {k: _clean(v) for k, v in seeds.items()}
    pos, neg = [], []
    a, b = _seed_002_rescrape()
    pos.append(("boilerplate", a, b))
    keys = sorted(seed_clean)
    for i, k in enumerate(keys):
        other = keys[(i + 1) % len(keys)]
        for kind, v in _variants(seed_clean[k], None, seed_clean[other], None, rng):
            pos.append((kind, seed_clean[k], v))
    for x, y in itertools.combinations(keys, 2):
        neg.append(("seeds", seed_clean[x], seed_clean[y]))
    corpus = {f"seed-{k}": v for k, v in seed_clean.items()}
    root = data / "trafilatura-eval" if data else None
    if root and (root / "cases.jsonl").exists():
        cases = [json.loads(line) for line in (root / "cases.jsonl").open(encoding="utf-8")]
        cases.sort(key=lambda c: c["id"])
        texts, dumps = {}, {}
        for c in cases:
            dump = (root / "text" / f"{c['id']}.txt").read_text(encoding="utf-8", errors="replace")
            clean = _clean(dump)
            if len(clean.split()) >= MIN_WORDS:
                texts[c["id"]], dumps[c["id"]] = clean, dump
        corpus.update(texts)
        by_site: dict[str, list[str]] = {}
        for c in cases:
            if c["id"] in texts:
                by_site.setdefault(_site(c), []).append(c["id"])
        for ids in by_site.values():
            for x, y in itertools.combinations(ids, 2):
                neg.append(("same-site", texts[x], texts[y]))
        ids = sorted(texts)
        chosen = rng.sample(ids, min(pages, len(ids)))
        for i, cid in enumerate(chosen):
            other = chosen[(i + 1) % len(chosen)]
            html = gzip.decompress((root / "html" / f"{cid}.html.gz").read_bytes())
            try:
                from_html = _from_html(html)
            except Exception:  # noqa: BLE001 - a page trafilatura can't read is no label
                from_html = ""
            if len(from_html.split()) >= MIN_WORDS:
                pos.append(("html-vs-text", from_html, texts[cid]))
            for kind, v in _variants(texts[cid], dumps[cid], texts[other], dumps[other], rng):
                pos.append((kind, texts[cid], v))
    neg += dragnet_site_pairs(data)
    seen: set[str] = set()
    distinct = []
    for name, text in corpus.items():
        h = content_hash(text)
        if h not in seen:
            seen.add(h)
            distinct.append((name, text))
    neg = [(k, a, b) for k, a, b in neg if content_hash(a) != content_hash(b)]
    return pos, neg, distinct


def dragnet_site_pairs(data: Path | None) -> list[tuple[str, str, str]]:
    """Negatives: pages of one Dragnet site (different articles), each form against each."""
    root = data / "dragnet" if data else None
    if not root or not (root / "index.jsonl").exists():
        return []
    by_site: dict[str, list[str]] = {}
    for line in (root / "index.jsonl").open(encoding="utf-8"):
        r = json.loads(line)
        if r.get("domain"):
            by_site.setdefault(r["domain"].lower().removeprefix("www."), []).append(r["id"])
    forms: dict[str, list[str]] = {}
    for ids in by_site.values():
        for i in ids if len(ids) > 1 else ():
            dump = gzip.decompress((root / "text" / f"{i}.txt.gz").read_bytes()).decode(
                "utf-8", errors="replace")
            try:
                html = _from_html(gzip.decompress((root / "html" / f"{i}.html.gz").read_bytes()))
            except Exception:  # noqa: BLE001 - a page trafilatura can't read has one form
                html = ""
            forms[i] = [(t, form) for t, form in ((_clean(dump), "text"), (html, "html"))
                        if len(t.split()) >= MIN_WORDS]
    return [("dragnet-site" if fa == fb else "dragnet-site-x", a, b)
            for ids in by_site.values()
            for x, y in itertools.combinations(ids, 2) if frozenset({x, y}) not in DRAGNET_SAME
            for a, fa in forms.get(x, ()) for b, fb in forms.get(y, ())]


# The forms of a pair's two texts, by kind (the others: one form, as the pipeline signs them):
# an HTML page's document and a text dump's are one from CROSS_FORM_THRESHOLD on.
CROSS_FORM_KINDS = {"html-vs-text", "dragnet-site-x"}


def _matched(a: str, b: str, cross_form: bool = False) -> tuple[bool, float]:
    db = sqlite3.connect(":memory:", isolation_level=None)
    idx = NearDupIndex(db)
    sa, sb = (signature(a, "html"), signature(b, "text")) if cross_form else (signature(a),
                                                                              signature(b))
    r = idx.match_and_add([("a", sa), ("b", sb)])
    db.close()
    return r[1] is not None, similarity(sa, sb)


def _jaccard(a: str, b: str) -> float:
    x, y = set(neardup.shingles(a)), set(neardup.shingles(b))
    return len(x & y) / max(1, len(x | y))


def quality(data: Path | None, pages: int) -> None:
    t0 = time.perf_counter()
    pos, neg, corpus = build_labeled(data, pages)
    print(f"labeled set: {len(pos)} positive pairs, {len(neg)} negative pairs, corpus of "
          f"{len(corpus)} distinct documents ({time.perf_counter() - t0:.1f} s to build)")
    rows: dict[str, list] = {}
    pos_est, neg_est = [], []
    false_pairs = []
    for label, pairs in (("+", pos), ("-", neg)):
        for kind, a, b in pairs:
            hit, est = _matched(a, b, kind in CROSS_FORM_KINDS)
            if hit and label == "-":
                false_pairs.append(f"\n  false match ({kind}, est {est:.3f}): {a[:50]!r} ~ "
                                   f"{b[:50]!r}")
            rows.setdefault(f"{label} {kind}", []).append((hit, est, _jaccard(a, b)))
            (pos_est if label == "+" else neg_est).append(est)
    print(f"{'kind':<16}{'pairs':>6}{'matched':>9}{'est min':>9}{'est med':>9}{'est max':>9}"
          f"{'true J min':>11}")
    for name, r in sorted(rows.items()):
        ests = sorted(e for _, e, _ in r)
        print(f"{name:<16}{len(r):>6}{sum(h for h, _, _ in r):>9}{ests[0]:>9.3f}"
              f"{ests[len(ests) // 2]:>9.3f}{ests[-1]:>9.3f}{min(j for _, _, j in r):>11.3f}")
    print("".join(false_pairs).lstrip("\n"))
    # The corpus: distinct pages through one index; any match is a false positive.
    db = sqlite3.connect(":memory:", isolation_level=None)
    idx = NearDupIndex(db)
    res = idx.match_and_add([(name, signature(t)) for name, t in corpus])
    db.close()
    found = {frozenset({name, m[0]}): m[1] for (name, _), m in zip(corpus, res, strict=True) if m}
    corpus_fp = {pair: s for pair, s in found.items() if pair not in DEV_DUPLICATES}
    known = [pair for pair in DEV_DUPLICATES if all(x in dict(corpus) for x in pair)]
    corpus_tp = sum(pair in found for pair in known)
    n = len(corpus)
    print(f"corpus: {n} distinct documents, {n * (n - 1) // 2} implicit negative pairs, "
          f"{len(corpus_fp)} false matches; reviewed dev near duplicates found {corpus_tp}/"
          f"{len(known)}" + "".join(f"\n  false match: {' ~ '.join(sorted(p))} est {s:.3f}"
                                    for p, s in sorted(corpus_fp.items(), key=str)[:5]))
    tp = sum(h for k, r in rows.items() if k.startswith("+") for h, _, _ in r) + corpus_tp
    fn = len(pos) + len(known) - tp
    fp = sum(h for k, r in rows.items() if k.startswith("-") for h, _, _ in r) + len(corpus_fp)
    precision = tp / max(1, tp + fp)
    recall = tp / max(1, tp + fn)
    print(f"THRESHOLD {neardup.THRESHOLD} (an HTML page and a dump: "
          f"{getattr(neardup, 'CROSS_FORM_THRESHOLD', None)}), "
          f"CONTAINMENT {getattr(neardup, 'CONTAINMENT', None)} "
          f"(from Jaccard {getattr(neardup, 'CONTAINMENT_MIN_JACCARD', None)}; an HTML page and "
          f"a dump: {getattr(neardup, 'CROSS_FORM_CONTAINMENT', None)} from "
          f"{getattr(neardup, 'CROSS_FORM_CONTAINMENT_MIN_JACCARD', None)}), "
          f"{neardup.BANDS} bands x {neardup.ROWS} rows, "
          f"{neardup.SHINGLE_WORDS}-word shingles, {neardup.NUM_PERM} permutations")
    print(f"precision {precision:.4f} (target >= 0.99)  recall {recall:.4f} (target >= 0.90)  "
          f"TP {tp} FN {fn} FP {fp}")
    print("threshold sweep on the explicit pairs (estimate only, banding ignored):")
    for t in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        tp_t = sum(e >= t for e in pos_est)
        fp_t = sum(e >= t for e in neg_est)
        print(f"  {t:.1f}: recall {tp_t / max(1, len(pos_est)):.3f}  false positives {fp_t}")


# -- scale --------------------------------------------------------------------------------------
def signature_speed(seconds: float = 2.0) -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    five_kb = (texts[2] * 4)[:5000]
    for label, sample in (("5 KB article", [five_kb]), ("seeds (2.5-6 KB)", texts)):
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds / 2:
            for t in sample:
                signature(t)
            n += len(sample)
        dt = time.perf_counter() - t0
        print(f"signature(): {n / dt:,.0f} per second on one core, {dt / n * 1e3:.3f} ms each "
              f"({label})")


def _synthetic(n_docs: int, start: int, rng: random.Random, planted: list) -> list:
    """Random signatures; 5% are an earlier one with 20% of the values changed (J ~ 0.67)."""
    items = []
    width = 2 * neardup.NUM_PERM
    for i in range(start, start + n_docs):
        if planted and rng.random() < 0.05:
            j, sig = planted[rng.randrange(len(planted))]
            b = bytearray(sig)
            for p in rng.sample(range(neardup.NUM_PERM), neardup.NUM_PERM // 5):
                b[2 * p:2 * p + 2] = rng.randbytes(2)
            items.append((f"doc{i}", bytes(b), j))
        else:
            sig = rng.randbytes(width)
            if len(planted) < 10000:
                planted.append((f"doc{i}", sig))
            elif rng.random() < 0.01:
                planted[rng.randrange(len(planted))] = (f"doc{i}", sig)
            items.append((f"doc{i}", sig, None))
    return items


def _peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec, so a
    child would report its parent's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def index_child(n_docs: int, folder: str, batch: int) -> None:
    """Build an index of n_docs synthetic documents; print one JSON line of figures."""
    rng = random.Random(7)
    db = sqlite3.connect(os.path.join(folder, "state.sqlite"), isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    idx = NearDupIndex(db)
    run = 100_000
    planted: list = []
    found = planted_n = wrong = 0
    t_all = time.perf_counter()
    last = {}
    for run_start in range(0, n_docs, run):
        db.execute("BEGIN")
        size = min(run, n_docs - run_start)
        t_run, ops0 = time.perf_counter(), idx.lookups + idx.inserts
        for s in range(0, size, batch):
            items = _synthetic(min(batch, size - s), run_start + s, rng, planted)
            res = idx.match_and_add([(i, sig) for i, sig, _ in items])
            for (_, _, truth), r in zip(items, res, strict=True):
                if truth is not None:
                    planted_n += 1
                    found += r is not None and r[0] == truth
                elif r is not None:
                    wrong += 1
        db.execute("COMMIT")
        dt = time.perf_counter() - t_run
        last = {"docs_per_s": size / dt, "ops_per_s": (idx.lookups + idx.inserts - ops0) / dt}
    total = time.perf_counter() - t_all
    db.close()
    size_mb = sum(f.stat().st_size for f in Path(folder).iterdir()) / 1e6
    print(json.dumps({
        "docs": n_docs, "seconds": total, "docs_per_s": n_docs / total,
        "ops_per_s": (idx.lookups + idx.inserts) / total, "last_run": last,
        "lookups": idx.lookups, "inserts": idx.inserts,
        "planted": planted_n, "planted_found": found, "false_matches": wrong,
        "maxrss_mb": _peak_rss_mb(),
        "db_mb": size_mb,
    }))


def index_scale(n_docs: int, batch: int) -> None:
    folder = tempfile.mkdtemp(prefix="cleanwire-dedup-")
    try:
        out = subprocess.run([sys.executable, __file__, "--_index-child", str(n_docs), folder,
                              "--batch", str(batch)], check=True, capture_output=True, text=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"index at {r['docs']:,} documents (batches of {batch}): {r['seconds']:.1f} s, "
          f"{r['docs_per_s']:,.0f} documents/s, {r['ops_per_s']:,.0f} SQL lookups+inserts/s "
          f"(last 100k: {r['last_run']['docs_per_s']:,.0f} docs/s, "
          f"{r['last_run']['ops_per_s']:,.0f} ops/s); peak RSS {r['maxrss_mb']:.0f} MB; "
          f"DB {r['db_mb']:.0f} MB; planted near duplicates found {r['planted_found']}/"
          f"{r['planted']}, false matches {r['false_matches']}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("data", nargs="?", default=str(ROOT.parent / "shared" / "data" / "dev"))
    ap.add_argument("--quick", action="store_true", help="small sizes: checks that it runs")
    ap.add_argument("--pages", type=int, default=None, help="dev pages for positives")
    ap.add_argument("--scale", type=int, default=None, help="largest index size (default 1M)")
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--skip-quality", action="store_true")
    ap.add_argument("--skip-scale", action="store_true")
    ap.add_argument("--_index-child", nargs=2, metavar=("N", "DIR"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args._index_child:
        index_child(int(args._index_child[0]), args._index_child[1], args.batch)
        return
    data = Path(args.data)
    if not (data / "trafilatura-eval").exists():
        print(f"no dev set at {data}: labeled set from tests/cases/seeds only")
        data = None
    pages = args.pages if args.pages is not None else (20 if args.quick else 300)
    sizes = [2_000, 20_000] if args.quick else [100_000, args.scale or 1_000_000]
    if args.scale and args.quick:
        sizes = [min(2_000, args.scale), args.scale]
    if not args.skip_quality:
        print("== quality ==")
        quality(data, pages)
    if args.skip_scale:
        return
    print("== scale ==")
    signature_speed(1.0 if args.quick else 4.0)
    for n in sizes:
        index_scale(n, args.batch)


if __name__ == "__main__":
    main()
