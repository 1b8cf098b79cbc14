"""Bytes to text on real seeds re-encoded the ways scrapers get them wrong, and the repair of
mojibake line by line on ftfy's own cases set into real paragraphs."""

from __future__ import annotations

import codecs
import gzip
import json
import random
import zlib

import ftfy
import ftfy.badness
import pytest
from ftfy.fixes import uncurl_quotes
from hypothesis import given, settings
from hypothesis import strategies as st

import cleaners.decode as decode_module
from cleaners.decode import (
    _MOJIBAKE,
    FTFY_CONFIG,
    MAX_CONTROL_SHARE,
    DecodeError,
    Fixed,
    _ftfy_may_change,
    control_share,
    declared_charset,
    decode,
    drop_invisible,
    fix_lines,
    fix_text,
    sniff_binary,
)
from cleaners.html import extract_html
from conftest import CASES, clean_one, seed_text

DECODE_CASES = CASES / "decode"

TEXT = seed_text("001")  # curly quotes, an en dash: the characters that legacy charsets mangle
GERMAN = "Die Größe der Straße ärgert Herrn Müller – „à la carte“ übermäßig schön, sagt er.\n" * 20


def test_utf8_is_read_as_is():
    d = decode(TEXT.encode("utf-8"))
    assert d.text == TEXT and d.encoding == "utf-8" and d.fixes == ()


def test_curly_quotes_are_kept():
    d = decode("“Quoted,” she said. It’s fine.".encode())
    assert d.text == "“Quoted,” she said. It’s fine."


@pytest.mark.parametrize("bom,codec", [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                                       (codecs.BOM_UTF16_BE, "utf-16-be")])
def test_bom(bom, codec):
    d = decode(bom + TEXT.encode(codec))
    assert d.text == TEXT and d.method == "bom" and not d.text.startswith("\ufeff")


def test_utf16_without_bom():
    d = decode(TEXT.encode("utf-16-le"))
    assert d.text == TEXT and d.encoding == "utf-16-le"


def test_cp1252_is_detected():
    d = decode(TEXT.encode("cp1252"))
    assert d.text == TEXT and d.encoding == "cp1252" and d.method == "detected"


def test_cp1252_german_is_not_read_as_another_code_page():
    d = decode(GERMAN.encode("cp1252"))
    assert d.text == GERMAN


def test_latin1_german():
    text = GERMAN.replace("–", "-").replace("„", '"').replace("“", '"')
    assert decode(text.encode("latin-1")).text == text


def test_mojibake_is_repaired_and_recorded():
    mojibake = TEXT.encode("utf-8").decode("sloppy-windows-1252")
    assert "â€™" in mojibake
    d = decode(mojibake.encode("utf-8"))
    assert d.text == TEXT
    assert "encode:sloppy-windows-1252" in d.fixes and "decode:utf-8" in d.fixes


def test_declared_charset_is_used_for_html():
    page = f'<html><head><meta charset="iso-8859-1"></head><body><p>{GERMAN}</p></body></html>'
    data = page.encode("cp1252")
    assert declared_charset(data) == "cp1252"  # iso-8859-1 means cp1252 on the web (WHATWG)
    d = decode(data, html=True)
    assert GERMAN in d.text and d.method == "declared"


def test_utf8_with_a_few_broken_bytes_stays_utf8():
    data = GERMAN.encode("utf-8") + b"\xc3 broken tail " + GERMAN.encode("utf-8")
    d = decode(data)
    assert d.encoding == "utf-8" and d.method == "utf-8-lossy"
    assert d.text.count("\ufffd") == 1 and GERMAN in d.text


@pytest.mark.parametrize("data,what", [
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "png image"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "pdf document"),
    (zlib.compress(b"x" * 1000) + b"\x00\x01\x00\x00\x05", "binary data (45.5% control bytes)"),
])
def test_binary_is_rejected(data, what):
    assert sniff_binary(data) == what
    with pytest.raises(DecodeError) as err:
        decode(data)
    assert err.value.reason == "binary"


def test_whitespace_only_is_empty():
    with pytest.raises(DecodeError) as err:
        decode(b" \n\t\n")
    assert err.value.reason == "empty"


