"""Vectorised scoring must give exactly what Whoosh's matchers give: same articles, same scores."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from whoosh import query as wq

import newsearch

from newsearch.fastscore import Unsupported, _scores_at, _union, score_query
from newsearch.matches import Matches
from newsearch.scoringcache import ScoringCache
from newsearch.query import parse_query
from newsearch.ranking import DEFAULT_RANKING, build_query

from .conftest import SAMPLE

QUERIES = ["hà nội", "ha noi", "giá vàng hôm nay", "bong da", "Covid-19", "trí tuệ nhân tạo -Mỹ",
           "Thủ tướng yêu cầu các bộ ngành khẩn trương triển khai giải pháp", "AI hoà bình", "xyzzy qwerty",
           'Các nhà khoa học dùng "trí tuệ nhân tạo" chẩn đoán Covid-19 qua tiếng ho ở "Hà Nội"']


def _whoosh_scores(searcher, query):
    if isinstance(query, wq.AndNot):
        # Whoosh's AndNotMatcher lets through some documents that match the excluded part
        # ("trí tuệ nhân tạo -Mỹ" kept an article with "Mỹ"): the truth is the difference.
        excluded = {hit.docnum for hit in searcher.search(query.b, limit=None)}
        return {d: s for d, s in _whoosh_scores(searcher, query.a).items() if d not in excluded}
    results = searcher.search(query, limit=None)
    return {hit.docnum: hit.score for hit in results}


@pytest.mark.parametrize("text", QUERIES)
@pytest.mark.parametrize("strict", [True, False])
def test_same_matches_and_scores_as_whoosh(sample_index, text, strict):
    whoosh_ix = sample_index.whoosh()
    with whoosh_ix.searcher(weighting=DEFAULT_RANKING.weighting()) as searcher:
        query = build_query(parse_query(text), strict=strict)
        expected = _whoosh_scores(searcher, query)
        found = score_query(ScoringCache(searcher), query, searcher.weighting)
        assert list(found.docs) == sorted(expected)
        for docnum, score in zip(found.docs.tolist(), found.scores.tolist()):
            assert score == pytest.approx(expected[docnum], rel=1e-9)


@pytest.fixture(scope="module")
def gapped_segments(tmp_path_factory):
    """Several segments whose posting arrays store most lists as gaps (the long-list form, made
    here from 8 postings on), the rest as numbers."""
    path = tmp_path_factory.mktemp("gapped") / "ix"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("newsearch.merge.AUTO_MERGE_DOCS", 0)
        patch.setattr("newsearch.postings.MIN_POSTINGS", 8)
        with newsearch.create_index(path) as ix:
            with ix.writer() as writer:
                writer.add_many(newsearch.read_articles([SAMPLE]), commit_every=90, workers=0)
            assert len(ix.whoosh()._segments()) > 2
    with newsearch.open_index(path) as ix:
        yield ix


@pytest.mark.parametrize("text", QUERIES)
@pytest.mark.parametrize("strict", [True, False])
def test_same_scores_as_whoosh_from_lists_stored_as_gaps(gapped_segments, text, strict):
    _assert_scored_as_whoosh_does(gapped_segments, text, strict)


@pytest.mark.parametrize("text", QUERIES)
@pytest.mark.parametrize("strict", [True, False])
@pytest.mark.parametrize("dense_from", [1, 16, 10**12])  # sums in a sorted array, as usual, always dense
def test_same_scores_as_whoosh_over_many_segments_with_deletions(many_segments, text, strict, dense_from, monkeypatch):
    """Long Ors summed term by term, And's later parts read only for the documents still in the
    running, whichever way the sums are made."""
    monkeypatch.setattr("newsearch.fastscore.DENSE_FROM", dense_from)
    monkeypatch.setattr("newsearch.scoringcache.DENSE_FROM", dense_from)
    _assert_scored_as_whoosh_does(many_segments, text, strict)


def _assert_scored_as_whoosh_does(ix, text, strict):
    with ix.whoosh().searcher(weighting=DEFAULT_RANKING.weighting()) as searcher:
        query = build_query(parse_query(text), strict=strict)
        expected = _whoosh_scores(searcher, query)
        found = score_query(ScoringCache(searcher), query, searcher.weighting)
        assert list(found.docs) == sorted(expected)
        assert found.scores.tolist() == pytest.approx([expected[d] for d in found.docs.tolist()], rel=1e-9)


def test_phrases_score_as_whoosh_scores_them(sample_index):
    with sample_index.whoosh().searcher(weighting=DEFAULT_RANKING.weighting()) as searcher:
        query = wq.Or([wq.Phrase("content", ["hà", "nội"]), wq.Term("title", "hà", boost=3.0)])
        expected = _whoosh_scores(searcher, query)
        found = score_query(ScoringCache(searcher), query, searcher.weighting)
        assert dict(zip(found.docs.tolist(), found.scores.tolist())) == pytest.approx(expected)


def _phrases_of_the_corpus(count, seed):
    """Runs of 2–4 syllables taken from the sample articles (found), the same shuffled (mostly
    not found), and repeated words."""
    import random

    from newsearch.analysis import syllable_text

    rng = random.Random(seed)
    texts = [syllable_text(a.body).split() for a in newsearch.read_articles([SAMPLE])]
    phrases = []
    for _ in range(count):
        words = rng.choice([t for t in texts if len(t) > 8])
        at = rng.randrange(len(words) - 4)
        phrase = words[at : at + rng.randint(2, 4)]
        phrases += [phrase, rng.sample(phrase, len(phrase))]
    return phrases + [["hà", "hà"], ["là", "là", "là"], ["xyzzy", "nội"]]


@pytest.mark.parametrize("strict", [True, False])
def test_phrases_match_the_articles_whoosh_matches(many_segments, strict):
    """Checked from positions over the articles holding every word: the same articles and scores
    as Whoosh's phrase matcher, over several segments with deleted articles, alone, boosted, in
    Ors and Ands."""
    with many_segments.whoosh().searcher(weighting=DEFAULT_RANKING.weighting()) as searcher:
        cache = ScoringCache(searcher)
        for words in _phrases_of_the_corpus(25, seed=int(strict)):
            phrase = wq.Phrase("content", words, boost=1.0 if strict else 2.5)
            query = wq.And([phrase, wq.Term("content", words[0])]) if strict else wq.Or([phrase, wq.Term("title", words[-1])])
            expected = _whoosh_scores(searcher, query)
            found = score_query(cache, query, searcher.weighting)
            assert found.docs.tolist() == sorted(expected), words
            assert found.scores.tolist() == pytest.approx([expected[d] for d in found.docs.tolist()], rel=1e-9)


def test_other_weightings_are_left_to_whoosh(sample_index):
    from whoosh.scoring import TF_IDF

    with sample_index.whoosh().searcher(weighting=TF_IDF()) as searcher:
        with pytest.raises(Unsupported):
            score_query(ScoringCache(searcher), wq.Term("content", "hà"), searcher.weighting)


part_docs = st.lists(st.integers(0, 99), unique=True, max_size=60).map(sorted)


@given(st.lists(part_docs, min_size=1, max_size=5), st.data())
def test_union_and_lookups_agree_with_plain_set_arithmetic(parts_docs, data):
    parts = [Matches(np.array(d, dtype=np.int64), np.array(data.draw(st.lists(st.floats(0, 10), min_size=len(d), max_size=len(d)))))
             for d in parts_docs]
    expected: dict[int, float] = {}
    for part in parts:
        for doc, score in zip(part.docs.tolist(), part.scores.tolist()):
            expected[doc] = expected.get(doc, 0.0) + score
    for size in (100, 10**9):  # summed in a dense array, or sorted
        union = _union(parts, size)
        assert union.docs.tolist() == sorted(expected)
        assert union.scores.tolist() == pytest.approx([expected[d] for d in sorted(expected)])
    wanted = np.array(sorted(expected), dtype=np.int64)
    for size in (100, 10**9):  # looked up through a dense array, or by binary search
        for part in parts:
            scores = dict(zip(part.docs.tolist(), part.scores.tolist()))
            assert _scores_at(part, wanted, size).tolist() == [scores.get(d, 0.0) for d in wanted.tolist()]
