"""A page's publication date as htmldate's ``find_date`` finds it, in less time.

When nothing in a page's markup (URL, meta tags, JSON-LD, <time>, headings, text segments) gives
a date, htmldate's extensive search (``htmldate.core.search_page``) reads the page's HTML as one
string with a series of regexes. Seven of them begin with one character that is not a digit,
``\\D``, then a digit (``\\D([0-9]{4}[/.-][0-9]{2}[/.-][0-9]{2})\\D`` and the like): Python's
``re`` cannot skip ahead to a digit for such a pattern and tries it at every position, about
1 ms for each on a 14,000-character page. The last, ``LONG_TEXT_PATTERN`` ("March 5, 2019",
"5. März 2019"), begins with a word and is tried at every position too. On a page with no date
(every UDHR page) all of them run: 4 ms of the page's 5 ms in find_date.

Here the same function runs the same code with the same patterns, each behind a stand-in that
gives the same answers:
- a digit-led pattern's ``findall`` looks for where a match can begin with a prefilter that opens
  with a plain class of digits (which ``re`` scans for quickly): a pattern of which every match
  of the original, its leading ``\\D`` left out, is a match. At each place the prefilter matches,
  the original is tried one character earlier, in order, each match's end the next search's
  start: what ``findall``'s scan returns, for 0.2 to 0.3 ms a pattern.
- ``LONG_TEXT_PATTERN``'s ``search`` first looks for a space then a year (both of its branches
  end with one): where the rest of the string holds none, it holds no match.

htmldate's functions read these patterns as globals of its module: ``find_date`` and
``search_page`` are rebuilt from their code objects over a copy of the module's namespace in
which the patterns are the stand-ins, and ``regex_parse`` (htmldate.extractors) likewise. The
library's own functions are left as they are: trafilatura's metadata extraction, and any other
caller, runs htmldate unchanged. tests/test_pagedates.py holds the answers equal to the
originals' on real pages and generated strings, and ``find_date`` equal to htmldate's.
"""

from __future__ import annotations

import re
from types import FunctionType

import htmldate.core as _core
import htmldate.extractors as _extractors

__all__ = ["find_date"]

# The digit-led patterns of search_page and, for each, its prefilter: every match of the pattern
# at position i makes the prefilter match at i + 1 (the prefilter is the pattern less its
# leading \D, with an optional leading digit "[0-3]?[0-9]" widened to "[0-9][0-9]?" so that the
# prefilter opens with a plain class). A pattern whose text htmldate changes is left as it is.
_PREFILTERS = {
    r"\D([0-9]{4}[/.-][0-9]{2}[/.-][0-9]{2})\D":  # THREE_LOOSE_PATTERN
        r"[0-9][0-9]{3}[/.-][0-9]{2}[/.-][0-9]{2}\D",
    r"\D([0-3]?[0-9][/.-][0-1]?[0-9][/.-][0-9]{4})\D":  # SELECT_YMD_PATTERN
        r"[0-9][0-9]?[/.-][0-9][0-9]?[/.-][0-9]{4}\D",
    r"(\D19[0-9]{2}[01][0-9][0-3][0-9]\D|\D20[0-9]{2}[01][0-9][0-3][0-9]\D)":  # DATESTRINGS
        r"19[0-9]{2}[01][0-9][0-3][0-9]\D|20[0-9]{2}[01][0-9][0-3][0-9]\D",
    r"\D([0-3]?[0-9]/[0-1]?[0-9]/[0129][0-9]|[0-3][0-9]\.[01][0-9]\.[0129][0-9])\D":  # SLASHES
        r"[0-9][0-9]?[/.][0-9][0-9]?[/.][0129][0-9]\D",
    r"\D([12][0-9]{3}[/.-](?:1[0-2]|0[1-9]))\D":  # YYYYMM_PATTERN
        r"[12][0-9]{3}[/.-](?:1[0-2]|0[1-9])\D",
    r"\D([0-1]?[0-9][/.-][12][0-9]{3})\D":  # MMYYYY_PATTERN
        r"[0-9][0-9]?[/.-][12][0-9]{3}\D",
    r"(?<!w3.org)\D((?:199[0-9]|20[0-3][0-9]))\D":  # SIMPLE_PATTERN
        r"(?:199[0-9]|20[0-3][0-9])\D",
}
_DIGIT_LED = ("THREE_LOOSE_PATTERN", "SELECT_YMD_PATTERN", "DATESTRINGS_PATTERN", "SLASHES_PATTERN",
              "YYYYMM_PATTERN", "MMYYYY_PATTERN", "SIMPLE_PATTERN")


