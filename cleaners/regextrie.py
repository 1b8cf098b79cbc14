"""Alternations of literal strings as regex tries.

re tries the branches of an alternation one by one at every position of a line. Grouped by
their first characters ("c(?:o(?:okie|pyright)|redit)|..."), a few are tried there instead of
hundreds: the text pass's rule guards (cleaners/boilerplate/rules.py, 45% less time for that
search) and its 270 month names (cleaners/dates.py, a third of its regex time before).
"""

from __future__ import annotations

import re


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
