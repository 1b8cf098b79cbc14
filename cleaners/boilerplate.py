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
import operator
import os
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, chain
from pathlib import Path

from cleaners.decode import drop_invisible

__all__ = ["Removed", "TextCleanResult", "clean_text", "strip_residue"]

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
        # the three marker kinds in one regex: one call per short line
        self.markers = re.compile(
            f"(?P<form>{self.comment_form.pattern})|(?P<counter>{self.comment_counter.pattern})"
            f"|(?P<end>{self.end_marker.pattern})",
            re.I,
        )
        # Comment markers run together on one line (a heading and its reply form, a counter
        # and "comments are closed"), as text dumps join a widget's blocks.
        self.marker_run = re.compile(
            rf"(?:(?:{self.comment_form.pattern}|{self.comment_counter.pattern})[\s:|·•\-–]*){{2,3}}",
            re.I,
        )
        self._init_fragments(raw)
        self.article_note = re.compile(raw["article_notes"]["pattern"], re.I)
        lex = raw["lexicons"]
        self.promo_stems = tuple(lex["promo"]["stems"])
        self.promo_words = frozenset(lex["promo"]["words"])
        self.reader = frozenset(lex["reader"]["words"])
        self.line_rules: list[tuple[str, re.Pattern[str], int]] = []
        self.requires: list[tuple[str, ...] | None] = []
        for e in raw["line_rules"]:
            pat = _DATE_ONLY if e["pattern"] == "DATE_ONLY" else re.compile(e["pattern"], re.I)
            self.line_rules.append((e["reason"], pat, int(e.get("max_words", 12))))
            req = e.get("requires")
            self.requires.append(tuple(req) if req else None)
        # Rules are tried as one alternation per (word-count bucket, which guarded rules can
        # match): only the rules that allow that many words and whose cheap substring guard
        # ("requires") holds, in file order, so the first rule that matches wins. One regex
        # call per line; the alternations are compiled on first use.
        self.max_rule_words = max(mw for _, _, mw in self.line_rules)
        self.limits = sorted({mw for _, _, mw in self.line_rules})
        self.bucket_of = [0] * (self.max_rule_words + 1)
        lo = 0
        for n, limit in enumerate(self.limits):
            for w in range(lo, limit + 1):
                self.bucket_of[w] = n
            lo = limit + 1
        self.guarded = [i for i, r in enumerate(self.requires) if r is not None]
        self.guard_re = {i: re.compile("|".join(re.escape(x) for x in self.requires[i] or ()))
                         for i in self.guarded}
        # Unguarded rules: one alternation per word-count bucket (only the rules that allow
        # that many words, in file order: the first rule that matches wins). Guarded rules are
        # slow patterns behind a cheap substring test, tried alone and only when it holds.
        self.alternations = []
        for limit in self.limits:
            idx = [i for i, (_, _, mw) in enumerate(self.line_rules)
                   if mw >= limit and self.requires[i] is None]
            self.alternations.append(re.compile(
                "|".join(f"(?P<r{i}>{re.sub(r'[(][?]P<[a-z]+>', '(?:', self.line_rules[i][1].pattern)})"
                         for i in idx) or "(?!)",
                re.I,
            ))

    def _init_fragments(self, raw: dict) -> None:
        self.fragment_rules = [
            (e["reason"], re.compile(e["pattern"], 0 if e.get("flags") == "case" else re.I),
             tuple(e["requires"]))
            for e in raw["fragment_rules"]
        ]


# Fragment rules are anchored at the end of a line and none can match more than a few hundred
# characters: they are searched in the line's tail only (long paragraphs cost no more).
_FRAGMENT_TAIL = 400


def _fragment_search(rule: tuple[str, re.Pattern[str], tuple[str, ...]], text: str
                     ) -> re.Match[str] | None:
    _, pat, requires = rule
    if not any(r in text for r in requires):
        return None
    return pat.search(text, max(0, len(text) - _FRAGMENT_TAIL))


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
def _stop_index() -> tuple[dict[str, frozenset[str]], dict[str, list[str]]]:
    """All jusText stop lists: {language: words} and {word: languages}.

    The lists are read straight from jusText's package folder (the files its get_stoplist
    reads): importing jusText pulls in lxml, and the whole load then took 0.56 s per process
    against 0.1 s this way, paid once by every worker."""
    lists: dict[str, frozenset[str]] = {}
    try:
        from importlib.util import find_spec

        spec = find_spec("justext")
        folder = Path(spec.origin).parent / "stoplists" if spec and spec.origin else None
        if folder is not None and folder.is_dir():
            for path in sorted(folder.glob("*.txt")):
                lists[path.stem] = frozenset(path.read_text(encoding="utf-8").lower().split())
    except Exception:  # noqa: BLE001 - unreadable: fall back to jusText's own loader below
        lists = {}
    if not lists:
        try:
            import justext

            lists = {name: frozenset(justext.get_stoplist(name))
                     for name in justext.get_stoplists()}
        except Exception:  # justext missing or broken: no stop words (density 0 → length)
            lists = {}
    index: dict[str, list[str]] = {}
    for name, words in lists.items():
        for w in words:
            langs = index.get(w)
            if langs is None:
                index[w] = [name]
            else:
                langs.append(name)
    return lists, index


