"""Near-duplicate detection: MinHash signatures and the parameters of their banded LSH index.

News is scraped again and again: the same article from two mirrors with other widgets, as HTML
and as a text dump, re-encoded, with an update line added, syndicated. Two *different* articles
about the same event (tests/cases/seeds 001 and 003 share quotes and facts) must stay two.

* ``signature(text)`` — per document, in worker processes: word shingles of the text as
  ``cleaners.document.normalized_for_hash`` sees it, MinHashed. Deterministic across processes,
  runs and machines (rensa hashes with fixed seeds; no Python ``hash()``).
* ``similarity(a, b)`` — estimated Jaccard similarity of the two shingle sets.
* ``running.nearindex.NearDupIndex(db).match_and_add(items)`` — in the flow process, in commit order: LSH band keys
  in a SQLite table find candidates, the stored signatures confirm them (estimated Jaccard >=
  THRESHOLD). The index lives in SQLite only: memory stays bounded whatever its size.

Short texts: a text with fewer than SHINGLE_WORDS words is shingled as one shingle (the whole
normalized text), so it matches only a text that is the same after normalization (an exact
duplicate, which the exact-hash index catches first anyway). An empty text is the one shingle "".
"""

from __future__ import annotations

import hashlib
import sys
from array import array

from rensa import RMinHash

from cleaners.document import normalized_for_hash

__all__ = ["BANDS", "NUM_PERM", "ROWS", "SHINGLE_WORDS", "SIGNATURE_SCHEME", "THRESHOLD",
           "band_keys", "signature", "signature_values", "similarity"]

# -- parameters (data, each with why; figures from bench/dedup.py on this machine) -------------
# Hashing: rensa 0.5.0 (Rust MinHash, ALGORITHM_VERSION 2). Measured on a 5 KB, 800-word article
# (128 permutations, 5-word shingles, one core): rensa 0.40 ms a document, of which ~0.37 ms is
# normalization + building the shingle strings in Python; numpy + xxhash (64-bit multiply-shift,
# chunked) 0.54 ms; datasketch 2.0.0 1.20 ms. rensa is the fastest and has no dependencies.
# The signature format is tied to rensa's algorithm: SIGNATURE_SCHEME is stored in the index, and
# tests/test_neardup.py pins a known signature, so an upgrade that changes the hashing fails loudly
# instead of silently matching nothing.
_RENSA_SEED = 20240105  # fixed: signatures must be comparable across runs forever
SIGNATURE_SCHEME = f"rensa-rminhash-v{RMinHash.ALGORITHM_VERSION}-seed{_RENSA_SEED}-w5-p128-u16"

# 5-word shingles: long enough that shared quotes and stock phrases between two different reports
# of one event (seeds 001/003: estimated Jaccard ~0.02) stay far below the threshold, short enough
# that one edited word breaks only 5 shingles. 3-word shingles raise same-topic negatives.
SHINGLE_WORDS = 5

# 128 permutations: the standard error of the Jaccard estimate is sqrt(J(1-J)/128), 0.044 at
# J = 0.5; with 64 it is 0.0625 and borderline pairs flip. Costs nothing measurable with rensa.
NUM_PERM = 128

# Each MinHash value is kept as its low 16 bits (b-bit MinHash, b = 16): a 256-byte signature
# instead of 512 (1M documents: 256 MB of signatures in the index, not 512 MB). Two different
# minima collide on 16 bits with probability 2^-16, which biases the estimate by < 0.00002.
_VALUE_BITS = 16

# Estimated Jaccard at or above which two documents are one. Measured on the labeled set of
# bench/dedup.py (which prints these figures; see its docstring for the kinds of pairs)
# ( 2422 positive pairs from 300 dev pages + the seeds; medians): other
# boilerplate 1.0, update line 0.98, syndication 0.98, re-encoding 1.0, one paragraph added 0.88 or
# cut 0.95, same page as HTML vs text dump 0.88. The misses' tail (down to 0.0) is where the two
# cleanings took different parts of the page or a charset was misdetected: no threshold saves
# those. Negatives: seeds 001 vs 003 0.008; same-site dev pages <= 0.06; among all 968 distinct
# dev pages no pair reaches 0.5 except one press release retold in indirect speech (~0.5, a real
# syndication). Sweep: recall 0.987 at 0.4, 0.980 at 0.5, 0.961 at 0.6, 0.893 at 0.8, with no
# false positive anywhere in 0.2..0.8. 0.5 sits in that gap, far above every negative (<= 0.06),
# where recall has not yet started to fall; the banding finds 87% of pairs at 0.5, 99% at 0.6.
THRESHOLD = 0.5

# LSH banding: BANDS x ROWS = NUM_PERM. A pair of Jaccard s shares at least one band (becomes a
# candidate) with probability 1 - (1 - s^ROWS)^BANDS. With 32 x 4: 0.003 at s=0.1, 0.23 at 0.3,
# 0.87 at 0.5, 0.95 at 0.55, 0.99 at 0.6, 1.0 at 0.7; the S-curve's midpoint (1/32)^(1/4) = 0.42
# lies below THRESHOLD, so pairs above it are found, and the stored signature then decides at
# THRESHOLD exactly (precision). 16 x 8 would find only 6% of pairs at 0.5 (midpoint 0.71);
# 64 x 2 makes half of all pairs at s=0.1 candidates and doubles the band rows. Cost: 32 band
# rows a document in SQLite.
BANDS = 32
ROWS = NUM_PERM // BANDS

_MASK = (1 << _VALUE_BITS) - 1
_KEY_BITS = 48  # band keys: 6-byte SQLite integers; 1M docs x 32 bands -> ~1e-7 false-candidate rate


# -- signatures ---------------------------------------------------------------------------------
def _shingles(text: str) -> list[str]:
    words = normalized_for_hash(text).split()
    k = SHINGLE_WORDS
    if len(words) < k:
        return [" ".join(words)]  # short text: the whole text is the one shingle
    return [" ".join(words[i:i + k]) for i in range(len(words) - k + 1)]


def signature(text: str) -> bytes:
    """MinHash signature of the clean text: NUM_PERM values, 16 bits each, little-endian."""
    m = RMinHash(num_perm=NUM_PERM, seed=_RENSA_SEED)
    m.update(_shingles(text))
    sig = array("H", [v & _MASK for v in m.digest()])
    if sig.itemsize != 2:  # pragma: no cover - every CPython platform has 2-byte "H"
        raise RuntimeError("array('H') is not 16-bit here")
    return _le(sig).tobytes()


def _le(a: array) -> array:
    if sys.byteorder != "little":  # pragma: no cover
        a.byteswap()
    return a


def signature_values(sig: bytes) -> array:
    """The NUM_PERM 16-bit values of a signature (ValueError if it is not one of ours)."""
    if len(sig) != 2 * NUM_PERM:
        raise ValueError(f"not a {SIGNATURE_SCHEME} signature: {len(sig)} bytes")
    return _le(array("H", sig))


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity: the share of permutations whose minima agree."""
    va, vb = signature_values(a), signature_values(b)
    return sum(x == y for x, y in zip(va, vb, strict=True)) / NUM_PERM


def band_keys(sig: bytes) -> list[int]:
    """The BANDS LSH keys of a signature: 48-bit hashes of (band number, band bytes)."""
    signature_values(sig)
    width = 2 * ROWS
    return [int.from_bytes(hashlib.blake2b(sig[i * width:(i + 1) * width], digest_size=6,
                                           salt=i.to_bytes(16, "little")).digest(), "little")
            for i in range(BANDS)]
