"""Per-line features: what the rules and the line model know about each line of a page.

``line_items`` reads a page's lines into ``Line`` records (words, stop-word density, the first
line rule that matches, comment/end markers); ``feature_rows`` turns them, once the main block
is known, into the line model's input: one row per line, in the order of ``FEATURE_NAMES``. The
model's weights are tied to those names (``model.py`` refuses a model trained on others), and
code reads a row's values by name: through the local variables below, named as the features, or
through ``FEATURE_INDEX``; ``tests/test_boilerplate.py`` checks that the row is written in the
order of the names.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter

import numpy as np
import regex

from cleaners.boilerplate.rules import Rules, match_rule, rules
from cleaners.boilerplate.stopwords import guess_language, resolve_language, stop_index
from cleaners.dates import DATE_RE
from cleaners.regextrie import lower_case, lowered


@dataclass(slots=True)
class Line:
    idx: int  # 0-based line number in the input text
    text: str  # whitespace collapsed
    words: int
    sd: float  # stop-word density (-1: text without spaces, CJK; no stop list applies)
    rule: str | None = None  # the first line rule that matches the whole line
    prose: bool = False
    score: float = 0.0  # the line's score in the main-block search
    comment_marker: bool = False
    comment_form: bool = False
    p: float = -1.0  # line-model probability of being article text (-1: not scored)
    end_marker: bool = False
    terminal: bool = False  # ends like a sentence (., !, ?, quote, bracket)
    tokens: frozenset[str] = frozenset()  # the line's lower-case words
    content: frozenset[str] = frozenset()  # content words: 4+ letters, not stop words
    promo: int = 0  # words of the promo lexicon (site talking about itself, asking the reader)
    reader: float = 0.0  # share of second-person words
    header: bool = False  # shaped like a comment header (a name and a date/time, "X says:")
    count_end: bool = False  # a short line ending in a count ("October 2012 (33)", "... 8k")
    # the line model's features of the text alone (digits, title_case, separators, ends_colon,
    # log_chars, key_value, quantity, starts_lower): see _text_features
    text_feats: tuple[float, ...] = ()


# Words in every script: the `regex` module's \w keeps combining marks (the vowel signs of Indic
# scripts), where `re`'s breaks "প্রতিনিধি" into four pieces that are never stop words.
_WORD = regex.compile(r"\w+")
_ASCII_WORD = re.compile(r"\w+")  # the same words in ASCII text, found faster by `re`
# The characters `re` and `regex` class alike as word characters or not, beyond ASCII: Latin
# letters, Greek, Cyrillic, quotes, dashes and other punctuation, currency and letterlike signs
# (superscript digits and fractions, the Cyrillic combining signs and the joiners excepted). A
# line of these alone has the same words by either, and `re` finds them 3 times faster (a
# character outside: ``_OTHER_CHARS``); tests/test_boilerplate.py checks every character of the
# class against both modules.
SAME_WORD_CHARS = ("\x00-\xb1\xb4-\xb8\xba\xbb\xbf-\u02ff\u0370-\u0482\u048a-\u052f"
                   "\u1e00-\u1eff\u2000-\u200b\u200e-\u203e\u2041-\u2053\u2055-\u206f"
                   "\u20a0-\u20cf\u2100-\u214f")
_OTHER_CHARS = re.compile(f"[^{SAME_WORD_CHARS}]")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
# Scripts written without spaces between words besides CJK: Thai, Lao, Tibetan, Myanmar, Khmer.
_NOSPACE = re.compile(r"[\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f\u1780-\u17ff]")
# Sentence ends in any script: Latin, CJK, Devanagari and the other Indic danda (। ॥), Ethiopic
# (። ፧ ፨), Myanmar (။), Khmer (។ ៕), Arabic (؟ ۔), Armenian (։), Tibetan shad (།), Thai (ฯ).
CLAUSE_END = frozenset(",，、،")  # Latin, full-width and ideographic, Arabic commas
# Menus and bylines never end in a comma, nor follow a line that does: such a line is part of a
# sentence (UDHR: Jamaican and Krio "Di ..." read as an Italian byline "di Mario Rossi",
# "Shwane/, wakan ..." as a menu).
CLAUSE_FREE_RULES = frozenset({"navigation", "byline"})
_TERMINAL_CHARS = frozenset(".!?…:;\"'”“’»«)]。！？」』）；।॥።፧፨။។៕؟۔։།༎ฯ") | frozenset(
    # and every other script's sentence end (Unicode's Sentence_Terminal: Canadian syllabics ᙮,
    # Chakma 𑅁, Javanese ꧉, Vai ꘎, Bamum ꛳, ...)
    chr(c) for c in range(0x80, 0x20000) if regex.match(r"\p{Sentence_Terminal}", chr(c)))
# Left off a line's end before its last character is read: invisible format characters and the
# Ethiopic wordspace ("...አለው።፡").
_TRAILING_IGNORED = "\u200b\u200c\u200d\u2060\ufeff" + "\u1361" + " "
_NO_SENTENCE_MARK = re.compile(r"[\u0e00-\u0eff]{4}")  # Thai, Lao: no sentence-ending mark
ETHIOPIC_WORDSPACE = "\u1361"  # ፡ separates words in Ethiopic text written without spaces
# A line this long (a whole page dumped on one line) is split on whitespace only: collapsing
# and tokenizing it with regexes costs seconds for nothing the rules could use.
HUGE_LINE_CHARS = 100_000
# Text without spaces (Chinese, Japanese, Korean): a line with more than CJK_MIN_CHARS such
# characters in its first CJK_SCAN_CHARS counts one word per CJK_CHARS_PER_WORD of them.
CJK_SCAN_CHARS = 2000
CJK_MIN_CHARS = 10
CJK_CHARS_PER_WORD = 2
# A line with this many more words than tokens is CJK: no stop list, density counted as typical.
CJK_EXTRA_WORDS = 5
# Thai, Lao, Tibetan, Myanmar, Khmer: words are longer in code points (vowel signs and tone marks
# are characters of their own): one word per NOSPACE_CHARS_PER_WORD of them.
NOSPACE_CHARS_PER_WORD = 4
# Whitespace-separated tokens this long on average (in code points) are phrases of a script
# without spaces; no language's words are that long on average (German prose: ~6).
NOSPACE_MIN_TOKEN_CHARS = 15
# Promo words are counted in a line's first tokens only (enough to tell a prompt).
PROMO_SCAN_TOKENS = 300
# Content words (lexical cohesion): at least this many characters, not a stop word or number.
CONTENT_MIN_CHARS = 4

# Short lines repeat (menus, share buttons, "Home", "Reply": 43% of the dev set's lines of at
# most 80 characters were seen before): what a line's text alone tells (_new_facts) is
# memoized by text and stop list. Longer lines are memoized per page (clean_text's passes).
_CACHE_MAX_CHARS = 80
_CACHE_SIZE = 20_000  # cleared when full: at most about 30 MB per process (1.4 kB a line)
_LINE_CACHE: dict[tuple[str, str | None], tuple] = {}
_PROMO_CACHE_SIZE = 100_000  # words: about 10 MB at most


class _WordClasses:
    """What a word alone tells, filled as words are met: whether it is a promo word (or starts
    with a promo stem), whether it can be a content word (CONTENT_MIN_CHARS+ characters, not
    a number), and the guarded line rules whose guard parts it holds (rules.Rules.guard_parts).
    Words recur across lines and pages, and the stems' startswith per word cost 12% of the text
    pass. The classes are sets, so that a line's counts are set operations and C loops over its
    tokens (``promo.isdisjoint(tokens)``: most lines hold no promo word), with no Python call per
    word (a dict looked up word by word cost 3 times more)."""

    def __init__(self) -> None:
        self.seen: set[str] = set()  # the words classified
        self.promo: set[str] = set()
        self.content: set[str] = set()
        self.guarded: set[str] = set()  # the words that hold a guard part
        self.guards: dict[str, int] = {}  # theirs: bit i for line rule i

    def clear(self) -> None:
        self.seen.clear()
        self.promo.clear()
        self.content.clear()
        self.guarded.clear()
        self.guards.clear()

    def learn(self, words: set[str]) -> None:
        """Classify the words not seen yet of ``words``: a page's new lines' words, all at once
        (so that the classes, cleared when full, hold all of them while the page is read). The
        new words are classified together, one a line in one text, by a regex each (promo stems,
        guard parts): a few C calls a page, not a Python call per word."""
        new = words - self.seen
        if not new:
            return
        if len(self.seen) + len(new) > _PROMO_CACHE_SIZE:
            self.clear()
            new = set(words)
        r = rules()
        joined = "\n".join(new)  # (a word holds no line break: it is a run of letters)
        self.promo |= new & r.promo_words
        self.promo.update(r.promo_stem_words.findall(joined))
        self.content.update([w for w in new if len(w) >= CONTENT_MIN_CHARS and not w.isdigit()])
        for word in r.guard_words.findall(joined):
            bits = 0
            for bit, parts in r.guard_parts:
                if any(map(word.__contains__, parts)):
                    bits |= bit
            self.guards[word] = bits
            self.guarded.add(word)
        self.seen |= new

    def guards_of(self, tokens: frozenset[str]) -> int:
        """The guarded line rules whose guard parts the words ``tokens`` hold (bit i: rule i)."""
        if self.guarded.isdisjoint(tokens):
            return 0
        bits = 0
        for word in tokens & self.guarded:
            bits |= self.guards[word]
        return bits


_PROMO_CACHE = _WordClasses()


def split_lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _read_lines(lines: list[str], memo: dict | None = None
                ) -> tuple[list[Line], list[list[str]], list[str]]:
    """The non-blank lines as ``Line`` records (text and words only), their lower-case tokens
    and their lower-case text. ``memo``: the lines read in an earlier pass over the page."""
    items: list[Line] = []
    toks_per_line: list[list[str]] = []
    lows: list[str] = []
    memo = {} if memo is None else memo
    for i, raw in enumerate(lines):
        read = memo.get(raw)
        if read is None:
            read = memo[raw] = _read_line(raw)
            if len(raw) < HUGE_LINE_CHARS:
                # a later pass reads the kept text, whitespace collapsed: its reading is this
                memo.setdefault(read[0], read)
        text, low, toks, nwords = read
        if not text:
            continue
        toks_per_line.append(toks)
        lows.append(low)
        items.append(Line(i, text, nwords, 0.0))
    return items, toks_per_line, lows


def _read_line(raw: str) -> tuple[str, str, list[str], int]:
    """A line's text (whitespace collapsed), its lower case, its tokens and its word count."""
    text = " ".join(raw.split()) if len(raw) < HUGE_LINE_CHARS else raw.strip()
    if not text:
        return text, text, [], 0
    low = text.lower()
    ascii_only = text.isascii()
    # (a line of Latin, Greek or Cyrillic letters holds no letter of CJK, Thai, Ethiopic, ...)
    other = not ascii_only and _OTHER_CHARS.search(low) is not None
    toks = (_WORD if other else _ASCII_WORD).findall(low) if len(text) < HUGE_LINE_CHARS \
        else low.split()
    nwords = text.count(" ") + 1  # whitespace already collapsed to single spaces
    if other:
        nwords = _script_words(text, nwords)
    elif not ascii_only and len(text) > NOSPACE_MIN_TOKEN_CHARS * nwords:
        nwords = _long_tokens(text, nwords)
    return text, low, toks, nwords


