"""A searcher's scoring reads: lists decoded together, article ids, near-duplicate clusters."""

import itertools

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import newsearch
from newsearch.scoringcache import Lists, ScoringCache, decode

from .conftest import SAMPLE


@given(st.lists(st.tuples(st.lists(st.integers(0, 5000), min_size=1, max_size=40, unique=True).map(sorted), st.booleans()),
                min_size=1, max_size=6))
def test_lists_of_gaps_and_numbers_decode_together_to_global_numbers(lists):
    raws, gaps, bases, expected = [], [], [], []
    for number, (docs, as_gaps) in enumerate(lists):
        offset = number * 6000  # each list a later segment's
        values = np.array(docs)
        raws.append((np.diff(values, prepend=values[0]) if as_gaps else values).astype(np.uint16))  # as newsearch.postings stores them
        gaps.append(as_gaps)
        bases.append(offset + (docs[0] if as_gaps else 0))
        expected += [d + offset for d in docs]
    sizes = np.array([len(raw) for raw in raws])
    found = Lists(raws, [np.ones(len(raw), dtype=np.float32) for raw in raws], np.array(gaps), np.array(bases), sizes)
    assert decode(found).tolist() == expected


def test_article_ids_come_from_the_id_column_or_else_the_stored_fields(many_segments):
    with many_segments.whoosh().searcher() as searcher:
        docnums = [d for d in range(0, searcher.doc_count_all(), 5) if not searcher.reader().is_deleted(d)]
        expected = tuple(searcher.stored_fields(d)["id"] for d in docnums)
        assert searcher.reader().has_column("id")
        assert ScoringCache(searcher).article_ids(docnums) == expected
        older = ScoringCache(searcher)
        older._id_column = False  # an index made before ids had a column
        assert older.article_ids(docnums) == expected


def test_each_document_number_is_placed_in_the_segment_holding_it(many_segments):
    with many_segments.whoosh().searcher() as searcher:
        scoring = ScoringCache(searcher)
        expected = [number for number, (sub, offset) in enumerate(searcher.subsearchers)
                    for _ in range(sub.doc_count_all())]
        assert scoring.segments_of(np.arange(searcher.doc_count_all())).tolist() == expected
        assert len(set(expected)) == len(scoring.segments) > 4


def test_cluster_members_are_the_documents_of_the_cluster_among_those_asked(tmp_path):
    articles = list(itertools.islice(newsearch.read_articles([SAMPLE]), 12))
    copies = [newsearch.Article(id=f"copy-{n}-{a.id}", title=a.title, lead=a.lead, body=a.body)
              for n, a in enumerate(articles[:3] * 2)]  # three clusters of three, over two segments
    with newsearch.create_index(tmp_path / "ix") as ix:
        with ix.writer() as writer:
            writer.add_many(articles, workers=0)
        with ix.writer() as writer:
            writer.add_many(copies, workers=0)
        with ix.whoosh().searcher() as searcher:
            cache = ScoringCache(searcher)
            clusters = cache.clusters()
            assert sorted(np.bincount(clusters).tolist())[-3:] == [3, 3, 3]
            among = np.arange(0, cache.size, 2)
            for code in np.unique(clusters).tolist():
                expected = np.flatnonzero(clusters == code).tolist()
                assert cache.cluster_members(code, among=np.arange(cache.size)).tolist() == expected
                assert cache.cluster_members(code, among=among).tolist() == [d for d in expected if d % 2 == 0]
