from __future__ import annotations

import json
import re
import shutil

import pytest

from cleaners.language import (
    ENGINES,
    MIXED_FLAG,
    MIXED_SHARE,
    UNDETERMINED,
    detect,
    identify,
    langdetect_languages,
    sample,
)
from conftest import CASES, clean_one, seed_text
from flows.cli import main
from running.inputs import discover
from running.settings import Settings
from running.work import clean_batch


@pytest.mark.parametrize("engine", ENGINES)
def test_english_seed(engine):
    lang, score = detect(seed_text("003"), engine)
    assert lang == "en" and score > 0.95


@pytest.mark.parametrize("engine", ENGINES)
def test_german_and_french(engine):
    assert detect("Die Bundesregierung hat am Mittwoch beschlossen, die Förderung für "
                  "erneuerbare Energien deutlich auszuweiten.", engine)[0] == "de"
    assert detect("Le gouvernement a annoncé mercredi une nouvelle aide pour les familles "
                  "les plus modestes du pays.", engine)[0] == "fr"


def test_fasttext_reads_all_lines_of_the_sample():
    """fastText predicts one line; the sample's paragraphs are joined, not cut at the first."""
    text = "Menu\n" + "Die Bundesregierung hat am Mittwoch beschlossen, die Förderung auszuweiten. " * 3
    assert detect(text, "fasttext")[0] == "de"


def test_the_run_setting_reaches_the_workers_code(seeds_raw):
    """Settings.language_engine picks the engine for every page of a batch; the seeds are
    English either way, and fastText's score differs from langdetect's."""
    found = discover(seeds_raw)
    scores = {}
    for engine in ENGINES:
        results = [r for o in clean_batch(str(seeds_raw), found, Settings(language_engine=engine))
                   for r in o.results]
        assert {r.language for r in results} == {"en"}
        scores[engine] = [r.language_score for r in results]
    assert scores["langdetect"] != scores["fasttext"]
    assert scores["fasttext"] == [detect(r.text, "fasttext")[1] for r in results]


def test_deterministic():
    text = "Ja ja nee. Okay, hm. " * 3  # short and ambiguous: unseeded langdetect varies here
    assert len({detect(text) for _ in range(20)}) == 1


def test_too_little_text_is_undetermined():
    assert detect("12 345 — 67") == ("und", 0.0)


def test_sample_is_bounded_and_cut_at_a_paragraph():
    text = ("word " * 60 + "\n") * 50
    part = sample(text)
    assert len(part) <= 1500 and part.endswith("word ")


# -- per paragraph, and languages outside langdetect's profiles (issue 15) ---------------------
LANGUAGE = CASES / "language"


def paragraphs(name: str) -> list[str]:
    return (LANGUAGE / name).read_text(encoding="utf-8").splitlines()


def shares(found) -> dict[str, float]:
    return dict(found.languages)


@pytest.mark.parametrize(("name", "main", "second"), [
    # a German blog post quoting an English book description
    ("derpapierplanet.de.juni.txt", "de", "en"),
    # an English question and answers about German grammar, with German examples
    ("german.stackexchange.com.ausgeraubt.txt", "en", "de"),
])
def test_a_mixed_english_german_page_is_flagged(name, main, second):
    found = identify(paragraphs(name))
    assert found.language == main and found.mixed
    assert shares(found)[second] >= MIXED_SHARE
    assert abs(sum(shares(found).values()) - 1) < 0.01


@pytest.mark.parametrize(("name", "main"), [
    # German prose naming English campaigns ("Stop Killer Robots", "Escape the Scan"), with two
    # HTML forms left in the text: code, which fastText alone reads as English (0.54)
    ("amnesty.de-waffensysteme.txt", "de"),
    ("udhr_eng.txt", "en"),
    ("udhr_deu_1996.txt", "de"),
])
def test_a_one_language_page_is_not_flagged(name, main):
    found = identify(paragraphs(name))
    assert found.language == main and not found.mixed
    real = [code for code, _ in found.languages if code != "und"]
    assert real[0] == main


