"""Every scored posting list kept a second time as plain arrays, with a term directory of our own,
beside each segment's Whoosh files.

Whoosh finds a term through a hashed term file (≈ 25 µs a lookup in Python) and stores its postings
in blocks of 128, each a pickled, zlib-compressed tuple of document gaps, weights and positions
(≈ 0.15 µs per posting to read back). A query pays both once per term and per segment: at 350k
articles (36 segments after a bulk load) that was 2,000 lookups and 1,300 block decodes for a
full-title query, 80% of its time. Scoring needs only document numbers and weights, so every
segment writer also writes, for each term of a scored field (and of the ids and near-duplicate
band keys an index writer probes for every article it adds):

* long lists (≥ :data:`MIN_POSTINGS`) as small-integer arrays of their own (gaps as uint8/16/32/64,
  weights as uint8/16 or float32), read back with one cumulative sum;
* short lists as plain document numbers (uint16/32) and weights (uint16 or float32), made with the
  ``array`` module: numpy's fixed cost per call would make writing a segment's million short
  lists slower than writing Whoosh's own files;
* a directory: the terms' 64-bit hashes, sorted by field then hash, with where each list is. A
  query looks all its terms of a field up in a segment with one binary search
  (:meth:`PostingArrays.locate`) on arrays mapped from the file: opening a segment reads nothing but
  a small header, and a writer probing only ids and band keys keeps only their part of the
  directory in memory.

Two terms of one segment with the same hash (odds ≈ 10⁻⁸ per segment) are marked ambiguous and read
from Whoosh. A term of another segment's vocabulary that collides with one of this segment would be
answered with the wrong postings: with a million terms per segment, the odds are ≈ 5·10⁻¹⁴ a lookup.

The file (``<segment id>.npost``) repeats Whoosh's postings exactly (weights are Whoosh's float32
weights), so scores are the same either way; a segment without one is read through Whoosh.
"""

from __future__ import annotations

import mmap
import os
import pickle
import struct
from array import array
from hashlib import blake2b
from typing import Any, Callable, Iterable, Sequence

import numpy as np

__all__ = ["MIN_POSTINGS", "EXTENSION", "PostingArraysWriter", "PostingArrays", "open_posting_arrays",
           "term_hash", "covered_fields", "NOT_HELD", "NOT_COVERED", "LOOKUP_FIELDS", "AMBIGUOUS", "GAP_KINDS", "sliced_lists", "summed_per_list", "segment_arrays", "TermLookup", "term_lookup", "MANY"]

MIN_POSTINGS = 512  # four Whoosh blocks: shorter lists are stored without gaps
EXTENSION = ".npost"
_MAGIC = b"NSP2"
_TAIL = struct.Struct("<Q")  # where the header (a pickled dict of sections) starts
_DOC_TYPES = (np.uint8, np.uint16, np.uint32, np.uint64)
_WEIGHT_TYPES = (np.uint8, np.uint16, np.float32)
_DOC_DTYPES = tuple(np.dtype(t) for t in _DOC_TYPES)  # made once: np.dtype() per list read added up
_WEIGHT_DTYPES = tuple(np.dtype(t) for t in _WEIGHT_TYPES)
_SHORT = 128  # a short list's kind: _SHORT + doc type * 16 + weight type (numbers, not gaps)
AMBIGUOUS = 254  # two terms of the segment share a hash: ask Whoosh
NOT_HELD, NOT_COVERED = -1, -2  # a found list's kind: the segment lacks the term / its field has no arrays

Entry = tuple[int, int, int, int, int]  # offset, count, first document, gap type, weight type


def term_hash(fieldname: str, term: bytes) -> int:
    """A stable 64-bit hash of a field's term (Python's own hash changes from process to process)."""
    return _hash_of(fieldname.encode() + b"\x00" + term)


def _hash_of(key: bytes) -> int:
    return int.from_bytes(blake2b(key, digest_size=8).digest(), "little")


LOOKUP_FIELDS = ("id", "dup_bands")  # what an index writer looks up for every article it adds


