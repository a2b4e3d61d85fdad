"""Merge Whoosh segments by copying their postings block by block, and the policy that picks them.

Whoosh merges segments through its general writer: every posting of every term is read through a
matcher, re-added one at a time to a sorting pool and written again — 322 s for the 35k-article
index, longer than building it. Here the terms of the segments are merged in key order, each
term's postings are read whole — from the segments' posting arrays (:mod:`newsearch.postings`)
for the fields without positions (94% of the terms: syllable pairs, names, band keys, ids), else
a Whoosh block at a time — their document numbers renumbered with numpy
(deleted documents dropped), and written with the block writer the segment builders use
(:func:`newsearch.segments.write_whole_term`). Stored fields, columns and field lengths are copied
document by document. The result is an ordinary Whoosh segment with the same postings, weights,
values, stored fields and columns as Whoosh's own merge gives.

:func:`tiered_merge` decides what to merge at a commit: segments are put in tiers by size (a tier
holds segments up to ``MERGE_FACTOR`` times larger than the one below), and a tier holding
``MERGE_FACTOR`` segments is merged into one of the tier above — each article is copied about
log(N) times over the life of an index, and an index keeps few segments.
"""

from __future__ import annotations

import heapq
from array import array
from dataclasses import dataclass
from itertools import groupby, islice, takewhile
from math import log
from typing import Any, Iterator, Sequence

import numpy as np
from whoosh.codec import default_codec
from whoosh.formats import Existence, Frequency
from whoosh.util.numeric import byte_to_length

from .scoringcache import encoded_lengths
from .postings import AMBIGUOUS, PostingArrays, PostingArraysWriter, covered_fields, open_posting_arrays, term_hash
from .schema import VOCABULARY_FIELD
from .segments import INDEX_NAME, write_whole_term
from .termsindex import field_writer

__all__ = ["merge_segments", "merge_small", "merge_all", "tiered_merge", "MERGE_FACTOR", "SMALLEST_TIER", "AUTO_MERGE_DOCS"]

MERGE_FACTOR = 4  # segments of one tier merged together; also the size ratio between tiers
SMALLEST_TIER = 2000  # documents: segments up to this size are all in the lowest tier
# Commits merge only segments up to this size (incremental additions): merging the large segments
# of a bulk load costs about as much as analysing their articles, so that is left to an explicit
# optimize (`newsearch optimize`, `Index.optimize()`).
AUTO_MERGE_DOCS = 5000

_LENGTH_OF_BYTE = np.array([byte_to_length(b) for b in range(256)], dtype=np.int64)


def tiered_merge(segments: Sequence[Any]) -> list[list[Any]]:
    """Groups of segments to merge (each group into one), smallest tiers first.

    Only segments of one tier are merged together, ``MERGE_FACTOR`` at a time, so a merge costs in
    proportion to what it produces and large segments are rewritten rarely."""
    tiers: dict[int, list[Any]] = {}
    for segment in segments:
        live = max(1, segment.doc_count())
        tiers.setdefault(_tier(live), []).append(segment)
    groups = []
    for tier in sorted(tiers):
        members = sorted(tiers[tier], key=lambda s: s.doc_count())
        while len(members) >= MERGE_FACTOR:
            groups.append(members[:MERGE_FACTOR])
            members = members[MERGE_FACTOR:]
    return groups


def merge_small(storage: Any, schema: Any, segments: Sequence[Any]) -> list[Any]:
    """The segments to keep after a commit: empty ones dropped, small ones merged by tiers."""
    live = [s for s in segments if s.doc_count()]
    small = [s for s in live if s.doc_count() <= AUTO_MERGE_DOCS]
    groups = tiered_merge(small)
    taken = {id(s) for group in groups for s in group}
    return [s for s in live if id(s) not in taken] + [merge_segments(storage, schema, g) for g in groups]


def merge_all(storage: Any, schema: Any, segments: Sequence[Any]) -> list[Any]:
    """One segment holding every live document (none if there is none)."""
    live = [s for s in segments if s.doc_count()]
    if len(live) == 1 and not live[0].has_deletions() or not live:
        return live
    return [merge_segments(storage, schema, live)]


def _tier(documents: int) -> int:
    return 0 if documents <= SMALLEST_TIER else 1 + int(log(documents / SMALLEST_TIER, MERGE_FACTOR))


def merge_segments(storage: Any, schema: Any, segments: Sequence[Any]) -> Any:
    """A new segment holding the live documents of ``segments`` in order (the first segment's
    first); the old segments are left as they are for the caller to drop."""
    codec = default_codec()
    merged = codec.new_segment(storage, INDEX_NAME)
    names = sorted(schema.names())
    renumbered, lengths = _copy_documents(codec, storage, schema, names, segments, merged)
    _copy_postings(codec, storage, schema, names, segments, merged, renumbered, lengths)
    merged.set_doc_count(sum(int((m >= 0).sum()) for m in renumbered))
    return merged


