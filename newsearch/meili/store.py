"""The Meilisearch backend: the same Index / writer / searcher API as the embedded Whoosh index,
over independent Meilisearch instances used as shards and replicas (:mod:`.cluster`)."""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime
from typing import Any, Callable, Iterable, Iterator, Sequence

from ..duplicates import ClusterAssigner, band_keys
from ..backend import CommitOnExit
from ..errors import ArticleNotFoundError, IndexNotFoundError, QueryError
from ..highlight import MatchTerms
from ..models import Article, IndexReport, IndexStats, SearchResults
from ..query import ParsedQuery, QueryTerm
from ..ranking import match_terms
from ..runners import make_runner, ordered_map
from ..schema import SCHEMA_VERSION, duplicate_signature
from ..search import MAX_LIMIT, checked_request, hit_of, nothing_to_search
from ..segment import SYLLABLE_PATTERN
from .client import MeiliClient, MeiliError
from .cluster import MeiliCluster, Shard
from .rerank import MAX_MEILI_WORDS, RANK_FIELDS, QueryWords, TermStats, query_words, rank_candidates
from .documents import (
    MAX_TOTAL_HITS,
    SETTINGS,
    MeiliRanking,
    article_from,
    document_key,
    filter_expression,
    meili_documents,
    query_text,
    quoted,
    search_fields,
)

__all__ = ["MeiliIndex", "MeiliWriter", "MeiliSearcher", "open_meilisearch"]

BATCH = 256  # articles analysed together and sent in one request per shard
FACET_FIELDS = {"entity": "entities", "category": "category", "source": "source", "month": "month"}
HIT_FIELDS = ["id", "title", "lead", "body", "caption", "url", "published", "category", "source", "author", "credit",
              "entities", "cluster", "date", *RANK_FIELDS]


def open_meilisearch(spec: str | MeiliCluster, index_name: str = "newsearch", *, create: bool = False,
                     api_key: str | None = None) -> "MeiliIndex":
    """Open (with ``create``: make) the index ``index_name`` on the Meilisearch shards named by
    ``spec`` (``'http://a:7700|http://a2:7700,http://b:7700'``: commas separate shards, ``|`` replicas).
    The API key comes from ``api_key`` or the ``NEWSEARCH_MEILI_KEY`` environment variable."""
    cluster = spec if isinstance(spec, MeiliCluster) else MeiliCluster.from_spec(spec, index_name, api_key)
    index = MeiliIndex(cluster)
    try:
        if create:
            index.ensure_settings()
        elif not index.exists():
            raise IndexNotFoundError(cluster.path)
    except BaseException:
        cluster.close()
        raise
    return index