def covered_fields(schema: Any) -> list[str]:
    """The fields whose terms get posting arrays: those scored by BM25F (the fast scorer's), and
    the ids and near-duplicate band keys a writer probes every committed segment for."""
    return [name for name in schema.names()
            if schema[name].indexed and (schema[name].scorable or name in LOOKUP_FIELDS)]


def _smallest_unsigned(largest: int, types: Sequence[Any]) -> int:
    for code, kind in enumerate(types):
        if kind is not np.float32 and largest <= np.iinfo(kind).max:
            return code
    return len(types) - 1


def _weight_type(weights: np.ndarray) -> int:
    """uint8/uint16 when every weight is a small whole number (term frequencies), else float32."""
    if len(weights) and (weights >= 0).all() and (weights == np.round(weights)).all():
        largest = float(weights.max())
        if largest <= np.iinfo(np.uint16).max:
            return _smallest_unsigned(int(largest), _WEIGHT_TYPES)
    return _WEIGHT_TYPES.index(np.float32)


def encode(docnums: Sequence[int] | np.ndarray, weights: Sequence[float] | np.ndarray) -> tuple[bytes, Entry]:
    """A posting list (sorted document numbers and their weights) as bytes, and its directory
    entry (the offset is left 0 for the writer to fill)."""
    docs = np.asarray(docnums, dtype=np.int64)
    gaps = np.diff(docs, prepend=docs[0])  # the first gap is 0: the first number is in the entry
    gap_type = _smallest_unsigned(int(gaps.max()), _DOC_TYPES)
    values = np.asarray(weights, dtype=np.float32)  # Whoosh keeps weights as float32
    weight_type = _weight_type(values)
    data = gaps.astype(_DOC_TYPES[gap_type]).tobytes() + values.astype(_WEIGHT_TYPES[weight_type]).tobytes()
    return data, (0, len(docs), int(docs[0]), gap_type, weight_type)


