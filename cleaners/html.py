"""Main text and metadata from an HTML page, with trafilatura.

The page is parsed once: the metadata (trafilatura's, less what is not used: see _metadata) and
the head pass (the headline, byline and standfirst trafilatura leaves out) read the tree as it is,
trafilatura's `bare_extraction` works on a copy, comments left out. Every switch below was measured on both dev sets
(bench/html_options.py; the figures are in the comments of the constants).
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from copy import deepcopy
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import trafilatura
import trafilatura.core
from lxml import etree
from trafilatura import metadata as traf_meta
from trafilatura.baseline import block_text
from trafilatura.deduplication import LRUCache
from trafilatura.json_metadata import normalize_authors
from trafilatura.settings import DEFAULT_CONFIG, Document, set_date_params
from trafilatura.utils import load_html, trim
from trafilatura.xml import delete_element, xmltotxt

from cleaners.boilerplate.clean import clean_text
from cleaners.boilerplate.rules import match_html_chrome, match_rule, rules
from cleaners.neardup import shingles
from cleaners.pagedates import find_date
from cleaners.regextrie import lower_case
from cleaners.site import site_of

# The configuration, re-chosen (issue 15) on the Dragnet TRAIN sites only (379 pages; shingle F1
# over word 4-grams against the gold bodies, title + text) and the trafilatura-eval train split
# (801 pages; 'with' kept / 'without' gone). The earlier figures here came from a copy of the site
# split that was inverted in bench/html_options.py: they were the test sites'. All with the text
# pass cells+tail and the head pass below (train F1; kept / gone):
#   favor_recall 0.937 (0.955 / 0.879); balanced 0.935 (0.957 / 0.888) but ~10 ms a page more
#   (readability and jusText run on every page: recall skips them when its text is long);
#   favor_precision 0.930 (0.935 / 0.907); favor_recall + fast 0.926 (0.946 / 0.881).
# favor_recall stays: the best train F1, and balanced's cost would put the HTML mode over 1.5x
# trafilatura's own time with the head pass.
FAVOR_PRECISION = False
FAVOR_RECALL = True
FAST = False
# Tables kept, their rows written as the text of their cells ("cells" below): dropping tables
# (0.917 with the rest) loses the articles written in tables.
INCLUDE_TABLES = True
# trafilatura's deduplicate keeps a cache across pages (a page's output would depend on the pages
# before it); a cache per page removes repeated paragraphs and lost 'with' fragments.
DEDUPLICATE = False
# include_comments=True, the comments thrown away: trafilatura then skips its comment pruning of
# the page, which loses more than its comment extraction takes out (0.868 against 0.879).
COMMENTS_APART = False
# The text pass over the extracted paragraphs, "+"-joined kinds: "cells" (table rows as the text
# of their cells), "tail" (cut at a comment section or a related list). On train: "tail" 0.934 ->
# 0.937 (gone 0.874 -> 0.879); "cells" changes no train score (a table row reads as its cells:
# kept for the text's sake). The kinds that measured no gain (dated comment headers, teasers, the
# line rules, the whole text classifier) live in bench/html_options.py, which measures them.
# "chrome" (the line rules of the kinds below only): train F1 0.9371 -> 0.9373, trafilatura-eval
# train gone 0.878 -> 0.886, kept 0.9545 unchanged (16 of 379 and 75 of 801 pages change:
# "Czytaj też: ...", "À lire aussi", "Kategorie: News", "© ... All rights reserved", PHP
# warnings, "Advertisement").
TEXT_PASS = "cells+chrome+tail"
# The "chrome" kinds: the paragraphs that a line rule of the text mode (cleaners/boilerplate/rules)
# of one of these kinds matches whole, the site's furniture. Left out, each measured alone on the
# train pages (Dragnet F1 change; trafilatura-eval kept change): byline -0.0024 (-0.0008),
# newsletter -0.0007 (-0.0004), photo-credit -0.0005, dateline -0.0003, navigation -0.0001
# (-0.0004), cookie-notice -0.0001, editor-note -0.0002, and author-bio, wire-credit, platform
# (article text in the gold bodies, or no line on the dev pages). reading-time and disclaimer,
# added with their rules: trafilatura-eval gone 0.8871 -> 0.8877, Dragnet test 0.94197 ->
# 0.94199 (T147's 'Views expressed on this page are those of the authors'), train 0.94280 ->
# 0.94276 (R161, whose gold body holds its sponsor's disclosure).
CHROME_REASONS = frozenset({
    "tag-list", "share-prompt", "see-also", "ad-label", "copyright", "legal-link", "account-box",
    "comment-meta", "back-to-top", "image-chrome", "server-error", "script-notice", "markup",
    "paywall", "donation-widget", "rating", "reading-time", "disclaimer"})
# The head pass (the page's tree read around where trafilatura's text begins): the article's
# headline as the title, and the byline and standfirst under it (issue 15). See _head_pass.
HEAD_PASS = True


@dataclass(frozen=True)
class HtmlResult:
    text: str
    title: str | None
    author: str | None
    published: str | None
    url: str | None
    site: str | None
    # what the text pass took out of trafilatura's paragraphs: (index of the paragraph in
    # trafilatura's text, the title line left out; text; reason; evidence), as the text mode's
    # removed lines
    removed: tuple[tuple[int, str, str, str], ...] = ()


TAIL_MIN_WORDS = 50
_WORD_RUN = re.compile(r"\S*[^\W_]\S*")  # a word: a run of non-space holding a letter or digit
FORM_MIN_WORDS = 10
# The fields and notes of a comment form (WordPress, Blogger, Movable Type and their translations):
# where one stands under the article, the comment section begins.
_COMMENT_FORM = re.compile(
    r"(?:name|e-?mail|mail|website|url|comment|kommentar|nom|nombre|courriel|site web)\s*"
    r"(?:\*|\((?:required|will not be published|erforderlich|requis|obligatorio)\)\s*)+"
    r"|(?:your|ihre|deine|votre|tu|su) .{0,40}(?:will not be published|wird nicht veröffentlicht"
    r"|ne sera pas publiée|no será publicad[ao])\b.{0,80}"
    r"|no comments yet\.?|(?:be the first to|noch keine kommentare|aucun commentaire).{0,60}"
    r"|rss feed for comments on this post.{0,40}|trackback uri",
    re.I)


Removal = tuple[int, str, str, str]


def _tail_pass(paras: list[str], min_words: int = TAIL_MIN_WORDS,
               removed: list[Removal] | None = None) -> list[str]:
    """Cut at a comment section's heading or form with text above it; at a related-list
    heading ("Related", "You may also like") only when less text follows it than precedes
    it (a box inside the article, whose list trafilatura left out, leaves its heading alone).
    Each paragraph taken out goes to ``removed`` with its reason and the heading as evidence."""
    r = rules()
    removed = [] if removed is None else removed
    words = [len(_WORD_RUN.findall(p)) for p in paras]  # a list's "-" bullets are no text
    total, seen = sum(words), 0
    out = []
    for i, p in enumerate(paras):
        t, n = " ".join(p.split()), words[i]
        m = r.markers.fullmatch(lower_case(t)) if n <= 12 else None
        form = (m is not None and m.lastgroup == "form") or (n <= 20 and _COMMENT_FORM.fullmatch(t))
        cut = None
        if form and seen >= FORM_MIN_WORDS:
            cut = ("comment-section", f"comment form from {t[:80]!r}")
        elif m is not None and m.lastgroup == "counter" and seen >= min_words:
            cut = ("comment-section", f"comment heading {t[:80]!r}")
        elif m is not None and m.lastgroup == "end" and seen >= min_words:
            if total - seen - n <= seen:
                cut = (r.end_marker_reason, f"list heading {t[:80]!r}, less text under it than above")
            else:  # the heading of a box inside the article: the article goes on
                removed.append((i, p, r.end_marker_reason, "list heading inside the article"))
                seen += n
                continue
        if cut is not None:
            removed.extend((k, paras[k], *cut) for k in range(i, len(paras)))
            return out
        out.append(p)
        seen += n
    return out


# trafilatura writes a table row as Markdown, "| A | B | ", and a separator "|---|---|" under
# its head row.
_TABLE_ROW = re.compile(r"\|(?:[^|\n]*\|)+\s*")
_TABLE_RULE = re.compile(r"\|(?:\s*:?-+:?\s*\|)+\s*")


def _table_rows_as_cells(paras: list[str]) -> list[str]:
    """A table row as the text of its cells, the empty ones left out; the separator row becomes
    an empty paragraph (dropped with the others by the pipeline; the indexes do not move)."""
    out = []
    for p in paras:
        if _TABLE_RULE.fullmatch(p):
            out.append("")
            continue
        if _TABLE_ROW.fullmatch(p):
            p = " ".join(c.strip() for c in p.strip().strip("|").split("|") if c.strip())
        out.append(p)
    return out


def _chrome_pass(paras: list[str], removed: list[Removal]) -> list[str]:
    """A paragraph that a line rule of the text mode of a CHROME_REASONS kind matches whole, or
    one of the HTML mode's own line rules (boilerplate.json ``html_chrome_rules`` and the line
    rules marked ``html_chrome``: a blog's "« previous | Main | next »" bar), becomes empty
    (the indexes do not move), and goes to ``removed``."""
    r = rules()
    out = []
    for i, p in enumerate(paras):
        t = " ".join(p.split())
        if t:
            n = len(t.split())
            if (reason := match_rule(t, n, r)) in CHROME_REASONS:
                removed.append((i, p, reason, "line rule of the text mode"))
                p = ""
            elif (reason := match_html_chrome(t, n, r)) is not None:
                removed.append((i, p, reason, "line rule of the HTML mode"))
                p = ""
        out.append(p)
    return out


def text_pass(text: str, kind: str | None) -> tuple[str, tuple[Removal, ...]]:
    """The text pass of ``kind`` ("cells", "chrome", "tail", "+"-joined) over extracted text:
    (the text, what "chrome" and "tail" removed, by the index of the paragraph in ``text``)."""
    removed: list[Removal] = []
    if not kind or not text:
        return text, ()
    paras = text.split("\n")
    if "cells" in kind:
        paras = _table_rows_as_cells(paras)
    if "chrome" in kind:
        paras = _chrome_pass(paras, removed)
    if "tail" in kind:
        paras = _tail_pass(paras, TAIL_MIN_WORDS, removed)
    return "\n".join(paras), tuple(removed)


# trafilatura writes a table row as one line, its cells' text joined, whatever the cells hold. A
# page laid out in a table (old blogs: schneier.com) then comes out as one line holding the
# headline, the article's paragraphs and the footer. A table with a cell that holds a block
# (paragraph, heading, quote, list or table) is such a layout: its cells' blocks are written as
# blocks, the table dropped. Dragnet: no train page changes; test sites 0.9256 -> 0.9294 (8 pages
# up, none down); trafilatura-eval train kept/gone unchanged.
LAYOUT_TABLES = True
_BLOCKS = frozenset({"p", "head", "quote", "list", "table", "graphic", "code"})

# trafilatura's cascade: its own extractor, then (stage 2, not in fast mode) a comparison with
# readability and jusText, whose text replaces its own by length heuristics; in recall mode only
# when its own text is short (under 10x its minimum size). The replacement is right on some pages
# (washingtonpost.com: its own extractor reads the first two paragraphs, readability all of them)
# and wrong on others (a blog laid out in a link-heavy table: its own extractor finds 13
# characters, its baseline rescue the post, jusText the sidebar). A second opinion settles it:
# when stage 2 replaced the text, the page is also extracted in fast mode (its own extractor, its
# baseline rescue when short), the text mode reads the page's visible text, and of the two texts
# the one that shares more shingles with that reading is kept. Stage 2 replaces the text on 20
# Dragnet train and 20 test pages, and 44 trafilatura-eval pages: Dragnet train F1 0.94085 ->
# 0.94092 (2 pages up, none down), test 0.9288 -> 0.9331 (3 up, none down), trafilatura-eval
# train kept/gone 0.9640/0.8855 -> 0.9648/0.8859, held-out gone 0.8837 -> 0.8854. The cost falls
# on those pages alone (a second extraction and the text pass, about 37 ms: 2 ms a page averaged).
SECOND_OPINION = True
# whether stage 2 replaced trafilatura's text (a context variable: each thread has its own)
_STAGE2_REPLACED: ContextVar[bool] = ContextVar("stage2_replaced", default=False)
_trafilatura_stage2 = trafilatura.core.compare_extraction


def _stage2_noted(cleaned_tree, raw_tree, body, text, options):
    """trafilatura's stage 2, noting in _STAGE2_REPLACED whether it replaced the text."""
    body2, text2 = _trafilatura_stage2(cleaned_tree, raw_tree, body, text, options)
    if text2 is not text:
        _STAGE2_REPLACED.set(True)
    return body2, text2


