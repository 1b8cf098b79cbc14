"""Near-duplicate detection: MinHash signatures and the parameters of their banded LSH index.

News is scraped again and again: the same article from two mirrors with other widgets, as HTML
and as a text dump, re-encoded, with an update line added, syndicated. Two *different* articles
about the same event (tests/cases/seeds 001 and 003 share quotes and facts) must stay two.

* ``signature(text)`` — per document, in worker processes: word shingles of the text as
  ``cleaners.document.normalized_for_hash`` sees it, MinHashed. Deterministic across processes,
  runs and machines (rensa hashes with fixed seeds; no Python ``hash()``).
* ``similarity(a, b)`` — estimated Jaccard similarity of the two shingle sets.
* ``containment(agree, n_a, n_b)`` — estimated share of the smaller set found in the larger, from
  the share of agreeing minima and the two set sizes (a signature ends with its set size).
* ``running.nearindex.NearDupIndex(db).match_and_add(items)`` — in the flow process, in commit order: LSH band keys
  in a SQLite table find candidates, the stored signatures confirm them (estimated Jaccard >=
  THRESHOLD, or the smaller text contained in the other: CONTAINMENT). The index lives in SQLite
  only: memory stays bounded whatever its size.

One page as HTML and as a text dump: trafilatura keeps the article, the text pass keeps the article
and some menus, so the clean HTML is *contained* in the clean dump while their Jaccard similarity
is only |article| / |dump| (0.2-0.5 on the dev sets). Containment names that case; a site's pages
that share template lines are kept apart because the containment counts only the minima a
candidate shares with the new document and with no other candidate (see running/nearindex.py).

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

__all__ = ["BANDS", "CONTAINMENT", "CONTAINMENT_MIN_JACCARD", "CROSS_FORM_CONTAINMENT",
           "CROSS_FORM_CONTAINMENT_MIN_JACCARD", "CROSS_FORM_THRESHOLD", "NUM_PERM",
           "OWN_SHARE", "ROWS", "SHINGLE_WORDS", "SIGNATURE_SCHEME", "THRESHOLD", "band_keys",
           "containment", "cross_form", "form_of", "shingle_count", "signature",
           "signature_values", "similarity", "threshold_for"]

# -- parameters (data, each with why; figures from bench/dedup.py on this machine) -------------
# Hashing: rensa 0.5.0 (Rust MinHash, ALGORITHM_VERSION 2). Measured on a 5 KB, 800-word article
# (128 permutations, 5-word shingles, one core): rensa 0.40 ms a document, of which ~0.37 ms is
# normalization + building the shingle strings in Python; numpy + xxhash (64-bit multiply-shift,
# chunked) 0.54 ms; datasketch 2.0.0 1.20 ms. rensa is the fastest and has no dependencies.
# The signature format is tied to rensa's algorithm: SIGNATURE_SCHEME is stored in the index, and
# tests/test_neardup.py pins a known signature, so an upgrade that changes the hashing fails loudly
# instead of silently matching nothing. A signature is the NUM_PERM values and then the size of the
# shingle set (uint32, for containment); signatures stored before the size was added (2 * NUM_PERM
# bytes) have the same values, so the scheme is the same: they match by Jaccard only.
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
# where recall has not yet started to fall; the banding (below) finds all pairs from 0.4 on.
THRESHOLD = 0.5

# Share of the smaller text's shingles found in the larger (estimated) at or above which two
# documents are one, when their Jaccard is below THRESHOLD. Measured with the real run of
# bench/forms.py on the train pages (Dragnet train sites, trafilatura-eval train split) and the
# exact shingle sets: the same page as HTML and as text dump, not merged by THRESHOLD, has
# containment >= 0.9 in 13 of 30 Dragnet and 43 of 101 trafilatura-eval train pages (1.0 in
# most: the clean HTML inside the dump); the rest is mostly where the two cleanings took
# different parts of the page (no similarity saves those). Different pages: the highest exact
# containment is 0.81 (pages of one site whose dumps are mostly the site's template: Dragnet R513
# in R503, R504, ...), MinHash estimates up to 0.83; counting only the minima no other candidate
# shares (running/nearindex.py) brings those to <= 0.33, and the highest left is 0.69 (two pages
# of one site, no third indexed). 0.85 would merge 1 point more of each set, 0.02 above the 0.83
# a template pair reaches when its site has no third page indexed; 0.9 keeps the estimate's
# standard error there (0.06) as margin.
CONTAINMENT = 0.9

# Containment is estimated only when the estimated Jaccard is at least this: below it the larger
# text can be ~5 times the smaller, and the estimate's error (dC/dJ = (1 + r) / (1 + J)^2 with r
# the size ratio, sd(J) = sqrt(J(1-J)/NUM_PERM)) reaches 0.15, so a text that is 80% template
# could pass as contained. 0.15 instead would merge 1 more train form pair of 1180.
CONTAINMENT_MIN_JACCARD = 0.2

# Of the minima two documents agree on, at least this share must agree with no other candidate
# for their Jaccard to make them one (running/nearindex.py): minima a third indexed document
# shares too are a site's template (a sidebar, an author box), not the pair's article. Measured
# with the real runs of bench/forms.py (every dev page as HTML and as text dump): of the HTML /
# text pairs of one page merged by Jaccard with more than one candidate, the lowest share is 0.66
# (Dragnet, flat and by site) and 0.57 (trafilatura-eval); the false merges of two
# thecuriousbrain.com dumps (Dragnet, flat layout: 0.52 and 0.50 on a sidebar, before the text
# pass cut the sidebar below their comment widget) have 0.27 and 0.23.
# 0.5 sits in that gap. A pair with one candidate has every agreeing minimum its own.
OWN_SHARE = 0.5

# Estimated Jaccard at or above which an HTML page's document and a text dump's are one (both
# signatures name their form). The same page in the two forms scores lower than two copies in
# one form: trafilatura keeps the article alone, the text pass keeps some of the page's chrome
# too, and each misses a paragraph or a caption the other keeps. Different pages in the two
# forms share no template: the HTML side has none. Measured: bench/dedup.py's dragnet-site-x,
# the 3,842 pairs of an HTML page and another page's dump of one Dragnet site, reach at most
# 0.273 (two pixiq.com posts repeating one promotion; every other pair < 0.15); in the real runs
# of bench/forms.py (every dev page as HTML and as text dump, one flat folder) no HTML document
# and dump of two pages reach 0.1, while two dumps of one site reach 0.51 and two HTML pages
# 0.42: THRESHOLD stays for those. Pages merged (bench/forms.py): Dragnet flat 94.0% -> 96.2%,
# by site 93.8% -> 96.6%, trafilatura-eval 91.4% -> 94.3%, with no false merge; 0.25 would
# merge 11 trafilatura-eval pages more but is below the pixiq.com pair.
CROSS_FORM_THRESHOLD = 0.3

# Containment between an HTML document and a dump: estimated from a Jaccard of 0.1 on, and
# enough at 0.8 (CONTAINMENT_MIN_JACCARD and CONTAINMENT between two of one form). A dump that
# kept a long comment section or a consent manager's service list holds its page's clean HTML
# at a Jaccard of 0.1 to 0.2. The same-form bounds guard against a text that is mostly a site's
# template passing as contained; an HTML document holds no template. Measured: of
# bench/dedup.py's dragnet-site-x pairs (an HTML page and another page's dump of one Dragnet
# site), the highest estimated containment is 0.69 (at a Jaccard of 0.08; 0.65 from 0.1 on);
# bench/forms.py merges trafilatura-eval 934 -> 944 pages, Dragnet flat 654 -> 660, by site
# 657 -> 661, with no false merge.
CROSS_FORM_CONTAINMENT_MIN_JACCARD = 0.1
CROSS_FORM_CONTAINMENT = 0.8

# LSH banding: BANDS x ROWS = NUM_PERM. A pair of Jaccard s shares at least one band (becomes a
# candidate) with probability 1 - (1 - s^ROWS)^BANDS. With 64 x 2: 0.47 at s=0.1, 0.93 at 0.2,
# 0.997 at 0.3, 1.0 from 0.4: contained pairs (Jaccard 0.2-0.5) are found, and the stored
# signature then decides (precision). 32 x 4 (the banding before containment) finds 5% at 0.2,
# 23% at 0.3, 87% at 0.5: with containment it merged 3 Dragnet and 9 trafilatura-eval train form
# pairs more than Jaccard alone; 64 x 2 merges 5 and 31 more, 42 x 3 4 and 23. Cost: 64 band
# rows a document in SQLite instead of 32: bench/dedup.py's 100k-document index 1,600 documents/s
# instead of 2,900 and 134 MB instead of 82 (42 x 3 would cost a third as much); two random
# documents share a 2-row band (32 bits) with probability 2^-32 a band. An index built with other bands gets its
# band rows rebuilt from its stored signatures once (running/nearindex.py).
BANDS = 64
ROWS = NUM_PERM // BANDS

_FORM_BYTE = {"html": b"\x01", "text": b"\x02"}  # after the set size: the form
_FORM_OF = {1: "html", 2: "text"}
_MASK = (1 << _VALUE_BITS) - 1
_VALUES_BYTES = 2 * NUM_PERM
_COUNT_BYTES = 4  # the shingle-set size after the values
_MAX_COUNT = (1 << 8 * _COUNT_BYTES) - 1
_KEY_BITS = 48  # band keys: 6-byte SQLite integers; 1M docs x 64 bands -> ~2e-7 false-candidate rate


# -- signatures ---------------------------------------------------------------------------------
def shingles(text: str, normalized: str | None = None) -> list[str]:
    """The text's shingles: its runs of SHINGLE_WORDS words, normalized as for hashing
    (``normalized``: the text's normalized_for_hash, if known)."""
    words = (normalized_for_hash(text) if normalized is None else normalized).split()
    k = SHINGLE_WORDS
    if len(words) < k:
        return [" ".join(words)]  # short text: the whole text is the one shingle
    # each run of k words: the words zipped with themselves shifted by 1 .. k-1 (the shortest
    # ends the runs), joined in C
    return list(map(" ".join, zip(*(words[j:] for j in range(k)), strict=False)))


def signature(text: str, form: str | None = None, normalized: str | None = None) -> bytes:
    """MinHash signature of the clean text: NUM_PERM values, 16 bits each, little-endian, then the
    number of distinct shingles (uint32, little-endian), then, when `form` is "html" or "text",
    one byte naming it (CROSS_FORM_THRESHOLD). ``normalized``: the text's normalized_for_hash,
    if known."""
    runs = shingles(text, normalized)
    m = RMinHash(num_perm=NUM_PERM, seed=_RENSA_SEED)
    m.update(runs)
    sig = array("H", [v & _MASK for v in m.digest()])
    if sig.itemsize != 2:  # pragma: no cover - every CPython platform has 2-byte "H"
        raise RuntimeError("array('H') is not 16-bit here")
    size = min(len(set(runs)), _MAX_COUNT)
    return (_le(sig).tobytes() + size.to_bytes(_COUNT_BYTES, "little")
            + _FORM_BYTE.get(form or "", b""))


def _le(a: array) -> array:
    if sys.byteorder != "little":  # pragma: no cover
        a.byteswap()
    return a


def signature_values(sig: bytes) -> array:
    """The NUM_PERM 16-bit values of a signature (ValueError if it is not one of ours)."""
    if len(sig) not in (_VALUES_BYTES, _VALUES_BYTES + _COUNT_BYTES,
                        _VALUES_BYTES + _COUNT_BYTES + 1):
        raise ValueError(f"not a {SIGNATURE_SCHEME} signature: {len(sig)} bytes")
    return _le(array("H", sig[:_VALUES_BYTES]))


def shingle_count(sig: bytes) -> int | None:
    """The size of the shingle set a signature was made of; None for a signature stored before
    the size was part of it."""
    signature_values(sig)
    return int.from_bytes(sig[_VALUES_BYTES:_VALUES_BYTES + _COUNT_BYTES], "little") \
        if len(sig) > _VALUES_BYTES else None


def form_of(sig: bytes) -> str | None:
    """The form ("html", "text") a signature was made for; None when it names none."""
    signature_values(sig)
    return _FORM_OF.get(sig[-1]) if len(sig) == _VALUES_BYTES + _COUNT_BYTES + 1 else None


def cross_form(a: bytes, b: bytes) -> bool:
    """One signature is an HTML page's, the other a text dump's."""
    fa, fb = form_of(a), form_of(b)
    return fa is not None and fb is not None and fa != fb


def threshold_for(a: bytes, b: bytes, threshold: float = THRESHOLD) -> float:
    """The estimated Jaccard at or above which the two documents are one: CROSS_FORM_THRESHOLD
    (or `threshold` if lower) for an HTML document and a text dump, else `threshold`."""
    return min(threshold, CROSS_FORM_THRESHOLD) if cross_form(a, b) else threshold


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity: the share of permutations whose minima agree."""
    va, vb = signature_values(a), signature_values(b)
    return sum(x == y for x, y in zip(va, vb, strict=True)) / NUM_PERM


def containment(agree: float, n_a: int, n_b: int, jaccard: float | None = None) -> float:
    """Estimated share of the smaller shingle set found in the larger: |A & B| / min(|A|, |B|),
    with |A & B| = J (|A| + |B|) / (1 + J). `agree` is the share of minima the intersection
    explains (the Jaccard estimate, or the part of it left after template minima); `jaccard` the
    whole estimate (default `agree`)."""
    j = agree if jaccard is None else jaccard
    return min(1.0, agree * (n_a + n_b) / (1 + j) / max(1, min(n_a, n_b)))


def band_keys(sig: bytes) -> list[int]:
    """The BANDS LSH keys of a signature: 48-bit hashes of (band number, band bytes)."""
    signature_values(sig)
    width = 2 * ROWS
    return [int.from_bytes(hashlib.blake2b(sig[i * width:(i + 1) * width], digest_size=6,
                                           salt=i.to_bytes(16, "little")).digest(), "little")
            for i in range(BANDS)]
