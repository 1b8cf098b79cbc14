from __future__ import annotations

import pytest

from cleaners.language import ENGINES, detect, sample
from conftest import seed_text
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