trafilatura.core.compare_extraction = _stage2_noted


def _unwrap_layout_tables(body) -> bool:
    """Replace each layout table of trafilatura's ``body`` by its cells' content, row by row:
    a cell's blocks as they are, its loose text and inline elements as paragraphs. True if any
    table was one."""
    changed = False
    for table in list(body.iter("table")):
        parent = table.getparent()
        if parent is None:
            continue
        cells = [c for row in table if row.tag == "row" for c in row if c.tag == "cell"]
        if not any(child.tag in _BLOCKS for c in cells for child in c):
            continue
        out: list = []
        for cell in cells:
            out.extend(_cell_blocks(cell))
        pos = parent.index(table)
        tail = table.tail
        parent.remove(table)
        for k, el in enumerate(out):
            parent.insert(pos + k, el)
        if tail and tail.strip():
            p = etree.Element("p")
            p.text = tail
            parent.insert(pos + len(out), p)
        changed = True
    return changed


def _cell_blocks(cell) -> list:
    """A cell's content as blocks: its blocks, and a paragraph for each run of text and inline
    elements between them."""
    blocks: list = []
    run = etree.Element("p")
    run.text = cell.text

    def flush() -> None:
        nonlocal run
        if (run.text or "").strip() or len(run):
            blocks.append(run)
        run = etree.Element("p")

    for child in list(cell):
        tail, child.tail = child.tail, None
        if child.tag in _BLOCKS:
            flush()
            blocks.append(child)
            run.text = tail
        else:
            run.append(child)
            child.tail = tail
    flush()
    return blocks


