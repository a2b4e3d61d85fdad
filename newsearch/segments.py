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

import heapq
import os
import pickle
import struct
import tempfile
import zlib
from array import array
from collections import Counter, defaultdict
from functools import lru_cache
from itertools import groupby, repeat
from pathlib import Path
from typing import Any, Iterator

from whoosh.codec import default_codec
from whoosh.filedb.filestore import FileStorage
from whoosh.formats import Positions
from whoosh.codec.whoosh3 import COMPRESSION_MIN_SIZE, WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.system import pack_int, pack_long, pack_uint, pack_ushort
from whoosh.util.numeric import length_to_byte
from whoosh.util.numlists import delta_encode

from .postings import PostingArraysWriter, covered_fields
from .schema import TERM_FIELDS, VOCABULARY_FIELD, build_schema
from .termsindex import field_writer

__all__ = ["SegmentBuilder", "term_postings", "write_term", "write_whole_term", "INDEX_NAME", "TEMP_DIR", "SEGMENT_MEMORY_MB"]

INDEX_NAME = "MAIN"  # Whoosh's default index name: segment files are MAIN_<id>.*
TEMP_DIR = f"{INDEX_NAME}.tmp"  # Whoosh's temporary files, and our spilled runs
SEGMENT_MEMORY_MB = 64  # postings held in memory per builder before they are spilled to a run
_KEY_BYTES = 160  # rough memory of one distinct (field, term) key: dict slot, tuple, bytes
_POSTING_BYTES = 16  # four array items per posting, besides its value bytes

Posting = tuple[bytes, int, bytes]  # term, frequency, encoded value


def _positions_value(positions: list[int]) -> bytes:
    """Whoosh's ``Positions`` encoding (count, then the pickled gaps): what its reader decodes."""
    if len(positions) == 1:  # most terms occur once in a document
        return _single_position_value(positions[0])
    gaps = [positions[0]] + [b - a for a, b in zip(positions, positions[1:])]
    return pack_uint(len(gaps)) + pickle.dumps(gaps, 2)


@lru_cache(maxsize=65536)
def _single_position_value(position: int) -> bytes:
    return pack_uint(1) + pickle.dumps([position], 2)


_SINGLE_POSITIONS = [_single_position_value(position) for position in range(4096)]  # most terms: once, early


def term_postings(text: str, *, positional: bool) -> tuple[list[Posting], int]:
    """The postings of one field of one document, and the field's length in terms.

    ``text`` holds the terms separated by single spaces (see :mod:`newsearch.analysis`); the
    values are those of Whoosh's ``Positions`` or ``Frequency`` format, byte for byte."""
    terms = [t for t in text.split(" ") if t]
    if positional:
        where: dict[str, list[int]] = defaultdict(list)
        for position, term in enumerate(terms):
            where[term].append(position)
        single = _SINGLE_POSITIONS
        return [(t.encode(), len(p), single[p[0]] if len(p) == 1 and p[0] < len(single) else _positions_value(p))
                for t, p in where.items()], len(terms)
    counts = Counter(terms)
    return [(t.encode(), n, pack_uint(n)) for t, n in counts.items()], len(terms)


