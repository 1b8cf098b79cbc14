"""Stop words: jusText's stop lists (~100 languages), and a page's language guessed by them.

A line's stop-word density (the share of its words that are function words: "the", "und", "de")
is the oldest evidence of prose (jusText). The lists are jusText's; which one applies is the
``language`` argument (a code "de", "de-AT" or a jusText name "German") or, without one, the
language whose stop words the page's long lines hold most.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from itertools import repeat
from pathlib import Path
from typing import NamedTuple

import numpy as np

# ISO 639-1 codes of the languages cleanwire's language detection reports -> jusText's list names.
LANG_CODES = {
    "en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian",
    "nl": "Dutch", "pl": "Polish", "pt": "Portuguese", "sv": "Swedish", "da": "Danish",
    "no": "Norwegian_Bokmal", "nb": "Norwegian_Bokmal", "fi": "Finnish", "cs": "Czech",
    "sk": "Slovak", "hu": "Hungarian", "ro": "Romanian", "ru": "Russian", "uk": "Ukrainian",
    "tr": "Turkish", "el": "Greek", "bg": "Bulgarian", "hr": "Croatian", "sl": "Slovenian",
    "sr": "Serbian", "ca": "Catalan", "et": "Estonian", "lv": "Latvian", "lt": "Lithuanian",
    "id": "Indonesian", "ms": "Malay", "vi": "Vietnamese", "ar": "Arabic", "fa": "Persian",
    "he": "Hebrew", "hi": "Hindi", "af": "Afrikaans", "eu": "Basque", "gl": "Galician",
}
NAME_TO_CODE = {v: k for k, v in LANG_CODES.items()}
# The sample the language is guessed from: the first tokens of the page's lines of at least
# GUESS_MIN_TOKENS words (menus are short, prose long), up to GUESS_LINE_TOKENS from a line,
# until GUESS_SAMPLE_TOKENS are collected (a few paragraphs decide; the rest would only cost).
# A page without such lines is guessed from its first GUESS_SAMPLE_TOKENS tokens, whatever they are.
GUESS_MIN_TOKENS = 6
GUESS_LINE_TOKENS = 200
GUESS_SAMPLE_TOKENS = 600


class ListIndex(NamedTuple):
    """Which stop lists each stop word is in, as arrays (for guess_language): word number w is
    in the lists numbered ``lists[starts[w]:starts[w + 1]]`` (in the order of ``names``)."""
    names: tuple[str, ...]  # the lists' names, by number
    number: dict[str, int]  # each stop word's number
    starts: np.ndarray
    lists: np.ndarray


@lru_cache(maxsize=1)
def stop_index() -> tuple[dict[str, frozenset[str]], ListIndex]:
    """All jusText stop lists: {language: words}, and for each word the languages it is a stop
    word of (ListIndex).

    The lists are read straight from jusText's package folder (the files its get_stoplist
    reads): importing jusText pulls in lxml, and the whole load then took 0.56 s per process
    against 0.1 s this way, paid once by every worker."""
    lists: dict[str, frozenset[str]] = {}
    try:
        from importlib.util import find_spec

        spec = find_spec("justext")
        folder = Path(spec.origin).parent / "stoplists" if spec and spec.origin else None
        if folder is not None and folder.is_dir():
            for path in sorted(folder.glob("*.txt")):
                lists[path.stem] = frozenset(path.read_text(encoding="utf-8").lower().split())
    except Exception:  # noqa: BLE001 - unreadable: fall back to jusText's own loader below
        lists = {}
    if not lists:
        try:
            import justext

            lists = {name: frozenset(justext.get_stoplist(name))
                     for name in justext.get_stoplists()}
        except Exception:  # justext missing or broken: no stop words (density 0 → length)
            lists = {}
    index: dict[str, list[int]] = {}
    for k, words in enumerate(lists.values()):
        for w in words:
            langs = index.get(w)
            if langs is None:
                index[w] = [k]
            else:
                langs.append(k)
    sizes = np.fromiter(map(len, index.values()), np.int64, len(index))
    starts = np.zeros(len(index) + 1, np.int64)
    np.cumsum(sizes, out=starts[1:])
    flat = np.fromiter((k for ks in index.values() for k in ks), np.int64, int(starts[-1]))
    return lists, ListIndex(tuple(lists), {w: n for n, w in enumerate(index)}, starts, flat)


def resolve_language(language: str | None) -> str | None:
    """The jusText list name for a language code or name ("de", "de-AT", "German"); None when
    there is no such list."""
    if not language:
        return None
    lists, _ = stop_index()
    if language in lists:
        return language
    name = LANG_CODES.get(language.lower().split("-")[0].split("_")[0])
    if name in lists:
        return name
    cap = language.capitalize()
    return cap if cap in lists else None


def guess_language(tokens_per_line: list[list[str]]) -> str | None:
    """The stop list that covers most of the sample (see GUESS_*) of the lines' lower-case
    tokens; English wins a tie. None when no token is a stop word of any list."""
    sample: list[str] = []
    for toks in tokens_per_line:
        if len(toks) >= GUESS_MIN_TOKENS:
            sample.extend(toks[:GUESS_LINE_TOKENS])
        if len(sample) > GUESS_SAMPLE_TOKENS:
            break
    tokens = sample or [t for ts in tokens_per_line for t in ts][:GUESS_SAMPLE_TOKENS]
    _, index = stop_index()
    # each distinct token once, in the order it first occurs, with its count; the lists of the
    # stop words among them, in that order (a token's lists in their order), each list with
    # the tokens' count added: numpy over the index's arrays, where a Python loop over the
    # (token, list) pairs (common words are in dozens of lists) cost 3% of the text pass
    distinct = Counter(tokens)
    get = index.number.get
    numbers = np.fromiter(map(get, distinct, repeat(-1)), np.int64, len(distinct))
    found = numbers >= 0
    if not found.any():
        return None
    numbers = numbers[found]
    counts = np.fromiter(distinct.values(), np.int64, len(distinct))[found]
    first = index.starts[numbers]
    sizes = index.starts[numbers + 1] - first
    at = np.repeat(first - (np.cumsum(sizes) - sizes), sizes) + np.arange(int(sizes.sum()))
    met = index.lists[at]  # the lists in the order they are met
    per_list = np.bincount(met, weights=np.repeat(counts, sizes), minlength=len(index.names))
    best = np.flatnonzero(per_list == per_list.max())
    if len(best) > 1:  # a tie: English if it is one of them, else the list met first
        if "English" in (index.names[k] for k in best.tolist()):
            return "English"
        return index.names[int(met[np.argmax(np.isin(met, best))])]
    return index.names[int(best[0])]
