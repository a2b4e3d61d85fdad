""""Did you mean", measured on the hand-made query set of the relevance benchmark."""

import json

import pytest

from .conftest import ROOT

QUERIES = json.loads((ROOT / "bench" / "queries" / "sample_queries.json").read_text(encoding="utf-8"))["queries"]
TO_RESTORE = [q for q in QUERIES if "intended" in q]


@pytest.mark.parametrize("typed, intended", [("gia vang", "giá vàng"), ("tri tue nhan tao", "trí tuệ nhân tạo"), ("Liverpol", "Liverpool")])
def test_examples(sample_index, typed, intended):
    assert sample_index.searcher().search(typed).suggestion == intended


def test_no_suggestion_for_a_good_accented_query(sample_index):
    assert sample_index.searcher().search("trí tuệ nhân tạo").suggestion is None


def test_typo_alone_is_corrected_and_searched(sample_index):
    results = sample_index.searcher().search("Bitcon")
    assert results.suggestion == "Bitcoin" and results.total > 0 and "showing results for" in results.warnings[-1]


def test_share_restored_exactly(sample_index):
    searcher = sample_index.searcher()
    exact = sum((searcher.search(q["query"]).suggestion or "").lower() == q["intended"] for q in TO_RESTORE)
    print(f"did you mean: {exact}/{len(TO_RESTORE)} restored exactly")
    assert exact / len(TO_RESTORE) >= 0.8


def test_no_hand_made_query_returns_nothing(sample_index):
    searcher = sample_index.searcher()
    assert all(searcher.search(q["query"]).total > 0 for q in QUERIES)


def test_a_run_together_string_is_not_searched_for_typos(sample_index, monkeypatch):
    """The edit-distance search over the lexicon took ~8 s for "hàhàhà…" (60 letters)."""
    from newsearch.suggest import Vocabulary

    searched = []
    original = Vocabulary.within
    monkeypatch.setattr(Vocabulary, "within", lambda self, text, maxdist: searched.append(text) or original(self, text, maxdist))
    with sample_index.searcher() as searcher:
        assert searcher.search("hà" * 30).suggestion is None
        searcher.search("vag")  # a real typo is still looked for
    assert searched == ["vag"]


@pytest.mark.parametrize("maxdist", [1, 2])
def test_known_syllables_near_a_typo_are_those_whoosh_finds(sample_index, maxdist):
    """Vocabulary.within gives what Whoosh's general terms_within gives (the Damerau–Levenshtein
    distance to every term of the lexicon), from the vocabulary alone. (A one-segment reader's own
    automaton leaves transpositions out: "hnoi" did not find "nhoi".)"""
    import random

    from whoosh.reading import IndexReader

    from newsearch.scoringcache import ScoringCache
    from newsearch.suggest import Vocabulary

    with sample_index.whoosh().searcher() as searcher:
        vocabulary = Vocabulary.from_segments(ScoringCache(searcher))
        known = sorted(vocabulary.by_folded)
        rng = random.Random(maxdist)
        typed = ["vag", "hnoi", "nghieng", "covid", "x", "qqqqqqqq", "tri", "thanhphoo"]
        for _ in range(40):  # known syllables with a letter changed, dropped or doubled
            word = list(rng.choice(known))
            at = rng.randrange(len(word))
            word[at : at + 1] = rng.choice([[rng.choice("abcghnotuy")], [], [word[at]] * 2])
            typed.append("".join(word))
        for text in typed:
            expected = sorted(set(IndexReader.terms_within(searcher.reader(), "content_fold", text, maxdist)))
            assert vocabulary.within(text, maxdist) == expected, text


def test_the_vocabulary_read_from_the_term_lists_is_the_lexicons(sample_index):
    from newsearch.scoringcache import ScoringCache
    from newsearch.suggest import Vocabulary

    with sample_index.whoosh().searcher() as searcher:
        cache = ScoringCache(searcher)
        assert cache.segments and all(s.arrays is not None and s.arrays.terms("content") for s in cache.segments)
        listed = Vocabulary.from_segments(cache).by_folded
        cache.close()  # no arrays: each segment's Whoosh lexicon
        assert Vocabulary.from_segments(cache).by_folded == listed
        assert "gia" in listed and "giá" in listed["gia"]


def test_adjacency_is_sampled_from_as_few_segments_as_hold_enough_articles():
    """Each segment sampled costs two Whoosh matchers and their blocks."""
    from types import SimpleNamespace

    import numpy as np

    from newsearch.suggest import PairCounts

    offsets = np.array([0, 100, 200, 300])
    scoring = SimpleNamespace(segments=[SimpleNamespace(offset=offset) for offset in offsets],
                              segments_of=lambda docs: np.searchsorted(offsets, docs, side="right") - 1)
    counts = PairCounts(scoring)
    few = np.array([5, 150, 250], dtype=np.int64)
    assert counts._sample(few).tolist() == few.tolist()
    docs = np.concatenate([np.arange(0, 10), np.arange(100, 112), np.arange(200, 260), np.arange(300, 305)])
    sample = counts._sample(docs)
    assert len(sample) == PairCounts.SAMPLE and np.all((sample >= 200) & (sample < 260))
    assert sample.tolist() == list(range(222, 222 + PairCounts.SAMPLE))  # consecutive, from the middle
    docs = np.concatenate([np.arange(0, 10), np.arange(100, 110), np.arange(300, 303)])
    assert set(np.unique(counts._sample(docs) // 100).tolist()) == {0, 1}  # two segments needed
