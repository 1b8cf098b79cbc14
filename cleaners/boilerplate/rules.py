"""The rules of ``cleaners/data/boilerplate.json``, compiled once per process.

Every pattern, lexicon and threshold the package uses is in that file, each with the reason it
exists (``why``); this module only compiles them. A line rule names the kind of boilerplate a
whole line is ("navigation", "share-prompt", "byline", ...); a fragment rule cuts a piece off the
end of a kept line ("photo-credit", "editor-note"); the comment-start and end markers say where
the article's comment section and related lists begin. ``tests/test_boilerplate.py`` checks that
every entry and threshold of the file is read by the code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple

import regex

from cleaners.dates import DATE_ONLY
from cleaners.regextrie import CaseSensitive, lower_case, lowered, trie_alternation

DATA = Path(__file__).resolve().parent.parent / "data" / "boilerplate.json"
# The one line rule whose pattern is code: a date alone on a line (cleaners/dates.py).
_NAMED_PATTERNS = {"DATE_ONLY": DATE_ONLY}
# Longer lines are never matched against line rules: no rule describes a line that long (the
# longest, an HTML tag printed as text, allows 400 words), and a regex over a 5 MB line costs.
RULE_MAX_CHARS = 600
# A "prefix" rule (markup) is tried on a longer line's first characters: an ad tag's URL runs to
# thousands of characters.
PREFIX_MAX_CHARS = 5000
# Fragment rules are anchored at the end of a line and none can match more than a few hundred
# characters: they are searched in the line's tail only (long paragraphs cost no more).
FRAGMENT_TAIL = 400
# A guard's run of word characters (see Rules._init_guard_parts): word characters for `re` and
# for `regex` alike, as the line's words are found by either (features._read_line).
_GUARD_PART = re.compile(r"\w+")
_REGEX_WORD = regex.compile(r"\w+")


class LineRule(NamedTuple):
    reason: str
    pattern: re.Pattern[str]
    max_words: int  # the rule never matches a line of more words


# (reason, pattern, whether it runs on the line's lower case, requires)
FragmentRule = tuple[str, re.Pattern[str], bool, tuple[str, ...]]


def _alternation(entries: list[dict[str, Any]]) -> str:
    return "|".join(f"(?:{e['pattern']})" for e in entries)


class Rules:
    """boilerplate.json compiled: ``t`` holds the thresholds ({name: value})."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.t: dict[str, float] = {k: v["value"] for k, v in raw["thresholds"].items()}
        self.inside_ok = frozenset(raw["inside_block_reasons"]["value"])
        self.comment_chrome = tuple(raw["comment_chrome_reasons"]["value"])
        self._init_markers(raw)
        self._init_line_rules(raw["line_rules"])
        # the HTML mode's own line rules (cleaners.html._chrome_pass), and the line rules
        # marked html_chrome: (rule on the lower case, requires)
        self.html_chrome_rules: list[tuple[LineRule, tuple[str, ...]]] = [
            (LineRule(e["reason"], lowered(e["pattern"]), int(e["max_words"])),
             tuple(e.get("requires") or ()))
            for e in [*(e for e in raw["line_rules"] if e.get("html_chrome")),
                      *raw.get("html_chrome_rules", [])]]
        self.fragment_rules: list[FragmentRule] = [  # case-insensitive ones for lower case
            (e["reason"], *((re.compile(e["pattern"]), False) if e["flags"] == "case"
                            else (lowered(e["pattern"]), True)), tuple(e["requires"]))
            for e in raw["fragment_rules"]
        ]
        self.article_note = re.compile(raw["article_notes"]["pattern"], re.I)
        self.author = re.compile(raw["byline_author"]["pattern"], re.I)
        self.comment_header = lowered(raw["comment_header"]["pattern"])  # for lower case
        self.comment_header_words = int(raw["comment_header"]["max_words"])
        self.comment_header_other = int(raw["comment_header"]["max_other_words"])
        self.list_count = re.compile(raw["list_count"]["pattern"])
        self.list_count_words = int(raw["list_count"]["max_words"])
        box = raw["author_box"]
        self.author_box = re.compile(box["heading"], re.I)
        self.author_box_words = int(box["max_heading_words"])
        self.author_blurb_words = int(box["min_blurb_words"])
        self.author_blurb_lines = int(box["lines_to_blurb"])
        self.profile_link = re.compile(box["profile_link"], re.I)
        self.profile_heading = re.compile(box["profile_heading"], re.I)
        self.profile_blurb_lines = int(box["profile_blurb_lines"])
        self.profile_short_lines = int(box["profile_short_lines"])
        lex = raw["lexicons"]
        self.promo_stems = tuple(lex["promo"]["stems"])
        # the words, one a line, that begin with a promo stem (features._WordClasses)
        self.promo_stem_words = re.compile(
            f"(?m)^(?:{trie_alternation(self.promo_stems, any_prefix=True)}).*")
        self.promo_words = frozenset(lex["promo"]["words"])
        self.reader = frozenset(lex["reader"]["words"])

    def _init_markers(self, raw: dict[str, Any]) -> None:
        starts = raw["comment_start"]
        self.comment_form = re.compile(
            _alternation([e for e in starts if e["kind"] == "form"]), re.I)
        self.comment_counter = re.compile(
            _alternation([e for e in starts if e["kind"] != "form"]), re.I)
        ends = raw["end_markers"]
        self.end_marker = re.compile(_alternation(ends), re.I)
        (self.end_marker_reason,) = {e["reason"] for e in ends}  # one reason for all end markers
        # the three marker kinds in one regex: one call per short line
        # (for a line's lower case: see regextrie.lowered)
        self.markers = lowered(
            f"(?P<form>{self.comment_form.pattern})|(?P<counter>{self.comment_counter.pattern})"
            f"|(?P<end>{self.end_marker.pattern})")
        # Comment markers run together on one line (a heading and its reply form, a counter
        # and "comments are closed"), as text dumps join a widget's blocks.
        self.marker_run = lowered(
            rf"(?:(?:{self.comment_form.pattern}|{self.comment_counter.pattern})[\s:|·•\-–]*){{2,3}}")

    def _init_line_rules(self, entries: list[dict[str, Any]]) -> None:
        self.line_rules: list[LineRule] = []
        self.requires: list[tuple[str, ...] | None] = []
        for e in entries:
            pat = _NAMED_PATTERNS.get(e["pattern"]) or re.compile(e["pattern"], re.I)
            self.line_rules.append(LineRule(e["reason"], pat, int(e["max_words"])))
            req = e.get("requires")
            self.requires.append(tuple(req) if req else None)
        # Rules are tried as one alternation per word-count bucket: only the rules that allow
        # that many words, in file order, so the first rule that matches wins. One regex call
        # per line; rules with a cheap substring guard ("requires") are slow patterns, tried
        # alone and only when the guard holds (see match_rule).
        self.max_rule_words = max(rule.max_words for rule in self.line_rules)
        self.limits = sorted({rule.max_words for rule in self.line_rules})
        self.bucket_of = [0] * (self.max_rule_words + 1)
        lo = 0
        for n, limit in enumerate(self.limits):
            for w in range(lo, limit + 1):
                self.bucket_of[w] = n
            lo = limit + 1
        # rules matched at the start of a line longer than RULE_MAX_CHARS ("prefix": markup)
        self.prefix = [i for i, e in enumerate(entries) if e.get("prefix")]
        self.guarded = [i for i, r in enumerate(self.requires) if r is not None]
        # per word count, the guarded rules that allow it, in file order
        self.guarded_for = [[i for i in self.guarded if self.line_rules[i].max_words >= w]
                            for w in range(self.max_rule_words + 1)]
        # each guarded rule as match_rule tries it: (pattern, whether on the line's lower case)
        self.guarded_match = {i: _on_lower_case(self.line_rules[i].pattern) for i in self.guarded}
        self.guard_re = {i: re.compile(trie_alternation(self.requires[i] or (), any_prefix=True))
                         for i in self.guarded}
        # Per word count, every guard of the guarded rules that allow that many words in one
        # regex: most lines hold none of them, and one search rules them all out (one search
        # per guarded rule cost a third of match_rule).
        self.any_guard = self._per_word_count(lambda i: self.requires[i] or ())
        self._init_guard_parts()
        self.alternations = []
        for limit in self.limits:
            idx = [i for i, rule in enumerate(self.line_rules)
                   if rule.max_words >= limit and self.requires[i] is None]
            self.alternations.append(lowered(  # matched against the line's lower case
                "|".join(f"(?P<r{i}>{re.sub(r'[(][?]P<[a-z]+>', '(?:', self.line_rules[i].pattern.pattern)})"
                         for i in idx) or "(?!)"))

    def _init_guard_parts(self) -> None:
        """The guards as a line's words show them (match_rule's ``word_guards``). A guard's
        longest run of word characters ("follow" of "follow us", "google" of "google+", "php"
        of ".php") lies inside one of the line's words wherever the guard occurs in the line:
        each word is classified once, by the guarded rules whose parts it holds
        (features._WordClasses), and a line whose words hold no part is ruled out by a set
        operation, where searching the line for every guard cost a third of match_rule. A guard
        without a run of two word characters ("|", "©", "(c)", " x"; a digit is a part) is
        searched in the line."""
        self.guard_parts: list[tuple[int, tuple[str, ...]]] = []  # (1 << i, rule i's parts)
        text_guards: dict[int, list[str]] = {}  # rule i's guards searched in the line
        for i in self.guarded:
            parts: list[str] = []
            for guard in self.requires[i] or ():
                part = max(_GUARD_PART.findall(guard), key=len, default="")
                if len(part) >= 2 or part and part == guard:
                    if not _REGEX_WORD.fullmatch(part):
                        raise ValueError(f"guard {guard!r}: {part!r} is no word for `regex`")
                    parts.append(part)
                else:
                    text_guards.setdefault(i, []).append(guard)
            if parts:
                self.guard_parts.append((1 << i, tuple(dict.fromkeys(parts))))
        # the words, one a line, that hold a part of any guard
        any_part = trie_alternation({p for _, parts in self.guard_parts for p in parts},
                                    any_prefix=True)
        self.guard_words = re.compile(f"(?m)^.*?(?:{any_part}).*")
        self.text_guards = [(1 << i, re.compile(trie_alternation(g, any_prefix=True)))
                            for i, g in text_guards.items()]
        # per word count, the guards searched in the line of the rules that allow it
        self.any_text_guard = self._per_word_count(lambda i: text_guards.get(i, ()))

    def _per_word_count(self, guards: Callable[[int], Iterable[str]]) -> list[re.Pattern[str]]:
        """Per word count, one regex for the guards (``guards(i)`` of rule i) of the guarded
        rules that allow that many words; one compiled per distinct set of rules."""
        by_rules: dict[tuple[int, ...], re.Pattern[str]] = {}
        out: list[re.Pattern[str]] = []
        for w in range(self.max_rule_words + 1):
            idx = tuple(self.guarded_for[w])
            if idx not in by_rules:
                by_rules[idx] = re.compile(trie_alternation(
                    [g for i in idx for g in guards(i)], any_prefix=True))
            out.append(by_rules[idx])
        return out


