"""Turn a parsed query into a Whoosh query: which fields, which weights, which boosts.

Every query syllable is matched in the accented syllable fields (title over lead over body);
syllables typed without accents also match the folded fields, at a lower weight, so the exact
accents rank first. A short query (up to four words or phrases) requires all of them; a longer one
(natural language, a headline) ranks articles by how much of it they contain. The query's adjacent
syllable pairs (in the article, and in its opening) add to the score; quoted phrases must match
as phrases. No pyvi at query time: pairs measured as good as pyvi's words (bench/README.md) and need no
segmentation that could differ between a short query and a sentence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import log
import heapq
from collections import Counter
from typing import Any, Callable, Sequence

from whoosh import query as wq
from whoosh.scoring import BM25F

from .analysis import folded_term, syllable_pairs, syllable_term
from .entities import entity_key
from .highlight import MatchTerms
from .normalize import fold_diacritics, has_diacritics
from .models import Article
from .query import ParsedQuery, QueryTerm
from .schema import EARLIEST_DATE, TEXT_FIELDS, keyword_value, to_index_datetime
from .segment import SYLLABLE_PATTERN

__all__ = ["Ranking", "DEFAULT_RANKING", "build_query", "filter_query", "match_terms", "clause_count", "related_query"]


@dataclass(frozen=True)
class Ranking:
    """The knobs of relevance, measured by bench/relevance.py (see bench/README.md)."""

    field_weights: dict[str, float] = field(default_factory=lambda: {"title": 3.0, "content": 1.0})
    fold_weight: float = 0.3  # in a query with accents, a folded match of an accent-free syllable
    # The whole free text as a phrase (short queries). Off: measured no better than the pairs on
    # the hand-made set (MRR 0.980 either way), and phrases need Whoosh's per-document matchers
    # where everything else is scored at once (newsearch.fastscore).
    phrase_weight: float = 0.0
    pair_weight: float = 0.5  # adjacent syllable pairs, accent-free (proximity, word-like matches)
    opening_weight: float = 0.25  # the same pairs in the article's opening
    entity_weight: float = 0.0  # the query's n-grams that name an entity of the article
    max_entity_ngram: int = 4
    strict_max_clauses: int = 4
    # In a long (ranked) query, syllables and pairs found in more than this share of the articles
    # are left out: they cost the most postings to read and say the least (1.0 keeps everything).
    common_ratio: float = 0.5
    max_phrase_syllables: int = 8
    k1: float = 1.2
    b: float = 0.75
    probabilistic_idf: bool = False  # measured: no better on news titles (bench/README.md)

    def weighting(self) -> BM25F:
        return ProbabilisticBM25F(B=self.b, K1=self.k1) if self.probabilistic_idf else BM25F(B=self.b, K1=self.k1)


class ProbabilisticBM25F(BM25F):
    """BM25F with the probabilistic IDF of Robertson–Spärck Jones (as in Lucene).

    Whoosh's IDF, log(N / (df + 1)) + 1, never falls below 1, so the function syllables that fill
    a natural-language query ("của", "và", "là", "được") keep a full unit of weight each; here a
    syllable found in most articles is worth almost nothing."""

    def idf(self, searcher: object, fieldname: str, text: str) -> float:
        parent = searcher.get_parent()  # type: ignore[attr-defined]
        n = parent.doc_frequency(fieldname, text)
        total = parent.doc_count_all()
        return log(1 + (total - n + 0.5) / (n + 0.5))


DEFAULT_RANKING = Ranking()


class WideOr(wq.Or):
    """An Or of many clauses (a long query, the boosters) that reads its sub-matchers into arrays
    window by window instead of Whoosh's binary tree of union matchers: the same scores, about
    five times faster for a 15-syllable query on 35k articles (profiled: the tree's recursive
    is_active calls dominated)."""

    matcher_type = wq.Or.ARRAY_MATCHER


def _syllables(text: str) -> list[str]:
    return SYLLABLE_PATTERN.findall(text)


def _typed_without_accents(syllable: str) -> bool:
    return syllable_term(syllable) == folded_term(syllable)


def _term_clause(syllable: str, fields: Sequence[str], r: Ranking, accented_query: bool) -> wq.Query:
    """A syllable typed with accents matches exactly. In a query typed entirely without accents,
    a syllable matches its folded form only: the literal match ("tri" for "trí") says nothing about
    what the user meant. In a query with accents elsewhere, an accent-free syllable ("AI", "hoa")
    was meant as written: it matches exactly, and its folded form at a lower weight."""
    exact = syllable_term(syllable)
    if not _typed_without_accents(syllable):
        return wq.Or([wq.Term(f, exact, boost=r.field_weights[f]) for f in fields])
    folded = [wq.Term(f"{f}_fold", exact, boost=r.field_weights[f] * (r.fold_weight if accented_query else 1.0)) for f in fields]
    if not accented_query:
        return wq.Or(folded)
    return wq.Or([wq.Term(f, exact, boost=r.field_weights[f]) for f in fields] + folded)


def _phrase_clause(sylls: Sequence[str], fields: Sequence[str], r: Ranking, accented_query: bool, weight: float = 1.0) -> wq.Query:
    if len(sylls) == 1:
        return _term_clause(sylls[0], fields, r, accented_query)
    subs: list[wq.Query] = []
    if accented_query:
        exact = [syllable_term(s) for s in sylls]
        subs += [wq.Phrase(f, exact, boost=r.field_weights[f] * weight) for f in fields]
    if any(_typed_without_accents(s) for s in sylls):
        folded = [folded_term(s) for s in sylls]
        fold_weight = r.fold_weight if accented_query else 1.0
        subs += [wq.Phrase(f"{f}_fold", folded, boost=r.field_weights[f] * fold_weight * weight) for f in fields]
    return wq.Or(subs)


def _compound_clause(text: str, fields: Sequence[str], r: Ranking) -> wq.Query:
    """A written compound ("covid-19", "TP.HCM", "15/7") as the chain of its adjacent pairs, each a
    term of the pair fields: the syllables standing together, found by term lookups. A phrase query
    read positions for every article holding all the syllables — at 35k articles half the time of
    the slowest title queries ("15/7": two of the commonest numbers), and ten times more at 350k.
    Pair fields are accent-free: compounds are mostly names, numbers and abbreviations."""
    pairs = list(dict.fromkeys(syllable_pairs(text)))
    if not pairs:  # syllables joined by something that is not a pair gap ("a+b")
        return wq.Or([_term_clause(s, fields, r, False) for s in _syllables(text)])
    return wq.Or([
        wq.And([wq.Term(f"{f}_pair", p) for p in pairs], boost=r.field_weights[f]) if len(pairs) > 1
        else wq.Term(f"{f}_pair", pairs[0], boost=r.field_weights[f])
        for f in fields
    ])


Frequent = Callable[[str, str], bool]  # (field, term) → found in too many articles to be worth reading


def _is_frequent_syllable(syllable: str, accented_query: bool, frequent: Frequent) -> bool:
    if accented_query or not _typed_without_accents(syllable):
        return frequent("content", syllable_term(syllable))
    return frequent("content_fold", folded_term(syllable))


def _item_clauses(term: QueryTerm, r: Ranking, accented_query: bool, frequent: Frequent | None = None) -> list[wq.Query]:
    fields = (term.field,) if term.field else TEXT_FIELDS
    sylls = _syllables(term.text)
    if not sylls:
        return []
    if term.phrase:
        return [_phrase_clause(sylls, fields, r, accented_query)]
    if len(sylls) > 1 and not term.field and " " not in term.text:
        return [_compound_clause(term.text, fields, r)]  # "DeepSeek-R1", "covid-19", "TP.HCM"
    unique = list(dict.fromkeys(sylls, None))
    if frequent is not None:
        unique = [s for s in unique if not _is_frequent_syllable(s, accented_query, frequent)]
    return [_term_clause(s, fields, r, accented_query) for s in unique]


def _group_clauses(group: Sequence[QueryTerm], r: Ranking, accented_query: bool, frequent: Frequent | None = None) -> list[wq.Query]:
    """One clause per distinct syllable or phrase: a repeated word does not count twice. With
    ``frequent``, the most common syllables are left out, unless nothing else would remain."""
    clauses: dict[str, wq.Query] = {}
    for term in group:
        for clause in _item_clauses(term, r, accented_query, frequent):
            clauses.setdefault(repr(clause), clause)
    if not clauses and frequent is not None:
        return _group_clauses(group, r, accented_query)
    return list(clauses.values())


def _pair_booster(text: str, r: Ranking, frequent: Frequent | None = None) -> wq.Query | None:
    """The query's adjacent syllable pairs, looked up in the pair fields: rewards articles where
    the query's words stand together, accents or not, for the price of a term lookup."""
    if not r.pair_weight:
        return None
    pairs = [p for p in dict.fromkeys(syllable_pairs(text)) if frequent is None or not frequent("content_pair", p)]
    subs = [wq.Term(f"{f}_pair", p, boost=r.field_weights[f] * r.pair_weight) for p in pairs for f in TEXT_FIELDS]
    if r.opening_weight:
        subs += [wq.Term("opening_pair", p, boost=r.opening_weight) for p in pairs]
    return WideOr(subs) if subs else None


