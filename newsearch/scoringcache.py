"""What a searcher's scoring reads, kept per searcher: each segment's posting lists (from its posting
arrays, :mod:`newsearch.postings`, else Whoosh's blocks), where a query's terms are in every
segment's directory, document lengths per field, deleted documents and near-duplicate clusters.

A term has a list in each segment (36 at 350k articles after a bulk load) and a title query sixty
terms: the lists are located, sliced and decoded for a whole query at once (:class:`Lists`,
:func:`decode`).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

from .matches import EMPTY_DOCS, EMPTY_SCORES, positions_of
from .postings import AMBIGUOUS, GAP_KINDS, NOT_COVERED, NOT_HELD, PostingArrays, segment_arrays, sliced_lists, summed_per_list, term_hash

__all__ = ["ScoringCache", "Segment", "Lists", "decode", "encoded_lengths", "DENSE_FROM"]

_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)
DENSE_FROM = 16  # a union of more than 1/16 of the index's documents is summed in a dense array
_ABSENT, _ASK_WHOOSH = NOT_HELD, NOT_COVERED  # a located list's kind: not in the segment / read Whoosh's postings
_LOCATED_MEMO = 50_000  # terms whose directory entries are remembered, per searcher


@dataclass
class Segment:
    """One segment as scoring reads it: its reader, where its documents start among the index's,
    its deleted documents and its posting arrays (None: read Whoosh's postings)."""

    searcher: Any
    reader: Any
    offset: int
    deleted: np.ndarray
    arrays: PostingArrays | None = None


class _Batch:
    """Where the lists of a batch of terms are (:meth:`ScoringCache.locate`): one row per
    segment, one column per term; a list's kind is -1 where the segment lacks the term, -2 where
    its arrays cannot say (Whoosh's postings are read) or :data:`AMBIGUOUS`."""

    def __init__(self, segments: int, terms: int) -> None:
        self.kinds = np.full((segments, terms), _ASK_WHOOSH, dtype=np.int16)
        self.counts = np.zeros((segments, terms), dtype=np.int64)
        self.starts = np.zeros((segments, terms), dtype=np.int64)
        self.firsts = np.zeros((segments, terms), dtype=np.int64)

    def fill(self, segment: int, described: tuple[np.ndarray, ...]) -> None:
        """A segment's row: its :meth:`PostingArrays.find` of the batch's terms."""
        for table, values in zip(self.tables(), described):
            table[segment] = values

    def tables(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        return self.kinds, self.counts, self.starts, self.firsts


@dataclass
class Lists:
    """Posting lists as stored, one after another (:meth:`ScoringCache.lists_of`): each one's
    document gaps or numbers and weights (views of the files), whether it holds gaps, what to add
    to its numbers (its segment's first global number, and a gap list's first document), and its
    length (none is empty)."""

    raws: list[np.ndarray]
    weights: list[np.ndarray]
    gaps: np.ndarray
    bases: np.ndarray
    sizes: np.ndarray


def decode(lists: Lists) -> np.ndarray:
    """The global document numbers of all the lists (int64), decoded together: a term of a 350k
    index has a list in each of 36 segments, and a title query sixty terms; a handful of passes
    over all of a query's postings instead of a few numpy calls per list.

    Every list is put in gap form (a list of numbers is differenced), its first gap replaced by
    the step from the previous list's last document to its own first, and one running sum gives
    every number."""
    if not lists.raws:
        return EMPTY_DOCS
    values = np.concatenate(lists.raws, dtype=np.int64)
    starts = np.cumsum(lists.sizes) - lists.sizes
    firsts = lists.bases + values[starts]  # each list's first document
    if not lists.gaps.all():  # lists of numbers into gaps (each one's first is replaced below)
        numbers = _positions(starts[~lists.gaps], lists.sizes[~lists.gaps])  # the short lists: a tenth of the postings
        kept = values[numbers]
        kept[1:] -= kept[:-1].copy()
        values[numbers] = kept
    values[starts] = 0
    lasts = firsts + np.add.reduceat(values, starts)  # each list's last document
    values[starts] = firsts
    values[starts[1:]] -= lasts[:-1]
    return np.cumsum(values, out=values)


def _positions(starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Every position of the ranges starting at ``starts``, ``sizes`` long, one after another."""
    ends = np.cumsum(sizes)
    return np.arange(int(ends[-1]) if len(ends) else 0) + np.repeat(starts - (ends - sizes), sizes)


class ScoringCache:
    """Per-searcher arrays: document lengths per field, deleted documents, cluster codes."""

    def __init__(self, searcher: Any) -> None:
        self.searcher = searcher
        subs = searcher.subsearchers or [(searcher, 0)]
        self.segments = [_segment(sub, offset) for sub, offset in subs]
        self.size = searcher.doc_count_all()  # global document numbers run from 0 to size - 1
        self._starts = np.array([s.offset for s in self.segments] + [self.size], dtype=np.int64)
        self._lengths: dict[str, np.ndarray] = {}
        self._averages: dict[str, float] = {}
        self._norms: dict[tuple[str, float, float], np.ndarray] = {}
        self._alive: np.ndarray | None = None
        self._clusters: np.ndarray | None = None
        self._members: tuple[np.ndarray, np.ndarray] | None = None
        self._located: dict[tuple[str, bytes], tuple[_Batch, int]] = {}
        self._member_of: np.ndarray | None = None
        self._id_column: Any = None  # each segment's id column reader; False for an index without them
        self._member = np.empty(0, dtype=bool)
        self.postings = _PostingsCache()

    def segments_of(self, docs: np.ndarray) -> np.ndarray:
        """The number of the segment (in :attr:`segments`) holding each global document number."""
        return np.searchsorted(self._starts, docs, side="right") - 1

    def close(self) -> None:
        """Close the segments' posting arrays files (Whoosh's files close with its searcher)."""
        for segment in self.segments:
            if segment.arrays is not None:
                segment.arrays.close()
                segment.arrays = None

    def lengths(self, fieldname: str) -> np.ndarray:
        """Every document's length in a field, by global document number."""
        found = self._lengths.get(fieldname)
        if found is None:
            parts = [_field_lengths(segment.reader, fieldname) for segment in self.segments]
            found = self._lengths[fieldname] = np.concatenate(parts) if parts else EMPTY_SCORES
        return found

    def length_norms(self, fieldname: str, b: float, k1: float) -> np.ndarray:
        """BM25's length part of every document's score in a field, ``k1 · (1 − b + b · length /
        average)``, computed once per searcher instead of for each term's postings (the same
        operations per document: the same scores to the last bit)."""
        key = (fieldname, b, k1)
        found = self._norms.get(key)
        if found is None:
            found = self._norms[key] = k1 * ((1 - b) + b * self.lengths(fieldname) / self.average_length(fieldname))
        return found

    def average_length(self, fieldname: str) -> float:
        """Whoosh's average field length (it sums every segment's total on each call)."""
        found = self._averages.get(fieldname)
        if found is None:
            found = self._averages[fieldname] = self.searcher.avg_field_length(fieldname) or 1
        return found

    def alive(self) -> np.ndarray | None:
        """True for each live global document number; None when no document is deleted."""
        if self._alive is None and any(len(s.deleted) for s in self.segments):
            self._alive = np.ones(self.size, dtype=bool)
            for segment in self.segments:
                self._alive[segment.deleted + segment.offset] = False
        return self._alive

    def locate(self, keys: list[tuple[str, bytes]]) -> None:
        """Look terms up in every segment's directory at once (one binary search per segment and
        field for all of a query's terms, and where each list is, in the same pass);
        :meth:`term_postings` and :meth:`frequency` then read them."""
        keys = [k for k in dict.fromkeys(keys) if k not in self._located]
        if not keys:
            return
        if len(self._located) + len(keys) > _LOCATED_MEMO:
            self._located.clear()
        # each field's terms side by side (a slice of the batch's columns), in hash order: numpy's
        # binary search then starts each search where the last one ended
        hashed = sorted((fieldname, term_hash(fieldname, text), text) for fieldname, text in keys)
        keys = [(fieldname, text) for fieldname, _, text in hashed]
        fields, start = [], 0
        for fieldname, group in groupby(keys, key=itemgetter(0)):
            end = start + sum(1 for _ in group)
            fields.append((fieldname, slice(start, end)))
            start = end
        hashes = np.array([hashed_value for _, hashed_value, _ in hashed], dtype=np.uint64)
        batch = _Batch(len(self.segments), len(keys))
        for number, segment in enumerate(self.segments):
            if segment.arrays is not None:  # (else every term stays with Whoosh)
                batch.fill(number, segment.arrays.find(fields, hashes))
        for column, key in enumerate(keys):
            self._located[key] = (batch, column)

    def _where(self, fieldname: str, text: bytes) -> tuple["_Batch", int]:
        """The batch that located the term and its column there (located now if it was not)."""
        key = (fieldname, text)
        if key not in self._located:
            self.locate([key])
        return self._located[key]

    def lists_of(self, keys: list[tuple[str, bytes]]) -> tuple[Lists, np.ndarray]:
        """Every segment's list of each term, term after term (segments in order), and how many
        postings each term has in all: the lists of a whole query, in one pass whose only Python
        step per list is slicing it out of its file's typed views (a title query at 350k articles
        reads 2,000 lists; a Python object and two new arrays per list were a quarter of its time)."""
        count = len(self.segments)
        kinds = np.empty((len(keys), count), dtype=np.int16)
        counts, starts, firsts = (np.empty((len(keys), count), dtype=np.int64) for _ in range(3))
        by_batch: dict[int, tuple[_Batch, list[int], list[int]]] = {}
        for row, (fieldname, text) in enumerate(keys):
            batch, column = self._where(fieldname, text)
            _, rows, columns = by_batch.setdefault(id(batch), (batch, [], []))
            rows.append(row)
            columns.append(column)
        for batch, rows, columns in by_batch.values():
            for table, values in zip((kinds, counts, starts, firsts), batch.tables()):
                table[rows] = values[:, columns].T
        present = np.flatnonzero(kinds.ravel() != _ABSENT)  # term-major: each term's segments in order
        terms, segment_numbers = np.divmod(present, count)
        list_kinds = kinds.ravel()[present]
        sizes = counts.ravel()[present]
        raws, weights = sliced_lists([segment.arrays for segment in self.segments], segment_numbers.tolist(),
                                     list_kinds.tolist(), sizes.tolist(), starts.ravel()[present].tolist())
        from_whoosh = np.flatnonzero((list_kinds < 0) | (list_kinds == AMBIGUOUS))  # no arrays, or a shared hash
        for at in from_whoosh.tolist():
            found = self.postings.find(self.segments[segment_numbers[at]], *keys[terms[at]])
            raws[at], weights[at] = found if found is not None else (EMPTY_DOCS, EMPTY_SCORES)
        gaps = GAP_KINDS[list_kinds.clip(min=0)] & (list_kinds >= 0)  # Whoosh's lists come as numbers
        bases = self._starts[segment_numbers] + np.where(gaps, firsts.ravel()[present], 0)
        if len(from_whoosh):  # sizes as read; empty lists dropped
            sizes = np.array([len(raw) for raw in raws], dtype=np.int64)
            kept = np.flatnonzero(sizes)
            raws, weights = [raws[i] for i in kept.tolist()], [weights[i] for i in kept.tolist()]
            gaps, bases, terms, sizes = gaps[kept], bases[kept], terms[kept], sizes[kept]
        totals = np.bincount(terms, weights=sizes, minlength=len(keys)).astype(np.int64)
        return Lists(raws, weights, gaps, bases, sizes), totals

    def term_postings(self, fieldname: str, text: bytes) -> tuple[np.ndarray, np.ndarray]:
        """A term's postings over every segment: global document numbers (int64, sorted) and
        weights (float64), deleted documents included; their count is the term's document
        frequency as Whoosh counts it."""
        lists, _ = self.lists_of([(fieldname, text)])
        if not lists.raws:
            return EMPTY_DOCS, EMPTY_SCORES
        return decode(lists), np.concatenate(lists.weights, dtype=np.float64)

    def term_postings_within(self, fieldname: str, text: bytes, within: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        """:meth:`term_postings` of only the documents in ``within`` (sorted global numbers), and
        the term's whole document frequency: all segments' lists decoded together (a list each
        cost more in Python than its postings: 190 lists a short query at 350k articles), then the
        documents of ``within`` picked out, and only their weights converted."""
        lists, totals = self.lists_of([(fieldname, text)])
        if not lists.raws:
            return EMPTY_DOCS, EMPTY_SCORES, 0
        docs = decode(lists)
        if len(within) * DENSE_FROM > self.size:  # many documents still in the running: a look-up table
            at = np.flatnonzero(self._membership(within)[docs])
        else:
            at = positions_of(docs, within)
        weights = np.concatenate(lists.weights, dtype=np.float32)[at] if len(at) else EMPTY_SCORES
        return docs[at], weights.astype(np.float64), int(totals[0])

    def _membership(self, within: np.ndarray) -> np.ndarray:
        """True for each document of ``within``, made once for all the terms looked into for it."""
        if self._member_of is not within:  # the array is held, so its identity stays its own
            self._member = np.zeros(self.size, dtype=bool)
            self._member[within] = True
            self._member_of = within
        return self._member

    def doc_frequency(self, fieldname: str, text: str) -> int:
        """How many documents hold a term, deleted ones included (Whoosh's doc_frequency), from
        the segments' directories where they have one."""
        return self.frequency(fieldname, text.encode("utf-8"))

    def frequency(self, fieldname: str, encoded: bytes) -> int:
        """:meth:`doc_frequency` of a term given as its bytes in the index."""
        batch, column = self._where(fieldname, encoded)
        kinds = batch.kinds[:, column]
        listed = (kinds >= 0) & (kinds != AMBIGUOUS)
        total = int(batch.counts[listed, column].sum())
        for number in np.flatnonzero((kinds == _ASK_WHOOSH) | (kinds == AMBIGUOUS)).tolist():
            total += self.segments[number].reader.doc_frequency(fieldname, encoded)
        return total

    def term_docs(self, fieldname: str, text: str) -> np.ndarray:
        """Sorted global numbers of the documents holding a term (deleted ones included: this is
        for statistics such as "did you mean"'s pair counts)."""
        return self.term_postings(fieldname, text.encode("utf-8"))[0]

    def article_ids(self, docnums: list[int]) -> tuple[str, ...]:
        """The ids of these documents: from each segment's id column (2.7 µs an id, where the
        searcher's column over all segments took 14: a hit at 350k articles lists nine copies),
        or the stored fields of an index made before ids had a column."""
        if self._id_column is None:
            readers = [segment.reader for segment in self.segments]
            self._id_column = [r.column_reader("id") for r in readers] if all(r.has_column("id") for r in readers) else False
        if self._id_column is False:
            return tuple(self.searcher.stored_fields(d)["id"] for d in docnums)
        if not docnums:
            return ()
        owners = self.segments_of(np.array(docnums, dtype=np.int64)).tolist()
        return tuple(self._id_column[owner][docnum - self.segments[owner].offset] for owner, docnum in zip(owners, docnums))

    def clusters(self) -> np.ndarray:
        """A code per global document number; documents of one near-duplicate cluster share it."""
        if self._clusters is None:
            codes: dict[Any, int] = {}
            values: list[int] = []
            for segment in self.segments:
                reader = segment.reader
                column = reader.column_reader("cluster") if reader.has_column("cluster") else None
                for docnum in range(reader.doc_count_all()):
                    value = column[docnum] if column is not None else None
                    key = value or ("#", segment.offset + docnum)
                    values.append(codes.setdefault(key, len(codes)))
            self._clusters = np.array(values, dtype=np.int64)
        return self._clusters

    def cluster_members(self, code: int, among: np.ndarray) -> np.ndarray:
        """The global numbers of the documents of one near-duplicate cluster (:meth:`clusters`'
        code) that are in ``among`` (sorted), in order: a page's hits find their near-duplicates
        among the matches through these, where picking them out of every match cost a pass over
        all of them (most of a 350k index for a long query)."""
        if self._members is None:
            clusters = self.clusters()
            order = np.argsort(clusters, kind="stable")
            self._members = order, np.searchsorted(clusters[order], np.arange(int(clusters.max(initial=-1)) + 2))
        order, bounds = self._members
        members = order[bounds[code] : bounds[code + 1]]
        return members[positions_of(members, among)]


def _segment(searcher: Any, offset: int) -> Segment:
    """One segment's reader, deleted documents and posting arrays (if it has them)."""
    reader = searcher.reader()
    deleted = np.array(sorted(getattr(reader, "deleted_docs_set", None) or ()), dtype=np.int64)
    return Segment(searcher, reader, offset, deleted, segment_arrays(reader))


def _field_lengths(reader: Any, fieldname: str) -> np.ndarray:
    """Each document's length in this field, decoded from Whoosh's one-byte encoding."""
    perdoc = getattr(reader, "_perdoc", None)
    count = reader.doc_count_all()
    raw = encoded_lengths(perdoc, fieldname, count) if perdoc is not None else np.zeros(count, dtype=np.uint8)
    return _LENGTHS[raw]


def encoded_lengths(perdoc: Any, fieldname: str, count: int) -> np.ndarray:
    """A segment's one-byte encoded field lengths (0 where a document has none), read whole from
    its length column (a per-document reader of whoosh3's codec)."""
    raw = np.zeros(count, dtype=np.uint8)
    column = perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)  # noqa: SLF001 - whoosh3 is pinned exactly
    if column is not None and column._count:  # noqa: SLF001
        raw[: column._count] = np.frombuffer(column._dbfile.get(column._basepos, column._count), dtype=np.uint8)  # noqa: SLF001
    return raw


def _postings(reader: Any, fieldname: str, text: bytes) -> tuple[np.ndarray, np.ndarray] | None:
    """(docnums, weights) of a term in one segment, deleted documents included; None if the
    segment does not hold it (one term lookup answers both: each costs ≈ 15 µs in Whoosh).

    Reads Whoosh's postings blocks directly (each a pickled tuple of id gaps and weights) and
    decodes the gaps with one cumulative sum instead of a generator per block."""
    terms = getattr(reader, "_terms", None)
    if terms is None:  # an empty index's reader holds no terms
        return None
    try:
        info = terms.term_info(fieldname, text)
    except TermNotFound:
        return None
    matcher = terms._codec.postings_reader(terms._postfile, info, reader.schema[fieldname].format, term=(fieldname, text))  # noqa: SLF001
    gaps: list[Any] = []
    sizes: list[int] = []
    weights: list[Any] = []
    while matcher.is_active():
        matcher._read_data()  # noqa: SLF001 - block-wise reading: whoosh3 is pinned exactly
        block_gaps, block_weights = matcher._data[0], matcher._data[1]  # noqa: SLF001
        size = len(block_gaps)
        gaps.append(block_gaps)
        sizes.append(size)
        weights.append(np.full(size, 1.0 if block_weights is None else block_weights)
                       if block_weights is None or isinstance(block_weights, float) else np.asarray(block_weights, dtype=np.float64))
        matcher._next_block()  # noqa: SLF001
    if not gaps:
        return EMPTY_DOCS, EMPTY_SCORES
    flat = np.fromiter((g for block in gaps for g in block), dtype=np.int64, count=sum(sizes))
    return summed_per_list(flat, np.array(sizes, dtype=np.int64)), np.concatenate(weights)  # each block's gaps start from 0


class _PostingsCache:
    """Decoded posting lists of the most recently used terms, up to a memory budget: the common
    syllables of a language come back in query after query."""

    def __init__(self, budget_bytes: int = 64 << 20) -> None:
        self._entries: OrderedDict[tuple[int, str, bytes], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._budget = budget_bytes
        self._used = 0

    def find(self, segment: Segment, fieldname: str, text: bytes) -> tuple[np.ndarray, np.ndarray] | None:
        """(docnums, weights) of a term in one segment, or None if the segment does not hold it:
        from this cache, else Whoosh's postings."""
        key = (id(segment), fieldname, text)
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
            return found
        found = _postings(segment.reader, fieldname, text)
        if found is None:
            return None
        size = found[0].nbytes + found[1].nbytes
        if size <= self._budget // 4:
            self._entries[key] = found
            self._used += size
            while self._used > self._budget:
                _, (docs, weights) = self._entries.popitem(last=False)
                self._used -= docs.nbytes + weights.nbytes
        return found