class _Postings:
    """The postings of one segment in a few flat arrays (≈ 20 bytes each instead of ≈ 150 as
    Python tuples), sorted by (field, term, document) only when spilled or written."""

    def __init__(self) -> None:
        self.keys: dict[str, dict[bytes, int]] = {}  # field → term → key id
        self.key_count = 0
        self.key_ids = array("I")
        self.docnums = array("I")
        self.freqs = array("I")
        self.value_sizes = array("I")
        self.values = bytearray()

    def __len__(self) -> int:
        return len(self.docnums)

    def add(self, fieldname: str, postings: list[Posting], docnum: int) -> None:
        """Keep a document's postings of one field (each term once), a few whole-list steps per
        field rather than per posting."""
        if not postings:
            return
        keys = self.keys.get(fieldname)
        if keys is None:
            keys = self.keys[fieldname] = {}
        terms, freqs, values = zip(*postings)
        ids = list(map(keys.get, terms))
        if None in ids:
            new = [term for term, key_id in zip(terms, ids) if key_id is None]
            keys.update(zip(new, range(self.key_count, self.key_count + len(new))))
            self.key_count += len(new)
            ids = list(map(keys.__getitem__, terms))
        self.key_ids.extend(ids)
        self.docnums.extend(repeat(docnum, len(ids)))
        self.freqs.extend(freqs)
        self.value_sizes.extend(map(len, values))
        self.values += b"".join(values)

    def memory(self) -> int:
        return self.key_count * _KEY_BYTES + len(self.docnums) * _POSTING_BYTES + len(self.values)

    def sorted_run(self, field_numbers: dict[str, int]) -> "_Run":
        """The postings ordered by (field, term), each key's in document order (a stable sort on
        the key's rank keeps the order they were added in)."""
        import numpy as np

        fields = sorted(self.keys)
        ordered_terms = [sorted(self.keys[field]) for field in fields]  # references only: no new tuples
        rank = np.empty(self.key_count, dtype=np.int64)
        at = 0
        for field, terms in zip(fields, ordered_terms):
            ids = np.fromiter(map(self.keys[field].__getitem__, terms), dtype=np.int64, count=len(terms))
            rank[ids] = np.arange(at, at + len(terms))
            at += len(terms)
        key_ranks = rank[np.frombuffer(self.key_ids, dtype=np.uint32)]
        order = np.argsort(key_ranks, kind="stable")
        counts = iter(np.bincount(key_ranks, minlength=self.key_count).tolist())
        sizes = np.frombuffer(self.value_sizes, dtype=np.uint32)
        # A generator: a list of a million (field, term, count) tuples was ≈ 70 MB at once.
        keys = ((field_numbers[f], t, next(counts)) for f, terms in zip(fields, ordered_terms) for t in terms)
        return _Run(
            keys,
            _Cursor(np.frombuffer(self.docnums, dtype=np.uint32)[order].tobytes()),
            _Cursor(np.frombuffer(self.freqs, dtype=np.uint32)[order].tobytes()),
            _Cursor(sizes[order].tobytes()),
            _Cursor(_gather(np.frombuffer(self.values, dtype=np.uint8), sizes, order)),
        )


def _gather(values: Any, sizes: Any, order: Any, chunk: int = 1 << 15) -> bytes:
    """The variable-length values put in ``order``, with numpy, a chunk of postings at a time."""
    import numpy as np

    starts = np.cumsum(sizes, dtype=np.int64) - sizes
    parts = []
    for begin in range(0, len(order), chunk):
        picked = order[begin : begin + chunk]
        lengths = sizes[picked].astype(np.int64)
        total = int(lengths.sum())
        if not total:
            continue
        # byte positions: each picked value's start, then +0, +1, ... within it
        firsts = np.cumsum(lengths) - lengths
        positions = np.repeat(starts[picked] - firsts, lengths) + np.arange(total, dtype=np.int64)
        parts.append(values[positions].tobytes())
    return b"".join(parts)


class _Cursor:
    """Sequential reads over bytes in memory (what a run file's sections give from disk)."""

    def __init__(self, data: bytes) -> None:
        self._view = memoryview(data)
        self._at = 0

    def read(self, size: int) -> bytes:
        start, self._at = self._at, self._at + size
        return self._view[start : self._at]

    def raw(self) -> memoryview:
        return self._view

    def close(self) -> None:
        self._view = memoryview(b"")


_RUN_HEADER = struct.Struct("<QQQQ")  # keys, postings, bytes of the key section, bytes of values
_RUN_KEY = struct.Struct("<HHI")  # field number, term length, postings
_READ_BUFFER = 1 << 16