_WORD = re.compile(r"\w+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_TERMINAL_CHARS = frozenset(".!?…:;\"'”“’»«)]。！？」』")
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
    get = index.get
    counts = Counter(chain.from_iterable(
        [langs * c for tok, c in Counter(tokens).items() if (langs := get(tok))]))
    if not counts:
        return None
    return max(counts.items(), key=lambda kv: (kv[1], kv[0] == "English"))[0]


# ---------------------------------------------------------------------------------------------
# Line features


@dataclass(slots=True)
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
    terminal: bool = False  # ends like a sentence (., !, ?, quote, bracket)
    tokens: frozenset[str] = frozenset()  # the line's lower-case words
    content: frozenset[str] = frozenset()  # content words: 4+ letters, not stop words
    promo: int = 0  # words of the promo lexicon (site talking about itself, asking the reader)
    reader: float = 0.0  # share of second-person words


# Short lines repeat (menus, share buttons, "Home", "Reply": 43% of the dev set's lines of at
# most 80 characters were seen before), and matching them is the costliest step: memoized.
_CACHE_MAX_CHARS = 80
_CACHE_SIZE = 100_000  # cleared when full: bounded memory (~20 MB) per process
_MATCH_CACHE: dict[tuple[str, int], tuple[str | None, str | None]] = {}


def _match_rule(text: str, nwords: int, rules: _Rules, low: str | None = None) -> str | None:
    if len(text) > 600 or nwords > rules.max_rule_words:
        return None
    m = rules.alternations[rules.bucket_of[nwords]].fullmatch(text)
    first = int((m.lastgroup or "r0")[1:]) if m is not None else len(rules.line_rules)
    low = text.lower() if low is None else low
    for i in rules.guarded:
        if i >= first:
            break
        if nwords <= rules.line_rules[i][2] and rules.guard_re[i].search(low) is not None \
                and rules.line_rules[i][1].fullmatch(text):
            return rules.line_rules[i][0]
    return rules.line_rules[first][0] if m is not None else None


def _features(lines: list[str], language: str | None) -> tuple[list[_Line], str | None]:
    rules = _rules()
    items: list[_Line] = []
    toks_per_line: list[list[str]] = []
    lows: list[str] = []
    for i, raw in enumerate(lines):
        text = " ".join(raw.split()) if len(raw) < 100_000 else raw.strip()
        if not text:
            continue
        low = text.lower()
        toks = _WORD.findall(low) if len(text) < 100_000 else low.split()
        toks_per_line.append(toks)
        lows.append(low)
        nwords = text.count(" ") + 1  # whitespace already collapsed to single spaces
        if not text.isascii() and _CJK.search(text, 0, 2000) is not None:
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
    promo_words, promo_stems = rules.promo_words, rules.promo_stems
    for it, toks, low in zip(items, toks_per_line, lows, strict=True):
        if toks:
            it.sd = sum(map(stop.__contains__, toks)) / len(toks)
            it.tokens = frozenset(toks)
            it.content = frozenset(x for x in it.tokens - stop if len(x) >= 4
                                   and not x.isdigit())
            it.reader = sum(map(rules.reader.__contains__, toks)) / len(toks)
            it.promo = len([x for x in toks[:300] if x in promo_words
                            or x.startswith(promo_stems)])
        if it.words > len(toks) + 5:  # CJK: no stop list here, treat density as typical
            it.sd = -1.0
        key = (it.text, it.words)
        hit = _MATCH_CACHE.get(key) if len(it.text) <= _CACHE_MAX_CHARS else None
        if hit is None:
            rule = _match_rule(it.text, it.words, rules, low)
            marker = None
            if it.words <= 12 and len(it.text) <= 200:
                m = rules.markers.fullmatch(it.text)
                marker = m.lastgroup if m is not None else None
                if marker is None and rules.marker_run.fullmatch(it.text):
                    # two or three comment markers run into one line by the dump
                    # ("Kommentare Schreibe einen Kommentar"): a form if any part is one
                    marker = "form" if rules.comment_form.search(it.text) else "counter"
            hit = (rule, marker)
            if len(it.text) <= _CACHE_MAX_CHARS:
                if len(_MATCH_CACHE) >= _CACHE_SIZE:
                    _MATCH_CACHE.clear()
                _MATCH_CACHE[key] = hit
        it.rule, marker = hit
        it.terminal = it.text[-1] in _TERMINAL_CHARS  # text is stripped
        if marker is not None:
            it.comment_form = marker == "form"
            it.comment_marker = marker in ("form", "counter")
            it.end_marker = marker == "end"
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
        and text[-1:] not in ".,;:"
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
# Line model: two small logistic regressions over the features below, trained by
# bench/train_line_model.py on the dev set's train split (dense labels: the lines trafilatura
# keeps from the page's HTML, overridden by the hand-made fragments), then a two-state Viterbi
# pass: article text comes in contiguous blocks, so an isolated flip costs a switch penalty.
# It only re-decides article vs not for lines the hard rules (comment section, title,
# inside-article patterns) leave open.

