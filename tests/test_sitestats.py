"""Per-site template lines: learned across documents and runs, removed with their evidence."""

from __future__ import annotations

import gzip

import pytest

from conftest import CASES, HTML, SEEDS, ingest_plain, read_jsonl

APPEAL = ("Our reporting is funded by readers like you, and every contribution keeps this "
          "newsroom independent and free for everyone to read.")


# Four seed articles with nothing to strip (002 has a comment section that would take the line).
ARTICLES = [p for p in sorted(SEEDS.glob("*.txt")) if not p.name.startswith("002")]


def other_article() -> str:
    from cleaners.decode import decode
    from cleaners.html import extract_html

    data = gzip.decompress((HTML / "nature.com.telescope.html.gz").read_bytes())
    return extract_html(decode(data, html=True).text).text


def with_appeal(article: str) -> str:
    """The appeal inside the article, after its second paragraph, as sites insert them."""
    lines = [line for line in article.split("\n") if line.strip()]
    return "\n".join(lines[:2] + [APPEAL] + lines[2:]) + "\n"


def test_a_line_recurring_across_a_site_is_learned_and_removed(tmp_path):
    raw, clean = tmp_path / "raw", tmp_path / "clean"
    site = raw / "examplenews"
    site.mkdir(parents=True)
    for i, seed in enumerate(ARTICLES[:3]):
        (site / f"a{i}.txt").write_text(with_appeal(seed.read_text()), encoding="utf-8")
    ingest_plain(raw, clean, "run1")
    first = read_jsonl(clean / "documents")
    assert len(first) == 3 and all(APPEAL in d["text"] for d in first)  # not learned yet

    (site / "later.txt").write_text(with_appeal(ARTICLES[3].read_text()), encoding="utf-8")
    ingest_plain(raw, clean, "run2")
    (later,) = [d for d in read_jsonl(clean / "documents") if d["source"]["path"] == "examplenews/later.txt"]
    assert APPEAL not in later["text"]
    (why,) = [r for r in later["removed"] if r["reason"] == "site-template"]
    assert why["text"] == APPEAL and why["line"] is None
    assert why["detail"] == "in 3 of 3 other documents of folder:examplenews"
    assert later["stats"]["lines_kept"] == len(later["text"].split("\n"))


def test_a_different_site_is_not_affected(tmp_path):
    raw, clean = tmp_path / "raw", tmp_path / "clean"
    (raw / "one").mkdir(parents=True)
    for i, seed in enumerate(ARTICLES):
        (raw / "one" / f"a{i}.txt").write_text(with_appeal(seed.read_text()))
    (raw / "two").mkdir()
    (raw / "two" / "b.txt").write_text(with_appeal(other_article()))
    ingest_plain(raw, clean, "run1")
    docs = {d["source"]["path"]: d for d in read_jsonl(clean / "documents")}
    assert APPEAL in docs["two/b.txt"]["text"]
    assert APPEAL not in docs["one/a3.txt"]["text"]  # the fourth of its site: learned in-run


def test_a_new_sites_first_pages_are_judged_again_once_the_run_knows_its_template(tmp_path):
    """One run over a folder of one site's pages: the first three were judged with no template
    known (fewer than three other pages), and are judged again at the run's end. Each input is
    counted once, and the records the run replaced in itself are not published."""
    from running.runs import run_ingest
    from running.settings import Settings

    raw, clean = tmp_path / "raw", tmp_path / "clean"
    site = raw / "examplenews"
    site.mkdir(parents=True)
    for i, seed in enumerate(ARTICLES):
        (site / f"a{i}.txt").write_text(with_appeal(seed.read_text()), encoding="utf-8")
    settings = Settings(raw=str(raw), clean=str(clean), workers=2, batch_size=1)
    report = run_ingest(settings)
    docs = read_jsonl(clean / "documents")
    assert len(docs) == len(ARTICLES) == 4 and not any(APPEAL in d["text"] for d in docs)
    details = sorted(r["detail"] for d in docs for r in d["removed"] if r["reason"] == "site-template")
    assert details == ["in 3 of 3 other documents of folder:examplenews"] * 4
    assert (report["documents"], report["unchanged"], report["superseded"]) == (4, 0, 0)
    assert sum(report["languages"].values()) == 4
    assert not list((clean / "superseded").glob("*.jsonl"))

    again = run_ingest(settings)
    assert (again["documents"], again["unchanged"], again["superseded"]) == (0, 4, 0)