def decode(data: Any, entry: Entry, offset: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(document numbers as int64, weights as float64) from :func:`encode`'s bytes."""
    _, count, first, gap_type, weight_type = entry
    docs, weights = _stored_list(data, offset, gap_type * 16 + weight_type, count, first)
    return docs, weights.astype(np.float64)


def _short_list(docnums: Sequence[int] | np.ndarray, weights: Sequence[float] | np.ndarray) -> tuple[bytes, int]:
    """A short posting list's bytes (document numbers, then weights) and its kind. Whole weights
    (term frequencies: always, from our segment builder) take two bytes, others four."""
    if isinstance(docnums, np.ndarray):  # a merge's: convert with numpy
        docnums = docnums.tolist()
        values = np.asarray(weights, dtype=np.float32)
        weights = values.astype(np.int64).tolist() if (values == np.round(values)).all() else values.tolist()
    try:
        docs, doc_type = array("H", docnums), 1
    except OverflowError:
        docs, doc_type = array("I", docnums), 2
    try:
        values_out, weight_type = array("H", weights), 1
    except (OverflowError, TypeError):
        values_out, weight_type = array("f", weights), 2
    return docs.tobytes() + values_out.tobytes(), _SHORT + doc_type * 16 + weight_type


class PostingArraysWriter:
    """Writes a segment's ``.npost`` file: call :meth:`add` for every term (any order), then
    :meth:`close`. Terms of fields not in ``fields`` are left to Whoosh."""

    def __init__(self, storage: Any, segment: Any, fields: Iterable[str], listed: Iterable[str] = ()) -> None:
        self._file = storage.create_file(segment.make_filename(EXTENSION))
        self._listed: dict[str, list[bytes]] = {name: [] for name in listed}  # fields whose terms are listed too
        self._file.write(_MAGIC)
        self._at = len(_MAGIC)
        self._fields = sorted(set(fields))
        self._codes = {name: code for code, name in enumerate(self._fields)}
        self._prefixes = {name: name.encode() + b"\x00" for name in self._fields}
        self._field_codes = array("B")
        self._hashes = array("Q")
        self._starts = array("Q")  # where the list's bytes start
        self._counts = array("I")
        self._firsts = array("Q")  # a long list's first document (its gaps start from 0)
        self._kinds = array("B")  # gap type * 16 + weight type, or _SHORT + ...

    def add(self, fieldname: str, term: bytes, docnums: Sequence[int] | np.ndarray,
            weights: Sequence[float] | np.ndarray) -> None:
        """Keep a term's postings (sorted document numbers, their weights) if its field is covered."""
        count = len(docnums)
        listed = self._listed.get(fieldname)
        if listed is not None and count:
            listed.append(term)
        code = self._codes.get(fieldname)
        if code is None or not count:
            return
        self._field_codes.append(code)
        self._hashes.append(_hash_of(self._prefixes[fieldname] + term))
        self._counts.append(count)
        self._starts.append(self._at)
        if count >= MIN_POSTINGS:
            data, entry = encode(docnums, weights)
            self._firsts.append(entry[2])
            self._kinds.append(entry[3] * 16 + entry[4])
        else:
            data, kind = _short_list(docnums, weights)
            self._firsts.append(0)
            self._kinds.append(kind)
        self._file.write(data)
        self._at += len(data)

    def close(self) -> None:
        try:
            self._write_tables()
        finally:
            self._file.close()

    def _write_tables(self) -> None:
        codes = np.frombuffer(self._field_codes, dtype=np.uint8)
        hashes = np.frombuffer(self._hashes, dtype=np.uint64)
        order = np.lexsort((hashes, codes))  # by field, then hash
        codes, hashes = codes[order], hashes[order]
        bounds = np.searchsorted(codes, np.arange(len(self._fields) + 1)).tolist()
        header: dict[str, Any] = {"fields": {name: (bounds[c], bounds[c + 1]) for c, name in enumerate(self._fields)}}
        kinds = np.frombuffer(self._kinds, dtype=np.uint8)[order].copy()
        shared = np.flatnonzero((hashes[1:] == hashes[:-1]) & (codes[1:] == codes[:-1]))
        kinds[shared] = kinds[shared + 1] = AMBIGUOUS
        tables = {
            "hashes": hashes,
            "starts": np.frombuffer(self._starts, dtype=np.uint64)[order],
            "counts": np.frombuffer(self._counts, dtype=np.uint32)[order],
            "firsts": np.frombuffer(self._firsts, dtype=np.uint64)[order],
            "kinds": kinds,
        }
        for name, table in tables.items():
            padding = (-self._at) % 8  # aligned, so each table maps as an array in place
            self._file.write(b"\x00" * padding)
            self._at += padding
            header[name] = (self._at, str(table.dtype), len(table))
            self._file.write(table.tobytes())
            self._at += table.nbytes
        header["listed"] = {}
        for name, terms in self._listed.items():
            data = pickle.dumps(terms, protocol=pickle.HIGHEST_PROTOCOL)
            header["listed"][name] = (self._at, len(data))
            self._file.write(data)
            self._at += len(data)
        self._file.write(pickle.dumps(header, protocol=pickle.HIGHEST_PROTOCOL))
        self._file.write(_TAIL.pack(self._at))


class PostingArrays:
    """A segment's ``.npost`` file, mapped for reading. :meth:`locate` finds terms (by
    :func:`term_hash`) in the directory; :meth:`postings` reads one found."""

    def __init__(self, handle: Any) -> None:
        self._handle = handle
        self._data = _mapped(handle)
        header, self._end = _read_header(lambda offset, size: self._data[offset : offset + size], len(self._data))
        self._ranges: dict[str, tuple[int, int]] = header["fields"]
        self._listed: dict[str, tuple[int, int]] = header.get("listed", {})  # files before it lack it
        self.fields = frozenset(self._ranges)
        tables = {name: np.frombuffer(self._data, dtype=dtype, count=count, offset=offset)
                  for name, (offset, dtype, count) in ((n, header[n]) for n in _TABLES)}
        self._hashes, self._starts, self._counts = tables["hashes"], tables["starts"], tables["counts"]
        self._firsts, self._kinds = tables["firsts"], tables["kinds"]
        self._typed: tuple[list[list[np.ndarray]], list[list[np.ndarray]]] | None = None

    def __len__(self) -> int:
        return len(self._hashes)

    def locate(self, fieldname: str, hashes: np.ndarray) -> np.ndarray | None:
        """For each hash of a term of this field (:func:`term_hash`), its directory entry, or -1 if
        the segment does not hold the term; None if the field is not covered (ask Whoosh)."""
        if fieldname not in self._ranges:
            return None
        at, held = self._places([(fieldname, slice(None))], hashes)
        return np.where(held, at, -1)

    def terms(self, fieldname: str) -> list[bytes] | None:
        """Every term of a listed field in this segment, in the order written (term order); None
        when the file does not list the field's terms (ask Whoosh's lexicon)."""
        found = self._listed.get(fieldname)
        if found is None:
            return None
        offset, size = found
        if offset + size > self._end:
            raise ValueError("posting arrays file has a wrong term list")
        terms = pickle.loads(self._data[offset : offset + size])
        if not isinstance(terms, list):
            raise ValueError("posting arrays file has a wrong term list")
        return terms

    def frequency(self, entry: int) -> int | None:
        """How many documents hold the entry's term (deleted ones included, as Whoosh counts);
        None when the entry is ambiguous (ask Whoosh)."""
        return None if self._kinds[entry] == AMBIGUOUS else int(self._counts[entry])

    def postings(self, entry: int, base: int = 0) -> tuple[np.ndarray, np.ndarray] | None:
        """(document numbers plus ``base`` as int64, weights as float64) of an entry's term; None
        when the entry is ambiguous (its hash is shared) and the term must be read from Whoosh."""
        kind, count, start, first = (int(values[0]) for values in self.describe(np.array([entry], dtype=np.int64)))
        if kind == AMBIGUOUS:
            return None
        docs, weights = self.read(kind, count, start, first)
        return docs + base, weights

    def read(self, kind: int, count: int, start: int, first: int) -> tuple[np.ndarray, np.ndarray]:
        """(document numbers as int64, weights as float64) of a list :meth:`describe` gave."""
        docs, weights = _stored_list(self._data, start, kind, count, first)
        return docs.astype(np.int64, copy=False), weights.astype(np.float64)

    def find(self, fields: Sequence[tuple[str, slice]], hashes: np.ndarray) -> tuple[np.ndarray, ...]:
        """:meth:`describe` of the terms of several fields (each field's hashes in its slice of
        ``hashes``), located in one pass: kinds (:data:`NOT_HELD` where the segment lacks the
        term, :data:`NOT_COVERED` where the field has no arrays), counts, starts, firsts. A
        long query asks 36 segments at 350k articles for its terms of six fields: the numpy
        calls per segment and field, not the searches, were the time."""
        at, held = self._places(fields, hashes)
        kinds = self._kinds[at].astype(np.int16) if len(self._hashes) else np.zeros(len(hashes), dtype=np.int16)
        kinds[~held] = NOT_HELD
        for fieldname, part in fields:
            if fieldname not in self._ranges:
                kinds[part] = NOT_COVERED
        if not len(self._hashes):  # no term in any covered field
            zeros = np.zeros(len(hashes), dtype=np.int64)
            return kinds, zeros, zeros, zeros
        counts, starts = self._counts[at], self._starts[at]
        self._check(kinds, counts, starts, held)
        return kinds, counts, starts, self._firsts[at]

    def _check(self, kinds: np.ndarray, counts: np.ndarray, starts: np.ndarray, held: np.ndarray) -> None:
        """Refuse entries whose kind is unknown or whose list would end past the file."""
        listed = held & (kinds != AMBIGUOUS)
        sizes = _ITEM_BYTES[kinds[listed]]
        if (sizes < 0).any() or (starts[listed] + counts[listed] * sizes > self._end).any():
            raise ValueError("posting arrays file has a wrong entry")

    def _places(self, fields: Sequence[tuple[str, slice]], hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each hash's place in the directory (inside its field's range, or 0 where the field
        has none) and whether the term is held there."""
        at = np.zeros(len(hashes), dtype=np.int64)
        unheld = []
        for fieldname, part in fields:
            lo, hi = self._ranges.get(fieldname, (0, 0))
            if lo == hi:  # not covered, or no term of the field: place 0 is another field's
                unheld.append(part)
                continue
            found = self._hashes[lo:hi].searchsorted(hashes[part])
            at[part] = np.minimum(found, hi - lo - 1, out=found) + lo
        held = self._hashes[at] == hashes if len(self._hashes) else np.zeros(len(hashes), dtype=bool)
        for part in unheld:
            held[part] = False
        return at, held

    def describe(self, entries: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """What :meth:`read` needs for each entry of :meth:`locate` (-1: not there): its list's
        kind (-1 where not there, :data:`AMBIGUOUS` where Whoosh must answer), count, start and
        first document, as four arrays, checked against the file's size. Taken for all of a
        query's terms at once: one by one, these values cost more than the short lists they
        describe."""
        found = entries >= 0
        chosen = entries[found]
        kinds = np.full(len(entries), -1, dtype=np.int16)
        counts, starts, firsts = (np.zeros(len(entries), dtype=np.int64) for _ in range(3))
        kinds[found] = self._kinds[chosen]
        counts[found] = self._counts[chosen]
        starts[found] = self._starts[chosen]
        firsts[found] = self._firsts[chosen]
        self._check(kinds, counts, starts, found)
        return kinds, counts, starts, firsts

    def views(self, kind: int, count: int, start: int) -> tuple[np.ndarray, np.ndarray, bool]:
        """A described list as stored, without decoding: its document gaps (True) or numbers
        (False), and its weights — views of the file, for a caller that decodes many at once."""
        return _list_views(self._data, start, kind, count)

    def typed_views(self) -> tuple[list[list[np.ndarray]], list[list[np.ndarray]]]:
        """The whole file as arrays of each document type and each weight type, at each alignment
        (``docs[type][offset % size]``), for :func:`sliced_lists`."""
        if self._typed is None:
            self._typed = tuple(  # type: ignore[assignment]
                [[np.frombuffer(self._data, dtype=kind, count=max(0, (len(self._data) - at) // kind.itemsize), offset=at)
                  for at in range(kind.itemsize)] for kind in kinds]
                for kinds in (_DOC_DTYPES, _WEIGHT_DTYPES))
        return self._typed  # type: ignore[return-value]

    def close(self) -> None:
        self._typed = None
        self._hashes = self._starts = self._counts = self._firsts = self._kinds = None  # type: ignore[assignment]
        if isinstance(self._data, mmap.mmap):
            try:
                self._data.close()
            except BufferError:
                pass  # arrays handed out still point into it: the map goes when they do
        self._handle.close()


_TABLES = ("hashes", "starts", "counts", "firsts", "kinds")
_NO_DOCS = np.empty(0, dtype=np.int64)


def _read_header(read: Callable[[int, int], bytes], length: int) -> tuple[dict[str, Any], int]:
    """The file's header (its fields' directory ranges and where each table is), checked, and
    where it starts (the end of the posting lists)."""
    if length < len(_MAGIC) + _TAIL.size or bytes(read(0, len(_MAGIC))) != _MAGIC:
        raise ValueError("posting arrays file has a wrong header")
    (start,) = _TAIL.unpack(read(length - _TAIL.size, _TAIL.size))
    if not len(_MAGIC) <= start <= length - _TAIL.size:
        raise ValueError("posting arrays file has a wrong header offset")
    header = pickle.loads(read(start, length - _TAIL.size - start))
    counts = set()
    for name in _TABLES:
        offset, dtype, count = header[name]
        if offset + np.dtype(dtype).itemsize * count > start:
            raise ValueError("posting arrays file is truncated")
        counts.add(count)
    if len(counts) != 1:
        raise ValueError("posting arrays file has a wrong directory")
    if any(not 0 <= lo <= hi <= header["hashes"][2] for lo, hi in header["fields"].values()):
        raise ValueError("posting arrays file has a wrong field range")
    return header, start


def _item_bytes() -> np.ndarray:
    """Bytes per posting of each list kind (-1 for a kind no writer makes)."""
    table = np.full(256, -1, dtype=np.int64)
    for doc_type, doc_kind in enumerate(_DOC_DTYPES):
        for weight_type, weight_kind in enumerate(_WEIGHT_DTYPES):
            table[doc_type * 16 + weight_type] = table[_SHORT + doc_type * 16 + weight_type] = doc_kind.itemsize + weight_kind.itemsize
    return table


_ITEM_BYTES = _item_bytes()


def _list_kinds() -> list[tuple[bool, int, int, int, int] | None]:
    """For each list kind: (stored as gaps, document type, its size, weight type, its size), the
    types numbered as in :meth:`PostingArrays.typed_views`; None for a kind no writer makes (and
    for AMBIGUOUS)."""
    table: list[tuple[bool, int, int, int, int] | None] = [None] * 256
    for doc_type, doc_kind in enumerate(_DOC_DTYPES):
        for weight_type, weight_kind in enumerate(_WEIGHT_DTYPES):
            for gaps, kind in ((True, doc_type * 16 + weight_type), (False, _SHORT + doc_type * 16 + weight_type)):
                table[kind] = (gaps, doc_type, doc_kind.itemsize, weight_type, weight_kind.itemsize)
    return table


_LIST_KINDS = _list_kinds()
GAP_KINDS = np.array([kind is not None and kind[0] for kind in _LIST_KINDS], dtype=bool)  # list kinds stored as gaps


def summed_per_list(flat: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Running sums within each of the consecutive lists ``flat`` holds (``counts`` long each, none
    empty): gaps to numbers for many lists (or blocks) at once."""
    if not len(flat):
        return flat
    sums = np.cumsum(flat)
    firsts = np.cumsum(counts) - counts
    return sums - np.repeat(sums[firsts] - flat[firsts], counts)


