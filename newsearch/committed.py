"""What an index writer asks of the committed index: is this id there, which articles share this
near-duplicate band key.

A term lookup probes every segment. A bulk load commits every 20,000 articles, two segments each
time, and each article asks for its id and 16 band keys: at 350k articles (≈ 36 segments) the
indexer's main process spent most of its time in these probes (py-spy), and indexing slowed down as
the index grew. Segments written by the writer's own session are therefore not probed blindly: a
sorted array of 64-bit hashes of the ids and band keys the session committed says whether they can
hold the term, and only then are they read (the answer stays exact; memory is 8 bytes a key).
Segments are probed through their posting arrays' term directory (newsearch.postings.TermLookup):
one binary search in memory, where Whoosh's hashed term file took ≈ 25 µs a probe.
"""

from __future__ import annotations

import pickle
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from .postings import TermLookup, term_hash, term_lookup

__all__ = ["SessionKeys", "CommittedLookup"]

_MASK = (1 << 64) - 1


def _key_hash(fieldname: str, text: str) -> int:
    return hash((fieldname, text)) & _MASK  # stable within a process: the hashes never leave it


class SessionKeys:
    """Hashes of the (field, term) pairs a writer session has committed."""

    def __init__(self) -> None:
        self._hashes = np.empty(0, dtype=np.uint64)

    def add(self, fieldname: str, texts: Iterable[str]) -> None:
        new = np.fromiter((_key_hash(fieldname, t) for t in texts), dtype=np.uint64)
        if len(new):
            self._hashes = np.unique(np.concatenate([self._hashes, new]))

    def may_hold(self, fieldname: str, text: str) -> bool:
        wanted = np.uint64(_key_hash(fieldname, text))
        at = int(np.searchsorted(self._hashes, wanted))
        return at < len(self._hashes) and self._hashes[at] == wanted


def _segment_id(leaf: Any) -> str:
    segment = leaf.segment() if hasattr(leaf, "segment") else None
    return segment.segment_id() if segment is not None else ""


class CommittedLookup:
    """Live documents holding a term, over the segments of ``reader``: those written before the
    session always probed, the session's own (``session_segments``) only when ``keys`` may hold
    the term."""

    def __init__(self, reader: Any, session_segments: set[str], keys: SessionKeys) -> None:
        leaves = [leaf for leaf, _ in reader.leaf_readers()] if hasattr(reader, "leaf_readers") else [reader]
        lookups = [_lookup_of(leaf) for leaf in leaves]
        self._opened = [found for found in lookups if found is not None]
        probes = list(zip(leaves, lookups))
        self._before = [(leaf, a) for leaf, a in probes if _segment_id(leaf) not in session_segments]
        self._session = [(leaf, a) for leaf, a in probes if _segment_id(leaf) in session_segments]
        self._keys = keys

    def close(self) -> None:
        """Close the segments' posting arrays (Whoosh's files close with the reader) and let their
        directories go at once, even while this object is still referenced (60 MB at 350k
        articles: a writer closes it before its workers write their segments)."""
        for lookup in self._opened:
            lookup.close()
        self._opened, self._before, self._session = [], [], []

    def live(self, fieldname: str, text: str) -> Iterator[tuple[Any, int]]:
        """(segment reader, document number) of every live document holding the term."""
        return iter(self.live_many(fieldname, [text])[0])

    def live_many(self, fieldname: str, texts: Sequence[str]) -> list[list[tuple[Any, int]]]:
        """:meth:`live` for several terms (an article's 16 band keys), each segment's directory
        searched once for all of them: one search per key and segment was most of a bulk load's
        main process at 350k articles, where a syndicated story's keys are found in every segment."""
        found: list[list[tuple[Any, int]]] = [[] for _ in texts]
        if not texts:
            return found
        hashes = np.array([term_hash(fieldname, t.encode("utf-8")) for t in texts], dtype=np.uint64)
        everyone = list(range(len(texts)))
        for leaf, lookup in self._before:
            _probe(leaf, lookup, fieldname, texts, hashes, everyone, found)
        maybe = [n for n, t in enumerate(texts) if self._keys.may_hold(fieldname, t)] if self._session else []
        if maybe:
            for leaf, lookup in self._session:
                _probe(leaf, lookup, fieldname, texts, hashes[maybe], maybe, found)
        return found


def _probe(leaf: Any, lookup: TermLookup | None, fieldname: str, texts: Sequence[str], hashes: np.ndarray,
           positions: list[int], found: list[list[tuple[Any, int]]]) -> None:
    """Add the segment's live documents holding the terms at ``positions`` of ``texts`` (their
    ``hashes``) to ``found``."""
    if lookup is not None and lookup.covers(fieldname):
        held = lookup.docs_of_hashes(fieldname, hashes)
        pending = [(positions[n], docs) for n, docs in held.items()]
    else:
        pending = [(position, None) for position in positions]
    for position, docs in pending:
        numbers = docs if docs is not None else _whoosh_holding(leaf, fieldname, texts[position])
        found[position].extend((leaf, docnum) for docnum in numbers if not leaf.is_deleted(docnum))


def _lookup_of(leaf: Any) -> TermLookup | None:
    """The segment's term lookup; None (probe through Whoosh) if it has no posting arrays or
    a damaged file: adding articles must not fail on it (searching and `newsearch check` report it)."""
    try:
        return term_lookup(leaf)
    except (OSError, ValueError, EOFError, KeyError, pickle.UnpicklingError):
        return None


def _whoosh_holding(leaf: Any, fieldname: str, text: str) -> Iterable[int]:
    """A segment's documents holding a term, deleted ones included, through Whoosh."""
    return leaf.postings(fieldname, text).all_ids() if (fieldname, text) in leaf else ()
