"""Every setting of cleanwire, declared once: here.

`Settings` is the one object a run takes (`ingest(Settings(...))`, `run_ingest(settings)`), the
workers get (their limits, time budget and language engine), and `cleanwire.toml` holds. The
command-line flags of `run`, `serve` and `explain` are made from these fields (flows/cli.py,
`add_flags`), and tests/test_config.py checks that cleanwire.toml documents each field with its
default: a new setting is one field here, with its reason, and one paragraph in the toml.

Precedence: command-line flags, then the config file, then these defaults.
"""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cleaners.formats import MAX_DECOMPRESSED_BYTES
from running.defaults import BATCH_SIZE, DOC_SECONDS
from running.inputs import MAX_FILE_BYTES

CONFIG_NAME = "cleanwire.toml"
# The settings that change what an input becomes (its text, flags, verdict or duplicate
# decision). The manifest records them per input; a run with other values says which inputs
# they did not shape yet (cleanwire run --reprocess). The others only say where and how fast.
OUTPUT_SETTINGS = ("doc_seconds", "max_file_mb", "max_decompressed_mb", "languages",
                   "language_policy", "language_engine", "dedup_threshold", "jsonl_fields")
RUN, SERVE, EXPLAIN = "run", "serve", "explain"


def setting(default, help: str, *, commands=(RUN,), flag: str | None = None,
            aliases: tuple[str, ...] = (), **constraints):
    """A field with its command-line help, the commands that take it as a flag (none: only
    cleanwire.toml sets it) and its flag's name when it is not the field's (--cron)."""
    extra = {"commands": list(commands), "flag": flag, "aliases": list(aliases)}
    if callable(default):
        return Field(default_factory=default, description=help, json_schema_extra=extra,
                     **constraints)
    return Field(default, description=help, json_schema_extra=extra, **constraints)


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)  # a misspelt key is an error

    raw: str = setting("raw", "folder of raw scraped files", commands=(RUN, SERVE, EXPLAIN))
    clean: str = setting("clean", "output folder", commands=(RUN, SERVE, EXPLAIN))
    # Hourly: scrapers usually drop files through the day; an unchanged folder costs a second.
    schedule: str = setting("0 * * * *", "cron schedule of the runs (UTC)", commands=(SERVE,),
                            flag="--cron")
    interval: float | None = setting(None, "run every SECONDS instead of on the cron schedule",
                                     commands=(SERVE,), gt=0)
    collision: Literal["cancel", "queue"] = setting(
        "cancel", "a run due while one runs is cancelled or queued", commands=(SERVE,))
    batch_size: int = setting(BATCH_SIZE, "inputs per Prefect task, at most", ge=1, le=10_000)
    workers: int = setting(0, "worker processes (0: one per core)", ge=0)
    lock_wait: float = setting(0.0, "seconds to wait for another run on the same clean folder "
                               "(0: exit 3 at once)", aliases=("--wait",), ge=0)
    doc_seconds: float = setting(DOC_SECONDS, "time budget per document, then it is rejected "
                                 "as timeout", gt=0)
    max_file_mb: float = setting(MAX_FILE_BYTES / 2**20, "larger raw pages are rejected as "
                                 "too-large (a JSONL/WARC file has no such limit)", gt=0)
    max_decompressed_mb: float = setting(MAX_DECOMPRESSED_BYTES / 2**20, "decompression stops "
                                         "and rejects past this size (a JSONL/WARC file: each "
                                         "record)", gt=0)
    # Empty: every language is welcome. Otherwise ISO 639-1 codes as langdetect reports them.
    languages: list[str] = setting(list, "comma-separated ISO 639-1 codes to allow (empty: all)")
    language_policy: Literal["flag", "reject"] = setting(
        "flag", "documents in other languages are flagged or rejected")
    # langdetect, or fastText's bundled lid.176 model alone (2.4x faster per document with the per-paragraph
    # detection both do: 2.2 against 5.35 ms; the same label on 987 of 988 dev articles).
    language_engine: Literal["langdetect", "fasttext"] = setting(
        "langdetect", "language identifier: langdetect, or fastText's bundled model alone")
    # None: cleaners.neardup's measured default.
    dedup_threshold: float | None = setting(None, "near-duplicate Jaccard threshold", gt=0, le=1)
    output_format: Literal["jsonl", "jsonl.zst", "parquet"] = setting(
        "jsonl", "how records are published in the clean folder")
    # JSONL exports of another shape: field names for each role, tried in order, over the
    # defaults (url/link, html/raw_html, text/body/content/article, title, date/published, site).
    jsonl_fields: dict[str, list[str]] = setting(dict, "JSONL field names by role", commands=())
    dask: str | None = setting(None, "tcp://host:port of a Dask scheduler to run the batches on",
                               commands=(RUN, SERVE))

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 2**20)

    @property
    def max_decompressed_bytes(self) -> int:
        return int(self.max_decompressed_mb * 2**20)

    def worker_key(self) -> str:
        """What the workers' behaviour depends on: two runs with the same key can share a pool."""
        return self.model_dump_json(include={"workers", "doc_seconds", "max_file_mb",
                                             "max_decompressed_mb", "language_engine",
                                             "jsonl_fields"})

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


def output_settings(settings: Settings) -> dict:
    """The OUTPUT_SETTINGS of `settings`, as the manifest records them."""
    return settings.model_dump(include=set(OUTPUT_SETTINGS))


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
