"""One exception family, so a host application can catch every newsearch failure at once.

Messages state the fact; the CLI adds what to do next.
"""

from __future__ import annotations

__all__ = [
    "NewsearchError",
    "IndexNotFoundError",
    "IndexCorruptError",
    "IndexLockedError",
    "SchemaVersionError",
    "IngestError",
    "QueryError",
    "ArticleNotFoundError",
]


class NewsearchError(Exception):
    """Base of every error newsearch raises on purpose."""


class IndexNotFoundError(NewsearchError):
    """There is no newsearch index at the given path."""

    def __init__(self, path: str) -> None:
        super().__init__(f"no newsearch index at '{path}'")
        self.path = path


class IndexCorruptError(NewsearchError):
    """The index exists but cannot be read."""


class IndexLockedError(NewsearchError):
    """Another writer holds the index lock."""


class SchemaVersionError(NewsearchError):
    """The index was written by an incompatible version of newsearch."""

    def __init__(self, path: str, found: object, expected: int) -> None:
        super().__init__(f"the index at '{path}' has schema version {found}, this newsearch needs {expected}")
        self.path, self.found, self.expected = path, found, expected


class IngestError(NewsearchError):
    """An input could not be read at all (a single bad record is reported, not raised)."""

    def __init__(self, source: str, reason: str, line: int | None = None) -> None:
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {reason}")
        self.source, self.reason, self.line = source, reason, line


class QueryError(NewsearchError):
    """The query cannot be run (for example an impossible date range)."""


class ArticleNotFoundError(NewsearchError):
    """No article with the given id is in the index."""

    def __init__(self, article_id: str) -> None:
        super().__init__(f"no article with id '{article_id}' in the index")
        self.article_id = article_id