# -- the head pass --------------------------------------------------------------------------
# trafilatura leaves out what stands above an article's first paragraph: the headline (its title
# is then the og:title, often the site's name: "The White House Blog", "Rand's Blog", or an h3 of
# the sidebar: "Translate", "Cancel reply"), the byline and dateline under it, a standfirst. The
# Dragnet gold bodies begin there. The pass finds trafilatura's first paragraph in the page's
# tree, then the nearest heading before it whose words are in the page's <title>: that is the
# headline (the title), and the blocks between it and the first paragraph go before the text
# (bylines, standfirsts, lead paragraphs: see HEAD_WINDOW and LEAD_TEXT_SHARE). Measured on the
# Dragnet train sites and the trafilatura-eval train split (favor_recall,
# cells+tail, 379 / 801 pages): F1 0.930 -> headline alone 0.934 (157 of 379 titles not in the
# gold body before, 25 after; fragments unchanged) -> with the blocks under it 0.937; with kept
# 0.945 -> 0.955 (standfirsts), without gone 0.886 -> 0.878 (bylines, captions: the
# trafilatura-eval annotation leaves bylines out, Dragnet's keeps them). ~3 ms a page (two scans
# of the page's text by XPath, a walk over the blocks between headline and text). Tried and left
# out: the date a blog writes above the headline (0.937 -> 0.934: it lands after the title, the
# gold has it before); cutting the text before a paragraph that repeats the headline (0.926:
# sidebars and footers repeat it too).
# A heading is an h1-h3, or an element whose class says title or headline, of at most
# HEADLINE_MAX_WORDS words.
HEADLINE_MAX_WORDS = 25
# Its words found in the page's <title>, at least this share: "Related Content", "The Canadian
# Press", "Share:" are headings near an article that are not its headline (0.4-0.8: F1 0.9343 to
# 0.9339, 0.6 kept).
HEADLINE_IN_TITLE = 0.6
# At most this many headings before the first paragraph are tried, nearest first, and the
# headline is at most HEAD_WINDOW blocks above it, none of those of more than HEAD_BLOCK_WORDS
# words. The blocks between may be the article's first paragraphs that trafilatura left out
# (its lead in another container: washingtonpost.com, whitehouse.gov, dailycandy.com; 'with'
# fragments of trafilatura-eval): they go before the text with the byline. Measured on train
# (Dragnet F1; trafilatura-eval kept / gone), blocks of at most 30 words and window 10 before:
# 0.9373 (0.9545 / 0.886); blocks up to 300 words (a longer block is no lead): window 10 0.9376
# (0.960 / 0.884), 20 0.9382 (0.962 / 0.883), 40 0.9393 (0.964 / 0.882), 100 0.9393 (0.966 /
# 0.881); 40 kept. Tried with it and left out: the headline holding at least 30% or 50% of the
# <title>'s words (the site's name is no headline): 0.9382 and 0.9383 (0.963 / 0.882).
# Re-measured at 5823d14 (all of the HTML mode as it is; Dragnet train F1; trafilatura-eval train
# kept / gone): window 10 and blocks of 30 words 0.9389 (0.9569 / 0.8884); window 40 and blocks of
# 300 words 0.9409 (0.9661 / 0.8842); with LEAD_TEXT_SHARE 0.9409 (0.9656 / 0.8855).
HEAD_CANDIDATES = 6
HEAD_WINDOW = 40
HEAD_BLOCK_WORDS = 300
# The blocks between the headline and the first paragraph that go before the text: 4 to 300 words
# (0-4 words: "Comments:18", "Posted in:"; 0.9372 with them, 0.9374 without), less than half of
# their letters in links (tag lists, "Full list of categories"), and no line rule of the text
# mode matching them but the byline and dateline ones (navigation, photo credits, share prompts:
# 0.9379 F1 but without gone 0.876 with them, 0.878 without).
LEAD_MIN_WORDS = 4
LEAD_MAX_WORDS = 300
LEAD_LINK_SHARE = 0.5
LEAD_REASONS = frozenset({None, "byline", "dateline"})
# A lead is shorter than the article it opens: blocks with more words than this share of
# trafilatura's text are another text above it (a blog's profile box above a short post on one
# site: the page's precision 0.98 -> 0.2, and its HTML and text forms no longer merged as the
# same page in bench/forms.py), and none of them goes first. 0.5 and 1.0 measure the same
# (no train page has a lead of more than half its text).
LEAD_TEXT_SHARE = 0.5
# A page whose article and headline share no container smaller than this many elements: no head
# pass (the walk over the blocks between them costs time, and they are far apart).
HEAD_MAX_ELEMENTS = 3000
# A heading that is a link up, to a home page or to a page above the article's (the blog's home
# 'http://calnewport.com/blog' above '/blog/2012/11/07/my-new-project/'), is the site's name (its
# logo, 'Million Dollar Journey', 'Tcritic – The T-Shirt Blog ...'), which the <title> also
# holds: no headline. Its links hold at least this share of its characters; a link with a query
# ('/?p=34195') is a post's own. Measured (Dragnet F1 train / test; trafilatura-eval kept / gone
# over its 990 pages): 0.9426 / 0.9366 (0.9644 / 0.8864) -> 0.9427 / 0.9368 (0.9644 / 0.8867).
# Then a heading whose blocks down to the text are no lead taken as the headline all the same
# (the lead left out; that ended the pass before): 0.9428 / 0.9372, 7 train pages up (nfl.com's
# blog posts had the blog's name as their title), none down. Then a metadata title that is an
# <h1> linking up replaced by the <title> less that name (_title): 0.9428 / 0.9378 (tcritic.com,
# copyranter.blogspot.com, econbrowser.com), te unchanged.
LINK_UP_SHARE = 0.8

