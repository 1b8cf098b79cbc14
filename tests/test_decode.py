"""Bytes to text on real seeds re-encoded the ways scrapers get them wrong."""

from __future__ import annotations

import codecs
import gzip
import random
import zlib

import pytest

from cleaners.decode import (
    MAX_CONTROL_SHARE,
    DecodeError,
    control_share,
    declared_charset,
    decode,
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
