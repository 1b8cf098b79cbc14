"""Bytes to text: BOM, declared charset, detected charset, then ftfy.

The order of trust, and why:
1. A byte-order mark is the strongest evidence there is: it is written by the encoder itself.
2. Strict UTF-8: random legacy-encoded bytes almost never decode as valid UTF-8, so text that does
   is UTF-8 whatever a page declares (pages often declare iso-8859-1 and serve UTF-8).
3. The charset the server sent (the HTTP Content-Type of a WARC response), else the one an HTML
   page declares (meta charset / http-equiv / XML declaration), if the bytes decode with it;
   iso-8859-1 and us-ascii are read as cp1252, as browsers do (WHATWG), and the transport's
   word comes before the page's, as in browsers.
4. charset-normalizer's detection, with cp1252 preferred on a tie (the web's commonest legacy
   charset: the detector otherwise picks cp1250 for English text that has curly quotes).
Then ftfy repairs what decoding cannot: mojibake (UTF-8 that was read as cp1252 before it was
saved), C1 controls, broken HTML entities in text. It repairs each line on its own, as
`ftfy.fix_text` does, and each line's repairs are recorded (`Fixed.lines`): a scraped page often
holds one pasted line of mojibake among lines of correct accented text or curly quotes, and ftfy
asked to repair the whole text at once leaves it all as it is as soon as one correct character
elsewhere cannot be re-encoded in the charset the mojibake came from.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass

import charset_normalizer
import ftfy
import ftfy.bad_codecs  # noqa: F401  (registers "sloppy-windows-1252" for tests and callers)
import ftfy.badness
import ftfy.chardata

from cleaners.formats import COMPRESSION_MAGIC, ReadError

# Curly quotes are kept: they are the author's text, they carry meaning that straight quotes lose
# (an apostrophe and a closing single quote are different characters), and downstream tokenizers
# handle them. ftfy's default would un-curl them, so it is switched off here.
FTFY_CONFIG = ftfy.TextFixerConfig(uncurl_quotes=False, explain=True)

BOMS = (
    # UTF-32 before UTF-16: the UTF-32-LE BOM starts with the UTF-16-LE one.
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Magic numbers of binary formats scrapers save under text names by mistake.
BINARY_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png image"),
    (b"\xff\xd8\xff", "jpeg image"),
    (b"GIF87a", "gif image"),
    (b"GIF89a", "gif image"),
    (b"%PDF-", "pdf document"),
    (b"PK\x03\x04", "zip archive"),
    *((magic, f"{kind} stream") for magic, kind in COMPRESSION_MAGIC),
    (b"7z\xbc\xaf\x27\x1c", "7z archive"),
    (b"\x7fELF", "ELF executable"),
    (b"RIFF", "RIFF media"),
    (b"OggS", "ogg media"),
    (b"wOFF", "web font"),
    (b"wOF2", "web font"),
)
# Binary data without a known magic: the share of C0 control bytes (tab, LF, FF and CR are text)
# in the first BINARY_SAMPLE bytes above which the bytes are not text. Measured on the first 64 KB
# of files on this machine. Real text is at ~0: of 982 trafilatura-eval text dumps, its 990 HTML
# pages, 1,067 /usr/share/doc texts, 1,632 Python sources and 479 man pages, all but three are 0,
# the highest 0.13% (25 BEL footnote marks in a careelite.de article; the 195 KB lostiempos.com
# page with 22 stray NULs is at 0.034%). Binary data is well above: random bytes 10.9% (28 of 256
# byte values), zlib/bz2/lzma streams without their magic 8.5%+, gettext .mo 7.8%+, Python .pyc
# 2.7%+, zoneinfo 23%+, fonts 45%+; PNG, JPEG, GIF, PDF, zip, gzip 8.9%+; 2,669 ELF files with
# their header cut off 13% at the 1st percentile, 0.8% at the lowest (a scipy .so that opens with
# its symbol names: whole, its magic catches it). 1% is ~8x above the highest text and ~3x below
# the lowest binary data without a known magic (.pyc).
MAX_CONTROL_SHARE = 0.01
BINARY_SAMPLE = 65536
_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\f\r")
# A text in UTF-16 without a BOM has a NUL in every other byte; binary data has NULs anywhere.
# At least this share of one byte parity being NUL (and almost none of the other) means UTF-16.
UTF16_NUL_SHARE = 0.3
# Share of U+FFFD replacement characters above which a decode is not text but noise.
MAX_REPLACEMENT_SHARE = 0.02
# UTF-8 with a few broken bytes (a truncated or spliced page) is still UTF-8: when valid non-ASCII
# characters outnumber the broken sequences this many times, decode as UTF-8 and replace the rest.
# Legacy-encoded text read as UTF-8 has almost no valid multi-byte sequences, so this never fires.
MOSTLY_UTF8 = 10
# How far into an HTML page to look for its declared charset (the spec says 1024 bytes; real
# pages put long <head> scripts first, so look further).
DECLARED_CHARSET_WINDOW = 8192
# An ASCII-compatible single-byte guess is replaced by cp1252 when cp1252's chaos is within this.
CP1252_TIE = 0.01

_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)|<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.\-]+)""",
    re.IGNORECASE,
)
_WHATWG_ALIASES = {"iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252",
                   "us-ascii": "cp1252", "ascii": "cp1252", "iso8859-1": "cp1252"}