def test_soft_hyphens_and_zero_width_spaces_are_removed_and_recorded():
    """A line of a real page (bfs.de, dev set): the site hyphenates with soft hyphens, which
    would keep "Wirkungen" from matching "Wir\\xadkun\\xadgen" in any search or dedup."""
    line = ("Bio\xadlo\xadgi\xadsche Wir\xadkun\xadgen durch Ener\xadgie\xadab\xadsorp\xadti\xadon"
            " und Er\xadwär\xadmung\u200b")
    d = decode(line.encode("utf-8"))
    assert d.text == "Biologische Wirkungen durch Energieabsorption und Erwärmung"
    assert d.fixes == ("remove_invisible_characters",)
    joiner = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 \u0627\u06cc\u0646 \u0645\u062a\u0646"
    assert decode(joiner.encode("utf-8")).text == joiner  # ZWNJ is part of Persian spelling


# The page of the issue, as scraped (trafilatura-eval dev set): 195 KB of real HTML with 22 stray
# NULs (two runs of 11 after banner <img> tags), which used to be rejected as binary.
STRAY_NUL_PAGE = "lostiempos.com-juicio.html.gz"
STRAY_NUL_SENTENCES = ("La audiencia que podría ser decisiva", "de Sentencia Anticorrupción de La Paz fijó",
                       "condena de tres años de cárcel")
# A real plain-text dump (correctiv.org, dev set) with a NUL put at 22 line ends, every 57th line.
STRAY_NUL_TEXT = "correctiv.org.zusage.nul.txt.gz"
STRAY_NUL_TEXT_SENTENCES = ("Vorweg: Die beteiligten AfD-Politiker",
                            "ist heute Abend um 21 Uhr auch im ZDF-Magazin Frontal")


def test_page_with_stray_nuls_is_text():
    data = gzip.decompress((DECODE_CASES / STRAY_NUL_PAGE).read_bytes())
    assert data.count(b"\x00") == 22 and len(data) > 190_000
    assert 0 < control_share(data) < MAX_CONTROL_SHARE and sniff_binary(data) is None
    for fix in (False, True):  # the pipeline's HTML path decodes without ftfy
        decoded = decode(data, html=True, fix=fix)
        assert "\x00" not in decoded.text and decoded.encoding == "utf-8"
        assert "remove_nul_bytes" in decoded.fixes  # recorded, so the output stays explainable
    text = extract_html(decoded.text).text
    for sentence in STRAY_NUL_SENTENCES:
        assert sentence in text


def test_text_with_scattered_nuls_is_text():
    data = gzip.decompress((DECODE_CASES / STRAY_NUL_TEXT).read_bytes())
    assert data.count(b"\x00") == 22
    decoded = decode(data)
    assert "\x00" not in decoded.text and decoded.fixes == ("remove_nul_bytes",)
    assert decoded.text == data.decode("utf-8").replace("\x00", "")  # nothing else is touched
    for sentence in STRAY_NUL_TEXT_SENTENCES:
        assert sentence in decoded.text


@pytest.mark.parametrize("name,sentences", [(STRAY_NUL_PAGE, STRAY_NUL_SENTENCES),
                                            (STRAY_NUL_TEXT, STRAY_NUL_TEXT_SENTENCES)])
def test_stray_nuls_through_the_pipeline(name, sentences):
    doc = clean_one(DECODE_CASES, name)
    assert type(doc).__name__ == "Document", getattr(doc, "detail", None)
    assert "\x00" not in doc.text and "\x00" not in (doc.title or "")
    for sentence in sentences:
        assert sentence in doc.text


def binary_without_magic() -> list:
    # 8 KB of libz's machine code (.text section, /usr/lib/x86_64-linux-gnu/libz.so.1.2.13 from
    # offset 16384): real binary data with no magic at its start; 25% control bytes.
    elf = (DECODE_CASES / "libz.so.text-section.txt").read_bytes()
    return [pytest.param(elf, id="elf-code"),
            pytest.param(random.Random(0).randbytes(8192), id="random-bytes")]


@pytest.mark.parametrize("data", binary_without_magic())
def test_binary_without_magic_is_rejected(data):
    assert control_share(data) > MAX_CONTROL_SHARE
    assert sniff_binary(data).startswith("binary data (")
    with pytest.raises(DecodeError) as err:
        decode(data)
    assert err.value.reason == "binary"


def test_binary_without_magic_is_rejected_by_the_pipeline():
    rejection = clean_one(DECODE_CASES, "libz.so.text-section.txt")
    assert type(rejection).__name__ == "Rejection" and rejection.reason == "binary"
    assert "control bytes" in rejection.detail


