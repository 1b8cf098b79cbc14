"""cleanwire.toml: every key documented and valid, flags over file over defaults, and the
settings that change outcomes (language allow-list) doing what they say."""

from __future__ import annotations

import time

import pytest

from conftest import ROOT, ingest_plain, read_jsonl
from flows.cli import build_parser, settings_from
from flows.ingest import ingest
from running.settings import Settings, load


def test_the_shipped_file_is_valid_and_states_the_defaults():
    assert load(ROOT / "cleanwire.toml") == Settings()
    text = (ROOT / "cleanwire.toml").read_text()
    for key in Settings.model_fields:
        assert f"{key} =" in text, f"{key} is not documented in cleanwire.toml"


def test_the_flow_takes_the_settings_object():
    import inspect

    assert list(inspect.signature(ingest.fn).parameters) == ["settings", "reprocess"]


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


def test_the_flags_are_made_from_the_settings():
    """Each setting is a flag of exactly the commands its field names, with the field's help;
    a value given as a flag lands in the settings, converted as the field says."""
    commands = build_parser()._subparsers._group_actions[0].choices
    for name, info in Settings.model_fields.items():
        for command in ("run", "serve", "explain"):
            actions = {a.dest: a for a in commands[command]._actions}
            assert (name in actions) == (command in info.json_schema_extra["commands"]), (name, command)
            if name in actions:
                assert actions[name].help.startswith(info.description)
    args = build_parser().parse_args(["serve", "--cron", "*/5 * * * *", "--interval", "60"])
    assert (settings_from(args).schedule, settings_from(args).interval) == ("*/5 * * * *", 60.0)
    args = build_parser().parse_args(["run", "--languages", "de,EN", "--max-file-mb", "2.5"])
    assert (settings_from(args).languages, settings_from(args).max_file_bytes) == (["de", "en"], 2621440)
