"""Language identification, measured: per-language accuracy on the UDHR, engines side by side on
the dev pages, the mixed-language flag, and the cost.

    .venv/bin/python bench/language.py [--data PATH] [--udhr PATH] [--limit N] [--table]

1. UDHR (UDHR/*.html.gz, default ../shared/data/udhr): the Declaration in ~500 languages, each
   file's `<html lang>` the ground truth (BCP 47: ISO 639-1 where one exists, else 639-3; TRUTH
   maps the few tags fastText names otherwise). Each file is read as a text dump (its h1, h2 and
   p elements, one a line) and labelled by cleanwire's policy (cleaners/language.py: engine
   langdetect), and by langdetect alone on the sample (what cleanwire did before per-paragraph
   detection). A label is right when it is the truth or the truth's macrolanguage (MACRO: zh for
   Cantonese, Hakka, ...), `und`, or wrong. Counts are split by "langdetect knows the language"
   (its 55 profiles) or not, for whole documents and for short ones (up to SHORT_PER_LANGUAGE
   single paragraphs of at least 100 letters per file: a sentence or two, where guessing is
   easiest). --table prints the label of every file.
2. Dev pages (DATA/trafilatura-eval/text/*.txt, DATA defaulting to ../shared/data/dev), each
   cleaned by cleanwire's text pass first: the labels of the two engines and of langdetect alone,
   their agreement (the dev set has no labels: the disagreements are printed to judge), and CPU
   ms per document for each (one after the other in this one run: compare the figures).
3. mixed-language: the share of the second language on single-language documents (UDHR files
   labelled right, dev pages), i.e. how large a share per-paragraph misreadings reach, and the
   flag's recall on real mixes made of two UDHR texts (A's paragraphs, then B's, B holding 10%,
   20% or 30% of the letters).
"""

from __future__ import annotations

import argparse
import gzip
import html
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cleaners import boilerplate, language  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "dev"
DEFAULT_UDHR = ROOT.parent / "shared" / "data" / "udhr"
SHORT_PER_LANGUAGE = 3
# UDHR tags whose language fastText or langdetect names by another code: 639-3 tags of languages
# with a 639-1 code; Norwegian Bokmål under its macrolanguage (both engines say "no"); Western
# Panjabi (fastText pnb); Bikol (fastText bcl); Tosk Albanian, tagged "als" (Albanian, sq).
TRUTH = {"cat": "ca", "hau": "ha", "nb": "no", "lah": "pnb", "bik": "bcl", "als": "sq"}
# Member languages -> their macrolanguage, which counts as right (zh covers the Chinese varieties).
MACRO = {**dict.fromkeys("cmn yue wuu nan hak gan hsn cjy".split(), "zh"), "azb": "az", "ckb": "ku"}
MIX_LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "pt", "ru", "pl", "sv", "tr", "ar"]
_TAG = re.compile(r"<(h1|h2|p)\b[^>]*>(.*?)</\1>", re.S)
_LANG = re.compile(r'<html[^>]*\blang="([^"]*)"')


def udhr(folder: Path, limit: int | None) -> list[tuple[str, str, list[str]]]:
    """(file, truth, paragraphs) of each UDHR file with a language tag."""
    out = []
    for path in sorted(folder.glob("*.html.gz"))[:limit]:
        page = gzip.decompress(path.read_bytes()).decode("utf-8")
        tag = _LANG.search(page).group(1)
        if tag == "und":
            continue
        paras = [" ".join(html.unescape(re.sub(r"<[^>]+>", "", m.group(2))).split())
                 for m in _TAG.finditer(page)]
        primary = tag.split("-")[0]
        out.append((path.name.removesuffix(".html.gz"), TRUTH.get(primary, primary),
                    [p for p in paras if p]))
    if not out:
        sys.exit(f"language: no UDHR files under {folder}")
    return out


