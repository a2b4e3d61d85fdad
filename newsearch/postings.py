"""Long posting lists kept a second time as plain arrays, beside each segment's Whoosh files.

Whoosh stores postings in blocks of 128, each a pickled, zlib-compressed tuple of document gaps,
weights and positions. Reading them back costs ≈ 0.15 µs per posting in Python: 60% of a title
query's time at 35k articles once the cache is cold, and ten times more at 350k, where the common
syllables of the language have posting lists of 100,000 documents and more. Scoring needs only
document numbers and weights, so for every term with at least :data:`MIN_POSTINGS` postings the
segment writer also writes them as small-integer arrays (gaps as uint8/16/32, weights as uint8/16
or float32), read back with one file read and one cumulative sum. Short lists stay with Whoosh:
they decode in microseconds.

The file (``<segment id>.npost``) is optional: a segment written before it existed, or one whose
file has gone (a reader pinned to an old generation after a merge), is read through Whoosh. Its
contents repeat Whoosh's postings exactly (weights are Whoosh's float32 weights), so scores are the
same either way.
"""

from __future__ import annotations

import pickle
import struct
from typing import Any, Sequence

import numpy as np

__all__ = ["MIN_POSTINGS", "EXTENSION", "PostingArraysWriter", "PostingArrays", "open_posting_arrays"]

MIN_POSTINGS = 512  # four Whoosh blocks: below this, Whoosh decodes a list in well under 0.1 ms
EXTENSION = ".npost"
_MAGIC = b"NSP1"
_TAIL = struct.Struct("<Q")  # where the directory starts
_DOC_TYPES = (np.uint8, np.uint16, np.uint32, np.uint64)
_WEIGHT_TYPES = (np.uint8, np.uint16, np.float32)

Entry = tuple[int, int, int, int, int]  # offset, count, first document, gap type, weight type


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


def decode(data: bytes, entry: Entry) -> tuple[np.ndarray, np.ndarray]:
    """(document numbers as int64, weights as float64) from :func:`encode`'s bytes."""
    _, count, first, gap_type, weight_type = entry
    gap_kind, weight_kind = np.dtype(_DOC_TYPES[gap_type]), np.dtype(_WEIGHT_TYPES[weight_type])
    gaps = np.frombuffer(data, dtype=gap_kind, count=count)
    weights = np.frombuffer(data, dtype=weight_kind, count=count, offset=count * gap_kind.itemsize)
    return np.cumsum(gaps, dtype=np.int64) + first, weights.astype(np.float64)


def _size(entry: Entry) -> int:
    _, count, _, gap_type, weight_type = entry
    return count * (np.dtype(_DOC_TYPES[gap_type]).itemsize + np.dtype(_WEIGHT_TYPES[weight_type]).itemsize)


class PostingArraysWriter:
    """Writes a segment's ``.npost`` file: call :meth:`add` for every term in the order written
    (any order works), then :meth:`close`."""

    def __init__(self, storage: Any, segment: Any) -> None:
        self._file = storage.create_file(segment.make_filename(EXTENSION))
        self._file.write(_MAGIC)
        self._at = len(_MAGIC)
        self._directory: dict[tuple[str, bytes], Entry] = {}

    def add(self, fieldname: str, term: bytes, docnums: Sequence[int] | np.ndarray,
            weights: Sequence[float] | np.ndarray) -> None:
        """Keep a term's postings if the list is long enough to be slow to read from Whoosh."""
        if len(docnums) < MIN_POSTINGS:
            return
        data, entry = encode(docnums, weights)
        self._directory[(fieldname, term)] = (self._at, *entry[1:])
        self._file.write(data)
        self._at += len(data)

    def close(self) -> None:
        self._file.write(pickle.dumps(self._directory, protocol=pickle.HIGHEST_PROTOCOL))
        self._file.write(_TAIL.pack(self._at))
        self._file.close()


class PostingArrays:
    """A segment's ``.npost`` file, open for reading: :meth:`get` returns a term's postings, or
    None when the term's list is short (or absent) and must be read from Whoosh."""

    def __init__(self, handle: Any) -> None:
        self._handle = handle
        length = handle.seek(0, 2)
        handle.seek(0)
        if handle.read(len(_MAGIC)) != _MAGIC or length < len(_MAGIC) + _TAIL.size:
            raise ValueError("posting arrays file has a wrong header")
        handle.seek(length - _TAIL.size)
        (start,) = _TAIL.unpack(handle.read(_TAIL.size))
        if not len(_MAGIC) <= start <= length - _TAIL.size:
            raise ValueError("posting arrays file has a wrong directory offset")
        handle.seek(start)
        self._directory: dict[tuple[str, bytes], Entry] = pickle.loads(handle.read(length - _TAIL.size - start))

    def __len__(self) -> int:
        return len(self._directory)

    def get(self, fieldname: str, term: bytes) -> tuple[np.ndarray, np.ndarray] | None:
        entry = self._directory.get((fieldname, term))
        if entry is None:
            return None
        self._handle.seek(entry[0])
        size = _size(entry)
        data = self._handle.read(size)
        if len(data) != size:
            raise ValueError("posting arrays file is truncated")
        return decode(data, entry)

    def close(self) -> None:
        self._handle.close()


def open_posting_arrays(storage: Any, segment: Any) -> PostingArrays | None:
    """The segment's posting arrays, or None if it has none (written before they existed)."""
    name = segment.make_filename(EXTENSION)
    try:
        handle = storage.open_file(name)
    except FileNotFoundError:
        return None
    try:
        return PostingArrays(handle)
    except BaseException:
        handle.close()
        raise
