"""trafilatura on real dev-set pages (tests/cases/html): fragments kept and gone, metadata."""

from __future__ import annotations

import gzip
import json

import pytest

from cleaners.decode import decode, fix_text
from cleaners.html import extract_html
from conftest import HTML, html_cases

# Pages of the text pass over trafilatura's paragraphs (issue 15): comment threads and forms,
# related lists, tables. A folder of their own: tests/test_formats.py builds a WARC of HTML/*.
TEXT_PASS = HTML / "text_pass"


def text_pass_cases() -> list[dict]:
    return [json.loads(x) for x in (TEXT_PASS / "cases.jsonl").read_text().splitlines() if x]


def extract(case_id: str):
    path = HTML / f"{case_id}.html.gz"
    data = gzip.decompress((path if path.exists() else TEXT_PASS / path.name).read_bytes())
    page = extract_html(decode(data, html=True, fix=False).text)
    return page, fix_text(page.text)[0]


@pytest.mark.parametrize("case", html_cases() + text_pass_cases(), ids=lambda c: c["id"])
def test_dev_page_fragments(case):
    page, text = extract(case["id"])
    for fragment in case["with"]:
        assert fragment in text, f"lost article text: {fragment!r}"
    for fragment in case["without"]:
        assert fragment not in text, f"boilerplate left: {fragment!r}"


def test_metadata():
    page, text = extract("nature.com.telescope")
    assert page.title == "Gigantic Chinese telescope opens to astronomers worldwide"
    assert page.published == "2019-09-24"
    assert page.site and "nature" in page.site.lower()
    assert page.title not in text.split("\n")[0]


def test_cp1252_page_decodes():
    data = gzip.decompress((HTML / "kyffhaeuser-nachrichten.de-Regen.html.gz").read_bytes())
    decoded = decode(data, html=True, fix=False)
    assert decoded.encoding == "cp1252"
    page = extract_html(decoded.text)
    assert "\ufffd" not in page.text and "Ã" not in page.text


def test_page_without_content():
    page = extract_html("<html><head><title>t</title></head><body><div></div></body></html>")
    assert page.text == ""


def test_table_rows_are_their_cells():
    """A data table inside the article stays, each row as the text of its cells: no Markdown
    pipes between its words, no |---| rule line (bafa.de, a statistics notice)."""
    page, text = extract("bafa.de-mineraloelabsatz")
    lines = text.split("\n")
    assert "Rohbenzin 10,72 Mio. t 12,40 Mio. t 15,7 %" in lines
    assert "Dieselkraftstoff 32,23 Mio. t 32,28 Mio. t 0,1 %" in lines
    assert not any(x.lstrip().startswith("|") for x in lines)


def test_comment_thread_goes_with_its_heading():
    """econbrowser.com (Dragnet, a train site): the article ends at its byline; the heading
    'Comments' and the whole thread under it (40 paragraphs) are cut."""
    page, text = extract("econbrowser.com.fema")
    lines = text.split("\n")
    assert any("No need for USGS" in x for x in lines[-4:])  # the last article paragraph
    assert "Comments" not in lines
    assert "Posted by:" not in text


def test_related_heading_inside_article_keeps_the_rest():
    """vancouversun.com: a 'Related' box in the middle of the article (its list left out by
    trafilatura) is not where the article ends: the 14 paragraphs after it stay."""
    page, text = extract("vancouversun.com.microsoft")
    lines = text.split("\n")
    assert "Related" not in lines
    after = lines[next(i for i, x in enumerate(lines) if "we must" in x.lower()) + 1:]
    assert len(after) >= 14