def test_control_share_threshold():
    """Stray control bytes in text are tolerated up to MAX_CONTROL_SHARE; NUL-laden bytes are not."""
    text = seed_text("003").encode("utf-8")[:20_000]
    below = int(len(text) * MAX_CONTROL_SHARE * 0.9)
    assert sniff_binary(text[:below] + b"\x00" * below + text[below:]) is None
    above = int(len(text) * MAX_CONTROL_SHARE * 1.2)
    assert sniff_binary(text[:above] + b"\x07" * above + text[above:]).startswith("binary data")
    assert sniff_binary(b"text\x00with\x00\x00\x00nuls" * 100) == "binary data (25.0% control bytes)"
    assert control_share(b"tab\tLF\nCR\rFF\x0c") == 0  # white space is text


# -- encoding repair line by line (issue 15) ---------------------------------------------------
# ftfy's own test cases (FTFY_CASES/README.md: source, commits, license), each set as a line of its
# own into real article paragraphs (PARAGRAPHS/README.md) next to correct accented text, curly
# quotes and dashes. ftfy asked to repair such a text as a whole leaves the mojibake as it is as
# soon as a correct character elsewhere cannot be re-encoded; line by line, each case comes out as
# ftfy fixes it alone, and the paragraphs around it as they were.
FTFY_CASES = DECODE_CASES / "ftfy"
PARAGRAPHS = {p.stem: p.read_text(encoding="utf-8") for p in sorted((DECODE_CASES / "paragraphs").glob("*.txt"))}
FTFY_FILES = ("in-the-wild", "synthetic", "language-names", "negative", "known-failures")
# Cases added to ftfy's data after the ftfy the lock pins (6.3.1), which does not fix them even alone.
NEWER_THAN_LOCKED_FTFY = {"Russian text in KOI8-R mojibake": "ftfy issue #231",
                          "Synthetic: mojibake at the beginning of a string (Ã¥ for å)": "ftfy issue #222"}
# ftfy's known failures are failures of its encoding step alone (its test calls
# fix_encoding_and_explain); the whole repair gets this one right: fix_c1_controls reads the
# Latin-1 C1 quotes as the Windows-1252 quotes they were.
KNOWN_FAILURE_FIXED_BY_THE_WHOLE_REPAIR = {"Misleading mix-up in Spanish"}


def ftfy_cases() -> list:
    params = []
    for name in FTFY_FILES:
        cases = json.loads((FTFY_CASES / f"{name}.json").read_text(encoding="utf-8"))
        for index, case in enumerate(cases):
            marks = ()
            if case["label"] in NEWER_THAN_LOCKED_FTFY:
                marks = pytest.mark.xfail(strict=True, reason=NEWER_THAN_LOCKED_FTFY[case["label"]])
            elif case["expect"] == "fail" and case["label"] not in KNOWN_FAILURE_FIXED_BY_THE_WHOLE_REPAIR:
                marks = pytest.mark.xfail(strict=True, reason="one of ftfy's known failures")
            params.append(pytest.param(name, index, case, id=f"{name}-{index}", marks=marks))
    return params


def set_into(paragraphs: str, line: str, index: int) -> tuple[str, int]:
    """`paragraphs` with `line` as a line of its own, at a place that moves with `index` (first,
    between two paragraphs, last); returns the text and the line's index."""
    lines = paragraphs.split("\n")
    at = index % (len(lines) + 1)
    return "\n".join(lines[:at] + [line] + lines[at:]), at


def test_the_paragraphs_need_no_repair():
    for text in PARAGRAPHS.values():
        assert fix_lines(text) == Fixed(text, (), ())
        assert not text.isascii() and any(q in text for q in "“”„’")


@pytest.mark.parametrize("name,index,case", ftfy_cases())
def test_ftfy_case_in_real_paragraphs(name, index, case):
    for host, paragraphs in PARAGRAPHS.items():
        text, at = set_into(paragraphs, case["original"], index)
        fixed = fix_lines(text)
        lines = fixed.text.split("\n")
        line = lines.pop(at)
        assert lines == paragraphs.split("\n"), host  # the correct text around: unchanged
        # ftfy's expected fix; ftfy's default also un-curls quotes, which cleanwire keeps
        assert uncurl_quotes(line) == case["fixed"], host
        if uncurl_quotes(case.get("fixed-encoding", "")) == case["fixed"]:
            assert line == case["fixed-encoding"], host  # curly quotes kept
        if line == case["original"]:
            assert fixed.lines == () and fixed.fixes == (), host
        else:
            ((number, steps),) = fixed.lines  # the one line repaired, and only it
            assert number == at and fixed.fixes == tuple(dict.fromkeys(steps)), host
        if name == "negative" and uncurl_quotes(case["original"]) == case["fixed"]:
            assert line == case["original"], host  # it is not mojibake: left exactly as it was