def _on_lower_case(pattern: re.Pattern[str]) -> tuple[re.Pattern[str], bool]:
    """A case-insensitive pattern as one for the line's lower case (faster: see
    regextrie.lowered), and True; a pattern with a case-sensitive part as it is, and False."""
    try:
        return (lowered(pattern.pattern), True) if pattern.flags & re.I else (pattern, False)
    except CaseSensitive:
        return pattern, False


_LOADED: Rules | None = None


def rules() -> Rules:
    """The compiled rules of boilerplate.json (read on first use)."""
    global _LOADED
    if _LOADED is None:
        _LOADED = Rules(json.loads(DATA.read_text(encoding="utf-8")))
    return _LOADED


def match_rule(text: str, nwords: int, rules: Rules, low: str | None = None,
               word_guards: int | None = None) -> str | None:
    """The reason of the first line rule (in file order) that matches the whole line, or None.
    ``text`` is the line with whitespace collapsed, ``low`` its lower case (``text.lower()``)
    if known. ``word_guards``, if known: the guarded rules whose guard parts the words of
    ``low`` (``lower_case(text, low)``) hold, bit i for rule i (see Rules._init_guard_parts)."""
    if len(text) > RULE_MAX_CHARS or nwords > rules.max_rule_words:
        head = text[:PREFIX_MAX_CHARS]
        return next((rules.line_rules[i].reason for i in rules.prefix
                     if rules.line_rules[i].pattern.match(head)), None)
    low = lower_case(text, low)  # (the rules run on it: see regextrie.lowered)
    m = rules.alternations[rules.bucket_of[nwords]].fullmatch(low)
    first = int((m.lastgroup or "r0")[1:]) if m is not None else len(rules.line_rules)
    # the alternation's answer, unless a guarded rule before its first matches
    matched = rules.line_rules[first].reason if m is not None else None
    if word_guards is None:
        g = rules.any_guard[nwords].search(low)
        if g is None:
            return matched
        candidates, at = -1, g.start()  # every rule; no guard occurs before the first of all
    else:
        g = rules.any_text_guard[nwords].search(low)
        if g is None and not word_guards:
            return matched
        candidates, at = word_guards, 0
        if g is not None:
            for bit, guards in rules.text_guards:
                if guards.search(low, g.start()) is not None:
                    candidates |= bit
    for i in rules.guarded_for[nwords]:
        if i >= first:
            break
        rule = rules.line_rules[i]
        if candidates >> i & 1 and rules.guard_re[i].search(low, at) is not None:
            pat, on_low = rules.guarded_match[i]
            if pat.fullmatch(low if on_low else text):
                return rule.reason
    return matched


def match_html_chrome(text: str, nwords: int, rules: Rules) -> str | None:
    """The reason of the first of the HTML mode's own line rules (boilerplate.json
    ``html_chrome_rules``, after the line rules marked ``html_chrome``) that matches the whole
    paragraph ``text`` (whitespace collapsed)."""
    low = lower_case(text)
    for rule, requires in rules.html_chrome_rules:
        if nwords <= rule.max_words and (not requires or any(map(low.__contains__, requires))) \
                and rule.pattern.fullmatch(low):
            return rule.reason
    return None


def fragment_search(rule: FragmentRule, text: str) -> re.Match[str] | None:
    """Where a fragment rule matches at the end of ``text`` (None if it does not; a match in
    the text's lower case for a case-insensitive rule: the same positions)."""
    _, pat, on_low, requires = rule
    if not any(map(text.__contains__, requires)):  # no Python frame per required string
        return None
    return pat.search(lower_case(text) if on_low else text, max(0, len(text) - FRAGMENT_TAIL))
