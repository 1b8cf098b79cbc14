"""Segmentation: which lines of a page are the article, which are its title and byline.

One pass over a page's lines (``clean.py`` runs it, then explains the result):

1. ``score_lines``: a line is *prose* when it is long enough, reads like a sentence and its
   stop-word density reaches the page's threshold; prose lines score by length, other lines
   cost a little (markers and pattern-matched lines more).
2. ``comment_cut``: the first comment-section marker that follows the article cuts the rest.
3. ``main_blocks``: the maximum-sum run of line scores is the main block; other strong runs are
   kept too.
4. ``apply_model``: the line model re-decides every line before the cut; short gaps between kept
   paragraphs and authors' notes next to them stay.
5. ``take_title`` (``find_title``), ``find_byline``: the title, author and publication date
   near the top; ``lone_donation_amounts``: an amount line alone is a figure, not a widget.
6. ``trim_edges``: pattern-matched and short lines at the edges of what is kept go.

Every threshold is in ``cleaners/data/boilerplate.json`` (``t[...]``), with its reason.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from itertools import chain, groupby

import numpy as np

from cleaners.boilerplate.features import (
    CLAUSE_END,
    Line,
    feature_rows,
    headline_at,
    is_heading_like,
    line_items,
    prose_threshold,
    split_lines,
)
from cleaners.boilerplate.model import LineModel, decide
from cleaners.boilerplate.rules import Rules, fragment_search, rules
from cleaners.boilerplate.stopwords import NAME_TO_CODE, stop_index
from cleaners.dates import DATE_RE, YEAR_MAX, YEAR_MIN, find_date

_DIGIT = re.compile(r"\d")
# A page <title> printed as a line of its own: "Headline | Site", "Headline - Site": what
# follows the headline is a separator and then a word. A dash needs a space before it
# ("Fit & Gesund-Forum" is a compound, not "Fit & Gesund" on a site). A bare separator at the
# end ("Headline -", the site's name cut off) counts only on the first line, where scrapers print
# the <title>: further down, "Local News |" is a section link.
_TITLE_SUFFIX_SEP = re.compile(r"(?P<sep>\s*[|:·»«]|\s+[\-–—])(?P<end>\s*$)?")
_ANY_TITLE_SEP = re.compile(r"[|:·»«\-–—]")  # what both forms need
# ... or "Site: Headline" (Blogger's form): the site's name and a separator before the headline.
_SITE_PREFIX = re.compile(r"\w(?P<sep>\s*[|:·»«]|\s[\-–—])\s*$")


@dataclass
class Page:
    """One pass's working state: the page's lines and what has been decided about them."""

    items: list[Line]
    language: str | None  # the jusText stop list used
    thr: float  # the stop-word density a line needs to be prose
    scores: list[float] = field(default_factory=list)  # per line, for the main-block search
    cut: int = 0  # lines from here on are the comment section
    reasons: dict[int, tuple[str, str]] = field(default_factory=dict)  # removed: (reason, detail)
    keep: list[bool] = field(default_factory=list)
    run_score: list[float] = field(default_factory=list)  # score of the kept run of each line
    best: float = 0.0  # the main block's score (0: no main block)
    a: int = 0  # the main block: items[a:b]
    b: int = 0
    # lines kept as the numbered sections after the last kept one ("Article 30" and its text)
    sections: set[int] = field(default_factory=set)
    site: str | None = None  # the site's name in the page <title> line (take_title)

    @property
    def code(self) -> str:
        """The language for explanations: an ISO code if it has one, else jusText's name."""
        return NAME_TO_CODE.get(self.language or "", self.language or "?")


def segment(text: str, language: str | None, memo: dict | None = None) -> Page | None:
    """Steps 1-3 (rules only); None for a page without a non-blank line. ``memo``: see
    line_items."""
    t = rules().t
    items, lang = line_items(split_lines(text), language, memo)
    if not items:
        return None
    lists, _ = stop_index()
    page = Page(items, lang, prose_threshold(items, t, lang in lists))
    page.scores = score_lines(items, t, page.thr)
    page.cut, page.reasons = comment_cut(items, page.scores, t)
    main_blocks(page, t)
    return page


def page_rows(page: Page) -> np.ndarray | None:
    """The line model's input rows for the lines before the cut (a matrix, see feature_rows);
    None without a main block."""
    if page.best <= 0:
        return None
    return feature_rows(page.items, page.keep, page.run_score, page.best, page.a, page.b,
                        page.cut, page.thr)


def score_lines(items: list[Line], t: dict[str, float], thr: float) -> list[float]:
    """Step 1: each line's prose flag and its score in the main-block search."""
    scores: list[float] = []
    # (the thresholds, looked up once for the page's lines)
    min_words, min_chars, title_words = (
        t["prose_min_words"], t["prose_min_chars"], t["title_max_words"])
    base, per_point, cap = t["prose_base_score"], t["prose_chars_per_point"], t["prose_score_cap"]
    marker_score, rule_score = t["marker_line_score"], -t["boilerplate_line_penalty"]
    sentence_words, sentence_score = t["short_sentence_min_words"], t["short_sentence_score"]
    short_score = -t["short_line_penalty"]
    for it in items:
        long_enough = it.words >= min_words and len(it.text) >= min_chars
        # a line that ends mid-sentence with a comma continues prose (a clause of a list of
        # clauses, "Whereas ..., "); menus and labels do not end so
        sentence = it.words >= title_words or it.terminal or it.text[-1] in CLAUSE_END
        dense = it.sd >= thr or it.sd < 0
        it.prose = (long_enough and sentence and dense and it.rule is None
                    and not it.comment_marker)
        if it.prose:
            s = base + min(len(it.text) / per_point, cap)
        elif it.end_marker or it.comment_marker:
            s = marker_score
        elif it.rule is not None:
            s = rule_score
        elif it.sd >= thr and it.words >= sentence_words and it.terminal:
            s = sentence_score
        else:
            s = short_score
        it.score = s
        scores.append(s)
    return scores


def max_run(scores: list[float], lo: int, hi: int) -> tuple[float, int, int]:
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