# Cases the issue names: each stays broken (or half repaired) when ftfy repairs the whole text.
ISSUE_EXAMPLES = ("UTF-8 / MacRoman mix-up about smurfs", "Latin-1 / Windows-1252 mixup in Rīga (issue #192)",
                  "sharp S, in isolation, via MacRoman encoding", "UTF-8 / Codepage 437 mixup in Russian",
                  "UTF-8 / Windows-1251 Russian mixup about futbol", "UTF-8 / sloppy Windows-1250 mixup in Romanian")


def test_the_whole_text_repair_missed_what_the_line_repair_fixes():
    cases = {c["label"]: c for c in json.loads((FTFY_CASES / "in-the-wild.json").read_text(encoding="utf-8"))}
    paragraphs = PARAGRAPHS["modepilot.de.duschkopf"]
    for label in ISSUE_EXAMPLES:
        text, at = set_into(paragraphs, cases[label]["original"], 3)
        whole = ftfy.fix_and_explain(text, FTFY_CONFIG).text  # the repair before issue 15
        assert whole.split("\n")[at] != cases[label]["fixed"], label  # left broken (or half)
        assert fix_lines(text).text.split("\n")[at] == cases[label]["fixed"], label


def test_each_repaired_line_is_named_with_its_steps():
    cases = {c["label"]: c["original"] for name in FTFY_FILES
             for c in json.loads((FTFY_CASES / f"{name}.json").read_text(encoding="utf-8"))}
    lines = PARAGRAPHS["elespectador.com-orion"].split("\n")
    lines[1] = cases["UTF-8 / MacRoman mix-up about smurfs"]
    lines[5] = cases["UTF-8 / Windows-1252 mixed up three times"]
    lines[8] += "\r"  # a CRLF line end
    lines[-1] = cases["Latin-1 / Windows-1252 mixup in German"]  # last line, no "\n" after it
    fixed = fix_lines("\n".join(lines))
    assert fixed.lines == (
        (1, ("encode:macroman", "decode:utf-8")),
        (5, ("encode:sloppy-windows-1252", "decode:utf-8") * 3),
        (8, ("fix_line_breaks",)),
        (len(lines) - 1, ("encode:latin-1", "decode:windows-1252")),  # C1 quotes: Windows-1252
    )
    # each step once, in the order they run: the mojibake steps as met, then ftfy's other fixers
    assert fixed.fixes == ("encode:macroman", "decode:utf-8", "encode:sloppy-windows-1252",
                           "encode:latin-1", "decode:windows-1252", "fix_line_breaks")
    assert fix_text("\n".join(lines)) == (fixed.text, fixed.fixes)  # the same repair, as before


def test_invisible_characters_and_nuls_are_recorded_on_their_lines():
    lines = PARAGRAPHS["seed-001"].split("\n")
    lines[2] = lines[2].replace("launched", "laun\xadched")
    lines[4] = lines[4].replace("Kirby", "Kir\x00by")
    fixed = decode("\n".join(lines).encode("utf-8"))
    assert fixed.text == PARAGRAPHS["seed-001"]
    assert fixed.fixes == ("remove_nul_bytes", "remove_invisible_characters")  # as before issue 15
    assert fixed.lines_fixed == ((2, ("remove_invisible_characters",)), (4, ("remove_nul_bytes",)))


def test_ascii_lines_are_skipped_only_when_nothing_in_them_can_change():
    assert fix_lines("AT&amp;T\nplain").text == "AT&T\nplain"
    assert fix_lines("<b>AT&amp;T</b>\nAT&amp;T").text == "<b>AT&amp;T</b>\nAT&amp;T"  # markup: kept
    assert fix_lines("bell\x07\ncolour \x1b[36mblue\x1b[0m").lines == (
        (0, ("remove_control_chars",)), (1, ("remove_terminal_escapes",)))
    assert fix_lines("plain ascii\nlines only") == Fixed("plain ascii\nlines only", (), ())


