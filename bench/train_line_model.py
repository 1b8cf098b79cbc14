"""Train the line model (cleaners/data/line_model.json) on the dev set's train split.

    .venv/bin/python bench/train_line_model.py [DATA]

Labels come from the dev cases: a line containing a `with` fragment is article (1), a line
containing a `without` fragment is boilerplate (0); other lines are not used. Pages are split
by the same id hash as bench/quality.py; the held-out split is only scored, never trained on.
Pure-Python logistic regression, full-batch gradient descent with L2, deterministic (no random
state); classes are weighted to balance.
"""

from __future__ import annotations

import json
import math
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import cleaners.boilerplate as B  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from quality import split_of  # noqa: E402

EPOCHS = 400  # full-batch steps: the loss has flattened by then on ~5,000 lines
LR = 0.5  # step size for features scaled to about 0..1
THRESHOLD = 0.5  # swept 0.3-0.5 on train: 0.5 balances kept/gone best (see report)
L2 = 1e-3  # mild weight decay: keeps rarely-set rule flags from taking extreme weights


def norm(s: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", s).split()).lower()


def collect(base: Path, split: str) -> list[tuple[list[list[float]], dict[int, int]]]:
    """Per page: the feature vectors of its lines (before any comment cut) and the labels."""
    pages = []
    for line in (base / "cases.jsonl").read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        if split_of(case["id"]) != split:
            continue
        text = (base / "text" / f"{case['id']}.txt").read_text(encoding="utf-8")
        B._CAPTURE = []
        B.clean_text(text)
        items, feats, cut = B._CAPTURE[0]
        B._CAPTURE = None
        if feats is None:
            continue
        w = [norm(f) for f in case["with"]]
        wo = [norm(f) for f in case["without"]]
        labels = {}
        for k, it in enumerate(items[:cut]):
            t = norm(it.text)
            pos = any(f in t for f in w)
            neg = any(f in t for f in wo)
            if pos != neg:
                labels[k] = 1 if pos else 0
        pages.append((feats[:cut], labels))
    return pages


def rows_of(pages, transform=None):
    rows = []
    for feats, labels in pages:
        vecs = transform(feats) if transform else feats
        rows += [(vecs[k], y) for k, y in labels.items()]
    return rows


def train(rows: list[tuple[list[float], int]]) -> tuple[list[float], float]:
    dim = len(rows[0][0])
    w = [0.0] * dim
    b = 0.0
    npos = sum(y for _, y in rows)
    nneg = len(rows) - npos
    cw = {1: len(rows) / (2 * npos), 0: len(rows) / (2 * nneg)}
    for _ in range(EPOCHS):
        gw = [0.0] * dim
        gb = 0.0
        for x, y in rows:
            z = b + sum(wi * xi for wi, xi in zip(w, x, strict=True))
            p = 1 / (1 + math.exp(-max(-30, min(30, z))))
            e = (p - y) * cw[y]
            gb += e
            for i, xi in enumerate(x):
                if xi:
                    gw[i] += e * xi
        m = len(rows)
        w = [wi - LR * (g / m + L2 * wi) for wi, g in zip(w, gw, strict=True)]
        b -= LR * gb / m
    return w, b


def accuracy(rows, w, b, threshold=0.5) -> float:
    ok = 0
    for x, y in rows:
        z = b + sum(wi * xi for wi, xi in zip(w, x, strict=True))
        ok += (z >= math.log(threshold / (1 - threshold))) == (y == 1)
    return ok / max(len(rows), 1)


def main() -> int:
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data" / "dev"
    base = data / "trafilatura-eval" if (data / "trafilatura-eval").is_dir() else data
    if not (base / "cases.jsonl").exists():
        print(f"train_line_model: no dev set at {base}; nothing to train.")
        return 0
    B._USE_MODEL = False
    tr_pages = collect(base, "train")
    ho_pages = collect(base, "held-out")
    tr, ho = rows_of(tr_pages), rows_of(ho_pages)
    w, b = train(tr)

    def stage2(feats):
        return B._stage2_vectors(B._stage1(feats, w, b))

    tr2, ho2 = rows_of(tr_pages, stage2), rows_of(ho_pages, stage2)
    w2, b2 = train(tr2)
    threshold = THRESHOLD
    out = {
        "about": "Logistic regression over cleaners.boilerplate.FEATURE_NAMES; trained by "
                 "bench/train_line_model.py on the dev set's train split (lines holding a "
                 "`with` fragment = 1, a `without` fragment = 0).",
        "features": list(B.FEATURE_NAMES),
        "weights": [round(x, 5) for x in w],
        "bias": round(b, 5),
        "stage2_features": list(B.STAGE2_NAMES),
        "stage2_weights": [round(x, 5) for x in w2],
        "stage2_bias": round(b2, 5),
        "threshold": threshold,
        "train_lines": len(tr),
        "train_accuracy": round(accuracy(tr2, w2, b2, threshold), 4),
        "heldout_lines": len(ho),
        "heldout_accuracy": round(accuracy(ho2, w2, b2, threshold), 4),
    }
    (ROOT / "cleaners" / "data" / "line_model.json").write_text(
        json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print({k: v for k, v in out.items() if k not in ("weights", "features", "about")})
    for name, wi in sorted(zip(B.FEATURE_NAMES, w, strict=True), key=lambda x: -abs(x[1])):
        print(f"  {name:<22} {wi:+.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