class DigitLed:
    """A stand-in for a digit-led pattern (see the module's doc): ``findall`` as the pattern's."""

    def __init__(self, pattern: re.Pattern[str], prefilter: str):
        self.original, self.prefilter = pattern, re.compile(prefilter, pattern.flags)

    def finditer(self, string: str):
        match, search = self.original.match, self.prefilter.search
        pos = 1
        while (candidate := search(string, pos)) is not None:
            found = match(string, candidate.start() - 1)
            if found is not None:
                yield found
                pos = found.end() + 1  # a match is never empty: its end is where findall goes on
            else:
                pos = candidate.start() + 1

    def findall(self, string: str) -> list:
        if self.original.groups == 1:
            return [found.group(1) or "" for found in self.finditer(string)]
        return [tuple(g or "" for g in found.groups()) for found in self.finditer(string)]

    def __getattr__(self, name: str):  # any other use (.pattern, .search): the pattern itself
        return getattr(self.original, name)


class YearLed:
    """A stand-in for LONG_TEXT_PATTERN: ``search`` as the pattern's, skipped where no space and
    year (the end of both its branches) follows ``pos``."""

    def __init__(self, pattern: re.Pattern[str]):
        self.original = pattern
        self.year = re.compile(f" {_extractors.YEAR_RE}")

    def search(self, string: str, pos: int = 0):
        if self.year.search(string, pos) is None:
            return None
        return self.original.search(string, pos)

    def __getattr__(self, name: str):
        return getattr(self.original, name)


def _year_led(pattern: re.Pattern[str]) -> bool:
    """Whether LONG_TEXT_PATTERN is two branches that each end with a space then the year (read
    from its text: the "|" outside groups, escapes and sets splits it)."""
    text, depth, cuts, i = pattern.pattern, 0, [], 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 1  # the escaped character
        elif char == "[":
            i = text.index("]", i + 2)  # a set ("]" first in it is a member)
        elif char in "()":
            depth += 1 if char == "(" else -1
        elif char == "|" and depth == 0:
            cuts.append(i)
        i += 1
    if len(cuts) != 1:
        return False
    branches = (text[:cuts[0]], text[cuts[0] + 1:])
    return all(branch.endswith(f" (?P<{name}>{_extractors.YEAR_RE})")
               for branch, name in zip(branches, ("year", "year2"), strict=True))


def _rebuilt(function: FunctionType, namespace: dict) -> FunctionType:
    """``function``'s code over ``namespace`` as its globals."""
    out = FunctionType(function.__code__, namespace, function.__name__, function.__defaults__,
                       function.__closure__)
    out.__kwdefaults__ = function.__kwdefaults__
    out.__doc__ = function.__doc__
    return out


def _build() -> tuple[FunctionType, dict[str, object]]:
    """find_date over the stand-ins, and the stand-ins by the name of the pattern they stand for."""
    standins: dict[str, object] = {}
    core, extractors = dict(vars(_core)), dict(vars(_extractors))
    for name in _DIGIT_LED:
        if (prefilter := _PREFILTERS.get(core[name].pattern)) is not None:
            standins[name] = core[name] = DigitLed(core[name], prefilter)
    by_pattern = {stand.original: stand for stand in standins.values()}
    core["THREE_COMP_PATTERNS"] = tuple(by_pattern.get(p, p) for p in _core.THREE_COMP_PATTERNS)
    if _year_led(_extractors.LONG_TEXT_PATTERN):
        standins["LONG_TEXT_PATTERN"] = extractors["LONG_TEXT_PATTERN"] = YearLed(
            _extractors.LONG_TEXT_PATTERN)
    core["regex_parse"] = _rebuilt(_extractors.regex_parse, extractors)
    core["search_page"] = _rebuilt(_core.search_page, core)
    return _rebuilt(_core.find_date, core), standins


find_date, STANDINS = _build()