def comment_cut(items: list[Line], scores: list[float], t: dict[str, float]
                ) -> tuple[int, dict[int, tuple[str, str]]]:
    """Step 2: (first line of the comment section or len(items), its lines' removal reasons).

    The first marker that follows the article cuts to the end. A reply form needs only some
    prose before it; a counter/heading (also printed in article headers) needs the main block
    to have begun before it, or more prose before it than after it."""
    n = len(items)
    _, main_a, _ = max_run(scores, 0, n)
    total_prose = sum(it.score for it in items if it.prose)
    cut = n
    prose_before = 0.0
    # A marker above the main block that is printed again further down, after article prose
    # ("Write a comment" under the byline and under the article), is a jump link there: the
    # second one counts.
    last_at = {it.text.casefold(): k for k, it in enumerate(items) if it.comment_marker}
    for k, it in enumerate(items):
        if it.comment_marker and (prose_before >= t["comment_cut_min_prose"]
                                  or _reply_widget(items, k)):
            key = it.text.casefold()
            again = k < main_a < last_at[key]
            if (it.comment_form or k > main_a or prose_before >= total_prose - prose_before) \
                    and not again and not _article_goes_on(items, k, prose_before):
                cut = k
                break
        if it.prose:
            prose_before += it.score
    reasons: dict[int, tuple[str, str]] = {}
    thread = thread_start(items, t)
    if thread is not None and thread < cut:
        cut = thread
        # a counter or heading just above the first header ("20 Comments") opens the thread
        for j in range(thread - 1, max(-1, thread - THREAD_LEAD_LINES - 1), -1):
            if items[j].prose:
                break
            if items[j].comment_marker:
                cut = j
                break
        what = f"after comment thread start '{items[thread].text[:DETAIL_CHARS]}' " \
               f"({sum(1 for it in items[thread:] if it.header)} comment headers)"
    else:
        what = ""
    if cut < n:
        # widget chrome right above the marker ("Subscribe", "Notify of") belongs to it
        chrome = rules().comment_chrome
        while cut > 0 and not items[cut - 1].prose and items[cut - 1].rule in chrome:
            cut -= 1
        if not what:
            marker = next(it.text for it in items[cut:] if it.comment_marker)
            what = f"after comment-section start '{marker}'"
        for k in range(cut, n):
            reasons[k] = ("comment-section", what)
    return cut, reasons


WIDGET_SPAN = 4  # lines either side of a reply form where its widget's other markers stand
WIDGET_MARKERS = 3  # comment markers, the form included, that make a comment widget
WIDGET_POST_WORDS = 3  # a line of the post above the widget has this many words at least
BYLINE_DATE_LINES = 2  # a byline's date alone this many lines above its reply-form link


def _reply_widget(items: list[Line], k: int) -> bool:
    """The reply form at ``k`` is the comment widget itself (WIDGET_MARKERS comment markers
    within WIDGET_SPAN lines: "Comments (0)", "No comments yet.", "Leave a comment", "Name
    (required)"), under a post that precedes it (a line of text that is no marker or rule,
    below the first line, the page <title>): it
    cuts even when the post above is too short to count as prose (a photo, a video). Dev
    pages: Dragnet's thecuriousbrain.com (5 test pages, whose sidebar below the widget was
    kept: text F1 0.22-0.39 -> 0.62-1.0) and 2 trafilatura-eval pages of other sites (a
    `without` fragment gone each); no page of either split or of trafilatura-eval down."""
    if not items[k].comment_form:
        return False
    near = range(max(0, k - WIDGET_SPAN), min(len(items), k + WIDGET_SPAN + 1))
    if sum(1 for j in near if items[j].comment_marker) < WIDGET_MARKERS:
        return False
    return any(it.rule is None and not it.comment_marker and not it.end_marker
               and it.words >= WIDGET_POST_WORDS for it in items[1:k])


def _article_goes_on(items: list[Line], k: int, prose_before: float) -> bool:
    """More prose follows the marker at ``k``, before any comment header or further marker,
    than came before it: the marker is a widget ("Recent Comments" in a sidebar, a "Comments"
    link between the first paragraphs and the rest of the article), not the comment section.
    A reply form counts only next to a date alone (the line after it, or one of the two before
    it): the "Post A Comment" or "Leave a comment" link of an article's byline, between the
    headline and the dateline (Dragnet train: one page emptied, F1 0.0 -> 0.994) or below the
    dateline and the author's name (a test page emptied, 0.047 -> 0.957); no other page of
    either split, nor of trafilatura-eval, changes. Any form: 3 test pages lost their cut
    (blogs whose "Post a Comment" sits above a list of teasers)."""
    dateline = any(_date_alone(items[j].text)
                   for j in range(max(0, k - BYLINE_DATE_LINES), min(len(items), k + 2)) if j != k)
    if items[k].comment_form and not dateline or any(ch.isdigit() for ch in items[k].text):
        return False  # a reply form or a count ("19 Responses") opens a comment section
    after = 0.0
    for it in items[k + 1:]:
        if it.comment_marker or it.header and not (after == 0 and _date_alone(it.text)):
            break  # a date alone right after the marker is the article's dateline
        if it.prose:
            after += it.score
    return after > prose_before


def _date_alone(text: str) -> bool:
    """A line that is a date and nothing else ("November 12, 2012", "12.11.2012")."""
    m = DATE_RE.search(text)
    return m is not None and not _WORD_CHAR.search(text[:m.start()] + text[m.end():])


_WORD_CHAR = re.compile(r"[^\W\d_]")  # a letter


THREAD_LEAD_LINES = 3  # a comment counter this close above a thread's first header opens it
# A thread's first header is dropped from it when the comments after it come this many times
# closer together than it is to the next one (an article's dated byline, a long article, then
# the comments): THREAD_SPREAD times the median gap, and more than THREAD_MIN_SPREAD lines.
THREAD_SPREAD, THREAD_MIN_SPREAD = 3, 10
COMMENT_MIN_WORDS = 2  # a comment between two headers has a line of at least this many words
THREAD_ARTICLE_RATIO = 2.0
DATE_SCAN_CHARS = 300  # a comment between two headers holds no date in its first characters
_TIME = re.compile(r"(?<!\d)\d{1,2}(?::|h\s?)\d{2}(?!\d)")
_SAYS = re.compile(r"\S\s*:$")  # "mtmjr90 says:", "Hans sagt:"


