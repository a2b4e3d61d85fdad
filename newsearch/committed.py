"""What an index writer asks of the committed index: is this id there, which articles share this
near-duplicate band key.

Every article added asks for its id and its 16 band keys. A bulk load commits every 20,000
articles, two segments each time, so at 350k articles the index has ≈ 36 segments, and a
syndicated story's keys are found in many of them. Probing each segment in turn made the indexer's
main process slower as the index grew (py-spy at 200k articles: a fifth of its time in the probes,
a ninth reading the stored fields of the near-duplicates found).
So each field's term hashes of every segment are read once per commit into one sorted table, with
the segment and, for a term held by one document (every id, nearly every band key), that
document: a probe is one binary search whatever the number of segments, and a found key costs no
read; the duplicates' ids, clusters and signatures are read from columns. Segments are read through their posting arrays' term directory (newsearch.postings.TermLookup),
segments without one (or with a damaged one) through Whoosh.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from .postings import MANY, TermLookup, term_hash, term_lookup

__all__ = ["CommittedLookup"]

_ENTRY = np.uint32(1 << 31)  # a table value at or above this is an entry to read, not a document
_RANGE_BITS = 4
_RANGES = 1 << _RANGE_BITS  # a table is sorted in this many ranges of hashes
_CANDIDATE_COLUMNS = ("id", "cluster", "dup_sig")


@dataclass(frozen=True)
class _Table:
    """One field's terms over many segments, sorted by hash: the segment (its place in the
    lookup's list) and the one document holding the term, or ``_ENTRY`` + its place in the
    segment's directory when the postings must be read."""

    hashes: np.ndarray
    owners: np.ndarray
    values: np.ndarray


def _table_of(lookups: Sequence[TermLookup], fieldname: str) -> _Table:
    """The table of one field over segments' directories (each covers the field). The directories
    are sorted already; the table is sorted one range of hashes at a time (a stable sort keeps the
    segments' order for equal hashes), so that the temporary arrays are a fraction of it (at 350k
    articles the table is 80 MB: sorting it whole needed twice that again)."""
    owner_type = np.uint16 if len(lookups) < (1 << 16) else np.uint32
    cuts = [_range_starts(lookup.hashes(fieldname)) for lookup in lookups]
    total = sum(int(c[-1]) for c in cuts)
    table = _Table(np.empty(total, np.uint64), np.empty(total, owner_type), np.empty(total, np.uint32))
    done = 0
    for part in range(_RANGES):
        pieces = [(owner, int(c[part]), int(c[part + 1])) for owner, c in enumerate(cuts) if c[part + 1] > c[part]]
        if not pieces:
            continue
        hashes = np.concatenate([lookups[owner].hashes(fieldname, begin, end) for owner, begin, end in pieces])
        values = np.concatenate([_values(lookups[owner].singles(fieldname, begin, end), begin) for owner, begin, end in pieces])
        owners = np.repeat(np.array([owner for owner, _, _ in pieces], dtype=owner_type), [end - begin for _, begin, end in pieces])
        order = np.argsort(hashes, kind="stable")
        placed = slice(done, done + len(order))
        table.hashes[placed], table.owners[placed], table.values[placed] = hashes[order], owners[order], values[order]
        done += len(order)
    return table


def _range_starts(hashes: np.ndarray) -> np.ndarray:
    """Where each of the ``_RANGES`` ranges of hashes starts in a sorted directory, and its end."""
    bounds = (np.arange(1, _RANGES, dtype=np.uint64) << np.uint64(64 - _RANGE_BITS))
    return np.concatenate([[0], hashes.searchsorted(bounds), [len(hashes)]]).astype(np.int64)


def _values(singles: np.ndarray, begin: int) -> np.ndarray:
    """The table's values of a directory's entries from ``begin``: the one document, or the entry."""
    entries = np.arange(begin, begin + len(singles), dtype=np.uint32) | _ENTRY
    return np.where(singles == MANY, entries, singles).astype(np.uint32)


