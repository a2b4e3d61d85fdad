"""The leading matches of a ranking, near-duplicates collapsed: what a page of results shows, and
the score a candidate must reach to be on it (:mod:`newsearch.pruning` prunes with it).

Only the leading matches are sorted: a common query matches most of a 350k index, and sorting all
of them was a third of its time.
"""

from __future__ import annotations

import numpy as np

__all__ = ["best_matches", "kth_best_score"]


def best_matches(docs: np.ndarray, scores: np.ndarray, codes: np.ndarray | None, count: int,
                 floor: float = float("-inf")) -> tuple[np.ndarray, np.ndarray]:
    """The first ``count`` (or more) matches, best first, ties by document number as Whoosh orders
    them; with near-duplicate ``codes`` (one per match), only each cluster's best article. More
    are taken while collapsing leaves too few. A ``floor`` the count-th result is known to reach
    leaves the matches under it out before anything else (a pass instead of a partial sort per
    try: three of them at 350k articles, where a title query matches 300,000)."""
    if floor > float("-inf"):
        kept = np.flatnonzero(scores >= floor)
        docs, scores, codes = docs[kept], scores[kept], codes[kept] if codes is not None else None
    want = max(count, 1) * 4
    while True:
        order = _leading(docs, scores, want)
        ranked, ranked_scores = docs[order], scores[order]
        if codes is not None:
            first = np.sort(np.unique(codes[order], return_index=True)[1])  # each cluster's best article
            ranked, ranked_scores = ranked[first], ranked_scores[first]
        if len(ranked) >= count or len(order) == len(docs):
            return ranked, ranked_scores
        want *= 4


def kth_best_score(docs: np.ndarray, scores: np.ndarray, codes: np.ndarray | None, count: int) -> float:
    """The score of the ``count``-th result (each cluster counted once, by its best article); 0.0
    when there are fewer."""
    _, ranked_scores = best_matches(docs, scores, codes, count)
    return float(ranked_scores[count - 1]) if len(ranked_scores) >= count else 0.0


def _leading(docs: np.ndarray, scores: np.ndarray, count: int) -> np.ndarray:
    """Positions of the ``count`` best matches (and any tied with the last), in ranking order:
    exactly the start of the whole ranking."""
    if len(docs) <= count:
        return np.lexsort((docs, -scores))
    cut = np.partition(scores, len(scores) - count)[len(scores) - count]  # the count-th best score
    chosen = np.flatnonzero(scores >= cut)
    return chosen[np.lexsort((docs[chosen], -scores[chosen]))]