_BLOCK_TAGS = frozenset(
    "address article aside blockquote body br dd details dialog div dl dt fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr li main nav ol p pre section summary "
    "table tbody td tfoot th thead tr ul caption center".split())
_SKIP_TAGS = frozenset("script style noscript template select option button iframe svg".split())
_TITLE_CLASS = re.compile(r"title|headline|entry-header", re.I)
_WORD = re.compile(r"\w+")
# a text node of the body (not a script's) holding a run of words ($k), or of at least 10
# letters that begins the paragraph ($p: the paragraph may begin with a link or a bold word)
# (its first word $w first: a cheap test that leaves few nodes to the others)
_TEXT_AT = etree.XPath("//body//text()[contains(., $w)][contains(normalize-space(.), $k) or "
                       "(starts-with($p, normalize-space(.)) and "
                       "string-length(normalize-space(.)) >= 10)][not(parent::script or "
                       "parent::style)]")
_HEADINGS = etree.XPath(
    "preceding::*[self::h1 or self::h2 or self::h3 or contains(@class, 'title') "
    "or contains(@class, 'Title') or contains(@class, 'headline') "
    "or contains(@class, 'entry-header')][position() <= $n]")
_COUNT = etree.XPath("count(.//*)")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def _first_element(tree, paras: list[str]):
    """The element holding the start of the first of ``paras`` found in the tree (the first
    paragraph, else the second): a text node with its first five words, or one of ten letters or
    more that begins it. One scan of the page's text each (~1 ms)."""
    for p in paras[:2]:
        w = p.split()
        if len(w) < 2:
            continue
        hits = _TEXT_AT(tree, w=w[0], k=" ".join(w[:5]), p=" ".join(w[:40]))
        if hits:
            return hits[0].getparent()
    return None


class _Found(Exception):
    """The walk over the blocks reached the article's first paragraph."""