def _entity_booster(sylls: Sequence[str], r: Ranking) -> wq.Query | None:
    """Every run of 1–4 query syllables that is an entity of an article ("Hoa Kỳ", "Tiezhen Wang")
    scores for it, accents or not: named entities are what news titles are about."""
    if not r.entity_weight or not sylls:
        return None
    folded = [folded_term(s) for s in sylls]
    grams = dict.fromkeys(
        " ".join(folded[i : i + n]) for n in range(1, r.max_entity_ngram + 1) for i in range(len(folded) - n + 1)
    )
    return WideOr([wq.Term("entities_fold", g, boost=r.entity_weight) for g in grams])


def is_accented(parsed: ParsedQuery) -> bool:
    """Whether the user typed any diacritic: then accent-free syllables are meant as written."""
    return any(has_diacritics(t.text) for g in parsed.groups for t in g) or any(has_diacritics(t.text) for t in parsed.excluded)


def _group_query(
    group: Sequence[QueryTerm], strict: bool, r: Ranking, accented_query: bool, frequent: Frequent | None = None
) -> wq.Query | None:
    frequent = None if strict else frequent
    clauses = _group_clauses(group, r, accented_query, frequent)
    if not clauses:
        return None
    core = wq.And(clauses) if strict else WideOr(clauses)
    free_text = " ".join(t.text for t in group if not t.phrase and not t.field)
    sylls = _syllables(free_text)
    boosters: list[wq.Query] = []
    if 2 <= len(sylls) <= r.max_phrase_syllables and r.phrase_weight:
        boosters.append(_phrase_clause(sylls, TEXT_FIELDS, r, accented_query, r.phrase_weight))
    for booster in (
        _pair_booster(" ".join(t.text for t in group if not t.field), r, frequent),
        _entity_booster(sylls, r),
    ):
        if booster is not None:
            boosters.append(booster)
    union = wq.Or if strict else WideOr  # the array matcher reads whole posting lists: not for And
    return wq.AndMaybe(core, union(boosters)) if boosters else core


