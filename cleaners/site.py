"""Site evidence: which site a page belongs to, and a key for each of its lines.

A footer sentence, a fund-raising appeal or a "read more" line can read like prose and pass the
per-page classifier; across a site's pages it gives itself away by recurring. A worker tags each
document with the keys of its lines (`Document.line_keys`); the flow process counts them per site
(running/sitestats.py) and decides which lines are the site's template.
"""

from __future__ import annotations

import hashlib
from itertools import islice
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from cleaners.document import normalized_for_hash

# Only lines up to this length are counted and judged: a site's template includes an author's
# bio or a site blurb of a few hundred words in the sidebar of every page ("About Bob Walsh Bob
# Walsh is the author of ...", 1,480 characters); longer recurring text is an article printed
# twice, which near-duplicate detection handles. 400 before: Dragnet train sites with site
# evidence, 1st pass F1 0.903 -> 0.904, 2nd pass 0.904 -> 0.905.
MAX_LINE_CHARS = 2000
# Lines with fewer letters than this are not judged ("1", "—"): the classifier handles them.
MIN_LETTERS = 3


def site_of(url: str | None) -> str | None:
    """The host of a URL without its "www.", the site a page belongs to."""
    if not url:
        return None
    host = urlsplit(url).hostname
    return host.removeprefix("www.") if host else None


def site_key(site: str | None, source_path: str, from_title: bool = False) -> str | None:
    """The site a document belongs to: its site name or host when known, else the first folder
    of its path in the raw folder (scrapers commonly file pages by site), else the site's name
    in a text dump's <title> line (`from_title`: what `site` is; a folder is the surer
    evidence: its pages share a key whether or not their <title> names the site); None for
    top-level files with no site (nothing to learn from)."""
    if site and not from_title:
        return site.lower()
    parts = PurePosixPath(source_path).parts
    if len(parts) > 1:
        return f"folder:{parts[0]}"
    return site.lower() if site else None


def line_key(line: str, normalized: str | None = None) -> int | None:
    """A line's key: a 64-bit hash of its normalized text (as exact dedup sees it; ``normalized``:
    the line's normalized_for_hash, if known); None for a line too long or with too few letters
    to be judged."""
    if len(line) > MAX_LINE_CHARS:
        return None
    norm = normalized_for_hash(line) if normalized is None else normalized
    # the first MIN_LETTERS letters, found in C, stopping there: counting every letter of a line
    # one by one in Python made line_key 1.3 instead of 0.9 ms over a trafilatura-eval page's lines
    if len(tuple(islice(filter(str.isalpha, norm), MIN_LETTERS))) < MIN_LETTERS:
        return None
    return int.from_bytes(hashlib.blake2b(norm.encode(), digest_size=8).digest(), "big", signed=True)


def line_keys(paragraphs: list[str], removed: tuple[dict, ...],
              normalized: list[str] | None = None) -> tuple[int | None, ...]:
    """The keys of a document's kept paragraphs (``normalized``: each one's normalized_for_hash,
    if known), then of its removed lines, in order."""
    kept = map(line_key, paragraphs) if normalized is None else map(line_key, paragraphs, normalized)
    return (*kept, *(line_key(r["text"]) for r in removed))