class MeiliIndex:
    """An index spread over Meilisearch shards. Same methods as :class:`newsearch.Index`."""

    backend = "meilisearch"

    def __init__(self, cluster: MeiliCluster) -> None:
        self.cluster = cluster
        self.path = cluster.path

    def __enter__(self) -> "MeiliIndex":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.cluster.close()

    def exists(self) -> bool:
        """Whether some reachable shard has the index."""
        answers, _ = self.cluster.read_each(_index_exists(self.cluster.index_name))
        return any(found for _, found in answers)

    def ensure_settings(self) -> None:
        """Create the index on every replica of every shard if needed and apply newsearch's settings."""
        name = self.cluster.index_name

        def apply(client: MeiliClient) -> None:
            if not _index_exists(name)(client):
                client.wait_for_task(client.request("POST", "/indexes", {"uid": name, "primaryKey": "key"})["taskUid"])
            client.wait_for_task(client.request("PATCH", f"/indexes/{name}/settings", SETTINGS)["taskUid"])

        self.cluster.write_all(apply)

    def drop(self) -> None:
        """Delete the index from every replica of every shard (``--rebuild``)."""
        name = self.cluster.index_name

        def delete(client: MeiliClient) -> None:
            if _index_exists(name)(client):
                client.wait_for_task(client.request("DELETE", f"/indexes/{name}")["taskUid"])

        self.cluster.write_all(delete)
        self.close()

    def writer(self, *, wait: float = 0.0) -> "MeiliWriter":
        """A writer (Meilisearch orders concurrent writes itself: ``wait`` is not needed)."""
        self.ensure_settings()
        return MeiliWriter(self)

    def searcher(self, ranking: MeiliRanking | None = None) -> "MeiliSearcher":
        return MeiliSearcher(self, ranking or MeiliRanking())

    def doc_count(self) -> int:
        answers, _ = self.cluster.read_each(lambda c: c.request("GET", self.cluster.index_path("/stats")))
        return sum(int(a.get("numberOfDocuments", 0)) for _, a in answers)

    def get(self, article_id: str) -> Article:
        """The stored article with this id."""
        return article_from(self.document(article_id))

    def document(self, article_id: str) -> dict[str, Any]:
        """The Meilisearch document of this id (the article plus its cluster and ranking fields)."""
        shard = self.cluster.shard_for(article_id)
        try:
            return self.cluster.read(shard, lambda c: c.request("GET", self.cluster.index_path(f"/documents/{document_key(article_id)}")))
        except MeiliError as exc:
            if exc.code == "document_not_found":
                raise ArticleNotFoundError(article_id) from None
            raise

    def stats(self) -> IndexStats:
        body = {"q": "", "limit": 0, "facets": ["category", "source"]}
        answers, _ = self.cluster.read_each(lambda c: c.request("POST", self.cluster.index_path("/search"), body))
        categories: Counter[str] = Counter()
        sources: Counter[str] = Counter()
        for _, answer in answers:
            facets = answer.get("facetDistribution") or {}
            categories.update(facets.get("category") or {})
            sources.update(facets.get("source") or {})
        sizes, _ = self.cluster.read_each(lambda c: c.request("GET", "/stats"))
        return IndexStats(
            path=self.path,
            articles=self.doc_count(),
            schema_version=SCHEMA_VERSION,
            size_bytes=sum(int(a.get("databaseSize", 0)) for _, a in sizes),
            oldest=self._edge_date("asc"),
            newest=self._edge_date("desc"),
            categories=tuple(categories.most_common()),
            sources=tuple(sources.most_common()),
        )

    def _edge_date(self, order: str) -> datetime | None:
        body = {"q": "", "limit": 1, "filter": "date EXISTS", "sort": [f"date:{order}"], "attributesToRetrieve": ["published"]}
        answers, _ = self.cluster.read_each(lambda c: c.request("POST", self.cluster.index_path("/search"), body))
        dates = [datetime.fromisoformat(h["published"]) for _, a in answers for h in a.get("hits", ()) if h.get("published")]
        if not dates:
            return None
        return min(dates) if order == "asc" else max(dates)


def _index_exists(name: str) -> Callable[[MeiliClient], bool]:
    def exists(client: MeiliClient) -> bool:
        try:
            client.request("GET", f"/indexes/{name}")
        except MeiliError as exc:
            if exc.code == "index_not_found":
                return False
            raise
        return True

    return exists


