"""regextrie.lowered: a case-insensitive pattern run on a line's lower case, without re.I, finds
what the pattern with re.I finds on the line (the text pass's rules and markers, on every line
of the real dumps in tests/cases/text)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cleaners import regextrie
from cleaners.boilerplate.rules import rules
from cleaners.regextrie import CaseSensitive, lower_case, lowered

CASES = Path(__file__).parent / "cases" / "text"


def _lines() -> list[str]:
    out = []
    for path in sorted(CASES.glob("*.txt")):
        out += [" ".join(x.split()) for x in path.read_text(encoding="utf-8").splitlines()
                if x.strip()]
    return out


def test_the_rules_on_lower_case_match_what_they_match_with_ignorecase():
    r = rules()
    patterns = [r.comment_form.pattern, r.comment_counter.pattern, r.end_marker.pattern]
    patterns += [rule.pattern.pattern for rule in r.line_rules
                 if rule.pattern.flags & re.I and rule.reason != "author-bio"]  # (case-sensitive)
    lines = [x for x in _lines() if len(x) <= 300]
    assert len(lines) > 8_000
    matched = 0
    for pattern in patterns:
        with_i, low = re.compile(pattern, re.I), lowered(pattern)
        for line in lines:
            a, b = with_i.fullmatch(line), low.fullmatch(lower_case(line))
            assert (a is None) == (b is None), (pattern[:60], line)
            matched += a is not None
    assert matched > 500  # the real dumps' chrome: the comparison is not over non-matches only


def test_the_markers_and_rule_alternations_name_the_same_branch():
    r = rules()
    kinds = {"form": r.comment_form, "counter": r.comment_counter, "end": r.end_marker}
    seen = set()
    for line in _lines():
        if len(line) > 120:
            continue
        m = r.markers.fullmatch(lower_case(line))
        expect = next((k for k, p in kinds.items() if p.fullmatch(line)), None)
        assert (m and m.lastgroup) == expect, line
        seen.add(expect)
    assert seen == {"form", "counter", "end", None}


@pytest.mark.parametrize("pattern, text, hit", [
    (r"[A-ZÄÖÜ][a-z]+ says:", "Ärger says:", True),  # a range of capitals holds its lower case
    (r"[^A-Z]x", "ax", False),  # and a negated one leaves out both cases
    (r"[^A-Z]x", "1x", True),
    (r"(?P<name>Kommentare?)\s\d+", "kommentare 12", True),
    (r"ÉTÉ", "Été", True),
    (r"İlgili yazılar", "İlgili Yazılar", True),  # str.lower makes "İ" two characters
    (r"ilgili", "İlgili", True),
    (r"σχόλια", "ΣΧΌΛΙΑ", True),
    (r"[a-z]+ς", "ΛΌΓΟΣ".replace("ΛΌΓΟ", "logo"), True),  # a final sigma
])
def test_sets_and_literals_in_lower_case(pattern, text, hit):
    assert (lowered(pattern).fullmatch(lower_case(text)) is not None) is hit
    assert (re.compile(pattern, re.I).fullmatch(text) is not None) is hit


def test_a_pattern_with_a_case_sensitive_part_is_refused():
    with pytest.raises(CaseSensitive):
        lowered(r"about\s+(?-i:[A-Z]\w+)")  # the author box's heading: a capitalised name
    author_bio = next(i for i, x in enumerate(rules().line_rules) if x.reason == "author-bio")
    assert rules().guarded_match[author_bio][1] is False  # tried on the line as it is


def test_alternations_grouped_by_first_character_find_the_same_spans_and_groups():
    """lowered() groups an alternation's branches by their first characters (a trie): every
    group's span and the last group's name are what the pattern with re.I gives, in a search
    (the first match, of the first branch that leads to one) as in a full match."""
    from cleaners.dates import DATE_RE

    r = rules()
    patterns = [r.comment_form.pattern, r.comment_counter.pattern, r.end_marker.pattern,
                DATE_RE.pattern]
    patterns += [rule.pattern.pattern for rule in r.line_rules
                 if rule.pattern.flags & re.I and rule.reason != "author-bio"]
    lines = [x for x in _lines() if len(x) <= 120][::3]  # (re.I searches are slow: ~3,000)
    found = 0
    for pattern in patterns:
        with_i, low = re.compile(pattern, re.I), lowered(pattern)
        for line in lines:
            lower = lower_case(line)
            if len(lower) != len(line):
                continue  # ("İ": spans of the lower case are not the line's)
            for a, b in ((with_i.search(line), low.search(lower)),
                         (with_i.fullmatch(line), low.fullmatch(lower))):
                assert (a is None) == (b is None), (pattern[:60], line)
                if a is not None:
                    found += 1
                    spans = [a.span(g) for g in range(with_i.groups + 1)]
                    assert spans == [b.span(g) for g in range(low.groups + 1)], line
                    assert a.lastgroup == b.lastgroup, line
    assert found > 2_000


@pytest.mark.parametrize("pattern, text, span", [
    (r"(?:ab|abc|b)", "abc", (0, 2)),  # the first branch that matches, as written
    (r"(?:abc|ab)", "abc", (0, 3)),
    (r"(?:ab|abc)d", "abcd", (0, 4)),  # the group's second branch when the first cannot go on
    (r"(?:s|sa|x|sab)b", "sabb", (0, 3)),
    (r"(?:[sa]b|sc)", "sc", (0, 2)),  # overlapping first characters: left as they are
    (r"(?:share|shop|tweet|s)", "sh", (0, 1)),
    (r"(?:e-?mail|email us)", "email us", (0, 5)),
])
def test_grouped_branches_keep_the_order_of_the_pattern(pattern, text, span):
    assert re.compile(pattern, re.I).search(text).span() == span
    assert lowered(pattern).search(lower_case(text)).span() == span


def test_a_word_list_becomes_a_trie():
    from re import _parser

    parsed = _parser.parse("share|shop|tweet", 0)
    regextrie._trie_branches(parsed)
    # one branch per first character: "s" then "h" then (are|op), and "tweet"
    (op, (_, branches)), = parsed.data
    assert op is _parser.BRANCH and len(branches) == 2
    first = branches[0].data
    assert first[0] == (_parser.LITERAL, ord("s")) and first[1] == (_parser.LITERAL, ord("h"))
