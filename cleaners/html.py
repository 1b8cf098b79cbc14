"""Main text and metadata from an HTML page, with trafilatura.

One `bare_extraction` call gives text and metadata together (27 to 40 ms a page here), comments
left out. `favor_precision` was measured against the default on the dev set (bench/quality.py):
see FAVOR_PRECISION.
"""

from __future__ import annotations

from dataclasses import dataclass

import trafilatura

# Measured on ../shared/data/dev/trafilatura-eval (990 pages), bench/quality.py --only html:
# default 0.947 kept / 0.885 gone; favor_precision see the bench. Default recall is kept: a lost
# article paragraph cannot be recovered downstream, a leftover boilerplate line can still be
# caught by the text pass.
FAVOR_PRECISION = False


@dataclass(frozen=True)
class HtmlResult:
    text: str
    title: str | None
    author: str | None
    published: str | None
    url: str | None
    site: str | None


def extract_html(html: str, url: str | None = None, *,
                 favor_precision: bool = FAVOR_PRECISION) -> HtmlResult:
    """Trafilatura's main text (paragraphs separated by newlines) and metadata; text "" if none."""
    doc = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=True,
        favor_precision=favor_precision, deduplicate=False,
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
    return HtmlResult(text, title, doc.author or None, doc.date or None, doc.url or url,
                      doc.sitename or None)
