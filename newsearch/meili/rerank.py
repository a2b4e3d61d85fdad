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
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from ..analysis import folded_term, syllable_term
from ..normalize import index_form
from ..segment import SYLLABLE_PATTERN

__all__ = ["TermStats", "QueryWords", "query_words", "rank_candidates", "ranking_text", "RANK_FIELDS",
           "MAX_MEILI_WORDS"]

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


RANK_FIELDS = ("rank_title", "rank_entities", "rank_opening", "rank_lead", "rank_body")


def ranking_text(text: str) -> str:
    """A text's folded syllables, each framed by spaces (" tri  tue  nhan  tao "): stored with the
    document at indexing time, so that counting a syllable or a pair at query time is one
    ``str.count`` (" tri " or " tri  tue ") instead of analysing the text again."""
    return "".join(f" {folded_term(s)} " for s in SYLLABLE_PATTERN.findall(text))


def _framed(term: str) -> str:
    return "".join(f" {t} " for t in term.split(" "))


@dataclass(frozen=True)
class _Weights:
    title: int
    entities: int
    opening: int

    def of(self, field: str) -> int:
        return {"rank_title": self.title, "rank_entities": self.entities, "rank_opening": self.opening}.get(field, 1)


FEW_TERMS = 16  # up to this many query terms, counting each in the text beats splitting the text


def _counts(doc: dict[str, Any], terms: list[str], weights: _Weights) -> tuple[dict[str, int], int]:
    """How often each term (syllable or pair) occurs in the document, fields weighted, and its
    weighted length in syllables."""
    counts = dict.fromkeys(terms, 0)
    length = 0
    for field in RANK_FIELDS:
        text = doc.get(field) or ""
        weight = weights.of(field)
        if not text or not weight:
            continue
        if len(terms) <= FEW_TERMS:
            length += weight * (text.count(" ") // 2)
            found = {term: text.count(_framed(term)) for term in terms}
        else:
            tokens = text.split()
            length += weight * len(tokens)
            singles: Counter[str] = Counter(tokens)
            pairs: Counter[str] = Counter(map(" ".join, zip(tokens, tokens[1:])))
            found = {term: (pairs if " " in term else singles)[term] for term in terms}
        for term, n in found.items():
            if n:
                counts[term] += weight * n
    return counts, length


def _spelt_as_typed(doc: dict[str, Any], exact: frozenset[str]) -> int:
    """How many of the query's syllables (as typed) the document's text has, either tone placement."""
    text = index_form(" ".join(doc.get(f) or "" for f in ("title", "lead", "body")))
    return sum(1 for syllable in exact if re.search(rf"(?<!\w){re.escape(syllable)}(?!\w)", text))


def rank_candidates(candidates: dict[str, dict[str, Any]], groups: list[QueryWords], stats: TermStats, *,
                    k1: float, b: float, pair_weight: float, title_weight: int, entity_weight: int,
                    opening_weight: int, exact_weight: float) -> dict[str, float]:
    """A score per candidate: the best over the query's OR alternatives of BM25 (syllables plus
    ``pair_weight`` × pairs), times (1 + ``exact_weight`` × share of syllables spelt as typed)."""
    documents = stats.documents()
    terms = list(dict.fromkeys(t for g in groups for t in (*g.unique, *g.pairs)))
    frequency = stats.frequencies(terms)
    idf = {t: math.log(1 + (documents - frequency[t] + 0.5) / (frequency[t] + 0.5)) for t in terms}
    weights = _Weights(title_weight, entity_weight, opening_weight)
    analysed = {key: _counts(doc, terms, weights) for key, doc in candidates.items()}
    average = sum(length for _, length in analysed.values()) / max(1, len(analysed))
    scores = {}
    for key, (counts, length) in analysed.items():
        norm = k1 * (1 - b + b * length / max(average, 1.0))
        best = 0.0
        for group in groups:
            score = sum(idf[t] * counts[t] * (k1 + 1) / (counts[t] + norm) for t in group.unique if counts[t])
            score += pair_weight * sum(idf[p] * counts[p] * (k1 + 1) / (counts[p] + norm) for p in group.pairs if counts[p])
            if group.exact and score:
                score *= 1 + exact_weight * _spelt_as_typed(candidates[key], group.exact) / len(group.exact)
            best = max(best, score)
        scores[key] = best
    return scores