class _Run:
    """Sorted postings, in memory or in a spilled file, read key by key in order. Each section
    (docnums, frequencies, value sizes, values) is read sequentially: a file's pages go through
    the page cache, never into the process's memory."""

    def __init__(self, keys: Iterator[tuple[int, bytes, int]], docnums: Any, freqs: Any, sizes: Any, values: Any,
                 key_reader: Any = None) -> None:
        self.keys = keys
        self._sections = (docnums, freqs, sizes, values)
        self._key_reader = key_reader

    def take(self, count: int) -> "_Block":
        """The next ``count`` postings (those of the key just read from :attr:`keys`)."""
        docnums, freqs, sizes, values = self._sections
        docs, fs, lengths = array("I"), array("I"), array("I")
        docs.frombytes(docnums.read(4 * count))
        fs.frombytes(freqs.read(4 * count))
        lengths.frombytes(sizes.read(4 * count))
        blob = bytes(values.read(sum(lengths)))
        out, at = [], 0
        for size in lengths:
            out.append(blob[at : at + size])
            at += size
        return docs.tolist(), fs.tolist(), out

    def save(self, path: Path) -> None:
        """Write this (in-memory) run to ``path``."""
        docnums, freqs, sizes, values = (section.raw() for section in self._sections)
        with open(path, "wb", buffering=_READ_BUFFER) as out:
            out.write(bytes(_RUN_HEADER.size))  # filled in once the keys are counted
            key_count = key_bytes = 0
            for field, term, count in self.keys:  # streamed: the keys as one list were ≈ 80 MB
                record = _RUN_KEY.pack(field, len(term), count) + term
                out.write(record)
                key_count += 1
                key_bytes += len(record)
            for part in (docnums, freqs, sizes, values):
                out.write(part)
            out.seek(0)
            out.write(_RUN_HEADER.pack(key_count, len(docnums) // 4, key_bytes, len(values)))

    @classmethod
    def load(cls, path: Path) -> "_Run":
        """Open a saved run: one buffered reader per section."""
        with open(path, "rb") as handle:
            n_keys, n, key_bytes, _ = _RUN_HEADER.unpack(handle.read(_RUN_HEADER.size))
        starts = [_RUN_HEADER.size + key_bytes + i * 4 * n for i in range(4)]
        sections = []
        for start in [_RUN_HEADER.size, *starts]:
            reader = open(path, "rb", buffering=_READ_BUFFER)  # noqa: SIM115 - closed by close()
            reader.seek(start)
            sections.append(reader)
        key_reader = sections[0]

        def keys() -> Iterator[tuple[int, bytes, int]]:
            for _ in range(n_keys):
                field, length, count = _RUN_KEY.unpack(key_reader.read(_RUN_KEY.size))
                yield field, key_reader.read(length), count

        return cls(keys(), *sections[1:], key_reader=key_reader)

    def close(self) -> None:
        for section in self._sections:
            section.close()
        if self._key_reader is not None:
            self._key_reader.close()


def _tagged_keys(run: _Run, number: int) -> Iterator[tuple[tuple[int, bytes], int, int]]:
    for field, term, count in run.keys:
        yield (field, term), number, count


def _merged(runs: list[_Run]) -> Iterator[tuple[int, bytes, "_Block"]]:
    """(field number, term, postings) over several runs of one segment: for a key found in several
    runs, the earlier run's postings (smaller document numbers) come first."""
    if len(runs) == 1:
        run = runs[0]
        for field, term, count in run.keys:
            yield field, term, run.take(count)
        return
    tagged = [_tagged_keys(run, number) for number, run in enumerate(runs)]
    for key, group in groupby(heapq.merge(*tagged), key=lambda item: item[0]):
        parts = [runs[number].take(count) for _, number, count in group]
        if len(parts) == 1:
            yield key[0], key[1], parts[0]
        else:
            yield key[0], key[1], ([d for p in parts for d in p[0]], [f for p in parts for f in p[1]], [v for p in parts for v in p[2]])


def write_term(postwriter: Any, block: "_Block", lengths: array | None) -> None:
    """Fill Whoosh's postings writer block by block, as its add_posting() would one posting at a
    time (the same block contents and statistics; a fifth of the writing time saved)."""
    docnums, freqs, values = block
    limit = postwriter._blocklimit  # noqa: SLF001 - whoosh3 is pinned exactly
    count = len(docnums)
    for start in range(0, count, limit):
        ids = docnums[start : start + limit]
        weights = freqs[start : start + limit]
        postwriter._ids = array("I", ids)  # noqa: SLF001
        postwriter._weights = array("f", weights)  # noqa: SLF001
        postwriter._values = [v for v in values[start : start + limit] if v]  # noqa: SLF001
        postwriter._maxweight = float(max(weights))  # noqa: SLF001
        if lengths is not None:
            postwriter._minlength, postwriter._maxlength = _length_bounds(lengths, ids)  # noqa: SLF001
        if start + limit < count:  # a full block with more to come; the last is written by finish
            postwriter._write_block()  # noqa: SLF001


def write_whole_term(fieldwriter: Any, term: bytes, block: "_Block", lengths: array | None) -> None:
    """Write one term's postings into a Whoosh field writer between ``start_field`` and
    ``finish_field`` (what segment builders and merges both do for every term)."""
    if not write_short_term(fieldwriter, term, block, lengths, fieldwriter._format.fixed_value_size()):  # noqa: SLF001
        fieldwriter.start_term(term)
        write_term(fieldwriter._postwriter, block, lengths)  # noqa: SLF001
        fieldwriter.finish_term()


def write_short_term(fieldwriter: Any, term: bytes, block: "_Block", lengths: array | None, fixed_size: int | None) -> bool:
    """Write a term of at most one block (nearly every term: most are held by a few articles) as
    Whoosh's ``start_term``, :func:`write_term` and ``finish_term`` would, byte for byte, in one
    function: Whoosh's objects and method calls per term were a third of writing a segment. False
    (nothing written) for a longer term."""
    docnums, freqs, values = block
    postwriter = fieldwriter._postwriter  # noqa: SLF001 - whoosh3 is pinned exactly
    count = len(docnums)
    if count > postwriter._blocklimit or not count:  # noqa: SLF001
        return False
    weights = array("f", freqs)
    minlength, maxlength = _length_bounds(lengths, docnums) if lengths is not None else (None, 0)
    maxweight = float(max(weights))
    first = weights[0]
    if first == 1.0 and all(w == 1.0 for w in weights):
        mini_weights: Any = None
    elif all(w == first for w in weights):
        mini_weights = first
    else:
        mini_weights = tuple(weights)
    kept = [v for v in values if v]
    mini_values = tuple(kept) if fixed_size is None or fixed_size < 0 else None if fixed_size == 0 else b"".join(kept)
    data = pickle.dumps((tuple(delta_encode(docnums)), mini_weights, mini_values), 2)
    compression = 0
    if len(data) >= COMPRESSION_MIN_SIZE and postwriter._compression:  # noqa: SLF001
        compression = postwriter._compression  # noqa: SLF001
        data = zlib.compress(data, compression)
    info = pickle.dumps((count, docnums[-1], maxweight, compression, length_to_byte(minlength), length_to_byte(maxlength)), 2)
    postfile = postwriter._postfile  # noqa: SLF001
    start = postfile.tell()
    postfile.write(WHOOSH3_HEADER_MAGIC + pack_int(-(len(info) + len(data))) + info + data)
    terminfo = _TERMINFO.pack(False, float(sum(weights)), count, 0 if minlength is None else length_to_byte(minlength),
                              length_to_byte(maxlength), maxweight, docnums[0], docnums[-1])
    terminfo += pack_long(start) + pack_int(postfile.tell() - start)
    fieldwriter._tindex.add(pack_ushort(fieldwriter._fieldid) + term, terminfo)  # noqa: SLF001
    return True


_TERMINFO = W3TermInfo._struct  # noqa: SLF001 - then the postings' offset and length, as its to_bytes()


def _length_bounds(lengths: array, docnums: list[int]) -> tuple[int | None, int]:
    """The shortest and longest field length among a block's documents (None and 0 if none has one),
    as Whoosh's postings writer keeps them."""
    known = len(lengths)
    sizes = [lengths[d] for d in docnums if d < known and lengths[d]]
    return (min(sizes), max(sizes)) if sizes else (None, 0)


_Block = tuple[list[int], list[int], list[bytes]]  # docnums, frequencies, values of one term


class SegmentBuilder:
    """Writes documents into a new segment of the index at ``path``; :meth:`finish` writes it and
    returns it for the lock holder to commit. Postings beyond ``memory_mb`` are sorted and spilled
    to a run file in the index's temporary directory, and the runs are merged when the segment is
    written: memory stays bounded, and a session gives one segment per builder.

    The builder takes no lock: the caller must hold the index's (or be run by whoever does)."""

    def __init__(self, path: str | Path, memory_mb: int = SEGMENT_MEMORY_MB) -> None:
        self._path = Path(path)
        self._storage = FileStorage(str(path))
        self._codec = default_codec()
        self._schema = build_schema()
        self._names = sorted(self._schema.names())
        self._field_numbers = {name: number for number, name in enumerate(self._names)}
        self._limit = memory_mb * 1024 * 1024
        self._segment: Any = None
        self._where: dict[str, int] = {}  # id → docnum in the pending segment
        self._deleted: set[int] = set()
        self._runs: list[Path] = []

    # -- documents

    def add(self, document: dict[str, Any]) -> None:
        """Add one document (a :func:`newsearch.schema.document_of` dict); an earlier document
        with the same id given to this builder is deleted."""
        if self._segment is None:
            self._start_segment()
        self.delete(document["id"])
        docnum = self._docnum
        self._add_fields(document, docnum)
        self._where[document["id"]] = docnum
        self._docnum += 1
        if self._postings.memory() > self._limit:
            self._spill()

    def delete(self, article_id: str) -> bool:
        """Delete the document with this id given to this builder since the last finish."""
        docnum = self._where.pop(article_id, None)
        if docnum is None:
            return False
        self._deleted.add(docnum)
        return True

    def finish(self) -> list[Any]:
        """Write the pending segment and return it (a list: empty when nothing was added)."""
        if self._segment is None:
            return []
        segment = self._write_segment()
        for docnum in self._deleted:
            segment.delete_document(docnum)
        self._segment, self._where, self._deleted = None, {}, set()
        return [segment]

    def discard(self) -> None:
        """Forget the pending segment: remove its run files (its segment files are not in any
        table of contents; the next commit's clean-up deletes them)."""
        for path in self._runs:
            path.unlink(missing_ok=True)
        self._runs, self._segment = [], None

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
                else:  # ids, keywords, dates: Whoosh's own analysis (field boosts are all 1)
                    postings = [(t, f, v) for t, f, _, v in field.index(value)]
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

    def _spill(self) -> None:
        """Sort the postings in memory into a run file and start afresh."""
        folder = self._path / TEMP_DIR
        folder.mkdir(exist_ok=True)
        handle, name = tempfile.mkstemp(suffix=".run", dir=folder)
        os.close(handle)
        self._postings.sorted_run(self._field_numbers).save(Path(name))
        self._runs.append(Path(name))
        self._postings = _Postings()

    def _write_segment(self) -> Any:
        segment, schema = self._segment, self._schema
        self._perdoc.close()
        runs = [_Run.load(path) for path in self._runs]
        if len(self._postings):
            runs.append(self._postings.sorted_run(self._field_numbers))
        self._postings = _Postings()
        writer = field_writer(self._codec, self._storage, segment)
        arrays = PostingArraysWriter(self._storage, segment, covered_fields(schema), listed=(VOCABULARY_FIELD,))
        current_field = None
        try:
            for field_number, term, postings in _merged(runs) if runs else ():
                if field_number != current_field:
                    if current_field is not None:
                        writer.finish_field()
                    name = self._names[field_number]
                    writer.start_field(name, schema[name])
                    current_field = field_number
                    lengths = self._lengths.get(name)
                write_whole_term(writer, term, postings, lengths)
                arrays.add(name, term, postings[0], postings[1])
            if current_field is not None:
                writer.finish_field()
            writer.close()
        finally:
            arrays.close()
            for run in runs:
                run.close()
            self.discard()
        segment.set_doc_count(self._docnum)
        # Not assembled into one compound file: whoosh3 opens each part of a compound file as an
        # in-memory copy (BufferFile → BytesIO), so every reader of a 35k index held ≈ 1 GB;
        # separate files are read through the page cache.
        return segment