def _blocks(root, mark, key: str) -> list[tuple[str, int]] | None:
    """The text blocks under ``root`` in document order, (text, letters in links), from the first
    of ``mark`` to the one holding ``key`` (both left out); None if ``key`` is not found after
    ``mark``."""
    out: list[tuple[str, int]] = []
    cur: list[str] = []
    links = [0]
    at: list[int | None] = [None]

    def flush() -> None:
        s = " ".join("".join(cur).split())
        if s:
            if at[0] is not None and len(out) > at[0] and key in s:
                raise _Found
            out.append((s, links[0]))
        cur.clear()
        links[0] = 0

    def walk(el, inlink: bool) -> None:
        tag = el.tag if isinstance(el.tag, str) else None
        if tag is not None and tag not in _SKIP_TAGS:
            block = tag in _BLOCK_TAGS or el is mark
            if block:
                flush()
            if el is mark:
                at[0] = len(out)
            inside = inlink or tag == "a"
            if el.text:
                cur.append(el.text)
                links[0] += len(el.text) if inside else 0
            for child in el:
                walk(child, inside)
            if block:
                flush()
        if el.tail and el is not root:
            cur.append(el.tail)
            links[0] += len(el.tail) if inlink else 0

    try:
        walk(root, False)
        flush()
    except _Found:
        return out[at[0] + 1:]
    except RecursionError:  # libxml2 caps the depth at 256 levels; a guard all the same
        return None
    return None


def _is_heading(el, text: str) -> bool:
    return el.tag in ("h1", "h2", "h3") or (
        bool(_TITLE_CLASS.search(el.get("class") or "")) and len(text.split()) <= HEADLINE_MAX_WORDS)


def _head_pass(tree, paras: list[str], url: str | None = None) -> tuple[str, list[str]] | None:
    """(headline, the lines to put before the text), or None when no headline is found (see the
    constants above). ``url`` is the page's, for the links of a heading (_links_up)."""
    start = _first_element(tree, paras)
    if start is None:
        return None
    title_el = tree.find(".//head//title")
    in_title = set(_words(title_el.text_content())) if title_el is not None else set()
    if not in_title:
        return None
    first = " ".join(paras[0].split())
    # the first paragraph may be the headline itself (or its link: "NFL Network" beside it);
    # the article then begins at the second. A heading that is not in the <title> (a post's
    # date, "Hot Topics:") is no headline: the headline is a heading above it, as for any first
    # paragraph (a Blogger post's title above its date header; that ended the pass before).
    # Dragnet F1 train / test 0.9428 / 0.9392 -> 0.9428 / 0.9397 (googledesktop.blogspot.com's
    # four pages up, which had the blog's name for their title; two down, a profile blurb taken
    # for the lead); trafilatura-eval kept 0.9644 -> 0.9658, gone unchanged. Tried with it: the
    # heading right after such a date as the headline (schneier.com): test 0.9392, as the gold
    # bodies keep the date above the title.
    up = [start, *start.iterancestors()][:3]
    if any(" ".join(" ".join(el.itertext()).split()) == first for el in up[:2]) \
            and any(_is_heading(el, first) for el in up) and _in_title(first, in_title):
        article = _first_element(tree, paras[1:2]) if len(paras) > 1 else None
        lead = _lead(start, article, paras[1]) if article is not None else []
        return first, _as_lead(lead or [], paras)
    for h in reversed(_HEADINGS(start, n=HEAD_CANDIDATES)):
        text = " ".join(" ".join(h.itertext()).split())
        if not _in_title(text, in_title) or _links_up(h, text, url):
            continue
        lead = _lead(h, start, first)
        # a paragraph between them, or too far: the headline with no lead (no nearer heading is
        # the one)
        return text, _as_lead(lead or [], paras)
    return None


def _links_up(h, text: str, url: str | None) -> bool:
    """The heading ``text`` is (mostly: LINK_UP_SHARE of its characters) a link to the site's
    home page or to a page above this one (the blog's home): the site's name, not the article's
    headline. A link with a query ('/?p=34195') is a page's own."""
    links = [h] if h.tag == "a" else h.findall(".//a[@href]")
    linked = sum(len(" ".join(" ".join(a.itertext()).split())) for a in links)
    if not links or linked < LINK_UP_SHARE * len(text):
        return False
    page = urlsplit(url or "")
    for a in links:
        link = urlsplit(urljoin(url or "", (a.get("href") or "").strip()))
        if link.query:
            continue
        path = link.path.rstrip("/")
        if path == "" or (site_of(link.geturl()) == site_of(url)
                          and page.path.rstrip("/").startswith(path + "/")):
            return True
    return False


def _as_lead(blocks: list[str], paras: list[str]) -> list[str]:
    """The blocks as the lead of the text ``paras``; none when they are longer than a lead
    (LEAD_TEXT_SHARE)."""
    words = sum(len(b.split()) for b in blocks)
    return blocks if words <= LEAD_TEXT_SHARE * sum(len(p.split()) for p in paras) else []


def _in_title(text: str, in_title: set[str]) -> bool:
    words = _words(text)
    return 0 < len(words) <= HEADLINE_MAX_WORDS and \
        sum(w in in_title for w in words) >= HEADLINE_IN_TITLE * len(words)


def _lead(h, start, first: str) -> list[str] | None:
    """The blocks between the headline ``h`` and the article's first paragraph (``first``, found
    at ``start``) that go before the text; None when they are too many or one is a paragraph."""
    ancestors = {start, *start.iterancestors()}
    root = next((a for a in h.iterancestors() if a in ancestors), None)
    if root is None or _COUNT(root) > HEAD_MAX_ELEMENTS:
        return None
    between = _blocks(root, h, " ".join(first.split()[:5]))
    if between is None or len(between) > HEAD_WINDOW or \
            any(len(b.split()) > HEAD_BLOCK_WORDS for b, _ in between):
        return None
    r = rules()
    lead = []
    for b, link in between:
        n = len(b.split())
        if LEAD_MIN_WORDS <= n <= LEAD_MAX_WORDS and link < LEAD_LINK_SHARE * len(b) \
                and match_rule(b, n, r) in LEAD_REASONS:
            lead.append(b)
    return lead


