"""trafilatura on real dev-set pages (tests/cases/html): fragments kept and gone, metadata."""

from __future__ import annotations

import gzip
import json

import pytest
from lxml import etree

from cleaners import html
from cleaners.decode import decode, fix_text
from cleaners.html import HEAD_WINDOW, extract_html
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


@pytest.mark.parametrize("path", sorted(HTML.glob("*.html.gz")) + sorted(TEXT_PASS.glob("*.html.gz")),
                         ids=lambda p: p.name.removesuffix(".html.gz"))
def test_metadata_is_trafilaturas(path):
    """cleaners.html finds the metadata itself, without trafilatura's categories, tags and
    licence and with its own walk for the author: on every real page here the title, author,
    date, URL and site name are the ones trafilatura's extract_metadata gives on the page as
    cleanwire reads it: less the parts it marks as not its content (NOINDEX_PARTS; a blog's name
    in such a part is no title)."""
    from trafilatura.baseline import block_text
    from trafilatura.metadata import extract_author, extract_metadata

    from cleaners.html import _author
    from cleaners.html import load_page as load_html

    html = decode(gzip.decompress(path.read_bytes()), html=True, fix=False).text
    page = extract_html(html, head_pass=False)
    ref = extract_metadata(load_html(html))
    assert (page.author, page.published, page.url, page.site) == \
        (ref.author, ref.date, ref.url, ref.sitename)
    # the author walk on its own (the page's meta tags win where they name one): "Reuters",
    # "Ingo Arzt Redakteur für Wirtschaft; Umwelt", "Geschrieben Von Meike Neitz", none ...
    assert _author(load_html(html)) == extract_author(load_html(html))
    if ref.title in (block_text(h) for h in load_html(html).iterfind(".//h1")) and \
            ref.title != page.title:
        # trafilatura's title is the site's logo, an <h1> linking up: the <title> less the name
        # (copyranter, econbrowser.com, tcritic.com)
        assert page.title in load_html(html).find(".//title").text_content()
        assert ref.title not in page.title
    else:
        assert page.title in (ref.title, None)  # None when trafilatura's text is only its title


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
    """econbrowser.com (Dragnet, a test site): the article ends at its byline; the heading
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


# -- the head pass (issue 15): headline, byline, standfirst from the page's tree ----------------
_PARAS = [
    "The President announced on Wednesday that ten thousand new science and mathematics teachers "
    "will be trained over the next two years, a goal set by the administration in its first term.",
    "The plan brings together universities, foundations and companies, which together committed "
    "more than one hundred million dollars to recruit and prepare the teachers the schools need.",
    "Officials said the first classes of teachers would start in the autumn in twelve states, with "
    "more to follow as the programme grows and as the states report on how the first year went.",
]


def _blog_post(headline: str) -> str:
    """A blog post laid out as whitehouse.gov's (Dragnet, a train site): the og:title and the h1
    are the blog's name, the post's headline an h2 with its byline and tag links under it."""
    body = "".join(f"<p>{p}</p>" for p in _PARAS)
    return f"""<html><head><title>By the Numbers: 10,000 | The White House</title>