class CommittedLookup:
    """Live documents holding a term, over the segments of ``reader``."""

    def __init__(self, reader: Any) -> None:
        leaves = [leaf for leaf, _ in reader.leaf_readers()] if hasattr(reader, "leaf_readers") else [reader]
        probes = [(leaf, _lookup_of(leaf)) for leaf in leaves]
        self._opened = [lookup for _, lookup in probes if lookup is not None]
        self._probes = probes
        self._tables: dict[str, tuple[_Table, list[tuple[Any, TermLookup]], list[Any]]] = {}
        self._columns: dict[int, tuple[Any, ...]] = {}  # per segment reader: its _CANDIDATE_COLUMNS

    def close(self) -> None:
        """Close the segments' posting arrays (Whoosh's files close with the reader) and let the
        tables go at once, even while this object is still referenced (≈ 90 MB at 350k articles:
        a writer closes it before its workers write their segments)."""
        for lookup in self._opened:
            lookup.close()
        self._opened, self._probes, self._tables, self._columns = [], [], {}, {}

    def live(self, fieldname: str, text: str) -> Iterator[tuple[Any, int]]:
        """(segment reader, document number) of every live document holding the term."""
        return iter(self.live_many(fieldname, [text])[0])

    def live_many(self, fieldname: str, texts: Sequence[str]) -> list[list[tuple[Any, int]]]:
        """:meth:`live` for several terms (an article's 16 band keys): one search of the field's
        table for all of them, then the segments the table does not cover, through Whoosh."""
        found: list[list[tuple[Any, int]]] = [[] for _ in texts]
        if not texts:
            return found
        table, covered, others = self._table(fieldname)
        if len(table.hashes):
            wanted = np.array([term_hash(fieldname, t.encode("utf-8")) for t in texts], dtype=np.uint64)
            starts = table.hashes.searchsorted(wanted, "left")
            ends = table.hashes.searchsorted(wanted, "right")
            for position in np.flatnonzero(ends > starts).tolist():
                for at in range(int(starts[position]), int(ends[position])):
                    leaf, lookup = covered[int(table.owners[at])]
                    value = int(table.values[at])
                    docs = [value] if value < _ENTRY else lookup.entry_docs(fieldname, value - int(_ENTRY))
                    if docs is None:
                        docs = _whoosh_holding(leaf, fieldname, texts[position])
                    found[position].extend((leaf, docnum) for docnum in docs if not leaf.is_deleted(docnum))
        for leaf in others:
            for position, text in enumerate(texts):
                found[position].extend((leaf, docnum) for docnum in _whoosh_holding(leaf, fieldname, text)
                                       if not leaf.is_deleted(docnum))
        return found

    def duplicate_candidate(self, leaf: Any, docnum: int) -> tuple[str, str, bytes]:
        """A committed article's id, cluster and near-duplicate signature, from the segment's
        columns (a few µs: its stored fields would unpack the whole article)."""
        columns = self._columns.get(id(leaf))
        if columns is None:
            columns = self._columns[id(leaf)] = tuple(leaf.column_reader(name) for name in _CANDIDATE_COLUMNS)
        article_id, cluster, sig = (column[docnum] for column in columns)
        return article_id, cluster or article_id, sig

    def _table(self, fieldname: str) -> tuple[_Table, list[tuple[Any, TermLookup]], list[Any]]:
        """The field's table (made on its first probe), the (leaf, lookup) its owners number, and
        the leaves it does not cover, probed through Whoosh (those without posting arrays; all of
        them when a directory is damaged)."""
        if fieldname not in self._tables:
            covered = [(leaf, lookup) for leaf, lookup in self._probes if lookup is not None and lookup.covers(fieldname)]
            others = [leaf for leaf, lookup in self._probes if lookup is None or not lookup.covers(fieldname)]
            try:
                table = _table_of([lookup for _, lookup in covered], fieldname)
            except (OSError, ValueError):
                covered, others = [], [leaf for leaf, _ in self._probes]
                table = _table_of([], fieldname)
            self._tables[fieldname] = (table, covered, others)
        return self._tables[fieldname]


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