# -- metadata ------------------------------------------------------------------------------
# trafilatura's extract_metadata (with_metadata=True) cost 17 ms a page on the Dragnet train
# pages, as much as its text extraction in recall mode: 10 ms finding the author (five XPath
# expressions whose EXSLT regular expressions call back into Python on every element, run over a
# copy of the page pruned by two of them), 5 ms categories, tags and a licence (never used here).
# _metadata below is extract_metadata without those three, its author found in one walk over the
# elements with the same tests (the same author on every dev page; 17 -> ~5 ms a page).
_A = re.compile(r"author-?name|AuthorName|authorName")
_B_ID = re.compile(r"author|zuozhe|bianji|xiaobian")
_B_CLASS = re.compile(r"author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by"
                      r"|journalist-name")
_C_ID = re.compile(r"[Aa]uthor")
_C_CLASS = re.compile(r"[Aa]uthor|screenname|writer|[Bb]yline")
_D_ID = re.compile(r"^comments|comment-?list|ProductReviews")
_D_CLASS = re.compile(r"^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote"
                      r"|embedly-instagram|article-(?:share|support)|print|category|meta-date"
                      r"|meta-reviewer")


# htmldate's extensive search (trafilatura's default), kept: without it (trafilatura's fast
# mode) the date costs 1.3 ms a page instead of 8.2 on 400 trafilatura-eval train pages (its
# last resort, dateparser, tries every locale on a page with no plain date), but 119 of the
# 1,180 train pages of both sets get no date (1,058 dates against 1,177; 29 of the 119 lost are
# a bare year as 1 January). Trying the fast search first, the extensive one only when it finds
# nothing: 10.1 ms (the pages it leaves are the slow ones).
EXTENSIVE_DATES = DEFAULT_CONFIG.getboolean("DEFAULT", "EXTENSIVE_DATE_SEARCH")


# -- what the site marks as not its content ------------------------------------------------------
# The parts of a page a site marks for search engines as not what the page is about: between
# <!-- googleoff: index --> (or "all") and <!-- googleon: ... --> (Google Search Appliance's
# markers), and between <!-- robots content="noindex" --> and <!-- /robots -->. They are left out
# before anything reads the page. Across the dev sets they hold mastheads, menus, footers, ad
# slots and comment forms: on the 51 trafilatura-eval pages with such a part, none of the 'with'
# fragments (article text) is inside one, and 10 'without' fragments are; on Dragnet (18 pages,
# 4 sites) they hold no article sentence. A marker with no closing marker after it is ignored
# (an open "googleoff" would take the rest of the page, article included).
NOINDEX_PARTS = True
_MARKER = r"<!--\s*(?:(googleoff\s*:\s*(?:index|all)|robots\s+content=[\"']?noindex)|googleon\s*:\s*(?:index|all)|/robots)\b[^<>]{0,40}?-->"
_MARKERS = (re.compile(_MARKER, re.I), re.compile(_MARKER.encode(), re.I))
# load_html drops comments: a marker becomes an empty element of this tag, removed once read
_OFF_TAG, _ON_TAG = "cw-noindex-off", "cw-noindex-on"


def mark_noindex_parts(html: str | bytes) -> str | bytes:
    """The page with its not-content markers (see NOINDEX_PARTS) as elements that the parser
    keeps, for ``drop_noindex_parts``."""
    off, on = f"<{_OFF_TAG}></{_OFF_TAG}>", f"<{_ON_TAG}></{_ON_TAG}>"
    if isinstance(html, bytes):
        off, on = off.encode(), on.encode()
    return _MARKERS[isinstance(html, bytes)].sub(lambda m: off if m.group(1) else on, html)


def drop_noindex_parts(root) -> None:
    """Remove the page's parts between a not-content marker and its closing marker (see
    NOINDEX_PARTS; the markers as ``mark_noindex_parts`` left them), and the markers, in place."""
    marks = list(root.iter(_OFF_TAG, _ON_TAG))
    toggles: dict = {}
    start = None
    for el in marks:  # an off marker counts when an on marker follows it
        if el.tag == _OFF_TAG and start is None:
            start = el
        elif el.tag == _ON_TAG and start is not None:
            toggles[start], toggles[el] = True, False
            start = None
    if toggles:
        holding = {a for el in toggles for a in el.iterancestors()}  # with a marker inside

        def walk(el, off: bool) -> bool:
            for child in list(el):
                if child in toggles:
                    off = toggles[child]
                elif off and child not in holding:
                    el.remove(child)  # with its tail: still inside the part
                    continue
                elif child in holding:
                    if off:
                        child.text = None
                    off = walk(child, off)
                if off:
                    child.tail = None
            return off

        walk(root, False)
    for el in list(root.iter(_OFF_TAG, _ON_TAG)):  # (not removed while the walk goes on)
        delete_element(el, keep_tail=True)


def load_page(html: str | bytes, noindex_parts: bool = NOINDEX_PARTS):
    """The page parsed (trafilatura's load_html; None if it is no HTML), less the parts it marks
    as not its content when ``noindex_parts`` (see NOINDEX_PARTS)."""
    if not noindex_parts:
        return load_html(html)
    tree = load_html(mark_noindex_parts(html))
    if tree is not None:
        drop_noindex_parts(tree)
    return tree


