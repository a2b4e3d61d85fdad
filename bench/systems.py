"""The search systems the benchmarks compare: newsearch and two off-the-shelf peers.

Each system indexes (id, title, lead, body) records and answers a query string with ranked ids.
Peers use their documented defaults: Whoosh's StandardAnalyzer with an OR query, and SQLite FTS5
with ``unicode61 remove_diacritics 2`` and ``bm25()``, also OR.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Protocol

import newsearch
from newsearch.ranking import Ranking
from newsearch.ingest.records import RecordError, article_from_record


@dataclass(frozen=True)
class Doc:
    id: str
    title: str
    lead: str
    body: str

    def record(self) -> dict[str, str]:
        return {"id": self.id, "title": self.title, "summary": self.lead, "body": self.body}


class System(Protocol):
    name: str

    def build(self, docs: Iterable[Doc], path: Path) -> None: ...

    def open(self, path: Path) -> None: ...

    def search(self, query: str, limit: int = 10) -> list[str]: ...

    def close(self) -> None: ...


def _articles(docs: Iterable[Doc]) -> Iterable[newsearch.Article]:
    for doc in docs:
        try:
            yield article_from_record(doc.record())
        except RecordError:
            continue


class Newsearch:
    name = "newsearch"

    def __init__(self, workers: int | None = None, ranking: "Ranking | None" = None) -> None:
        self.workers = workers
        self.ranking = ranking
        self._ix: newsearch.Index | None = None
        self._searcher: newsearch.Searcher | None = None

    def build(self, docs: Iterable[Doc], path: Path) -> None:
        from newsearch.pipeline import default_workers

        with newsearch.create_index(path, overwrite=True) as ix, ix.writer() as writer:
            writer.add_many(_articles(docs), workers=default_workers() if self.workers is None else self.workers)

    def open(self, path: Path) -> None:
        self._ix = newsearch.open_index(path)
        self._searcher = self._ix.searcher(self.ranking)

    def search(self, query: str, limit: int = 10) -> list[str]:
        assert self._searcher is not None
        try:
            return [hit.id for hit in self._searcher.search(query, limit=limit, collapse=False)]
        except newsearch.QueryError:
            return []

    def close(self) -> None:
        if self._ix is not None:
            self._ix.close()


class NewsearchMeili(Newsearch):
    """newsearch on Meilisearch shards (``spec``: comma-separated shard URLs); the index is named
    after the benchmark's working directory entry, so several corpora share the instances."""

    def __init__(self, spec: str, workers: int | None = None, ranking=None) -> None:
        super().__init__(workers)
        self.spec = spec
        self.meili_ranking = ranking
        self.name = f"newsearch-meili-{len(spec.split(','))}sh"

    @staticmethod
    def index_name(path: Path) -> str:
        return re.sub(r"[^A-Za-z0-9_-]", "_", path.name)[-60:]

    def is_built(self, path: Path, count: int) -> bool:
        """Whether the shards still hold this index with ``count`` articles (they outlive a run only
        when they are your own instances)."""
        from newsearch.meili import MeiliError, open_meilisearch

        try:
            with open_meilisearch(self.spec, self.index_name(path)) as ix:
                return ix.doc_count() == count
        except (MeiliError, newsearch.IndexNotFoundError):
            return False

    def build(self, docs: Iterable[Doc], path: Path) -> None:
        from newsearch.meili import open_meilisearch
        from newsearch.pipeline import default_workers

        path.mkdir(parents=True, exist_ok=True)
        with open_meilisearch(self.spec, self.index_name(path), create=True) as ix:
            ix.drop()
        with open_meilisearch(self.spec, self.index_name(path), create=True) as ix, ix.writer() as writer:
            writer.add_many(_articles(docs), workers=default_workers() if self.workers is None else self.workers)

    def open(self, path: Path) -> None:
        from newsearch.meili import open_meilisearch

        self._ix = open_meilisearch(self.spec, self.index_name(path))  # type: ignore[assignment]
        self._searcher = self._ix.searcher(self.meili_ranking)  # type: ignore[assignment]


class WhooshStandard:
    """Whoosh as most projects use it: one TEXT field, StandardAnalyzer, OR of the query's tokens."""

    name = "whoosh-standard"

    def __init__(self) -> None:
        self._ix = None
        self._searcher = None

    def build(self, docs: Iterable[Doc], path: Path) -> None:
        from whoosh import index
        from whoosh.fields import ID, TEXT, Schema

        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        ix = index.create_in(str(path), Schema(id=ID(stored=True, unique=True), text=TEXT()))
        writer = ix.writer(limitmb=256)
        for doc in docs:
            writer.add_document(id=doc.id, text="\n".join(p for p in (doc.title, doc.lead, doc.body) if p))
        writer.commit()

    def open(self, path: Path) -> None:
        from whoosh import index

        self._ix = index.open_dir(str(path))
        self._searcher = self._ix.searcher()

    def search(self, query: str, limit: int = 10) -> list[str]:
        from whoosh import query as wq

        analyzer = self._ix.schema["text"].analyzer
        terms = list(dict.fromkeys(t.text for t in analyzer(query)))
        if not terms:
            return []
        results = self._searcher.search(wq.Or([wq.Term("text", t) for t in terms]), limit=limit)
        return [hit["id"] for hit in results]

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()


class SqliteFts5:
    """SQLite FTS5 with diacritics removed, bm25() ranking, OR of the query's tokens."""

    name = "sqlite-fts5"

    def __init__(self) -> None:
        self._db: sqlite3.Connection | None = None

    def build(self, docs: Iterable[Doc], path: Path) -> None:
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        db = sqlite3.connect(path / "fts.db")
        db.execute("CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, text, tokenize='unicode61 remove_diacritics 2')")
        db.executemany(
            "INSERT INTO docs(id, text) VALUES (?, ?)",
            ((d.id, "\n".join(p for p in (d.title, d.lead, d.body) if p)) for d in docs),
        )
        db.commit()
        db.close()

    def open(self, path: Path) -> None:
        self._db = sqlite3.connect(path / "fts.db", check_same_thread=False)

    def search(self, query: str, limit: int = 10) -> list[str]:
        assert self._db is not None
        tokens = list(dict.fromkeys(re.findall(r"\w+", query.lower())))
        if not tokens:
            return []
        match = " OR ".join('"' + t.replace('"', '""') + '"' for t in tokens)
        rows = self._db.execute(
            "SELECT id FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT ?", (match, limit)
        ).fetchall()
        return [row[0] for row in rows]

    def close(self) -> None:
        if self._db is not None:
            self._db.close()


ALL_SYSTEMS = {s.name: s for s in (Newsearch, WhooshStandard, SqliteFts5)}


def timed_search(system: System, query: str, limit: int = 10) -> tuple[list[str], float]:
    started = time.perf_counter()
    ids = system.search(query, limit)
    return ids, (time.perf_counter() - started) * 1000
