"""Plain-text boilerplate removal: classify every line of a page-text dump as article or not.

A scraper's text dump holds every visible block of a page, one per line: menus, donation
widgets, share prompts, the article, related lists, comment sections, footers. ``clean_text``
finds the article and explains every line it drops (rule name + evidence).

How it decides (all thresholds and patterns live in ``cleaners/data/boilerplate.json``):

1. Language: given, or guessed from stop-word overlap (jusText's stop lists, ~100 languages).
2. Each non-blank line gets features: words, characters, stop-word density, and the first
   boilerplate pattern it matches (widgets, menus, legal lines, share prompts, ...).
   A line is *prose* when it is long enough and its stop-word density is at least a share of
   the document's own typical density (so the threshold adapts to each language's stop list).
3. Comment sections: the first comment-start marker ("Notify of", "Leave a Reply",
   "N Kommentare", ...) that follows enough prose cuts the rest of the page.
4. Main block: the maximum-sum contiguous run of lines, where prose lines score by length and
   short lines / boilerplate lines cost a little. Other strong prose runs are kept too.
5. Inside the kept blocks only high-precision rules remove lines; fragments (editor sign-offs,
   photo credits at the end of a paragraph) are cut out of kept lines.
6. Title: a heading-like line that is repeated near the top or is the first line followed by
   longer lines. Published date: the first full date in a byline/dateline near the top.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

__all__ = ["Removed", "TextCleanResult", "clean_text"]

_DATA = Path(__file__).with_name("data") / "boilerplate.json"


@dataclass(frozen=True)
class Removed:
    line: int  # 0-based line number in the input text
    text: str  # the removed line, or the removed fragment of a line
    reason: str  # short stable rule name, kebab-case
    detail: str = ""  # evidence


@dataclass(frozen=True)
class TextCleanResult:
    title: str | None
    author: str | None
    published: str | None  # ISO 8601 date "YYYY-MM-DD" or None
    paragraphs: tuple[str, ...]  # kept article paragraphs, in order, title not repeated
    removed: tuple[Removed, ...]  # every removed line/fragment with reason, in line order


# ---------------------------------------------------------------------------------------------
# Data loading (once per process)

_LANG_CODES = {
    "en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian",
    "nl": "Dutch", "pl": "Polish", "pt": "Portuguese", "sv": "Swedish", "da": "Danish",
    "no": "Norwegian_Bokmal", "nb": "Norwegian_Bokmal", "fi": "Finnish", "cs": "Czech",
    "sk": "Slovak", "hu": "Hungarian", "ro": "Romanian", "ru": "Russian", "uk": "Ukrainian",
    "tr": "Turkish", "el": "Greek", "bg": "Bulgarian", "hr": "Croatian", "sl": "Slovenian",
    "sr": "Serbian", "ca": "Catalan", "et": "Estonian", "lv": "Latvian", "lt": "Lithuanian",
    "id": "Indonesian", "ms": "Malay", "vi": "Vietnamese", "ar": "Arabic", "fa": "Persian",
    "he": "Hebrew", "hi": "Hindi", "af": "Afrikaans", "eu": "Basque", "gl": "Galician",
}
_NAME_TO_CODE = {v: k for k, v in _LANG_CODES.items()}


class _Rules:
    def __init__(self) -> None:
        raw = json.loads(_DATA.read_text(encoding="utf-8"))
        self.t = {k: v["value"] for k, v in raw["thresholds"].items()}
        self.inside_ok = frozenset(raw["inside_block_reasons"]["value"])
        self.comment_form = re.compile(
            "|".join(f"(?:{e['pattern']})" for e in raw["comment_start"] if e["kind"] == "form"),
            re.I,
        )
        self.comment_counter = re.compile(
            "|".join(f"(?:{e['pattern']})" for e in raw["comment_start"] if e["kind"] != "form"),
            re.I,
        )
        self.end_marker = re.compile(
            "|".join(f"(?:{e['pattern']})" for e in raw["end_markers"]), re.I
        )
        self.line_rules: list[tuple[str, re.Pattern[str], int]] = []
        for e in raw["line_rules"]:
            pat = _DATE_ONLY if e["pattern"] == "DATE_ONLY" else re.compile(e["pattern"], re.I)
            self.line_rules.append((e["reason"], pat, int(e.get("max_words", 12))))
        # one alternation of all line rules: one regex call per line instead of one per rule
        self.line_any = re.compile(
            "|".join(f"(?P<r{i}>{re.sub(r'[(][?]P<[a-z]+>', '(?:', pat.pattern)})"
                     for i, (_, pat, _) in enumerate(self.line_rules)),
            re.I,
        )
        self.fragment_rules = [
            (e["reason"], re.compile(e["pattern"], 0 if e.get("flags") == "case" else re.I))
            for e in raw["fragment_rules"]
        ]


# Dates (month names of the dev set's main languages; numeric forms cover the rest).
_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
    "januar": 1, "jänner": 1, "februar": 2, "märz": 3, "mai": 5, "juni": 6, "juli": 7,
    "oktober": 10, "dezember": 12, "okt": 10, "dez": 12, "mär": 3,
    "janvier": 1, "février": 2, "mars": 3, "avril": 4, "juin": 6, "juillet": 7, "août": 8,
    "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12,
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7,
    "agosto": 8, "septiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
}
_MON = "|".join(sorted((re.escape(m) for m in _MONTHS), key=len, reverse=True))
_WEEKDAY = (
    r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday)?\.?|"
    r"montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|sonnabend|"
    r"mo|di|mi|do|fr|sa|so|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|"
    r"lunes|martes|miércoles|jueves|viernes|sábado|domingo"
)
_DATE_CORE = (
    rf"(?P<iso>(?P<iy>\d{{4}})-(?P<im>\d{{1,2}})-(?P<id>\d{{1,2}}))"
    rf"|(?P<num>(?P<nd>\d{{1,2}})[./](?P<nm>\d{{1,2}})[./](?P<ny>\d{{4}}|\d{{2}}))"
    rf"|(?P<mdy>(?P<am>{_MON})\.?\s+(?P<ad>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<ay>\d{{4}}))"
    rf"|(?P<dmy>(?P<bd>\d{{1,2}})(?:st|nd|rd|th|\.|º)?\s+(?:of\s+|de\s+)?(?P<bm>{_MON})\.?,?"
    rf"\s+(?:de\s+)?(?P<by>\d{{4}}))"
    rf"|(?P<my>(?P<cm>{_MON})\.?,?\s+(?P<cy>\d{{4}}))"
)
_DATE_RE = re.compile(rf"(?<!\w)(?:{_DATE_CORE})(?!\w)", re.I)
_TIME = r"\d{1,2}[:.]\d{2}(?:[:.]\d{2})?\s*(?:uhr|am|pm|h|a\.m\.|p\.m\.)?"
_DATE_ONLY = re.compile(
    rf"(?:(?:{_WEEKDAY}),?\s+)?(?:der\s+|den\s+|le\s+|el\s+)?(?:{_DATE_CORE})"
    rf"(?:\s*(?:,|\||-|–|um|at|@|/)?\s*{_TIME})?\s*[|·•-]?",
    re.I,
)


def _date_to_iso(m: re.Match[str]) -> str | None:
    g = m.groupdict()
    try:
        if g["iso"]:
            y, mo, d = int(g["iy"]), int(g["im"]), int(g["id"])
        elif g["num"]:
            y, mo, d = int(g["ny"]), int(g["nm"]), int(g["nd"])
            if y < 100:
                y += 2000 if y < 50 else 1900
        elif g["mdy"]:
            y, mo, d = int(g["ay"]), _MONTHS[g["am"].lower()], int(g["ad"])
        elif g["dmy"]:
            y, mo, d = int(g["by"]), _MONTHS[g["bm"].lower()], int(g["bd"])
        else:
            return None  # month + year only: not a publication date
    except (KeyError, ValueError):
        return None
    if not (1 <= mo <= 12 and 1 <= d <= 31 and 1900 <= y <= 2100):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


def _find_date(text: str) -> str | None:
    for m in _DATE_RE.finditer(text[:400]):
        iso = _date_to_iso(m)
        if iso:
            return iso
    return None


@lru_cache(maxsize=1)
def _rules() -> _Rules:
    return _Rules()


@lru_cache(maxsize=1)
def _stop_index() -> tuple[dict[str, frozenset[str]], dict[str, tuple[str, ...]]]:
    """All jusText stop lists: {language: words} and {word: languages}."""
    try:
        import justext

        lists = {name: frozenset(justext.get_stoplist(name)) for name in justext.get_stoplists()}
    except Exception:  # justext missing or broken: run without stop words (density 0 → length)
        lists = {}
    index: dict[str, list[str]] = {}
    for name, words in lists.items():
        for w in words:
            index.setdefault(w, []).append(name)
    return lists, {w: tuple(v) for w, v in index.items()}


_WORD = re.compile(r"\w+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_TERMINAL = re.compile(r"[.!?…:;\"'”“’»«)\]。！？」』]\s*$")


def _resolve_language(language: str | None) -> str | None:
    if not language:
        return None
    lists, _ = _stop_index()
    if language in lists:
        return language
    name = _LANG_CODES.get(language.lower().split("-")[0].split("_")[0])
    if name in lists:
        return name
    cap = language.capitalize()
    return cap if cap in lists else None


def _guess_language(tokens: list[str]) -> str | None:
    _, index = _stop_index()
    counts: dict[str, int] = {}
    for tok in tokens:
        for lang in index.get(tok, ()):
            counts[lang] = counts.get(lang, 0) + 1
    if not counts:
        return None
    return max(counts.items(), key=lambda kv: (kv[1], kv[0] == "English"))[0]


# ---------------------------------------------------------------------------------------------
# Line features


@dataclass
class _Line:
    idx: int
    text: str
    words: int
    sd: float  # stop-word density
    rule: str | None = None
    prose: bool = False
    score: float = 0.0
    comment_marker: bool = False
    comment_form: bool = False
    p: float = -1.0  # line-model probability of being article text (-1: not scored)
    end_marker: bool = False


def _match_rule(text: str, nwords: int, rules: _Rules) -> str | None:
    if len(text) > 600:
        return None
    m = rules.line_any.fullmatch(text)
    if m is None:
        return None
    reason, _, max_words = rules.line_rules[int((m.lastgroup or "r0")[1:])]
    if nwords <= max_words:
        return reason
    for reason, pat, max_words in rules.line_rules:
        if nwords <= max_words and pat.fullmatch(text):
            return reason
    return None


def _features(lines: list[str], language: str | None) -> tuple[list[_Line], str | None]:
    rules = _rules()
    items: list[_Line] = []
    toks_per_line: list[list[str]] = []
    for i, raw in enumerate(lines):
        text = " ".join(raw.split()) if len(raw) < 100_000 else raw.strip()
        if not text:
            continue
        toks = _WORD.findall(text.lower()) if len(text) < 100_000 else text.lower().split()
        toks_per_line.append(toks)
        nwords = len(text.split())
        cjk = len(_CJK.findall(text[:2000]))
        if cjk > 10:
            nwords = max(nwords, cjk // 2)  # no spaces: ~2 characters a word
        items.append(_Line(i, text, nwords, 0.0))
    lang = _resolve_language(language)
    if lang is None:
        sample: list[str] = []
        for toks in toks_per_line:
            if len(toks) >= 6:
                sample.extend(toks[:200])
            if len(sample) > 600:
                break
        lang = _guess_language(sample or [t for ts in toks_per_line for t in ts][:600])
    lists, _ = _stop_index()
    stop = lists.get(lang or "", frozenset())
    for it, toks in zip(items, toks_per_line, strict=True):
        if toks:
            it.sd = sum(1 for t in toks if t in stop) / len(toks)
        if it.words > len(toks) + 5:  # CJK: no stop list here, treat density as typical
            it.sd = -1.0
        it.rule = _match_rule(it.text, it.words, rules)
        if it.words <= 12 and len(it.text) <= 200:
            it.comment_form = rules.comment_form.fullmatch(it.text) is not None
            it.comment_marker = it.comment_form or (
                rules.comment_counter.fullmatch(it.text) is not None
            )
            it.end_marker = rules.end_marker.fullmatch(it.text) is not None
    return items, lang


def _prose_threshold(items: list[_Line], t: dict[str, float], has_stoplist: bool) -> float:
    if not has_stoplist:
        return 0.0
    dens = sorted(it.sd for it in items if it.words >= t["prose_min_words"] and it.sd >= 0)
    if not dens:
        return t["stopword_floor"]
    p75 = dens[min(len(dens) - 1, int(len(dens) * 0.75))]
    return max(t["stopword_floor"], min(t["stopword_ceiling"], t["stopword_ratio_of_doc"] * p75))


def _max_run(scores: list[float], lo: int, hi: int) -> tuple[float, int, int]:
    """Maximum-sum contiguous run in scores[lo:hi] → (sum, start, end_exclusive)."""
    best, bs, be = 0.0, lo, lo
    cur, cs = 0.0, lo
    for k in range(lo, hi):
        if cur <= 0:
            cur, cs = 0.0, k
        cur += scores[k]
        if cur > best:
            best, bs, be = cur, cs, k + 1
    return best, bs, be


# ---------------------------------------------------------------------------------------------
# Title, byline, date


def _heading_like(it: _Line, t: dict[str, float]) -> bool:
    text = it.text
    return (
        2 <= it.words <= t["title_max_words"]
        and len(text) <= 250
        and not re.search(r"[.,;:]\s*$", text)
        and it.rule is None
        and not it.comment_marker
        and not it.end_marker
        and any(ch.isalpha() for ch in text)
    )


def _find_title(items: list[_Line], start: int, t: dict[str, float]) -> tuple[int | None, list[int]]:
    """Return (index into items of the title, indices of repeats) or (None, [])."""
    head = items[: max(start, 0) + 1]
    norm = [it.text.casefold() for it in head]
    # 1. a heading-like line repeated before the article, or the page <title> ("X | Site")
    #    repeated as a line of its own.
    for k, it in enumerate(head):
        if not _heading_like(it, t):
            continue
        key = norm[k]
        repeats = [j for j in range(len(head)) if j != k and norm[j] == key]
        prefixed = [j for j in range(k) if norm[j].startswith(key) and len(norm[j]) > len(key)
                    and re.match(r"\s*[|\-–—:·»]", norm[j][len(key):])]
        if repeats or prefixed:
            rep = [j for j in repeats if j > k] + prefixed
            first = min([k, *repeats])
            return first, sorted(j for j in [*repeats, *prefixed] if j != first) if rep else []
    # 2. the first line, heading-like, followed by a longer line.
    if items and _heading_like(items[0], t) and len(items) > 1:
        if items[1].words > items[0].words or items[1].rule in ("byline", "dateline"):
            return 0, []
    return None, []


_AUTHOR = re.compile(
    r"^(?:by|von|par|por|di|autor(?:in)?:?|author:?|written by|posted by|geschrieben von|"
    r"verfasst von)\s+(?P<name>[^\d,|•·(]{3,60}?)\s*(?:$|[,|•·(]|\bon\b|\bam\b|\d)",
    re.I,
)


# ---------------------------------------------------------------------------------------------
# Line model: a small logistic regression over the features below, trained by
# bench/train_line_model.py on the dev set's train split. It only re-decides article vs not for
# lines the hard rules (comment section, title, inside-article patterns) leave open.

_MODEL = Path(__file__).with_name("data") / "line_model.json"
_USE_MODEL = os.environ.get("CLEANWIRE_LINE_MODEL", "1") != "0"
_CAPTURE: list | None = None  # set to a list by the training script only
_SEP = re.compile(r"[|»›•·]")
_DIGIT = re.compile(r"\d")
_REASON_FEATURES = ("navigation", "legal-link", "share-prompt", "newsletter", "byline",
                    "dateline", "photo-credit", "copyright", "tag-list", "comment-meta")
FEATURE_NAMES = (
    "in_run", "in_main", "run_share", "prose", "log_words", "density_ratio", "terminal",
    "heading_like", "rule", "rule_inside_ok", "before_main", "after_main", "log_dist",
    "prev_prose", "next_prose", "prev_keep", "next_keep", "rel_pos", "digits", "title_case",
    "separators", "ends_colon", "repeated", "after_end_marker", "end_marker", "short_sentence",
    "log_chars", "window_prose", *(f"rule_{r}" for r in _REASON_FEATURES),
)


@lru_cache(maxsize=1)
def _line_model() -> dict | None:
    try:
        raw = json.loads(_MODEL.read_text(encoding="utf-8"))
        if tuple(raw["features"]) != FEATURE_NAMES:
            return None  # trained for another feature set: fall back to the rules
        return {
            "w": [float(x) for x in raw["weights"]], "b": float(raw["bias"]),
            "w2": [float(x) for x in raw["stage2_weights"]], "b2": float(raw["stage2_bias"]),
            "threshold": float(raw["threshold"]),
        }
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def _stage1(feats: list[list[float]], w: list[float], b: float) -> list[float]:
    return [_sigmoid(b + sum(wi * xi for wi, xi in zip(w, x, strict=True))) for x in feats]


STAGE2_NAMES = ("p", "logit", "mean2", "mean5", "prev", "next", "max_nb", "min_nb")


def _stage2_vectors(p: list[float]) -> list[list[float]]:
    """Context features over the first-stage probabilities: a line among article lines is
    article text more often than its own features say, and the reverse for menus."""
    n = len(p)
    out = []
    for k in range(n):
        pk = min(max(p[k], 1e-6), 1 - 1e-6)
        w2 = p[max(0, k - 2): k + 3]
        w5 = p[max(0, k - 5): k + 6]
        prev = p[k - 1] if k > 0 else 0.0
        nxt = p[k + 1] if k + 1 < n else 0.0
        out.append([pk, math.log(pk / (1 - pk)) / 4.0, sum(w2) / len(w2), sum(w5) / len(w5),
                    prev, nxt, max(prev, nxt), min(prev, nxt)])
    return out


def _vectors(items: list[_Line], keep: list[bool], run_score: list[float], best: float,
             a: int, b: int, cut: int, thr: float) -> list[list[float]]:
    n = len(items)
    t = _rules().t
    counts: dict[str, int] = {}
    for it in items:
        if it.words <= 12:
            counts[it.text] = counts.get(it.text, 0) + 1
    end_k = next((k for k in range(a, n) if items[k].end_marker), n)
    prose_flags = [1.0 if it.prose else 0.0 for it in items]
    out: list[list[float]] = []
    for k, it in enumerate(items):
        text = it.text
        words = text.split()
        nw = max(it.words, 1)
        dist = a - k if k < a else (k - b + 1 if k >= b else 0)
        caps = sum(1 for w in words[:30] if w[:1].isupper()) / max(min(len(words), 30), 1)
        head = text[:300]
        digits = len(_DIGIT.findall(head)) / max(len(head), 1)
        lo, hi = max(0, k - 3), min(n, k + 4)
        window = sum(prose_flags[lo:hi]) / (hi - lo)
        dens = 1.0 if it.sd < 0 else min(it.sd / thr, 3.0) if thr > 0 else 1.0
        terminal = _TERMINAL.search(text) is not None
        vec = [
            1.0 if keep[k] else 0.0,
            1.0 if a <= k < b else 0.0,
            run_score[k] / best if best > 0 else 0.0,
            prose_flags[k],
            math.log1p(nw) / 5.0,
            dens,
            1.0 if terminal else 0.0,
            1.0 if _heading_like(it, t) else 0.0,
            1.0 if it.rule else 0.0,
            1.0 if it.rule in _rules().inside_ok else 0.0,
            1.0 if k < a else 0.0,
            1.0 if k >= b else 0.0,
            math.log1p(dist) / 4.0,
            prose_flags[k - 1] if k > 0 else 0.0,
            prose_flags[k + 1] if k + 1 < n else 0.0,
            1.0 if k > 0 and keep[k - 1] else 0.0,
            1.0 if k + 1 < n and keep[k + 1] else 0.0,
            k / n,
            digits,
            caps,
            1.0 if _SEP.search(head) else 0.0,
            1.0 if text.endswith(":") else 0.0,
            1.0 if counts.get(text, 0) > 1 else 0.0,
            1.0 if end_k < k < cut else 0.0,
            1.0 if it.end_marker else 0.0,
            1.0 if terminal and not it.prose and (it.sd >= thr or it.sd < 0) else 0.0,
            math.log1p(len(text)) / 8.0,
            window,
            *(1.0 if it.rule == r else 0.0 for r in _REASON_FEATURES),
        ]
        out.append(vec)
    return out


# ---------------------------------------------------------------------------------------------
# Main entry point


def clean_text(text: str, *, language: str | None = None) -> TextCleanResult:
    """Split a page-text dump into article paragraphs and explained removals. Never raises."""
    try:
        return _clean(text if isinstance(text, str) else str(text), language)
    except Exception as exc:  # pragma: no cover - last resort: keep everything, say why
        paras = tuple(" ".join(x.split()) for x in str(text).split("\n") if x.strip())
        return TextCleanResult(None, None, None, paras,
                               (Removed(0, "", "internal-error", repr(exc)[:200]),))


def _clean(text: str, language: str | None) -> TextCleanResult:
    rules = _rules()
    t = rules.t
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    items, lang = _features(lines, language)
    if not items:
        return TextCleanResult(None, None, None, (), ())
    lists, _ = _stop_index()
    thr = _prose_threshold(items, t, lang in lists)
    code = _NAME_TO_CODE.get(lang or "", lang or "?")
    n = len(items)

    # Scores for the main-block search.
    scores: list[float] = []
    for it in items:
        long_enough = it.words >= t["prose_min_words"] and len(it.text) >= t["prose_min_chars"]
        sentence = it.words >= t["title_max_words"] or _TERMINAL.search(it.text) is not None
        dense = it.sd >= thr or it.sd < 0
        it.prose = (long_enough and sentence and dense and it.rule is None
                    and not it.comment_marker)
        if it.prose:
            s = t["prose_base_score"] + min(
                len(it.text) / t["prose_chars_per_point"], t["prose_score_cap"]
            )
        elif it.end_marker or it.comment_marker:
            s = -4.0
        elif it.rule is not None:
            s = -t["boilerplate_line_penalty"]
        elif it.sd >= thr and it.words >= 4 and _TERMINAL.search(it.text):
            s = 0.1  # short sentence: neutral, keeps lists and one-line paragraphs inside
        else:
            s = -t["short_line_penalty"]
        it.score = s
        scores.append(s)

    reasons: dict[int, tuple[str, str]] = {}  # item index -> (reason, detail)

    # Comment section: the first marker that follows the article cuts to the end. A reply form
    # needs only some prose before it; a counter/heading (also printed in article headers) needs
    # the main block to have begun before it, or more prose before it than after it.
    _, main_a, _ = _max_run(scores, 0, n)
    total_prose = sum(it.score for it in items if it.prose)
    cut = n
    prose_before = 0.0
    for k, it in enumerate(items):
        if it.comment_marker and prose_before >= 2.0:
            if it.comment_form or k > main_a or prose_before >= total_prose - prose_before:
                cut = k
                break
        if it.prose:
            prose_before += it.score
    if cut < n:
        # widget chrome right above the marker ("Subscribe", "Notify of") belongs to it
        while cut > 0 and not items[cut - 1].prose and items[cut - 1].rule in (
            "newsletter", "share-prompt", "comment-meta"
        ):
            cut -= 1
        marker = next(it.text for it in items[cut:] if it.comment_marker)
        for k in range(cut, n):
            reasons[k] = ("comment-section", f"after comment-section start '{marker}'")

    # Main block + other strong prose runs before the cut.
    best, a, b = _max_run(scores, 0, cut)
    keep = [False] * n
    run_score = [0.0] * n  # score of the kept run a line belongs to (0: outside every run)
    if best > 0:
        for k in range(a, b):
            keep[k] = True
            run_score[k] = best
        stack = [(0, a), (b, cut)]
        while stack:
            lo, hi = stack.pop()
            if hi - lo <= 0:
                continue
            s2, a2, b2 = _max_run(scores, lo, hi)
            if s2 >= t["secondary_block_min_score"]:
                for k in range(a2, b2):
                    keep[k] = True
                    run_score[k] = s2
                stack += [(lo, a2), (b2, hi)]
    model = _line_model() if _USE_MODEL else None
    if _CAPTURE is not None:  # training (bench/train_line_model.py): record features
        _CAPTURE.append((items, _vectors(items, keep, run_score, best, a, b, cut, thr)
                         if best > 0 else None, cut))
    if model is not None and best > 0:
        feats = _vectors(items, keep, run_score, best, a, b, cut, thr)
        p1 = _stage1(feats[:cut], model["w"], model["b"])
        p2 = _stage1(_stage2_vectors(p1), model["w2"], model["b2"])
        gap = int(t["protected_gap_lines"])
        last_prose = [-10**9] * n  # nearest prose line before k (inside the main block)
        next_prose = [10**9] * n  # nearest prose line after k
        seen = -10**9
        for k in range(n):
            last_prose[k] = seen
            if a <= k < b and items[k].prose:
                seen = k
        seen = 10**9
        for k in range(n - 1, -1, -1):
            next_prose[k] = seen
            if a <= k < b and items[k].prose:
                seen = k
        for k in range(cut):
            items[k].p = p2[k]
            protected = a <= k < b and k - last_prose[k] <= gap and next_prose[k] - k <= gap
            keep[k] = p2[k] >= model["threshold"] or (protected and items[k].rule is None
                                                      and not items[k].end_marker)
    first_kept = next((k for k in range(n) if keep[k] and items[k].prose), cut)

    # Title (from the lines before the article and its first line).
    title_k, repeat_ks = _find_title(items, first_kept, t)
    title = items[title_k].text if title_k is not None else None
    if title_k is not None:
        reasons[title_k] = ("title", "taken as the document title")
        keep[title_k] = False
        for j in repeat_ks:
            reasons[j] = ("repeated-headline", f"repeats the title '{title[:60]}'")
            keep[j] = False

    # Donation amount ladders: two or more amount lines in a row.
    for k, it in enumerate(items):
        if it.rule == "donation-widget" and re.search(r"\d", it.text):
            near = [j for j in (k - 1, k + 1) if 0 <= j < n and items[j].rule == "donation-widget"]
            if not near:
                it.rule = None if keep[k] else it.rule

    # Byline / date near the top.
    published: str | None = None
    author: str | None = None
    top_limit = first_kept + 3
    for k, it in enumerate(items[: min(n, top_limit + 1)]):
        if it.rule in ("byline", "dateline") and k not in reasons:
            if published is None:
                published = _find_date(it.text)
            if author is None and it.rule == "byline":
                m = _AUTHOR.match(it.text)
                if m:
                    author = m.group("name").strip() or None

    removed: list[Removed] = []
    paragraphs: list[str] = []
    for k, it in enumerate(items):
        if k in reasons:
            reason, detail = reasons[k]
            removed.append(Removed(it.idx, it.text, reason, detail))
            continue
        if keep[k]:
            if it.rule in rules.inside_ok and not it.prose:
                removed.append(Removed(it.idx, it.text, it.rule, "matched pattern inside article"))
                continue
            if it.end_marker:
                removed.append(Removed(it.idx, it.text, "related-list", "list heading"))
                continue
            body = it.text
            for reason, pat in rules.fragment_rules:
                m = pat.search(body)
                if m and m.start() > 0:
                    frag = body[m.start():].strip()
                    if reason == "photo-credit" and it.words <= t["caption_max_words"]:
                        removed.append(Removed(it.idx, it.text, "photo-credit",
                                               f"caption ending in credit '{frag[:60]}'"))
                        body = ""
                        break
                    removed.append(Removed(it.idx, frag, reason, "fragment at end of line"))
                    body = body[: m.start()].rstrip()
            if body:
                paragraphs.append(body)
            continue
        # outside the article
        if it.p >= 0 and it.rule is None and not it.end_marker and not it.comment_marker:
            kind = "outside-main-block" if it.prose else (
                "short-menu-line" if it.words < t["prose_min_words"] else "low-stopword-density")
            removed.append(Removed(it.idx, it.text, kind,
                                   f"line model p={it.p:.2f} ({code}, stopword density "
                                   f"{max(it.sd, 0):.2f}, threshold {thr:.2f})"))
            continue
        if it.rule is not None:
            reason, detail = it.rule, "matched pattern outside article"
        elif it.end_marker:
            reason, detail = "related-list", "list heading outside article"
        elif it.comment_marker:
            reason, detail = "comment-section", "comment marker outside article"
        elif it.prose:
            reason, detail = "outside-main-block", f"prose line outside the main block ({code})"
        elif it.words < t["prose_min_words"]:
            reason, detail = "short-menu-line", f"{it.words} words outside the main block"
        else:
            reason, detail = "low-stopword-density", f"stopword density {it.sd:.2f} < {thr:.2f} ({code})"
        removed.append(Removed(it.idx, it.text, reason, detail))

    if title is not None:
        title = re.sub(r"\s+", " ", title).strip()
    return TextCleanResult(title, author, published, tuple(paragraphs), tuple(removed))
