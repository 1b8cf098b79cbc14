"""cleanwire.toml: one file for every setting, validated by pydantic.

Precedence: command-line flags, then the config file, then these defaults. The flow's parameters
mirror these fields one to one (Prefect validates them with pydantic as well).
"""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cleaners.defaults import BATCH_SIZE, DOC_SECONDS
from cleaners.read import MAX_DECOMPRESSED_BYTES, MAX_FILE_BYTES

CONFIG_NAME = "cleanwire.toml"
# The settings that change what an input becomes (its text, flags, verdict or duplicate
# decision). The manifest records them per input; a run with other values says which inputs
# they did not shape yet (cleanwire run --reprocess). The others only say where and how fast.
OUTPUT_SETTINGS = ("doc_seconds", "max_file_mb", "max_decompressed_mb", "languages",
                   "language_policy", "language_engine", "dedup_threshold", "jsonl_fields")


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt key is an error, not a silent default

    raw: str = "raw"
    clean: str = "clean"
    # Hourly: scrapers usually drop files through the day; an unchanged folder costs a second.
    schedule: str = "0 * * * *"
    # Seconds between scheduled runs; when set, it replaces the cron schedule.
    interval: float | None = Field(None, gt=0)
    # What a scheduled run does when the previous one is still going.
    collision: Literal["cancel", "queue"] = "cancel"
    batch_size: int = Field(BATCH_SIZE, ge=1, le=10_000)
    workers: int = Field(0, ge=0, description="0: one per core")
    lock_wait: float = Field(0.0, ge=0)
    doc_seconds: float = Field(DOC_SECONDS, gt=0)
    max_file_mb: float = Field(MAX_FILE_BYTES / 2**20, gt=0)
    max_decompressed_mb: float = Field(MAX_DECOMPRESSED_BYTES / 2**20, gt=0)
    # Empty: every language is welcome. Otherwise ISO 639-1 codes as langdetect reports them.
    languages: list[str] = Field(default_factory=list)
    # What happens to a document in another language: kept with a flag, or rejected.
    language_policy: Literal["flag", "reject"] = "flag"
    # langdetect, or fastText's bundled lid.176 model (34x faster, agrees on 95.2% of dev articles).
    language_engine: Literal["langdetect", "fasttext"] = "langdetect"
    # None: cleaners.neardup's measured default.
    dedup_threshold: float | None = Field(None, gt=0, le=1)
    # How each run's records are published: JSON Lines, zstd-compressed JSON Lines, or Parquet.
    output_format: Literal["jsonl", "jsonl.zst", "parquet"] = "jsonl"
    # JSONL exports of another shape: field names for each role, tried in order, over the
    # defaults (url/link, html/raw_html, text/body/content/article, title, date/published, site).
    jsonl_fields: dict[str, list[str]] = Field(default_factory=dict)
    # tcp://host:8786 of an existing Dask scheduler; None runs on this machine's cores.
    dask: str | None = None

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        """Checked when the settings load, by the rules Prefect applies when serving: a bad cron
        stops `run` and `serve` at once, before any server starts."""
        if not _croniter().is_valid(value) or any(f.casefold() in ("r", "h") for f in value.split()):
            raise ValueError(f"{value!r} is not a cron schedule (five fields, minute hour "
                             f"day-of-month month day-of-week, e.g. '0 * * * *' for hourly)")
        return value

    @field_validator("languages")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        return sorted({code.strip().lower() for code in value if code.strip()})


def flow_parameters(settings: Settings) -> dict:
    """The ingest flow's parameters (the same names, one to one; the schedule is serve's)."""
    return settings.model_dump(exclude={"schedule", "interval", "collision"})


def output_settings(values: dict) -> dict:
    """The OUTPUT_SETTINGS among `values` (flow parameters), normalized as Settings would, so
    that the same settings give the same record whichever way they came."""
    given = {k: values[k] for k in OUTPUT_SETTINGS if values.get(k) is not None}
    return Settings(**given).model_dump(include=set(OUTPUT_SETTINGS))


def _croniter():
    """The croniter that Prefect vendors and validates schedules with, loaded from its file so
    that checking a cron costs 0.1 s, not the 1.7 s of importing Prefect."""
    global _CRONITER
    if _CRONITER is None:
        package = importlib.util.find_spec("prefect")
        path = Path(package.submodule_search_locations[0], "_vendor", "croniter", "croniter.py")
        spec = importlib.util.spec_from_file_location("cleanwire_croniter", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _CRONITER = module.croniter
    return _CRONITER


_CRONITER = None


def load(path: str | Path | None = None) -> Settings:
    """The settings from `path`, or from ./cleanwire.toml when it exists, else the defaults."""
    if path is None:
        path = Path(CONFIG_NAME)
        if not path.exists():
            return Settings()
    with open(path, "rb") as f:
        data = tomllib.load(f)
    return Settings(**data.get("cleanwire", data))