_MODEL = Path(__file__).with_name("data") / "line_model.json"
_USE_MODEL = os.environ.get("CLEANWIRE_LINE_MODEL", "1") != "0"
_CAPTURE: list | None = None  # set to a list by the training script only
_SEP = re.compile(r"[|»›•·]")
_DIGIT = re.compile(r"\d")
_ALPHA = re.compile(r"[a-zA-Z]")
_HAS_WORD = re.compile(r"[^\W_]")  # a letter or digit in any script
_REASON_FEATURES = ("navigation", "legal-link", "share-prompt", "newsletter", "byline",
                    "dateline", "photo-credit", "copyright", "tag-list", "comment-meta")
_CTX_NAMES = ("log_words", "density", "terminal", "rule", "prose")  # per neighbour
_CTX_OFFSETS = (-3, -2, -1, 1, 2, 3)  # _vectors relies on this exact window
_RULE_ONEHOT = {r: tuple(1.0 if r == q else 0.0 for q in _REASON_FEATURES)
                for r in _REASON_FEATURES}
_NO_RULE = (0.0,) * len(_REASON_FEATURES)
FEATURE_NAMES = (
    "in_run", "in_main", "run_share", "prose", "log_words", "density_ratio", "terminal",
    "heading_like", "rule", "rule_inside_ok", "before_main", "after_main", "log_dist",
    "prev_keep", "next_keep", "rel_pos", "digits", "title_case",
    "separators", "ends_colon", "repeated", "after_end_marker", "end_marker", "short_sentence",
    "log_chars", "window_prose", "window10_prose", "long_run", "log_prev_prose_dist",
    "log_next_prose_dist", "chars_share_of_max", "main_pos", "log_page_lines", "comment_marker",
    "short_x_window", "short_x_in_main", "short_x_both_keep", "heading_x_next_prose",
    "colon_x_next_short", "after_main_x_prose", "before_main_x_prose", "long_x_sparse",
    "coh_prose", "coh_other", "no_content", "short_x_coh_prose",
    "log_promo", "promo_share", "reader", "brand",
    "key_value", "quantity", "starts_lower", "kv_nb", "qty_nb", "lower_nb", "repeated_near",
    *(f"rule_{r}" for r in _REASON_FEATURES),
    *(f"{n}@{d:+d}" for d in _CTX_OFFSETS for n in _CTX_NAMES),
)
# Stage 2 sees the line's own stage-1 features again next to its neighbours' probabilities:
# two-fold CV inside the train split, `with` kept at `without` gone 0.85: 0.909 -> 0.918 (a
# tree model over the same inputs reached 0.924, for 5 ms/page more and numpy at run time).
STAGE2_NAMES = (*(f"s1:{n}" for n in FEATURE_NAMES),
                "p", "logit", "mean2", "mean5", "mean10", "max_nb", "min_nb",
                *(f"p@{d:+d}" for d in _CTX_OFFSETS), "long_run", "in_main", "short",
                "short_x_mean5", "short_x_min_nb")