def test_real_mixes_of_two_texts_are_flagged_from_a_real_share():
    english, german = paragraphs("udhr_eng.txt"), paragraphs("udhr_deu_1996.txt")
    found = identify(english + german[2:5])  # three German paragraphs: a quarter of the letters
    assert found.language == "en" and found.mixed and shares(found)["de"] > 0.2
    found = identify(english + german[8:9])  # one short paragraph: 6% of the letters
    assert found.language == "en" and not found.mixed and 0 < shares(found)["de"] < MIXED_SHARE


def test_flag_and_shares_reach_the_document_record(tmp_path):
    """Through the workers' code: the text pass keeps the page, detection flags it."""
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(LANGUAGE / "derpapierplanet.de.juni.txt", raw / "mixed.txt")
    shutil.copy(LANGUAGE / "udhr_eng.txt", raw / "english.txt")
    mixed, english = clean_one(raw, "mixed.txt"), clean_one(raw, "english.txt")
    assert MIXED_FLAG in mixed.flags and MIXED_FLAG not in english.flags
    record = mixed.to_record()
    assert record["language"] == "de"
    assert [entry["language"] for entry in record["languages"]][:2] == ["de", "en"]
    assert english.to_record()["languages"][0] == {"language": "en", "share": english.languages[0][1]}


def test_urdu_is_not_read_as_english():
    found = identify(paragraphs("udhr_urd.txt"))
    assert (found.language, found.mixed) == ("ur", False)
    for paragraph in paragraphs("udhr_urd.txt"):
        assert detect(paragraph)[0] in ("ur", UNDETERMINED)


@pytest.mark.parametrize(("name", "truth"), [
    ("udhr_amh.txt", "am"),   # Amharic, old-style: words separated by the Ethiopic wordspace ፡
    ("udhr_tat.txt", "tt"),   # Tatar, in Cyrillic: not Russian
    ("udhr_ceb.txt", "ceb"),  # Cebuano: no ISO 639-1 code
])
def test_a_language_outside_langdetects_profiles_is_labelled_by_fasttext(name, truth):
    assert truth not in langdetect_languages()
    for engine in ENGINES:
        assert detect("\n".join(paragraphs(name)), engine)[0] == truth


@pytest.mark.parametrize(("name", "truth"), [
    ("udhr_som.txt", "so"),  # Somali: langdetect knows it, lid.176's small model does not
    ("udhr_zul.txt", "zu"),  # Zulu: neither reads it with confidence
])
def test_a_language_the_models_do_not_read_is_right_or_undetermined(name, truth):
    for engine in ENGINES:
        for text in ["\n".join(paragraphs(name)), *paragraphs(name)]:
            assert detect(text, engine)[0] in (truth, UNDETERMINED)


def test_too_short_texts_are_undetermined():
    assert identify(["Artikel 1"]).language == UNDETERMINED
    assert identify(["Menu", "Home", "12 345"]).languages[0][0] == UNDETERMINED
    assert identify([]).languages == ()


def test_identify_is_deterministic():
    text = paragraphs("german.stackexchange.com.ausgeraubt.txt")
    assert len({identify(text) for _ in range(5)}) == 1


def test_explain_shows_each_paragraphs_language(tmp_path, capsys):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(LANGUAGE / "derpapierplanet.de.juni.txt", raw / "page.txt")
    args = ["explain", str(raw / "page.txt"), "--raw", str(raw), "--clean", str(tmp_path / "clean")]
    assert main(args) == 0
    out = capsys.readouterr().out.splitlines()
    assert any(line.startswith("  ") and "Adele Le Moyne" in line
               and re.search(r"  \[en 0\.\d\d\]$", line) for line in out)
    assert any(line.startswith("  ") and line.endswith("]") and "[de " in line for line in out)
    assert any(line.startswith("# languages (share of the letters): de 0.81, en 0.19")
               and "flags: mixed-language" in line for line in out)
    assert main([*args, "--json"]) == 0
    (explained,) = json.loads(capsys.readouterr().out)
    labels = explained["paragraph_languages"]
    assert len(labels) == len(explained["text"].split("\n"))
    assert {entry["language"] for entry in labels} >= {"de", "en"}
