"""``clean_text``: a page-text dump in, the article's paragraphs and every removal explained out.

It runs one segmentation pass (``segment.py``), turns its decisions into the result (kept lines
lose end-of-line fragments; every removed line gets its rule and evidence), and, when the pass
kept short lines above the first article paragraph, cleans the clean text again so that cleaning
clean text changes nothing. ``line_features`` gives the line model's input rows for a page: what
bench/train_line_model.py trains on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from cleaners.boilerplate.features import FEATURE_NAMES, Line
from cleaners.boilerplate.model import LineModel, shipped_model
from cleaners.boilerplate.rules import Rules, fragment_search, rules
from cleaners.boilerplate.segment import (
    DETAIL_CHARS,
    Page,
    apply_model,
    author_boxes,
    find_byline,
    list_runs,
    lone_donation_amounts,
    page_rows,
    segment,
    take_title,
    trim_edges,
)
from cleaners.decode import drop_invisible


class Removed(NamedTuple):
    """A removed line or fragment. A named tuple, not a frozen dataclass: a page removes ~200
    lines, and a frozen dataclass's __init__ (a call of object.__setattr__ per field) cost 0.9
    µs each against 0.2: 1% of the text pass's instructions (bench/instructions.py)."""

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
    site: str | None = None  # the site's name in the page <title> line ("Headline | Site")


@dataclass(frozen=True)
class LineFeatures:
    """A page as the line model sees it (the rules' decisions, before the model's)."""

    lines: tuple[Line, ...]  # every non-blank line: text, words, rule, markers, prose flag
    rows: list[list[float]]  # the model's input for lines[:cut], in the order of ``names``;
    #                          empty when the page has no main block (the model is not run)
    cut: int  # lines[cut:] are the comment section, never scored
    language: str | None  # the jusText stop list used
    names: tuple[str, ...] = FEATURE_NAMES


# The clean text is cleaned again at most this many times: a bound, so that a page whose passes
# keep changing what the previous one kept still ends.
EXTRA_PASSES = 2
_ERROR_CHARS = 200  # how much of an unexpected exception the "internal-error" removal quotes
_HAS_WORD = re.compile(r"[^\W_]")  # a letter or digit in any script


def clean_text(text: str, *, language: str | None = None,
               model: LineModel | None = None) -> TextCleanResult:
    """Split a page-text dump into article paragraphs and explained removals.

    ``language``: a code ("de") or jusText name ("German") of the stop list to use; guessed from
    the page without one. ``model``: the line model (default: the shipped one, none when
    CLEANWIRE_LINE_MODEL=0). Never raises on any text; raises ``LineModelError`` when the
    shipped model does not fit this code (loudly, rather than cleaning with the rules only)."""
    model = model if model is not None else shipped_model()
    try:
        text = text if isinstance(text, str) else str(text)
        # Soft hyphens and the like inside words ("Kom\xadmen\xadtare") defeat every pattern and
        # split words into pieces that are not stop words: decoding removes them, and so does
        # clean_text when given a dump cleanwire did not decode (spektrum.de: 353 paragraphs
        # instead of 22).
        return _clean_stable(drop_invisible(text), language, model)
    except Exception as exc:  # pragma: no cover - last resort: keep everything, say why
        paras = tuple(" ".join(x.split()) for x in str(text).split("\n") if x.strip())
        return TextCleanResult(None, None, None, paras,
                               (Removed(0, "", "internal-error", repr(exc)[:_ERROR_CHARS]),))


def line_features(text: str, language: str | None = None) -> LineFeatures:
    """The line model's input for a page, as clean_text's first pass computes it."""
    text = text if isinstance(text, str) else str(text)
    page = segment(drop_invisible(text), language)
    if page is None:
        return LineFeatures((), [], 0, None)
    rows = page_rows(page)
    return LineFeatures(tuple(page.items), [] if rows is None else rows.tolist(), page.cut,
                        page.language)


def _clean_stable(text: str, language: str | None, model: LineModel | None) -> TextCleanResult:
    """``_clean``, then, when short lines were kept above the first article paragraph (the one
    place where the line model's context changes most once the page chrome is gone), clean the
    clean document again and drop what that pass drops: cleaning clean text changes nothing.
    (A pass that kept its lines as they were asks for none: see _clean.)"""
    memo: dict = {}  # what the passes found of the page's lines (see line_items)
    result, src, check, lang = _clean(text, language, model, memo)
    for _ in range(EXTRA_PASSES):
        if not check or not result.paragraphs:
            break
        title_line = next((r.line for r in result.removed if r.reason == "title"), None)
        doc = _lines_out(result.title, result.paragraphs)
        doc_src = ([title_line if title_line is not None else src[0]] if result.title else []) \
            + src
        again, src2, check, _ = _clean("\n".join(doc), lang or language, model, memo)
        if _lines_out(again.title, again.paragraphs) == doc:
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
                                 tuple(removed), result.site or again.site)
        src = [doc_src[i] for i in src2]
    return result