# A real page (modepilot.de, a case of the text classifier) with three of its own article
# paragraphs turned to mojibake: UTF-8 read as Windows-1252 (line 49), as MacRoman (51) and as
# Windows-1251 (53), beside paragraphs of correct German with „…” quotes. Line 80 has a soft
# hyphen of the page's own.
MOJIBAKE_TEXT = "modepilot.de.duschkopf.mojibake.txt"
MOJIBAKE_TEXT_LINES = [
    {"line": 49, "fixes": ["encode:sloppy-windows-1252", "decode:utf-8"]},
    {"line": 51, "fixes": ["encode:macroman", "decode:utf-8"]},
    {"line": 53, "fixes": ["encode:sloppy-windows-1251", "decode:utf-8"]},
    {"line": 80, "fixes": ["remove_invisible_characters"]},
]


def test_text_dump_lines_are_repaired_and_recorded():
    decoded = decode((DECODE_CASES / MOJIBAKE_TEXT).read_bytes())
    page = (CASES / "text" / "modepilot.de.duschkopf.txt").read_text(encoding="utf-8")
    assert decoded.text == drop_invisible(page)  # the page as it was
    assert decoded.annotation()["lines_fixed"] == MOJIBAKE_TEXT_LINES  # lines of the decoded file
    assert decoded.fixes == ("encode:sloppy-windows-1252", "decode:utf-8", "encode:macroman",
                             "encode:sloppy-windows-1251", "remove_invisible_characters")
    assert ftfy.fix_and_explain(decoded.text, FTFY_CONFIG).explanation == []  # nothing left


def test_text_dump_repair_through_the_pipeline():
    doc = clean_one(DECODE_CASES, MOJIBAKE_TEXT)
    assert type(doc).__name__ == "Document", getattr(doc, "detail", None)
    assert doc.encoding["lines_fixed"] == MOJIBAKE_TEXT_LINES
    for broken in ("GesprÃ¤ch", "Austrittsm√∂glichkeiten", "GieГџrohr"):
        assert broken not in doc.text and all(broken not in r["text"] for r in doc.removed)
    assert "So gebe es auch verschiedene „Wasser-Austrittsmöglichkeiten” in so einer Dusche" in doc.text


# A real page (taz.de, a case of the HTML extractor) with two article paragraphs turned to
# mojibake in its HTML: UTF-8 read as Latin-1 and as MacRoman. An HTML page is repaired after
# extraction: its lines are those of the extracted text (paragraphs 6 and 9).
MOJIBAKE_HTML = "taz.de.siemens.mojibake.html.gz"


def test_html_lines_are_counted_in_the_extracted_text():
    decoded = decode(gzip.decompress((DECODE_CASES / MOJIBAKE_HTML).read_bytes()), html=True, fix=False)
    assert decoded.lines_fixed == () and decoded.annotation()["lines_fixed"] == []
    extracted = extract_html(decoded.text).text
    fixed = fix_lines(extracted)
    assert decoded.annotation(fixed)["lines_fixed"] == [
        {"line": 6, "fixes": ["encode:latin-1", "decode:utf-8"]},
        {"line": 9, "fixes": ["encode:macroman", "decode:utf-8"]}]
    original = gzip.decompress((CASES / "html" / "taz.de.siemens.html.gz").read_bytes())
    assert fixed.text == extract_html(original.decode("utf-8")).text


def test_html_repair_through_the_pipeline():
    doc = clean_one(DECODE_CASES, MOJIBAKE_HTML)
    assert type(doc).__name__ == "Document", getattr(doc, "detail", None)
    assert "Ein paar Konsument*innen mögen vielleicht denken" in doc.text and "mÃ¶gen" not in doc.text
    assert doc.encoding["fixes"] == ["encode:latin-1", "decode:utf-8", "encode:macroman"]


def test_the_encoding_record_matches_the_schema():
    import jsonschema

    schema = json.loads((CASES.parent.parent / "schema" / "document.schema.json").read_text())
    encoding = schema["properties"]["encoding"]
    decoded = decode((DECODE_CASES / MOJIBAKE_TEXT).read_bytes())
    jsonschema.validate(decoded.annotation(), encoding)
    jsonschema.validate(decode(TEXT.encode("utf-8")).annotation(), encoding)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(decoded.annotation() | {"lines_fixed": [{"line": 3, "fixes": []}]}, encoding)