def _files_of(storage: Any, segment: Any) -> Any:
    """Where a segment's files are read from: the index folder, or its compound file."""
    return segment.open_compound_file(storage) if segment.is_compound() else storage


def _live_numbers(segment: Any, base: int) -> np.ndarray:
    """Old document number → new one (-1 for a deleted document)."""
    count = segment.doc_count_all()
    alive = np.ones(count, dtype=bool)
    deleted = list(segment.deleted_docs()) if segment.has_deletions() else []
    if deleted:
        alive[np.array(deleted, dtype=np.int64)] = False
    numbers = np.full(count, -1, dtype=np.int64)
    numbers[alive] = base + np.arange(int(alive.sum()))
    return numbers


def _copy_documents(codec: Any, storage: Any, schema: Any, names: list[str], segments: Sequence[Any],
                    merged: Any) -> tuple[list[np.ndarray], dict[str, array]]:
    """Stored fields, columns and lengths of every live document; returns the renumbering of each
    segment and the new segment's field lengths (for the postings blocks' length bounds)."""
    perdoc = codec.per_document_writer(storage, merged)
    scorable = [n for n in names if schema[n].scorable]
    columns = [n for n in names if schema[n].column_type]
    totals = dict.fromkeys(scorable, 0)
    lengths = {n: array("I") for n in scorable}
    renumbered: list[np.ndarray] = []
    base = 0
    try:
        for segment in segments:
            reader = codec.per_document_reader(_files_of(storage, segment), segment)
            try:
                count = segment.doc_count_all()
                numbers = _live_numbers(segment, base)
                renumbered.append(numbers)
                live = np.nonzero(numbers >= 0)[0]
                raw = {n: encoded_lengths(reader, n, count) for n in scorable}
                decoded = {n: _LENGTH_OF_BYTE[raw[n]] for n in scorable}
                for name in scorable:
                    # the exact total of the segment, less the (encoded) lengths of its deleted documents
                    dead = decoded[name][numbers < 0].sum()
                    totals[name] += max(0, segment._fieldlengths.get(name, 0) - int(dead))  # noqa: SLF001
                    lengths[name].extend(decoded[name][live].tolist())
                column_readers = {n: reader.column_reader(n, schema[n].column_type) for n in columns if reader.has_column(n)}
                for docnum in live.tolist():
                    stored = reader.stored_fields(docnum)
                    perdoc.start_doc(base)
                    for name in names:
                        field = schema[name]
                        length = int(decoded[name][docnum]) if name in decoded else 0
                        if field.stored and name in stored or length:
                            perdoc.add_field(name, field, stored.get(name), length)
                    for name, column in column_readers.items():
                        perdoc.add_column_value(name, schema[name].column_type, column[docnum])
                    perdoc.finish_doc()
                    base += 1
            finally:
                reader.close()
        perdoc._fieldlengths.clear()  # noqa: SLF001 - exact totals instead of re-encoded ones
        perdoc._fieldlengths.update({n: t for n, t in totals.items() if t})  # noqa: SLF001
    finally:
        perdoc.close()
    return renumbered, lengths


def _field_terms(terms: Any, fieldname: str, number: int) -> Iterator[tuple[bytes, int, Any]]:
    """(term, segment number, term info) of one field of one segment, in term order."""
    for (name, text), info in terms.items_from(fieldname, b""):
        if name != fieldname:
            return
        yield text, number, info


_LISTS_AT_ONCE = 65_536  # terms looked up in the posting arrays together (bounds the memory used)


def _array_field_terms(terms: Any, arrays: PostingArrays, fieldname: str, number: int) -> Iterator[tuple[bytes, int, Any]]:
    """:func:`_field_terms` for a field whose postings the segment's arrays hold: each term's
    place in the arrays instead of Whoosh's term info, so that its postings are read with numpy,
    not through Whoosh's block reader (≈ 30 µs a term: a third of a merge). A term the arrays
    cannot answer (an ambiguous hash) comes with Whoosh's term info."""
    texts = takewhile(lambda key: key[0] == fieldname, terms.terms_from(fieldname, b""))
    while chunk := [text for _, text in islice(texts, _LISTS_AT_ONCE)]:
        hashes = np.fromiter((term_hash(fieldname, text) for text in chunk), dtype=np.uint64, count=len(chunk))
        places = zip(*(column.tolist() for column in arrays.describe(arrays.locate(fieldname, hashes))))  # type: ignore[arg-type]
        for text, (kind, count, start, first) in zip(chunk, places):
            if kind < 0 or kind == AMBIGUOUS:
                yield text, number, terms.term_info(fieldname, text)
            else:
                yield text, number, _InArrays(arrays, kind, count, start, first)


