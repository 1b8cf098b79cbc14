"""`cleanwire explain`: every line of a real page, kept plain or marked with its reason."""

from __future__ import annotations

import gzip

from conftest import HTML, seed_path
from flows.cli import main


def test_explain_marks_removed_lines_with_reasons(capsys):
    assert main(["explain", str(seed_path("002")), "--detail"]) == 0
    out = capsys.readouterr().out.splitlines()
    marked = {line.split("] ", 1)[1].split("  (")[0]: line.split("[")[1].split("]")[0].strip()
              for line in out if line.startswith("- [")}
    assert marked["Notify of"] == "comment-section"
    assert marked["2,500 $"] == "donation-widget"
    assert marked["JJ345"] == "comment-section"
    kept = [line.strip() for line in out if line.startswith("  ")]
    assert any(line.startswith("On January 5, the US-led coalition") for line in kept)
    assert out[-1].startswith("# kept 6 lines")


def test_explain_shows_a_fragment_cut_from_a_kept_line(capsys):
    assert main(["explain", str(seed_path("001"))]) == 0
    out = capsys.readouterr().out
    assert "the official said. [-editor-note: JEFF OK’D-]" in out
    assert "- [back-to-top" in out


def test_explain_html_and_bad_input(tmp_path, capsys):
    page = tmp_path / "page.html"
    page.write_bytes(gzip.decompress((HTML / "nature.com.telescope.html.gz").read_bytes()))
    assert main(["explain", str(page)]) == 0
    assert "trafilatura kept" in capsys.readouterr().out
    png = tmp_path / "photo.txt"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    assert main(["explain", str(png)]) == 1
    assert "binary" in capsys.readouterr().err
    assert main(["explain", str(tmp_path / "missing.txt")]) == 2


def test_explain_lines_matches_removed_lines_that_held_soft_hyphens():
    """clean_text drops soft hyphens; a caller explaining the raw text still sees each removed
    line marked as removed."""
    from cleaners.boilerplate import clean_text
    from cleaners.explain import explain_lines

    text = seed_path("002").read_text(encoding="utf-8").replace("Notify of", "No\u00adtify of")
    lines = explain_lines(text, clean_text(text))
    notify = next(x for x in lines if x.text == "No\u00adtify of")
    assert notify.reason == "comment-section"
