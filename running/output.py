"""Output formats of the clean folder, and reading them back.

A run always journals its records as JSON Lines in a hidden file (that is what makes it
crash-safe: see store.CleanStore); publishing turns the committed journal into the chosen format:
  jsonl      CLEAN/<kind>/<run>.jsonl        (renamed as it is)
  jsonl.zst  CLEAN/<kind>/<run>.jsonl.zst    (zstd, level 10: ~5x smaller than JSON Lines)
  parquet    CLEAN/<kind>/<run>.parquet      (the schema below; zstd-compressed columns)
Parquet columns carry the same names and nesting as the JSON records (schema/*.schema.json).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

FORMATS = ("jsonl", "jsonl.zst", "parquet")
SUFFIX = {fmt: f".{fmt}" for fmt in FORMATS}  # a run's file name: <run><suffix>
ZSTD_LEVEL = 10  # measured ~5x on documents at ~60 MB/s: publishing is not the bottleneck
PARQUET_ROW_GROUP = 10_000  # documents a row group: a few tens of MB, good for scans


def _arrow_schemas():
    import pyarrow as pa

    source = pa.struct([("path", pa.string()), ("sha256", pa.string()), ("format", pa.string()),
                        ("record", pa.int64()), ("compression", pa.string())])
    pipeline = pa.struct([("version", pa.string())])
    documents = pa.schema([
        ("id", pa.string()), ("text", pa.string()), ("title", pa.string()),
        ("author", pa.string()), ("published", pa.string()), ("url", pa.string()),
        ("site", pa.string()), ("fetched", pa.string()), ("language", pa.string()),
        ("language_score", pa.float64()),
        ("languages", pa.list_(pa.struct([("language", pa.string()), ("share", pa.float64())]))),
        ("source", source),
        ("encoding", pa.struct([("detected", pa.string()), ("method", pa.string()),
                                ("declared", pa.string()), ("fixes", pa.list_(pa.string())),
                                ("lines_fixed", pa.list_(pa.struct([
                                    ("line", pa.int64()), ("fixes", pa.list_(pa.string()))])))])),
        ("removed", pa.list_(pa.struct([("line", pa.int64()), ("text", pa.string()),
                                        ("reason", pa.string()), ("detail", pa.string())]))),
        ("stats", pa.struct([("chars", pa.int64()), ("words", pa.int64()),
                             ("lines_kept", pa.int64()), ("lines_removed", pa.int64())])),
        ("flags", pa.list_(pa.string())), ("pipeline", pipeline),
    ])
    duplicates = pa.schema([("id", pa.string()), ("duplicate_of", pa.string()),
                            ("kind", pa.string()), ("similarity", pa.float64()),
                            ("source", source)])
    rejected = pa.schema([("id", pa.string()), ("source", source), ("reason", pa.string()),
                          ("detail", pa.string()), ("pipeline", pipeline)])
    return {"documents": documents, "duplicates": duplicates, "rejected": rejected}


def publish(journal: Path, kind: str, final_stem: Path, fmt: str) -> Path:
    """Turn a committed JSON Lines journal into the published file; returns its path."""
    if fmt == "jsonl":
        final = final_stem.with_name(final_stem.name + ".jsonl")
        os.replace(journal, final)
        return final
    final = final_stem.with_name(final_stem.name + "." + fmt)
    tmp = final.with_name("." + final.name + ".tmp")
    if fmt == "jsonl.zst":
        import zstandard

        with open(journal, "rb") as src, open(tmp, "wb") as dst:
            zstandard.ZstdCompressor(level=ZSTD_LEVEL).copy_stream(src, dst)
            dst.flush()
            os.fsync(dst.fileno())
    elif fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = _arrow_schemas()[kind]
        with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
            for chunk in _chunks(journal, PARQUET_ROW_GROUP):
                writer.write_table(pa.Table.from_pylist(chunk, schema=schema))
    else:
        raise ValueError(f"unknown output format {fmt!r}; one of {FORMATS}")
    os.replace(tmp, final)
    journal.unlink()
    return final


def _chunks(journal: Path, size: int) -> Iterator[list[dict]]:
    chunk: list[dict] = []
    with open(journal, encoding="utf-8") as f:
        for line in f:
            chunk.append(json.loads(line))
            if len(chunk) >= size:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


def read_records(folder: Path) -> Iterator[dict]:
    """Every record in a clean folder's kind folder (documents, duplicates, rejected,
    superseded), whatever format each run wrote; the one reader every command uses."""
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*")):
        if not path.name.startswith(".") and path.name.endswith(tuple(SUFFIX.values())):
            yield from read_file(path)


def read_file(path: Path) -> Iterator[dict]:
    """The records of one published file, by its format."""
    if path.name.endswith(".jsonl"):
        with open(path, encoding="utf-8") as f:
            yield from (json.loads(line) for line in f)
    elif path.name.endswith(".jsonl.zst"):
        import io

        import zstandard

        with open(path, "rb") as raw:
            text = io.TextIOWrapper(zstandard.ZstdDecompressor().stream_reader(raw), "utf-8")
            yield from (json.loads(line) for line in text)
    elif path.name.endswith(".parquet"):
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches():
            yield from batch.to_pylist()
    else:
        raise ValueError(f"{path}: not a clean-folder record file ({', '.join(SUFFIX.values())})")