def sliced_lists(files: Sequence[PostingArrays | None], numbers: list[int], kinds: list[int], counts: list[int],
                 starts: list[int]) -> tuple[list[np.ndarray | None], list[np.ndarray | None]]:
    """Many described lists (:meth:`PostingArrays.describe`), each in the file ``files[number]``,
    as stored — document gaps or numbers, and weights — in the order given; None for a list the
    arrays cannot give (kind -2 or :data:`AMBIGUOUS`: read Whoosh's postings).

    Each list is a slice of one of its file's :meth:`PostingArrays.typed_views`: a long query
    reads a list per term and segment (3,000 at 350k articles), and a slice costs a fifth of a new
    array made over the file."""
    raws: list[np.ndarray | None] = []
    weights: list[np.ndarray | None] = []
    views = [file.typed_views() if file is not None else None for file in files]
    for number, kind, count, start in zip(numbers, kinds, counts, starts):
        described = _LIST_KINDS[kind] if kind >= 0 else None
        if described is None:
            raws.append(None)
            weights.append(None)
            continue
        _, doc_type, doc_size, weight_type, weight_size = described
        doc_views, weight_views = views[number]  # type: ignore[misc]
        at = start // doc_size
        raws.append(doc_views[doc_type][start % doc_size][at : at + count])
        start += count * doc_size  # the weights follow the documents
        at = start // weight_size
        weights.append(weight_views[weight_type][start % weight_size][at : at + count])
    return raws, weights