@lru_cache(maxsize=1)
def _line_model() -> dict | None:
    try:
        raw = json.loads(_MODEL.read_text(encoding="utf-8"))
        if tuple(raw["features"]) != FEATURE_NAMES or tuple(raw["stage2_features"]) != STAGE2_NAMES:
            return None  # trained for another feature set: fall back to the rules
        return {
            "w": [float(x) for x in raw["weights"]], "b": float(raw["bias"]),
            "w2": [float(x) for x in raw["stage2_weights"]], "b2": float(raw["stage2_bias"]),
            "threshold": float(raw["threshold"]),
            "switch_penalty": float(raw.get("switch_penalty", 0.0)),
        }
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _stage1(feats: list[list[float]], w: list[float], b: float) -> list[float]:
    mul, exp = operator.mul, math.exp
    out = []
    for x in feats:
        z = b + sum(map(mul, w, x))
        out.append(1.0 / (1.0 + exp(-(30.0 if z > 30.0 else -30.0 if z < -30.0 else z))))
    return out


def _window_means(values: list[float], w: int) -> list[float]:
    """Mean of values[k-w : k+w+1] (clipped at both ends) for every k, without a Python loop
    over the interior."""
    n = len(values)
    cum = list(accumulate(values, initial=0.0))
    padded = [0.0] * w + cum + [cum[-1]] * w
    sums = list(map(operator.sub, padded[2 * w + 1: 2 * w + 1 + n], padded[:n]))
    counts = [2 * w + 1] * n
    for k in chain(range(min(w, n)), range(max(w, n - w), n)):
        counts[k] = min(n, k + w + 1) - max(0, k - w)
    return list(map(operator.truediv, sums, counts))


def _stage2_vectors(p: list[float], feats: list[list[float]]) -> list[list[float]]:
    """Context features over the first-stage probabilities: a line among article lines is
    article text more often than its own features say, and the reverse for menus."""
    n = len(p)
    i_run, i_main = FEATURE_NAMES.index("long_run"), FEATURE_NAMES.index("in_main")
    i_lw = FEATURE_NAMES.index("log_words")
    short_lw = math.log1p(_rules().t["prose_min_words"]) / 5.0
    pad = [0.0] * 3 + p + [0.0] * 3
    m2, m5, m10 = _window_means(p, 2), _window_means(p, 5), _window_means(p, 10)
    log = math.log
    out = []
    for k in range(n):
        pk = p[k]
        pk = 1e-6 if pk < 1e-6 else 1 - 1e-6 if pk > 1 - 1e-6 else pk
        prev, nxt = pad[k + 2], pad[k + 4]
        hi, lo = (prev, nxt) if prev >= nxt else (nxt, prev)
        mean5 = m5[k]
        fk = feats[k]
        short = 1.0 if fk[i_lw] < short_lw else 0.0
        out.append([*fk, pk, log(pk / (1 - pk)) / 4.0, m2[k], mean5, m10[k], hi, lo, pad[k],
                    pad[k + 1], prev, nxt, pad[k + 5], pad[k + 6], fk[i_run], fk[i_main], short,
                    short * mean5, short * lo])
    return out


def _viterbi(p: list[float], threshold: float, penalty: float) -> list[bool]:
    """Best article/boilerplate labelling: sum of log-odds (relative to the threshold) of the
    lines called article, minus ``penalty`` per switch between the two states."""
    if penalty <= 0:
        return [x >= threshold for x in p]
    off = math.log(threshold / (1 - threshold))
    s0, s1 = 0.0, 0.0
    back: list[tuple[int, int]] = []
    for x in p:
        x = min(max(x, 1e-6), 1 - 1e-6)
        e = math.log(x / (1 - x)) - off
        from0 = 0 if s0 >= s1 - penalty else 1  # best predecessor of state 0
        from1 = 1 if s1 >= s0 - penalty else 0  # best predecessor of state 1
        n0 = max(s0, s1 - penalty)
        n1 = max(s1, s0 - penalty) + e
        back.append((from0, from1))
        s0, s1 = n0, n1
    state = 1 if s1 > s0 else 0
    out = [False] * len(p)
    for k in range(len(p) - 1, -1, -1):
        out[k] = state == 1
        state = back[k][state]
    return out


_KEY_VALUE = re.compile(r"[^:]{2,40}:\s+\S")
_QUANTITY = re.compile(  # "2 tbsp", "1-2 Spritzer", "120g", "ca. 3 Stück", "½ Tasse"
    r"(?:ca\.\s*)?[\d½¼¾⅓⅔]+(?:[.,/-]\d+)?(?:\s*[-–]\s*\d+(?:[.,/]\d+)?)?\s*[^\W\d_]")