# -- lines ftfy would leave as they are are not given to it (decode._ftfy_may_change) ------------
def _real_lines() -> list[str]:
    """Real non-ASCII lines: the text cases, the language cases (UDHR in Amharic, Urdu, Tatar, ...),
    the paragraphs above, and ftfy's own cases (mojibake and its fixes)."""
    texts = [p.read_text(encoding="utf-8") for folder in ("text", "language")
             for p in sorted((CASES / folder).glob("*.txt"))]
    texts += PARAGRAPHS.values()
    texts += [c[k] for name in FTFY_FILES
              for c in json.loads((FTFY_CASES / f"{name}.json").read_text(encoding="utf-8"))
              for k in ("original", "fixed") if k in c]
    return sorted({line for text in texts for line in text.split("\n") if not line.isascii()})


def _ftfy_leaves(line: str, config) -> bool:
    """ftfy gives the line back as it is, with no step, and fix_lines has nothing of its own to
    remove (NULs, INVISIBLE_IN_WORDS)."""
    repaired = ftfy.fix_and_explain(line, config)
    return repaired.text == line and not repaired.explanation and drop_invisible(line) == line \
        and "\x00" not in line


CONFIGS = (FTFY_CONFIG, FTFY_CONFIG._replace(unescape_html=False))


def test_only_lines_ftfy_leaves_as_they_are_skip_it():
    lines = _real_lines()
    skipped = changed = 0
    for config in CONFIGS:
        for line in lines:
            if not _ftfy_may_change(line, config):
                assert _ftfy_leaves(line, config), repr(line)
                skipped += 1
            changed += not _ftfy_leaves(line, config)
    # most real lines skip ftfy; every line ftfy repairs (ftfy's cases, twice) goes to it
    assert len(lines) > 2000 and skipped > 0.6 * len(lines) * len(CONFIGS) and changed > 200


def test_is_bad_asked_of_the_branches_a_line_can_match_is_ftfys():
    # ftfy's is_bad, computed by running only the branches of its pattern whose needed characters
    # the line holds (decode._Mojibake): the same answer on every real line
    assert _MOJIBAKE is not None and len(_MOJIBAKE.branches) > 30
    lines = _real_lines()
    assert [_MOJIBAKE.is_bad(line) for line in lines] == [ftfy.badness.is_bad(line) for line in lines]
    assert sum(map(ftfy.badness.is_bad, lines)) > 100  # ftfy's mojibake cases among them


# the characters ftfy's rules are made of, letters of other scripts, ASCII, and each kind of
# character a fixer acts on
_MIXED = st.sampled_from(
    list("ÃÂÎÐØÙàâ€œŠš¢£Ÿž®©°·»–—´ВГРСвЂΒΓΞΟβā√≈‚×²³éèüößñçåæœﬁﬀＡａ０ｶﾞ　¡¿«»“”‘’…•") +
    list("aeiostnrAB .,;:!?'\"-0123456789") + list("প্রতিনিধি ኢትዮጵያ 北京 ภาษาไทย Россия Ελλάδα") +
    ["\x85", "\x92", "\x96", "\u2028", "\r", "\x1b[0m", "&amp;", "&eacute;", "\xad", "\u200b",
     "\ufeff", "\x00", "\x07", "e\u0301", "\ud83d", "\U0001d173"])


@settings(max_examples=3000, deadline=None, derandomize=True)
@given(st.lists(_MIXED, min_size=1, max_size=12).map("".join))
def test_the_shortcut_on_generated_lines(line):
    for config in CONFIGS:
        if not _ftfy_may_change(line, config):
            assert _ftfy_leaves(line, config)
    assert _MOJIBAKE.is_bad(line) == ftfy.badness.is_bad(line)


def test_the_repair_is_the_same_without_the_shortcut(monkeypatch):
    texts = [(CASES / "text" / "modepilot.de.duschkopf.txt").read_text(encoding="utf-8"),
             decode((DECODE_CASES / MOJIBAKE_TEXT).read_bytes(), fix=False).text,
             *PARAGRAPHS.values(),
             *(p.read_text(encoding="utf-8") for p in sorted((CASES / "language").glob("*.txt")))]
    fast = [fix_lines(t) for t in texts]
    monkeypatch.setattr(decode_module, "_ftfy_may_change", lambda segment, config: True)
    assert [fix_lines(t) for t in texts] == fast
    assert any(f.lines for f in fast)  # repairs among them
