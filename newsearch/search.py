"""Run a parsed query against the index and return fully materialised, typed results.

Ranking (BM25F over several fields):
- every query syllable is matched in the accented syllable fields (title boosted over lead over
  body); syllables typed without accents also match the folded fields, at a lower weight, so the
  exact accents rank first;
- a short query (up to four words or phrases) requires all of them; if no article has all of
  them, or the query is longer (natural language, a headline), articles are ranked by how much
  of it they match instead of being filtered out;
- the query's pyvi words and the query as an exact phrase add to the score.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING, Any, Sequence

from whoosh import query as wq
from whoosh.scoring import BM25F

from ._damage import WHOOSH_ERRORS, corrupt_error
from .analysis import folded_term, syllable_term, word_term
from .entities import entity_key
from .errors import QueryError
from .highlight import MatchTerms, make_snippets
from .models import Hit, SearchResults
from .normalize import fold_diacritics, has_diacritics
from .query import ParsedQuery, QueryTerm, parse_query, with_dates
from .schema import EARLIEST_DATE, TEXT_FIELDS, article_of, keyword_value, to_index_datetime
from .segment import SYLLABLE_PATTERN, segment

if TYPE_CHECKING:
    from .index import Index

__all__ = ["Searcher", "SORTS", "build_query"]

SORTS = ("relevance", "date")
FIELD_WEIGHTS = {"title": 3.0, "lead": 1.5, "body": 1.0}
FOLD_WEIGHT = 0.6
WORD_WEIGHT = 0.8
PHRASE_WEIGHT = 2.0
STRICT_MAX_CLAUSES = 4
MAX_PHRASE_SYLLABLES = 8
MAX_LIMIT = 1000


def _syllables(text: str) -> list[str]:
    return SYLLABLE_PATTERN.findall(text)


def _typed_without_accents(syllable: str) -> bool:
    return syllable_term(syllable) == folded_term(syllable)


def _term_clause(syllable: str, fields: Sequence[str]) -> wq.Query:
    exact = syllable_term(syllable)
    subs: list[wq.Query] = [wq.Term(f, exact, boost=FIELD_WEIGHTS[f]) for f in fields]
    if _typed_without_accents(syllable):
        subs += [wq.Term(f"{f}_fold", exact, boost=FIELD_WEIGHTS[f] * FOLD_WEIGHT) for f in fields]
    return wq.Or(subs)


def _phrase_clause(sylls: Sequence[str], fields: Sequence[str], weight: float = 1.0) -> wq.Query:
    if len(sylls) == 1:
        return _term_clause(sylls[0], fields)
    exact = [syllable_term(s) for s in sylls]
    subs: list[wq.Query] = [wq.Phrase(f, exact, boost=FIELD_WEIGHTS[f] * weight) for f in fields]
    if any(_typed_without_accents(s) for s in sylls):
        folded = [folded_term(s) for s in sylls]
        subs += [wq.Phrase(f"{f}_fold", folded, boost=FIELD_WEIGHTS[f] * FOLD_WEIGHT * weight) for f in fields]
    return wq.Or(subs)


def _item_clauses(term: QueryTerm) -> list[wq.Query]:
    fields = (term.field,) if term.field else TEXT_FIELDS
    sylls = _syllables(term.text)
    if not sylls:
        return []
    if term.phrase or len(sylls) > 1 and not term.field and " " not in term.text:
        return [_phrase_clause(sylls, fields)]  # "DeepSeek-R1", "covid-19": adjacent syllables
    return [_term_clause(s, fields) for s in sylls]


def _word_booster(text: str) -> wq.Query | None:
    """The query's multi-syllable pyvi words, matched in the word fields."""
    if not has_diacritics(text):
        return None  # pyvi cannot segment accent-free text: do not load it for nothing
    terms = {word_term(w.text) for w in segment(text) if w.is_word and " " in w.text}
    subs = [wq.Term(f"{f}_word", t, boost=FIELD_WEIGHTS[f] * WORD_WEIGHT) for t in terms for f in TEXT_FIELDS]
    return wq.Or(subs) if subs else None


def _group_query(group: Sequence[QueryTerm], strict: bool) -> wq.Query | None:
    clauses = [c for term in group for c in _item_clauses(term)]
    if not clauses:
        return None
    core = wq.And(clauses) if strict else wq.Or(clauses)
    free_text = " ".join(t.text for t in group if not t.phrase and not t.field)
    sylls = _syllables(free_text)
    boosters: list[wq.Query] = []
    if 2 <= len(sylls) <= MAX_PHRASE_SYLLABLES:
        boosters.append(_phrase_clause(sylls, TEXT_FIELDS, PHRASE_WEIGHT))
    if len(sylls) >= 2:
        words = _word_booster(free_text)
        if words is not None:
            boosters.append(words)
    return wq.AndMaybe(core, wq.Or(boosters)) if boosters else core


def _clause_count(parsed: ParsedQuery) -> int:
    return max((sum(len(_item_clauses(t)) for t in g) for g in parsed.groups), default=0)


def _filter_query(parsed: ParsedQuery) -> wq.Query | None:
    filters: list[wq.Query] = []
    for name in parsed.entities:
        key = entity_key(name)
        field = "entities" if has_diacritics(key) else "entities_fold"
        filters.append(wq.Term(field, key if field == "entities" else fold_diacritics(key)))
    filters += [wq.Term("category", keyword_value(c)) for c in parsed.categories]
    filters += [wq.Term("source", keyword_value(s)) for s in parsed.sources]
    if parsed.since or parsed.until:
        start = max(to_index_datetime(parsed.since), EARLIEST_DATE) if parsed.since else EARLIEST_DATE
        end = to_index_datetime(parsed.until) if parsed.until else None
        filters.append(wq.DateRange("date", start, end))
    if not filters:
        return None
    return filters[0] if len(filters) == 1 else wq.And(filters)