def test_posts_judged_before_their_sites_template_is_known_are_judged_again(tmp_path):
    """Real posts of one blog (Dragnet's googledesktop.blogspot.com), each beside the same
    sidebar ("The official source for information about Google Desktop.", "More Blogs from
    Google"), one a batch: the posts cleaned before the sidebar is known as the site's template
    keep it, so they are judged again at the end of the run. Then all five are documents, and
    the sidebar goes from each as the site's template."""
    import shutil

    from running.runs import run_ingest
    from running.settings import Settings

    raw, clean = tmp_path / "raw", tmp_path / "clean"
    shutil.copytree(CASES / "site" / "googledesktop.blogspot.com",
                    raw / "googledesktop.blogspot.com")
    report = run_ingest(Settings(raw=str(raw), clean=str(clean), workers=2, batch_size=1))
    assert (report["documents"], report["duplicates"], report["rejected"]) == (5, 0, 0)
    assert report["judged_again"] >= 3
    from flows.cli import _summary

    assert f"judged again      {report['judged_again']} pages" in _summary(report)
    docs = read_jsonl(clean / "documents")
    assert not any("More Blogs from Google" in d["text"] for d in docs)
    for d in docs:
        template = [r["text"] for r in d["removed"] if r["reason"] == "site-template"]
        assert "The official source for information about Google Desktop." in template
    (r713,) = [d for d in docs if d["source"]["path"].endswith("R713.txt")]
    assert r713["title"] == "The Reader gadget"


def test_an_author_box_above_each_posts_headline_goes_without_the_site(tmp_path):
    """47hats.com's seven posts, each under the site's long "About Bob Walsh" box, as a real
    run takes them one a batch: the box stands above each post's headline, so the text pass
    removes it from every post on its own (author-bio), before any site template is known."""
    import shutil

    from running.runs import run_ingest
    from running.settings import Settings

    raw, clean = tmp_path / "raw", tmp_path / "clean"
    shutil.copytree(CASES / "site" / "47hats.com", raw / "47hats.com")
    report = run_ingest(Settings(raw=str(raw), clean=str(clean), workers=2, batch_size=1))
    assert (report["documents"], report["duplicates"], report["rejected"]) == (7, 0, 0)
    docs = read_jsonl(clean / "documents")
    assert not any("About Bob Walsh" in d["text"] for d in docs)
    assert all([r["reason"] for r in d["removed"] if r["text"].startswith("About Bob Walsh")]
               == ["author-bio"] for d in docs)
    (r876,) = [d for d in docs if d["source"]["path"].endswith("R876.txt")]
    assert r876["title"] == "Keeper emails from 21times.org"  # the page <title> names it
    assert r876["text"].startswith("For the past week or so I’ve been getting these absolutely")


def test_dumps_of_one_site_in_a_flat_folder_learn_its_template_by_the_site_their_title_names(
        tmp_path):
    """The five real googledesktop.blogspot.com dumps, all in one folder beside no other: no
    folder names their site, but each dump's first line, the page <title> ("Inside Google
    Desktop: The Reader gadget"), does. Each document's `site` is that name, and the sidebar
    they all carry goes as the site's template (with no site, it stays in every document)."""
    import shutil

    from running.runs import run_ingest
    from running.settings import Settings

    raw, clean = tmp_path / "raw", tmp_path / "clean"
    shutil.copytree(CASES / "site" / "googledesktop.blogspot.com", raw)
    report = run_ingest(Settings(raw=str(raw), clean=str(clean), workers=2))
    assert (report["documents"], report["duplicates"], report["rejected"]) == (5, 0, 0)
    docs = {d["source"]["path"]: d for d in read_jsonl(clean / "documents")}
    assert {d["site"] for d in docs.values()} == {"Inside Google Desktop"}
    assert not any("More Blogs from Google" in d["text"] for d in docs.values())
    sidebar = [r for r in docs["R713.txt"]["removed"] if r["reason"] == "site-template"]
    assert "More Blogs from Google" in [r["text"] for r in sidebar]
    assert all(r["detail"].endswith("other documents of inside google desktop") for r in sidebar)
    assert docs["R713.txt"]["title"] == "The Reader gadget"


def test_a_site_folder_outranks_the_site_a_dumps_title_names(tmp_path):
    """In raw/<site>/ the folder is the site: pages whose <title> names the site and pages
    whose <title> does not share one template. Here the first line of four of the seven
    47hats.com dumps ("... | 47 Hats") is dropped; all seven still learn the author box."""
    raw, clean = tmp_path / "raw", tmp_path / "clean"
    site = raw / "47hats.com"
    site.mkdir(parents=True)
    for i, page in enumerate(sorted((CASES / "site" / "47hats.com").glob("*.txt"))):
        text = page.read_text(encoding="utf-8")
        (site / page.name).write_text(text if i % 2 else text.split("\n", 1)[1],
                                      encoding="utf-8")
    from running.runs import run_ingest
    from running.settings import Settings

    run_ingest(Settings(raw=str(raw), clean=str(clean), workers=2))
    docs = read_jsonl(clean / "documents")
    assert len(docs) == 7
    assert {d["site"] for d in docs} == {"47 Hats", None}  # a record names what its page does
    assert not any("About Bob Walsh" in d["text"] for d in docs)
    details = {r["detail"].rsplit(" of ", 1)[1] for d in docs for r in d["removed"]
               if r["reason"] == "site-template"}
    assert details == {"folder:47hats.com"}


