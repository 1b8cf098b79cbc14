from __future__ import annotations

from cleaners.language import detect, sample
from conftest import seed_text


def test_english_seed():
    lang, score = detect(seed_text("003"))
    assert lang == "en" and score > 0.95


def test_german_and_french():
    assert detect("Die Bundesregierung hat am Mittwoch beschlossen, die Förderung für "
                  "erneuerbare Energien deutlich auszuweiten.")[0] == "de"
    assert detect("Le gouvernement a annoncé mercredi une nouvelle aide pour les familles "
                  "les plus modestes du pays.")[0] == "fr"


def test_deterministic():
    text = "Ja ja nee. Okay, hm. " * 3  # short and ambiguous: unseeded langdetect varies here
    assert len({detect(text) for _ in range(20)}) == 1


def test_too_little_text_is_undetermined():
    assert detect("12 345 — 67") == ("und", 0.0)


def test_sample_is_bounded_and_cut_at_a_paragraph():
    text = ("word " * 60 + "\n") * 50
    part = sample(text)
    assert len(part) <= 1500 and part.endswith("word ")