def _long_tokens(text: str, nwords: int) -> int:
    """The words of a line whose "words" (between spaces) average more than
    NOSPACE_MIN_TOKEN_CHARS characters: it is written without spaces (Yi, Javanese, Tai Tham,
    Balinese, ...) and they are phrases; its letters count as in the scripts below."""
    return max(nwords, sum(1 for ch in text[:CJK_SCAN_CHARS] if ch.isalpha())
               // NOSPACE_CHARS_PER_WORD)


def _script_words(text: str, nwords: int) -> int:
    """The words of a line in scripts that do not separate words by spaces: CJK characters,
    Thai/Lao/Tibetan/Myanmar/Khmer letters, Ethiopic word spaces."""
    if _CJK.search(text, 0, CJK_SCAN_CHARS) is not None:
        cjk = len(_CJK.findall(text[:CJK_SCAN_CHARS]))
        if cjk > CJK_MIN_CHARS:
            nwords = max(nwords, cjk // CJK_CHARS_PER_WORD)
    if _NOSPACE.search(text, 0, CJK_SCAN_CHARS) is not None:
        other = len(_NOSPACE.findall(text[:CJK_SCAN_CHARS]))
        if other > CJK_MIN_CHARS:
            nwords = max(nwords, other // NOSPACE_CHARS_PER_WORD)
    if ETHIOPIC_WORDSPACE in text:
        nwords += text.count(ETHIOPIC_WORDSPACE)
    if len(text) > NOSPACE_MIN_TOKEN_CHARS * nwords:
        nwords = _long_tokens(text, nwords)  # any other script written without spaces
    return nwords


def _is_header(text: str, r: Rules, low: str | None = None) -> bool:
    """A comment header's shape (boilerplate.json ``comment_header``): a clock time, an age, a
    full date (a month and year alone is an archive link) or "NAME says:", and besides the
    dates and times a few words at most. ``low``: the line's ``lower_case`` (as long as the
    text) if known."""
    if text[-1] != ":" and _DIGIT_ANY.search(text) is None:
        return False  # every shape but "NAME says:" has a digit
    low = lower_case(text) if low is None else low
    dates = [m for m in _DATE_LOW.finditer(low) if m.lastgroup != "my"] \
        if _DATE_DIGITS.search(low) is not None else []
    if not dates and r.comment_header.search(low) is None:
        return False
    for m in reversed(dates):
        low = low[:m.start()] + " " + low[m.end():]
    return len(_TIME.sub(" ", low).split()) <= r.comment_header_other


_DIGIT_ANY = re.compile(r"\d")
_COUNT_END = frozenset(")]kKM")  # the last character of every list_count shape
_TIME = lowered(r"(?<!\d)\d{1,2}(?::|h\s?)\d{2}(?!\d)(?:\s*(?:am|pm|a\.m\.|p\.m\.|uhr|h))?")
_DATE_LOW = lowered(DATE_RE.pattern)
# What every full date of DATE_RE holds (a year: 4 digits; or "15.02.18"): a line without it
# has none, and the date regex, which tries its forms at every character, need not run.
_DATE_DIGITS = re.compile(r"\d{4}|\d[./]\d")


def stoplist_language(lines: list[str], language: str | None = None) -> str | None:
    """The jusText stop list clean_text uses for a page of these lines: the given language's,
    or the one guessed from the lines (None: no list applies)."""
    return resolve_language(language) or guess_language(_read_lines(lines)[1])


def line_items(lines: list[str], language: str | None,
               memo: dict | None = None) -> tuple[list[Line], str | None]:
    """The non-blank lines as ``Line`` records, and the stop-list language used (the given one
    if jusText has a list for it, else the one guessed from the page). ``memo``: what earlier
    passes over the same page found (clean_text's passes share one): each raw line's reading,
    keyed by the line, and each long line's facts, keyed by (text, stop list); short lines'
    facts are cached across pages instead."""
    r = rules()
    t = r.t
    memo = {} if memo is None else memo
    items, toks_per_line, lows = _read_lines(lines, memo)
    lang = resolve_language(language) or guess_language(toks_per_line)
    lists, _ = stop_index()
    stop = lists.get(lang or "", frozenset())
    # Each line's facts from the caches; the lines not met before are read together, a fact at
    # a time over all of them (_new_facts)
    caches = [_LINE_CACHE if len(it.text) <= _CACHE_MAX_CHARS else memo for it in items]
    found = [cache.get((it.text, lang)) for it, cache in zip(items, caches, strict=True)]
    if None in found:
        new: dict[str, int] = {}  # each new text, at its first line
        for k, facts in enumerate(found):
            if facts is None:
                new.setdefault(items[k].text, k)
        firsts = list(new.values())
        computed = _new_facts([items[k] for k in firsts], [toks_per_line[k] for k in firsts],
                              [lows[k] for k in firsts], stop, r, t)
        for k, facts in zip(firsts, computed, strict=True):
            cache = caches[k]
            if cache is _LINE_CACHE and len(cache) >= _CACHE_SIZE:
                cache.clear()
            cache[(items[k].text, lang)] = facts
        by_text = dict(zip(new, computed, strict=True))
        found = [by_text[it.text] if facts is None else facts
                 for it, facts in zip(items, found, strict=True)]
    clause_open = False  # the line before ends in a comma: this one goes on with its sentence
    for it, facts in zip(items, found, strict=True):
        (it.sd, it.tokens, it.content, it.reader, it.promo, it.rule, it.terminal, it.header,
         it.count_end, marker, it.text_feats) = facts
        if it.rule in CLAUSE_FREE_RULES and (it.text[-1] in CLAUSE_END or clause_open):
            # a clause of running text ("Di Mien piipl dem we mek ... Nieshan,"), or the words
            # after one ("so, lɛ wi si," / "Di Jɛnɛral Asɛmbli" / "dɔn tɔk naw se,")
            it.rule = None
        clause_open = it.text[-1] in CLAUSE_END
        if marker is not None:
            it.comment_form = marker == "form"
            it.comment_marker = marker in ("form", "counter")
            it.end_marker = marker == "end"
    return items, lang


def _new_facts(items: list[Line], toks_per_line: list[list[str]], lows: list[str],
               stop: frozenset[str], r: Rules, t: dict[str, float]) -> list[tuple]:
    """What each line's text alone tells (given the page's stop list), in the order line_items
    sets them: sd, tokens, content, reader, promo, rule, terminal, header, count_end, marker,
    text_feats. Each fact is found for all the lines before the next (the rules, then the
    markers, ...): a line at a time, every regex and function in turn, took about 9% more of
    the text pass's time for 1.6% fewer instructions (each regex's program and the code that
    runs it stay in the processor's caches while it runs over all the lines, it seems)."""
    words = _PROMO_CACHE
    words.learn(set().union(*toks_per_line))
    lexical = []
    for it, toks in zip(items, toks_per_line, strict=True):
        sd, tokens, content, reader, promo = it.sd, it.tokens, it.content, it.reader, it.promo
        if toks:
            sd = sum(map(stop.__contains__, toks)) / len(toks)
            tokens = frozenset(toks)
            content = (tokens & words.content) - stop
            # most lines hold no reader or promo word: a set test rules them out
            reader = 0.0 if r.reader.isdisjoint(tokens) else \
                sum(map(r.reader.__contains__, toks)) / len(toks)
            promo = 0 if words.promo.isdisjoint(tokens) else \
                sum(map(words.promo.__contains__, toks[:PROMO_SCAN_TOKENS]))
        if it.words > len(toks) + CJK_EXTRA_WORDS:  # CJK: no stop list here, density typical
            sd = -1.0
        lexical.append((sd, tokens, content, reader, promo))
    # what the rules and markers run on (regextrie.lowered); the words' guard parts when the
    # tokens are its words (lower_case is text.lower() but where "İ" is)
    low_cases = [lower_case(it.text, low) for it, low in zip(items, lows, strict=True)]
    line_rules = [match_rule(it.text, it.words, r, low,
                             words.guards_of(lex[1]) if low is read else None)
                  for it, low, read, lex in zip(items, low_cases, lows, lexical, strict=True)]
    lows = low_cases
    max_words, max_chars = t["marker_max_words"], t["marker_max_chars"]
    markers = [_marker(it, low, r, max_words, max_chars)
               for it, low in zip(items, lows, strict=True)]
    header_words = r.comment_header_words
    headers = [it.words <= header_words and _is_header(it.text, r, low)
               for it, low in zip(items, lows, strict=True)]
    count_words, list_count = r.list_count_words, r.list_count
    count_ends = [it.words <= count_words and it.text[-1] in _COUNT_END
                  and list_count.search(it.text) is not None for it in items]
    prose_min_words = t["prose_min_words"]
    terminals = []
    for it in items:
        text = it.text
        end = text[-1]  # text is stripped
        if end in _TRAILING_IGNORED:
            end = (text.rstrip(_TRAILING_IGNORED) or " ")[-1]
        terminal = end in _TERMINAL_CHARS
        if not terminal and it.words >= prose_min_words and not text.isascii() \
                and _NO_SENTENCE_MARK.search(text, 0, CJK_SCAN_CHARS) is not None:
            terminal = True  # Thai and Lao end a sentence with a space: a long line is one
        terminals.append(terminal)
    text_feats = [_text_features(it.text) for it in items]
    return [(*lex, rule, terminal, header, count_end, marker, feats)
            for lex, rule, terminal, header, count_end, marker, feats
            in zip(lexical, line_rules, terminals, headers, count_ends, markers, text_feats,
                   strict=True)]


_SHAPE_FEATS = slice(5, 8)  # key_value, quantity, starts_lower in _text_features' tuple
_TEXT_FEATS_WIDTH = 8  # the values _text_features gives
_LINE_ATTRS = 13  # the attributes of a line feature_rows reads besides its text features
_COHESION_WIDTH = 3  # (coh_prose, coh_other, no_content): _cohesion's per line


def _text_features(text: str) -> tuple[float, ...]:
    """The line model's features of a line's text alone (Line.text_feats)."""
    head = text[:HEAD_CHARS]
    if head.isascii() and head.isalpha():  # one word, letters only
        title_case = 1.0 if head[0].isupper() else 0.0
        digits = 0.0
    else:
        words = text.split(None, CAPS_WORDS)[:CAPS_WORDS]
        title_case = sum(map(str.isupper, map(itemgetter(0), words))) / len(words)
        digits = len(_DIGIT.findall(head)) / len(head)
    separators = 1.0 if _SEP.search(head) else 0.0
    ends_colon = 1.0 if text.endswith(":") else 0.0
    log_chars = math.log1p(len(text)) / LOG_CHARS_SCALE
    # list shapes of article content that menus lack: "Key: value" spec lines, lines starting
    # with a quantity (ingredients, figures), lines starting lower-case (continuations)
    key_value = 1.0 if _KEY_VALUE.match(text) else 0.0
    quantity = 1.0 if _QUANTITY.match(text) else 0.0
    starts_lower = 1.0 if text[0].islower() else 0.0
    return digits, title_case, separators, ends_colon, log_chars, key_value, quantity, starts_lower


def _marker(it: Line, low: str, r: Rules, max_words: float, max_chars: float) -> str | None:
    """"form" (a reply form), "counter" (a comment counter or heading), "end" (a related-list
    heading) or None. Markers are short lines. ``low``: the line's ``lower_case``."""
    if it.words > max_words or len(it.text) > max_chars:
        return None
    # One match at the line's start rules most lines out: a whole-line marker, or a run of
    # them, begins with a marker. When that match is the whole line, it is the fullmatch (the
    # alternatives are tried in order, and an earlier one would have matched first).
    m = r.markers.match(low)
    if m is None:
        return None
    if m.end() == len(low):
        return m.lastgroup
    m = r.markers.fullmatch(low)
    if m is not None:
        return m.lastgroup
    if r.marker_run.fullmatch(low):
        # two or three comment markers run into one line by the dump
        # ("Kommentare Schreibe einen Kommentar"): a form if any part is one
        return "form" if r.comment_form.search(it.text) else "counter"
    return None


_ALPHA = re.compile(r"[a-zA-Z]")


def is_heading_like(it: Line, t: dict[str, float]) -> bool:
    """A line that could be a headline: a few words, not ending like a clause, no rule."""
    text = it.text
    return (
        t["title_min_words"] <= it.words <= t["title_max_words"]
        and len(text) <= t["title_max_chars"]
        and text[-1] not in ".,;:"
        and it.rule is None
        and not it.comment_marker
        and not it.end_marker
        and (_ALPHA.search(text) is not None if text.isascii()
             else any(ch.isalpha() for ch in text))
    )


def prose_threshold(items: list[Line], t: dict[str, float], has_stoplist: bool) -> float:
    """The stop-word density a line needs to be prose on this page (see boilerplate.json)."""
    if not has_stoplist:
        return 0.0
    dens = sorted(it.sd for it in items if it.words >= t["prose_min_words"] and it.sd >= 0)
    if not dens:
        return t["stopword_floor"]
    typical = dens[min(len(dens) - 1, int(len(dens) * t["stopword_doc_quantile"]))]
    if typical < t["stoplist_fit_min"]:
        # the list does not describe the page's language (Somali read with a stray list, a
        # language jusText has no list for): stop words cannot tell prose here, other features do
        return 0.0
    return max(t["stopword_floor"],
               min(t["stopword_ceiling"], t["stopword_ratio_of_doc"] * typical))


def window_means(values: list[float] | np.ndarray, w: int) -> np.ndarray:
    """Mean of values[k-w : k+w+1] (clipped at both ends) for every k, from a running sum (numpy's
    cumsum adds left to right, as a Python loop would: the same bits). Written into one array,
    the window sizes cached per page length: half the time of building them per call (a short
    page's cost is mostly numpy's per call)."""
    v = np.asarray(values, dtype=float)
    n = len(v)
    padded = np.empty(n + 2 * w + 1)
    padded[:w + 1] = 0.0
    np.cumsum(v, out=padded[w + 1:w + 1 + n])
    padded[w + 1 + n:] = padded[w + n] if n else 0.0
    return (padded[2 * w + 1:] - padded[:n]) / _window_counts(n, w)


# (page length, width) pairs whose window sizes are kept: 8 bytes a line each.
WINDOW_COUNTS_CACHED = 1024


@functools.lru_cache(maxsize=WINDOW_COUNTS_CACHED)
def _window_counts(n: int, w: int) -> np.ndarray:
    """How many of n lines each line's window of w lines either side holds (read-only)."""
    k = np.arange(n)
    counts = np.minimum(n, k + w + 1) - np.maximum(0, k - w)
    counts.flags.writeable = False
    return counts


# log1p(count) / scale for the counts of feature_rows (words, distances, run lengths): looked up
# in a table of the first LOG_TABLE_SIZE counts per scale, each computed by math.log1p (numpy's
# log1p may differ from the C library's in the last bit, and a last bit can flip a decision).
LOG_TABLE_SIZE = 4096
_LOG_TABLES: dict[float, np.ndarray] = {}


def _log1p_scaled(counts: np.ndarray, scale: float) -> np.ndarray:
    """math.log1p(c) / scale for each count c >= 0 of ``counts`` (integers)."""
    table = _LOG_TABLES.get(scale)
    if table is None:
        table = _LOG_TABLES[scale] = np.array([math.log1p(i) / scale
                                               for i in range(LOG_TABLE_SIZE)])
    out = table[np.minimum(counts, LOG_TABLE_SIZE - 1)]
    for k in np.flatnonzero(counts >= LOG_TABLE_SIZE).tolist():  # a page's longest lines
        out[k] = math.log1p(int(counts[k])) / scale
    return out


# --- the line model's features ------------------------------------------------------------------

# The line's own features, in the order feature_rows writes them.
LINE_FEATURES = (
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
    "comment_header", "header_near", "headers_before", "count_end", "count_near", "title_run",
    "no_stoplist", "before_headline",
)
# One flag per line rule that says something about the line beyond "a rule matched".
REASON_FEATURES = ("navigation", "legal-link", "share-prompt", "newsletter", "byline",
                   "dateline", "photo-credit", "copyright", "tag-list", "comment-meta")
# Each neighbour's primitives (feature_rows builds them in this order), for the CTX_PAD lines
# before and after the line.
CTX_NAMES = ("log_words", "density", "terminal", "rule", "prose")
CTX_PAD = 3
CTX_OFFSETS = (*range(-CTX_PAD, 0), *range(1, CTX_PAD + 1))  # -3, -2, -1, 1, 2, 3
_PRIM_PROSE = CTX_NAMES.index("prose")
FEATURE_NAMES = (
    *LINE_FEATURES,
    *(f"rule_{r}" for r in REASON_FEATURES),
    *(f"{n}@{d:+d}" for d in CTX_OFFSETS for n in CTX_NAMES),
)
FEATURE_INDEX = {name: i for i, name in enumerate(FEATURE_NAMES)}
_RULE_AT = {r: j for j, r in enumerate(REASON_FEATURES)}  # a rule's one-hot column

# Scales: a logistic model wants features of about 0..1, so counts enter as log1p(count) / scale
# with a scale near the log of a large value of that count (log1p(150 words) = 5.0, log1p(3000
# characters) = 8.0, log1p(1100 lines) = 7.0, a run of 20 long lines = 3.0). Changing one
# changes the feature: retrain the model.
LOG_WORDS_SCALE = 5.0  # words of a line; also the log distance to the nearest prose line
LOG_CHARS_SCALE = 8.0
LOG_LINES_SCALE = 7.0  # lines of the page
LOG_DIST_SCALE = 4.0  # lines from the main block
LOG_RUN_SCALE = 3.0  # length of a run of long lines
LOG_PROMO_SCALE = 2.0  # promo words in a line
NO_PROSE_DISTANCE = 200  # "distance" to the nearest prose line when there is none that side
DENSITY_RATIO_CAP = 3.0  # stop-word density / the page's threshold, capped
HEAD_CHARS = 300  # digits and separators are looked for in a line's start
CAPS_WORDS = 30  # title case is judged on a line's first words
REPEAT_MAX_WORDS = 12  # a repeated line counts when it is short (labels, buttons)
PROSE_WINDOW, PROSE_WINDOW_WIDE, REPEAT_WINDOW = 3, 10, 3  # window_prose, window10_prose, repeated_near
HEADER_WINDOW, COUNT_WINDOW = 5, 3  # header_near, count_near
LOG_HEADERS_SCALE = 3.0  # comment headers above a line: log1p(20 headers) = 3.0
# A headline-shaped line (title_run): a few words, not ending like a sentence; lists of other
# stories are runs of them, an article's subheadings come one at a time.
HEADLINE_MIN_WORDS, HEADLINE_MAX_WORDS = 3, 20

_SEP = re.compile(r"[|»›•·]")
_DIGIT = re.compile(r"\d")
_KEY_VALUE = re.compile(r"[^:]{2,40}:\s+\S")
_QUANTITY = re.compile(  # "2 tbsp", "1-2 Spritzer", "120g", "ca. 3 Stück", "½ Tasse"
    r"(?:ca\.\s*)?[\d½¼¾⅓⅔]+(?:[.,/-]\d+)?(?:\s*[-–]\s*\d+(?:[.,/]\d+)?)?\s*[^\W\d_]")
_TITLE_SEP = re.compile(r"\s+(?:[|\-–—·•»:]|//|::)\s+")
# Between a page <title>'s headline and its site name: "X | Site", "X « Blog", "Site: X", "X - Site"
_HEADLINE_SEP = re.compile(r"\s*[|«»:·•–—]\s+|\s+-\s+|\s+//\s+")
BRAND_MAX_WORDS = 4  # a site name in a page title is a few words
BRAND_MIN_CHARS = 3


def _brand_words(items: list[Line]) -> frozenset[str]:
    """The site's name from the first line when it is a page title "Headline | Site": its
    words (3+ characters). Lines naming the site are often the site talking about itself."""
    if not items:
        return frozenset()
    parts = _TITLE_SEP.split(items[0].text)
    if len(parts) < 2:
        return frozenset()
    site = parts[-1] if len(parts[-1].split()) <= BRAND_MAX_WORDS else parts[0]
    if len(site.split()) > BRAND_MAX_WORDS:
        return frozenset()
    return frozenset(w for w in _WORD.findall(site.lower())
                     if len(w) >= BRAND_MIN_CHARS and not w.isdigit())


def _run_lengths(flags: list[bool] | np.ndarray) -> np.ndarray:
    """Per line, log1p(length of the run of consecutive flagged lines it is in) / LOG_RUN_SCALE,
    0 for a line not flagged."""
    on = np.array(flags, dtype=bool)
    edges = np.diff(np.concatenate(([0], on.view(np.int8), [0])))
    lengths = np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)  # each run's, in order
    runs = np.zeros(len(on), dtype=int)
    runs[on] = np.repeat(lengths, lengths)  # the flagged lines are the runs' lines, in order
    return _log1p_scaled(runs, LOG_RUN_SCALE)


def _prose_distances(prose_flags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Log distance to the nearest prose line before / after each line."""
    n = len(prose_flags)
    prose = prose_flags > 0
    k = np.arange(n)
    # the last prose line before k, the first after k (-1, n: none)
    last = np.concatenate(([-1], np.maximum.accumulate(np.where(prose, k, -1))[:-1]))
    first = np.concatenate((np.minimum.accumulate(np.where(prose, k, n)[::-1])[::-1][1:], [n]))
    before = np.where(last >= 0, k - last, NO_PROSE_DISTANCE)
    after = np.where(first < n, first - k, NO_PROSE_DISTANCE)
    return _log1p_scaled(before, LOG_WORDS_SCALE), _log1p_scaled(after, LOG_WORDS_SCALE)


def _cohesion(items: list[Line], cut: int) -> list[tuple[float, float, float]]:
    """Lexical cohesion: the share of a line's content words found in the page's other prose
    lines (an article's subheadings and short lines talk about what its paragraphs do) and in
    its other non-prose lines (menus and teaser lists share their template words); and a flag
    for a line without content words. (coh_prose, coh_other, no_content) per line of
    items[:cut] (the lines the model scores), from the words of every line."""
    # the words in any prose line, and in two or more (in a prose line besides this one)
    prose_any, prose_2 = _in_one_and_two([it.content for it in items if it.prose])
    other_any, other_2 = _in_one_and_two([it.content for it in items if not it.prose])
    coh: list[tuple[float, float, float]] = []
    for it in items[:cut]:
        c = it.content
        if not c:
            coh.append((0.0, 0.0, 1.0))
            continue
        cp = len(c & prose_2 if it.prose else c & prose_any) / len(c)
        co = len(c & other_any if it.prose else c & other_2) / len(c)
        coh.append((cp, co, 0.0))
    return coh


def _in_one_and_two(word_sets: list[frozenset[str]]) -> tuple[set[str], set[str]]:
    """The words in at least one of ``word_sets``, and in at least two: a few set operations per
    line (counting every word with a Counter cost twice as much)."""
    once: set[str] = set()
    twice: set[str] = set()
    for words in word_sets:
        twice |= once & words
        once |= words
    return once, twice


def headline_at(items: list[Line]) -> int:
    """Where the page's headline stands as a line of its own: the first line after the first
    that repeats the first line (the page <title>, "Headline | Site") or its longest part; 0
    when none does. Above it a page prints its chrome (menus, promos, the site's tagline)."""
    if len(items) < 2:
        return 0
    first = items[0].text.casefold()
    parts = [x for x in _HEADLINE_SEP.split(first) if x]
    heads = {first, max(parts, key=len)} if parts else {first}
    longest = max(map(len, heads))
    for k in range(1, len(items)):
        # (case folding never makes a text shorter: a longer line is no head, and its case
        # is not folded)
        text = items[k].text
        if len(text) <= longest and text.casefold() in heads:
            return k
    return 0


def _headers_before(prose: np.ndarray, header: np.ndarray) -> np.ndarray:
    """Per line, the log count of comment-header lines above it, from the first prose line on:
    comments follow headers, the article precedes them. ``prose``, ``header``: the lines'
    flags (booleans)."""
    counted = header & ~prose & (np.cumsum(prose) > 0)  # at or after the first prose line
    above = np.concatenate(([0], np.cumsum(counted)[:-1]))
    return _log1p_scaled(above, LOG_HEADERS_SCALE)


def float_matrix(rows: list[tuple[float, ...]] | list[list[float]], width: int) -> np.ndarray:
    """Rows of numbers (each of ``width``) as a float64 matrix: np.fromiter over the values
    in a row, the same values as np.array(rows), without its search of the nested rows' shape
    and types (1.3% of the text pass's instructions: bench/instructions.py). ValueError when
    the rows are not ``width`` long (the values would be read out of line)."""
    if rows and len(rows[0]) != width:
        raise ValueError(f"rows of {len(rows[0])} values, not {width}")
    return np.fromiter(chain.from_iterable(rows), float, len(rows) * width).reshape(
        len(rows), width)


def feature_rows(items: list[Line], keep: list[bool], run_score: list[float], best: float,
                 a: int, b: int, cut: int, thr: float) -> np.ndarray:
    """The model's input for the lines before ``cut`` (the comment section is never scored):
    a float64 matrix of one row per line, in the order of FEATURE_NAMES. ``keep``/``run_score``/
    ``best``: the rules' kept runs and their scores; [a, b): the main block; ``thr``: the prose
    threshold.

    Each feature is a column (its value for every line of the page), and the matrix is filled
    column by column: the page's values are computed with few Python operations per line, and
    the model reads the matrix as it is (building ~100 Python floats per line and converting
    them was a third of the text pass). Every value is the one a per-line loop in Python would
    compute, to the bit: numpy does only the arithmetic IEEE 754 defines exactly (+, -, *, /,
    comparisons); logarithms are math.log1p's (_log1p_scaled)."""
    n = len(items)
    r = rules()
    t = r.t
    min_words = t["prose_min_words"]
    head = items[:cut]
    inside_ok = r.inside_ok
    # What the features read of each line, in one pass over the lines, a column each: its text
    # features, then _LINE_ATTRS attributes (a pass over the lines per attribute, as before
    # 24dd564, cost 1.9% more instructions in the text pass).
    lines = float_matrix([(*it.text_feats, it.words, it.sd, it.terminal, it.rule is not None,
                      it.prose, it.header, it.count_end, it.comment_marker, it.end_marker,
                      it.promo, it.reader, len(it.text), it.rule in inside_ok) for it in items],
                    _TEXT_FEATS_WIDTH + _LINE_ATTRS)
    (words_f, sd, terminal_all, rule_all, prose_flags, header_all, count_all, comment_all,
     end_all, promo_all, reader_all, chars_all, inside_all) = lines[:, _TEXT_FEATS_WIDTH:].T
    words_all = words_f.astype(int)  # (integers as the lines hold them: exact)
    # per-line primitives, also used as neighbour context (CTX_NAMES), in rows CTX_PAD.. of a
    # matrix padded with CTX_PAD rows of zeros at both ends
    prim = np.zeros((n + 2 * CTX_PAD, len(CTX_NAMES)))
    for j, col in enumerate((  # in the order of CTX_NAMES
            _log1p_scaled(np.maximum(words_all, 1), LOG_WORDS_SCALE),
            np.where(sd < 0, 1.0, np.minimum(sd / thr, DENSITY_RATIO_CAP)) if thr > 0 else 1.0,
            terminal_all, rule_all, prose_flags)):
        prim[CTX_PAD:CTX_PAD + n, j] = col
    log_words, density_ratio, terminal, rule, prose = prim[CTX_PAD:CTX_PAD + cut].T
    words = words_all[:cut]
    (digits, title_case, separators, ends_colon, log_chars, key_value, quantity,
     starts_lower) = lines[:cut, :_TEXT_FEATS_WIDTH].T
    # the main block, the kept runs and the line's place in the page
    in_run_all = np.zeros(n + 1)  # one more: next_keep of the last line
    in_run_all[:n] = keep
    in_run = in_run_all[:cut]
    prev_keep = np.concatenate(((0.0,), in_run_all[:cut - 1]))
    next_keep = in_run_all[1:cut + 1]
    k_col = np.arange(cut)
    in_main = ((k_col >= a) & (k_col < b)).astype(float)
    before_main = (k_col < a).astype(float)
    after_main = (k_col >= b).astype(float)
    dist = np.where(k_col < a, a - k_col, np.where(k_col >= b, k_col - b + 1, 0))
    log_dist = _log1p_scaled(dist, LOG_DIST_SCALE)
    main_pos = np.where(in_main > 0, (k_col - a) / max(b - a, 1), 0.0)
    run_share = np.array(run_score[:cut]) / best if best > 0 else np.zeros(cut)
    rel_pos = k_col / n
    end_k = next((k for k in range(a, n) if items[k].end_marker), n)
    after_end_marker = (k_col > end_k).astype(float)
    headline_k = headline_at(items)
    before_headline = ((k_col > 0) & (k_col < headline_k)).astype(float)
    counts = Counter(it.text for it in items if it.words <= REPEAT_MAX_WORDS)
    repeated_all = np.array([1.0 if counts[it.text] > 1 else 0.0 for it in items])
    repeated = repeated_all[:cut]
    chars_share_of_max = chars_all[:cut] / (chars_all.max() or 1)
    # the page's windows, runs and distances
    window_prose = window_means(prose_flags, PROSE_WINDOW)[:cut]
    window10_prose = window_means(prose_flags, PROSE_WINDOW_WIDE)[:cut]
    # runs of long lines (menus are short lines, articles are runs of long ones)
    long_run = _run_lengths(words_all >= min_words)[:cut]
    prev_prose, next_prose = _prose_distances(prose_flags)
    log_prev_prose_dist, log_next_prose_dist = prev_prose[:cut], next_prose[:cut]
    coh_prose, coh_other, no_content = float_matrix(_cohesion(items, cut), _COHESION_WIDTH).T
    site_words = _brand_words(items)
    # list shapes of the line's neighbours (key_value, quantity, starts_lower: the max of the
    # line before and after)
    shapes = np.zeros((n + 2, _SHAPE_FEATS.stop - _SHAPE_FEATS.start))  # a zero row each end
    shapes[1:n + 1] = lines[:, _SHAPE_FEATS]
    kv_nb, qty_nb, lower_nb = np.maximum(shapes[:cut], shapes[2:cut + 2]).T
    # short lines repeated on the page (category labels, "Reply", "66 Likes") near a line:
    # teaser lists and comment threads repeat a template; an article's paragraphs do not
    repeated_near = window_means(np.maximum(repeated_all, rule_all), REPEAT_WINDOW)[:cut]
    is_prose, is_header = prose_flags > 0, header_all > 0
    header_flags = (is_header & ~is_prose).astype(float)
    comment_header = header_flags[:cut]
    header_near = window_means(header_flags, HEADER_WINDOW)[:cut]
    headers_before = _headers_before(is_prose, is_header)[:cut]
    count_end = count_all[:cut]
    count_near = window_means(count_all, COUNT_WINDOW)[:cut]
    # runs of headline-shaped lines: lists of other stories' titles
    title_run = _run_lengths((words_all >= HEADLINE_MIN_WORDS) & (words_all <= HEADLINE_MAX_WORDS)
                             & (terminal_all == 0) & ~is_prose)[:cut]
    beyond = np.zeros(max(0, cut + 1 - n))  # the line after the last line
    next_is_prose = np.concatenate((prose_flags[1:cut + 1], beyond))
    next_is_short = np.concatenate((((words_all > 0) & (words_all < min_words))[1:cut + 1],
                                    beyond))
    log_page_lines = math.log1p(n) / LOG_LINES_SCALE
    no_stoplist = 1.0 if thr <= 0 else 0.0
    # the line's own flags
    heading_like = np.array([1.0 if is_heading_like(it, t) else 0.0 for it in head])
    rule_inside_ok = inside_all[:cut]
    end_marker = end_all[:cut]
    sd_head = sd[:cut]
    short_sentence = ((terminal > 0) & (prose == 0) & ((sd_head >= thr) | (sd_head < 0))
                      ).astype(float)
    comment_marker = comment_all[:cut]
    short = (words < min_words).astype(float)
    short_x_window = short * window_prose
    short_x_in_main = short * in_main
    short_x_both_keep = short * prev_keep * next_keep
    heading_x_next_prose = heading_like * next_is_prose
    colon_x_next_short = ends_colon * next_is_short
    after_main_x_prose = after_main * prose
    before_main_x_prose = before_main * prose
    long_x_sparse = log_words * (density_ratio < 1.0)
    short_x_coh_prose = short * coh_prose
    promo = promo_all[:cut].astype(int)
    log_promo = _log1p_scaled(promo, LOG_PROMO_SCALE)
    promo_share = np.minimum(promo / np.maximum(words, 1), 1.0)
    reader = reader_all[:cut]
    # names the site (not on the title line itself)
    brand = np.array([1.0 if k > 0 and site_words and not site_words.isdisjoint(it.tokens)
                      else 0.0 for k, it in enumerate(head)])
    # Each feature is a column named as the feature, and the row lists them in the order of
    # LINE_FEATURES (tests/test_boilerplate.py checks it): read them by name.
    row = [
        in_run, in_main, run_share, prose, log_words, density_ratio, terminal,
        heading_like, rule, rule_inside_ok, before_main, after_main, log_dist,
        prev_keep, next_keep, rel_pos, digits, title_case,
        separators, ends_colon, repeated, after_end_marker, end_marker, short_sentence,
        log_chars, window_prose, window10_prose, long_run, log_prev_prose_dist,
        log_next_prose_dist, chars_share_of_max, main_pos, log_page_lines, comment_marker,
        short_x_window, short_x_in_main, short_x_both_keep, heading_x_next_prose,
        colon_x_next_short, after_main_x_prose, before_main_x_prose, long_x_sparse,
        coh_prose, coh_other, no_content, short_x_coh_prose,
        log_promo, promo_share, reader, brand,
        key_value, quantity, starts_lower, kv_nb, qty_nb, lower_nb, repeated_near,
        comment_header, header_near, headers_before, count_end, count_near, title_run,
        no_stoplist, before_headline,
    ]
    x = np.empty((cut, len(FEATURE_NAMES)))
    for j, col in enumerate(row):
        x[:, j] = col
    # the rule's one-hot flags
    at = len(row)
    x[:, at:at + len(REASON_FEATURES)] = 0.0
    hot = [(k, _RULE_AT[it.rule]) for k, it in enumerate(head) if it.rule in _RULE_AT]
    if hot:
        ks, js = zip(*hot, strict=True)
        x[list(ks), [at + j for j in js]] = 1.0
    # the neighbours' primitives at -3, -2, -1 (lines k-3..k-1: prim rows k..k+2) and +1, +2, +3
    at += len(REASON_FEATURES)
    width = len(CTX_NAMES)
    for d in range(CTX_PAD):
        x[:, at + d * width:at + (d + 1) * width] = prim[d:d + cut]
        x[:, at + (CTX_PAD + d) * width:at + (CTX_PAD + d + 1) * width] = \
            prim[CTX_PAD + 1 + d:CTX_PAD + 1 + d + cut]
    return x