<meta property="og:title" content="The White House Blog"></head><body>
<div id="nav"><ul><li><a href="/">Home</a></li><li><a href="/blog">Blog</a></li></ul></div>
<h1 class="blog-header"><a href="/blog">The White House Blog</a></h1>
<div class="post"><h2>{headline}</h2>
<div class="byline">Posted by Megan Slack on July 18, 2012</div>
<div class="tags">Tags: <a href="/t/1">Education</a>, <a href="/t/2">Science</a></div>
{body}</div><div class="footer"><p>Copyright 2012</p></div></body></html>"""


def test_headline_is_the_title_and_the_byline_stays():
    """The post's headline, not the blog's name, is the title (said once); the byline under it
    comes before the text, the tag links do not."""
    page = extract_html(_blog_post("By the Numbers: 10,000"))
    lines = page.text.split("\n")
    assert page.title == "By the Numbers: 10,000"
    assert lines[0] == "Posted by Megan Slack on July 18, 2012"
    assert lines[1] == _PARAS[0]
    assert "By the Numbers: 10,000" not in lines
    assert "Education" not in page.text
    before = extract_html(_blog_post("By the Numbers: 10,000"), head_pass=False)
    assert before.title == "The White House Blog"


def test_heading_not_in_the_page_title_is_not_the_headline():
    """A heading above the article whose words are not in the <title> ("Related Content") is
    not taken for the headline: the title and the text stay as trafilatura gives them."""
    page = extract_html(_blog_post("Related Content"))
    before = extract_html(_blog_post("Related Content"), head_pass=False)
    assert (page.title, page.text) == (before.title, before.text)


def test_a_heading_that_links_up_is_the_sites_name_not_the_headline():
    """A heading that is a link to the site's home page, or to a page above the article's (the
    blog's home), is the site's name: milliondollarjourney.com's h2 'Million Dollar Journey'
    nearest above the post, tcritic.com's only <h1> (which trafilatura's metadata takes for the
    title). The headline is the post's heading, else the <title> less the site's name."""
    page, _ = extract("milliondollarjourney.com.layaway")
    assert page.title == "How Layaway Plans Work"
    page, _ = extract("tcritic.com.macbeth")
    assert page.title == "Macbeth Inspired T-Shirt from the Affair"
    # the blog's name links to the blog's home above the post; the post's headline to itself
    post = _blog_post('<a href="/blog/2012/07/18/numbers?p=7">By the Numbers: 10,000</a>')
    post = post.replace("<title>By the Numbers: 10,000 | The White House</title>",
                        "<title>By the Numbers: 10,000 | The White House Blog</title>")
    url = "https://www.whitehouse.gov/blog/2012/07/18/numbers"
    assert extract_html(post, url).title == "By the Numbers: 10,000"
    logo_only = post.replace('<h2><a href="/blog/2012/07/18/numbers?p=7">By the Numbers: 10,000'
                             '</a></h2>', "")
    assert "By the Numbers" not in logo_only.split("<body>")[1]
    # og:title is the blog's name, the only <h1> its link up: the <title> less the name
    assert extract_html(logo_only, url).title == "By the Numbers: 10,000"
    assert extract_html(logo_only, "https://www.whitehouse.gov/news/7").title == \
        "The White House Blog"  # '/blog' is no page above this one
    assert not html._links_up(etree.fromstring('<h1><a href="/?p=34195">Headline</a></h1>'),
                              "Headline", "http://www.redferret.net/?p=34195")
    assert html._links_up(etree.fromstring('<h1><a href="http://tcritic.com">Tcritic</a></h1>'),
                          "Tcritic", None)


def test_a_headline_with_no_lead_under_it_is_the_title_all_the_same():
    """When what stands between the headline and the text is no lead (more than HEAD_WINDOW
    blocks: a box of tag links), the headline is still the title, and nothing goes first."""
    box = "".join(f'<div><a href="/t/{i}">Tag {i}</a></div>' for i in range(HEAD_WINDOW + 5))
    post = _blog_post("By the Numbers: 10,000").replace(
        '<div class="byline">', box + '<div class="byline">')
    page = extract_html(post)
    assert page.title == "By the Numbers: 10,000"
    assert page.text.split("\n")[0] == _PARAS[0]


def test_site_furniture_lines_go_in_three_languages():
    """The chrome kind of the text pass: a paragraph that a line rule of the text mode of a
    furniture kind matches whole goes, recorded with its reason; the article stays. Polish
    "Czytaj też: ..." lines inside the article (polityka.pl), a French "À lire aussi » ..."
    (madame.lefigaro.fr), a German "Kategorie: News" (taucher.net), an English "© Thomson
    Reuters 2020" (vancouversun.com)."""
    for case_id, reason, line_start, kept in [
            ("polityka.pl.krolowa", "see-also", "Czytaj też:", "Bandera podąża za handlem"),
            ("madame.lefigaro.fr.dintestin", "see-also", "À lire aussi", "Travailler son stress"),
            ("taucher.net-tauchmesse", "tag-list", "Kategorie: News", "Optimismus und damit"),
            ("vancouversun.com.microsoft", "copyright", "© Thomson Reuters", "carbon")]:
        page, text = extract(case_id)
        gone = [t for _, t, why, _ in page.removed if why == reason]
        assert any(t.startswith(line_start) for t in gone), case_id
        assert not any(x.startswith(line_start) for x in text.split("\n")), case_id
        assert kept in text, case_id
    page, _ = extract("polityka.pl.krolowa")
    assert sum(t.startswith("Czytaj też:") for _, t, _, _ in page.removed) == 6