def build_query(parsed: ParsedQuery, *, strict: bool) -> wq.Query:
    """The Whoosh query for the positive and excluded terms (filters are applied separately)."""
    groups = [q for q in (_group_query(g, strict) for g in parsed.groups) if q is not None]
    positive: wq.Query = wq.Every() if not groups else groups[0] if len(groups) == 1 else wq.Or(groups)
    excluded = [c for term in parsed.excluded for c in _item_clauses(term)]
    return wq.AndNot(positive, wq.Or(excluded)) if excluded else positive


def match_terms(parsed: ParsedQuery) -> MatchTerms:
    sylls = [s for group in parsed.groups for term in group for s in _syllables(term.text)]
    exact = frozenset(syllable_term(s) for s in sylls)
    folded = frozenset(folded_term(s) for s in sylls if _typed_without_accents(s))
    return MatchTerms(exact, folded)


class Searcher:
    """Searches one index; results are plain dataclasses that stay valid after :meth:`close`.

    Thread-safe for searching: each call uses its own Whoosh searcher.
    """

    def __init__(self, index: "Index") -> None:
        self._index = index
        self._weighting = BM25F(B=0.75, K1=1.2)

    def __enter__(self) -> "Searcher":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Nothing is held between searches; kept for symmetry with the writer."""

    def search(
        self,
        query: str | ParsedQuery,
        *,
        limit: int = 10,
        offset: int = 0,
        sort: str = "relevance",
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> SearchResults:
        """Search; ``since``/``until`` narrow any date range written in the query itself."""
        started = time.perf_counter()
        if sort not in SORTS:
            raise QueryError(f"unknown sort '{sort}'; use one of: {', '.join(SORTS)}")
        if not 0 < limit <= MAX_LIMIT or offset < 0:
            raise QueryError(f"limit must be between 1 and {MAX_LIMIT} and offset at least 0")
        parsed = query if isinstance(query, ParsedQuery) else parse_query(query)
        if since or until:
            parsed = with_dates(parsed, since, until)
        warnings = list(parsed.warnings)
        if parsed.is_empty and not parsed.excluded:
            warnings.append("the query has no words to search for")
            return SearchResults(parsed.text, 0, _ms(started), (), offset, limit, sort, False, tuple(warnings))
        by_date = sort == "date" or not parsed.has_terms
        strict = _clause_count(parsed) <= STRICT_MAX_CLAUSES
        hits, total = self._run_safely(parsed, strict, limit, offset, by_date)
        relaxed = False
        if total == 0 and strict and _clause_count(parsed) > 1:
            hits, total = self._run_safely(parsed, False, limit, offset, by_date)
            relaxed = total > 0
            if relaxed:
                warnings.append("no article has all the words; showing articles with some of them")
        return SearchResults(parsed.text, total, _ms(started), hits, offset, limit, sort, relaxed, tuple(warnings))

    def _run_safely(self, *args: Any) -> tuple[tuple[Hit, ...], int]:
        try:
            return self._run(*args)
        except WHOOSH_ERRORS as exc:
            raise corrupt_error(self._index.path, exc) from None

    def _run(self, parsed: ParsedQuery, strict: bool, limit: int, offset: int, by_date: bool) -> tuple[tuple[Hit, ...], int]:
        whoosh_query = build_query(parsed, strict=strict)
        terms = match_terms(parsed)
        sort_args = {"sortedby": "date", "reverse": True} if by_date else {}
        with self._index.whoosh().searcher(weighting=self._weighting) as searcher:
            collector = searcher.collector(limit=offset + limit, filter=_filter_query(parsed), **sort_args)
            _disable_matcher_replacement(collector)
            searcher.search_with_collector(whoosh_query, collector)
            results = collector.results()
            total = len(results)
            page = list(results)[offset : offset + limit]
            hits = tuple(_hit(rank, hit, terms, by_date) for rank, hit in enumerate(page, start=offset + 1))
        return hits, total


def _disable_matcher_replacement(collector: object) -> None:
    """Whoosh swaps in "cheaper" matchers once the top N fill up, and for AndMaybe/Or trees that
    drops documents that belong in the top N (a page of 10 then differs from the first 10 of 20).
    Exact ranking matters more here than the few milliseconds it saves."""
    while collector is not None:
        if hasattr(collector, "replace"):
            collector.replace = 0  # type: ignore[attr-defined]
        if hasattr(collector, "usequality"):
            collector.usequality = False  # type: ignore[attr-defined]
        collector = getattr(collector, "child", None)


def _hit(rank: int, whoosh_hit: object, terms: MatchTerms, by_date: bool) -> Hit:
    """Copy what a hit needs out of Whoosh; a date-sorted hit has no relevance score (0.0)."""
    stored = whoosh_hit.fields()  # type: ignore[attr-defined]
    article = article_of(stored)
    score = whoosh_hit.score  # type: ignore[attr-defined]
    return Hit(
        rank=rank,
        score=0.0 if by_date or score is None else round(float(score), 4),
        id=article.id,
        title=article.headline,
        url=article.url,
        published=article.published,
        category=article.category,
        source=article.source,
        author=article.author,
        entities=article.entities,
        snippets=make_snippets({"title": article.title, "lead": article.lead, "body": article.body}, terms),
    )


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)