def _list_size(kind: int, count: int) -> int:
    """Bytes of a posting list of this kind and length."""
    size = int(_ITEM_BYTES[kind]) if 0 <= kind < len(_ITEM_BYTES) else -1
    if size < 0:
        raise ValueError("posting arrays file has a wrong entry")
    return count * size


def _list_views(buffer: Any, offset: int, kind: int, count: int) -> tuple[np.ndarray, np.ndarray, bool]:
    """The list at ``offset`` as stored: its document gaps (True, a long list) or numbers (False),
    and its weights."""
    gaps = kind < _SHORT
    doc_kind, weight_kind = _DOC_DTYPES[(kind if gaps else kind - _SHORT) >> 4], _WEIGHT_DTYPES[kind & 15]
    raw = np.frombuffer(buffer, dtype=doc_kind, count=count, offset=offset)
    return raw, np.frombuffer(buffer, dtype=weight_kind, count=count, offset=offset + count * doc_kind.itemsize), gaps


def _stored_list(buffer: Any, offset: int, kind: int, count: int, first: int) -> tuple[np.ndarray, np.ndarray]:
    """The list at ``offset``: document numbers (int64 for a long list, decoded from its gaps;
    a short list's as stored) and weights as stored."""
    raw, weights, gaps = _list_views(buffer, offset, kind, count)
    return (np.cumsum(raw, dtype=np.int64) + first if gaps else raw), weights