class MeiliWriter(CommitOnExit):
    """Adds articles to the shards; commits by waiting until every shard has applied them.

    Meilisearch applies each batch on its own as soon as it has it: :meth:`cancel` stops what is
    not sent yet but cannot take back what is."""

    def __init__(self, index: MeiliIndex) -> None:
        self._index = index
        self._cluster = index.cluster
        self._pending: list[Article] = []
        self._tasks: list[tuple[MeiliClient, int]] = []
        self._seen: set[str] = set()
        self._clusters = ClusterAssigner()
        self._started = time.perf_counter()
        self.report = IndexReport()

    def add(self, article: Article) -> None:
        """Add one article (sent with the next batch); an article with the same id is replaced."""
        self._pending.append(article)
        if len(self._pending) >= BATCH:
            self._flush()

    def add_many(self, articles: Iterable[Article], progress: Callable[[int], None] | None = None, *,
                 workers: int = 0, commit_every: int | None = None, dask: str | None = None) -> IndexReport:
        """Add every article, analysed by ``workers`` local processes or on the Dask cluster at ``dask``."""
        runner = make_runner(workers, dask)
        counted = _Counter(progress)
        try:
            batches = self._prepared(_batches(counted.through(articles), BATCH))
            for number, docs in enumerate(ordered_map(runner, meili_documents, batches), start=1):
                self._send(docs)
                if commit_every and number * BATCH % commit_every < BATCH:
                    self.checkpoint()
        finally:
            runner.close()
        return self.report

    def _flush(self) -> None:
        batch, self._pending = self._pending, []
        for prepared in self._prepared([batch]):
            self._send(meili_documents(prepared))

    def _prepared(self, batches: Iterable[list[Article]]) -> Iterator[list[tuple[Article, bytes | None, str]]]:
        """Count added/replaced and assign near-duplicate clusters, a batch at a time (in order)."""
        for batch in batches:
            batch = list({a.id: a for a in batch}.values())  # the last copy of an id in a batch wins
            committed = self._committed_ids([a.id for a in batch if a.id not in self._seen])
            sigs = [duplicate_signature(a) for a in batch]
            candidates = self._committed_with_bands({k for s in sigs if s for k in band_keys(s)})
            prepared = []
            for article, sig in zip(batch, sigs):
                if article.id in self._seen or article.id in committed:
                    self.report.replaced += 1
                else:
                    self.report.added += 1
                self._seen.add(article.id)
                prepared.append((article, sig, self._clusters.assign(article.id, sig, lambda keys: [candidates.get(k, ()) for k in keys])))
            yield prepared

    def _committed_ids(self, ids: list[str]) -> set[str]:
        found: set[str] = set()
        for shard, shard_ids in _by_shard(self._cluster, ids).items():
            found |= {d["id"] for d in self._fetch(shard, f"id IN [{', '.join(quoted(i) for i in shard_ids)}]", ["id"], len(shard_ids))}
        return found

    def _committed_with_bands(self, keys: set[str]) -> dict[str, list[tuple[str, str, bytes]]]:
        """Committed articles sharing a band key with the batch (near-duplicate candidates)."""
        found: dict[str, list[tuple[str, str, bytes]]] = {}
        if not keys:
            return found
        expression = f"dup_bands IN [{', '.join(quoted(k) for k in sorted(keys))}]"
        for shard in self._cluster.shards:
            for doc in self._fetch(shard, expression, ["id", "cluster", "dup_sig", "dup_bands"], MAX_TOTAL_HITS):
                entry = (doc["id"], doc.get("cluster") or doc["id"], bytes.fromhex(doc.get("dup_sig") or ""))
                for key in doc.get("dup_bands") or ():
                    if key in keys:
                        found.setdefault(key, []).append(entry)
        return found

    def _fetch(self, shard: Shard, expression: str, fields: list[str], limit: int) -> list[dict[str, Any]]:
        body = {"filter": expression, "fields": fields, "limit": limit}
        answer = self._cluster.read(shard, lambda c: c.request("POST", self._cluster.index_path("/documents/fetch"), body))
        return answer.get("results", [])

    def _send(self, docs: list[dict[str, Any]]) -> None:
        """Send analysed documents to every replica of their shards (applied asynchronously)."""
        by_shard: dict[int, list[dict[str, Any]]] = {}
        for doc in docs:
            by_shard.setdefault(self._cluster.shard_for(doc["id"]).number, []).append(doc)
        path = self._cluster.index_path("/documents?primaryKey=key")
        for number, shard_docs in by_shard.items():
            shard = self._cluster.shards[number]
            uids = self._cluster.write(shard, lambda c: c.request("POST", path, shard_docs)["taskUid"])
            self._tasks += zip(shard.replicas, uids)

    def delete(self, article_id: str) -> bool:
        """Delete the article with this id; True if there was one."""
        self._flush()
        found = bool(self._committed_ids([article_id])) or article_id in self._seen
        shard = self._cluster.shard_for(article_id)
        path = self._cluster.index_path("/documents/delete-batch")
        uids = self._cluster.write(shard, lambda c: c.request("POST", path, [document_key(article_id)])["taskUid"])
        self._tasks += zip(shard.replicas, uids)
        self._seen.discard(article_id)
        return found

    def checkpoint(self) -> None:
        """Wait until every shard has applied what was sent so far."""
        self._flush()
        tasks, self._tasks = self._tasks, []
        for client, uid in tasks:
            client.wait_for_task(uid)
        self._seen.clear()  # applied articles are found on the shards from now on
        self._clusters.clear()

    def commit(self) -> IndexReport:
        self.checkpoint()
        self.report.seconds = time.perf_counter() - self._started
        return self.report

    def cancel(self) -> None:
        """Drop what is not sent yet (sent batches stay: Meilisearch has no rollback)."""
        self._pending = []