def clause_count(parsed: ParsedQuery, r: Ranking = DEFAULT_RANKING) -> int:
    accented = is_accented(parsed)
    return max((len(_group_clauses(g, r, accented)) for g in parsed.groups), default=0)


def build_query(
    parsed: ParsedQuery, *, strict: bool, ranking: Ranking = DEFAULT_RANKING, frequent: Frequent | None = None
) -> wq.Query:
    """The Whoosh query for the positive and excluded terms (filters are applied separately).

    ``frequent`` tells which terms are too common to read for a long query (see ``common_ratio``)."""
    accented = is_accented(parsed)
    groups = [q for q in (_group_query(g, strict, ranking, accented, frequent) for g in parsed.groups) if q is not None]
    positive: wq.Query = wq.Every() if not groups else groups[0] if len(groups) == 1 else WideOr(groups)
    excluded = [c for term in parsed.excluded for c in _item_clauses(term, ranking, accented)]
    return wq.AndNot(positive, wq.Or(excluded)) if excluded else positive


def related_query(searcher: Any, article: Article, r: Ranking = DEFAULT_RANKING, max_terms: int = 40) -> wq.Query:
    """What "more like this" searches for: the article's most distinctive syllable pairs (tf·idf,
    leaving out pairs no other article has and the most common ones) and its entities."""
    total = max(1, searcher.doc_count())
    counts = Counter(syllable_pairs("\n".join((article.title, article.lead, article.body))))
    weighted = []
    for pair, tf in counts.items():
        df = searcher.doc_frequency("content_pair", pair)
        if 1 < df <= r.common_ratio * total:
            weighted.append((tf * log(total / df), pair))
    top = heapq.nlargest(max_terms, weighted)
    clauses: list[wq.Query] = [wq.Term("content_pair", pair, boost=weight / top[0][0]) for weight, pair in top]
    clauses += [wq.Term("entities", entity_key(e)) for e in dict.fromkeys(article.entities)]
    return WideOr(clauses) if clauses else wq.NullQuery


def filter_query(parsed: ParsedQuery) -> wq.Query | None:
    """Entity, category, source and date filters: they restrict results without scoring."""
    filters: list[wq.Query] = []
    for name in parsed.entities:
        key = entity_key(name)
        field_name = "entities" if has_diacritics(key) else "entities_fold"
        filters.append(wq.Term(field_name, key if field_name == "entities" else fold_diacritics(key)))
    filters += [wq.Term("category", keyword_value(c)) for c in parsed.categories]
    filters += [wq.Term("source", keyword_value(s)) for s in parsed.sources]
    if parsed.since or parsed.until:
        start = max(to_index_datetime(parsed.since), EARLIEST_DATE) if parsed.since else EARLIEST_DATE
        end = to_index_datetime(parsed.until) if parsed.until else None
        filters.append(wq.DateRange("date", start, end))
    if not filters:
        return None
    return filters[0] if len(filters) == 1 else wq.And(filters)


def match_terms(parsed: ParsedQuery) -> MatchTerms:
    """What to highlight: every positive syllable, and the folded form of accent-free ones."""
    sylls = [s for group in parsed.groups for term in group for s in _syllables(term.text)]
    exact = frozenset(syllable_term(s) for s in sylls)
    folded = frozenset(folded_term(s) for s in sylls if _typed_without_accents(s))
    return MatchTerms(exact, folded)
