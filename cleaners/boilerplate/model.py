"""The line model: two small logistic regressions and a Viterbi pass, over ``features.py``.

Trained by bench/train_line_model.py on the trafilatura-eval train split (dense labels: the
lines trafilatura keeps from the page's HTML, overridden by the hand-made fragments) and the
Dragnet train sites (every line labelled against the page's gold article body), and shipped as
``cleaners/data/line_model.json``. Stage 1 scores each line from its own features; stage 2 sees
the same features again next to the stage-1 probabilities of its neighbours; a two-state Viterbi
pass then decides: article text comes in contiguous blocks, so an isolated flip costs a switch
penalty. It only re-decides article vs not for lines the hard rules (comment section, title,
inside-article patterns) leave open.

The model file names the features it was trained on. Loading refuses a model whose features are
not the ones this code computes (``LineModelError``, naming the missing and extra ones): it
would otherwise weigh one feature's value with another's weight. The same features in another
order are matched by name. ``CLEANWIRE_LINE_MODEL=0`` cleans with the rules only.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from cleaners.boilerplate.features import (
    CTX_OFFSETS,
    CTX_PAD,
    FEATURE_INDEX,
    FEATURE_NAMES,
    LOG_WORDS_SCALE,
    float_matrix,
    window_means,
)
from cleaners.boilerplate.rules import rules

MODEL = Path(__file__).resolve().parent.parent / "data" / "line_model.json"
USE_MODEL = os.environ.get("CLEANWIRE_LINE_MODEL", "1") != "0"

# Stage 2 sees the line's own stage-1 features again next to its neighbours' probabilities:
# two-fold CV inside the train split, `with` kept at `without` gone 0.85: 0.909 -> 0.918 (a
# tree model over the same inputs reached 0.924, for 5 ms/page more and numpy at run time).
MEAN_WINDOWS = (2, 5, 10)  # mean2, mean5, mean10: mean probability of the lines around
STAGE2_OWN = ("p", "logit", *(f"mean{w}" for w in MEAN_WINDOWS), "max_nb", "min_nb")
STAGE2_NEIGHBOURS = tuple(f"p@{d:+d}" for d in CTX_OFFSETS)
STAGE2_TAIL = ("long_run", "in_main", "short", "short_x_mean5", "short_x_min_nb")
STAGE2_NAMES = (*(f"s1:{n}" for n in FEATURE_NAMES), *STAGE2_OWN, *STAGE2_NEIGHBOURS,
                *STAGE2_TAIL)
_I_LONG_RUN, _I_IN_MAIN = FEATURE_INDEX["long_run"], FEATURE_INDEX["in_main"]
_I_LOG_WORDS = FEATURE_INDEX["log_words"]
# A logit beyond ±30 is certainty: exp() of more only risks overflow.
LOGIT_CLIP = 30.0
# Probabilities are kept this far from 0 and 1 before taking log-odds.
P_EPS = 1e-6
LOGIT_SCALE = 4.0  # the stage-2 logit feature, log-odds / 4: about -1..1 for p in 0.02..0.98


class LineModelError(ValueError):
    """The line model file cannot be used by this code."""


@dataclass(frozen=True)
class LineModel:
    w: list[float]  # stage-1 weights, in the order of FEATURE_NAMES
    b: float
    w2: list[float]  # stage-2 weights, in the order of STAGE2_NAMES
    b2: float
    threshold: float
    switch_penalty: float


def _by_name(raw: dict, names_key: str, weights_key: str, expected: tuple[str, ...],
             source: str) -> list[float]:
    """The file's weights in the order of ``expected``; LineModelError if the names differ."""
    names, weights = list(raw[names_key]), [float(x) for x in raw[weights_key]]
    if len(names) != len(weights) or len(set(names)) != len(names):
        raise LineModelError(f"{source}: {len(names)} {names_key} for {len(weights)} "
                             f"{weights_key} (or a name twice)")
    missing = [n for n in expected if n not in set(names)]
    extra = [n for n in names if n not in set(expected)]
    if missing or extra:
        raise LineModelError(
            f"{source} was trained on other {names_key} than this code computes: missing "
            f"{missing or 'none'}, extra {extra or 'none'}. Retrain it (make train, "
            "bench/train_line_model.py) or set CLEANWIRE_LINE_MODEL=0 to clean with the "
            "rules only.")
    at = {n: i for i, n in enumerate(names)}
    return [weights[at[n]] for n in expected]


