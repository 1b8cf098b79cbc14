"""Finding raw files and reading their bytes safely: the running layer's only reader of raw/.

Discovery walks the raw folder without following symlinks out of it; reading caps both the file
size and the decompressed size, so a gzip bomb costs a bounded amount of memory. What the bytes
are (format, compression, records) is cleaners.formats' business.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cleaners.formats import (
    FORMATS,
    MAX_DECOMPRESSED_BYTES,
    MAX_SIDECAR_BYTES,
    RawInput,
    ReadError,
    compression_of,
    decompress,
    format_of,
    parse_sidecar,
    sidecar_name,
)

# A scraped page is rarely above a few MB; 64 MB leaves room for big dumps and stops a runaway
# file (a video saved as .html) from holding a worker's memory.
MAX_FILE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Found:
    """One discovered raw path, relative to the raw folder. `problem` is set for inputs that are
    rejected before they are read (a symlink that leads out of the raw folder)."""

    path: str
    problem: tuple[str, str] | None = None
    size: int = 0  # bytes on disk: what batching weighs a multi-record file by


def discover(raw_root: str | os.PathLike) -> list[Found]:
    """Every regular file under raw_root, sorted; hidden files and folders skipped; symlinks
    followed only when they stay inside the raw folder; a page's sidecar (page.json beside
    page.html) is read with its page, not as an input of its own."""
    root = Path(raw_root).resolve()
    found: list[Found] = []
    for folder, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        sidecars = {sidecar_name(name) for name in filenames} & set(filenames)
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


def read_input(raw_root: str | os.PathLike, rel: str, max_file_bytes: int = MAX_FILE_BYTES,
               max_decompressed_bytes: int = MAX_DECOMPRESSED_BYTES) -> RawInput:
    """The file's bytes, decompressed when they are compressed (the bytes decide, not the name).
    Raises ReadError (too-large, unsupported-format, corrupt-compression) or OSError."""
    with open(Path(raw_root, rel), "rb") as f:
        st = os.fstat(f.fileno())
        if st.st_size > max_file_bytes:
            raise ReadError("too-large", f"{st.st_size} bytes, above the {max_file_bytes}-byte limit")
        raw = f.read(max_file_bytes + 1)
    digest = hashlib.sha256(raw).hexdigest()
    fmt, compression = format_of(rel)
    if fmt is None:
        raise ReadError("unsupported-format", f"no reader for '{Path(rel).name}' (read: "
                        f"{', '.join(FORMATS)}, compressed or not)")
    if compression_of(raw):
        data, compression = decompress(raw, max_decompressed_bytes)
    elif compression:
        raise ReadError("corrupt-compression", f"named {compression} but the bytes are not")
    else:
        data = raw
    return RawInput(rel, data, digest, fmt, compression, st.st_size, st.st_mtime_ns)


def read_sidecar(raw_root: str | os.PathLike, rel: str) -> dict | None:
    """The metadata saved beside a page (cleaners.formats.parse_sidecar), or None when there is
    none or it cannot be read. Never raises."""
    name = sidecar_name(Path(rel).name)
    if name is None:
        return None
    try:
        with open(Path(raw_root, rel).with_name(name), "rb") as f:
            raw = f.read(MAX_SIDECAR_BYTES + 1)
    except OSError:
        return None
    return None if len(raw) > MAX_SIDECAR_BYTES else parse_sidecar(raw)
