"""Max-score pruning gives the wanted results exactly as full sums do."""

import numpy as np
import pytest

import newsearch
from newsearch.fastscore import score_query
from newsearch.pruning import Wanted
from newsearch.query import parse_query
from newsearch.ranking import DEFAULT_RANKING, build_query
from newsearch.scoringcache import ScoringCache
from newsearch.topk import best_matches

from .conftest import SAMPLE


def _long_queries(count):
    """Headlines of the sample corpus as typed into the search box: long ranked queries, every
    third with two of its words quoted (a phrase in the sum)."""
    articles = list(newsearch.read_articles([SAMPLE]))[:count]
    texts = []
    for number, article in enumerate(articles):
        words = article.headline.split()
        if number % 3 == 0 and len(words) > 6:
            words[2:4] = ['"' + " ".join(words[2:4]) + '"']
        texts.append(" ".join(words))
    return [build_query(parse_query(text), strict=False) for text in texts]


@pytest.mark.parametrize("wanted_count", [1, 3, 10])
@pytest.mark.parametrize("collapse", [False, True])
def test_pruned_sums_rank_the_wanted_results_as_full_sums_do(many_segments, wanted_count, collapse):
    """Max-score pruning: the same matches; every score that reaches ``exact_from`` exact, none
    higher than the truth; the wanted results the same articles in the same order."""
    pruned_queries = 0
    with many_segments.whoosh().searcher(weighting=DEFAULT_RANKING.weighting()) as searcher:
        cache = ScoringCache(searcher)
        codes = cache.clusters() if collapse else None
        for query in _long_queries(60):
            full = score_query(cache, query, searcher.weighting)
            pruned = score_query(cache, query, searcher.weighting, Wanted(wanted_count, codes))
            assert pruned.docs.tolist() == full.docs.tolist()
            assert np.all(pruned.scores <= full.scores * (1 + 1e-9))
            exact = full.scores >= pruned.exact_from
            assert pruned.scores[exact].tolist() == pytest.approx(full.scores[exact].tolist(), rel=1e-9)
            pruned_queries += pruned.exact_from > float("-inf")
            shown = [best_matches(m.docs, m.scores, codes[m.docs] if collapse else None, wanted_count, floor=m.exact_from)
                     for m in (full, pruned)]
            assert shown[0][0][:wanted_count].tolist() == shown[1][0][:wanted_count].tolist()
    assert pruned_queries > 10  # the test sees pruning at work