_TITLE_SEP = re.compile(r"\s+(?:[|\-–—·•»:]|//|::)\s+")


def _brand_words(items: list[_Line]) -> frozenset[str]:
    """The site's name from the first line when it is a page title "Headline | Site": its
    words (3+ characters). Lines naming the site are often the site talking about itself."""
    if not items:
        return frozenset()
    parts = _TITLE_SEP.split(items[0].text)
    if len(parts) < 2:
        return frozenset()
    site = parts[-1] if len(parts[-1].split()) <= 4 else parts[0]
    if len(site.split()) > 4:
        return frozenset()
    return frozenset(w for w in _WORD.findall(site.lower()) if len(w) >= 3 and not w.isdigit())


def _vectors(items: list[_Line], keep: list[bool], run_score: list[float], best: float,
             a: int, b: int, cut: int, thr: float) -> list[list[float]]:
    n = len(items)
    rules = _rules()
    t = rules.t
    counts: dict[str, int] = {}
    for it in items:
        if it.words <= 12:
            counts[it.text] = counts.get(it.text, 0) + 1
    end_k = next((k for k in range(a, n) if items[k].end_marker), n)
    prose_flags = [1.0 if it.prose else 0.0 for it in items]
    win3, win10 = _window_means(prose_flags, 3), _window_means(prose_flags, 10)
    min_words = t["prose_min_words"]
    title_max = t["title_max_words"]
    # runs of consecutive long lines (menus are short lines; articles are runs of long ones)
    long_run = [0.0] * n
    k = 0
    while k < n:
        if items[k].words >= min_words:
            j = k
            while j < n and items[j].words >= min_words:
                j += 1
            v = math.log1p(j - k) / 3.0
            for m in range(k, j):
                long_run[m] = v
            k = j
        else:
            k += 1
    prev_prose = [0.0] * n  # log distance to the nearest prose line before / after
    next_prose = [0.0] * n
    seen = -1
    for k in range(n):
        prev_prose[k] = math.log1p(k - seen if seen >= 0 else 200) / 5.0
        if prose_flags[k]:
            seen = k
    seen = -1
    for k in range(n - 1, -1, -1):
        next_prose[k] = math.log1p(seen - k if seen >= 0 else 200) / 5.0
        if prose_flags[k]:
            seen = k
    max_chars = max(len(it.text) for it in items) or 1
    log_lines = math.log1p(n) / 7.0
    inside_ok = rules.inside_ok
    # per-line primitives, also used as neighbour context
    prim: list[tuple[float, float, float, float, float]] = []
    for it in items:
        dens = 1.0 if it.sd < 0 else min(it.sd / thr, 3.0) if thr > 0 else 1.0
        prim.append((math.log1p(max(it.words, 1)) / 5.0, dens,
                     1.0 if it.terminal else 0.0,
                     1.0 if it.rule else 0.0, 1.0 if it.prose else 0.0))
    # Lexical cohesion: the share of a line's content words found in the page's other prose
    # lines (an article's subheadings and short lines talk about what its paragraphs do) and
    # in its other non-prose lines (menus and teaser lists share their template words).
    prose_df: Counter[str] = Counter()
    other_df: Counter[str] = Counter()
    for it in items:
        (prose_df if it.prose else other_df).update(it.content)
    prose_any, other_any = prose_df.keys(), other_df.keys()
    prose_2 = {x for x, c in prose_df.items() if c > 1}  # in a prose line besides this one
    other_2 = {x for x, c in other_df.items() if c > 1}
    coh: list[tuple[float, float, float]] = []
    for it in items:
        c = it.content
        if not c:
            coh.append((0.0, 0.0, 1.0))
            continue
        cp = len(c & prose_2 if it.prose else c & prose_any) / len(c)
        co = len(c & other_any if it.prose else c & other_2) / len(c)
        coh.append((cp, co, 0.0))
    brand = _brand_words(items)
    # list shapes of article content that menus lack: "Key: value" spec lines, lines starting
    # with a quantity (ingredients, figures), lines starting lower-case (continuations)
    shape = [(1.0 if _KEY_VALUE.match(it.text) else 0.0,
              1.0 if _QUANTITY.match(it.text) else 0.0,
              1.0 if it.text[0].islower() else 0.0) for it in items]
    shape_pad = [(0.0, 0.0, 0.0)] + shape + [(0.0, 0.0, 0.0)]
    # short lines repeated on the page (category labels, "Reply", "66 Likes") near a line:
    # teaser lists and comment threads repeat a template; an article's paragraphs do not
    rep_near = _window_means([1.0 if counts.get(it.text, 0) > 1 or it.rule is not None else 0.0
                              for it in items], 3)
    zero = (0.0, 0.0, 0.0, 0.0, 0.0)
    padded = [zero] * 3 + prim + [zero] * 3
    # the neighbours' primitives at -3, -2, -1 (ctx[k]) and +1, +2, +3 (ctx[k + 4])
    ctx = [padded[j] + padded[j + 1] + padded[j + 2] for j in range(len(padded) - 2)]
    out: list[list[float]] = []
    for k in range(cut):  # lines in the comment section are never scored
        it = items[k]
        text = it.text
        lw, dens, terminal, has_rule, prose = prim[k]
        dist = a - k if k < a else (k - b + 1 if k >= b else 0)
        head = text[:300]
        if head.isascii() and head.isalpha():  # one word, letters only
            caps = 1.0 if head[0].isupper() else 0.0
            digits = 0.0
        else:
            words = text.split(None, 30)[:30]
            caps = len([1 for w in words if w[0].isupper()]) / len(words)
            digits = len(_DIGIT.findall(head)) / len(head)
        vec = [
            1.0 if keep[k] else 0.0,
            1.0 if a <= k < b else 0.0,
            run_score[k] / best if best > 0 else 0.0,
            prose,
            lw,
            dens,
            terminal,
            1.0 if (2 <= it.words <= title_max and len(text) <= 250
                    and text[-1] not in ".,;:" and it.rule is None and not it.comment_marker
                    and not it.end_marker
                    and (_ALPHA.search(text) is not None if text.isascii()
                         else any(ch.isalpha() for ch in text))) else 0.0,
            has_rule,
            1.0 if it.rule in inside_ok else 0.0,
            1.0 if k < a else 0.0,
            1.0 if k >= b else 0.0,
            math.log1p(dist) / 4.0,
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
            1.0 if terminal and not prose and (it.sd >= thr or it.sd < 0) else 0.0,
            math.log1p(len(text)) / 8.0,
            win3[k],
            win10[k],
            long_run[k],
            prev_prose[k],
            next_prose[k],
            len(text) / max_chars,
            (k - a) / (b - a) if a <= k < b else 0.0,
            log_lines,
            1.0 if it.comment_marker else 0.0,
        ]
        short = 1.0 if it.words < min_words else 0.0
        in_main = vec[1]
        nxt_words = items[k + 1].words if k + 1 < n else 0
        vec += [
            short * vec[25],
            short * in_main,
            short * vec[13] * vec[14],
            vec[7] * padded[k + 4][4],
            vec[19] * (1.0 if 0 < nxt_words < min_words else 0.0),
            vec[11] * prose,
            vec[10] * prose,
            lw * (1.0 if dens < 1.0 else 0.0),
            *coh[k],
            short * coh[k][0],
            math.log1p(it.promo) / 2.0,
            min(it.promo / max(it.words, 1), 1.0),
            it.reader,
            1.0 if k > 0 and brand and not brand.isdisjoint(it.tokens) else 0.0,
            *shape[k],
            *(max(x, y) for x, y in zip(shape_pad[k], shape_pad[k + 2], strict=True)),
            rep_near[k],
        ]
        vec += _RULE_ONEHOT.get(it.rule, _NO_RULE)
        vec += ctx[k]
        vec += ctx[k + 4]
        out.append(vec)
    return out