# -- the page's visible text ---------------------------------------------------------------------
# The elements that start a line of the visible text (a naive scraper's dump: one block a line):
# the head pass's blocks, and the <title> (a dump's first line), and those whose text is not shown.
BLOCK_TAGS = _BLOCK_TAGS | {"html", "title"}
HIDDEN_TAGS = frozenset("script style noscript template".split())


def visible_text(tree) -> str:
    """A parsed page's visible text, one block a line (blank lines between blocks): the shape of
    a text dump (html-text's), which the text mode reads. The tree is left as it is."""
    lines: list[str] = []
    cur: list[str] = []

    def flush() -> None:
        line = " ".join("".join(cur).split())
        if line:
            lines.append(line)
        cur.clear()

    walk = etree.iterwalk(tree, events=("start", "end"))
    for event, el in walk:
        tag = el.tag
        shown = isinstance(tag, str) and tag not in HIDDEN_TAGS
        if event == "start":
            if not shown:  # a script, a comment: its tail alone, at its end
                walk.skip_subtree()
                continue
            if tag in BLOCK_TAGS:
                flush()
            if el.text:
                cur.append(el.text)
        else:
            if shown and tag in BLOCK_TAGS:
                flush()
            if el.tail:
                cur.append(el.tail)
    flush()
    return "\n\n".join(lines)


def warm_up() -> None:
    """Load dateparser's locales now (about 2 s of CPU, once per process), rather than on the
    first page whose date only the extensive search finds ("11 Pop Songs That Will Make You Cry
    Nov. 6, 2012": dateparser tries every locale on the words it does not know). For a process
    that times pages one by one (bench/quality.py); a run's workers pay it on first use."""
    from htmldate.extractors import get_external_parser

    get_external_parser().get_date_data("Warm up Nov. 6, 2012")


def _author_tiers(el) -> tuple[bool, bool, bool]:
    """Whether ``el`` is a result of each of trafilatura's three AUTHOR_XPATHS."""
    tag, get = el.tag, el.get
    cls, ident, prop = get("class"), get("id"), get("itemprop") or ""
    first = tag == "author" or tag in ("a", "address", "div", "link", "p", "span", "strong") and (
        get("rel") == "author" or ident == "author" or cls == "author" or prop == "author name"
        or any(c.tag == "rel" and c.text_content() == "me" for c in el)
        or get("data-testid") in ("AuthorCard", "AuthorURL")
        or cls is not None and _A.search(cls) is not None)
    second = tag in ("a", "div", "h3", "h4", "p", "span") and (
        cls in ("byline", "username", "byl", "BBL") or "author" in prop
        or ident is not None and _B_ID.search(ident) is not None
        or cls is not None and _B_CLASS.search(cls) is not None)
    third = "Byline" in (get("data-component") or "") or "author" in prop \
        or ident is not None and _C_ID.search(ident) is not None \
        or cls is not None and _C_CLASS.search(cls) is not None
    return first, second, third


def _author_discarded(el, root) -> bool:
    """trafilatura's AUTHOR_DISCARD_XPATHS: comment sections, sidebars, dates, figures."""
    tag = el.tag
    if tag in ("time", "figure"):
        return True
    if el is root or tag not in ("a", "div", "section", "span"):
        return False
    cls, ident = el.get("class"), el.get("id")
    return ident == "comments" or cls in ("comments", "title", "date") \
        or ident is not None and _D_ID.search(ident) is not None \
        or cls is not None and _D_CLASS.search(cls) is not None \
        or "Figure" in (el.get("data-component") or "")


def _author(tree) -> str | None:
    """trafilatura's extract_author without its copy of the page: the first element of the first
    of its three expressions that holds 3 to 119 characters, read with what its pruning deletes
    left out."""
    tiers: list[list] = [[], [], []]
    gone: set = set()
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        parent = el.getparent()
        if parent in gone or _author_discarded(el, tree):
            gone.add(el)
            continue
        for hits, hit in zip(tiers, _author_tiers(el), strict=True):
            if hit:
                hits.append(el)
    for hits in tiers:
        for el in hits:
            inner = [d for d in el.iterdescendants() if d in gone]
            if inner:  # read a copy with them deleted (their tails kept), as trafilatura does
                copy = deepcopy(el)
                doomed = set(inner)
                pairs = list(zip(el.iterdescendants(), copy.iterdescendants(), strict=True))
                for d, c in pairs:
                    if d in doomed:
                        delete_element(c)
                el = copy
            content = trim(" ".join(el.itertext()))
            if content and 2 < len(content) < 120:
                return normalize_authors(None, content)
    return None


def _metadata(tree, url: str | None) -> Document:
    """trafilatura's extract_metadata less categories, tags and licence (see above)."""
    md = traf_meta.examine_meta(tree)
    if md.author and " " not in md.author:
        md.author = None
    try:
        md = traf_meta.extract_meta_json(tree, md)
    except Exception:  # noqa: BLE001 - as trafilatura: a bug there costs the JSON-LD fields only
        pass
    md.title = _title(tree, md.title, url)
    if not md.author:
        md.author = _author(tree)
    if not md.url:
        md.url = traf_meta.extract_url(tree, url)
    md.date = find_date(tree, **set_date_params(EXTENSIVE_DATES), url=md.url)
    if not md.sitename:
        md.sitename = traf_meta.extract_sitename(tree)
    if md.sitename:
        md.sitename = md.sitename.lstrip("@")
        if md.sitename and "." not in md.sitename and not md.sitename[0].isupper():
            md.sitename = md.sitename.title()
    elif md.url and (m := traf_meta.META_URL.match(md.url)):
        md.sitename = m[1]
    md.clean_and_trim()
    return md


