"""Whoosh segments written straight from analysed documents, without Whoosh's general writer.

Whoosh's ``SegmentWriter`` runs every posting through a tokenizer, a pickle per posting value,
a sort pool that spills pickled runs to disk, and a k-way merge: most of indexing time once the
analysis is done elsewhere. Our text fields arrive as space-separated terms, so a
:class:`SegmentBuilder` counts them itself, keeps the postings compactly in memory (a few arrays),
sorts them once with numpy when the segment is written, and feeds Whoosh's own codec: the files are
ordinary Whoosh segments. Several builders (one per worker process) write segments side by side
without the index lock; the process holding the lock adds them to the index at commit
(:mod:`newsearch.pipeline`).
"""

from __future__ import annotations

import pickle
from array import array
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Iterator

from whoosh.codec import default_codec
from whoosh.filedb.filestore import FileStorage
from whoosh.formats import Positions
from whoosh.system import pack_uint

from .schema import TERM_FIELDS, build_schema

__all__ = ["SegmentBuilder", "term_postings", "INDEX_NAME", "SEGMENT_MEMORY_MB"]

INDEX_NAME = "MAIN"  # Whoosh's default index name: segment files are MAIN_<id>.*
SEGMENT_MEMORY_MB = 160  # postings held in memory per builder before its segment is written
_KEY_BYTES = 160  # rough memory of one distinct (field, term) key: dict slot, tuple, bytes
_POSTING_BYTES = 16  # four array items per posting, besides its value bytes

Posting = tuple[bytes, int, bytes]  # term, frequency, encoded value


def _positions_value(positions: list[int]) -> bytes:
    """Whoosh's ``Positions`` encoding (count, then the pickled gaps): what its reader decodes."""
    gaps = [positions[0]] + [b - a for a, b in zip(positions, positions[1:])]
    return pack_uint(len(gaps)) + pickle.dumps(gaps, 2)


def term_postings(text: str, *, positional: bool) -> tuple[list[Posting], int]:
    """The postings of one field of one document, and the field's length in terms.

    ``text`` holds the terms separated by single spaces (see :mod:`newsearch.analysis`); the
    values are those of Whoosh's ``Positions`` or ``Frequency`` format, byte for byte."""
    terms = [t for t in text.split(" ") if t]
    if positional:
        where: dict[str, list[int]] = defaultdict(list)
        for position, term in enumerate(terms):
            where[term].append(position)
        return [(t.encode(), len(p), _positions_value(p)) for t, p in where.items()], len(terms)
    counts = Counter(terms)
    return [(t.encode(), n, pack_uint(n)) for t, n in counts.items()], len(terms)


class _Postings:
    """The postings of one segment in a few flat arrays (≈ 20 bytes each instead of ≈ 150 as
    Python tuples), sorted by (field, term, document) only when written."""

    def __init__(self) -> None:
        self.keys: dict[tuple[str, bytes], int] = {}
        self.key_ids = array("I")
        self.docnums = array("I")
        self.freqs = array("I")
        self.value_sizes = array("I")
        self.values = bytearray()

    def add(self, fieldname: str, postings: list[Posting], docnum: int) -> None:
        keys = self.keys
        for term, freq, value in postings:
            key = (fieldname, term)
            key_id = keys.get(key)
            if key_id is None:
                key_id = keys[key] = len(keys)
            self.key_ids.append(key_id)
            self.docnums.append(docnum)
            self.freqs.append(freq)
            self.value_sizes.append(len(value))
            self.values += value

    def memory(self) -> int:
        return len(self.keys) * _KEY_BYTES + len(self.docnums) * _POSTING_BYTES + len(self.values)

    def in_order(self, batch: int = 65536) -> Iterator[tuple[str, bytes, list[tuple[int, int, bytes]]]]:
        """(field, term, [(docnum, freq, value), ...]) in the order Whoosh's codec wants.

        Postings of one key were added in document order; a stable sort on the key's rank keeps
        it."""
        import numpy as np

        ordered_keys = sorted(self.keys)
        rank = np.empty(len(ordered_keys), dtype=np.int64)
        rank[np.fromiter((self.keys[k] for k in ordered_keys), dtype=np.int64, count=len(ordered_keys))] = np.arange(len(ordered_keys))
        key_ids = np.frombuffer(self.key_ids, dtype=np.uint32) if self.key_ids else np.empty(0, np.uint32)
        order = np.argsort(rank[key_ids], kind="stable")
        sizes = np.frombuffer(self.value_sizes, dtype=np.uint32).astype(np.int64) if self.value_sizes else np.empty(0, np.int64)
        ends = np.cumsum(sizes)
        starts = ends - sizes
        docnums = np.frombuffer(self.docnums, dtype=np.uint32) if self.docnums else np.empty(0, np.uint32)
        freqs = np.frombuffer(self.freqs, dtype=np.uint32) if self.freqs else np.empty(0, np.uint32)
        values = bytes(self.values)
        current: list[tuple[int, int, bytes]] = []
        current_rank = -1
        for begin in range(0, len(order), batch):
            chunk = order[begin : begin + batch]
            for key_rank, docnum, freq, start, end in zip(
                rank[key_ids[chunk]].tolist(), docnums[chunk].tolist(), freqs[chunk].tolist(),
                starts[chunk].tolist(), ends[chunk].tolist(),
            ):
                if key_rank != current_rank:
                    if current:
                        yield (*ordered_keys[current_rank], current)
                    current_rank, current = key_rank, []
                current.append((docnum, freq, values[start:end]))
        if current:
            yield (*ordered_keys[current_rank], current)