def thread_start(items: list[Line], t: dict[str, float]) -> int | None:
    """The first header of a comment thread found by its shape, in any language: after the
    first prose line, at least ``thread_min_headers`` comment headers (a short line with a year,
    a clock time or "NAME says:"), each with a comment under it and at most ``thread_max_gap``
    lines from the next. None when the page has no such run, or not enough prose before it."""
    n = len(items)
    first_prose = next((k for k, it in enumerate(items) if it.prose), n)
    heads = [k for k in range(first_prose + 1, n) if items[k].header and not items[k].prose]
    min_heads, max_gap = int(t["thread_min_headers"]), t["thread_max_gap"]
    # a thread's headers carry a clock time or "NAME says:": dates alone head teasers and posts
    if sum(1 for k in heads if _TIME.search(items[k].text) or _SAYS.search(items[k].text)) \
            < min_heads:
        return None
    if len(heads) < min_heads:
        return None
    for i, h in enumerate(heads):
        chain = [h]
        last = h  # a header can run over two lines ("Maria" over "July 7, 2012 at 2:31 pm")
        for nxt in heads[i + 1:]:
            if nxt - last > max_gap:
                break
            if nxt == last + 1:
                if last != chain[-1]:
                    break  # three dated lines in a row: a list of dated items
                last = nxt
                continue
            if not any(items[j].words >= COMMENT_MIN_WORDS and not items[j].header
                       and DATE_RE.search(items[j].text, 0, DATE_SCAN_CHARS) is None
                       for j in range(last + 1, nxt)):
                break  # no comment under the header: a list of dated items, not a thread
            chain.append(nxt)
            last = nxt
        if len(chain) < min_heads:
            continue
        # One thread's headers share a template: with a clock time or without. Leading headers
        # of the other kind are the article's dateline ("October 26, 2012" above comments
        # dated "October 26, 2012 5:36 PM").
        timed = [_TIME.search(items[h].text) is not None or _SAYS.search(items[h].text)
                 is not None for h in chain]
        major = sum(timed) * 2 >= len(timed)
        while len(chain) > min_heads and timed[0] != major:
            chain.pop(0)
            timed.pop(0)
        gaps = sorted(b - a for a, b in zip(chain, chain[1:], strict=False))
        median = gaps[len(gaps) // 2]
        while len(chain) > min_heads and chain[1] - chain[0] > max(
                THREAD_SPREAD * median, THREAD_MIN_SPREAD):
            chain.pop(0)
        # The article comes before its comments: a header with more prose under it (before the
        # next header) than above it is the article's own dateline, not a comment's.
        # Nor is a run of dated teasers above the article a thread: the article is then below
        # it, and the prose after the run's last header outweighs both the prose above the run
        # and every block inside it THREAD_ARTICLE_RATIO times (under a thread's last header
        # there is one comment, then the page's footer).
        # A comment counter right above one of the headers announces the thread there: its
        # comments may then outweigh a short article (a quotation and two long replies).
        counted = next((h for h in chain if _counted(items, h)), None)
        if counted is not None and _prose(items, 0, counted) < t["comment_cut_min_prose"]:
            counted = None
        tail = _prose(items, chain[-1], n)
        while len(chain) >= min_heads:
            before = _prose(items, 0, chain[0])
            inside = max(_prose(items, a, b) for a, b in zip(chain, chain[1:], strict=False))
            if before >= t["comment_cut_min_prose"] and before >= _prose(items, chain[0], chain[1]) \
                    and tail <= THREAD_ARTICLE_RATIO * max(before, inside):
                return chain[0]
            chain.pop(0)
        return counted
    return None


def _counted(items: list[Line], head: int) -> bool:
    """A comment counter with its count ("{ 2 comments… read them below or add one }", "19
    Responses") at most THREAD_LEAD_LINES lines above the header at ``head``, no prose between."""
    for j in range(head - 1, max(-1, head - THREAD_LEAD_LINES - 1), -1):
        if items[j].prose:
            return False
        if items[j].comment_marker and not items[j].comment_form \
                and _DIGIT.search(items[j].text) is not None:
            return True
    return False


def _prose(items: list[Line], lo: int, hi: int) -> float:
    """The prose score of items[lo:hi]."""
    return sum(it.score for it in items[lo:hi] if it.prose)


def main_blocks(page: Page, t: dict[str, float]) -> None:
    """Step 3: the main block and the other strong prose runs before the cut are kept."""
    scores, n = page.scores, len(page.items)
    best, a, b = max_run(scores, 0, page.cut)
    keep = [False] * n
    run_score = [0.0] * n  # score of the kept run a line belongs to (0: outside every run)
    if best > 0:
        for k in range(a, b):
            keep[k] = True
            run_score[k] = best
        stack = [(0, a), (b, page.cut)]
        while stack:
            lo, hi = stack.pop()
            if hi - lo <= 0:
                continue
            s2, a2, b2 = max_run(scores, lo, hi)
            if s2 >= t["secondary_block_min_score"]:
                for k in range(a2, b2):
                    keep[k] = True
                    run_score[k] = s2
                stack += [(lo, a2), (b2, hi)]
    if best <= 0:
        # No main block: a short document (one paragraph, a few lines). Its long lines that no
        # rule or marker names are its text: a page of prose is never emptied for want of a
        # block to score (menus and widgets are short lines or match a rule).
        for k in range(page.cut):
            it = page.items[k]
            keep[k] = (it.words >= t["prose_min_words"] and len(it.text) >= t["prose_min_chars"]
                       and it.rule is None and not it.comment_marker and not it.end_marker)
    page.keep, page.run_score, page.best, page.a, page.b = keep, run_score, best, a, b


def apply_model(page: Page, model: LineModel, r: Rules) -> None:
    """Step 4: the line model decides the lines before the cut, then two rules keep what it
    should not drop (see below)."""
    rows = page_rows(page)
    if rows is None:
        return
    t = r.t
    items, keep, cut, n = page.items, page.keep, page.cut, len(page.items)
    p2, decided = decide(model, rows)
    for k in range(cut):
        items[k].p = p2[k]
        keep[k] = decided[k]
    # The switch penalty smooths runs, but the main block's last prose line that the model
    # itself calls article would pay two switches for the heading above it ("Article 30"): kept.
    last = next((k for k in range(min(page.b, cut) - 1, page.a - 1, -1) if items[k].prose), -1)
    if last >= 0 and not keep[last] and p2[last] >= model.threshold:
        keep[last] = True
    # A short gap between two article paragraphs the model keeps (a list of figures,
    # ingredients, a subheading) stays with them, unless a pattern or marker says otherwise,
    # and then it goes. Decided without the model, so that cleaning the clean text again
    # (where the gap's surroundings have changed) decides the same way.
    gap = int(t["protected_gap_lines"])
    prev = -1  # last prose line kept by the model
    for k in range(cut):
        if not (items[k].prose and keep[k]):
            continue
        if prev >= 0 and 1 < k - prev <= gap + 1 and page.a <= prev and k < page.b:
            between = range(prev + 1, k)
            if all(not items[j].prose and items[j].words <= t["title_max_words"]
                   for j in between):
                for j in between:
                    keep[j] = items[j].rule is None and not items[j].end_marker and \
                        not items[j].comment_marker
        prev = k
    prose_between_prose(page, t)
    # An author's note ("Update July 3rd: added a tweet.") next to a kept paragraph.
    window = int(t["article_note_window"])
    max_words = t["article_note_max_words"]
    for k in range(cut):
        it = items[k]
        if not keep[k] and it.terminal and it.rule is None and not it.end_marker \
                and not it.comment_marker and it.words <= max_words \
                and any(keep[j] and items[j].prose
                        for j in range(max(0, k - window), min(n, k + window + 1))) \
                and r.article_note.fullmatch(it.text):
            keep[k] = True


# prose_between_prose: a gap of headings and long lines (or short sentences, or at most
# RESCUE_HEADINGS_ONLY headings alone) between two kept lines is kept whatever its length; after
# the last kept line, up to the end of the page, at most RESCUE_MAX_LINES (a heading and a
# paragraph, twice) each ending like a sentence, or any number of sections whose headings number
# on from the last kept one ("Article 29" kept: "Article 30" and its paragraph). Measured with
# the text pass (clean_text): UDHR paragraphs lost 55 -> 3 (of 30,788); Dragnet train sites F1
# 0.900 -> 0.900; trafilatura-eval train `with` 0.908 -> 0.910, `without` 0.861 -> 0.856. A tail
# of any length without the numbering: UDHR 4 fewer lost, but `without` 0.854 (train) and 0.856
# (held-out).
RESCUE_MAX_LINES = 4
RESCUE_HEADING_WORDS = 4  # "Article 30", "SARTI 30", "Qodobka 24aad"
# the kept heading the numbering goes on from may be longer: it is already the article's ("Piisu
# yɛnni na ma wɛi (29)", "Article twenty-nine (29)" in Waama, then "Piisu taari (30)")
RESCUE_KEPT_HEADING_WORDS = 8
# a gap of headings alone this short: "Eshi," "Dahui," ("Whereas,"), the five short lines of the
# Bengali preamble's "Now, therefore, the General Assembly proclaims this Declaration"
RESCUE_HEADINGS_ONLY = 5
# A line this long is running text even without a sentence mark.
RESCUE_LONG_CHARS = 120


def _plain(it: Line) -> bool:
    """No rule, marker, comment header or count says what the line is."""
    return it.rule is None and not it.end_marker and not it.comment_marker and not it.header \
        and not it.count_end


def _sentence(it: Line, t: dict[str, float], ends: bool = True) -> bool:
    """A plain line long enough to be running text that, if ``ends``, ends like a sentence."""
    long = it.words >= t["prose_min_words"] or len(it.text) >= t["prose_min_chars"]
    return long and _plain(it) and (not ends or it.terminal or it.text[-1] in CLAUSE_END
                                    or len(it.text) >= RESCUE_LONG_CHARS)


def _short_sentence(it: Line, t: dict[str, float]) -> bool:
    """A short sentence ("Nemo potest coagi ut consociationi intersit.")."""
    return it.terminal and it.words >= t["short_sentence_min_words"] and _plain(it)


def _heading(it: Line, numbered: bool = False) -> bool:
    """A numbered heading, or a line without a word ("Article 30", "@"); when ``numbered``, one
    whose number looks like a count ("Piisu taari (30)") too."""
    if numbered and it.count_end and it.rule is None:
        return it.words <= RESCUE_HEADING_WORDS
    return it.words <= RESCUE_HEADING_WORDS and not it.terminal and _plain(it)


def prose_between_prose(page: Page, t: dict[str, float]) -> None:
    """Long lines the model drops between two lines it keeps (with headings between them), or
    a few sentences after the last one up to the end of the page, are article text: real prose
    is never deleted for want of stop words. (UDHR: a paragraph in a language whose stop list is
    missing or wrong scores low on its own, and a page's last lines score low as footers.)"""
    items, keep, cut = page.items, page.keep, page.cut
    kept = [k for k in range(cut) if keep[k]]
    if not kept:
        return
    tail = cut if cut == len(items) else None  # a comment section goes on after the cut
    for a, b in zip(kept, [*kept[1:], tail], strict=True):
        if b is None:
            continue
        inner = b < cut
        gap = range(a + 1, b)
        if not gap:
            continue
        # the sections that follow the last kept one, numbered on from it ("Article 29" kept,
        # "Article 30" and its paragraph after it), are the same document's
        numbered = not inner and _numbered_on(items, keep, gap)
        ends = not inner and not numbered
        if (inner or numbered or len(gap) <= RESCUE_MAX_LINES) \
                and all(_sentence(items[j], t, ends) or _heading(items[j], numbered)
                        or inner and _short_sentence(items[j], t) for j in gap) \
                and (any(_sentence(items[j], t, ends) for j in gap)
                     or inner and len(gap) <= RESCUE_HEADINGS_ONLY):
            for j in gap:
                keep[j] = True
            if numbered:  # trim_edges leaves them: they are no page chrome at the edge
                page.sections.update(gap)


_SECTION_NUMBER = re.compile(r"(?<!\d)(\d{1,3})(?!\d)")


def _section_number(it: Line, max_words: int = RESCUE_HEADING_WORDS) -> int | None:
    """The number of a short heading ("Article 30", "ᨡᩳ᩶ 27", "Piisu taari (30)")."""
    if it.words > max_words or it.terminal and not it.count_end:
        return None
    found = _SECTION_NUMBER.findall(it.text)
    return int(found[0]) if len(found) == 1 else None


def _numbered_on(items: list[Line], keep: list[bool], gap: range) -> bool:
    """The gap's headings number on from the last numbered heading kept: n + 1, n + 2, ..."""
    last = next((n for k in range(gap.start - 1, -1, -1) if keep[k] and (
        n := _section_number(items[k], RESCUE_KEPT_HEADING_WORDS)) is not None), None)
    numbers = [n for j in gap if (n := _section_number(items[j])) is not None]
    return last is not None and bool(numbers) \
        and numbers == list(range(last + 1, last + 1 + len(numbers)))


# list_runs: lists of other pages, by their shape in any language. Counts in parentheses that are
# not years ("November (4)", "Politics (128)"; "(2007)" is an article's year; "[4]" a citation):
# three or more on one line, at most LIST_WORDS_PER_COUNT words per count and no other number than
# a year (a line-up "Moreira(6), 27- Ian ...", a table row "15 (29) 7 (95)" is article text); or one at the end of
# each of three lines or more in a row whose label holds no measure (a table of results,
# "Wierer (ITA) 35.58,7 (2)", is article text); and three or more short lines in a row
# ending in an ellipsis (truncated headlines of other stories). Measured with the text pass on the
# Dragnet train sites, words of kept lines (not in / in the gold): one-line lists 732 / 108 with
# years, 732 / 0 without; runs of counted lines 313 / 78 with years. Dragnet train F1 0.900 ->
# 0.903, test sites 0.856 -> 0.867.
LIST_RUN_MIN = 3
LIST_ITEM_MAX_WORDS = 15
LIST_WORDS_PER_COUNT = 5
COUNT_TAIL_CHARS = 16  # a count at the end of a line is searched for in its last characters
_COUNT = re.compile(r"\(\s*(\d[\d.,]*)\s*\)")
_MEASURE = re.compile(r"\d[.,:]\d")
_NUMBER = re.compile(r"\d+")
# A blog's "Recent Comments" widget (WordPress prints each comment as "%1$s on %2$s", translated:
# "NAME bei TITLE", "NAME zu TITLE", "NAME sur/dans TITLE", "NAME en/em TITLE", "NAME su TITLE",
# "NAME op TITLE"): three or more lines in a row of a name of at most COMMENT_NAME_MAX_WORDS
# words, the word, and a post's title (two words or more, beginning with a capital, a digit or a
# quote; no sentence end), with at least two different names (a menu repeats its first word:
# "Publikationen zu Frauen ...", "Publikationen zu EU ..."). "Share on Facebook" has a one-word
# title; "David Platt on the Doctrine of Suffering", a list of talks, a lower-case one. Dragnet
# train sites, text pass: F1 0.9173 -> 0.9181 (5 pages up, none down: law.com, brainygamer.com,
# toucharcade.com); trafilatura-eval train kept / gone unchanged (0.914 / 0.854), 5 of its 990
# dumps hold such a run and no 'with' fragment is in one.
COMMENT_NAME_MAX_WORDS = 4
COMMENT_ITEM_MAX_WORDS = 20
_COMMENT_ON = ("on", "bei", "zu", "sur", "dans", "en", "em", "su", "op")
_COMMENT_ON_WORDS = frozenset(_COMMENT_ON)  # a line holding none is no such item (no regex)
_COMMENT_ITEM = re.compile(
    rf"(?P<name>\S+(?: \S+){{0,{COMMENT_NAME_MAX_WORDS - 1}}}) (?:{'|'.join(_COMMENT_ON)}) "
    r"(?P<title>[^\s\w]*[^\W_]\S* \S.*)")
# A line of such a list ends in an ellipsis, or in an age: three or more short lines in a row
# ending in an age ("EA sues Zynga 70 5days 23hrs ago",
# "Lifestyle Berufe vor 2 Stunden"): a feed of other stories, tweets or comments. In the dev
# dumps 431 lines end so; the text pass kept 24 of them, on three pages (other stories with
# their comment counts, two tweet feeds), and no gold body holds such a run.
AGE_END_CHARS = 48  # an age is searched for in a line's last characters
_AGE_END = re.compile(
    r"(?:\b\d+\s*(?:secs?|seconds?|mins?|minutes?|hrs?|hours?|days?|weeks?|months?|years?)"
    r"(?:\s*\d+\s*(?:mins?|minutes?|hrs?|hours?))?\s+ago"
    r"|\bvor\s+\d+\s+(?:sekunden?|minuten?|stunden?|tag(?:en)?|wochen?|monat(?:en)?|jahr(?:en)?)"
    r"|\bil y a\s+\d+\s+(?:secondes?|minutes?|heures?|jours?|semaines?|mois|ans?)"
    r"|\bhace\s+\d+\s+(?:segundos?|minutos?|horas?|días?|semanas?|meses|años?)"
    r"|\b\d+\s+(?:secondi|minuti|ore|giorni|settimane|mesi|anni)\s+fa)\s*$", re.I)


# A feed whose items put their age on a line of its own under the headline (grist.org, shacknews,
# phys.org, laola1.at, latercera.com: 9 dumps of the dev sets): the ages go by the dateline rule,
# the headlines between them stayed. Dragnet train sites, text pass: F1 0.9181 -> 0.9186
# (shacknews.com 0.553 -> 0.742, no page down); trafilatura-eval: 'with' kept and 'without' gone
# unchanged on the 7 pages with such a feed.
FEED_MIN_ITEMS = 3
FEED_AGE_WORDS = 6  # an age alone: "about 3 hours ago", "1hr 20mins ago"


def _headline_end(text: str) -> bool:
    """A line of a list of other stories: it ends in an ellipsis or in an age (which has a
    digit: the regex runs only on the lines with one near their end)."""
    if text.endswith(("…", "...")):
        return True
    start = max(0, len(text) - AGE_END_CHARS)
    return _DIGIT.search(text, start) is not None and _AGE_END.search(text, start) is not None


def _is_year(digits: str) -> bool:
    return digits.isdigit() and YEAR_MIN <= int(digits) <= YEAR_MAX


def _counts(text: str) -> int:
    """Counts in parentheses in a line that are not years."""
    return sum(1 for m in _COUNT.finditer(text) if not _is_year(m.group(1)))


def _counted_item(text: str) -> bool:
    """"Label (N)": a count at the end, no measure (a decimal, a time) in the label."""
    m = _COUNT.search(text, max(0, len(text) - COUNT_TAIL_CHARS))
    return m is not None and m.end() == len(text) and not _is_year(m.group(1)) \
        and _MEASURE.search(text, 0, m.start()) is None


def list_runs(page: Page) -> None:
    """Step 4b: archive and category lists, lists of truncated headlines, feeds of headlines
    with their ages and a blog's list of its recent comments go as wholes."""
    items, reasons = page.items, page.reasons
    names: dict[int, str] = {}  # a comment-list line's name, by line
    kinds: list[str | None] = []  # each line's kind of list item (None: no item)
    for k, it in enumerate(items):
        kind = None
        if _plain_list_line(it):
            if it.words <= COMMENT_ITEM_MAX_WORDS and not it.terminal \
                    and not it.tokens.isdisjoint(_COMMENT_ON_WORDS):
                m = _COMMENT_ITEM.fullmatch(it.text)
                if m is not None and not m["title"].lstrip("\"'“‘«„")[:1].islower():
                    names[k] = m["name"]
                    kind = "comment-list"
            if kind is None and it.words <= LIST_ITEM_MAX_WORDS:
                if it.text[-1] == ")" and _counted_item(it.text):  # (a count ends with its bracket)
                    kind = "archive-list"
                elif _headline_end(it.text):
                    kind = "headline-list"
        kinds.append(kind)
    at = 0
    for kind, run in groupby(kinds):  # the runs of lines of one kind
        size = len(list(run))
        if kind is not None and size >= LIST_RUN_MIN and (
                kind != "comment-list" or len({names[i] for i in range(at, at + size)}) > 1):
            for i in range(at, at + size):
                _drop(page, i, kind, f"{size} lines of a list")
        at += size
    _feeds(page)
    for k, it in enumerate(items):
        # (a line of LIST_RUN_MIN counts holds as many opening brackets)
        if it.text.count("(") >= LIST_RUN_MIN and k not in reasons and _plain_list_line(it):
            c = _counts(it.text)
            if c >= LIST_RUN_MIN and it.words <= c * LIST_WORDS_PER_COUNT and all(
                    _is_year(x) for x in _NUMBER.findall(_COUNT.sub(" ", it.text))):
                _drop(page, k, "archive-list", f"{c} counted links on one line")


def _feeds(page: Page) -> None:
    """A feed of other stories printed as (headline, age) pairs: every line right above an age
    alone on its line ("7 mins ago", "vor 1 Woche", "Hace 3 horas"), where FEED_MIN_ITEMS such
    ages or more stand every second line."""
    items = page.items
    ages = [k for k, it in enumerate(items)
            if it.rule == "dateline" and it.words <= FEED_AGE_WORDS and _headline_end(it.text)]
    k = 0
    while k < len(ages):
        j = k
        while j + 1 < len(ages) and ages[j + 1] - ages[j] == 2:
            j += 1
        if j - k + 1 >= FEED_MIN_ITEMS:
            for a in ages[k:j + 1]:
                if a >= 1 and _plain_list_line(items[a - 1]):
                    _drop(page, a - 1, "headline-list", f"{j - k + 1} items of a feed with their ages")
        k = j + 1


def author_boxes(page: Page, r: Rules) -> None:
    """Step 4c: an author box ("About Nancy Atkinson" over "Nancy Atkinson is ...", or the two
    run together on one line) goes, heading and blurb, where less kept prose follows it than
    precedes it, or above the page's headline (a sidebar's box, printed before the article);
    boilerplate.json ``author_box``."""
    items, keep, n = page.items, page.keep, len(page.items)
    headline = None  # where the headline stands (features.headline_at), found when needed
    for k, it in enumerate(items):
        m = r.author_box.match(it.text)
        if m is None:
            continue
        name = m.group("name")
        box: list[int] = []
        if it.words <= r.author_box_words and m.end() == len(it.text):
            # the whole name: "About This Blog" over "This site is ..." is no box of a name
            box = next(([k, j] for j in range(k + 1, min(n, k + 1 + r.author_blurb_lines))
                        if items[j].words >= r.author_blurb_words
                        and _begins_with(items[j].text, name)), [])
        elif it.words >= r.author_blurb_words and _name_repeated(it.text[m.start("name"):]):
            box = [k]  # "About Bob Walsh Bob Walsh is the author of ..."
        if not box or not any(keep[i] for i in box):
            continue
        headline = headline_at(items) if headline is None else headline
        before = sum(items[i].words for i in range(k) if keep[i] and items[i].prose)
        after = sum(items[i].words for i in range(box[-1] + 1, n) if keep[i] and items[i].prose)
        if after >= before and box[-1] >= headline:
            continue
        for i in box:
            _drop(page, i, "author-bio", f"author box {it.text[:DETAIL_CHARS]!r}")
    for k, it in enumerate(items):
        if it.words <= r.author_box_words and r.profile_link.fullmatch(it.text):
            for i in _profile_box(items, k, r):
                _drop(page, i, "author-bio", f"profile box over {it.text[:DETAIL_CHARS]!r}")


def _profile_box(items: list[Line], k: int, r: Rules) -> list[int]:
    """The lines of the profile box whose link is line ``k`` (boilerplate.json author_box's
    profile_*): the link, a blurb of a line or two above it, then its short lines (a name,
    "Location: ...") up to its heading."""
    box, j = [k], k - 1
    for limit, short in ((r.profile_blurb_lines, False), (r.profile_short_lines, True)):
        for _ in range(limit):
            if j < 0:
                return box
            it = items[j]
            if it.rule is not None or it.comment_marker or it.end_marker or it.header:
                return box  # the line above the box
            if short and r.profile_heading.fullmatch(it.text):
                return box + [j]
            if not (it.words <= r.author_box_words if short
                    else it.words >= r.author_blurb_words):
                break  # not this part of the box: the next part may begin here
            box.append(j)
            j -= 1
    return box


BOX_NAME_WORDS = 4  # the words of a name, as boilerplate.json author_box's heading takes them


def _name_repeated(text: str) -> bool:
    """``text`` begins with a name of 1 to BOX_NAME_WORDS words said twice ("Bob Walsh Bob Walsh
    is ...")."""
    words = text.split(None, 2 * BOX_NAME_WORDS)
    return any(words[:n] == words[n:2 * n] for n in range(1, BOX_NAME_WORDS + 1))


def _begins_with(text: str, name: str) -> bool:
    """``text`` begins with the word(s) ``name``, case and all."""
    return text.startswith(name) and (len(text) == len(name) or not text[len(name)].isalnum())


def _plain_list_line(it: Line) -> bool:
    return it.rule is None and not it.comment_marker and not it.end_marker


def _drop(page: Page, k: int, reason: str, detail: str) -> None:
    if k not in page.reasons:
        page.reasons[k] = (reason, detail)
        page.keep[k] = False


# The headline may follow the first line kept as prose (a "« previous post" link the model kept):
# this many lines after it are looked at, for a line the page <title> names.
TITLE_AFTER_START = 2
# Curly quotes and apostrophes as straight ones: a page's <title> and its headline may differ so.
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def find_title(items: list[Line], start: int, t: dict[str, float]
               ) -> tuple[int | None, list[int]]:
    """Step 5: (index into items of the title, indices of its repeats) or (None, [])."""
    head = items[: max(start, 0) + 1 + TITLE_AFTER_START]
    heading = [is_heading_like(it, t) for it in head]
    # (case folding neither makes nor unmakes a separator, nor makes a text shorter)
    with_sep = [j for j, it in enumerate(head) if _ANY_TITLE_SEP.search(it.text) is not None]
    # The lines' case-folded texts where they are compared: the heading-like lines' (the keys
    # below), those of the lines with a separator (which may be the <title>) and of the lines
    # no longer than a key (which may repeat one); None for the others (long paragraphs).
    norm: list[str | None] = [it.text.casefold().translate(_QUOTES) if heading[k] else None
                              for k, it in enumerate(head)]
    longest = max((len(x) for x in norm if x is not None), default=-1)
    seps = set(with_sep)
    for j, it in enumerate(head):
        if norm[j] is None and (j in seps or len(it.text) <= longest):
            norm[j] = it.text.casefold().translate(_QUOTES)
    # 1. the page <title> ("Headline | Site", "Site: Headline") repeated as a line of its own,
    #    or else a heading-like line repeated before the article. The <title> is the stronger
    #    evidence: a menu repeats its section names ("NHL NETWORK" as a heading and as its first
    #    entry) above the headline. Of the lines the <title> holds, the one in its likelier form
    #    (_title_form), and of those the one nearest the article: the site's name ("Seth's
    #    Blog", a menu's "US Elections") comes first, at the top.
    titled = repeated = titled_form = None
    where: dict[str, list[int]] = {}  # each text's lines (looked up, not searched: head is long)
    for j, text in enumerate(norm):
        if text is not None:
            where.setdefault(text, []).append(j)
    # the lines that could be the <title>: every form has a separator; after the first line,
    # a line holds a heading as a <title> only when it begins with it, and those lines are
    # found by their text in sorted order (a bisection, not a test of every earlier line)
    first_sep = bool(with_sep) and with_sep[0] == 0
    by_text = sorted((norm[j], j) for j in with_sep if j > 0)
    for k in range(len(head)):
        if not heading[k]:
            continue
        key = norm[k]
        repeats = [j for j in where[key] if j != k] if k <= start else []
        candidates = [0] if first_sep and k > 0 else []
        for x in range(bisect_left(by_text, (key,)), len(by_text)):
            text, j = by_text[x]
            if not text.startswith(key):
                break
            if j < k:
                candidates.append(j)
        forms = [(form, j) for j in candidates
                 if (form := _title_form(norm[j], key, first_line=j == 0)) is not None]
        if forms or (repeats and repeated is None):
            prefixed = [j for _, j in forms]
            rep = [j for j in repeats if j > k] + prefixed
            first = min([k, *repeats])
            found = first, sorted(j for j in {*repeats, *prefixed} if j != first) if rep else []
            if not forms:
                repeated = found
                continue
            best = min(forms)[0]  # the likeliest form the <title> holds this heading in
            if titled_form is None or best <= titled_form:
                titled, titled_form = found, best
    if titled is not None or repeated is not None:
        return titled or repeated
    # 2. the first line, heading-like, followed by a longer line.
    if items and is_heading_like(items[0], t) and len(items) > 1:
        if items[1].words > items[0].words or items[1].rule in ("byline", "dateline"):
            return 0, []
    return None, []


# A site's name in a page <title>: a few words ("47 Hats", "NFL.com", "The Curious Brain").
SITE_NAME_MAX_WORDS = 5
SITE_NAME_MAX_CHARS = 40
_TITLE_PARTS = re.compile(r"\s*[|·»«]\s*|\s+[\-–—]\s+")  # between a <title>'s parts


def title_site(line: str, title: str) -> str | None:
    """The site's name a page <title> line holds beside the headline: "Headline | Site" (the
    last part after it), "Site » Headline" or "Site: Headline" (the first part before it); None
    when the line does not hold the headline so, or what it holds is no name (too long, no
    letter). "Section: Headline" and "Headline: subtitle" are no site."""
    low, key = line.casefold().translate(_QUOTES), title.casefold().translate(_QUOTES)
    if len(low) != len(line) or len(low) <= len(key):
        return None  # case folding changed the length: positions would not map back
    parts: list[str] = []
    if low.startswith(key):
        m = _TITLE_SUFFIX_SEP.match(low, len(key))
        if m is not None and m["end"] is None and ":" not in m["sep"]:
            parts = _TITLE_PARTS.split(line[m.end():])[::-1]  # "Headline - Section - Site"
    elif low.endswith(key):
        m = _SITE_PREFIX.search(low, 0, len(low) - len(key))
        if m is not None:
            parts = _TITLE_PARTS.split(line[:m.start("sep")])  # "Site » Section » Headline"
    # the outermost part that is no date ("Headline - Theater News - Nov 6, 2012")
    name = next((p for p in (x.strip(" :|·»«-–—") for x in parts)
                 if any(ch.isalpha() for ch in p) and find_date(p) is None), None)
    if not name or len(name) > SITE_NAME_MAX_CHARS or len(name.split()) > SITE_NAME_MAX_WORDS:
        return None
    return name


def _title_form(line: str, key: str, first_line: bool) -> int | None:
    """How `line` holds the heading `key` as the page <title>, likeliest first: 0 "Headline |
    Site" (a bar, dash or guillemet after it: WordPress and most sites), 1 "Site: Headline" (a
    colon before it: Blogger's form), 2 a colon after it (the first part of "Section: Headline")
    or a bar or dash before it ("Site | Headline", as on many government sites, but in "Headline
    | Site" it is the site's name); None when it is no part of the <title>."""
    if len(line) <= len(key):
        return None
    if line.startswith(key):
        m = _TITLE_SUFFIX_SEP.match(line, len(key))
        if m is not None and (m["end"] is None or first_line):
            return 2 if ":" in m["sep"] else 0
    if first_line and line.endswith(key):
        m = _SITE_PREFIX.search(line, 0, len(line) - len(key))
        if m is not None:
            return 1 if ":" in m["sep"] else 2
    return None


def take_title(page: Page, first_kept: int, t: dict[str, float]) -> str | None:
    """Step 5: the title and its repeats are removed from the text; the title is returned, and
    the site's name the page <title> holds beside it goes to ``page.site``."""
    title_k, repeat_ks = find_title(page.items, first_kept, t)
    if title_k is None:
        return None
    title = page.items[title_k].text
    if 0 in repeat_ks:  # the first line holds the title: the page <title>
        page.site = title_site(page.items[0].text, title)
    page.reasons[title_k] = ("title", "taken as the document title")
    page.keep[title_k] = False
    for j in repeat_ks:
        page.reasons[j] = ("repeated-headline", f"repeats the title '{title[:DETAIL_CHARS]}'")
        page.keep[j] = False
    return title


DETAIL_CHARS = 60  # how much of a title or fragment an explanation quotes


def lone_donation_amounts(page: Page) -> None:
    """Donation amount ladders are two or more amount lines in a row: a lone amount line the
    blocks keep is a figure, not a widget."""
    items, keep, n = page.items, page.keep, len(page.items)
    for k, it in enumerate(items):
        if it.rule == "donation-widget" and _DIGIT.search(it.text):
            near = [j for j in (k - 1, k + 1) if 0 <= j < n and items[j].rule == "donation-widget"]
            if not near:
                it.rule = None if keep[k] else it.rule


def find_byline(page: Page, first_kept: int, r: Rules) -> tuple[str | None, str | None]:
    """Step 5: (author, published date) from the byline/dateline lines near the top."""
    published: str | None = None
    author: str | None = None
    items = page.items
    top_limit = first_kept + int(r.t["byline_lines_after_start"])
    for k, it in enumerate(items[: min(len(items), top_limit + 1)]):
        if it.rule in ("byline", "dateline") and k not in page.reasons:
            if published is None:
                published = find_date(it.text)
            if author is None and it.rule == "byline":
                m = r.author.match(it.text)
                if m:
                    author = m.group("name").strip() or None
    return author, published


def trim_edges(page: Page, r: Rules) -> None:
    """Step 6. A line matching a boilerplate pattern is kept only between article paragraphs (a
    lone figure inside an article), and a short line never after the last one: at the edges of
    what is kept they are page chrome, and cleaning the clean text again would drop them there
    (idempotence). Short lines before the first paragraph stay (deks, subheadings): trimming
    them too cost 0.018 of `with kept` on the train split for 0.015 `w/o gone`. A sentence of
    5+ words after the last paragraph that the model keeps stays too (a closing line, "Be there
    or be square!"): +0.004 `with kept`, `w/o gone` unchanged."""
    t = r.t
    items, keep, reasons, n = page.items, page.keep, page.reasons, len(page.items)

    def kept_prose(k: int) -> bool:  # (a caption is no article paragraph)
        return keep[k] and items[k].prose and k not in reasons and not is_caption(items[k], r)

    # the first and the last kept paragraph (the ones between them need no caption search)
    first = next((k for k in range(n) if kept_prose(k)), None)
    if first is None:
        return
    last = next(k for k in range(n - 1, first - 1, -1) if kept_prose(k))
    leading = (k for k in range(first) if items[k].rule is not None)
    for k in chain(leading, range(last + 1, n)):
        it = items[k]
        sentence = k > first and (it.terminal and it.words >= t[
            "closing_sentence_min_words"] or keep[k] and _sentence(it, t))
        if keep[k] and k not in reasons and (it.rule is not None or not (
                it.prose or sentence or k in page.sections)):
            reasons[k] = (it.rule or "short-menu-line", "short line at the edge of the article")


def is_caption(it: Line, r: Rules) -> bool:
    """A caption-sized line ending in a photo credit (removed whole, not as a fragment)."""
    return it.words <= r.t["caption_max_words"] and any(
        (m := fragment_search(rule, it.text)) is not None and m.start() > 0
        for rule in r.fragment_rules if rule[0] == "photo-credit")
