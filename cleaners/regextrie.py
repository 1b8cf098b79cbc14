"""Alternations of literal strings as regex tries.

re tries the branches of an alternation one by one at every position of a line. Grouped by
their first characters ("c(?:o(?:okie|pyright)|redit)|..."), a few are tried there instead of
hundreds: the text pass's rule guards (cleaners/boilerplate/rules.py, 45% less time for that
search) and its 270 month names (cleaners/dates.py, a third of its regex time before).

Case-insensitive patterns matched against a line's lower case (``lowered``): re tests a branch's
first character before entering it only when the pattern is case-sensitive, so an IGNORECASE
alternation enters every branch at every try. Compiled without IGNORECASE for lower-case text,
the text pass's line-rule alternations run 2.5 times faster, its comment markers 1.8 times.
A lowered pattern's own alternations are made tries as well (``_trie_branches``).
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
    _trie_branches(parsed)
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
        else:
            if op is _sre.SUBPATTERN and (av[1] | av[2]) & _sre.SRE_FLAG_IGNORECASE:
                raise CaseSensitive("a part of the pattern sets its own case flag")
            for inner in _inner(op, av):
                _lower_sub(inner)
        out.append((op, av))
    sub.data = out


def _inner(op, av) -> list:
    """The subpatterns inside an item of a parsed pattern (a group's, a branch's, ...)."""
    if op is _sre.BRANCH:
        return av[1]
    if op is _sre.SUBPATTERN:
        return [av[3]]
    if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
        return [av[2]]
    if op in (_sre.ASSERT, _sre.ASSERT_NOT):
        return [av[1]]
    if op is _sre.ATOMIC_GROUP:
        return [av]
    if op is _sre.GROUPREF_EXISTS:
        return [av[1]] if av[2] is None else [av[1], av[2]]
    return []


# A lowered pattern's alternations are grouped by their branches' first characters as well:
# "share|shop|tweet" becomes "sh(?:are|op)|tweet". re tries a branch that starts with a literal
# (or a set) only when the text's character is one it can start with, but it still walks the
# branches one by one: grouped, a line's first character passes over ~25 groups instead of ~60
# words in the rules' word lists (the line-rule alternation: 4.2 -> 3.6 µs a line on the
# trafilatura-eval dumps; bench/instructions.py: 1.5% of the text pass). The matches are the
# same: branches whose first characters differ cannot both match at one position, and the
# branches of a group keep their order, so re tries the same branches in the same order there.
# A branch that starts with anything else, and first characters that overlap without being the
# same ("s" beside "[sſ]"), leave the alternation as it is.


def _first_chars(item: tuple) -> frozenset[int] | None:
    """The characters an item matches when it is a literal or a set of literals (a lowered
    letter: "s" and "ſ"); None for anything else."""
    op, av = item
    if op is _sre.LITERAL:
        return frozenset((av,))
    if op is _sre.IN and all(o is _sre.LITERAL for o, _ in av):
        return frozenset(a for _, a in av)
    return None


def _trie_branches(sub) -> None:
    """Group the alternations of a parsed (sub)pattern by first character, in place."""
    out = []
    for op, av in sub.data:
        for inner in _inner(op, av):
            _trie_branches(inner)
        if op is _sre.BRANCH:
            av = (av[0], _grouped(av[1], sub.state))
        out.append((op, av))
    sub.data = out


def _grouped(branches: list, state) -> list:
    """An alternation's branches, those with the same first item as one branch: that item,
    then the alternation of their rests, in their order (grouped again, a trie); the branches
    as they are when one does not start with a literal or a set of literals, or when two
    first items overlap without being the same."""
    keys = [_first_chars(b.data[0]) if len(b.data) else None for b in branches]
    if None in keys:
        return branches
    distinct = list(dict.fromkeys(keys))
    if len(distinct) == len(branches) or any(
            x & y for i, x in enumerate(distinct) for y in distinct[i + 1:]):
        return branches
    groups: dict[frozenset[int], list] = {}
    for branch, key in zip(branches, keys, strict=True):
        groups.setdefault(key, []).append(branch)
    out = []
    for members in groups.values():
        if len(members) == 1:
            out.append(members[0])
            continue
        rests = _grouped([_sre_parser.SubPattern(state, m.data[1:]) for m in members], state)
        # (rests that all go on with one item: that item follows, "s" "h" (are|op))
        tail = rests[0].data if len(rests) == 1 else [(_sre.BRANCH, (None, rests))]
        out.append(_sre_parser.SubPattern(state, [members[0].data[0], *tail]))
    return out