def outcome(label: str, truth: str) -> str:
    if label == language.UNDETERMINED:
        return "und"
    label = "zh" if label.startswith("zh-") else label
    return "right" if label in (truth, MACRO.get(truth)) else "wrong"


def knows(truth: str) -> bool:
    return truth in language.langdetect_languages() or MACRO.get(truth) in language.langdetect_languages()


def langdetect_alone(text: str) -> str:
    """What cleanwire did before: langdetect's top language on the sample, whatever its score."""
    part = language.sample(text)
    if language.letters(part) < language.MIN_LETTERS:
        return language.UNDETERMINED
    return language._langdetect(part)[0]


def accuracy(name: str, docs: list[tuple[str, str, str]], show: bool) -> dict:
    """docs: (file, truth, text). Prints right / und / wrong for the policy and langdetect alone."""
    rows = []
    for file, truth, text in docs:
        found = language.identify(text.split("\n"))
        rows.append((file, truth, knows(truth), found, langdetect_alone(text)))
    print(f"\n## UDHR, {name}: {len(rows)} documents")
    print(f"{'':<34}{'right':>7}{'und':>7}{'wrong':>7}")
    for known in (True, False):
        part = [r for r in rows if r[2] == known]
        for who, label_of in (("cleanwire", lambda r: r[3].language), ("langdetect alone", lambda r: r[4])):
            c = Counter(outcome(label_of(r), r[1]) for r in part)
            what = "langdetect knows it" if known else "outside langdetect's 55"
            print(f"{who + ', ' + what + f' ({len(part)})':<34}{c['right']:>7}{c['und']:>7}{c['wrong']:>7}")
    wrong = Counter(f"{r[1]}->{r[3].language}" for r in rows if outcome(r[3].language, r[1]) == "wrong")
    print("cleanwire's wrong labels (truth->label):", dict(wrong.most_common(60)))
    if show:
        for file, truth, known, found, alone in rows:
            print(f"  {file:<16}{truth:<6}{'known' if known else '-':<7}{found.language:<7}{found.score:<7.3f}"
                  f"{outcome(found.language, truth):<7}alone {alone}")
    return {r[0]: r for r in rows}


def short_docs(files) -> list[tuple[str, str, str]]:
    out = []
    for file, truth, paras in files:
        long = [p for p in paras if language.letters(p) >= 100][:SHORT_PER_LANGUAGE]
        out += [(f"{file}#{i}", truth, p) for i, p in enumerate(long)]
    return out


def articles(data: Path, limit: int | None) -> list[list[str]]:
    base = data / "trafilatura-eval" if (data / "trafilatura-eval").is_dir() else data
    paths = sorted((base / "text").glob("*.txt"))[:limit]
    if not paths:
        sys.exit(f"language: no text dumps under {base / 'text'}")
    out = []
    for path in paths:
        text = path.read_text(encoding="utf-8", errors="replace")
        out.append([" ".join(p.split()) for p in boilerplate.clean_text(text).paragraphs if p.strip()])
    return [a for a in out if a]


def timed(fn, docs) -> tuple[list, float]:
    fn(docs[0])  # load the models outside the timing
    start = time.process_time()
    out = [fn(d) for d in docs]
    return out, (time.process_time() - start) / len(docs) * 1000


