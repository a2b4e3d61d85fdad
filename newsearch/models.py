"""The typed values that cross the public API: frozen dataclasses that outlive any searcher.

orjson serialises them natively, so their field names are the JSON vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterator

from .normalize import first_sentence

__all__ = [
    "Article",
    "Span",
    "Snippet",
    "Hit",
    "SearchResults",
    "IndexStats",
    "IngestProblem",
    "IndexReport",
]


@dataclass(frozen=True, slots=True)
class Article:
    """One news article, cleaned. ``published`` is time-zone aware (Vietnamese sources: +07:00)."""

    id: str
    title: str = ""
    lead: str = ""
    body: str = ""
    url: str = ""
    published: datetime | None = None
    category: str = ""
    source: str = ""
    author: str = ""
    caption: str = ""
    credit: str = ""
    entities: tuple[str, ...] = ()

    @property
    def headline(self) -> str:
        """What to show as a title: the title, else the start of the lead or body."""
        return self.title or first_sentence(self.lead or self.body)


@dataclass(frozen=True, slots=True)
class Span:
    """A highlighted range ``[start, end)`` of a snippet's text."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Snippet:
    """A fragment of one field's clean text with the matched words as spans."""

    field: str
    text: str
    spans: tuple[Span, ...] = ()

    def highlighted(self) -> list[str]:
        """The matched substrings, in order."""
        return [self.text[s.start : s.end] for s in self.spans]


@dataclass(frozen=True, slots=True)
class Hit:
    """One ranked search result."""

    rank: int
    score: float
    id: str
    title: str
    url: str
    published: datetime | None
    category: str
    source: str
    author: str
    entities: tuple[str, ...]
    snippets: tuple[Snippet, ...]
    similar: tuple[str, ...] = ()  # ids of near-duplicates that matched too, collapsed under this hit


@dataclass(frozen=True, slots=True)
class SearchResults:
    """A page of hits plus the total number of matching articles."""

    query: str
    total: int
    took_ms: float
    hits: tuple[Hit, ...]
    offset: int = 0
    limit: int = 10
    sort: str = "relevance"
    relaxed: bool = False
    warnings: tuple[str, ...] = ()
    suggestion: str | None = None  # "did you mean": the query with accents restored or a typo fixed
    collapsed: int = 0  # matching near-duplicates hidden under the hits (see Hit.similar)
    # Requested facets over every matching article: kind → ((value, count), ...), most frequent
    # first (months: in time order).
    facets: dict[str, tuple[tuple[str, int], ...]] | None = None

    def __iter__(self) -> Iterator[Hit]:
        return iter(self.hits)

    def __len__(self) -> int:
        return len(self.hits)


@dataclass(frozen=True, slots=True)
class IndexStats:
    """What is in an index."""

    path: str
    articles: int
    schema_version: int
    size_bytes: int
    oldest: datetime | None
    newest: datetime | None
    categories: tuple[tuple[str, int], ...]
    sources: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class IngestProblem:
    """A record that was skipped, with where it came from."""

    source: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        return f"{where}: {self.reason}"


@dataclass(slots=True)
class IndexReport:
    """Counts of one indexing run (mutable while the run goes on)."""

    added: int = 0
    replaced: int = 0
    skipped: int = 0
    seconds: float = 0.0
    problems: list[IngestProblem] = field(default_factory=list)