class DecodeError(ReadError):
    """Bytes that are not text. `reason` is the rejection reason (binary, undecodable, empty)."""


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str   # the codec used, Python's name
    method: str     # bom, utf-8, declared, detected
    declared: str | None
    # ftfy's steps that changed the text, e.g. "encode:sloppy-windows-1252", and our own removals
    # (remove_nul_bytes, remove_invisible_characters), each once, in the order they run
    fixes: tuple[str, ...]
    # each repaired line of the decoded text, (0-based line index, its steps in order); empty
    # when decode ran with fix=False (the caller repairs, and records, the text it extracts)
    lines_fixed: tuple[LineFix, ...] = ()

    def annotation(self, extracted: Fixed | None = None) -> dict:
        """The document's `encoding` record. `extracted`: the repair of the text extracted from
        an HTML page (fix_lines), whose steps join `fixes` and whose lines are `lines_fixed`.
        `lines_fixed` lists the repaired lines (empty when none was)."""
        fixes, lines = self.fixes, self.lines_fixed
        if extracted is not None:
            fixes, lines = tuple(dict.fromkeys(fixes + extracted.fixes)), extracted.lines
        return {"detected": self.encoding, "method": self.method, "declared": self.declared,
                "fixes": list(fixes),
                "lines_fixed": [{"line": n, "fixes": list(steps)} for n, steps in lines]}


def sniff_binary(data: bytes) -> str | None:
    """The name of a binary format `data` starts with, or of control-byte-laden data; None for
    text. A few stray NULs or other control bytes in a real page do not make it binary."""
    for magic, name in BINARY_MAGIC:
        if data.startswith(magic):
            return name
    share = control_share(data)
    if share > MAX_CONTROL_SHARE and _utf16_without_bom(data) is None:
        return f"binary data ({share:.1%} control bytes)"
    return None


def control_share(data: bytes) -> float:
    """The share of C0 control bytes other than tab, LF, FF and CR in the first BINARY_SAMPLE."""
    sample = data[:BINARY_SAMPLE]
    if not sample:
        return 0.0
    return (len(sample) - len(sample.translate(None, _CONTROL_BYTES))) / len(sample)


def _utf16_without_bom(data: bytes) -> str | None:
    sample = data[:65536]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    even_nul, odd_nul = even.count(0) / len(even), odd.count(0) / len(odd)
    if odd_nul >= UTF16_NUL_SHARE and even_nul < 0.05:
        return "utf-16-le"
    if even_nul >= UTF16_NUL_SHARE and odd_nul < 0.05:
        return "utf-16-be"
    return None


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML page declares in its first DECLARED_CHARSET_WINDOW bytes."""
    match = _META_CHARSET.search(data[:DECLARED_CHARSET_WINDOW])
    if not match:
        return None
    return charset_codec((match.group(1) or match.group(2)).decode("ascii", "ignore"))


def charset_codec(name: str | None) -> str | None:
    """Python's codec for a charset label (WHATWG aliases applied); None if there is none."""
    if not name:
        return None
    name = _WHATWG_ALIASES.get(name.strip().lower(), name.strip().lower())
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _detect(data: bytes) -> str | None:
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        return None
    encoding = best.encoding
    if encoding != "cp1252" and _single_byte_ascii_compatible(encoding):
        try:
            data.decode("cp1252")
        except UnicodeDecodeError:
            return encoding
        cp1252 = charset_normalizer.from_bytes(data, cp_isolation=["cp1252"]).best()
        if cp1252 is not None and cp1252.chaos <= best.chaos + CP1252_TIE:
            return "cp1252"
    return encoding


def _single_byte_ascii_compatible(encoding: str) -> bool:
    try:
        return len("é".encode(encoding)) == 1 and "a".encode(encoding) == b"a"
    except (UnicodeEncodeError, LookupError):
        return False