@dataclass(frozen=True, slots=True)
class _InArrays:
    """Where a term's list is in a segment's posting arrays."""

    arrays: PostingArrays
    kind: int
    count: int
    start: int
    first: int

    def postings(self) -> tuple[np.ndarray, np.ndarray]:
        """(document numbers, weights) as int64 and float64, as :func:`_postings` reads them."""
        return self.arrays.read(self.kind, self.count, self.start, self.first)


def _values_of(field: Any, weights: np.ndarray) -> list[Any]:
    """Whoosh's posting values of a field without positions, made from the weights: a frequency
    field's value is the frequency as a big-endian uint32 (``pack_uint``, as the segment builders
    write it), an existence field has none."""
    if isinstance(field.format, Frequency):
        packed = weights.astype(">u4").tobytes()
        return [packed[i : i + 4] for i in range(0, len(packed), 4)]
    return [None] * len(weights)


def _reads_arrays(field: Any) -> bool:
    """Whether a field's postings can be merged from the posting arrays: no positions (the arrays
    hold numbers and weights) and values that follow from the weights (frequencies, or none)."""
    return type(field.format) in (Frequency, Existence) and field.format.field_boost == 1.0


def _copy_postings(codec: Any, storage: Any, schema: Any, names: list[str], segments: Sequence[Any], merged: Any,
                   renumbered: list[np.ndarray], lengths: dict[str, array]) -> None:
    readers = [codec.terms_reader(_files_of(storage, s), s) for s in segments]
    sources = [open_posting_arrays(storage, s) for s in segments]  # beside the segment, never in a compound file
    writer = field_writer(codec, storage, merged)
    arrays = PostingArraysWriter(storage, merged, covered_fields(schema), listed=(VOCABULARY_FIELD,))
    try:
        for name in names:
            field = schema[name]
            if not field.indexed:
                continue
            present = [(n, r) for n, r in enumerate(readers) if name in r.indexed_field_names()]
            started = False
            from_arrays = _reads_arrays(field)
            streams = [_array_field_terms(r, sources[n], name, n)  # type: ignore[arg-type]
                       if from_arrays and sources[n] is not None and name in sources[n].fields  # type: ignore[union-attr]
                       else _field_terms(r, name, n) for n, r in present]
            for text, group in groupby(heapq.merge(*streams, key=lambda item: item[0]), key=lambda item: item[0]):
                docnums, weights, values = [], [], []
                for _, number, info in group:
                    if isinstance(info, _InArrays):
                        d, w = info.postings()
                        v: list[Any] = []
                    else:
                        d, w, v = _postings(readers[number], codec, info, field.format)
                        v = [] if from_arrays else v  # made from the weights below
                    new = renumbered[number][d]
                    keep = new >= 0
                    if not keep.all():
                        new, w = new[keep], w[keep]
                        v = [x for x, k in zip(v, keep.tolist()) if k] if v else v
                    docnums.append(new)
                    weights.append(w)
                    values.extend(v)
                ids = np.concatenate(docnums) if len(docnums) > 1 else docnums[0]
                if not len(ids):
                    continue  # every document holding the term was deleted
                if not started:
                    writer.start_field(name, field)
                    started = True
                freqs = np.concatenate(weights) if len(weights) > 1 else weights[0]
                if from_arrays:  # the same values Whoosh holds, whichever way the postings were read
                    values = _values_of(field, freqs)
                write_whole_term(writer, text, (ids.tolist(), freqs.tolist(), values), lengths.get(name))
                arrays.add(name, text, ids, freqs)
            if started:
                writer.finish_field()
    finally:
        writer.close()
        arrays.close()
        for reader in readers:
            reader.close()
        for source in sources:
            if source is not None:
                source.close()


def _postings(terms: Any, codec: Any, info: Any, format_: Any) -> tuple[np.ndarray, np.ndarray, list[Any]]:
    """(document numbers, weights, values) of one term in one segment, read a block at a time."""
    if info.is_inlined():
        ids, weights, values = info.inlined_postings()
        return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float64), list(values or [None] * len(ids))
    matcher = codec.postings_reader(terms._postfile, info, format_)  # noqa: SLF001 - whoosh3 is pinned exactly
    ids_parts, weight_parts, values_out = [], [], []
    while matcher.is_active():
        matcher._read_ids()  # noqa: SLF001
        matcher._read_weights()  # noqa: SLF001
        matcher._read_values()  # noqa: SLF001
        ids_parts.append(np.asarray(matcher._ids, dtype=np.int64))  # noqa: SLF001
        weight_parts.append(np.asarray(matcher._weights, dtype=np.float64))  # noqa: SLF001
        values_out.extend(matcher._values)  # noqa: SLF001
        matcher._next_block()  # noqa: SLF001
    return np.concatenate(ids_parts), np.concatenate(weight_parts), values_out