def _title(tree, title: str | None, url: str | None) -> str | None:
    """The page's title: ``title`` from its meta tags, else trafilatura's extract_title (which
    takes a page's only <h1> first). A title that is the text of an <h1> linking up is the site's
    name (see LINK_UP_SHARE): the title is then the page's <title> less that name ('Macbeth
    Inspired T-Shirt from the Affair – Tcritic - The T-Shirt Blog ...' under the logo 'Tcritic –
    The T-Shirt Blog ...')."""
    title = title or traf_meta.extract_title(tree)
    if not title:
        return title
    said = " ".join(title.split())
    for h1 in tree.iterfind(".//h1"):
        name = block_text(h1)
        if name and " ".join(name.split()) == said and _links_up(h1, name, url):
            title_el = tree.find(".//head//title")
            if title_el is not None and (rest := _less_name(trim(title_el.text_content()), name)):
                return rest
            break
    return title


def _less_name(title: str, name: str) -> str | None:
    """``title`` without ``name`` (word for word, in any case) at its start or end, and the
    separator between them; None when it does not hold the name there or holds nothing else."""
    words = list(_WORD.finditer(title))
    own = _words(name)
    n = len(own)
    if not own or len(words) <= n:
        return None
    if [w[0].casefold() for w in words[-n:]] == own:
        rest = title[:words[-n].start()]
    elif [w[0].casefold() for w in words[:n]] == own:
        rest = title[words[n - 1].end():]
    else:
        return None
    return rest.strip(_TITLE_SEPARATORS) or None


_TITLE_SEPARATORS = " \t-–—|:·•»«›‹~*/"


def _trafilatura_text(tree, *, url: str | None, include_comments: bool, include_tables: bool,
                      favor_precision: bool, favor_recall: bool, fast: bool,
                      deduplicate: bool) -> str | None:
    """trafilatura's main text of the parsed page (None: it found no document), a layout table's
    blocks unwrapped (LAYOUT_TABLES). trafilatura works on a copy of the tree."""
    doc = trafilatura.bare_extraction(
        tree, url=url, with_metadata=False, include_comments=include_comments,
        include_tables=include_tables, favor_precision=favor_precision,
        favor_recall=favor_recall, fast=fast,
        # a cache of this page alone: repeated paragraphs go, nothing depends on other pages
        deduplicate=LRUCache(maxsize=1024) if deduplicate else False,
    )
    if doc is None:
        return None
    text = doc.text or ""
    if LAYOUT_TABLES and doc.body is not None and _unwrap_layout_tables(doc.body):
        text = xmltotxt(doc.body, False) or ""
    return text


def _second_opinion(tree, text: str, own: str) -> str:
    """Of trafilatura's text (``text``, which its stage 2 took from readability or jusText) and
    what its own extractor gave (``own``: its text in fast mode), the one that shares more
    shingles with the text mode's reading of the page's visible text (see SECOND_OPINION)."""
    if not own or own == text:
        return text
    judge = set(shingles("\n".join(clean_text(visible_text(tree)).paragraphs)))
    return own if _agreement(own, judge) > _agreement(text, judge) else text


def _agreement(text: str, judge: set[str]) -> float:
    """The Dice coefficient of the text's shingles and the judge's."""
    mine = set(shingles(text))
    return 2 * len(mine & judge) / (len(mine) + len(judge)) if mine or judge else 0.0


def extract_html(html: str, url: str | None = None, *,
                 favor_precision: bool = FAVOR_PRECISION, favor_recall: bool = FAVOR_RECALL,
                 fast: bool = FAST, include_tables: bool = INCLUDE_TABLES,
                 deduplicate: bool = DEDUPLICATE, text_pass_kind: str | None = TEXT_PASS,
                 comments_apart: bool = COMMENTS_APART,
                 head_pass: bool = HEAD_PASS) -> HtmlResult:
    """Trafilatura's main text (paragraphs separated by newlines) and metadata; text "" if none."""
    # parsed once, less the parts it marks as not its content (NOINDEX_PARTS): the metadata and
    # the head pass read the page as it is then, trafilatura's extraction works on a copy
    tree = load_page(html)
    if tree is None:
        return HtmlResult("", None, None, None, url, None)
    meta = _metadata(tree, url)
    options = {"url": url or meta.url, "include_comments": comments_apart,
               "include_tables": include_tables, "favor_precision": favor_precision,
               "favor_recall": favor_recall, "deduplicate": deduplicate}
    _STAGE2_REPLACED.set(False)
    text = _trafilatura_text(tree, fast=fast, **options)
    if text is None:
        return HtmlResult("", None, None, None, url, None)
    if SECOND_OPINION and _STAGE2_REPLACED.get():
        text = _second_opinion(tree, text, _trafilatura_text(tree, fast=True, **options) or "")
    title = (meta.title or "").strip() or None
    if title:
        # trafilatura sometimes keeps the <h1> as the first paragraph: the title is said once.
        first, _, rest = text.partition("\n")
        if first.strip() == title:
            text = rest
    if head_pass and text:
        head = _head_pass(tree, [p for p in text.split("\n") if p.strip()], meta.url or url)
        if head is not None:
            title, lead = head
            paras = text.split("\n")
            first = next(i for i, p in enumerate(paras) if p.strip())
            if " ".join(paras[first].split()) == title:  # the headline said once
                paras = paras[first + 1:]
            text = "\n".join([*lead, *paras])
    text, removed = text_pass(text, text_pass_kind)
    return HtmlResult(text, title, meta.author or None, meta.date or None, meta.url or url,
                      meta.sitename or None, removed)