def to_text(data: bytes, *, html: bool = False, charset: str | None = None
            ) -> tuple[str, str, str, str | None]:
    """Decode bytes: (text, codec, method, declared charset). `charset`: what the server said
    (HTTP Content-Type), before what the page declares. Raises DecodeError."""
    for bom, name in BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(name, errors="replace"), name, "bom", None
    utf16 = _utf16_without_bom(data)
    if utf16:
        return data.decode(utf16, errors="replace"), utf16, "nul-pattern", None
    binary = sniff_binary(data)
    if binary:
        raise DecodeError("binary", f"looks like {binary}, not text")
    declared = charset_codec(charset) or (declared_charset(data) if html else None)
    try:
        return data.decode("utf-8"), "utf-8", "utf-8", declared
    except UnicodeDecodeError:
        pass
    lossy = data.decode("utf-8", errors="replace")
    broken = lossy.count("\ufffd")
    if sum(ch > "\x7f" for ch in lossy) - broken >= MOSTLY_UTF8 * broken:
        return lossy, "utf-8", "utf-8-lossy", declared
    if declared and declared != "utf-8":
        try:
            return data.decode(declared), declared, "declared", declared
        except UnicodeDecodeError:
            pass
    detected = _detect(data)
    if detected:
        return data.decode(detected, errors="replace"), detected, "detected", declared
    if broken > MAX_REPLACEMENT_SHARE * max(len(lossy), 1):
        raise DecodeError("undecodable", "no charset decodes these bytes as text")
    return lossy, "utf-8", "utf-8-lossy", declared


# Invisible characters that only break words for a renderer: the soft hyphen (German sites
# hyphenate long words with it: "Fel\xadder"), zero-width space, word joiner, and a BOM inside the
# text. Left in, "Fel\xadder" does not match "Felder" in any search, dedup or analysis. Zero-width
# (non-)joiners stay: they change how Persian, Indic scripts and emoji render.
INVISIBLE_IN_WORDS = "\u00ad\u200b\u2060\ufeff"


def drop_invisible(text: str) -> str:
    """The text without INVISIBLE_IN_WORDS (str.replace: ~50x faster than str.translate)."""
    if not text.isascii():
        for ch in INVISIBLE_IN_WORDS:
            if ch in text:
                text = text.replace(ch, "")
    return text


LineFix = tuple[int, tuple[str, ...]]


@dataclass(frozen=True)
class Fixed:
    """A text repaired line by line (fix_lines)."""

    text: str
    fixes: tuple[str, ...]        # every step that changed a line, once, in the order they run
    lines: tuple[LineFix, ...]    # each changed line: (0-based index in the input, its steps)


# A line ftfy would give back as it is, with no step, is not given to it: ftfy's fixers cost 80 us
# a line of non-Latin prose (4 ms of a UDHR page's 48 in HTML mode), where these checks cost 2 to
# 18 us.
# ftfy.fix_and_explain changes a line only when (1) ftfy.badness.is_bad finds mojibake (what its
# encoding fix asks first), or (2) the line holds a character one of its other fixers acts on
# (_FTFY_ACTS_ON: the tables and ranges of the installed ftfy: ligatures, full and half widths,
# control characters, C1 controls, line and paragraph separators, surrogates, the ESC of terminal
# escapes; "&" of an HTML entity when entities are unescaped; and fix_lines' NULs and
# INVISIBLE_IN_WORDS), or (3) the line is not in the normal form ftfy makes. is_bad is asked of
# the branches of ftfy's pattern that can match the line alone (_Mojibake): one German line in
# nine holds what a branch needs, and the branch runs on it, not the pattern's 37.
# tests/test_decode.py checks the shortcut against ftfy on real lines and generated ones.
def _char_class(codes) -> re.Pattern[str]:
    """A regex matching any one of the characters ``codes`` (code points)."""
    ranges: list[list[int]] = []
    for c in sorted(set(codes)):
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    return re.compile("[" + "".join(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "")
                                    for a, b in ranges) + "]")


