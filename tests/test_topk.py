"""The leading matches of a ranking, near-duplicates collapsed, and the score of the count-th."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from newsearch.topk import best_matches, kth_best_score

MATCHES = st.lists(st.tuples(st.integers(0, 5), st.integers(0, 30)), max_size=200)


def _whole_ranking(matches, collapse):
    """Every match sorted (ties by document number), each cluster once when collapsing."""
    docs = np.arange(len(matches), dtype=np.int64)
    scores = np.array([float(s) for s, _ in matches])
    codes = np.array([c for _, c in matches], dtype=np.int64) if collapse else None
    order = np.lexsort((docs, -scores))
    if codes is not None:
        order = order[np.sort(np.unique(codes[order], return_index=True)[1])]
    return docs, scores, codes, order


@given(MATCHES, st.integers(1, 40), st.booleans())
def test_the_leading_matches_are_the_start_of_the_whole_ranking(matches, count, collapse):
    """Sorting only the best matches (ties included) gives what sorting all of them gives."""
    docs, scores, codes, order = _whole_ranking(matches, collapse)
    ranked, ranked_scores = best_matches(docs, scores, codes, count)
    assert ranked[:count].tolist() == docs[order][:count].tolist()
    assert ranked_scores[:count].tolist() == scores[order][:count].tolist()


@given(MATCHES, st.integers(1, 40), st.booleans())
def test_the_kth_best_score_is_that_of_the_kth_result(matches, count, collapse):
    docs, scores, codes, order = _whole_ranking(matches, collapse)
    expected = float(scores[order][count - 1]) if len(order) >= count else 0.0
    assert kth_best_score(docs, scores, codes, count) == expected
