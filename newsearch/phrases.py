"""Which articles hold a phrase: its words one after another, from the positions Whoosh stores.

Whoosh's phrase matcher walks every article holding all the words, one at a time, through a tree
of Python matchers, and scores each on the way: a quoted "Hà Nội" took a second at 350k articles
(68,000 articles). Here the articles holding every word are found and scored with numpy first
(:mod:`newsearch.fastscore`); only the positions are read from Whoosh's posting blocks, for those
articles alone — the rarest word's first, each other word's only for the articles still in the
running — and compared as sorted arrays. The same articles as Whoosh's ``Phrase`` (slop 1: each
word at the position after the one before).
"""

from __future__ import annotations

from itertools import chain
from pickle import loads
from typing import Any, Sequence

import numpy as np
from whoosh.reading import TermNotFound

from .postings import summed_per_list

__all__ = ["in_order", "has_positions"]

_POSITION_BITS = 32  # a key is article << 32 | position
_COUNT_BYTES = 4  # Whoosh's Positions value: the count, packed, before the pickled gaps
_NOTHING = np.empty(0, dtype=np.int64)


def has_positions(schema: Any, fieldname: str) -> bool:
    """True when the field stores positions (a phrase can be checked in it)."""
    field = schema[fieldname] if fieldname in schema else None
    return field is not None and field.format is not None and field.format.supports("positions")


def in_order(segments: Sequence[tuple[Any, int]], fieldname: str, words: Sequence[bytes], docs: np.ndarray) -> np.ndarray:
    """Flags over ``docs`` (global document numbers, sorted, each holding every word): True where
    the words stand one after another. ``segments``: each segment's reader and first number."""
    keep = np.zeros(len(docs), dtype=bool)
    for reader, offset in segments:
        lo, hi = np.searchsorted(docs, [offset, offset + reader.doc_count_all()])
        if lo < hi:
            keep[lo:hi] = _in_segment(reader, fieldname, words, docs[lo:hi] - offset)
    return keep


def _in_segment(reader: Any, fieldname: str, words: Sequence[bytes], docs: np.ndarray) -> np.ndarray:
    """The flags of :func:`in_order` for one segment's documents (its own numbers).

    Where the phrase could start is kept as one sorted array of keys (article << 32 | position),
    the rarest word's first; each other word's starts (its positions minus its place in the
    phrase), read only for the articles still in the running, are intersected with it."""
    frequencies = [_frequency(reader, fieldname, word) for word in words]
    if min(frequencies) == 0:
        return np.zeros(len(docs), dtype=bool)
    keys: np.ndarray | None = None
    running = docs
    for place in sorted(range(len(words)), key=lambda i: frequencies[i]):  # the rarest word first
        held, counts, positions = _positions(reader, fieldname, words[place], running)
        starts = positions - place
        found = (np.repeat(held, counts) << _POSITION_BITS) | np.maximum(starts, 0)
        found = found[starts >= 0]  # (a word cannot stand before the phrase's start)
        keys = found if keys is None else keys[np.isin(keys, found, assume_unique=True)]
        running = np.unique(keys >> _POSITION_BITS)
        if not len(running):
            break
    return np.isin(docs, running)


def _frequency(reader: Any, fieldname: str, word: bytes) -> int:
    try:
        return reader.doc_frequency(fieldname, word)
    except TermNotFound:
        return 0


def _positions(reader: Any, fieldname: str, word: bytes, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The word's positions in each of ``docs`` (sorted) holding it: those articles, how many
    positions each, and all the positions one article after another. Read block by block
    (blocks without any of the articles are skipped unread); each posting's value is Whoosh's
    pickled list of position gaps, unpickled here and summed for all postings at once — Whoosh's
    own decoder summed each list in Python, most of a common phrase's time."""
    terms = getattr(reader, "_terms", None)
    if terms is None or not len(docs):
        return _NOTHING, _NOTHING, _NOTHING
    try:
        info = terms.term_info(fieldname, word)
    except TermNotFound:
        return _NOTHING, _NOTHING, _NOTHING
    matcher = terms._codec.postings_reader(terms._postfile, info, reader.schema[fieldname].format, term=(fieldname, word))  # noqa: SLF001
    held: list[int] = []
    gaps: list[list[int]] = []
    at = 0
    while matcher.is_active() and at < len(docs):
        last = matcher._maxid  # noqa: SLF001 - block-wise reading: whoosh3 is pinned exactly
        if last < docs[at]:
            matcher._next_block()  # noqa: SLF001
            continue
        end = int(np.searchsorted(docs, last, side="right"))
        matcher._read_data()  # noqa: SLF001
        block_gaps, _, values = matcher._data  # noqa: SLF001
        ids = np.cumsum(np.fromiter(block_gaps, dtype=np.int64, count=len(block_gaps)))
        asked = docs[at:end]
        where = np.minimum(np.searchsorted(ids, asked), len(ids) - 1)
        hits = where[ids[where] == asked].tolist()
        held.extend(ids[hits].tolist())
        gaps.extend(_position_gaps(values[index]) for index in hits)
        at = end
        matcher._next_block()  # noqa: SLF001
    counts = np.fromiter(map(len, gaps), dtype=np.int64, count=len(gaps))
    flat = np.fromiter(chain.from_iterable(gaps), dtype=np.int64, count=int(counts.sum()))
    return np.array(held, dtype=np.int64), counts, summed_per_list(flat, counts)


def _position_gaps(value: bytes) -> list[int]:
    """A posting value of Whoosh's ``Positions`` format: a 4-byte count, then the pickled list of
    gaps between positions (the first from 0), its closing ``.`` sometimes left off."""
    return loads(value[_COUNT_BYTES:] if value.endswith(b".") else value[_COUNT_BYTES:] + b".")