# ---------------------------------------------------------------------------------------------
# Main entry point


def clean_text(text: str, *, language: str | None = None) -> TextCleanResult:
    """Split a page-text dump into article paragraphs and explained removals. Never raises."""
    try:
        text = text if isinstance(text, str) else str(text)
        # Soft hyphens and the like inside words ("Kom\xadmen\xadtare") defeat every pattern and
        # split words into pieces that are not stop words: decoding removes them, and so does
        # clean_text when given a dump cleanwire did not decode (spektrum.de: 353 paragraphs
        # instead of 22).
        return _clean_stable(drop_invisible(text), language)
    except Exception as exc:  # pragma: no cover - last resort: keep everything, say why
        paras = tuple(" ".join(x.split()) for x in str(text).split("\n") if x.strip())
        return TextCleanResult(None, None, None, paras,
                               (Removed(0, "", "internal-error", repr(exc)[:200]),))


def _clean_stable(text: str, language: str | None) -> TextCleanResult:
    """``_clean``, then, when short lines were kept above the first article paragraph (the one
    place where the line model's context changes most once the page chrome is gone), clean the
    clean document again and drop what that pass drops: cleaning clean text changes nothing."""
    result, src, check, lang = _clean(text, language)
    for _ in range(2):
        if not check or not result.paragraphs:
            break
        title_line = next((r.line for r in result.removed if r.reason == "title"), None)
        doc = ([result.title] if result.title else []) + list(result.paragraphs)
        doc_src = ([title_line if title_line is not None else src[0]] if result.title else []) \
            + src
        again, src2, check, _ = _clean("\n".join(doc), lang or language)
        if ([again.title] if again.title else []) + list(again.paragraphs) == doc:
            break
        same_title = again.title == result.title
        kept_lines = set(src2)  # line numbers in doc
        removed = [r for r in result.removed
                   if same_title or r.reason != "title" or r.line not in
                   {doc_src[i] for i in kept_lines} | {doc_src[x.line] for x in again.removed
                                                      if x.reason == "title"}]
        removed += [Removed(doc_src[r.line], r.text, r.reason, f"second pass: {r.detail}")
                    for r in again.removed if not (same_title and r.reason == "title")]
        removed.sort(key=lambda r: r.line)
        result = TextCleanResult(again.title, result.author or again.author,
                                 result.published or again.published, again.paragraphs,
                                 tuple(removed))
        src = [doc_src[i] for i in src2]
    return result