def test_layout_table_keeps_its_paragraphs():
    """schneier.com lays its page out in a table. trafilatura writes a table row as one line, so
    the cell holding the article came out as one line of 1,400 characters: the blog's header,
    the post and its footer. The cell's blocks are paragraphs again, each on its own line; a data
    table (bafa.de) still reads as rows of cells."""
    page, text = extract("schneier.com.micromorts")
    lines = text.split("\n")
    assert "Here's a great concept: a micromort:" in lines
    assert "Micromorts" in lines
    post = next(p for p in lines if p.startswith("There's a related term, microlife"))
    assert post.endswith("So smoking two cigarettes has a cost of one microlife.")
    assert max(len(p) for p in lines) < 700  # the quotation, the longest paragraph
    _, table = extract("bafa.de-mineraloelabsatz")
    assert "Ottokraftstoff 15,02 Mio. t 15,12 Mio. t 0,7 %" in table.split("\n")


def test_lead_paragraphs_trafilatura_left_out_come_first():
    """The head pass: the paragraphs between the headline and trafilatura's first paragraph are
    the article's beginning (a standfirst, a lead in another container); they come first, the
    headline is the title. tine.no (Norwegian), blog.mondediplo.net (French)."""
    for case_id, title, lead, then in [
            ("tine.no.fotballskole", "NFF: TINE Fotballskole viktig for barneidretten gjennom "
             "pandemien", "En annerledes sesong med TINE Fotballskole", "– Selv om det er en"),
            ("blog.mondediplo.net.turpitude", "Turpitude et architecture",
             "L’un des écrivains sud-coréens les plus célèbres", "Deux vies évoluant")]:
        page, text = extract(case_id)
        assert page.title == title
        assert text.startswith(lead), case_id
        assert text.index(lead) < text.index(then), case_id
        alone = extract_html(decode(gzip.decompress(
            (TEXT_PASS / f"{case_id}.html.gz").read_bytes()), html=True, fix=False).text,
            head_pass=False)
        assert lead not in alone.text  # trafilatura alone leaves it out


def test_blocks_longer_than_half_the_text_are_no_lead(monkeypatch):
    """copyranter.blogspot.com: between the blog's logo (an <h1> linking to its home page) and a
    short post stands the blog's profile box (211 words with the post, the post 48). When the
    logo was taken for the headline, the box went first as the post's lead and the page's
    precision fell from 0.98 to 0.2 (Dragnet). The logo is no headline (_links_up): the post's
    own heading is, with nothing between it and the post. And a lead is shorter than its
    article: blocks with more words than half of trafilatura's text do not go first
    (LEAD_TEXT_SHARE)."""
    page, text = extract("copyranter.blogspot.com.buzzfeed")
    assert page.title == "top 5 BuzzFeed posts of the week."
    assert text.startswith("• 18 hilarious London Tube prank signs")
    assert "SEND ME TIPS" not in text
    box = ["SEND ME TIPS: copyranter(at)gmail(dot)com", "About Me " + "word " * 200]
    post = ["• 18 hilarious London Tube prank signs (above). " * 6]
    assert html._as_lead(box, post) == []
    monkeypatch.setattr(html, "LEAD_TEXT_SHARE", 100.0)
    assert html._as_lead(box, post) == box


def test_second_opinion_settles_trafilaturas_stage_2(monkeypatch):
    """trafilatura's stage 2 puts readability's or jusText's text in place of its own extractor's
    when that is short. On balkin.blogspot.com (a link-heavy layout table) jusText reads the
    sidebar and the post is lost; on washingtonpost.com readability reads the whole article where
    trafilatura's own extractor read its start. The text mode's reading of the visible text keeps
    the post on the one and stage 2's text on the other."""
    post = "For ease of reference, we've grouped together [and updated] our posts"
    _, text = extract("balkin.blogspot.com.torture")
    assert post in text
    monkeypatch.setattr(html, "SECOND_OPINION", False)
    _, without = extract("balkin.blogspot.com.torture")
    assert post not in without and len(without) > 5000  # the sidebar, not nothing
    monkeypatch.undo()
    article = "Defense Secretary Leon Panetta told Pentagon reporters Thursday"
    _, text = extract("washingtonpost.com.romney")
    assert article in text
    data = gzip.decompress((TEXT_PASS / "washingtonpost.com.romney.html.gz").read_bytes())
    own = extract_html(decode(data, html=True, fix=False).text, fast=True)
    assert article not in own.text and own.text  # its own extractor's text, which lost


