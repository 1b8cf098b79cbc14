"""trafilatura on real dev-set pages (tests/cases/html): fragments kept and gone, metadata."""

from __future__ import annotations

import gzip

import pytest

from cleaners.decode import decode, fix_text
from cleaners.html import extract_html
from conftest import HTML, html_cases


def extract(case_id: str):
    data = gzip.decompress((HTML / f"{case_id}.html.gz").read_bytes())
    page = extract_html(decode(data, html=True, fix=False).text)
    return page, fix_text(page.text)[0]


@pytest.mark.parametrize("case", html_cases(), ids=lambda c: c["id"])
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