def _clean(text: str, language: str | None
           ) -> tuple[TextCleanResult, list[int], bool, str | None]:
    """One pass: (result, input line number of each paragraph, whether short lines were kept
    above the first article paragraph, the stop-list language used)."""
    rules = _rules()
    t = rules.t
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    items, lang = _features(lines, language)
    if not items:
        return TextCleanResult(None, None, None, (), ()), [], False, lang
    lists, _ = _stop_index()
    thr = _prose_threshold(items, t, lang in lists)
    code = _NAME_TO_CODE.get(lang or "", lang or "?")
    n = len(items)

    # Scores for the main-block search.
    scores: list[float] = []
    for it in items:
        long_enough = it.words >= t["prose_min_words"] and len(it.text) >= t["prose_min_chars"]
        sentence = it.words >= t["title_max_words"] or it.terminal
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
        elif it.sd >= thr and it.words >= 4 and it.terminal:
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
    # A marker above the main block that is printed again further down, after article prose
    # ("Write a comment" under the byline and under the article), is a jump link there: the
    # second one counts.
    last_at = {it.text.casefold(): k for k, it in enumerate(items) if it.comment_marker}
    for k, it in enumerate(items):
        if it.comment_marker and prose_before >= 2.0:
            key = it.text.casefold()
            again = k < main_a < last_at[key]
            if (it.comment_form or k > main_a or prose_before >= total_prose - prose_before) \
                    and not again:
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
        p2 = _stage1(_stage2_vectors(p1, feats), model["w2"], model["b2"])
        decided = _viterbi(p2, model["threshold"], model["switch_penalty"])
        gap = int(t["protected_gap_lines"])
        for k in range(cut):
            items[k].p = p2[k]
            keep[k] = decided[k]
        # A short gap between two article paragraphs the model keeps (a list of figures,
        # ingredients, a subheading) stays with them, unless a pattern or marker says otherwise,
        # and then it goes. Decided without the model, so that cleaning the clean text again
        # (where the gap's surroundings have changed) decides the same way.
        prev = -1  # last prose line kept by the model
        for k in range(cut):
            if not (items[k].prose and keep[k]):
                continue
            if prev >= 0 and 1 < k - prev <= gap + 1 and a <= prev and k < b:
                between = range(prev + 1, k)
                if all(not items[j].prose and items[j].words <= t["title_max_words"]
                       for j in between):
                    for j in between:
                        keep[j] = items[j].rule is None and not items[j].end_marker and \
                            not items[j].comment_marker
            prev = k
        # An author's note ("Update July 3rd: added a tweet.") next to a kept paragraph.
        for k in range(cut):
            it = items[k]
            near = range(max(0, k - 2), min(n, k + 3))
            if not keep[k] and it.terminal and it.rule is None and not it.end_marker \
                    and not it.comment_marker and it.words <= 60 \
                    and any(keep[j] and items[j].prose for j in near) \
                    and rules.article_note.fullmatch(it.text):
                keep[k] = True
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

    # A line matching a boilerplate pattern is kept only between article paragraphs (a lone
    # figure inside an article), and a short line never after the last one: at the edges of
    # what is kept they are page chrome, and cleaning the clean text again would drop them
    # there (idempotence). Short lines before the first paragraph stay (deks, subheadings):
    # trimming them too cost 0.018 of `with kept` on the train split for 0.015 `w/o gone`.
    # A sentence of 5+ words after the last paragraph that the model keeps stays too (a
    # closing line, "Be there or be square!"): +0.004 `with kept`, `w/o gone` unchanged.
    credit = [rule for rule in rules.fragment_rules if rule[0] == "photo-credit"]

    def is_caption(it: _Line) -> bool:  # removed whole below: a caption ending in a credit
        return it.words <= t["caption_max_words"] and any(
            (m := _fragment_search(rule, it.text)) is not None and m.start() > 0
            for rule in credit)

    kept_prose = [k for k in range(n) if keep[k] and items[k].prose and k not in reasons
                  and not is_caption(items[k])]
    if kept_prose:
        leading = (k for k in range(kept_prose[0]) if items[k].rule is not None)
        for k in chain(leading, range(kept_prose[-1] + 1, n)):
            it = items[k]
            sentence = k > kept_prose[0] and it.terminal and it.words >= 5
            if keep[k] and k not in reasons and (it.rule is not None
                                                 or not (it.prose or sentence)):
                reasons[k] = (it.rule or "short-menu-line",
                              "short line at the edge of the article")
    removed: list[Removed] = []
    paragraphs: list[str] = []
    src_items: list[int] = []
    check = seen_prose = False
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
            if not _HAS_WORD.search(it.text):  # "()", "|", "•": no letter or digit at all
                removed.append(Removed(it.idx, it.text, "no-text",
                                       "line without a letter or digit"))
                continue
            if it.comment_marker and not it.prose:  # "View all comments" is never article text
                removed.append(Removed(it.idx, it.text, "comment-section",
                                       "comment marker inside article"))
                continue
            body = it.text
            for rule in rules.fragment_rules:
                reason = rule[0]
                m = _fragment_search(rule, body)
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
                src_items.append(it.idx)
                if not seen_prose and not it.prose:
                    check = True
                seen_prose = seen_prose or it.prose
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
    return (TextCleanResult(title, author, published, tuple(paragraphs), tuple(removed)),
            src_items, check, lang)