class SegmentBuilder:
    """Writes documents into new segments of the index at ``path``; :meth:`finish` returns them
    for the lock holder to commit. A segment is written whenever the postings in memory pass
    ``memory_mb``, so memory stays bounded whatever the number of documents.

    The builder takes no lock: the caller must hold the index's (or be run by whoever does)."""

    def __init__(self, path: str | Path, memory_mb: int = SEGMENT_MEMORY_MB) -> None:
        self._storage = FileStorage(str(path))
        self._codec = default_codec()
        self._schema = build_schema()
        self._names = sorted(self._schema.names())
        self._limit = memory_mb * 1024 * 1024
        self._finished: list[Any] = []
        self._segment: Any = None
        self._where: dict[str, tuple[int, int]] = {}  # id → (segment number, docnum) this session
        self._deleted: dict[int, set[int]] = defaultdict(set)

    # -- documents

    def add(self, document: dict[str, Any]) -> None:
        """Add one document (a :func:`newsearch.schema.document_of` dict); an earlier document
        with the same id given to this builder is deleted."""
        if self._segment is None:
            self._start_segment()
        self.delete(document["id"])
        docnum = self._docnum
        self._add_fields(document, docnum)
        self._where[document["id"]] = (len(self._finished), docnum)
        self._docnum += 1
        if self._postings.memory() > self._limit:
            self._write_segment()

    def delete(self, article_id: str) -> bool:
        """Delete the document with this id given to this builder since the last finish."""
        found = self._where.pop(article_id, None)
        if found is None:
            return False
        self._deleted[found[0]].add(found[1])
        return True

    def finish(self) -> list[Any]:
        """Write what is pending and return every segment written since the last finish."""
        if self._segment is not None:
            self._write_segment()
        segments = self._finished
        for number, segment in enumerate(segments):
            for docnum in self._deleted.get(number, ()):
                segment.delete_document(docnum)
        self._finished, self._where, self._deleted = [], {}, defaultdict(set)
        return segments

    # -- internals

    def _start_segment(self) -> None:
        self._segment = self._codec.new_segment(self._storage, INDEX_NAME)
        self._perdoc = self._codec.per_document_writer(self._storage, self._segment)
        self._postings = _Postings()
        self._lengths: dict[str, array] = defaultdict(lambda: array("I"))
        self._docnum = 0

    def _add_fields(self, document: dict[str, Any], docnum: int) -> None:
        perdoc, schema = self._perdoc, self._schema
        perdoc.start_doc(docnum)
        for name in self._names:
            value = document.get(name)
            if value is None:
                continue
            field = schema[name]
            length = 0
            if field.indexed:
                if name in TERM_FIELDS:
                    postings, count = term_postings(value, positional=isinstance(field.format, Positions))
                else:
                    postings, count = [(t, f, v) for t, f, _, v in field.index(value)], 0
                    count = sum(f for _, f, _ in postings)
                if field.scorable:
                    length = count
                    lengths = self._lengths[name]
                    lengths.extend([0] * (docnum + 1 - len(lengths)))
                    lengths[docnum] = length
                self._postings.add(name, postings, docnum)
            stored = document.get(f"_stored_{name}", value)
            perdoc.add_field(name, field, stored if field.stored else None, length)
            if field.column_type and stored is not None:
                perdoc.add_column_value(name, field.column_type, field.to_column_value(stored))
        perdoc.finish_doc()

    def _write_segment(self) -> None:
        segment, schema = self._segment, self._schema
        self._perdoc.close()
        writer = self._codec.field_writer(self._storage, segment)
        current_field = None
        for name, term, postings in self._postings.in_order():
            if name != current_field:
                if current_field is not None:
                    writer.finish_field()
                writer.start_field(name, schema[name])
                current_field = name
                lengths = self._lengths.get(name)
                length_of = (lambda d, _l=lengths: _l[d] if d < len(_l) else 0) if lengths is not None else (lambda d: 0)
            writer.start_term(term)
            for docnum, freq, value in postings:
                writer.add(docnum, float(freq), value, length_of(docnum))
            writer.finish_term()
        if current_field is not None:
            writer.finish_field()
        writer.close()
        segment.set_doc_count(self._docnum)
        if segment.should_assemble():
            segment.create_compound_file(self._storage)
            segment.compound = True
        self._finished.append(segment)
        self._segment = None
        self._postings = _Postings()
