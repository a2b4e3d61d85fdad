"""Score a whole query at once with numpy: every matching article, BM25F as Whoosh computes it.

Whoosh scores one document at a time through a tree of Python matchers: about 50–100 µs per
matching article for our queries, so a two-word query matching 16,000 articles took 1.5 s. Our
queries are sums of BM25F term scores combined by Or, And, AndMaybe and AndNot; here each term's
whole posting list is read into arrays (from the segments' posting arrays, :mod:`newsearch.postings`,
else block by block from Whoosh's postings), scored in one vector operation, and the
combinations become set operations on sorted document numbers: an Or tree of terms (a long query)
is one sum over all its terms' postings, decoded together; an And reads its later parts only for
the articles its rarest part left. Same formula, same statistics (Whoosh's idf, average field
lengths and byte-encoded document lengths), same matches and totals; sums made in another order
may differ from Whoosh's in the last bit or two.

A search that shows only its best results says so (:class:`Wanted`): a long query's commonest
terms are then scored only for the articles that can still reach them (max-score pruning, see
:func:`_pruned_sum`); every match is still found and counted. A phrase is the And of its words,
kept where their positions follow one another (:mod:`newsearch.phrases`). Any other part of a
query (a date range) is read from Whoosh's own matcher document by document: such parts match few
articles. Only another weighting model raises :class:`Unsupported` (the caller then runs the query
through Whoosh).
"""

from __future__ import annotations

from collections import OrderedDict
from itertools import groupby
from operator import itemgetter
from math import log
from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np
from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.reading import TermNotFound
from whoosh.scoring import BM25F
from whoosh.util.numeric import byte_to_length

from .phrases import has_positions, in_order
from .postings import AMBIGUOUS, GAP_KINDS, NOT_COVERED, NOT_HELD, PostingArrays, segment_arrays, sliced_lists, term_hash
from .ranking import WideOr
from .topk import best_matches, kth_best_score

__all__ = ["Unsupported", "ScoringCache", "score_query", "query_terms", "Matches", "Wanted", "encoded_lengths"]

_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)
_EMPTY_DOCS = np.empty(0, dtype=np.int64)
_EMPTY_SCORES = np.empty(0, dtype=np.float64)


_COMBINATIONS = (wq.Or, wq.And, WideOr)
_DENSE_FROM = 16  # a union of more than 1/16 of the index's documents is summed in a dense array
_ABSENT, _ASK_WHOOSH = NOT_HELD, NOT_COVERED  # a located list's kind: not in the segment / read Whoosh's postings
_LOCATED_MEMO = 50_000  # terms whose directory entries are remembered, per searcher
_RARE_SHARE = 1 / 32  # a long query's terms in fewer of the articles are scored first (a first bar)
_EXACT_SAMPLE = 4  # a raised bar is taken from this many times the wanted results' leading articles
_SEARCH_FROM = 16  # look a few documents up in a long list by binary search, more through flags
_MARGIN = 1e-9  # relative: sums made in another order may differ in the last bits


class Unsupported(Exception):
    """The query has a part this module does not evaluate; use Whoosh's matchers."""


@dataclass
class Matches:
    """Matching documents (sorted global document numbers) and their scores. Scores below
    ``exact_from`` may be too low (terms left unscored, see :class:`Wanted`); every document
    whose score reaches it has its exact score."""

    docs: np.ndarray
    scores: np.ndarray
    exact_from: float = float("-inf")


@dataclass(frozen=True)
class Wanted:
    """Only the best ``count`` results will be read (near-duplicates counted once when ``codes``,
    a cluster code per document index-wide, are given): a long query's commonest terms are then
    scored only for the articles that can still reach them."""

    count: int
    codes: np.ndarray | None = None


@dataclass
class _Segment:
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


