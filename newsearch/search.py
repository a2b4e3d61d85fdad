"""Run a parsed query against the index and return fully materialised, typed results.

How queries are weighted lives in :mod:`newsearch.ranking`.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np
from whoosh import query as wq
from whoosh.collectors import FilterCollector

from ._damage import WHOOSH_ERRORS, corrupt_error
from .allocator import keep_freed_memory
from .collect import ClusterCollector
from .errors import ArticleNotFoundError, QueryError
from .highlight import MatchTerms, make_snippets
from .models import Article, Hit, SearchResults
from .query import ParsedQuery, parse_query, with_dates
from .ranking import (
    DEFAULT_RANKING,
    Ranking,
    build_query,
    clause_count,
    filter_query,
    is_accented,
    match_terms,
    related_query,
)
from .fastscore import Unsupported, query_terms, score_query
from .pruning import Wanted
from .scoringcache import ScoringCache
from .suggest import suggest_query, vocabulary_for
from .topk import best_matches
from .schema import FACET_KINDS, article_of, facets_of

if TYPE_CHECKING:
    from .index import Index

__all__ = ["Searcher", "SORTS", "checked_request", "nothing_to_search", "hit_of"]

SORTS = ("relevance", "date")
MAX_LIMIT = 1000
LISTED_EVERY = 1.0  # seconds: a searcher lists the index folder for its latest generation at least this often


class Searcher:
    """Searches one index; results are plain dataclasses that stay valid after :meth:`close`.

    Thread-safe for searching: each call uses its own Whoosh searcher.
    """

    def __init__(self, index: "Index", ranking: Ranking = DEFAULT_RANKING) -> None:
        self._index = index
        self._ranking = ranking
        self._weighting = ranking.weighting()
        self._local = threading.local()  # one Whoosh searcher per thread: they are not thread-safe
        keep_freed_memory()  # a query's freed arrays stay for the next (newsearch.allocator)

    def __enter__(self) -> "Searcher":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the Whoosh searcher of this thread (others close when their threads end)."""
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None:
            self._close_scoring()
            searcher.close()
            self._local.searcher = None

    def _close_scoring(self) -> None:
        scoring = getattr(self._local, "scoring", None)
        if scoring is not None:
            scoring.close()
            self._local.scoring = None

    def _whoosh_searcher(self) -> Any:
        """A Whoosh searcher kept open between searches (opening one costs ≈ 0.1 s at 35k
        articles), refreshed when a writer has committed since."""
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None and getattr(self._local, "pinned", False):
            return searcher  # one search sees one generation, whatever commits meanwhile
        generation = self._latest_generation()
        if searcher is not None and getattr(self._local, "generation", None) == generation:
            return searcher
        if searcher is not None:
            self._close_scoring()
            searcher.close()
        self._local.searcher = self._index.whoosh().searcher(weighting=self._weighting)
        self._local.generation = generation
        self._local.scoring = None
        return self._local.searcher

    def _latest_generation(self) -> int:
        """The index's latest generation, from the two checks of :meth:`Index.latest_generation`,
        and from a listing of the folder at least every ``LISTED_EVERY`` seconds (should a table
        of contents have outlived its generation, a commit is still seen that late at most)."""
        now = time.monotonic()
        known = getattr(self._local, "generation", None)
        if known is None or now - getattr(self._local, "listed", 0.0) >= LISTED_EVERY:
            self._local.listed, known = now, None
        return self._index.latest_generation(known)

    def _scoring_cache(self, searcher: Any) -> ScoringCache:
        """Arrays for vectorised scoring, built for the current Whoosh searcher on first use."""
        cache = getattr(self._local, "scoring", None)
        if cache is None or cache.searcher is not searcher:
            if cache is not None:
                cache.close()
            cache = self._local.scoring = ScoringCache(searcher)
        return cache

    def search(
        self,
        query: str | ParsedQuery,
        *,
        limit: int = 10,
        offset: int = 0,
        sort: str = "relevance",
        since: datetime | None = None,
        until: datetime | None = None,
        collapse: bool = True,
        facets: Sequence[str] = (),
    ) -> SearchResults:
        """Search; ``since``/``until`` narrow any date range written in the query itself.

        ``collapse`` shows one hit per story (near-duplicates listed in ``Hit.similar``);
        ``facets`` (entity, category, source, month) are counted over every matching article."""
        started = time.perf_counter()
        parsed = checked_request(query, limit=limit, offset=offset, sort=sort, since=since, until=until, facets=facets)
        warnings = list(parsed.warnings)
        if parsed.is_empty and not parsed.excluded:
            return nothing_to_search(parsed, started, limit=limit, offset=offset, sort=sort, facets=facets)
        request = _Request(limit, offset, sort == "date" or not parsed.has_terms, collapse, tuple(facets))
        try:
            self._pin()
            return self._search_pinned(parsed, request, warnings, started, sort, offset, limit)
        finally:
            self._local.pinned = False

    def _pin(self) -> None:
        """Take the latest generation's searcher and keep it for the rest of this search: its
        strict, relaxed, "did you mean" and corrected passes all read the same snapshot."""
        self._local.pinned = False
        try:
            self._whoosh_searcher()
        except WHOOSH_ERRORS as exc:
            raise corrupt_error(self._index.path, exc) from None
        self._local.pinned = True

    def _search_pinned(self, parsed: ParsedQuery, request: "_Request", warnings: list[str], started: float,
                       sort: str, offset: int, limit: int) -> SearchResults:
        page, relaxed = self._ranked(parsed, request, warnings)
        suggestion = self._suggestion(parsed, relaxed or page.total == 0)
        if page.total == 0 and suggestion:
            corrected = replace(parse_query(suggestion), entities=parsed.entities, categories=parsed.categories,
                                sources=parsed.sources, since=parsed.since, until=parsed.until)
            page, relaxed = self._ranked(corrected, replace(request, by_date=sort == "date"), warnings)
            if page.total:
                warnings.append(f"nothing matched “{parsed.text}”; showing results for “{suggestion}”")
        return SearchResults(
            parsed.text, page.total, _ms(started), page.hits, offset, limit, sort, relaxed, tuple(warnings), suggestion,
            collapsed=page.collapsed, facets=page.facets,
        )

    def _ranked(self, parsed: ParsedQuery, request: "_Request", warnings: list[str]) -> tuple["_Page", bool]:
        """All the words first for short queries; ranked by how much matches when none has all."""
        clauses = clause_count(parsed, self._ranking)
        strict = clauses <= self._ranking.strict_max_clauses
        page = self._run_safely(parsed, strict, request)
        if page.total == 0 and strict and clauses > 1:
            page = self._run_safely(parsed, False, request)
            if page.total:
                warnings.append("no article has all the words; showing articles with some of them")
                return page, True
        return page, False

    def _suggestion(self, parsed: ParsedQuery, weak_results: bool) -> str | None:
        """Offer a corrected query when accents are missing, or results are weak (a typo?)."""
        if not parsed.has_terms or (is_accented(parsed) and not weak_results):
            return None
        try:
            searcher = self._whoosh_searcher()
            scoring = self._scoring_cache(searcher)
            vocabulary = vocabulary_for(scoring, (str(self._index.path), self._local.generation))
            return suggest_query(searcher, parsed, vocabulary, scoring)
        except WHOOSH_ERRORS as exc:
            raise corrupt_error(self._index.path, exc) from None

    def _run_safely(self, parsed: ParsedQuery, strict: bool, request: "_Request") -> "_Page":
        try:
            return self._run(parsed, strict, request)
        except WHOOSH_ERRORS as exc:
            raise corrupt_error(self._index.path, exc) from None

    def _run(self, parsed: ParsedQuery, strict: bool, request: "_Request") -> "_Page":
        searcher = self._whoosh_searcher()
        whoosh_query = _ranked_query(parsed, strict, self._ranking, self._scoring_cache(searcher))
        terms = match_terms(parsed)
        if not request.by_date:
            try:
                return self._run_vectorised(searcher, whoosh_query, parsed, terms, request)
            except Unsupported:
                pass  # a phrase or another construct only Whoosh's matchers evaluate
        sort_args = {"sortedby": "date", "reverse": True} if request.by_date else {}
        top, clusters = _collect(searcher, whoosh_query, request.offset + request.limit, request.collapse,
                                 allow=filter_query(parsed), **sort_args)
        page = list(top.results())[request.offset : request.offset + request.limit]
        hits = tuple(
            _hit(rank, hit.fields(), hit.score, terms, request.by_date,
                 self._ids(searcher, clusters.similar_to(hit.docnum)) if request.collapse else ())
            for rank, hit in enumerate(page, start=request.offset + 1)
        )
        facets = count_facets(searcher, clusters.all_docnums(), request.facets) if request.facets else None
        return _Page(hits, clusters.total, clusters.matched - clusters.total, facets)

    def _run_vectorised(self, searcher: Any, whoosh_query: Any, parsed: ParsedQuery, terms: MatchTerms, request: "_Request") -> "_Page":
        """Relevance-ranked results from every match scored at once (newsearch.fastscore)."""
        cache = self._scoring_cache(searcher)
        allow = filter_query(parsed)
        clusters = cache.clusters() if request.collapse else None
        shown = request.offset + request.limit
        wanted = Wanted(shown, clusters) if allow is None else None  # a filter could drop the best: score all
        matches = score_query(cache, whoosh_query, self._weighting, wanted)
        docs, scores = matches.docs, matches.scores
        if allow is not None and len(docs):
            keep = np.isin(docs, np.fromiter(searcher.docs_for_query(allow), dtype=np.int64))
            docs, scores = docs[keep], scores[keep]
        codes = clusters[docs] if clusters is not None else None
        ranked, ranked_scores = best_matches(docs, scores, codes, shown, floor=matches.exact_from)
        total = int(np.count_nonzero(np.bincount(codes))) if codes is not None and len(codes) else len(docs)
        window = slice(request.offset, request.offset + request.limit)
        hits = []
        for rank, (docnum, score) in enumerate(zip(ranked[window].tolist(), ranked_scores[window].tolist()), start=request.offset + 1):
            similar: tuple[str, ...] = ()
            if clusters is not None:  # the hit's cluster's other members among the matches
                members = cache.cluster_members(int(clusters[docnum]), among=docs)
                similar = cache.article_ids([d for d in members.tolist() if d != docnum])
            hits.append(_hit(rank, searcher.stored_fields(docnum), score, terms, False, similar))
        facets = count_facets(searcher, docs.tolist(), request.facets) if request.facets else None
        return _Page(tuple(hits), total, len(docs) - total, facets)

    def _ids(self, searcher: Any, docnums: list[int]) -> tuple[str, ...]:
        return self._scoring_cache(searcher).article_ids(docnums)

    def related(self, article_id: str, *, limit: int = 5) -> SearchResults:
        """The articles most similar to this one (near-duplicates of it excluded)."""
        started = time.perf_counter()
        if not 0 < limit <= MAX_LIMIT:
            raise QueryError(f"limit must be between 1 and {MAX_LIMIT}")
        try:
            searcher = self._whoosh_searcher()
            docnum = searcher.document_number(id=article_id)
            if docnum is None:
                raise ArticleNotFoundError(article_id)
            stored = searcher.stored_fields(docnum)
            article = article_of(stored)
            whoosh_query = related_query(searcher, article, self._ranking)
            own_cluster = stored.get("cluster") or article_id
            exclude = wq.Or([wq.Term("id", article_id), wq.Term("cluster", own_cluster)])
            top, clusters = _collect(searcher, whoosh_query, limit + 1, True, restrict=exclude)
            found = list(top.results())[:limit]
            terms = MatchTerms(frozenset(), frozenset())
            hits = tuple(_hit(rank, hit.fields(), hit.score, terms, False, self._ids(searcher, clusters.similar_to(hit.docnum)))
                         for rank, hit in enumerate(found, start=1))
        except WHOOSH_ERRORS as exc:
            raise corrupt_error(self._index.path, exc) from None
        return SearchResults(f"related:{article_id}", len(hits), _ms(started), hits, 0, limit)


