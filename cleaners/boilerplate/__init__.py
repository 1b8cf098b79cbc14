"""Plain-text boilerplate removal: classify every line of a page-text dump as article or not.

A scraper's text dump holds every visible block of a page, one per line: menus, donation
widgets, share prompts, the article, related lists, comment sections, footers. ``clean_text``
finds the article and explains every line it drops (rule name + evidence).

How it decides (all thresholds and patterns live in ``cleaners/data/boilerplate.json``):

1. Language: given, or guessed from stop-word overlap (jusText's stop lists, ~100 languages).
   Words are the `regex` module's (its \\w keeps the combining marks of Indic and other
   scripts); scripts without spaces (CJK, Thai, Lao, Khmer, Myanmar, Tibetan) and Ethiopic word
   spaces are counted by their letters and separators.
2. Each non-blank line gets features: words, characters, stop-word density, and the first
   boilerplate pattern it matches (widgets, menus, legal lines, share prompts, ...).
   A line is *prose* when it is long enough and its stop-word density is at least a share of
   the document's own typical density (so the threshold adapts to each language's stop list).
   When the stop list does not fit the page (its typical long line has under
   ``stoplist_fit_min`` stop words: a language without a list of its own), stop words decide
   nothing, and a page without a main block keeps its long lines: real prose is never deleted
   for want of stop words.
3. Comment sections: the first comment-start marker ("Notify of", "Leave a Reply",
   "N Kommentare", ...) that follows enough prose cuts the rest of the page; so does a comment
   thread found by its headers' shape in any language (3+ short lines with a date and clock
   time or "NAME says:", each over its comment, below the article).
4. Main block: the maximum-sum contiguous run of lines, where prose lines score by length and
   short lines / boilerplate lines cost a little. Other strong prose runs are kept too.
5. The line model (two logistic regressions and a Viterbi pass over ~100 features per line)
   re-decides the lines before the comment section.
6. Inside the kept blocks only high-precision rules remove lines; fragments (editor sign-offs,
   photo credits at the end of a paragraph) are cut out of kept lines.
7. Title: a heading-like line that is repeated near the top or is the first line followed by
   longer lines. Published date: the first full date in a byline/dateline near the top.

Where each part lives:

- ``clean.py``     clean_text, the result types, the second pass (idempotence), line_features
- ``segment.py``   line scores, comment-section cut, main block, model decisions, title, byline
- ``features.py``  per-line records and the line model's features (FEATURE_NAMES)
- ``model.py``     loading line_model.json (refused if its features differ), scoring, Viterbi
- ``rules.py``     boilerplate.json compiled: line rules, fragment rules, markers, thresholds
- ``stopwords.py`` jusText's stop lists and the language guess
- dates are ``cleaners/dates.py`` (shared with the input formats)
"""

from cleaners.boilerplate.clean import (
    LineFeatures,
    Removed,
    TextCleanResult,
    clean_text,
    line_features,
)
from cleaners.boilerplate.features import FEATURE_NAMES
from cleaners.boilerplate.model import STAGE2_NAMES, LineModel, LineModelError

__all__ = ["FEATURE_NAMES", "STAGE2_NAMES", "LineFeatures", "LineModel", "LineModelError",
           "Removed", "TextCleanResult", "clean_text", "line_features"]
