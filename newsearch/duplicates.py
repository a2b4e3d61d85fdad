"""Near-duplicate detection: the same story syndicated with small edits.

An article's text becomes a set of accent-free 4-syllable shingles; a MinHash signature of
``SIGNATURE_SIZE`` values estimates the Jaccard similarity of two such sets, and locality-sensitive
hashing (``BANDS`` bands of ``ROWS`` values) finds the candidate pairs without comparing every
article with every other: two articles are candidates when one band is equal, and duplicates when
their signatures agree on at least ``SIMILARITY`` of the values. Everything here is deterministic
(no per-process hash seeds), so signatures made in worker processes, or on other machines, agree.
"""

from __future__ import annotations

import zlib
from functools import lru_cache
from typing import Any, Callable, Iterable, Sequence

from .analysis import folded_term
from .segment import SYLLABLE_PATTERN

__all__ = ["Signature", "signature", "band_keys", "similarity", "best_match", "SIMILARITY", "MIN_SHINGLES"]

SHINGLE = 4
SIGNATURE_SIZE = 64
BANDS, ROWS = 16, 4  # candidates from a Jaccard similarity of ≈ 0.5; duplicates checked at SIMILARITY
SIMILARITY = 0.6
MIN_SHINGLES = 20  # shorter texts (a caption, a one-line brief) are never called duplicates

_PRIME = (1 << 61) - 1


@lru_cache(maxsize=1)
def _hash_functions() -> tuple[Any, Any, Any]:
    """numpy and the MinHash coefficients, loaded on first use (searching never needs them)."""
    import numpy as np

    rng = np.random.default_rng(20261129)
    a = rng.integers(1, _PRIME, SIGNATURE_SIZE, dtype=np.uint64)
    b = rng.integers(0, _PRIME, SIGNATURE_SIZE, dtype=np.uint64)
    return np, a, b

Signature = bytes  # SIGNATURE_SIZE little-endian uint32 values


def shingles(text: str) -> set[int]:
    """Hashes of every run of SHINGLE accent-free syllables (accents and case do not matter)."""
    sylls = [folded_term(s) for s in SYLLABLE_PATTERN.findall(text)]
    return {zlib.crc32(" ".join(sylls[i : i + SHINGLE]).encode()) for i in range(len(sylls) - SHINGLE + 1)}


def signature(text: str) -> Signature | None:
    """The MinHash signature of a text, or None when it is too short to compare."""
    hashes = shingles(text)
    if len(hashes) < MIN_SHINGLES:
        return None
    np, a, b = _hash_functions()
    values = np.fromiter(hashes, dtype=np.uint64, count=len(hashes))
    # (a·x + b) mod p for every hash function and shingle, as datasketch does it: a and b range
    # over the whole field (small ones would make every function rank shingles alike); the uint64
    # product wraps around, which keeps the functions independent enough for MinHash.
    with np.errstate(over="ignore"):
        permuted = (a[:, None] * values[None, :] + b[:, None]) % np.uint64(_PRIME)
    return (permuted.min(axis=1) & np.uint64(0xFFFFFFFF)).astype("<u4").tobytes()


def band_keys(sig: Signature) -> list[str]:
    """One key per band: articles sharing any key are candidate duplicates."""
    width = ROWS * 4
    return [f"{band:x}{sig[band * width : (band + 1) * width].hex()}" for band in range(BANDS)]


def similarity(a: Signature, b: Signature) -> float:
    """Estimated Jaccard similarity: the share of signature values that agree."""
    if len(a) != len(b):
        return 0.0
    agree = sum(x == y for x, y in zip(memoryview(a).cast("I"), memoryview(b).cast("I")))
    return agree / SIGNATURE_SIZE


def best_match(sig: Signature, candidates: Iterable[tuple[str, Signature]]) -> str | None:
    """The cluster of the most similar candidate at or above SIMILARITY, if any."""
    best, best_score = None, SIMILARITY
    for cluster, other in candidates:
        score = similarity(sig, other)
        if score >= best_score:
            best, best_score = cluster, score
    return best


Candidate = tuple[str, str, bytes]  # (article id, its cluster, its signature)


class ClusterAssigner:
    """Assigns near-duplicate clusters as articles arrive: an article joins the cluster of the most
    similar earlier article (this session's, or a committed one the caller looks up by band key),
    else starts its own. Both backends' writers use it."""

    def __init__(self) -> None:
        self._session_bands: dict[str, list[Candidate]] = {}

    def assign(self, article_id: str, sig: Signature | None,
               committed: Callable[[list[str]], Sequence[Iterable[Candidate]]]) -> str:
        """The article's cluster; ``committed(keys)`` gives, for each band key, the committed
        articles with it (all keys at once: a writer looks them up together)."""
        if not sig:
            return article_id
        keys = band_keys(sig)
        candidates: dict[str, tuple[str, bytes]] = {}
        for key, committed_with_key in zip(keys, committed(keys)):
            for other_id, cluster, other_sig in self._session_bands.get(key, ()):
                candidates[other_id] = (cluster, other_sig)
            for other_id, cluster, other_sig in committed_with_key:
                candidates.setdefault(other_id, (cluster, other_sig))
        candidates.pop(article_id, None)  # an article replacing itself is not its own duplicate
        cluster = best_match(sig, ((c, s) for c, s in candidates.values() if s)) or article_id
        for key in keys:
            self._session_bands.setdefault(key, []).append((article_id, cluster, sig))
        return cluster

    def clear(self) -> None:
        """Forget this session's articles (once committed, the caller finds them by band key)."""
        self._session_bands.clear()