def checked_request(query: str | ParsedQuery, *, limit: int, offset: int, sort: str, since: datetime | None,
                    until: datetime | None, facets: Sequence[str]) -> ParsedQuery:
    """Check a search's options (any backend) and return its parsed query, dates applied."""
    if sort not in SORTS:
        raise QueryError(f"unknown sort '{sort}'; use one of: {', '.join(SORTS)}")
    if not 0 < limit <= MAX_LIMIT or offset < 0:
        raise QueryError(f"limit must be between 1 and {MAX_LIMIT} and offset at least 0")
    unknown = [f for f in facets if f not in FACET_KINDS]
    if unknown:
        raise QueryError(f"unknown facet '{unknown[0]}'; use any of: {', '.join(FACET_KINDS)}")
    parsed = query if isinstance(query, ParsedQuery) else parse_query(query)
    return with_dates(parsed, since, until) if since or until else parsed


def nothing_to_search(parsed: ParsedQuery, started: float, *, limit: int, offset: int, sort: str,
                      facets: Sequence[str]) -> SearchResults:
    """The answer to a query with no words and no filters."""
    warnings = (*parsed.warnings, "the query has no words to search for")
    return SearchResults(parsed.text, 0, _ms(started), (), offset, limit, sort, False, warnings, None,
                         facets={f: () for f in facets} if facets else None)


