"""cleaners.pagedates: htmldate's find_date with its page-text regexes behind stand-ins; the same
dates as htmldate's own on real pages, and the stand-ins' answers the patterns' own."""

from __future__ import annotations

import gzip
import re

import htmldate
import htmldate.core
import htmldate.extractors
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from trafilatura.settings import set_date_params
from trafilatura.utils import load_html

from cleaners import pagedates
from cleaners.html import EXTENSIVE_DATES
from conftest import CASES

PAGES = sorted((CASES / "html").rglob("*.html.gz"))
PARAMS = set_date_params(EXTENSIVE_DATES)
# dates as pages write them in their text, one of each shape search_page looks for, and numbers
# that look like dates and are not
WRITTEN = ["Posted 03/04/2019 by the editors", "2019-03-04", "on 2019/03/04, updated",
           "March 4th, 2019", "4. März 2019", "le 4 mars 2019", "© 2015 The Paper", "Copyright 2012-2021",
           "id=20190304&x=1", "archive 2019/03", "issue 03.2019", "12.05.19 at noon", "in 2016 alone",
           "w3.org 2016 spec", "1,999 readers", "version 2.0.1980", "call 0201-2019-3", "4 of April 2020"]


def _page(paragraphs: list[str]) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"<html><head><title>A page</title></head><body><article>{body}</article></body></html>"


def _real_paragraphs() -> list[str]:
    tree = load_html(gzip.decompress(PAGES[0].read_bytes()))
    return [" ".join(p.text_content().split()) for p in tree.iter("p") if p.text_content().strip()]


def test_every_pattern_has_its_standin():
    """The shortcut applies to the installed htmldate: each pattern's text is the one the
    stand-ins were written for, and htmldate's own module is left as it is."""
    assert sorted(pagedates.STANDINS) == sorted([*pagedates._DIGIT_LED, "LONG_TEXT_PATTERN"])
    for name in pagedates._DIGIT_LED:
        assert isinstance(getattr(htmldate.core, name), re.Pattern)
        assert pagedates.STANDINS[name].pattern == getattr(htmldate.core, name).pattern
    assert isinstance(htmldate.extractors.LONG_TEXT_PATTERN, re.Pattern)
    assert htmldate.core.search_page is not pagedates.find_date.__globals__["search_page"]


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_same_date_as_htmldate_on_real_pages(path):
    tree = load_html(gzip.decompress(path.read_bytes()))
    assert pagedates.find_date(tree, **PARAMS) == htmldate.find_date(tree, **PARAMS)


@pytest.mark.parametrize("written", WRITTEN)
def test_same_date_from_the_page_text(written):
    """A page whose markup holds no date: the extensive search reads its text."""
    paragraphs = _real_paragraphs()
    html = _page([*paragraphs[:3], written, *paragraphs[3:6]])
    expected = htmldate.find_date(load_html(html), **PARAMS)
    assert pagedates.find_date(load_html(html), **PARAMS) == expected
    if written in ("2019-03-04", "March 4th, 2019", "4. März 2019"):
        assert expected == "2019-03-04"  # the search_page branches were reached


def test_no_date_anywhere():
    html = _page([p for p in _real_paragraphs() if not re.search(r"[0-9]", p)])
    assert htmldate.find_date(load_html(html), **PARAMS) is None
    assert pagedates.find_date(load_html(html), **PARAMS) is None


DIGITS = st.text(alphabet="0123456789/.- \u0663aw3.org©", max_size=40)


@settings(max_examples=3000, deadline=None)
@given(DIGITS, st.lists(st.sampled_from(WRITTEN), max_size=3))
def test_digit_led_findall_is_the_patterns(noise, written):
    string = noise.join(written) + noise if written else noise
    for name in pagedates._DIGIT_LED:
        assert pagedates.STANDINS[name].findall(string) == getattr(htmldate.core, name).findall(string)


WORDS = st.text(alphabet="0123456789 ,.ofMarchmärzJan \u00e9\u0663", max_size=50)


@settings(max_examples=3000, deadline=None)
@given(WORDS, st.sampled_from(["", " 2019", " 1998", "2019", " 2040"]), st.integers(0, 20))
def test_long_text_search_is_the_patterns(text, year, pos):
    string = text + year + text[::-1]
    standin, pattern = pagedates.STANDINS["LONG_TEXT_PATTERN"], htmldate.extractors.LONG_TEXT_PATTERN
    found, expected = standin.search(string, pos), pattern.search(string, pos)
    assert (found and found.span()) == (expected and expected.span())


def test_standins_on_real_page_text():
    """Every page of the test cases serialized as htmldate reads it: the same matches."""
    from lxml.html import tostring

    for path in PAGES:
        string = tostring(load_html(gzip.decompress(path.read_bytes())), encoding="unicode")
        for name in pagedates._DIGIT_LED:
            assert pagedates.STANDINS[name].findall(string) == getattr(htmldate.core, name).findall(string)
        pos = 0
        while (found := pagedates.STANDINS["LONG_TEXT_PATTERN"].search(string, pos)) is not None:
            assert found.span() == htmldate.extractors.LONG_TEXT_PATTERN.search(string, pos).span()
            pos = found.start() + 1
        assert htmldate.extractors.LONG_TEXT_PATTERN.search(string, pos) is None


def test_a_changed_long_text_pattern_runs_as_it_is():
    """The year shortcut holds only for a pattern whose two branches end with " <year>"."""
    year = htmldate.extractors.YEAR_RE
    assert pagedates._year_led(htmldate.extractors.LONG_TEXT_PATTERN)
    assert not pagedates._year_led(re.compile(rf"(?P<month>[a-z]+) (?P<year>{year})"))
    assert not pagedates._year_led(re.compile(rf"[a-z|]+ (?P<year>{year})|(?P<day2>\d+) {year}"))
    assert not pagedates._year_led(re.compile(rf"a (?P<year>{year})|b (?P<year2>{year})x"))
    assert pagedates._year_led(re.compile(rf"[(|] (?P<year>{year})|\| (?P<year2>{year})"))
