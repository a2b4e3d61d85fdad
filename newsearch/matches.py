"""A query part's result: matching articles and their scores, as sorted arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Matches", "EMPTY_DOCS", "EMPTY_SCORES", "positions_of"]

EMPTY_DOCS = np.empty(0, dtype=np.int64)
EMPTY_SCORES = np.empty(0, dtype=np.float64)


@dataclass
class Matches:
    """Matching documents (sorted global document numbers) and their scores. Scores below
    ``exact_from`` may be too low (terms left unscored, see :class:`newsearch.pruning.Wanted`); every document
    whose score reaches it has its exact score."""

    docs: np.ndarray
    scores: np.ndarray
    exact_from: float = float("-inf")


def positions_of(docs: np.ndarray, within: np.ndarray) -> np.ndarray:
    """Positions in ``docs`` (sorted) of the documents also in ``within`` (sorted): the shorter
    array is looked up in the longer one."""
    if not len(docs) or not len(within):
        return EMPTY_DOCS
    if len(within) < len(docs):
        where = np.minimum(docs.searchsorted(within), len(docs) - 1)
        return where[docs[where] == within]
    where = np.minimum(within.searchsorted(docs), len(within) - 1)
    return np.flatnonzero(within[where] == docs)