class _Counter:
    """Calls ``progress`` with the running count as articles are read."""

    def __init__(self, progress: Callable[[int], None] | None) -> None:
        self._progress = progress

    def through(self, articles: Iterable[Article]) -> Iterator[Article]:
        for count, article in enumerate(articles, start=1):
            yield article
            if self._progress is not None:
                self._progress(count)


def _batches(articles: Iterable[Article], size: int) -> Iterator[list[Article]]:
    batch: list[Article] = []
    for article in articles:
        batch.append(article)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _by_shard(cluster: MeiliCluster, ids: Iterable[str]) -> dict[Shard, list[str]]:
    grouped: dict[int, list[str]] = {}
    for article_id in ids:
        grouped.setdefault(cluster.shard_for(article_id).number, []).append(article_id)
    return {cluster.shards[n]: group for n, group in grouped.items()}


class MeiliSearcher:
    """Searches every shard in parallel and merges; same :meth:`search` as :class:`newsearch.Searcher`.

    Meilisearch finds the candidates; newsearch ranks the best of them (:mod:`.rerank`): BM25 on
    folded syllables and pairs, exact accents first."""

    def __init__(self, index: MeiliIndex, ranking: MeiliRanking) -> None:
        self._index = index
        self._cluster = index.cluster
        self._ranking = ranking
        self._stats = TermStats(self._frequencies, index.doc_count)

    def __enter__(self) -> "MeiliSearcher":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        pass

    def search(self, query: str | ParsedQuery, *, limit: int = 10, offset: int = 0, sort: str = "relevance",
               since: datetime | None = None, until: datetime | None = None, collapse: bool = True,
               facets: Sequence[str] = ()) -> SearchResults:
        """Search every shard; a shard that does not answer leaves a warning, never a silent gap."""
        started = time.perf_counter()
        parsed = checked_request(query, limit=limit, offset=offset, sort=sort, since=since, until=until, facets=facets)
        if parsed.is_empty and not parsed.excluded:
            return nothing_to_search(parsed, started, limit=limit, offset=offset, sort=sort, facets=facets)
        by_date = sort == "date" or not parsed.has_terms
        depth = min(MAX_TOTAL_HITS, max(offset + limit, self._ranking.rerank_depth) * (3 if collapse else 1))
        groups = [(group, query_words(t.text for t in group)) for group in parsed.groups]
        body = self._federated(parsed, groups, depth, by_date, facets)
        if body is None:
            return SearchResults(parsed.text, 0, round((time.perf_counter() - started) * 1000, 2), (), offset, limit, sort,
                                 False, parsed.warnings, None, facets={f: () for f in facets} if facets else None)
        answers, shard_warnings = self._cluster.read_each(lambda c: c.request("POST", "/multi-search", body))
        ranked = _merge([(shard.number, a) for shard, a in answers], by_date)
        if not by_date:
            ranked = self._reranked(ranked, parsed, groups)
        kept, similar = _collapse(ranked) if collapse else (ranked, {})
        terms = match_terms(parsed)
        page = kept[offset : offset + limit]
        hits = tuple(hit_of(rank, article_from(doc), 0.0 if by_date else score, terms, tuple(similar.get(doc["id"], ())))
                     for rank, (score, doc) in enumerate(page, start=offset + 1))
        total = sum(int(a.get("estimatedTotalHits", 0)) for _, a in answers)
        collapsed = len(ranked) - len(kept)
        return SearchResults(
            parsed.text, max(total - collapsed, len(kept)), round((time.perf_counter() - started) * 1000, 2), hits,
            offset, limit, sort, False, (*parsed.warnings, *shard_warnings), None, collapsed=collapsed,
            facets=_facets(answers, facets) if facets else None,
        )

    def _query(self, group: tuple[QueryTerm, ...], q: str, filters: list[str], limit: int | None = None) -> dict[str, Any]:
        one: dict[str, Any] = {"indexUid": self._cluster.index_name, "q": q, "showRankingScore": True,
                               "matchingStrategy": self._ranking.matching, "attributesToRetrieve": HIT_FIELDS}
        if limit is not None:
            one["limit"] = limit
        if filters:
            one["filter"] = filters
        fields = search_fields(group)
        if fields:
            one["attributesToSearchOn"] = fields
        return one

    def _candidate_text(self, group: tuple[QueryTerm, ...], words: QueryWords, excluded: tuple[QueryTerm, ...]) -> str:
        """What Meilisearch is asked for one alternative: a short query as typed, a long one as its
        ten rarest syllables (Meilisearch reads no more; quotes loosened: a title's quoted words
        are not a phrase search); syllables no article has are left out either way."""
        if len(words.unique) > MAX_MEILI_WORDS:
            return query_text((), excluded, self._stats.rarest(words))
        plain = query_words(t.text for t in group if not t.phrase)
        frequency = self._stats.frequencies(plain.unique)
        return query_text(tuple(t for t in group if t.phrase), excluded, [w for w in plain.folded if frequency[w]])

    def _federated(self, parsed: ParsedQuery, groups: list[tuple[tuple[QueryTerm, ...], QueryWords]], depth: int,
                   by_date: bool, facets: Sequence[str]) -> dict[str, Any] | None:
        """One federated multi-search per shard: a query per OR alternative, merged by Meilisearch."""
        filters = filter_expression(parsed)
        queries = []
        for group, words in groups or [((), query_words(()))]:
            text = self._candidate_text(group, words, parsed.excluded)
            if group and not text.replace("-", "").strip():
                continue  # no article has any of its words: asking with no words would match them all
            one = self._query(group, text, filters)
            if by_date:
                one["sort"] = ["date:desc"]
            queries.append(one)
        if not queries:
            return None
        federation: dict[str, Any] = {"offset": 0, "limit": depth}
        if facets:
            federation["facetsByIndex"] = {self._cluster.index_name: [FACET_FIELDS[f] for f in facets]}
            federation["mergeFacets"] = {"maxValuesPerFacet": 1000}
        return {"federation": federation, "queries": queries}

    def _reranked(self, ranked: Ranked, parsed: ParsedQuery, groups: list[tuple[tuple[QueryTerm, ...], QueryWords]]) -> Ranked:
        """The best ``rerank_depth`` merged hits, plus runs of a long query's syllables, ranked by
        newsearch (:func:`.rerank.rank_candidates`); the rest follow in Meilisearch's order."""
        r = self._ranking
        head = {doc["id"]: doc for _, doc in ranked[: r.rerank_depth]}
        head.update((doc["id"], doc) for doc in self._chunk_candidates(parsed, groups) if doc["id"] not in head)
        words = [w for _, w in groups if w.unique]
        if not head or not words:
            return ranked
        scores = rank_candidates(head, words, self._stats, k1=r.k1, b=r.b, pair_weight=r.pair_weight,
                                 title_weight=r.title_weight, entity_weight=r.entity_weight,
                                 opening_weight=r.opening_weight, exact_weight=r.exact_weight)
        lowest = min(scores.values(), default=0.0)
        top = sorted(((scores[key], doc) for key, doc in head.items()), key=lambda sd: (-sd[0], sd[1]["id"]))
        return top + [(lowest * score, doc) for score, doc in ranked if doc["id"] not in head]

    def _chunk_candidates(self, parsed: ParsedQuery, groups: list[tuple[tuple[QueryTerm, ...], QueryWords]]) -> list[dict[str, Any]]:
        r = self._ranking
        filters = filter_expression(parsed)
        queries = [self._query(group, query_text((), parsed.excluded, list(words.folded[i : i + r.chunk])), filters, r.chunk_hits)
                   for group, words in groups if len(words.unique) > MAX_MEILI_WORDS
                   for i in range(0, len(words.folded), r.chunk)]
        if not queries:
            return []
        answers, _ = self._cluster.read_each(lambda c: c.request("POST", "/multi-search", {"queries": queries}))
        return [hit for _, answer in answers for result in answer.get("results", ()) for hit in result.get("hits", ())]

    def _frequencies(self, terms: list[str]) -> dict[str, int]:
        """How many articles hold each folded syllable or pair (a phrase), over every shard."""
        queries = [{"indexUid": self._cluster.index_name, "q": f'"{t}"' if " " in t else t, "limit": 0,
                    "matchingStrategy": "all"} for t in terms]
        answers, _ = self._cluster.read_each(lambda c: c.request("POST", "/multi-search", {"queries": queries}))
        counts: Counter[str] = Counter()
        for _, answer in answers:
            for term, result in zip(terms, answer.get("results", ())):
                counts[term] += int(result.get("estimatedTotalHits", 0))
        return counts

    def related(self, article_id: str, *, limit: int = 5) -> SearchResults:
        """Articles like this one: its opening words as a query, its own cluster left out."""
        started = time.perf_counter()
        if not 0 < limit <= MAX_LIMIT:
            raise QueryError(f"limit must be between 1 and {MAX_LIMIT}")
        doc = self._index.document(article_id)
        words = SYLLABLE_PATTERN.findall(f"{doc.get('title') or ''} {doc.get('lead') or doc.get('body') or ''}")[:24]
        own = doc.get("cluster") or article_id
        body = {"q": " ".join(words), "limit": limit * 3, "showRankingScore": True, "matchingStrategy": "frequency",
                "filter": [f"cluster != {quoted(own)}", f"id != {quoted(article_id)}"], "attributesToRetrieve": HIT_FIELDS}
        answers, warnings = self._cluster.read_each(lambda c: c.request("POST", self._cluster.index_path("/search"), body))
        kept, similar = _collapse(_merge([(s.number, a) for s, a in answers], False))
        terms = MatchTerms(frozenset(), frozenset())
        hits = tuple(hit_of(rank, article_from(doc), score, terms, tuple(similar.get(doc["id"], ())))
                     for rank, (score, doc) in enumerate(kept[:limit], start=1))
        return SearchResults(f"related:{article_id}", len(hits), round((time.perf_counter() - started) * 1000, 2),
                             hits, 0, limit, warnings=tuple(warnings))


