"""Phrases from stored positions: the articles Whoosh's own Phrase query finds, whatever the gaps."""

import numpy as np
import pytest
from whoosh import fields, query
from whoosh.filedb.filestore import RamStorage

from newsearch.phrases import has_positions, in_order

FILLER = "xa " * 300  # pushes later words past a one-byte position gap
FAR = "yo " * 70_000  # and past a two-byte one

TEXTS = [
    "ha bo ce", "bo ha ce", "ha xa bo", "ha bo ha bo", "ce ha bo", "bo", "ha", "ha ha bo bo",
    FILLER + "ha bo", "ha " + FILLER + "bo", FAR + "ha bo ce", "ha " + FAR + "bo ha", "bo ce ha bo ce", "ha bo " * 1500,
]
PHRASES = [["ha", "bo"], ["bo", "ha"], ["ha", "bo", "ha"], ["ha", "bo", "ce"], ["bo", "ce"], ["ha", "xa"], ["ce"],
           ["ha", "ha"], ["xa", "ha", "bo"], ["zz", "ha"], ["ha", "bo", "ce", "ha"]]


@pytest.fixture(scope="module")
def searcher():
    """The texts in three segments of a Whoosh index with positions."""
    schema = fields.Schema(text=fields.TEXT(phrase=True), other=fields.ID(stored=True))
    index = RamStorage().create_index(schema)
    for part in (TEXTS[:5], TEXTS[5:10], TEXTS[10:]):
        writer = index.writer()
        for text in part:
            writer.add_document(text=text, other="1")
        writer.commit(merge=False)
    with index.searcher() as opened:
        assert len(opened.subsearchers) == 3
        yield opened


def _segments(searcher):
    return [(sub.reader(), offset) for sub, offset in searcher.subsearchers]


def _docs(searcher, q):
    return sorted(searcher.search(q, limit=None).docs())


@pytest.mark.parametrize("words", PHRASES, ids=" ".join)
def test_the_articles_whoosh_finds_for_the_phrase(searcher, words):
    holding = np.array(_docs(searcher, query.And([query.Term("text", w) for w in words])), dtype=np.int64)
    flags = in_order(_segments(searcher), "text", [w.encode() for w in words], holding)
    assert holding[flags].tolist() == _docs(searcher, query.Phrase("text", words))
    assert len(holding) or "zz" in words  # (the test sees articles to tell apart)


def test_articles_asked_but_missing_a_word_are_not_found(searcher):
    every = np.arange(searcher.doc_count_all(), dtype=np.int64)
    flags = in_order(_segments(searcher), "text", [b"ha", b"bo"], every)
    assert every[flags].tolist() == _docs(searcher, query.Phrase("text", ["ha", "bo"]))
    assert 0 < flags.sum() < len(every)


def test_only_fields_with_positions_hold_phrases(searcher):
    assert has_positions(searcher.schema, "text")
    assert not has_positions(searcher.schema, "other")
    assert not has_positions(searcher.schema, "missing")
