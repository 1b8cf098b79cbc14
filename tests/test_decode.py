"""Bytes to text on real seeds re-encoded the ways scrapers get them wrong."""

from __future__ import annotations

import codecs
import zlib

import pytest

from cleaners.decode import DecodeError, declared_charset, decode, sniff_binary
from conftest import seed_text

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
    (zlib.compress(b"x" * 1000) + b"\x00\x01\x00\x00\x05", "NUL bytes"),
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
