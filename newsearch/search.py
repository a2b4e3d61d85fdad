"""Run a parsed query against the index and return fully materialised, typed results.

How queries are weighted lives in :mod:`newsearch.ranking`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable

from ._damage import WHOOSH_ERRORS, corrupt_error
from .errors import QueryError
from .highlight import MatchTerms, make_snippets
from .models import Hit, SearchResults
from .query import ParsedQuery, parse_query, with_dates
from .ranking import DEFAULT_RANKING, Ranking, build_query, clause_count, filter_query, is_accented, match_terms
from .suggest import suggest_query, vocabulary_for
from .schema import article_of

if TYPE_CHECKING:
    from .index import Index

__all__ = ["Searcher", "SORTS"]

SORTS = ("relevance", "date")
MAX_LIMIT = 1000


class Searcher:
    """Searches one index; results are plain dataclasses that stay valid after :meth:`close`.

    Thread-safe for searching: each call uses its own Whoosh searcher.
    """

    def __init__(self, index: "Index", ranking: Ranking = DEFAULT_RANKING) -> None:
        self._index = index
        self._ranking = ranking
        self._weighting = ranking.weighting()
        self._local = threading.local()  # one Whoosh searcher per thread: they are not thread-safe

    def __enter__(self) -> "Searcher":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the Whoosh searcher of this thread (others close when their threads end)."""
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None:
            searcher.close()
            self._local.searcher = None

    def _whoosh_searcher(self) -> Any:
        """A Whoosh searcher kept open between searches (opening one costs ≈ 0.1 s at 35k
        articles), refreshed when a writer has committed since."""
        ix = self._index.whoosh()
        generation = ix.latest_generation()
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None and getattr(self._local, "generation", None) == generation:
            return searcher
        if searcher is not None:
            searcher.close()
        self._local.searcher = ix.searcher(weighting=self._weighting)
        self._local.generation = generation
        return self._local.searcher

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
            return SearchResults(parsed.text, 0, _ms(started), (), offset, limit, sort, False, tuple(warnings), None)
        hits, total, relaxed = self._ranked(parsed, limit, offset, sort == "date" or not parsed.has_terms, warnings)
        suggestion = self._suggestion(parsed, relaxed or total == 0)
        if total == 0 and suggestion:
            corrected = replace(parse_query(suggestion), entities=parsed.entities, categories=parsed.categories,
                                sources=parsed.sources, since=parsed.since, until=parsed.until)
            hits, total, relaxed = self._ranked(corrected, limit, offset, sort == "date", warnings)
            if total:
                warnings.append(f"nothing matched “{parsed.text}”; showing results for “{suggestion}”")
        return SearchResults(
            parsed.text, total, _ms(started), hits, offset, limit, sort, relaxed, tuple(warnings), suggestion
        )

    def _ranked(
        self, parsed: ParsedQuery, limit: int, offset: int, by_date: bool, warnings: list[str]
    ) -> tuple[tuple[Hit, ...], int, bool]:
        """All the words first for short queries; ranked by how much matches when none has all."""
        clauses = clause_count(parsed, self._ranking)
        strict = clauses <= self._ranking.strict_max_clauses
        hits, total = self._run_safely(parsed, strict, limit, offset, by_date)
        if total == 0 and strict and clauses > 1:
            hits, total = self._run_safely(parsed, False, limit, offset, by_date)
            if total:
                warnings.append("no article has all the words; showing articles with some of them")
                return hits, total, True
        return hits, total, False

    def _suggestion(self, parsed: ParsedQuery, weak_results: bool) -> str | None:
        """Offer a corrected query when accents are missing, or results are weak (a typo?)."""
        if not parsed.has_terms or (is_accented(parsed) and not weak_results):
            return None
        try:
            searcher = self._whoosh_searcher()
            vocabulary = vocabulary_for(searcher, (str(self._index.path), self._local.generation))
            return suggest_query(searcher, parsed, vocabulary)
        except WHOOSH_ERRORS as exc:
            raise corrupt_error(self._index.path, exc) from None

    def _run_safely(self, *args: Any) -> tuple[tuple[Hit, ...], int]:
        try:
            return self._run(*args)
        except WHOOSH_ERRORS as exc:
            raise corrupt_error(self._index.path, exc) from None

    def _run(self, parsed: ParsedQuery, strict: bool, limit: int, offset: int, by_date: bool) -> tuple[tuple[Hit, ...], int]:
        searcher = self._whoosh_searcher()
        whoosh_query = build_query(parsed, strict=strict, ranking=self._ranking, frequent=_frequent_terms(searcher, self._ranking))
        terms = match_terms(parsed)
        sort_args = {"sortedby": "date", "reverse": True} if by_date else {}
        collector = searcher.collector(limit=offset + limit, filter=filter_query(parsed), **sort_args)
        _disable_matcher_replacement(collector)
        searcher.search_with_collector(whoosh_query, collector)
        results = collector.results()
        page = list(results)[offset : offset + limit]
        hits = tuple(_hit(rank, hit, terms, by_date) for rank, hit in enumerate(page, start=offset + 1))
        return hits, len(results)


def _frequent_terms(searcher: Any, ranking: Ranking) -> Callable[[str, str], bool] | None:
    """Which terms appear in more than ``ranking.common_ratio`` of the articles."""
    if ranking.common_ratio >= 1.0:
        return None
    limit = ranking.common_ratio * max(1, searcher.doc_count())
    return lambda field, text: searcher.doc_frequency(field, text) > limit


def _disable_matcher_replacement(collector: object) -> None:
    """Whoosh swaps in "cheaper" matchers once the top N fill up, and for AndMaybe/Or trees that
    drops documents that belong in the top N (a page of 10 then differs from the first 10 of 20).
    Block-quality skipping is off too: it leaves the total uncounted, and counting it afterwards
    re-runs the query (measured slower at 35k articles)."""
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