def dev_pages(docs: list[list[str]]) -> list:
    print(f"\n## dev pages: {len(docs)} documents (text dumps after cleanwire's text pass)")
    slow, slow_ms = timed(lambda d: language.identify(d, "langdetect"), docs)
    fast, fast_ms = timed(lambda d: language.identify(d, "fasttext"), docs)
    alone, alone_ms = timed(lambda d: langdetect_alone("\n".join(d)), docs)
    print(f"{'CPU ms/doc':<46}{'':>1}")
    print(f"{'  langdetect alone on the sample (before)':<46}{alone_ms:>8.2f}")
    print(f"{'  per paragraph, engine langdetect (default)':<46}{slow_ms:>8.2f}")
    print(f"{'  per paragraph, engine fasttext':<46}{fast_ms:>8.2f}")
    a, b = [f.language for f in slow], [f.language for f in fast]
    same = sum(language.same_language(x, y) for x, y in zip(a, b, strict=True))
    print(f"engines agree: {same}/{len(docs)} = {same / len(docs):.3f}")
    same = sum(x == y for x, y in zip(a, alone, strict=True))
    print(f"default policy = langdetect alone: {same}/{len(docs)}; und: {a.count('und')} "
          f"(fasttext engine: {b.count('und')})")
    print("default found:", dict(Counter(a).most_common(10)))
    pairs = Counter((y, x) for x, y in zip(a, alone, strict=True) if x != y)
    print("changes (langdetect alone -> default policy):", dict(pairs.most_common(10)))
    shown = 0
    for doc, x, y in zip(docs, a, alone, strict=True):
        if x != y and shown < 12:
            shown += 1
            print(f"  {y:>5} -> {x:<5} {' | '.join(doc)[:110]!r}")
    return slow


def mixed_report(rows: dict, dev: list, files) -> None:
    print("\n## mixed-language")
    print(f"flag: second language >= {language.MIXED_SHARE} of the letters and >= "
          f"{language.MIXED_LETTERS} letters, in paragraphs read at >= {language.MIXED_SCORE}")
    single = [r[3] for r in rows.values() if outcome(r[3].language, r[1]) == "right"]
    for name, found in (("UDHR files labelled right", single), ("dev pages", dev)):
        shares = sorted(f.second_share for f in found)
        p = [shares[min(len(shares) - 1, int(q * len(shares)))] for q in (0.5, 0.9, 0.99)]
        print(f"{name} ({len(found)}): second-language share median {p[0]:.3f}, p90 {p[1]:.3f}, "
              f"p99 {p[2]:.3f}, max {shares[-1]:.3f}; flagged {sum(f.mixed for f in found)}")
    for f, doc in ((f, d) for f, d in zip(dev, dev_docs, strict=True) if f.mixed):
        print(f"  flagged dev page: {f.language} {f.languages[:3]} {' | '.join(doc)[:90]!r}")
    by_truth = {truth: paras for _, truth, paras in files if truth in MIX_LANGUAGES}
    for share in (0.05, 0.1, 0.15, 0.2, 0.3):
        hit = total = 0
        for a in MIX_LANGUAGES:
            for b in MIX_LANGUAGES:
                if a == b or a not in by_truth or b not in by_truth:
                    continue
                doc = mix(by_truth[a], by_truth[b], share)
                found = language.identify(doc)
                total += 1
                hit += found.mixed and language.same_language(found.language, a)
        print(f"real mixes, second language {share:.0%} of the letters: flagged (main label right) "
              f"{hit}/{total}")


def mix(a: list[str], b: list[str], share: float) -> list[str]:
    """All of A's paragraphs, then B's first ones until B holds at least `share` of the
    letters."""
    total_a = sum(language.letters(p) for p in a)
    want_b = total_a * share / (1 - share)
    out, got = [], 0
    for p in b:
        if got >= want_b:
            break
        out.append(p)
        got += language.letters(p)
    return a + out


dev_docs: list[list[str]] = []


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--udhr", type=Path, default=DEFAULT_UDHR)
    ap.add_argument("--limit", type=int, help="at most N files of each set")
    ap.add_argument("--table", action="store_true", help="print every UDHR file's label")
    args = ap.parse_args()
    files = udhr(args.udhr, args.limit)
    rows = accuracy("whole documents", [(f, t, "\n".join(p)) for f, t, p in files], args.table)
    accuracy(f"short documents (single paragraphs, up to {SHORT_PER_LANGUAGE} per file)",
             short_docs(files), False)
    dev_docs.extend(articles(args.data, args.limit))
    dev = dev_pages(dev_docs)
    mixed_report(rows, dev, files)


if __name__ == "__main__":
    main()
