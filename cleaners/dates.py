"""Dates, in one place: found in a line of page text, or parsed from a field a scraper stored.

- ``find_date(text)``: the first full date in a byline or dateline ("By Jane Doe, February 15,
  2018", "Mo, 15.02.2018 | 10:30 Uhr") as "YYYY-MM-DD"; a month and year alone ("NOVEMBER 2024")
  is not a publication date. ``DATE_ONLY`` is the pattern of a line that holds a date and nothing
  else (the boilerplate rule "dateline" in ``cleaners/data/boilerplate.json`` refers to it).
- ``parse_date(value)`` / ``parse_datetime(value)``: a record's date field as exporters write it
  (ISO 8601, "20180215", RFC 2822, "February 15, 2018", epoch seconds or milliseconds).

Why our own parsers and not htmldate / dateparser (both installed, with trafilatura): they give
other results on our data, measured on the 10,623 lines of the dev sets (trafilatura-eval and
dragnet text dumps) that a byline or dateline rule matches, and on tests/test_formats.py:
- htmldate (1.11, extensive search, range 1900-2100, each line as a one-paragraph page) agrees
  on 5,350 lines. On the 5,266 lines where we find no full date it returns January 1st of a
  year it saw: 5,206 month-and-year lines ("Oktober 2015"), Italian and Polish dates (no better:
  "Pubblicato il 19 Febbraio 2020" -> 2020-01-01) and years in user names ("By: checkmate2012").
  It reads Spanish dates as January 1st too ("Publicado el 21 de abril de 2022" -> 2022-01-01,
  5 lines) and misses "7.4.30" (2 lines). It is made for a page's HTML (meta tags, URL,
  <time>), which a text dump has lost.
- dateparser.search.search_dates agrees on 407 of the first 600 lines, at 57 ms a line against
  9 µs here: it swaps day and month ("04.05.2022" -> 2022-04-05), takes "6. April 2018" as
  2018-04-01 and a month and year as its first day. ``dateparser.parse`` (strict parsing) on the
  values of tests/test_formats.py reads "yesterday" as a date and does not read "20180215".
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime

from cleaners.regextrie import trie_alternation

__all__ = ["DATE_ONLY", "DATE_RE", "MONTHS", "find_date", "parse_date", "parse_datetime"]

# --- dates in page text (bylines, datelines) ----------------------------------------------------

# Month names. The dev set's main languages (en, de, fr, es) with their abbreviations; then, for
# pages in other languages (comment headers, archive lists and bylines hold worded dates there
# too), the full names as a date writes them: Italian, Portuguese, Dutch, Catalan, Romanian,
# Swedish, Danish, Norwegian, Indonesian, Turkish, Hungarian, and the genitive (and nominative)
# forms of Polish, Czech, Slovak, Finnish (partitive), Russian, Ukrainian and Greek ("15 lutego
# 2018", "15 февраля 2018 г."). No abbreviation of those: "set", "ago", "mag", "mac" are words.
# They are kept here as code, not in boilerplate.json: they are the vocabulary of the regexes
# below (the month alternation is built from the keys, the numbers are read back from this dict)
# and the same for every caller, a parser's grammar rather than a threshold anyone tunes.
MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
    "januar": 1, "jänner": 1, "februar": 2, "märz": 3, "mai": 5, "juni": 6, "juli": 7,
    "oktober": 10, "dezember": 12, "okt": 10, "dez": 12, "mär": 3,
    "janvier": 1, "février": 2, "mars": 3, "avril": 4, "juin": 6, "juillet": 7, "août": 8,
    "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12,
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7,
    "agosto": 8, "septiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
}
_MONTH_NAMES = {  # the other languages, January to December
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre "
          "dicembre",
    "pt": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro "
          "dezembro",
    "nl": "januari februari maart april mei juni juli augustus september oktober november "
          "december",
    "ca": "gener febrer març abril maig juny juliol agost setembre octubre novembre desembre",
    "ro": "ianuarie februarie martie aprilie mai iunie iulie august septembrie octombrie "
          "noiembrie decembrie",
    "sv": "januari februari mars april maj juni juli augusti september oktober november december",
    "da": "januar februar marts april maj juni juli august september oktober november december",
    "no": "januar februar mars april mai juni juli august september oktober november desember",
    "id": "januari februari maret april mei juni juli agustus september oktober november desember",
    "tr": "ocak şubat mart nisan mayıs haziran temmuz ağustos eylül ekim kasım aralık",
    "hu": "január február március április május június július augusztus szeptember október "
          "november december",
    "pl": "stycznia lutego marca kwietnia maja czerwca lipca sierpnia września października "
          "listopada grudnia",
    "pl-nom": "styczeń luty marzec kwiecień maj czerwiec lipiec sierpień wrzesień październik "
              "listopad grudzień",
    "cs": "ledna února března dubna května června července srpna září října listopadu prosince",
    "cs-nom": "leden únor březen duben květen červen červenec srpen září říjen listopad prosinec",
    "sk": "januára februára marca apríla mája júna júla augusta septembra októbra novembra "
          "decembra",
    "fi": "tammikuuta helmikuuta maaliskuuta huhtikuuta toukokuuta kesäkuuta heinäkuuta "
          "elokuuta syyskuuta lokakuuta marraskuuta joulukuuta",
    "fi-nom": "tammikuu helmikuu maaliskuu huhtikuu toukokuu kesäkuu heinäkuu elokuu syyskuu "
              "lokakuu marraskuu joulukuu",
    "ru": "января февраля марта апреля мая июня июля августа сентября октября ноября декабря",
    "ru-nom": "январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь",
    "uk": "січня лютого березня квітня травня червня липня серпня вересня жовтня листопада "
          "грудня",
    "uk-nom": "січень лютий березень квітень травень червень липень серпень вересень жовтень "
              "листопад грудень",
    "el": "ιανουαρίου φεβρουαρίου μαρτίου απριλίου μαΐου ιουνίου ιουλίου αυγούστου "
          "σεπτεμβρίου οκτωβρίου νοεμβρίου δεκεμβρίου",
}


def _add_month_names(names_by_language: dict[str, str]) -> None:
    for names in names_by_language.values():
        for number, name in enumerate(names.split(), 1):
            if MONTHS.setdefault(name, number) != number:  # one number per name
                raise ValueError(f"month name {name!r} has two numbers")


_add_month_names(_MONTH_NAMES)

# Weekdays, only ever before a date on a dateline ("Thursday, February 15, 2018"): English
# stems with their endings ("thu", "thurs", "thursday", "tues."), then German, French and Spanish
# names with the German two-letter abbreviations ("Mo, 15.02.2018").
WEEKDAY_STEMS_EN = ("mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun")
WEEKDAY_ENDINGS_EN = ("day", "nesday", "sday", "urday")
WEEKDAYS = (
    "montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag", "sonnabend",
    "mo", "di", "mi", "do", "fr", "sa", "so",
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
    "lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo",
)
_MON = trie_alternation(MONTHS)  # one branch tried per letter; "sept" wins over "sep"
_WEEKDAY = (f"(?:{'|'.join(WEEKDAY_STEMS_EN)})(?:{'|'.join(WEEKDAY_ENDINGS_EN)})?\\.?|"
            + "|".join(WEEKDAYS))
_DATE_CORE = (
    rf"(?P<iso>(?<!/)(?P<iy>\d{{4}})(?P<isep>[-/])(?P<im>\d{{1,2}})(?P=isep)(?P<id>\d{{1,2}})(?!/))"
    rf"|(?P<cjk>(?P<jy>\d{{4}})\s*[年년]\s*(?P<jm>\d{{1,2}})\s*[月월]\s*(?P<jd>\d{{1,2}})\s*[日일]?)"
    rf"|(?P<ymd>(?P<yy>\d{{4}})\.\s+(?P<ym>{_MON})\s+(?P<yd>\d{{1,2}})\.?)"
    rf"|(?P<num>(?P<nd>\d{{1,2}})[./](?P<nm>\d{{1,2}})[./](?P<ny>\d{{4}}|\d{{2}}))"
    rf"|(?P<mdy>(?P<am>{_MON})\.?\s+(?P<ad>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<ay>\d{{4}}))"
    rf"|(?P<dmy>(?P<bd>\d{{1,2}})(?:st|nd|rd|th|\.|º)?\s+(?:of\s+|de\s+|d['’])?(?P<bm>{_MON})\.?,?"
    rf"\s+(?:de\s+)?(?P<by>\d{{4}}))"
    rf"|(?P<my>(?P<cm>{_MON})\.?,?\s+(?P<cy>\d{{4}}))"
)
DATE_RE = re.compile(rf"(?<!\w)(?:{_DATE_CORE})(?!\w)", re.I)
_TIME = r"\d{1,2}[:.]\d{2}(?:[:.]\d{2})?\s*(?:uhr|am|pm|h|a\.m\.|p\.m\.)?"
DATE_ONLY = re.compile(
    rf"(?:(?:{_WEEKDAY}),?\s+)?(?:der\s+|den\s+|le\s+|el\s+)?(?:{_DATE_CORE})"
    rf"(?:\s*(?:,|\||-|–|um|at|@|/)?\s*{_TIME})?\s*[|·•-]?",
    re.I,
)

# A byline's date sits in its first few hundred characters; a long line is searched no further
# (a paragraph that happens to be called a byline costs nothing more).
FIND_DATE_CHARS = 400
# Plausible publication years: a 4-digit number outside them is a figure, not a year.
YEAR_MIN, YEAR_MAX = 1900, 2100
# A 2-digit year ("15.02.18") below this is 20xx, from it on 19xx.
TWO_DIGIT_PIVOT = 50


def date_of_match(m: re.Match[str]) -> str | None:
    """"YYYY-MM-DD" of a ``DATE_RE`` / ``DATE_ONLY`` match; None for a month and year alone or
    an impossible date."""
    g = m.groupdict()
    try:
        if g["iso"]:
            y, mo, d = int(g["iy"]), int(g["im"]), int(g["id"])
        elif g["cjk"]:
            y, mo, d = int(g["jy"]), int(g["jm"]), int(g["jd"])
        elif g["ymd"]:
            y, mo, d = int(g["yy"]), MONTHS[g["ym"].lower()], int(g["yd"])
        elif g["num"]:
            y, mo, d = int(g["ny"]), int(g["nm"]), int(g["nd"])
            if y < 100:
                y += 2000 if y < TWO_DIGIT_PIVOT else 1900
        elif g["mdy"]:
            y, mo, d = int(g["ay"]), MONTHS[g["am"].lower()], int(g["ad"])
        elif g["dmy"]:
            y, mo, d = int(g["by"]), MONTHS[g["bm"].lower()], int(g["bd"])
        else:
            return None  # month + year only: not a publication date
    except (KeyError, ValueError):
        return None
    if not (1 <= mo <= 12 and 1 <= d <= 31 and YEAR_MIN <= y <= YEAR_MAX):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


def find_date(text: str) -> str | None:
    """The first full date in a line of text (a byline, a dateline) as "YYYY-MM-DD", or None."""
    for m in DATE_RE.finditer(text[:FIND_DATE_CHARS]):
        iso = date_of_match(m)
        if iso:
            return iso
    return None


# --- dates in record fields (JSONL, WARC headers) -----------------------------------------------

_ISO_DATE = re.compile(r"^\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:$|[T\s_])")
_COMPACT_DATE = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})(?:$|[T\s]|\d{6}$)")  # 20180215, 20180215103000
# Written-out dates scrapers keep as they found them ("February 15, 2018", "15 Feb 2018").
_WORDY_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%B %d %Y", "%b %d %Y")
# Epoch numbers: above this they are milliseconds (1e11 s is the year 5138).
_EPOCH_MS = 10**11


def _valid(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _epoch(value: int | float) -> datetime | None:
    seconds = value / 1000 if value > _EPOCH_MS else value
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def parse_date(value) -> str | None:
    """A date or date-time as a scraper stores it -> "YYYY-MM-DD"; None when it is not one.
    The date is the one written (no time-zone shift): a page's publication day is what it says."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        when = _epoch(value)
        return when.date().isoformat() if when is not None else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if m := _ISO_DATE.match(text) or _COMPACT_DATE.match(text):
        return _valid(*map(int, m.groups()))
    try:
        return parsedate_to_datetime(text).date().isoformat()  # "Thu, 15 Feb 2018 10:00:00 GMT"
    except (TypeError, ValueError, IndexError):
        pass
    for fmt in _WORDY_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def parse_datetime(value) -> str | None:
    """A fetch time -> ISO 8601 (as given when it already is; epoch numbers in UTC); else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        when = _epoch(value)
        return when.isoformat().replace("+00:00", "Z") if when is not None else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
        return text
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text).isoformat()
    except (TypeError, ValueError, IndexError):
        return None
