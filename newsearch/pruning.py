"""Max-score pruning of a long query's flat sum (Turtle and Flood): when a search shows only its best
results (:class:`Wanted`), the commonest terms are scored only for the articles that can still
reach them; every match is still found and counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from whoosh import query as wq
from whoosh.scoring import BM25F

from .bm25 import field_scores_into, score_into, term_constant
from .matches import EMPTY_DOCS, Matches
from .scoringcache import ScoringCache
from .topk import best_matches, kth_best_score

__all__ = ["Wanted", "Spans", "Phrase", "pruned_sum", "add_phrases", "core_docs", "live_flags"]

_RARE_SHARE = 1 / 32  # a long query's terms in fewer of the articles are scored first (a first bar)
_EXACT_SAMPLE = 4  # a raised bar is taken from this many times the wanted results' leading articles
_SEARCH_FROM = 16  # look a few documents up in a long list by binary search, more through flags
_MARGIN = 1e-9  # relative: sums made in another order may differ in the last bits


@dataclass(frozen=True)
class Wanted:
    """Only the best ``count`` results will be read (near-duplicates counted once when ``codes``,
    a cluster code per document index-wide, are given): a long query's commonest terms are then
    scored only for the articles that can still reach them."""

    count: int
    codes: np.ndarray | None = None


@dataclass
class Phrase:
    """A phrase of a flat sum: its matches (its boost applied), what the Ors above it multiply
    its scores by, and whether it is part of the core (its articles match the query)."""

    matches: Matches
    factor: float
    in_core: bool


def add_phrases(summed: np.ndarray, phrases: list[Phrase]) -> None:
    """Add the phrases' scores into an index-wide array (a phrase's articles are distinct)."""
    for phrase in phrases:
        summed[phrase.matches.docs] += phrase.matches.scores * phrase.factor


def core_docs(spans: "Spans", core_size: int, phrases: list[Phrase]) -> np.ndarray:
    """Every document the core matches: the core terms' postings, then the core phrases' articles."""
    held = [phrase.matches.docs for phrase in phrases if phrase.in_core]
    return np.concatenate([spans.docs[:core_size]] + held) if held else spans.docs[:core_size]  # (no copy of a long query's)


@dataclass
class Spans:
    """A flat sum's terms: all their postings decoded one after another, each term's a span."""

    docs: np.ndarray
    weights: np.ndarray
    leaves: list[tuple[wq.Term, float]]
    starts: list[int]
    ends: list[int]

    def score_into(self, out: np.ndarray, term: int, cache: ScoringCache, weighting: BM25F,
                   picked: np.ndarray | None = None) -> np.ndarray:
        """Write the term's scores (of the ``picked`` postings of its span only, when given) into
        ``out``; return their documents."""
        node, factor = self.leaves[term]
        start, end = self.starts[term], self.ends[term]
        docs, weights = self.docs[start:end], self.weights[start:end]
        if picked is not None:
            docs, weights = docs[picked], weights[picked]
        score_into(out, node, factor, docs, weights, end - start, cache, weighting)
        return docs

    def add_into(self, summed: np.ndarray, term: int, cache: ScoringCache, weighting: BM25F,
                 picked: np.ndarray | None = None) -> None:
        """Add the term's scores into an index-wide array (a term's documents are distinct)."""
        size = len(picked) if picked is not None else self.ends[term] - self.starts[term]
        scores = np.empty(size)
        docs = self.score_into(scores, term, cache, weighting, picked)
        summed[docs] += scores

    def add_together(self, summed: np.ndarray, terms: list[int], cache: ScoringCache, weighting: BM25F) -> None:
        """Add the scores of several terms into an index-wide array, those of one field in one
        pass: a title query's forty-odd rare terms cost a few numpy calls each, more than their
        postings."""
        by_field: dict[str, list[int]] = {}
        for term in terms:
            by_field.setdefault(self.leaves[term][0].fieldname, []).append(term)
        for fieldname, group in by_field.items():
            spans = [slice(self.starts[term], self.ends[term]) for term in group]
            docs = np.concatenate([self.docs[span] for span in spans])
            weights = np.concatenate([self.weights[span] for span in spans])
            constants = np.repeat([self.constant(term, cache, weighting) for term in group],
                                  [span.stop - span.start for span in spans])
            scores = np.empty(len(docs))
            field_scores_into(scores, fieldname, constants, docs, weights, cache, weighting)
            np.add.at(summed, docs, scores)

    def constant(self, term: int, cache: ScoringCache, weighting: BM25F) -> float:
        node, factor = self.leaves[term]
        return term_constant(node, factor, self.ends[term] - self.starts[term], cache, weighting)

    def bound(self, term: int, cache: ScoringCache, weighting: BM25F) -> float:
        """More than the term can add to any article's score: BM25F's w / (w + k1 · norm) stays
        under 1, so its constant (unbounded for an unscored field's raw weights)."""
        if not cache.searcher.schema[self.leaves[term][0].fieldname].scorable:
            return float("inf")
        return self.constant(term, cache, weighting)


def live_flags(core_docs: np.ndarray, cache: ScoringCache) -> np.ndarray:
    """Index-wide flags of the live documents among ``core_docs``."""
    matched = np.zeros(cache.size, dtype=bool)
    matched[core_docs] = True
    alive = cache.alive()
    return matched & alive if alive is not None else matched


def pruned_sum(spans: Spans, core_size: int, phrases: list[Phrase], cache: ScoringCache, weighting: BM25F,
                wanted: Wanted) -> Matches:
    """A flat sum whose scores are exact only where they can still reach the ``wanted`` results.

    Max-score pruning (Turtle and Flood): the rare terms are scored first, and the score of the
    count-th result among the articles they match is a first bar. The commonest terms whose
    highest possible scores add up to less than that bar cannot lift an article that has none of
    the other terms onto the page: only the other terms are scored for all their postings, and the
    common ones only for the articles whose score plus those highest scores reaches the bar (now
    measured on every match). At 350k articles nine tenths of a title query's postings are the
    common terms' (read, never scored or summed)."""
    terms = range(len(spans.leaves))
    bounds = np.array([spans.bound(term, cache, weighting) for term in terms])
    summed = np.zeros(cache.size)
    add_phrases(summed, phrases)  # scored whole, as the rare terms are
    rare = [term for term in terms if spans.ends[term] - spans.starts[term] <= cache.size * _RARE_SHARE]
    spans.add_together(summed, rare, cache, weighting)
    surely = [spans.docs[spans.starts[term] : spans.ends[term]] for term in rare if spans.ends[term] <= core_size]
    first_bar = _first_bar(surely + [phrase.matches.docs for phrase in phrases if phrase.in_core], summed, cache, wanted)
    common = sorted(set(terms) - set(rare), key=lambda term: bounds[term])
    skipped = common[: int(np.searchsorted(np.cumsum(bounds[common]), first_bar))] if common else []
    spans.add_together(summed, sorted(set(common) - set(skipped)), cache, weighting)
    docs = np.flatnonzero(live_flags(core_docs(spans, core_size, phrases), cache))
    if not skipped:  # (a first bar of 0.0, fewer results than wanted, skips nothing)
        return Matches(docs, summed[docs])
    scores = summed[docs]
    above = docs[scores >= first_bar]  # the wanted results are among them (their scores only grew)
    bar = _lowered(kth_best_score(above, summed[above], _codes(wanted, above), wanted.count))
    skipped.sort(key=lambda term: -bounds[term])
    bar = max(bar, _raised_bar(spans, summed, above, skipped, wanted, cache, weighting))
    still_possible = np.cumsum(bounds[skipped][::-1])[::-1].tolist() + [0.0]  # what the terms from each on can add
    _add_where_reachable(spans, summed, skipped, still_possible, docs[scores + still_possible[0] >= bar], bar, cache, weighting)
    return Matches(docs, summed[docs], exact_from=bar)


def _first_bar(held: list[np.ndarray], summed: np.ndarray, cache: ScoringCache, wanted: Wanted) -> float:
    """The count-th result's score so far among the articles surely matched (``held`` by a rare
    term or a phrase of the core): the final count-th score is at least that."""
    surely = np.flatnonzero(live_flags(np.concatenate(held) if held else EMPTY_DOCS, cache))
    return _lowered(kth_best_score(surely, summed[surely], _codes(wanted, surely), wanted.count))


def _raised_bar(spans: Spans, summed: np.ndarray, leading: np.ndarray, skipped: list[int], wanted: Wanted,
                cache: ScoringCache, weighting: BM25F) -> float:
    """A higher bar: the count-th best exact score among a few of the leading articles (the
    skipped terms added for them only). The count-th best of any articles' exact scores is at
    most the final count-th best, and it is well above the partial scores' bar, which the
    skipped terms' highest scores all had to be added to: a slow title at 350k articles kept
    50,000–95,000 articles in the running for its first skipped term, a few thousand now."""
    sample, _ = best_matches(leading, summed[leading], _codes(wanted, leading), wanted.count * _EXACT_SAMPLE)
    sample = np.sort(sample)
    exact = summed[sample]
    for term in skipped:  # in the order _add_where_reachable adds them: the same sums to the bit
        picked = _postings_of(spans.docs[spans.starts[term] : spans.ends[term]], sample)
        scores = np.empty(len(picked))
        exact[np.searchsorted(sample, spans.score_into(scores, term, cache, weighting, picked))] += scores
    return _lowered(kth_best_score(sample, exact, _codes(wanted, sample), wanted.count))


def _add_where_reachable(spans: Spans, summed: np.ndarray, skipped: list[int], still_possible: list[float],
                         candidates: np.ndarray, bar: float, cache: ScoringCache, weighting: BM25F) -> None:
    """Add the skipped terms' scores, in order, for the ``candidates`` whose score plus what the
    terms not yet added can give (``still_possible[step]``) still reaches ``bar``; the others
    drop out as that shrinks."""
    for step, term in enumerate(skipped):
        picked = _postings_of(spans.docs[spans.starts[term] : spans.ends[term]], candidates)
        spans.add_into(summed, term, cache, weighting, picked)
        candidates = candidates[summed[candidates] + still_possible[step + 1] >= bar]


def _postings_of(span: np.ndarray, docs: np.ndarray) -> np.ndarray:
    """Positions in a term's documents (sorted) of those among ``docs`` (sorted): by binary
    search when few, else through index-wide flags."""
    if not len(docs):
        return EMPTY_DOCS
    if len(docs) * _SEARCH_FROM < len(span):
        at = np.minimum(span.searchsorted(docs), len(span) - 1)
        return at[span[at] == docs]
    flags = np.zeros(int(max(span[-1], docs[-1])) + 1, dtype=bool)
    flags[docs] = True
    return np.flatnonzero(flags[span])


def _lowered(bar: float) -> float:
    """A bar a hair lower, so that rounding never lets a qualifying article through unscored."""
    return bar - abs(bar) * _MARGIN


def _codes(wanted: Wanted, docs: np.ndarray) -> np.ndarray | None:
    return wanted.codes[docs] if wanted.codes is not None else None