def _lines_out(title: str | None, paragraphs: tuple[str, ...] | list[str]) -> list[str]:
    """A pass's output as the lines the next pass reads: the title, then the paragraphs."""
    return ([title] if title else []) + list(paragraphs)


def _clean(text: str, language: str | None, model: LineModel | None, memo: dict | None = None
           ) -> tuple[TextCleanResult, list[int], bool, str | None]:
    """One pass: (result, input line number of each paragraph, whether short lines were kept
    above the first article paragraph, the stop-list language used)."""
    r = rules()
    page = segment(text, language, memo)
    if page is None:
        return TextCleanResult(None, None, None, (), ()), [], False, None
    if model is not None:
        apply_model(page, model, r)
    list_runs(page)
    author_boxes(page, r)
    items, keep = page.items, page.keep
    first_kept = next((k for k in range(len(items)) if keep[k] and items[k].prose), page.cut)
    title = take_title(page, first_kept, r.t)
    lone_donation_amounts(page)
    author, published = find_byline(page, first_kept, r)
    trim_edges(page, r)
    if KEEP_PROSE_WHEN_EMPTY:
        _prose_when_empty(page)
    removed, paragraphs, src_items, check = _explain(
        page, r, {} if memo is None else memo.setdefault(_FRAGMENTS, {}))
    if title is not None:
        title = re.sub(r"\s+", " ", title).strip()
    if check and _lines_out(title, paragraphs) == [it.text for it in items]:
        # The pass kept its input's lines as they were: cleaning them again reads the same
        # lines, with the same stop list, and decides the same (a pass depends on the lines'
        # texts only; their numbers in the input just name them), so there is no second pass
        # to run (237 of UDHR's 532 documents, none of the dev sets' web pages).
        check = False
    return (TextCleanResult(title, author, published, tuple(paragraphs), tuple(removed),
                            page.site),
            src_items, check, page.language)


# A page whose pass keeps no line at all (its title aside), while prose stands before its
# comment section: the largest group of its prose lines is kept, when it has two lines or more
# (one line is no article: a teaser, a promo). An article of short paragraphs between long menus
# (creativecommons.org/about, a slideshow's captions) lost every line to the line model, and the
# pipeline rejected the page (no-text-after-cleaning): a document lost. A group: prose lines at
# most PROSE_GROUP_GAP lines apart (a caption, an image credit, a subheading between them).
KEEP_PROSE_WHEN_EMPTY = True
PROSE_GROUP_GAP = 6
PROSE_GROUP_MIN_LINES = 2


def _prose_when_empty(page: Page) -> None:
    """Keep the largest group of prose lines before the cut when the pass kept no line (see
    KEEP_PROSE_WHEN_EMPTY)."""
    items, keep, reasons = page.items, page.keep, page.reasons
    if any(keep[k] for k in range(len(items)) if k not in reasons):
        return
    groups: list[list[int]] = []
    for k in range(page.cut):
        if items[k].prose and k not in reasons:
            if groups and k - groups[-1][-1] <= PROSE_GROUP_GAP:
                groups[-1].append(k)
            else:
                groups.append([k])
    best = max(groups, key=lambda g: sum(items[k].words for k in g), default=[])
    if len(best) >= PROSE_GROUP_MIN_LINES:
        for k in best:
            keep[k] = True


# The key of clean_text's memo (see features.line_items) under which the passes keep what the
# fragment rules cut off each kept text (_kept_line): a line the first pass kept whole comes to
# the second as it was.
_FRAGMENTS = object()


