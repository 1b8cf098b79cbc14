"""Main text and metadata from an HTML page, with trafilatura.

One `bare_extraction` call gives text and metadata together, comments left out. Every switch
below was measured on both dev sets by bench/html_options.py (its table is in the comments
of the constants).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import trafilatura
from trafilatura.deduplication import LRUCache

from cleaners.boilerplate.rules import rules

# The configuration, chosen with bench/html_options.py on the Dragnet TRAIN sites (shingle F1 over
# word 4-grams against the gold bodies) and the trafilatura-eval fragments ('with' kept / 'without'
# gone, first 400 pages); the full table, with the test sites, is in the issue 15 report.
# Before: train 0.879, fragments 0.949 / 0.932. favor_recall 0.895 (precision and recall both
# rise) but fragments 0.941 / 0.923; favor_precision 0.873; fast (no readability/jusText
# comparison) 0.890 but fragments 0.932 kept: it loses article text on the other dev set, for
# +0.004 on train with the rest (0.919 against 0.915), so it stays off. The text pass: "tail"
# 0.895 alone, "cells" 0.882 alone; favor_recall + cells + tail 0.915, fragments 0.941 / 0.929.
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
# of their cells), "tail" (cut at a comment section or a related list). Those two measured a
# gain; the kinds that did not (dated comment headers, teasers, the line rules, the whole text
# classifier) live in bench/html_options.py, which measures them.
TEXT_PASS = "cells+tail"

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
    words = [len(p.split()) for p in paras]
    total, seen = sum(words), 0
    out = []
    for i, p in enumerate(paras):
        t, n = " ".join(p.split()), words[i]
        m = r.markers.fullmatch(t) if n <= 12 else None
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


def text_pass(text: str, kind: str | None) -> tuple[str, tuple[Removal, ...]]:
    """The text pass of ``kind`` ("cells", "tail" or both, "+"-joined) over extracted text:
    (the text, what "tail" removed, by the index of the paragraph in ``text``)."""
    removed: list[Removal] = []
    if not kind or not text:
        return text, ()
    paras = text.split("\n")
    if "cells" in kind:
        paras = _table_rows_as_cells(paras)
    if "tail" in kind:
        paras = _tail_pass(paras, TAIL_MIN_WORDS, removed)
    return "\n".join(paras), tuple(removed)


def extract_html(html: str, url: str | None = None, *,
                 favor_precision: bool = FAVOR_PRECISION, favor_recall: bool = FAVOR_RECALL,
                 fast: bool = FAST, include_tables: bool = INCLUDE_TABLES,
                 deduplicate: bool = DEDUPLICATE, text_pass_kind: str | None = TEXT_PASS,
                 comments_apart: bool = COMMENTS_APART) -> HtmlResult:
    """Trafilatura's main text (paragraphs separated by newlines) and metadata; text "" if none."""
    doc = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=comments_apart,
        include_tables=include_tables, favor_precision=favor_precision,
        favor_recall=favor_recall, fast=fast,
        # a cache of this page alone: repeated paragraphs go, nothing depends on other pages
        deduplicate=LRUCache(maxsize=1024) if deduplicate else False,
    )
    if doc is None:
        return HtmlResult("", None, None, None, url, None)
    text = doc.text or ""
    title = (doc.title or "").strip() or None
    if title:
        # trafilatura sometimes keeps the <h1> as the first paragraph: the title is said once.
        first, _, rest = text.partition("\n")
        if first.strip() == title:
            text = rest
    text, removed = text_pass(text, text_pass_kind)
    return HtmlResult(text, title, doc.author or None, doc.date or None, doc.url or url,
                      doc.sitename or None, removed)
