"""Which articles hold a phrase: its words one after another, from the positions Whoosh stores.

Whoosh's phrase matcher walks every article holding all the words, one at a time, through a tree
of Python matchers, and scores each on the way: a quoted "Hà Nội" took a second at 350k articles
(68,000 articles). Here the articles holding every word are found and scored with numpy first
(:mod:`newsearch.fastscore`); only the positions are read from Whoosh's posting blocks, for those
articles alone — the rarest word's first, each other word's only for the articles still in the
running — and compared in sets. The same articles as Whoosh's ``Phrase`` (slop 1: each word at the
position after the one before).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from whoosh.reading import TermNotFound

__all__ = ["in_order", "has_positions"]


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
    """The flags of :func:`in_order` for one segment's documents (its own numbers)."""
    frequencies = [_frequency(reader, fieldname, word) for word in words]
    if min(frequencies) == 0:
        return np.zeros(len(docs), dtype=bool)
    order = sorted(range(len(words)), key=lambda i: frequencies[i])  # the rarest word first
    starts: dict[int, set[int]] = {}  # article → where the phrase could start in it
    first = order[0]
    for doc, positions in _positions(reader, fieldname, words[first], docs.tolist()):
        starts[doc] = {p - first for p in positions}
    for i in order[1:]:
        running = sorted(doc for doc, found in starts.items() if found)
        seen = dict(_positions(reader, fieldname, words[i], running))
        starts = {doc: starts[doc] & {p - i for p in seen.get(doc, ())} for doc in running}
    matched = sorted(doc for doc, found in starts.items() if found)
    return np.isin(docs, np.array(matched, dtype=np.int64))


def _frequency(reader: Any, fieldname: str, word: bytes) -> int:
    try:
        return reader.doc_frequency(fieldname, word)
    except TermNotFound:
        return 0


def _positions(reader: Any, fieldname: str, word: bytes, docs: list[int]) -> list[tuple[int, list[int]]]:
    """(document, positions of the word in it) for each of ``docs`` (sorted) holding the word,
    read block by block: blocks without any of them are skipped unread."""
    terms = getattr(reader, "_terms", None)
    if terms is None or not docs:
        return []
    try:
        info = terms.term_info(fieldname, word)
    except TermNotFound:
        return []
    fmt = reader.schema[fieldname].format
    matcher = terms._codec.postings_reader(terms._postfile, info, fmt, term=(fieldname, word))  # noqa: SLF001
    found: list[tuple[int, list[int]]] = []
    wanted = np.array(docs, dtype=np.int64)
    at = 0
    while matcher.is_active() and at < len(wanted):
        last = matcher._maxid  # noqa: SLF001 - block-wise reading: whoosh3 is pinned exactly
        if last < wanted[at]:
            matcher._next_block()  # noqa: SLF001
            continue
        end = int(np.searchsorted(wanted, last, side="right"))
        matcher._read_data()  # noqa: SLF001
        gaps, _, values = matcher._data  # noqa: SLF001
        ids = np.cumsum(np.fromiter(gaps, dtype=np.int64, count=len(gaps)))
        asked = wanted[at:end]
        where = np.minimum(np.searchsorted(ids, asked), len(ids) - 1)
        for doc, index in zip(asked.tolist(), where.tolist()):
            if ids[index] == doc:
                found.append((doc, fmt.decode_positions(values[index])))
        at = end
        matcher._next_block()  # noqa: SLF001
    return found