def test_visible_text_one_block_a_line():
    """The page's visible text as a text dump has it: a line per block, inline elements inside
    their line, scripts, styles and comments left out (their tails kept), the tree unchanged."""
    from trafilatura.utils import load_html

    tree = load_html(
        "<html><head><title>T</title><style>p{}</style></head><body><div>Menu <a>Home</a>"
        "<!-- c -->tail</div><p>One <b>bold</b> word.<script>x()</script> after</p>"
        "<ul><li>a</li><li>b</li></ul>text<br>next</body></html>")
    before = html.etree.tostring(tree)
    assert html.visible_text(tree).split("\n\n") == [
        "T", "Menu Hometail", "One bold word. after", "a", "b", "text", "next"]
    assert html.etree.tostring(tree) == before


def _chrome_removes(line: str) -> list[tuple[int, str, str]]:
    """What the HTML mode's chrome pass removes after an article paragraph when ``line`` follows
    it, as (index, paragraph, reason); the line must go, the article paragraph stay."""
    removed = []
    assert html._chrome_pass(["Article text.", line], removed) == ["Article text.", ""]
    return [(i, text, reason) for i, text, reason, _ in removed]


@pytest.mark.parametrize("line", [
    # real entry meta lines: nfl.com and thecuriousbrain.com (Dragnet), gnadlib.wordpress.com and
    # bewegliche-lettern.de (trafilatura-eval); the same shape in WordPress's French, Spanish,
    # Russian and Turkish labels
    "Published: October 30th, 2012 | Tags: Arizona Cardinals, Carolina Panthers, Chicago Bears",
    "NFL.com Staff | Tags: New Orleans Saints, Darren Sproles, Mark Ingram, pierre thomas",
    "sounds — Tags: animation — thebrainbehind @ 11:07",
    "Veröffentlicht: 05.01.2020 Abgelegt unter: Canon Powershot S110, Fotografie | Tags: "
    "Abendhimmel, Gegenlicht, Silhouette",
    "Abgelegt unter: Lesenswert, Literatur, Medienwandel | Tags: Animated Typography, iPad, Vook",
    "Publié le 3 mars 2021 | Étiquettes : politique, économie",
    "Publicado el 3 de marzo de 2021 · Etiquetas: política, economía",
    "Опубликовано 3 марта 2021 | Метки: политика, экономика",
    "3 Mart 2021 • Etiketler: siyaset, ekonomi",
])
def test_an_entry_meta_line_ending_in_its_tags(line):
    """An entry's meta line, its date, author or category first and its tag list after a
    separator, is a tag list wherever the label stands (an HTML mode rule: the text mode keeps
    the line, which marks where a short post begins)."""
    assert _chrome_removes(line) == [(1, line, "tag-list")]


@pytest.mark.parametrize("line", [
    "Date: November 2, 2012 | Category: Tips & Advice | Author: Roslyn Ashford",  # zillow.com
    "We removed the tags | they were useless: nobody read them, and the search found nothing.",
    "The price tag — $40,000 — is what most buyers noticed first.",
])
def test_a_category_or_a_tag_in_a_sentence_is_no_tag_list_after_a_separator(line):
    """A category (which the Dragnet gold bodies keep under a headline) and the word in running
    text are not the rule's shape."""
    assert html._chrome_pass([line], []) == [line]


@pytest.mark.parametrize("line", [
    # real bars: schneier.com (Movable Type), sethgodin.com and headrush.typepad.com (TypePad),
    # from the Dragnet pages; the same bar in German and French
    "« Regulation as a Prisoner's Dilemma | Main | Micromorts »",
    "« The puzzle joint | Blog Home | Two deadlines (and a read) »",
    "« Death threats against bloggers are NOT \"protected speech\" (why I cancelled my ETech "
    "presentations) | Main",
    "« Vorheriger Beitrag | Startseite | Nächster Beitrag »",
    "Accueil | Article suivant : Les élections municipales »",
])
def test_a_blogs_previous_main_next_bar_goes_in_html_mode(line):
    """The bar of links to the previous post, the blog's front page and the next post is the
    one navigation line the HTML mode removes (boilerplate.json: the line rule marked
    html_chrome); the text mode's other navigation lines stay in trafilatura's text."""
    assert _chrome_removes(line) == [(1, line, "navigation")]


@pytest.mark.parametrize("line", [
    "« Je ne fais pas que voter blanc, je le bois aussi »",  # arteradio.com (trafilatura-eval)
    "Er nannte es «verschmerzbar» und ging.",
    "« Tout va bien », pourrait commenter le Président.",  # regards.fr (trafilatura-eval)
])
def test_a_quotation_in_guillemets_is_no_blog_bar(line):
    """Guillemets quote speech in French, German and Swiss text: without the bar's ' | ' it
    stays."""
    assert html._chrome_pass([line], []) == [line]


