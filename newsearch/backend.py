"""What every backend offers: the embedded Whoosh index (:class:`newsearch.Index`, the default)
and Meilisearch shards (:class:`newsearch.meili.MeiliIndex`) both satisfy these protocols, so the
CLI, the shell, JSON output and host applications work the same on either."""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Any, Callable, Iterable, Protocol, Sequence

from .models import Article, IndexReport, IndexStats, SearchResults
from .query import ParsedQuery

__all__ = ["Store", "StoreWriter", "StoreSearcher", "CommitOnExit"]


class StoreSearcher(Protocol):
    def search(self, query: str | ParsedQuery, *, limit: int = 10, offset: int = 0, sort: str = "relevance",
               since: datetime | None = None, until: datetime | None = None, collapse: bool = True,
               facets: Sequence[str] = ()) -> SearchResults: ...

    def related(self, article_id: str, *, limit: int = 5) -> SearchResults: ...

    def close(self) -> None: ...

    def __enter__(self) -> Any: ...

    def __exit__(self, *exc: object) -> None: ...


class StoreWriter(Protocol):
    report: IndexReport

    def add(self, article: Article) -> None: ...

    def add_many(self, articles: Iterable[Article], progress: Callable[[int], None] | None = None, *,
                 workers: int = 0, commit_every: int | None = None, dask: str | None = None) -> IndexReport: ...

    def delete(self, article_id: str) -> bool: ...

    def checkpoint(self) -> None: ...

    def commit(self) -> IndexReport: ...

    def cancel(self) -> None: ...

    def __enter__(self) -> Any: ...

    def __exit__(self, *exc: Any) -> None: ...


class Store(Protocol):
    path: Any

    def writer(self, *, wait: float = 0.0) -> StoreWriter: ...

    def searcher(self) -> StoreSearcher: ...

    def get(self, article_id: str) -> Article: ...

    def doc_count(self) -> int: ...

    def stats(self) -> IndexStats: ...

    def close(self) -> None: ...

    def __enter__(self) -> Any: ...

    def __exit__(self, *exc: object) -> None: ...


class CommitOnExit:
    """A writer's ``with`` block: commit when it ends cleanly, cancel on an exception."""

    def commit(self) -> IndexReport:
        raise NotImplementedError

    def cancel(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Any:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.cancel()