@pytest.mark.parametrize("layout", ["site folder", "flat"])
def test_each_dump_of_a_site_is_one_with_its_html_page_once_the_sites_template_is_known(
        tmp_path, layout):
    """The seven 47hats.com posts, each as HTML and as text dump, in raw/47hats.com/ or all in
    raw/: each dump is one with its own page's HTML, never with another post's dump. Every
    dump carries the site's long author box above its post's headline; trafilatura leaves it
    out of the HTML, and the text pass removes it from the dump. Before the text pass did, a
    dump was closer to another post's dump (the box) than to its own page until the site's
    template was learned (a dump that is a copy of its page's HTML still counts for its site's
    template: the HTML documents lack the box); and before that, the run wrote 10 documents
    and 4 duplicates (two of them of another post's dump)."""
    import shutil

    from running.runs import run_ingest
    from running.settings import Settings

    raw, clean = tmp_path / "raw", tmp_path / "clean"
    folder = raw / "47hats.com" if layout == "site folder" else raw
    shutil.copytree(CASES / "site" / "47hats.com", folder)
    for page in (CASES / "site" / "47hats.com.html").glob("*.html.gz"):
        shutil.copy(page, folder / page.name)
    report = run_ingest(Settings(raw=str(raw), clean=str(clean), workers=2))
    assert (report["documents"], report["duplicates"], report["rejected"]) == (7, 7, 0)
    docs = {d["id"]: d["source"]["path"] for d in read_jsonl(clean / "documents")}
    assert all(p.endswith(".html.gz") for p in docs.values())
    pairs = {d["source"]["path"].rsplit("/", 1)[-1].split(".")[0]:
             docs[d["duplicate_of"]].rsplit("/", 1)[-1].split(".")[0]
             for d in read_jsonl(clean / "duplicates")}
    assert pairs == {f"R{n}": f"R{n}" for n in range(874, 881)}


def test_a_page_with_no_keyed_paragraph_in_a_known_site_is_written(tmp_path):
    """A page whose only paragraph has no line key (one line longer than line keys take: a
    dump of an article on a single line), in a site folder with a template known: the run
    writes it (it crashed the whole run, found by bench/throughput.py's one-folder corpus)."""
    from cleaners.site import MAX_LINE_CHARS

    raw, clean = tmp_path / "raw", tmp_path / "clean"
    site = raw / "examplenews"
    site.mkdir(parents=True)
    for i, seed in enumerate(ARTICLES[:3]):
        (site / f"a{i}.txt").write_text(with_appeal(seed.read_text()), encoding="utf-8")
    one_line = " ".join(" ".join(ARTICLES[3].read_text().split()) for _ in range(3))
    assert len(one_line) > MAX_LINE_CHARS
    (site / "one-line.txt").write_text(one_line + "\n", encoding="utf-8")
    ingest_plain(raw, clean, "run1")
    docs = {d["source"]["path"]: d for d in read_jsonl(clean / "documents")}
    assert set(docs) == {"examplenews/a0.txt", "examplenews/a1.txt", "examplenews/a2.txt",
                         "examplenews/one-line.txt"}
    assert docs["examplenews/one-line.txt"]["text"] == one_line


def test_a_lines_key_needs_three_letters_wherever_they_stand_in_any_script():
    from cleaners.document import normalized_for_hash
    from cleaners.site import MIN_LETTERS, line_key

    assert line_key("1 - 2 | 3") is None  # no letter: not judged
    assert line_key("a1b") is None  # two letters
    assert line_key("a1b2c") is not None  # three
    assert line_key("2012 — 14:35 — 07/11 — 99 ab c") is not None  # the letters come last
    assert line_key("١٢٣ ॥ ১২") is None  # digits and a danda of other scripts are no letters
    assert line_key("প্রতিনিধি") is not None  # letters with vowel signs (marks, not letters)
    # every line of the seeds and the language cases: judged exactly when it holds three letters
    lines = [line for p in [*SEEDS.glob("*.txt"), *(CASES / "language").rglob("*.txt")]
             for line in p.read_text(encoding="utf-8").split("\n")]
    assert len(lines) > 300
    for line in lines:
        letters = sum(ch.isalpha() for ch in normalized_for_hash(line))
        assert (line_key(line) is not None) == (len(line) <= 2000 and letters >= MIN_LETTERS)
