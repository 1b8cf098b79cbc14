"""Alternations of literal strings as regex tries.

re tries the branches of an alternation one by one at every position of a line. Grouped by
their first characters ("c(?:o(?:okie|pyright)|redit)|..."), a few are tried there instead of
hundreds: the text pass's rule guards (cleaners/boilerplate/rules.py, 45% less time for that
search) and its 270 month names (cleaners/dates.py, a third of its regex time before).

Case-insensitive patterns matched against a line's lower case (``lowered``): re tests a branch's
first character before entering it only when the pattern is case-sensitive, so an IGNORECASE
alternation enters every branch at every try. Compiled without IGNORECASE for lower-case text,
the text pass's line-rule alternations run 2.5 times faster, its comment markers 1.8 times.
"""

from __future__ import annotations

import re

try:  # the parser and compiler of the re module (Python 3.11+)
    import _sre as _sre_c
    from re import _compiler as _sre_compiler
    from re import _constants as _sre
    from re import _parser as _sre_parser
    from re._casefix import _EXTRA_CASES
except ImportError:  # pragma: no cover - an interpreter without them: lowered() uses re.I
    _sre_compiler = _sre = _sre_parser = _sre_c = None
    _EXTRA_CASES = {}


def trie_alternation(strings, *, any_prefix: bool = False) -> str:
    """A regex matching any of ``strings`` (literals; "(?!)", which matches nothing, for none).

    By default the longest string wins where one continues another ("sept" over "sep"), so that
    a match captures the whole word. ``any_prefix``: for a search that only asks whether one of
    the strings occurs, a string that continues another is left out (the shorter is found
    first)."""
    root: dict[str, dict] = {}
    for text in strings:
        node = root
        for ch in text:
            node = node.setdefault(ch, {})
        node[""] = {}  # a string ends here

    def emit(node: dict[str, dict]) -> str:
        if any_prefix and "" in node:
            return ""  # what follows a whole string need not be matched
        alts = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(root) if root else "(?!)"


class CaseSensitive(ValueError):
    """A pattern with a case-sensitive part ("(?-i:[A-Z]...)"): it cannot run on lower case."""


def lower_case(text: str, low: str | None = None) -> str:
    """The lower case that ``lowered`` patterns match: ``text.lower()`` (``low`` if given), with
    "İ" as "i", as re.IGNORECASE reads it (str.lower makes it "i" and a combining dot)."""
    low = text.lower() if low is None else low
    return low if "\u0307" not in low else text.replace("\u0130", "i").lower()


def lowered(pattern: str) -> re.Pattern[str]:
    """``pattern``, meant for re.IGNORECASE, compiled to match a text's ``lower_case`` without it:
    each literal of the parsed pattern as re.IGNORECASE compares it (its lower case, and the
    letters re counts as the same: "σ" and "ς", "k" and the Kelvin sign), each set with the
    lower case of its letters added. The same matches as ``re.compile(pattern, re.I)`` on the
    text, group names included. Raises ``CaseSensitive`` for a pattern that turns IGNORECASE
    off in a part."""
    if _sre_parser is None:  # pragma: no cover
        return re.compile(pattern, re.I)
    parsed = _sre_parser.parse(pattern, 0)
    parsed.state.flags &= ~_sre.SRE_FLAG_IGNORECASE  # an inline (?i): the same thing
    _lower_sub(parsed)
    return _sre_compiler.compile(parsed, 0)


def _same_letters(code: int) -> list[int]:
    """The characters re.IGNORECASE matches ``code`` with in lower-case text."""
    low = _sre_c.unicode_tolower(code)
    return [low, *_EXTRA_CASES.get(low, ())]


def _lower_set(items: list) -> list:
    """A set's items and the lower case of its letters (ranges of letters included)."""
    extra: set[int] = set()
    for op, av in items:
        if op is _sre.LITERAL:
            extra.update(_same_letters(av))
        elif op is _sre.RANGE:
            lo, hi = av
            extra.update(c for x in range(lo, hi + 1) for c in _same_letters(x)
                         if not lo <= c <= hi)
    have = {av for op, av in items if op is _sre.LITERAL}
    return list(items) + [(_sre.LITERAL, c) for c in sorted(extra - have)]


def _lower_sub(sub) -> None:
    """Lower the literals and sets of a parsed (sub)pattern, in place."""
    out = []
    for op, av in sub.data:
        if op is _sre.LITERAL or op is _sre.NOT_LITERAL:
            same = _same_letters(av)
            if len(same) > 1:  # "σ": also "ς"
                set_ = [(_sre.LITERAL, c) for c in same]
                op, av = _sre.IN, set_ if op is _sre.LITERAL else [(_sre.NEGATE, None), *set_]
            else:
                av = same[0]
        elif op is _sre.IN:
            av = _lower_set(av)
        elif op is _sre.BRANCH:
            for branch in av[1]:
                _lower_sub(branch)
        elif op is _sre.SUBPATTERN:
            if (av[1] | av[2]) & _sre.SRE_FLAG_IGNORECASE:
                raise CaseSensitive("a part of the pattern sets its own case flag")
            _lower_sub(av[3])
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
            _lower_sub(av[2])
        elif op in (_sre.ASSERT, _sre.ASSERT_NOT):
            _lower_sub(av[1])
        elif op is _sre.ATOMIC_GROUP:
            _lower_sub(av)
        elif op is _sre.GROUPREF_EXISTS:
            _lower_sub(av[1])
            if av[2] is not None:
                _lower_sub(av[2])
        out.append((op, av))
    sub.data = out