@dataclass(frozen=True)
class _Request:
    limit: int
    offset: int
    by_date: bool
    collapse: bool
    facets: tuple[str, ...]


@dataclass(frozen=True)
class _Page:
    hits: tuple[Hit, ...]
    total: int
    collapsed: int
    facets: dict[str, tuple[tuple[str, int], ...]] | None


def _collect(
    searcher: Any, whoosh_query: Any, limit: int, collapse: bool, *, allow: Any = None, restrict: Any = None, **sort_args: Any
) -> tuple[Any, ClusterCollector]:
    """Run a query: the top ``limit`` in ``top``, every match (by cluster) in the ClusterCollector."""
    top = searcher.collector(limit=limit, **sort_args)
    _disable_matcher_replacement(top)
    clusters = ClusterCollector(top, collapse=collapse)
    collector = FilterCollector(clusters, allow, restrict) if allow is not None or restrict is not None else clusters
    searcher.search_with_collector(whoosh_query, collector)
    return top, clusters


def count_facets(searcher: Any, docnums: list[int], kinds: Sequence[str], top: int = 10) -> dict[str, tuple[tuple[str, int], ...]]:
    """Facet counts over these articles: the ``top`` most frequent values, months all in order."""
    reader = searcher.reader()
    column = reader.column_reader("facet_values") if reader.has_column("facet_values") else None
    counters: dict[str, Counter[str]] = {kind: Counter() for kind in kinds}
    for docnum in docnums:
        values = facets_of(column[docnum] if column is not None else b"")
        for kind in kinds:
            counters[kind].update(values[kind])
    return {
        kind: tuple(sorted(counter.items())) if kind == "month" else tuple(counter.most_common(top))
        for kind, counter in counters.items()
    }


