"""Whoosh's terms file written with a fraction of the memory.

Whoosh's terms file (``.trm``) is an ordered on-disk hash: while a segment is written, its
``HashWriter`` keeps, for every term, a ``(hash, position)`` tuple of two Python ints in one of 256
bucket lists — about 130 bytes a term, ≈ 100 MB for a 10,000-article segment (770,000 terms),
held until the file is closed, in each worker writing a segment. :func:`field_writer` gives
Whoosh's own field writer with a terms index that keeps the same two numbers in two arrays per
bucket (12 bytes a term) and writes the hash tables with numpy. The file is byte for byte what
Whoosh writes (tests compare them); only the writing changes.
"""

from __future__ import annotations

from array import array
from typing import Any

import numpy as np
from whoosh.filedb import filetables

__all__ = ["field_writer", "CompactOrderedHashWriter"]

_SLOT = np.dtype([("hash", ">u4"), ("position", ">i8")])  # filetables._pointer ("!Iq")


class CompactOrderedHashWriter(filetables.OrderedHashWriter):
    """An ``OrderedHashWriter`` whose buckets are arrays (hashes, positions) instead of lists of
    tuples; same file."""

    def __init__(self, dbfile: Any) -> None:
        super().__init__(dbfile)
        _make_compact(self)

    def add(self, key: bytes, value: bytes) -> None:
        """Add a key (greater than the last one) and its value, as ``OrderedHashWriter.add``."""
        if key <= self.lastkey:
            raise ValueError(f"Keys must increase: {self.lastkey!r}..{key!r}")
        dbfile = self.dbfile
        position = dbfile.tell()
        self.index.append(position)
        dbfile.write(filetables._lengths.pack(len(key), len(value)))  # noqa: SLF001 - whoosh is pinned exactly
        dbfile.write(key)
        dbfile.write(value)
        hashed = self.hashfn(key)
        hashes, positions = self.buckets[hashed & 255]
        hashes.append(hashed)
        positions.append(position)
        self.lastkey = key

    def _write_hashes(self) -> None:
        """Each bucket's open-addressing table, filled in the order the keys came (as Whoosh
        fills it: the same slots), written with one numpy conversion per bucket."""
        dbfile = self.dbfile
        for hashes, positions in self.buckets:
            start = dbfile.tell()
            slots = 2 * len(hashes)
            self.directory.append((start, slots))
            table_hashes = array("I", bytes(4 * slots))
            table_positions = array("q", bytes(8 * slots))  # 0 = empty: no key sits at position 0
            for hashed, position in zip(hashes, positions):
                slot = (hashed >> 8) % slots
                while table_positions[slot]:
                    slot = (slot + 1) % slots
                table_hashes[slot] = hashed
                table_positions[slot] = position
            table = np.empty(slots, dtype=_SLOT)
            table["hash"] = np.frombuffer(table_hashes, dtype=np.uint32)
            table["position"] = np.frombuffer(table_positions, dtype=np.int64)
            dbfile.write(table.tobytes())


def _make_compact(writer: filetables.OrderedHashWriter) -> None:
    """Turn a fresh (empty) ``OrderedHashWriter`` into a compact one."""
    if any(writer.buckets):
        raise ValueError("the terms index already holds keys")
    writer.buckets = [(array("I"), array("q")) for _ in range(256)]
    writer.__class__ = CompactOrderedHashWriter


def field_writer(codec: Any, storage: Any, segment: Any) -> Any:
    """Whoosh's field writer for a new segment, its terms index made compact (whoosh3's writer
    creates its index in its constructor, so the index is converted, before any term is added)."""
    writer = codec.field_writer(storage, segment)
    _make_compact(writer._tindex)  # noqa: SLF001 - whoosh3 is pinned exactly
    return writer