Ranked = list[tuple[float, dict[str, Any]]]


def _merge(answers: list[tuple[int, dict[str, Any]]], by_date: bool) -> Ranked:
    """Every shard's hits in one order: by score (or date), ties broken by id, so the same query
    always gives the same pages whichever shard answers first."""
    hits = [(float(h.get("_rankingScore", 0.0)), h) for _, answer in answers for h in answer.get("hits", ())]
    if by_date:
        return sorted(hits, key=lambda sh: (-(sh[1].get("date") or float("-inf")), sh[1]["id"]))
    return sorted(hits, key=lambda sh: (-sh[0], sh[1]["id"]))


def _collapse(ranked: Ranked) -> tuple[Ranked, dict[str, list[str]]]:
    """One hit per near-duplicate cluster (the best); the others listed under it."""
    kept: Ranked = []
    first_of: dict[str, str] = {}
    similar: dict[str, list[str]] = {}
    for score, doc in ranked:
        cluster = doc.get("cluster") or doc["id"]
        if cluster in first_of:
            similar.setdefault(first_of[cluster], []).append(doc["id"])
            continue
        first_of[cluster] = doc["id"]
        kept.append((score, doc))
    return kept, similar


def _facets(answers: list[tuple[Shard, dict[str, Any]]], kinds: Sequence[str], top: int = 10) -> dict[str, tuple[tuple[str, int], ...]]:
    """Facet counts summed over the shards: the ``top`` most frequent values, months all in order."""
    result = {}
    for kind in kinds:
        counter: Counter[str] = Counter()
        for _, answer in answers:
            counter.update((answer.get("facetDistribution") or {}).get(FACET_FIELDS[kind]) or {})
        result[kind] = tuple(sorted(counter.items())) if kind == "month" else tuple(counter.most_common(top))
    return result
