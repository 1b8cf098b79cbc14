"""Finding raw files and reading their bytes safely.

Discovery walks the raw folder without following symlinks out of it; reading caps both the file
size and the decompressed size, so a gzip bomb costs a bounded amount of memory.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

# Formats by the name's ending, once a compression suffix is taken off.
FORMATS = {".txt": "text", ".text": "text", ".html": "html", ".htm": "html", ".xhtml": "html",
           ".jsonl": "jsonl", ".ndjson": "jsonl", ".warc": "warc"}
MULTI_RECORD = ("jsonl", "warc")  # formats whose file holds many documents
COMPRESSION_SUFFIXES = {".gz": "gzip", ".bz2": "bzip2", ".xz": "xz", ".zst": "zstd",
                        ".zstd": "zstd"}
SIDECAR_OF = (".html", ".htm", ".xhtml", ".txt")  # page.json beside page.html is its metadata

# A scraped page is rarely above a few MB; 64 MB leaves room for big dumps and stops a runaway
# file (a video saved as .html) from holding a worker's memory.
MAX_FILE_BYTES = 64 * 1024 * 1024
# The same bound after decompression: a 512 MB-of-zeros gzip stops here, after reading 64 MB.
MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024


class ReadError(ValueError):
    """A raw file that cannot be read as an input. `reason` is the rejection reason."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Limits:
    """What one input may cost, and how it is read; each a run parameter (cleanwire run
    --max-file-mb ...). Travels with every batch to the workers."""

    max_file_bytes: int = MAX_FILE_BYTES
    max_decompressed_bytes: int = MAX_DECOMPRESSED_BYTES
    # JSONL field names by role, over cleaners.formats' defaults: {"text": ["maintext"], ...}
    jsonl_fields: dict | None = None
    # cleaners.language.ENGINES: "langdetect", or "fasttext" (34x faster, 95.2% agreement)
    language_engine: str = "langdetect"


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Found:
    """One discovered raw path, relative to the raw folder. `problem` is set for inputs that are
    rejected before they are read (a symlink that leads out of the raw folder)."""

    path: str
    problem: tuple[str, str] | None = None
    size: int = 0  # bytes on disk: what batching weighs a multi-record file by


@dataclass(frozen=True)
class RawInput:
    path: str           # relative to the raw folder, with "/" separators
    data: bytes         # decompressed content
    sha256: str         # of the raw bytes as stored
    format: str         # text, html
    compression: str | None
    size: int           # the file's size and mtime when it was read, for the manifest
    mtime_ns: int


def discover(raw_root: str | os.PathLike) -> list[Found]:
    """Every regular file under raw_root, sorted; hidden files and folders skipped; symlinks
    followed only when they stay inside the raw folder."""
    root = Path(raw_root).resolve()
    found: list[Found] = []
    for folder, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        sidecars = _sidecars(filenames)
        for name in filenames:
            if name.startswith(".") or name in sidecars:
                continue
            full = Path(folder, name)
            rel = full.relative_to(root).as_posix()
            if full.is_symlink():
                target = full.resolve()
                if not target.is_relative_to(root):
                    found.append(Found(rel, ("outside-raw", f"symlink to {target}, outside the raw folder")))
                    continue
                if not target.is_file():
                    found.append(Found(rel, ("not-a-file", "symlink to something that is not a regular file")))
                    continue
            elif not full.is_file():
                continue  # sockets, fifos, devices: not scraped files
            found.append(Found(rel, size=full.stat().st_size))
        for d in dirnames:
            link = Path(folder, d)
            if link.is_symlink() and not link.resolve().is_relative_to(root):
                found.append(Found(link.relative_to(root).as_posix(),
                                   ("outside-raw", f"symlinked folder to {link.resolve()}, outside the raw folder")))
    found.sort(key=lambda f: f.path)
    return found


def _sidecars(names: list[str]) -> set[str]:
    """The names in a folder that are a page's metadata (page.json beside page.html), read with
    the page rather than as inputs of their own."""
    stems = set()
    for name in names:
        lower = name.lower()
        for suffix in COMPRESSION_SUFFIXES:
            lower = lower.removesuffix(suffix)
        for suffix in SIDECAR_OF:
            if lower.endswith(suffix):
                stems.add(name[: len(lower) - len(suffix)] + ".json")
    return stems & set(names)


def format_of(path: str) -> tuple[str | None, str | None]:
    """(format, compression) from the file name; format None when the name says nothing we read."""
    p = Path(path.lower())
    compression = COMPRESSION_SUFFIXES.get(p.suffix)
    if compression:
        p = p.with_suffix("")
    return FORMATS.get(p.suffix), compression


def read_input(raw_root: str | os.PathLike, rel: str, limits: Limits = DEFAULT_LIMITS) -> RawInput:
    max_bytes, max_decompressed = limits.max_file_bytes, limits.max_decompressed_bytes
    with open(Path(raw_root, rel), "rb") as f:
        st = os.fstat(f.fileno())
        if st.st_size > max_bytes:
            raise ReadError("too-large", f"{st.st_size} bytes, above the {max_bytes}-byte limit")
        raw = f.read(max_bytes + 1)
    from cleaners.formats import compression_of, decompress

    digest = hashlib.sha256(raw).hexdigest()
    fmt, compression = format_of(rel)
    if fmt is None:
        raise ReadError("unsupported-format", f"no reader for '{Path(rel).name}' (read: .txt, "
                        ".html, .htm, .jsonl, .ndjson, .warc, compressed or not)")
    if compression_of(raw):  # the bytes decide, not the name
        data, compression = decompress(raw, max_decompressed)
    elif compression:
        raise ReadError("corrupt-compression", f"named {compression} but the bytes are not")
    else:
        data = raw
    return RawInput(rel, data, digest, fmt, compression, st.st_size, st.st_mtime_ns)