class _Mojibake:
    """ftfy.badness.is_bad, asked of the branches of its BADNESS_RE a line can match: for each
    branch, the sets of non-ASCII characters it must match one of (its literals and its sets of
    literals and ranges, repeated or not, not optional, with no ASCII character in them), read
    from the pattern. A branch whose sets a line does not all hold cannot match it and is not
    run; the others are run alone. ``chars``: every character of each branch's smallest set (a
    line without one is not bad: the first, fast test); ``bits``: each character's sets, as bits;
    ``branches``: each branch's sets, as bits, and the branch compiled alone."""

    def __init__(self, chars: re.Pattern[str], bits: dict[str, int],
                 branches: tuple[tuple[int, re.Pattern[str]], ...]):
        self.chars, self.bits, self.branches = chars, bits, branches
        self.any_set = _char_class(map(ord, bits))

    def is_bad(self, line: str) -> bool:
        """ftfy.badness.is_bad(line)."""
        if self.chars.search(line) is None:
            return False
        bits, present = self.bits, 0
        for ch in set(self.any_set.findall(line)):  # the line's characters of any set
            present |= bits[ch]
        return any(need & present == need and branch.search(line) is not None
                   for need, branch in self.branches)


def _mojibake() -> _Mojibake | None:
    """ftfy's BADNESS_RE read as a _Mojibake; None (ftfy's is_bad is asked) when the pattern is
    not read: not a plain alternation, or a branch that needs no non-ASCII character."""
    try:  # the parser and compiler of the re module (Python 3.11+)
        from re import _compiler as sre_compiler
        from re import _constants as sre
        from re import _parser as sre_parser
    except ImportError:  # pragma: no cover - an interpreter without them: ftfy's is_bad is asked
        return None
    pattern = ftfy.badness.BADNESS_RE
    parsed = sre_parser.parse(pattern.pattern, pattern.flags)
    if len(parsed.data) != 1 or parsed.data[0][0] is not sre.BRANCH:
        return None
    sets: dict[frozenset[int], int] = {}  # each set's bit
    branches: list[tuple[int, re.Pattern[str]]] = []
    smallest: set[int] = set()
    for branch in parsed.data[0][1][1]:
        needs: set[frozenset[int]] = set()
        for op, av in branch:
            if op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and av[0] >= 1 and len(av[2]) == 1:
                (op, av), = av[2]  # x+ or x{n,}: one x at least
            chars: frozenset[int] | None = None
            if op is sre.LITERAL:
                chars = frozenset((av,))
            elif op is sre.IN and all(o in (sre.LITERAL, sre.RANGE) for o, _ in av):
                chars = frozenset(c for o, a in av
                                  for c in ((a,) if o is sre.LITERAL else range(a[0], a[1] + 1)))
            if chars and min(chars) >= 0x80:  # (a set with ASCII in it: held as met)
                needs.add(chars)
        if not needs:
            return None
        smallest |= min(needs, key=len)
        alone = sre_compiler.compile(sre_parser.SubPattern(parsed.state, list(branch)), pattern.flags)
        branches.append((sum(1 << sets.setdefault(n, len(sets)) for n in needs), alone))
    bits: dict[str, int] = {}
    for chars, bit in sets.items():
        for c in chars:
            bits[chr(c)] = bits.get(chr(c), 0) | 1 << bit
    return _Mojibake(_char_class(smallest), bits, tuple(branches))


_MOJIBAKE = _mojibake()
_FTFY_ACTS_ON = {*ftfy.chardata.LIGATURES, *ftfy.chardata.WIDTH_MAP, *ftfy.chardata.CONTROL_CHARS,
                 *range(0x80, 0xA0), *range(0xD800, 0xE000), *map(ord, "\r\x1b\x00\u2028\u2029"),
                 *map(ord, INVISIBLE_IN_WORDS)}
_FTFY_TRIGGER = _char_class(_FTFY_ACTS_ON)
_FTFY_TRIGGER_ENTITIES = _char_class(_FTFY_ACTS_ON | {ord("&")})


def _ftfy_may_change(segment: str, config: ftfy.TextFixerConfig) -> bool:
    """False when ftfy.fix_and_explain(segment, config), NULs and INVISIBLE_IN_WORDS removed,
    certainly gives the segment back unchanged with no step (see above). In ASCII only a
    character of _FTFY_ACTS_ON can change (C0 controls, ESC, CR, "&"): ftfy's encoding fix
    leaves ASCII as it is, and ASCII is in normal form (most English lines end here)."""
    trigger = _FTFY_TRIGGER_ENTITIES if config.unescape_html else _FTFY_TRIGGER
    if segment.isascii():
        return trigger.search(segment) is not None
    return (trigger.search(segment) is not None
            or (ftfy.badness.is_bad if _MOJIBAKE is None else _MOJIBAKE.is_bad)(segment)
            or (config.normalization is not None
                and not unicodedata.is_normalized(config.normalization, segment)))


def _step(action: str, param: str) -> str:
    return f"{action}:{param}" if action in ("encode", "decode", "transcode") else str(param)