def _ranked_query(parsed: ParsedQuery, strict: bool, ranking: Ranking, cache: ScoringCache) -> Any:
    """The query to score, its most common syllables left out (see ``Ranking.common_ratio``).

    Every term whose frequency the query may ask for, and every term it may score, is found first
    in one pass over the segments' directories: a dry run answering "not frequent" asks for all of
    the former and holds all of the latter (a "frequent" answer only drops terms), where asking one
    at a time paid each segment's lookup per term, and scoring the query then made a second pass
    (36 segments at 350k articles)."""
    frequent = _frequent_terms(cache, ranking)
    if frequent is not None:
        asked: list[tuple[str, bytes]] = []
        whole = build_query(parsed, strict=strict, ranking=ranking, frequent=lambda f, t: asked.append((f, t.encode("utf-8"))) or False)
        cache.locate(asked + query_terms(whole, cache))
    return build_query(parsed, strict=strict, ranking=ranking, frequent=frequent)


def _frequent_terms(cache: ScoringCache, ranking: Ranking) -> Callable[[str, str], bool] | None:
    """Which terms appear in more than ``ranking.common_ratio`` of the articles (counted from the
    segments' term directories: Whoosh's term lookups cost ≈ 25 µs per segment)."""
    if ranking.common_ratio >= 1.0:
        return None
    limit = ranking.common_ratio * max(1, cache.searcher.doc_count())
    return lambda field, text: cache.doc_frequency(field, text) > limit


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


def _hit(rank: int, stored: dict[str, Any], score: float | None, terms: MatchTerms, by_date: bool,
         similar: tuple[str, ...] = ()) -> Hit:
    """Copy what a hit needs out of Whoosh; a date-sorted hit has no relevance score (0.0)."""
    return hit_of(rank, article_of(stored), 0.0 if by_date or score is None else score, terms, similar)


def hit_of(rank: int, article: Article, score: float, terms: MatchTerms, similar: tuple[str, ...] = ()) -> Hit:
    """A result for this article, with snippets highlighting ``terms`` (any backend)."""
    return Hit(
        rank=rank,
        score=round(float(score), 4),
        id=article.id,
        title=article.headline,
        url=article.url,
        published=article.published,
        category=article.category,
        source=article.source,
        author=article.author,
        entities=article.entities,
        snippets=make_snippets({"title": article.title, "lead": article.lead, "body": article.body}, terms),
        similar=similar,
    )


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)