# ---------------------------------------------------------------------------------------------
# Second pass over an HTML extractor's output (trafilatura): high-precision rules only

_RESIDUE_REASONS = ("share-prompt", "newsletter", "back-to-top", "cookie-notice")


def strip_residue(paragraphs: list[str]) -> tuple[list[str], list[Removed]]:
    """Remove the widget lines an HTML extractor leaves in its output.

    Only high-precision rules, never the main-block search or the line model (the extractor
    already chose the article): a comment-section start marker after some prose cuts to the end,
    donation amount ladders (two or more amount lines in a row), and whole short lines that are
    share / subscribe / newsletter prompts, back-to-top buttons or cookie notices.
    ``Removed.line`` is the paragraph's index in ``paragraphs``.
    """
    rules = _rules()
    t = rules.t
    texts = [" ".join(p.split()) for p in paragraphs]
    nwords = [len(x.split()) for x in texts]
    kinds = [_match_rule(x, w, rules) if x else None for x, w in zip(texts, nwords, strict=True)]
    total = sum(len(x) for x in texts)
    removed: dict[int, tuple[str, str]] = {}
    seen = 0
    for k, x in enumerate(texts):
        if x and nwords[k] <= 12 and len(x) <= 200:
            form = rules.comment_form.fullmatch(x) is not None
            counter = not form and rules.comment_counter.fullmatch(x) is not None
            # a reply form needs some article before it; a counter/heading (also printed in
            # article headers) needs most of the text before it
            if (form and seen >= t["prose_min_chars"] * 2) or (counter and seen >= total - seen):
                for j in range(k, len(texts)):
                    removed[j] = ("comment-section", f"after comment-section start '{x}'")
                break
        seen += len(x)
    for k, kind in enumerate(kinds):
        if k in removed or kind is None:
            continue
        if kind == "donation-widget":
            if any(0 <= j < len(kinds) and kinds[j] == "donation-widget" for j in (k - 1, k + 1)):
                removed[k] = (kind, "donation widget line next to another")
        elif kind in _RESIDUE_REASONS:
            removed[k] = (kind, "widget line left by the HTML extractor")
    kept = [p for k, p in enumerate(paragraphs) if k not in removed]
    return kept, [Removed(k, texts[k], *removed[k]) for k in sorted(removed)]