def _explain(page: Page, r: Rules, cuts: dict[str, tuple]
             ) -> tuple[list[Removed], list[str], list[int], bool]:
    """The pass's decisions as (removed lines and fragments with their evidence, paragraphs,
    each paragraph's input line number, whether a short line was kept above the first prose
    paragraph). ``cuts``: _fragment_cuts by text, of this and earlier passes over the page."""
    t = r.t
    removed: list[Removed] = []
    paragraphs: list[str] = []
    src_items: list[int] = []
    check = seen_prose = False
    code = page.code
    threshold = f"threshold {page.thr:.2f})"  # (the page's: formatted once)
    for k, it in enumerate(page.items):
        if k in page.reasons:
            reason, detail = page.reasons[k]
            removed.append(Removed(it.idx, it.text, reason, detail))
        elif page.keep[k]:
            body = _kept_line(it, r, removed, cuts)
            if body:
                paragraphs.append(body)
                src_items.append(it.idx)
                if not seen_prose and not it.prose:
                    check = True
                seen_prose = seen_prose or it.prose
        elif it.p >= 0 and it.rule is None and not it.end_marker and not it.comment_marker:
            kind = "outside-main-block" if it.prose else (
                "short-menu-line" if it.words < t["prose_min_words"] else
                "low-stopword-density" if 0 <= it.sd < page.thr else "line-model")
            removed.append(Removed(it.idx, it.text, kind,
                                   f"line model p={it.p:.2f} ({code}, stopword density "
                                   f"{max(it.sd, 0):.2f}, {threshold}"))
        else:
            removed.append(Removed(it.idx, it.text, *_outside_reason(it, page, r)))
    return removed, paragraphs, src_items, check


def _kept_line(it: Line, r: Rules, removed: list[Removed], cuts: dict[str, tuple]) -> str:
    """What of a line inside the article stays ("" for nothing): a high-precision rule, a
    marker or a line without a word removes it; fragment rules cut its end (``cuts``: what
    they cut off each text, see _fragment_cuts)."""
    if it.rule in r.inside_ok and not it.prose:
        removed.append(Removed(it.idx, it.text, it.rule, "matched pattern inside article"))
        return ""
    if it.end_marker:
        removed.append(Removed(it.idx, it.text, r.end_marker_reason, "list heading"))
        return ""
    if not _HAS_WORD.search(it.text):  # "()", "|", "•": no letter or digit at all
        removed.append(Removed(it.idx, it.text, "no-text", "line without a letter or digit"))
        return ""
    if it.comment_marker and not it.prose:  # "View all comments" is never article text
        removed.append(Removed(it.idx, it.text, "comment-section",
                               "comment marker inside article"))
        return ""
    found = cuts.get(it.text)
    if found is None:
        found = cuts[it.text] = _fragment_cuts(it.text, it.words, r)
    body, frags = found
    caption = body is None  # a caption ending in a photo credit (its last fragment) goes whole
    removed.extend(Removed(it.idx, frag, reason, "fragment at end of line")
                   for frag, reason in (frags[:-1] if caption else frags))
    if caption:
        removed.append(Removed(it.idx, it.text, "photo-credit",
                               f"caption ending in credit '{frags[-1][0][:DETAIL_CHARS]}'"))
        return ""
    return body


def _fragment_cuts(text: str, words: int, r: Rules
                   ) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    """What the fragment rules cut off the end of a kept line's ``text`` (of ``words`` words), in
    turn: (what stays, the (fragment, reason) cut off); what stays is None for a caption that
    ends in a photo credit, which goes whole (the credit the last fragment)."""
    body = text
    frags: list[tuple[str, str]] = []
    for rule in r.fragment_rules:
        reason = rule[0]
        m = fragment_search(rule, body)
        if m and m.start() > 0:
            frag = body[m.start():].strip()
            if reason == "photo-credit" and words <= r.t["caption_max_words"]:
                return None, (*frags, (frag, reason))
            frags.append((frag, reason))
            body = body[: m.start()].rstrip()
    return body, tuple(frags)


def _outside_reason(it: Line, page: Page, r: Rules) -> tuple[str, str]:
    """(reason, detail) of a line outside the article the model did not score."""
    if it.rule is not None:
        return it.rule, "matched pattern outside article"
    if it.end_marker:
        return r.end_marker_reason, "list heading outside article"
    if it.comment_marker:
        return "comment-section", "comment marker outside article"
    if it.prose:
        return "outside-main-block", f"prose line outside the main block ({page.code})"
    if it.words < r.t["prose_min_words"]:
        return "short-menu-line", f"{it.words} words outside the main block"
    if it.sd < 0 or it.sd >= page.thr:  # dense enough (or no stop list applies): no sentence
        return ("no-sentence-outside-main-block",
                f"{it.words} words without a sentence end, outside the main block")
    return ("low-stopword-density",
            f"stopword density {it.sd:.2f} < {page.thr:.2f} ({page.code})")