class TermLookup:
    """Which documents of a segment hold a term of a few fields: an index writer's probes for ids
    and near-duplicate band keys. :meth:`hashes` reads a field's term hashes (8 bytes a term) and
    :meth:`singles` the document of each term held by one document (every id, most band keys), so
    that the caller can search many segments' directories at once and a found term costs no read;
    :meth:`entry_docs` reads the other entries' postings from the file. A mapped file would do
    the same work, but every page its binary searches touch would count in the writer's memory:
    ≈ 10 MB per segment, 350 MB at 350k articles."""

    def __init__(self, handle: Any, fields: Iterable[str]) -> None:
        self._handle = handle
        self._fd = _descriptor(handle)
        header, self._end = _read_header(self._read, handle.seek(0, 2))
        self._tables = {name: (header[name][0], np.dtype(header[name][1])) for name in _TABLES}
        self._ranges = {name: tuple(header["fields"][name]) for name in fields if name in header["fields"]}

    def covers(self, fieldname: str) -> bool:
        """Whether this lookup holds the field's directory (else ask Whoosh)."""
        return fieldname in self._ranges

    def size(self, fieldname: str) -> int:
        """The number of terms in the field's directory. Raises KeyError for a field it does not cover."""
        lo, hi = self._ranges[fieldname]
        return hi - lo

    def hashes(self, fieldname: str, begin: int = 0, end: int | None = None) -> np.ndarray:
        """The term hashes (:func:`term_hash`, sorted) of the field's terms ``begin`` to ``end``."""
        lo, hi = self._entries(fieldname, begin, end)
        return self._table("hashes", lo, hi)

    def singles(self, fieldname: str, begin: int = 0, end: int | None = None) -> np.ndarray:
        """For the field's terms ``begin`` to ``end``, the one document holding each, or ``MANY``
        (several documents, a long list, an ambiguous hash: ask :meth:`entry_docs`)."""
        return self._single_documents(*self._entries(fieldname, begin, end))

    def _entries(self, fieldname: str, begin: int, end: int | None) -> tuple[int, int]:
        lo, hi = self._ranges[fieldname]
        end = hi - lo if end is None else end
        if not 0 <= begin <= end <= hi - lo:
            raise IndexError(f"no terms {begin} to {end} in the directory of {fieldname}")
        return lo + begin, lo + end

    def entry_docs(self, fieldname: str, at: int) -> list[int] | None:
        """The documents (deleted ones included) of the field's ``at``-th term, or None when the
        file cannot say (an ambiguous hash): ask Whoosh."""
        lo, hi = self._ranges[fieldname]
        if not 0 <= at < hi - lo:
            raise IndexError(f"no term {at} in the directory of {fieldname}")
        return self._entry_docs(lo + at)

    def _single_documents(self, lo: int, hi: int) -> np.ndarray:
        """For each entry in [lo, hi), the one document holding its term, or ``MANY`` (several
        documents, a long list, an ambiguous hash: read the entry). Short lists store plain
        document numbers, so a one-posting list's first item is its document. Made a slice of
        the directory at a time (each slice's lists lie together in the file and are read in one
        piece), so that the temporary arrays stay small."""
        singles = np.full(hi - lo, MANY, dtype=np.uint32)
        for begin in range(lo, hi, _SINGLES_SLICE):
            end = min(hi, begin + _SINGLES_SLICE)
            singles[begin - lo : end - lo] = self._slice_singles(begin, end)
        return singles

    def _slice_singles(self, lo: int, hi: int) -> np.ndarray:
        singles = np.full(hi - lo, MANY, dtype=np.uint32)
        kinds = self._table("kinds", lo, hi).astype(np.int64)
        counts, starts = self._table("counts", lo, hi), self._table("starts", lo, hi).astype(np.int64)
        one = np.flatnonzero((counts == 1) & (kinds >= _SHORT) & (kinds != AMBIGUOUS))
        if not len(one):
            return singles
        kinds, starts = kinds[one], starts[one]
        ends = starts + _ITEM_BYTES[kinds]
        if (ends <= starts).any() or (ends > self._end).any():
            raise ValueError("posting arrays file has a wrong entry")
        first, last = int(starts.min()), int(ends.max())
        if last - first > _SINGLES_SPAN:  # not laid out together (never written so): read each when found
            return singles
        region = self._read(first, last - first)
        offsets = starts - first
        doc_types = (kinds - _SHORT) >> 4
        for doc_type in np.unique(doc_types).tolist():
            dtype = _DOC_DTYPES[doc_type]
            chosen = np.flatnonzero(doc_types == doc_type)
            for shift in range(dtype.itemsize):  # numbers at unaligned offsets: one view per remainder
                picked = chosen[offsets[chosen] % dtype.itemsize == shift]
                view = np.frombuffer(region, dtype=dtype, offset=shift, count=(len(region) - shift) // dtype.itemsize)
                singles[one[picked]] = view[offsets[picked] // dtype.itemsize]
        return singles

    def _entry_docs(self, entry: int) -> list[int] | None:
        kind = self._value("kinds", entry)
        if kind == AMBIGUOUS:
            return None
        count, start = self._value("counts", entry), self._value("starts", entry)
        size = _list_size(kind, count)
        if start + size > self._end:
            raise ValueError("posting arrays file has a wrong entry")
        first = self._value("firsts", entry) if kind < _SHORT else 0
        return _stored_list(self._read(start, size), 0, kind, count, first)[0].tolist()

    def _table(self, table: str, lo: int, hi: int) -> np.ndarray:
        offset, dtype = self._tables[table]
        return np.frombuffer(self._read(offset + lo * dtype.itemsize, (hi - lo) * dtype.itemsize), dtype=dtype)

    def _value(self, table: str, entry: int) -> int:
        return int(self._table(table, entry, entry + 1)[0])

    def _read(self, offset: int, size: int) -> bytes:
        if self._fd is not None:  # no seek, and no buffer refilled for a few bytes
            data = os.pread(self._fd, size, offset)
        else:
            self._handle.seek(offset)
            data = self._handle.read(size)
        if len(data) != size:
            raise ValueError("posting arrays file is truncated")
        return data

    def close(self) -> None:
        self._handle.close()


MANY = np.iinfo(np.uint32).max  # TermLookup.singles: the term is not held by exactly one document
_SINGLES_SLICE = 1 << 14  # directory entries whose one-document terms are found together
_SINGLES_SPAN = 1 << 24  # bytes of lists read at once for them (far more than a slice's lists need)


def _descriptor(handle: Any) -> int | None:
    """The OS file descriptor under a Whoosh file, if it is a real file."""
    try:
        return getattr(handle, "file", handle).fileno()
    except (AttributeError, OSError, ValueError):
        return None


def _mapped(handle: Any) -> Any:
    """The file's bytes: mapped (nothing read until used) when it is a real file, else read."""
    raw = getattr(handle, "file", handle)
    try:
        return mmap.mmap(raw.fileno(), 0, access=mmap.ACCESS_READ)
    except (AttributeError, OSError, ValueError):
        raw.seek(0)
        return raw.read()


def open_posting_arrays(storage: Any, segment: Any) -> PostingArrays | None:
    """The segment's posting arrays, or None if it has none (written before they existed)."""
    return _opened(storage, segment, PostingArrays)


def _opened(storage: Any, segment: Any, kind: Callable[[Any], Any]) -> Any:
    name = segment.make_filename(EXTENSION)
    try:
        handle = storage.open_file(name)
    except FileNotFoundError:
        return None
    try:
        return kind(handle)
    except BaseException:
        handle.close()
        raise


def segment_arrays(reader: Any) -> PostingArrays | None:
    """The posting arrays of a Whoosh segment reader's segment, if it has them."""
    return _opened_for(reader, PostingArrays)


def term_lookup(reader: Any, fields: Iterable[str] = LOOKUP_FIELDS) -> TermLookup | None:
    """A :class:`TermLookup` of a Whoosh segment reader's segment, if it has posting arrays."""
    return _opened_for(reader, lambda handle: TermLookup(handle, fields))


def _opened_for(reader: Any, kind: Callable[[Any], Any]) -> Any:
    storage, segment = getattr(reader, "_storage", None), getattr(reader, "_segment", None)
    return _opened(storage, segment, kind) if storage is not None and segment is not None else None