# The order steps run in: NULs out first, then ftfy's fixers in the order ftfy applies them
# (the mojibake steps, encode:/transcode:/decode:/decode_inconsistent_utf8, as met, at the place
# of its encoding fix; the normalization, e.g. "NFC", after the rest), invisible characters last.
_STEP_ORDER = {step: rank for rank, step in enumerate((
    "remove_nul_bytes", "unescape_html", "", "fix_c1_controls", "fix_latin_ligatures",
    "fix_character_width", "uncurl_quotes", "fix_line_breaks", "fix_surrogates",
    "remove_terminal_escapes", "remove_control_chars", "NFC", "NFD", "NFKC", "NFKD",
    "remove_invisible_characters"))}


def _step_rank(step: str) -> int:
    return _STEP_ORDER.get(step, _STEP_ORDER[""])


def fix_lines(text: str) -> Fixed:
    """ftfy on each line of `text` on its own (as ftfy.fix_text cuts it: at each "\n", which
    stays with its line, and every max_decode_length characters of a longer line), with curly
    quotes kept (FTFY_CONFIG); NULs (remove_nul_bytes) and INVISIBLE_IN_WORDS
    (remove_invisible_characters) removed. Whether HTML entities are unescaped is decided for the
    whole text, as ftfy's "auto" does for what it is given: not when the text has a "<" (it is
    markup, or about markup). Lines are counted in `text`, before any repair: a repair that makes
    a lone CR, U+2028, U+2029 or NEL a line break (fix_line_breaks) splits a line in the output.
    A line that ftfy would give back as it is skips it (_ftfy_may_change)."""
    config = FTFY_CONFIG if "<" not in text else FTFY_CONFIG._replace(unescape_html=False)
    if text.isascii() and not _ftfy_may_change(text, config):
        return Fixed(text, (), ())
    pieces: list[str] = []
    lines: list[LineFix] = []
    seen: dict[str, None] = {}
    copied = pos = line = 0
    size, longest = len(text), config.max_decode_length
    while pos < size:
        end = text.find("\n", pos) + 1 or size
        end = min(end, pos + longest)
        segment = text[pos:end]
        if _ftfy_may_change(segment, config):
            steps: list[str] = []
            fixed = segment
            if "\x00" in fixed:
                fixed = fixed.replace("\x00", "")
                steps.append("remove_nul_bytes")
            repaired = ftfy.fix_and_explain(fixed, config)
            steps += (_step(action, param) for action, param in (repaired.explanation or ()))
            fixed = drop_invisible(repaired.text)
            if len(fixed) != len(repaired.text):
                steps.append("remove_invisible_characters")
            if fixed != segment:  # (ftfy can explain a round trip that changes nothing)
                pieces += (text[copied:pos], fixed)
                copied = end
                if lines and lines[-1][0] == line:  # a long line cut in pieces
                    lines[-1] = (line, lines[-1][1] + tuple(steps))
                else:
                    lines.append((line, tuple(steps)))
                seen.update(dict.fromkeys(steps))
        line += text[end - 1] == "\n"
        pos = end
    if not lines:
        return Fixed(text, (), ())
    pieces.append(text[copied:])
    return Fixed("".join(pieces), tuple(sorted(seen, key=_step_rank)), tuple(lines))


def fix_text(text: str) -> tuple[str, tuple[str, ...]]:
    """fix_lines' text and steps (each once), without the lines."""
    fixed = fix_lines(text)
    return fixed.text, fixed.fixes


def decode(data: bytes, *, html: bool = False, fix: bool = True,
           charset: str | None = None) -> Decoded:
    """Bytes to repaired text. `fix=False` leaves ftfy to the caller (HTML fixes extracted text).
    Stray NULs (a page with a few is still text, see MAX_CONTROL_SHARE) are removed here, with
    `fix` or without, and recorded as the "remove_nul_bytes" fix (with `fix`, on their lines too):
    a NUL is never content, and the text goes on to parsers, JSON and databases that are better
    off without it."""
    text, encoding, method, declared = to_text(data, html=html, charset=charset)
    fixes: tuple[str, ...] = ()
    lines: tuple[LineFix, ...] = ()
    if fix:
        fixed = fix_lines(text)  # NULs too, recorded on their lines
        text, fixes, lines = fixed.text, fixed.fixes, fixed.lines
    elif "\x00" in text:
        text = text.replace("\x00", "")
        fixes = ("remove_nul_bytes",)
    if not text.strip():
        raise DecodeError("empty", "no text in the file")
    return Decoded(text, encoding, method, declared, fixes, lines)