def model_from_json(raw: dict, source: str = "line model") -> LineModel:
    """A LineModel from the content of line_model.json; LineModelError if unusable."""
    try:
        return LineModel(
            w=_by_name(raw, "features", "weights", FEATURE_NAMES, source),
            b=float(raw["bias"]),
            w2=_by_name(raw, "stage2_features", "stage2_weights", STAGE2_NAMES, source),
            b2=float(raw["stage2_bias"]),
            threshold=float(raw["threshold"]),
            switch_penalty=float(raw.get("switch_penalty", 0.0)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, LineModelError):
            raise
        raise LineModelError(f"{source}: not a line model ({exc!r})") from exc


def load_model(path: Path) -> LineModel:
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LineModelError(f"{path}: cannot read the line model ({exc})") from exc
    return model_from_json(raw, str(path))


@lru_cache(maxsize=1)
def shipped_model() -> LineModel | None:
    """cleaners/data/line_model.json (None when CLEANWIRE_LINE_MODEL=0); raises LineModelError."""
    return load_model(MODEL) if USE_MODEL else None


def stage1(rows: list[list[float]], w: list[float], b: float) -> list[float]:
    """Logistic regression: the probability of each row."""
    return _probabilities(_logits(_matrix(rows), w, b))


def _matrix(rows: list[list[float]]) -> np.ndarray:
    """The rows (all of one length) as a float64 matrix (features.float_matrix)."""
    return float_matrix(rows, len(rows[0]) if rows else 0)


def _logits(x: np.ndarray, w: list[float], b: float) -> list[float]:
    """b + the weighted sum of each row of ``x``. The sum is added up column by column, left to
    right, as Python's ``sum`` of the products did: the same bits, so the same decisions (a
    last-bit change can flip a close one). The products are laid out a column per row, and
    numpy reduces over rows, not along them, by adding each row to the sums in turn (never
    pairwise, as ``sum`` along a row would): twice as fast as ``accumulate`` along the rows,
    which this replaced (tests/test_boilerplate.py checks the order)."""
    if not len(x):
        return []
    products = np.ascontiguousarray((x * np.asarray(w)).T)
    return (b + np.add.reduce(products, axis=0)).tolist()


def _probabilities(logits: list[float]) -> list[float]:
    """The logistic function of each (clipped) logit. math.exp, not numpy's: numpy's exp may
    differ from the C library's in the last bit."""
    exp, hi, lo = math.exp, LOGIT_CLIP, -LOGIT_CLIP
    return [1.0 / (1.0 + exp(-(hi if z > hi else lo if z < lo else z))) for z in logits]


def stage2_rows(probs: list[float], rows: list[list[float]]) -> list[list[float]]:
    """Context features over the first-stage probabilities, in the order of STAGE2_NAMES: a
    line among article lines is article text more often than its own features say, and the
    reverse for menus. Each row is the stage-1 row followed by ``stage2_own``'s."""
    own = stage2_own(probs, _matrix(rows)).tolist()
    return [s1 + o for s1, o in zip(rows, own, strict=True)]


def stage2_own(probs: list[float], x: np.ndarray) -> np.ndarray:
    """The stage-2 features that follow the stage-1 rows ``x`` (STAGE2_OWN, STAGE2_NEIGHBOURS,
    STAGE2_TAIL), one row per line. Column by column, as feature_rows: numpy does the exact
    arithmetic, math.log the logarithms."""
    n = len(probs)
    short_lw = math.log1p(rules().t["prose_min_words"]) / LOG_WORDS_SCALE
    pad = np.zeros(n + 2 * CTX_PAD)  # line k's probability is pad[k + CTX_PAD]
    pad[CTX_PAD:CTX_PAD + n] = probs
    # Each value is a column named as in STAGE2_NAMES (tests/test_boilerplate.py checks the
    # order of the row below).
    p = np.clip(probs, P_EPS, 1 - P_EPS)
    log = math.log
    logit = np.array([log(q) for q in (p / (1 - p)).tolist()]) / LOGIT_SCALE
    mean2, mean5, mean10 = (window_means(probs, w) for w in MEAN_WINDOWS)
    prev, nxt = pad[CTX_PAD - 1:CTX_PAD - 1 + n], pad[CTX_PAD + 1:CTX_PAD + 1 + n]
    max_nb, min_nb = np.where(prev >= nxt, prev, nxt), np.where(prev >= nxt, nxt, prev)
    before = [pad[d:d + n] for d in range(CTX_PAD)]  # p@-3, p@-2, p@-1
    after = [pad[CTX_PAD + d:CTX_PAD + d + n] for d in range(1, CTX_PAD + 1)]  # p@+1 .. p@+3
    long_run, in_main = x[:, _I_LONG_RUN], x[:, _I_IN_MAIN]
    short = (x[:, _I_LOG_WORDS] < short_lw).astype(float)
    short_x_mean5 = short * mean5
    short_x_min_nb = short * min_nb
    own = [p, logit, mean2, mean5, mean10, max_nb, min_nb, *before, *after,
           long_run, in_main, short, short_x_mean5, short_x_min_nb]
    return np.column_stack(own)


def viterbi(p: list[float], threshold: float, penalty: float) -> list[bool]:
    """Best article/boilerplate labelling: sum of log-odds (relative to the threshold) of the
    lines called article, minus ``penalty`` per switch between the two states."""
    if penalty <= 0:
        return [x >= threshold for x in p]
    off = math.log(threshold / (1 - threshold))
    log, lo, hi = math.log, P_EPS, 1 - P_EPS
    s0, s1 = 0.0, 0.0
    back: list[tuple[int, int]] = []
    for x in p:  # (conditional expressions, not min/max calls: the same values, cheaper)
        x = lo if x < lo else hi if x > hi else x
        e = log(x / (1 - x)) - off
        via1, via0 = s1 - penalty, s0 - penalty  # the other state's score, switching
        from0 = 0 if s0 >= via1 else 1  # best predecessor of state 0
        from1 = 1 if s1 >= via0 else 0  # best predecessor of state 1
        back.append((from0, from1))
        s0, s1 = (s0 if s0 >= via1 else via1), (s1 if s1 >= via0 else via0) + e
    state = 1 if s1 > s0 else 0
    out = [False] * len(p)
    for k in range(len(p) - 1, -1, -1):
        out[k] = state == 1
        state = back[k][state]
    return out


def decide(model: LineModel, x: np.ndarray) -> tuple[list[float], list[bool]]:
    """(stage-2 probability, article or not) of each line of ``x`` (feature_rows' matrix)."""
    p1 = _probabilities(_logits(x, model.w, model.b))
    x2 = np.hstack((x, stage2_own(p1, x)))  # the rows of stage2_rows
    p2 = _probabilities(_logits(x2, model.w2, model.b2))
    return p2, viterbi(p2, model.threshold, model.switch_penalty)
