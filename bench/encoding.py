"""Encoding repair line by line (cleaners.decode.fix_lines) against ftfy on the whole text.

    .venv/bin/python bench/encoding.py [--data PATH] [--limit N] [--repeat R]

Corpus: the dev pages' text dumps (DATA/trafilatura-eval/text/*.txt, DATA defaulting to
../shared/data/dev), decoded as a run decodes them (cleaners.decode.to_text, NULs left in), then
repaired three ways, one after the other in this one run (the machine is shared: compare the
ratios; CPU time, best of --repeat passes):

  whole text   the repair before issue 15: ftfy.fix_and_explain on the whole text (curly quotes
               kept), then the invisible characters removed
  fix_lines    cleanwire's repair now: each line on its own, the lines ftfy would give back as
               they are skipped (ASCII lines without a control character, "&" or CR; and lines
               with none of the characters ftfy acts on, in normal form and not is_bad:
               cleaners.decode._ftfy_may_change)
  every line   the same per-line repair without a skip (ftfy.fix_and_explain on every line):
               its output must equal fix_lines' on every document, which proves the skips exact
               on this corpus

Printed: documents, lines, the share of lines fix_lines hands to ftfy, ms per document for each
way, the documents whose text the two repairs make differently (with their changed lines, the
first ones shown), and the repaired lines by step.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import ftfy  # noqa: E402

from cleaners.decode import (  # noqa: E402
    FTFY_CONFIG,
    _ftfy_may_change,
    drop_invisible,
    fix_lines,
    to_text,
)

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "dev"


def whole_text(text: str) -> str:
    """The repair before issue 15 (the text only)."""
    text = text.replace("\x00", "")
    return drop_invisible(ftfy.fix_and_explain(text, FTFY_CONFIG).text)


def every_line(text: str) -> str:
    """fix_lines' repair with no line skipped."""
    config = FTFY_CONFIG if "<" not in text else FTFY_CONFIG._replace(unescape_html=False)
    out = []
    for line in text.split("\n"):
        out.append(drop_invisible(ftfy.fix_and_explain(line.replace("\x00", "") + "\n",
                                                       config).text)[:-1])
    return "\n".join(out)


def timed(fn, texts: list[str], repeat: int) -> tuple[list, float]:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        out = [fn(t) for t in texts]
        best = min(best, time.process_time() - start)
    return out, best / len(texts) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--limit", type=int)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    base = args.data / "trafilatura-eval" if (args.data / "trafilatura-eval").is_dir() else args.data
    paths = sorted((base / "text").glob("*.txt"))[:args.limit]
    if not paths:
        sys.exit(f"encoding: no text dumps under {base / 'text'}")
    texts = [to_text(p.read_bytes())[0] for p in paths]
    lines = sum(t.count("\n") + 1 for t in texts)
    nonascii = sum(not line.isascii() for t in texts for line in t.split("\n"))
    handed = sum(_ftfy_may_change(line, FTFY_CONFIG) for t in texts for line in t.split("\n"))
    ftfy.fix_and_explain("warm up: ã©", FTFY_CONFIG)

    before, before_ms = timed(whole_text, texts, args.repeat)
    after, after_ms = timed(fix_lines, texts, args.repeat)
    reference, reference_ms = timed(every_line, texts, args.repeat)
    print(f"{len(texts)} documents, {lines} lines: {nonascii / lines:.1%} of them not ASCII, "
          f"{handed / lines:.1%} handed to ftfy")
    print(f"whole text  {before_ms:6.3f} ms/doc (the repair before issue 15)")
    print(f"fix_lines   {after_ms:6.3f} ms/doc ({after_ms / before_ms:.2f}x)")
    print(f"every line  {reference_ms:6.3f} ms/doc ({reference_ms / before_ms:.2f}x; no line skipped)")
    mismatch = [p.name for p, a, r in zip(paths, after, reference, strict=True) if a.text != r]
    print(f"fix_lines == every line on {len(paths) - len(mismatch)} of {len(paths)} documents"
          + (f"; differs on {mismatch[:5]}" if mismatch else ""))

    differ = [(p, b, a) for p, b, a in zip(paths, before, after, strict=True) if b != a.text]
    print(f"{len(differ)} documents repaired differently line by line than as a whole")
    for path, _, fixed in differ[:10]:
        shown = ", ".join(f"line {n}: {'+'.join(steps)}" for n, steps in fixed.lines[:3])
        print(f"  {path.name}: {len(fixed.lines)} lines repaired ({shown})")
    steps = Counter(s for a in after for _, line_steps in a.lines for s in dict.fromkeys(line_steps))
    repaired = sum(len(a.lines) for a in after)
    print(f"{repaired} lines repaired in {sum(bool(a.lines) for a in after)} documents; lines by step: "
          + ", ".join(f"{s} {n}" for s, n in steps.most_common()))


if __name__ == "__main__":
    main()
