"""newsearch's ranking on top of Meilisearch's candidates.

Meilisearch ranks by buckets (how many query words match, typos, proximity, attribute) with no
notion of how rare a word is, reads only the first ten words of a query, and scores "hòa" and
"hoa" alike. On news known-item search that gave MRR@10 0.41 against 0.73 for the embedded
index (bench/relevance.py, dantri). So Meilisearch finds candidates — the query's ten rarest
syllables, plus every run of ``chunk`` syllables for longer queries — and newsearch ranks them:
BM25 over accent-folded syllables and adjacent syllable pairs (document frequencies asked of
the shards and cached), the title counted twice, times a bonus for the query's exact spelling.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from ..analysis import folded_term, syllable_term
from ..segment import SYLLABLE_PATTERN

__all__ = ["TermStats", "QueryWords", "query_words", "rank_candidates", "MAX_MEILI_WORDS"]

MAX_MEILI_WORDS = 10  # Meilisearch ignores the words of a query beyond the tenth
STATS_TTL = 300.0  # seconds a document frequency is trusted (the index grows meanwhile)


@dataclass(frozen=True)
class QueryWords:
    """The syllables of one OR alternative: folded (for matching) and as typed (for the bonus)."""

    folded: tuple[str, ...]
    exact: frozenset[str]

    @property
    def pairs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f"{a} {b}" for a, b in zip(self.folded, self.folded[1:])))

    @property
    def unique(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.folded))


def query_words(texts: Iterable[str]) -> QueryWords:
    syllables = [s for text in texts for s in SYLLABLE_PATTERN.findall(text)]
    return QueryWords(tuple(folded_term(s) for s in syllables), frozenset(syllable_term(s) for s in syllables))


class TermStats:
    """Document frequencies of folded syllables and pairs over all shards, asked on demand
    (``lookup(words)`` → counts, pairs as phrase queries) and kept for :data:`STATS_TTL`."""

    def __init__(self, lookup: Callable[[list[str]], dict[str, int]], count: Callable[[], int]) -> None:
        self._lookup = lookup
        self._count = count
        self._known: dict[str, tuple[int, float]] = {}
        self._docs: tuple[int, float] = (0, 0.0)
        self._lock = threading.Lock()

    def documents(self) -> int:
        docs, when = self._docs
        if time.monotonic() - when > STATS_TTL:
            self._docs = docs, when = self._count(), time.monotonic()
        return max(docs, 1)

    def frequencies(self, terms: Iterable[str]) -> dict[str, int]:
        now = time.monotonic()
        wanted = list(dict.fromkeys(terms))
        with self._lock:
            missing = [t for t in wanted if t not in self._known or now - self._known[t][1] > STATS_TTL]
        if missing:
            found = self._lookup(missing)
            with self._lock:
                if len(self._known) > 200_000:
                    self._known.clear()
                self._known.update((t, (found.get(t, 0), now)) for t in missing)
        return {t: self._known[t][0] for t in wanted}

    def rarest(self, words: QueryWords, count: int = MAX_MEILI_WORDS) -> list[str]:
        """The query's ``count`` rarest syllables that some article has, in query order (what
        Meilisearch is asked: a syllable no article has would leave it nothing to return)."""
        frequency = self.frequencies(words.unique)
        found = [w for w in words.unique if frequency[w]]
        keep = set(sorted(found, key=lambda w: (frequency[w], found.index(w)))[:count])
        return [w for w in found if w in keep]


def _document_terms(doc: dict[str, Any], title_weight: int, entity_weight: int) -> tuple[Counter[str], set[str], int]:
    """Folded syllable and pair counts of a document (its title ``title_weight`` times, the names
    of its entities ``entity_weight`` times), its exact syllables, and its length in syllables."""
    counts: Counter[str] = Counter()
    exact: set[str] = set()
    length = 0
    entities = " , ".join(doc.get("entities") or ())
    for text, weight in ((doc.get("title") or "", title_weight), (entities, entity_weight),
                         (doc.get("lead") or "", 1), (doc.get("body") or "", 1)):
        syllables = SYLLABLE_PATTERN.findall(text)
        exact.update(syllable_term(s) for s in syllables)
        folded = [folded_term(s) for s in syllables]
        for _ in range(weight):
            counts.update(folded)
            counts.update(f"{x} {y}" for x, y in zip(folded, folded[1:]))
        length += weight * len(folded)
    return counts, exact, length


def rank_candidates(candidates: dict[str, dict[str, Any]], groups: list[QueryWords], stats: TermStats, *,
                    k1: float, b: float, pair_weight: float, title_weight: int, entity_weight: int,
                    exact_weight: float) -> dict[str, float]:
    """A score per candidate: the best over the query's OR alternatives of BM25 (syllables plus
    ``pair_weight`` × pairs), times (1 + ``exact_weight`` × share of syllables spelt as typed)."""
    documents = stats.documents()
    terms = [t for g in groups for t in (*g.unique, *g.pairs)]
    frequency = stats.frequencies(terms)
    idf = {t: math.log(1 + (documents - frequency[t] + 0.5) / (frequency[t] + 0.5)) for t in terms}
    analysed = {key: _document_terms(doc, title_weight, entity_weight) for key, doc in candidates.items()}
    average = sum(length for _, _, length in analysed.values()) / max(1, len(analysed))
    scores = {}
    for key, (counts, exact, length) in analysed.items():
        norm = k1 * (1 - b + b * length / max(average, 1.0))
        best = 0.0
        for group in groups:
            score = sum(idf[t] * counts[t] * (k1 + 1) / (counts[t] + norm) for t in group.unique if counts[t])
            score += pair_weight * sum(idf[p] * counts[p] * (k1 + 1) / (counts[p] + norm) for p in group.pairs if counts[p])
            if group.exact:
                score *= 1 + exact_weight * len(group.exact & exact) / len(group.exact)
            best = max(best, score)
        scores[key] = best
    return scores
