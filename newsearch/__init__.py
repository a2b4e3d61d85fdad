"""newsearch: full-text search for Vietnamese news.

    import newsearch
    with newsearch.open_index("index/", create=True) as ix:
        with ix.writer() as writer:
            writer.add_many(newsearch.read_articles(["sample_corpus/"]))
        results = ix.searcher().search("trí tuệ nhân tạo", limit=5)
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from .errors import (
    ArticleNotFoundError,
    IndexCorruptError,
    IndexLockedError,
    IndexNotFoundError,
    IngestError,
    NewsearchError,
    QueryError,
    SchemaVersionError,
)
from .highlight import MatchTerms
from .index import Index, IndexWriter, create_index, index_exists
from .index import open_index as _open_existing
from .ingest import article_from_html, parse_datetime, parse_raw_page, read_articles
from .models import Article, Hit, IndexReport, IndexStats, IngestProblem, SearchResults, Snippet, Span
from .query import ParsedQuery, parse_query
from .render.jsonout import to_json
from .meili import MeiliIndex, open_meilisearch
from .search import Searcher

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "open_index",
    "open_meilisearch",
    "MeiliIndex",
    "create_index",
    "index_exists",
    "Index",
    "IndexWriter",
    "Searcher",
    "read_articles",
    "parse_raw_page",
    "article_from_html",
    "parse_datetime",
    "parse_query",
    "ParsedQuery",
    "MatchTerms",
    "Article",
    "Hit",
    "Snippet",
    "Span",
    "SearchResults",
    "IndexStats",
    "IndexReport",
    "IngestProblem",
    "to_json",
    "NewsearchError",
    "IndexNotFoundError",
    "IndexCorruptError",
    "IndexLockedError",
    "SchemaVersionError",
    "IngestError",
    "QueryError",
    "ArticleNotFoundError",
]

logging.getLogger("newsearch").addHandler(logging.NullHandler())


def open_index(path: str | os.PathLike[str], *, create: bool = False) -> Index:
    """Open the index at ``path``; with ``create=True``, make an empty one if there is none."""
    if create and not index_exists(Path(path)):
        return create_index(path)
    return _open_existing(path)
