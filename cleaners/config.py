"""cleanwire.toml: one file for every setting, validated by pydantic.

Precedence: command-line flags, then the config file, then these defaults. The flow's parameters
mirror these fields one to one (Prefect validates them with pydantic as well).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cleaners.defaults import BATCH_SIZE
from cleaners.read import MAX_DECOMPRESSED_BYTES, MAX_FILE_BYTES
from cleaners.runner import DOC_SECONDS

CONFIG_NAME = "cleanwire.toml"


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt key is an error, not a silent default

    raw: str = "raw"
    clean: str = "clean"
    # Hourly: scrapers usually drop files through the day; an unchanged folder costs a second.
    schedule: str = "0 * * * *"
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

    @field_validator("languages")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        return sorted({code.strip().lower() for code in value if code.strip()})


def load(path: str | Path | None = None) -> Settings:
    """The settings from `path`, or from ./cleanwire.toml when it exists, else the defaults."""
    if path is None:
        path = Path(CONFIG_NAME)
        if not path.exists():
            return Settings()
    with open(path, "rb") as f:
        data = tomllib.load(f)
    return Settings(**data.get("cleanwire", data))