def _decode(lists: Lists) -> np.ndarray:
    """The global document numbers of all the lists (int64), decoded together: a term of a 350k
    index has a list in each of 36 segments, and a title query sixty terms; a handful of passes
    over all of a query's postings instead of a few numpy calls per list.

    Every list is put in gap form (a list of numbers is differenced), its first gap replaced by
    the step from the previous list's last document to its own first, and one running sum gives
    every number."""
    if not lists.raws:
        return _EMPTY_DOCS
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
        self._id_column: Any = None  # the id column's reader; False for an index without one
        self._member = np.empty(0, dtype=bool)
        self.postings = _PostingsCache()

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
            found = self._lengths[fieldname] = np.concatenate(parts) if parts else _EMPTY_SCORES
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
        keys.sort(key=itemgetter(0))  # each field's terms side by side: a slice of the batch's columns
        fields, start = [], 0
        for fieldname, group in groupby(keys, key=itemgetter(0)):
            end = start + sum(1 for _ in group)
            fields.append((fieldname, slice(start, end)))
            start = end
        hashes = np.array([term_hash(fieldname, text) for fieldname, text in keys], dtype=np.uint64)
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
            raws[at], weights[at] = found if found is not None else (_EMPTY_DOCS, _EMPTY_SCORES)
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
            return _EMPTY_DOCS, _EMPTY_SCORES
        return _decode(lists), np.concatenate(lists.weights, dtype=np.float64)

    def term_postings_within(self, fieldname: str, text: bytes, within: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        """:meth:`term_postings` of only the documents in ``within`` (sorted global numbers), and
        the term's whole document frequency: all segments' lists decoded together (a list each
        cost more in Python than its postings: 190 lists a short query at 350k articles), then the
        documents of ``within`` picked out, and only their weights converted."""
        lists, totals = self.lists_of([(fieldname, text)])
        if not lists.raws:
            return _EMPTY_DOCS, _EMPTY_SCORES, 0
        docs = _decode(lists)
        if len(within) * _DENSE_FROM > self.size:  # many documents still in the running: a look-up table
            at = np.flatnonzero(self._membership(within)[docs])
        else:
            at = _positions_of(docs, within)
        weights = np.concatenate(lists.weights, dtype=np.float32)[at] if len(at) else _EMPTY_SCORES
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
        """The ids of these documents: from the id column, or the stored fields of an index made
        before it had one."""
        if self._id_column is None:
            reader = self.searcher.reader()
            self._id_column = reader.column_reader("id") if reader.has_column("id") else False
        if self._id_column is False:
            return tuple(self.searcher.stored_fields(d)["id"] for d in docnums)
        return tuple(self._id_column[d] for d in docnums)

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
        return members[_positions_of(members, among)]


def _segment(searcher: Any, offset: int) -> _Segment:
    """One segment's reader, deleted documents and posting arrays (if it has them)."""
    reader = searcher.reader()
    deleted = np.array(sorted(getattr(reader, "deleted_docs_set", None) or ()), dtype=np.int64)
    return _Segment(searcher, reader, offset, deleted, segment_arrays(reader))


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
        return _EMPTY_DOCS, _EMPTY_SCORES
    flat = np.fromiter((g for block in gaps for g in block), dtype=np.int64, count=sum(sizes))
    sums = np.cumsum(flat)
    ends = np.cumsum(sizes)
    base = np.concatenate(([0], sums[ends[:-1] - 1]))  # each block's gaps start from 0
    return sums - np.repeat(base, sizes), np.concatenate(weights)


class _PostingsCache:
    """Decoded posting lists of the most recently used terms, up to a memory budget: the common
    syllables of a language come back in query after query."""

    def __init__(self, budget_bytes: int = 64 << 20) -> None:
        self._entries: OrderedDict[tuple[int, str, bytes], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._budget = budget_bytes
        self._used = 0

    def find(self, segment: _Segment, fieldname: str, text: bytes) -> tuple[np.ndarray, np.ndarray] | None:
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


def _term(node: wq.Term, cache: ScoringCache, weighting: BM25F, within: np.ndarray | None = None) -> Matches:
    """A term over every segment at once: its postings are gathered from each segment (global
    document numbers), then filtered and scored in one pass over index-wide arrays. The query tree
    is evaluated once, not once per segment, and a term's fixed costs are paid once: a bulk load
    leaves two segments per commit (36 at 350k articles)."""
    text = _bytes_of(node, cache)
    if text is None:
        return Matches(_EMPTY_DOCS, _EMPTY_SCORES)
    if within is None:
        docs, weights = cache.term_postings(node.fieldname, text)
        frequency = len(docs)  # deleted documents counted, as Whoosh counts them
    else:
        docs, weights, frequency = cache.term_postings_within(node.fieldname, text, within)
    return _scored(node, node.boost, docs, weights, frequency, cache, weighting)


def _scored(node: wq.Term, factor: float, docs: np.ndarray, weights: np.ndarray, frequency: int,
            cache: ScoringCache, weighting: BM25F) -> Matches:
    """A term's live documents and their BM25F scores times ``factor`` (its boost, and in a
    flattened Or the boosts above it)."""
    if not len(docs):
        return Matches(_EMPTY_DOCS, _EMPTY_SCORES)
    alive = cache.alive()
    if alive is not None:
        keep = alive[docs]
        docs, weights = docs[keep], weights[keep]
    scores = np.empty(len(docs))
    _score_into(scores, node, factor, docs, weights, frequency, cache, weighting)
    return Matches(docs, scores)


def _score_into(out: np.ndarray, node: wq.Term, factor: float, docs: np.ndarray, weights: np.ndarray, frequency: int,
                cache: ScoringCache, weighting: BM25F) -> None:
    """Write a term's scores of ``docs`` (its weights there; ``frequency`` = its document
    frequency) times ``factor`` into ``out``."""
    constant = _term_constant(node, factor, frequency, cache, weighting)
    _field_scores_into(out, node.fieldname, constant, docs, weights, cache, weighting)


def _term_constant(node: wq.Term, factor: float, frequency: int, cache: ScoringCache, weighting: BM25F) -> float:
    """What a term's w / (w + k1 · norm) is multiplied by: idf · (k1 + 1) · factor (the factor
    alone in an unscored field, whose raw weights count)."""
    if not cache.searcher.schema[node.fieldname].scorable:
        return factor
    return _idf(frequency, cache.size) * (weighting.K1 + 1) * factor


def _field_scores_into(out: np.ndarray, fieldname: str, constant: float | np.ndarray, docs: np.ndarray, weights: np.ndarray,
                       cache: ScoringCache, weighting: BM25F) -> None:
    """Write scores of postings of one field into ``out``, each posting's term constant given
    (one for all, or one each).

    BM25F as Whoosh computes it, idf · w · (k1 + 1) / (w + k1 · (1 − b + b · length / average),
    its constants multiplied first: four passes over the postings instead of seven (a title query
    at 350k articles scores ≈ 900,000); the same up to the last bit or two. Weights may come as
    float32 (a long query's, half the bytes to move): the products are taken in float64."""
    if not cache.searcher.schema[fieldname].scorable:
        np.multiply(weights, constant, out=out, dtype=np.float64)
        return
    b = weighting._field_B.get(fieldname, weighting.B)  # noqa: SLF001
    denominators = cache.length_norms(fieldname, b, weighting.K1)[docs]
    denominators += weights
    np.multiply(weights, constant, out=out, dtype=np.float64)
    out /= denominators


def _idf(frequency: int, size: int) -> float:
    """Whoosh's idf (``Weighting.idf``, which BM25F keeps) from the postings just read: asking the
    searcher looked the term up again in every segment (a fifth of a title query's time with 36)."""
    return log(size / (frequency + 1)) + 1


def _concatenated(parts: list[Matches]) -> Matches:
    """Matches of consecutive segments (their document numbers already global and increasing)."""
    parts = [p for p in parts if len(p.docs)]
    if len(parts) <= 1:
        return parts[0] if parts else Matches(_EMPTY_DOCS, _EMPTY_SCORES)
    return Matches(np.concatenate([p.docs for p in parts]), np.concatenate([p.scores for p in parts]))


def _union(parts: list[Matches], size: int) -> Matches:
    """Every document of any part, its scores summed (in part order, as Whoosh's Or adds them).

    Long parts are added into a dense array over all ``size`` documents: linear, where sorting
    the concatenation (np.unique) grew as n log n and was the largest cost of a long query at
    350k articles. Short ones, where a dense array would cost more than the sort, are sorted."""
    parts = [p for p in parts if len(p.docs)]
    if not parts:
        return Matches(_EMPTY_DOCS, _EMPTY_SCORES)
    if len(parts) == 1:
        return parts[0]
    total = sum(len(p.docs) for p in parts)
    if total * _DENSE_FROM > size:
        summed = np.zeros(size)
        present = np.zeros(size, dtype=bool)
        for part in parts:  # a part's documents are distinct: plain fancy indexing adds once each
            summed[part.docs] += part.scores
            present[part.docs] = True
        docs = np.flatnonzero(present)
        return Matches(docs, summed[docs])
    docs, inverse = np.unique(np.concatenate([p.docs for p in parts]), return_inverse=True)
    return Matches(docs, np.bincount(inverse, weights=np.concatenate([p.scores for p in parts]), minlength=len(docs)))


def _scores_at(part: Matches, docs: np.ndarray, size: int) -> np.ndarray:
    """``part``'s score of each of ``docs`` (sorted), 0.0 where it does not match (adding it
    changes no sum): through an index-wide array when many, else by binary search."""
    if not len(part.docs) or not len(docs):
        return np.zeros(len(docs))
    if (len(part.docs) + len(docs)) * _DENSE_FROM > size:
        dense = np.zeros(size)
        dense[part.docs] = part.scores
        return dense[docs]
    where = np.minimum(part.docs.searchsorted(docs), len(part.docs) - 1)
    return np.where(part.docs[where] == docs, part.scores[where], 0.0)


def _positions_of(docs: np.ndarray, within: np.ndarray) -> np.ndarray:
    """Positions in ``docs`` (sorted) of the documents also in ``within`` (sorted): the shorter
    array is looked up in the longer one."""
    if not len(docs) or not len(within):
        return _EMPTY_DOCS
    if len(within) < len(docs):
        where = np.minimum(docs.searchsorted(within), len(docs) - 1)
        return where[docs[where] == within]
    where = np.minimum(within.searchsorted(docs), len(within) - 1)
    return np.flatnonzero(within[where] == docs)


def _restricted(matches: Matches, within: np.ndarray | None) -> Matches:
    if within is None:
        return matches
    at = _positions_of(matches.docs, within)
    return Matches(matches.docs[at], matches.scores[at])


def _evaluate(node: Any, cache: ScoringCache, weighting: BM25F, within: np.ndarray | None = None,
              wanted: Wanted | None = None) -> Matches:
    """The documents matching ``node`` (only those in ``within`` when given: an And's later parts
    and an AndMaybe's extra are read only for the documents still in the running) and their scores:
    the same matches either way, and the same scores to the last bit or two (exact only where
    they can reach the ``wanted`` results, when given)."""
    if isinstance(node, wq.Term):
        return _term(node, cache, weighting, within)
    if isinstance(node, wq.Phrase) and node.slop == 1 and has_positions(cache.searcher.schema, node.fieldname):
        return _phrase(node, cache, weighting, within)
    if within is None:
        shape = _or_shape(node)
        if shape is not None:
            return _flat_sum(shape[0], shape[1], cache, weighting, wanted)
    if node is wq.NullQuery or isinstance(node, type(wq.NullQuery)):
        return Matches(_EMPTY_DOCS, _EMPTY_SCORES)
    if type(node) in _COMBINATIONS and not getattr(node, "minmatch", 0) and getattr(node, "scale", None) is None:
        subs = node.subqueries
        if not subs:
            return Matches(_EMPTY_DOCS, _EMPTY_SCORES)
        if isinstance(node, wq.Or):
            result = _union([_evaluate(sub, cache, weighting, within) for sub in subs], cache.size)
        else:
            result = _conjunction(subs, cache, weighting, within)
        if len(subs) > 1 and node.boost != 1.0:
            result = Matches(result.docs, result.scores * node.boost)
        return result
    if isinstance(node, wq.AndMaybe) and getattr(node, "boost", 1.0) == 1.0:
        core = _evaluate(node.a, cache, weighting, within)
        extra = _evaluate(node.b, cache, weighting, core.docs if len(core.docs) * _DENSE_FROM <= cache.size else within)
        return Matches(core.docs, core.scores + _scores_at(extra, core.docs, cache.size))
    if isinstance(node, wq.AndNot) and getattr(node, "boost", 1.0) == 1.0:
        kept = _evaluate(node.a, cache, weighting, within)
        dropped = _evaluate(node.b, cache, weighting, kept.docs)
        keep = ~np.isin(kept.docs, dropped.docs)
        return Matches(kept.docs[keep], kept.scores[keep])
    return _restricted(_concatenated([_via_whoosh(node, segment) for segment in cache.segments]), within)


def _or_shape(node: Any) -> tuple[Any, Any | None] | None:
    """(core, extra) of ``AndMaybe(Or tree, Or tree)``, (core, None) of an Or tree of terms, else
    None. Such a query scores an article as the sum of its terms' scores (the extra's only for
    articles the core matches), whatever the nesting."""
    if isinstance(node, wq.AndMaybe) and getattr(node, "boost", 1.0) == 1.0:
        return (node.a, node.b) if _is_or_tree(node.a) and _is_or_tree(node.b) else None
    return (node, None) if not isinstance(node, (wq.Term, wq.Phrase)) and _is_or_tree(node) else None


def _is_or_tree(node: Any) -> bool:
    if isinstance(node, (wq.Term, wq.Phrase)):
        return True
    return (isinstance(node, wq.Or) and type(node) in _COMBINATIONS and not getattr(node, "minmatch", 0)
            and getattr(node, "scale", None) is None and all(_is_or_tree(sub) for sub in node.subqueries))


def _leaves(node: Any, factor: float = 1.0) -> Iterator[tuple[Any, float]]:
    """Each term (or phrase) of an Or tree and what its score is multiplied by: its boost times
    those of the Ors above it (an Or of one part does not apply its own, as :func:`_evaluate` does
    not; a phrase's own boost is in its scores)."""
    if isinstance(node, wq.Term):
        yield node, factor * node.boost
        return
    if isinstance(node, wq.Phrase):
        yield node, factor
        return
    inner = factor * node.boost if len(node.subqueries) > 1 else factor
    for sub in node.subqueries:
        yield from _leaves(sub, inner)


def _flat_sum(core: Any, extra: Any | None, cache: ScoringCache, weighting: BM25F, wanted: Wanted | None = None) -> Matches:
    """An Or tree (with an AndMaybe's extra Or tree) as one sum over its terms: each term's
    scores are added into one array, where evaluating the tree merged each nested Or on its own
    (at 350k articles a title query's twelve syllables each made an index-wide union of their
    fields, then the query a union of those: half its time). Sums may differ from the tree's in
    the last bit (another order of additions), never the matching articles."""
    keys: list[tuple[str, bytes]] = []
    leaves: list[tuple[wq.Term, float]] = []
    phrases: list[_Phrase] = []  # a headline's quoted words: matched on their own, added to the sum
    core_terms = 0
    for tree in (core, extra):
        for node, factor in _leaves(tree) if tree is not None else ():
            if isinstance(node, wq.Phrase):
                phrases.append(_Phrase(_evaluate(node, cache, weighting), factor, tree is core))
                continue
            text = _bytes_of(node, cache)
            if text is not None:
                keys.append((node.fieldname, text))
                leaves.append((node, factor))
        if tree is core:
            core_terms = len(keys)
    lists, totals = cache.lists_of(keys)
    ends = np.cumsum(totals)
    core_size = int(ends[core_terms - 1]) if core_terms else 0
    if not core_size and not any(phrase.in_core and len(phrase.matches.docs) for phrase in phrases):
        return Matches(_EMPTY_DOCS, _EMPTY_SCORES)
    # every term's postings decoded and joined at once (the core's first), each term scored in its slice
    every_doc = _decode(lists)
    every_weight = np.concatenate(lists.weights, dtype=np.float32) if lists.weights else np.empty(0, dtype=np.float32)  # exact: stored weights are float32 or small whole numbers
    spans = _Spans(every_doc, every_weight, leaves, (ends - totals).tolist(), ends.tolist())
    if wanted is not None and len(every_doc) * _DENSE_FROM > cache.size:
        return _pruned_sum(spans, core_size, phrases, cache, weighting, wanted)
    every_score = np.empty(len(every_doc))
    for term in range(len(leaves)):
        spans.score_into(every_score[spans.starts[term] : spans.ends[term]], term, cache, weighting)
    alive = cache.alive()
    if phrases or len(every_doc) * _DENSE_FROM > cache.size:  # bincount adds in array order: term by term
        summed = np.bincount(every_doc, weights=every_score, minlength=cache.size).astype(np.float64, copy=False)  # (int when empty)
        _add_phrases(summed, phrases)
        docs = np.flatnonzero(_matched(_core_docs(spans, core_size, phrases), cache))
        return Matches(docs, summed[docs])
    docs, inverse = np.unique(every_doc, return_inverse=True)
    summed = np.bincount(inverse, weights=every_score, minlength=len(docs))
    matched = np.bincount(inverse[:core_size], minlength=len(docs)) > 0
    if alive is not None:
        matched &= alive[docs]
    return Matches(docs[matched], summed[matched])


@dataclass
class _Phrase:
    """A phrase of a flat sum: its matches (its boost applied), what the Ors above it multiply
    its scores by, and whether it is part of the core (its articles match the query)."""

    matches: Matches
    factor: float
    in_core: bool


def _add_phrases(summed: np.ndarray, phrases: list[_Phrase]) -> None:
    """Add the phrases' scores into an index-wide array (a phrase's articles are distinct)."""
    for phrase in phrases:
        summed[phrase.matches.docs] += phrase.matches.scores * phrase.factor


def _core_docs(spans: "_Spans", core_size: int, phrases: list[_Phrase]) -> np.ndarray:
    """Every document the core matches: the core terms' postings, then the core phrases' articles."""
    held = [phrase.matches.docs for phrase in phrases if phrase.in_core]
    return np.concatenate([spans.docs[:core_size]] + held) if held else spans.docs[:core_size]  # (no copy of a long query's)


@dataclass
class _Spans:
    """A flat sum's terms: all their postings decoded one after another, each term's a span."""

    docs: np.ndarray
    weights: np.ndarray
    leaves: list[tuple[wq.Term, float]]
    starts: list[int]
    ends: list[int]

    def score_into(self, out: np.ndarray, term: int, cache: ScoringCache, weighting: BM25F,
                   picked: np.ndarray | None = None) -> np.ndarray:
        """Write the term's scores (of the ``picked`` postings of its span only, when given) into
        ``out``; return their documents."""
        node, factor = self.leaves[term]
        start, end = self.starts[term], self.ends[term]
        docs, weights = self.docs[start:end], self.weights[start:end]
        if picked is not None:
            docs, weights = docs[picked], weights[picked]
        _score_into(out, node, factor, docs, weights, end - start, cache, weighting)
        return docs

    def add_into(self, summed: np.ndarray, term: int, cache: ScoringCache, weighting: BM25F,
                 picked: np.ndarray | None = None) -> None:
        """Add the term's scores into an index-wide array (a term's documents are distinct)."""
        size = len(picked) if picked is not None else self.ends[term] - self.starts[term]
        scores = np.empty(size)
        docs = self.score_into(scores, term, cache, weighting, picked)
        summed[docs] += scores

    def add_together(self, summed: np.ndarray, terms: list[int], cache: ScoringCache, weighting: BM25F) -> None:
        """Add the scores of several terms into an index-wide array, those of one field in one
        pass: a title query's forty-odd rare terms cost a few numpy calls each, more than their
        postings."""
        by_field: dict[str, list[int]] = {}
        for term in terms:
            by_field.setdefault(self.leaves[term][0].fieldname, []).append(term)
        for fieldname, group in by_field.items():
            spans = [slice(self.starts[term], self.ends[term]) for term in group]
            docs = np.concatenate([self.docs[span] for span in spans])
            weights = np.concatenate([self.weights[span] for span in spans])
            constants = np.repeat([self.constant(term, cache, weighting) for term in group],
                                  [span.stop - span.start for span in spans])
            scores = np.empty(len(docs))
            _field_scores_into(scores, fieldname, constants, docs, weights, cache, weighting)
            np.add.at(summed, docs, scores)

    def constant(self, term: int, cache: ScoringCache, weighting: BM25F) -> float:
        node, factor = self.leaves[term]
        return _term_constant(node, factor, self.ends[term] - self.starts[term], cache, weighting)

    def bound(self, term: int, cache: ScoringCache, weighting: BM25F) -> float:
        """More than the term can add to any article's score: BM25F's w / (w + k1 · norm) stays
        under 1, so its constant (unbounded for an unscored field's raw weights)."""
        if not cache.searcher.schema[self.leaves[term][0].fieldname].scorable:
            return float("inf")
        return self.constant(term, cache, weighting)


def _matched(core_docs: np.ndarray, cache: ScoringCache) -> np.ndarray:
    """Index-wide flags of the live documents among ``core_docs``."""
    matched = np.zeros(cache.size, dtype=bool)
    matched[core_docs] = True
    alive = cache.alive()
    return matched & alive if alive is not None else matched


def _pruned_sum(spans: _Spans, core_size: int, phrases: list[_Phrase], cache: ScoringCache, weighting: BM25F,
                wanted: Wanted) -> Matches:
    """A flat sum whose scores are exact only where they can still reach the ``wanted`` results.

    Max-score pruning (Turtle and Flood): the rare terms are scored first, and the score of the
    count-th result among the articles they match is a first bar. The commonest terms whose
    highest possible scores add up to less than that bar cannot lift an article that has none of
    the other terms onto the page: only the other terms are scored for all their postings, and the
    common ones only for the articles whose score plus those highest scores reaches the bar (now
    measured on every match). At 350k articles nine tenths of a title query's postings are the
    common terms' (read, never scored or summed)."""
    terms = range(len(spans.leaves))
    bounds = np.array([spans.bound(term, cache, weighting) for term in terms])
    summed = np.zeros(cache.size)
    _add_phrases(summed, phrases)  # scored whole, as the rare terms are
    rare = [term for term in terms if spans.ends[term] - spans.starts[term] <= cache.size * _RARE_SHARE]
    spans.add_together(summed, rare, cache, weighting)
    surely = [spans.docs[spans.starts[term] : spans.ends[term]] for term in rare if spans.ends[term] <= core_size]
    first_bar = _first_bar(surely + [phrase.matches.docs for phrase in phrases if phrase.in_core], summed, cache, wanted)
    common = sorted(set(terms) - set(rare), key=lambda term: bounds[term])
    skipped = common[: int(np.searchsorted(np.cumsum(bounds[common]), first_bar))] if common else []
    spans.add_together(summed, sorted(set(common) - set(skipped)), cache, weighting)
    docs = np.flatnonzero(_matched(_core_docs(spans, core_size, phrases), cache))
    if not skipped:  # (a first bar of 0.0, fewer results than wanted, skips nothing)
        return Matches(docs, summed[docs])
    scores = summed[docs]
    above = docs[scores >= first_bar]  # the wanted results are among them (their scores only grew)
    bar = _lowered(kth_best_score(above, summed[above], _codes(wanted, above), wanted.count))
    skipped.sort(key=lambda term: -bounds[term])
    bar = max(bar, _raised_bar(spans, summed, above, skipped, wanted, cache, weighting))
    still_possible = np.cumsum(bounds[skipped][::-1])[::-1].tolist() + [0.0]  # what the terms from each on can add
    _add_where_reachable(spans, summed, skipped, still_possible, docs[scores + still_possible[0] >= bar], bar, cache, weighting)
    return Matches(docs, summed[docs], exact_from=bar)


def _first_bar(held: list[np.ndarray], summed: np.ndarray, cache: ScoringCache, wanted: Wanted) -> float:
    """The count-th result's score so far among the articles surely matched (``held`` by a rare
    term or a phrase of the core): the final count-th score is at least that."""
    surely = np.flatnonzero(_matched(np.concatenate(held) if held else _EMPTY_DOCS, cache))
    return _lowered(kth_best_score(surely, summed[surely], _codes(wanted, surely), wanted.count))


def _raised_bar(spans: _Spans, summed: np.ndarray, leading: np.ndarray, skipped: list[int], wanted: Wanted,
                cache: ScoringCache, weighting: BM25F) -> float:
    """A higher bar: the count-th best exact score among a few of the leading articles (the
    skipped terms added for them only). The count-th best of any articles' exact scores is at
    most the final count-th best, and it is well above the partial scores' bar, which the
    skipped terms' highest scores all had to be added to: a slow title at 350k articles kept
    50,000–95,000 articles in the running for its first skipped term, a few thousand now."""
    sample, _ = best_matches(leading, summed[leading], _codes(wanted, leading), wanted.count * _EXACT_SAMPLE)
    sample = np.sort(sample)
    exact = summed[sample]
    for term in skipped:  # in the order _add_where_reachable adds them: the same sums to the bit
        picked = _postings_of(spans.docs[spans.starts[term] : spans.ends[term]], sample)
        scores = np.empty(len(picked))
        exact[np.searchsorted(sample, spans.score_into(scores, term, cache, weighting, picked))] += scores
    return _lowered(kth_best_score(sample, exact, _codes(wanted, sample), wanted.count))


def _add_where_reachable(spans: _Spans, summed: np.ndarray, skipped: list[int], still_possible: list[float],
                         candidates: np.ndarray, bar: float, cache: ScoringCache, weighting: BM25F) -> None:
    """Add the skipped terms' scores, in order, for the ``candidates`` whose score plus what the
    terms not yet added can give (``still_possible[step]``) still reaches ``bar``; the others
    drop out as that shrinks."""
    for step, term in enumerate(skipped):
        picked = _postings_of(spans.docs[spans.starts[term] : spans.ends[term]], candidates)
        spans.add_into(summed, term, cache, weighting, picked)
        candidates = candidates[summed[candidates] + still_possible[step + 1] >= bar]


def _postings_of(span: np.ndarray, docs: np.ndarray) -> np.ndarray:
    """Positions in a term's documents (sorted) of those among ``docs`` (sorted): by binary
    search when few, else through index-wide flags."""
    if not len(docs):
        return _EMPTY_DOCS
    if len(docs) * _SEARCH_FROM < len(span):
        at = np.minimum(span.searchsorted(docs), len(span) - 1)
        return at[span[at] == docs]
    flags = np.zeros(int(max(span[-1], docs[-1])) + 1, dtype=bool)
    flags[docs] = True
    return np.flatnonzero(flags[span])


def _lowered(bar: float) -> float:
    """A bar a hair lower, so that rounding never lets a qualifying article through unscored."""
    return bar - abs(bar) * _MARGIN


def _codes(wanted: Wanted, docs: np.ndarray) -> np.ndarray | None:
    return wanted.codes[docs] if wanted.codes is not None else None


def _bytes_of(node: wq.Term, cache: ScoringCache) -> bytes | None:
    """A term's text as the index holds it; None for a field the schema lacks or a text the
    field cannot hold (a word in a date field)."""
    schema = cache.searcher.schema
    if node.fieldname not in schema:
        return None
    try:
        return schema[node.fieldname].to_bytes(node.text)
    except ValueError:
        return None


def _conjunction(subs: list[Any], cache: ScoringCache, weighting: BM25F, within: np.ndarray | None) -> Matches:
    """Documents of every part: the part expected to match fewest is read first, every other only
    for the documents still in the running (a common syllable's list is then looked into, not
    scored and merged whole); scores summed in the parts' own order, as Whoosh adds them."""
    order = sorted(range(len(subs)), key=lambda i: _expected_matches(subs[i], cache))
    parts: dict[int, Matches] = {}
    running = within
    for i in order:
        parts[i] = part = _evaluate(subs[i], cache, weighting, running)
        running = part.docs  # each part's documents are among the previous part's
        if not len(running):
            return Matches(_EMPTY_DOCS, _EMPTY_SCORES)
    scores = np.zeros(len(running))
    for i in range(len(subs)):
        scores += _scores_at(parts[i], running, cache.size)
    return Matches(running, scores)


def _phrase(node: wq.Phrase, cache: ScoringCache, weighting: BM25F, within: np.ndarray | None) -> Matches:
    """A phrase as Whoosh scores it — the sum of its words' scores, times its boost — for the
    articles holding every word (an And of its words, with numpy) where the words stand one after
    another (positions read for those articles only, :mod:`newsearch.phrases`)."""
    words = [wq.Term(node.fieldname, word) for word in node.words]
    texts = [_bytes_of(word, cache) for word in words]
    if not words or any(text is None for text in texts):
        return Matches(_EMPTY_DOCS, _EMPTY_SCORES)
    every_word = _conjunction(words, cache, weighting, within)
    if not len(every_word.docs):
        return every_word
    keep = in_order([(segment.reader, segment.offset) for segment in cache.segments], node.fieldname, texts, every_word.docs)
    scores = every_word.scores[keep]
    return Matches(every_word.docs[keep], scores * node.boost if node.boost != 1.0 else scores)


def _expected_matches(node: Any, cache: ScoringCache) -> int:
    """At most how many documents a part matches, from its terms' document frequencies (terms
    already located: no reading); unknown parts count as the whole index."""
    if isinstance(node, wq.Term):
        text = _bytes_of(node, cache)
        return cache.frequency(node.fieldname, text) if text is not None else 0
    if isinstance(node, wq.Or) and type(node) in _COMBINATIONS:
        return min(cache.size, sum(_expected_matches(sub, cache) for sub in node.subqueries))
    if isinstance(node, wq.And) and node.subqueries:
        return min(_expected_matches(sub, cache) for sub in node.subqueries)
    if isinstance(node, (wq.AndMaybe, wq.AndNot)):
        return _expected_matches(node.a, cache)
    return cache.size


def _via_whoosh(node: Any, segment: _Segment) -> Matches:
    """Anything else (a phrase such as "Covid-19", a date range) through Whoosh's own matcher,
    one document at a time: such parts of our queries match few articles."""
    matcher = node.matcher(segment.searcher)
    docs: list[int] = []
    scores: list[float] = []
    while matcher.is_active():
        docs.append(matcher.id())
        scores.append(matcher.score())
        matcher.next()
    return Matches(np.array(docs, dtype=np.int64) + segment.offset, np.array(scores, dtype=np.float64))


def score_query(cache: ScoringCache, query: Any, weighting: BM25F, wanted: Wanted | None = None) -> Matches:
    """Every document matching ``query`` with its score (global document numbers, sorted); with
    ``wanted``, scores exact from ``Matches.exact_from`` up, which the wanted results reach."""
    if type(weighting) is not BM25F:  # subclasses may score differently
        raise Unsupported(type(weighting).__name__)
    cache.locate(query_terms(query, cache))
    return _evaluate(query, cache, weighting, wanted=wanted)


def query_terms(query: Any, cache: ScoringCache) -> list[tuple[str, bytes]]:
    """(field, term bytes) of every term of a query, for :meth:`ScoringCache.locate`."""
    return list(_term_keys(query, cache))


def _term_keys(node: Any, cache: ScoringCache) -> Iterator[tuple[str, bytes]]:
    """(field, term bytes) of every Term in a query tree, and of every phrase's words, for
    :meth:`ScoringCache.locate`."""
    if isinstance(node, wq.Term):
        text = _bytes_of(node, cache)
        if text is not None:
            yield node.fieldname, text
        return
    if isinstance(node, wq.Phrase):  # its words are read as terms (an And of them)
        for word in node.words:
            yield from _term_keys(wq.Term(node.fieldname, word), cache)
        return
    for child in node.children():
        yield from _term_keys(child, cache)