@pytest.mark.parametrize("line", [
    # real lines from the dev pages trafilatura kept: hackermonthly.com, softpedia.com (Dragnet),
    # giromatch.com, reiterrevue.de, 5min.at, bund-naturschutz.de (trafilatura-eval)
    "Hacker Monthly is a print magazine curated from the top articles of Hacker News. Learn more »",
    "Subscription starts from $29/year »",
    "NEWS ARCHIVE >>",
    "Jetzt 1000 Euro Kredit sichern »",
    "weiterlesen →",
    "Werben auf 5 Minuten? Hier geht es zu allen Details >>",
    "- Home ›",
    "Next >",
])
def test_a_paragraph_ending_in_a_links_arrow_goes_in_html_mode(line):
    """A call to follow a link, its arrow last, is never article text (no line of the Dragnet
    gold bodies ends so): the HTML mode removes it (boilerplate.json html_chrome_rules)."""
    assert _chrome_removes(line) == [(1, line, "arrow-link")]


@pytest.mark.parametrize("line", [
    "Die Kanäle heißen «Aktien mit Kopf» oder «Madame Moneypenny».",  # finanztreff.de
    "Die Kanäle heißen «Aktien mit Kopf»",
    "Er nannte die Einschränkung «verschmerzbar»",
    "» Puis nous sommes repartis vers le nord, sans un mot. »",  # a quotation's next paragraph
    "Nous sommes repartis vers le nord, sans un mot. »",
    "Il a simplement répondu ‹ non ›",
    "Hän sanoi vain »tule tänne»",  # Finnish and Swedish quote with right-pointing guillemets
    "Han sa bara »kom hit»",
    "In C the member of a pointed-to struct is read with ->",  # '>' after no space
    "if (a->b > c) return <b>",
])
def test_a_closing_guillemet_or_a_greater_than_sign_is_no_links_arrow(line):
    """A quotation closed at the end of a paragraph (opened in it with either guillemet, or in
    an earlier paragraph of a French quotation that runs on, after a sentence's end) and '>' in
    running text or code stay."""
    assert html._chrome_pass([line], []) == [line]


def test_a_date_heading_that_opens_the_text_is_no_headline():
    """A Blogger post's text opens with its date header, a heading not in the <title>: the
    headline is the post's title above it. Before, the head pass ended there and the title was
    trafilatura's, the blog's name in its <h1> (not a link: no _links_up)."""
    page, text = extract("googledesktop.blogspot.com.update")
    assert page.title == "Google Desktop Update"
    assert text.split("\n")[0].startswith("Friday, September 02, 2011")
    assert page.title not in text


@pytest.mark.parametrize("markup, kept, gone", [
    # a part that starts in one element and ends in another: the text between goes, the tails
    # after the closing marker stay
    ("<div><p>Article one.</p><!-- googleoff: index --><p>Menu</p>menu tail<div><p>Teaser</p>"
     "<!-- googleon: index -->after the marker</div><p>Article two.</p></div>",
     ["Article one.", "after the marker", "Article two."], ["Menu", "menu tail", "Teaser"]),
    ('<td><!-- robots content="noindex" --><h1>Blog name</h1><!-- /robots -->'
     "<h3>Headline</h3></td>", ["Headline"], ["Blog name"]),
    ("<div><!--googleoff: all--><b>Ad</b><!--googleon: all--><p>Text.</p></div>", ["Text."], ["Ad"]),
    # an open marker is ignored: it would take the rest of the page
    ("<div><p>Intro.</p><!-- googleoff: index --><p>Article.</p></div>", ["Intro.", "Article."], []),
    # googleoff: snippet / anchor keep the text in the index: not a marker of chrome
    ("<div><!-- googleoff: snippet --><p>Article.</p><!-- googleon: snippet --></div>",
     ["Article."], []),
])
def test_parts_marked_not_content_are_left_out(markup, kept, gone):
    page = f"<html><body><p>Lead paragraph.</p>{markup}<p>End.</p></body></html>"
    for data in (page, page.encode()):
        tree = html.load_page(data)
        text = " ".join(tree.itertext())
        assert all(x in text for x in kept + ["Lead paragraph.", "End."]), text
        assert not any(x in text for x in gone), text
        assert "cw-noindex" not in etree.tostring(tree, encoding="unicode")
