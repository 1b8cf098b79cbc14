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
        self.comment_start = re.compile(
            "|".join(f"(?:{e['pattern']})" for e in raw["comment_start"]), re.I
        )
        self.end_marker = re.compile(
            "|".join(f"(?:{e['pattern']})" for e in raw["end_markers"]), re.I
        )
        self.line_rules: list[tuple[str, re.Pattern[str], int]] = []
        for e in raw["line_rules"]:
            pat = _DATE_ONLY if e["pattern"] == "DATE_ONLY" else re.compile(e["pattern"], re.I)
            self.line_rules.append((e["reason"], pat, int(e.get("max_words", 12))))
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
_TERMINAL = re.compile(r"[.!?…:;\"'”“’»«)\]]\s*$")


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
    end_marker: bool = False


def _match_rule(text: str, nwords: int, rules: _Rules) -> str | None:
    if len(text) > 600:
        return None
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
        items.append(_Line(i, text, len(text.split()), 0.0))
    lang = _resolve_language(language)
    if lang is None:
        sample: list[str] = []
        for toks in toks_per_line:
            if len(toks) >= 6:
                sample.extend(toks[:200])
            if len(sample) > 1500:
                break
        lang = _guess_language(sample or [t for ts in toks_per_line for t in ts][:1500])
    lists, _ = _stop_index()
    stop = lists.get(lang or "", frozenset())
    for it, toks in zip(items, toks_per_line, strict=True):
        if toks:
            it.sd = sum(1 for t in toks if t in stop) / len(toks)
        it.rule = _match_rule(it.text, it.words, rules)
        if it.words <= 12 and len(it.text) <= 200:
            it.comment_marker = rules.comment_start.fullmatch(it.text) is not None
            it.end_marker = rules.end_marker.fullmatch(it.text) is not None
    return items, lang


def _prose_threshold(items: list[_Line], t: dict[str, float], has_stoplist: bool) -> float:
    if not has_stoplist:
        return 0.0
    dens = sorted(it.sd for it in items if it.words >= t["prose_min_words"])
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
        it.prose = (long_enough and sentence and it.sd >= thr and it.rule is None
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

    # Comment section: first marker with enough prose before it cuts to the end.
    cut = n
    prose_before = 0.0
    for k, it in enumerate(items):
        if it.comment_marker and prose_before >= 2.0:
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
    if best > 0:
        for k in range(a, b):
            keep[k] = True
        stack = [(0, a), (b, cut)]
        while stack:
            lo, hi = stack.pop()
            if hi - lo <= 0:
                continue
            s2, a2, b2 = _max_run(scores, lo, hi)
            if s2 >= t["secondary_block_min_score"]:
                for k in range(a2, b2):
                    keep[k] = True
                stack += [(lo, a2), (b2, hi)]
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
