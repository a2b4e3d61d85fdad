"""JSON output through orjson: raw UTF-8, dataclass field names as the vocabulary.

Schema of a search (``to_json(results)``)::

    {"query": str, "total": int, "took_ms": float, "offset": int, "limit": int, "sort": str,
     "relaxed": bool, "warnings": [str], "suggestion": str | null, "collapsed": int,
     "facets": {"entity" | "category" | "source" | "month": [[value, count], ...]} | null,
     "hits": [{"rank", "score", "id", "title", "url", "published" (ISO 8601 with offset or null),
               "category", "source", "author", "entities": [str],
               "snippets": [{"field", "text", "spans": [[start, end], ...]}],
               "similar": [id, ...]}]}

``total`` counts stories when near-duplicates are collapsed (the default), articles otherwise;
``collapsed`` is how many matching near-duplicates are hidden under the hits' ``similar``.

Spans are ``[start, end)`` character offsets into the snippet's ``text``.
"""

from __future__ import annotations

from dataclasses import is_dataclass
from typing import Any, Iterator

import orjson

from ..models import SearchResults, Span

__all__ = ["to_json", "to_json_lines", "to_plain"]

_OPTIONS = orjson.OPT_NON_STR_KEYS


def to_plain(value: Any) -> Any:
    """Dataclasses to dicts, spans to ``[start, end]`` pairs."""
    if isinstance(value, Span):
        return [value.start, value.end]
    if is_dataclass(value) and not isinstance(value, type):
        return {k: to_plain(getattr(value, k)) for k in value.__dataclass_fields__}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    return value


def to_json(value: Any, *, pretty: bool = False) -> bytes:
    """One JSON document for any newsearch value (results, article, stats)."""
    options = _OPTIONS | (orjson.OPT_INDENT_2 if pretty else 0)
    return orjson.dumps(to_plain(value), option=options)


def to_json_lines(results: SearchResults) -> Iterator[bytes]:
    """One JSON line per hit, each carrying the query, for ``--jsonl``."""
    for hit in results.hits:
        line = to_plain(hit)
        line["query"] = results.query
        yield orjson.dumps(line, option=_OPTIONS) + b"\n"

