"""cleanwire.toml: every key documented and valid, flags over file over defaults, and the
settings that change outcomes (language allow-list) doing what they say."""

from __future__ import annotations

import time

import pytest

from cleaners.config import Settings, flow_parameters, load
from conftest import ROOT, ingest_plain, read_jsonl
from flows.cli import build_parser, settings_from
from flows.ingest import ingest


def test_the_shipped_file_is_valid_and_states_the_defaults():
    assert load(ROOT / "cleanwire.toml") == Settings()
    text = (ROOT / "cleanwire.toml").read_text()
    for key in Settings.model_fields:
        assert f"{key} =" in text, f"{key} is not documented in cleanwire.toml"


def test_flow_parameters_mirror_the_settings():
    import inspect

    params = set(inspect.signature(ingest.fn).parameters)
    assert set(flow_parameters(Settings())) <= params


def test_flags_override_the_file(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('[cleanwire]\nbatch_size = 8\nlanguages = ["DE", "en"]\n')
    args = build_parser().parse_args(["run", "--config", str(config), "--workers", "3"])
    settings = settings_from(args)
    assert (settings.batch_size, settings.workers, settings.languages) == (8, 3, ["de", "en"])


@pytest.mark.parametrize("bad", ['batch_size = 0', 'bacth_size = 8', 'language_policy = "drop"',
                                 'schedule = "61 * * * *"', 'schedule = "hourly"',
                                 'schedule = "H * * * *"', 'interval = 0'])
def test_invalid_settings_are_errors(tmp_path, bad):
    config = tmp_path / "c.toml"
    config.write_text(f"[cleanwire]\n{bad}\n")
    with pytest.raises(ValueError):
        load(config)


def test_language_allow_list(seeds_raw, tmp_path):
    ingest_plain(seeds_raw, tmp_path / "flag", "r1", languages=["de"], language_policy="flag")
    docs = read_jsonl(tmp_path / "flag" / "documents")
    assert len(docs) == 5 and all(d["flags"] == ["language-not-allowed"] for d in docs)
    ingest_plain(seeds_raw, tmp_path / "reject", "r1", languages=["de"], language_policy="reject")
    rejected = read_jsonl(tmp_path / "reject" / "rejected")
    assert [r["reason"] for r in rejected] == ["language-not-allowed"] * 5
    assert "en (1.00) is not in ['de']" in rejected[0]["detail"]
    ingest_plain(seeds_raw, tmp_path / "ok", "r1", languages=["en"])
    assert all(d["flags"] == [] for d in read_jsonl(tmp_path / "ok" / "documents"))


def test_a_bad_cron_stops_run_and_serve_at_once(tmp_path, capsys):
    """Checked when the settings load: one line naming the cause, exit 2, no server started."""
    from flows.cli import main

    (tmp_path / "raw").mkdir()
    config = tmp_path / "c.toml"
    config.write_text('[cleanwire]\nschedule = "0 25 * * *"\n')
    for command in ("run", "serve"):
        start = time.monotonic()
        assert main([command, "--config", str(config), "--raw", str(tmp_path / "raw")]) == 2
        err = capsys.readouterr().err
        assert "'0 25 * * *' is not a cron schedule" in err and "Traceback" not in err
        assert time.monotonic() - start < 5
