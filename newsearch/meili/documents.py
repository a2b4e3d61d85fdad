"""What newsearch sends to Meilisearch: documents, index settings, and queries.

newsearch keeps the analysis (cleaning, dates, pyvi entities with folded keys for filtering,
near-duplicate keys); Meilisearch gets display text to tokenise (it splits syllables and folds
accents itself) and attributes to filter, sort and facet on.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ..analysis import AnalyzedArticle, analyze_article
from ..duplicates import band_keys
from ..entities import entity_key
from ..models import Article
from ..normalize import fold_diacritics, has_diacritics
from ..query import ParsedQuery, QueryTerm
from ..schema import keyword_value, opening_of
from .rerank import ranking_text

__all__ = [
    "SETTINGS",
    "MeiliRanking",
    "document_key",
    "meili_document",
    "meili_documents",
    "article_from",
    "filter_expression",
    "query_text",
    "search_fields",
]

# Matches in the title count most, then the lead (news puts the essence first), then the body;
# entity names match as words too. Order = Meilisearch's "attribute" ranking rule.
SEARCHABLE = ["title", "lead", "entities", "body", "caption"]
FILTERABLE = ["id", "entity_keys", "entity_folds", "category_key", "source_key", "date", "month", "cluster",
              "dup_bands", "entities", "category", "source"]
SORTABLE = ["date"]
MAX_TOTAL_HITS = 10_000  # how deep pages go and how far totals count

SETTINGS: dict[str, Any] = {
    "searchableAttributes": SEARCHABLE,
    "filterableAttributes": FILTERABLE,
    "sortableAttributes": SORTABLE,
    "rankingRules": ["words", "typo", "proximity", "attribute", "sort", "exactness"],
    "pagination": {"maxTotalHits": MAX_TOTAL_HITS},
    "faceting": {"maxValuesPerFacet": 1000},
}


@dataclass(frozen=True)
class MeiliRanking:
    """Query-time choices for the Meilisearch backend (measured in bench/relevance.py; see
    :mod:`newsearch.meili.rerank` for how they combine).

    ``matching``: Meilisearch's matchingStrategy for finding candidates; ``rerank_depth``: how many
    of the merged best candidates newsearch re-ranks; ``chunk``/``chunk_hits``: a long query is also
    asked as runs of ``chunk`` syllables, ``chunk_hits`` candidates each; ``k1``, ``b``,
    ``pair_weight``, ``title_weight``: the BM25 re-ranking; ``exact_weight``: the bonus of a hit
    with every query syllable spelt exactly as typed."""

    matching: str = "frequency"
    rerank_depth: int = 60
    chunk: int = 4
    chunk_hits: int = 10
    k1: float = 1.2
    b: float = 0.75
    pair_weight: float = 0.5
    title_weight: int = 5
    entity_weight: int = 0
    opening_weight: int = 1
    exact_weight: float = 0.5


_VALID_KEY = re.compile(r"[A-Za-z0-9_-]{1,200}")


def document_key(article_id: str) -> str:
    """Meilisearch's primary key allows only ``[A-Za-z0-9_-]``: other ids are hashed (the id itself
    is kept in the ``id`` attribute)."""
    if _VALID_KEY.fullmatch(article_id) and not article_id.startswith("h_"):
        return article_id
    return "h_" + hashlib.sha256(article_id.encode("utf-8")).hexdigest()


def _timestamp(moment: datetime | None) -> int | None:
    return int(moment.astimezone(timezone.utc).timestamp()) if moment else None


def meili_document(analyzed: AnalyzedArticle, sig: bytes | None, cluster: str) -> dict[str, Any]:
    """The Meilisearch document of an analysed article."""
    article = analyzed.article
    keys = analyzed.entity_keys
    doc: dict[str, Any] = {
        "key": document_key(article.id),
        "id": article.id,
        "title": article.title,
        "lead": article.lead,
        "body": article.body,
        "caption": article.caption,
        "url": article.url,
        "published": article.published.isoformat() if article.published else None,
        "month": article.published.strftime("%Y-%m") if article.published else None,
        "category": article.category or None,
        "category_key": keyword_value(article.category) if article.category else None,
        "source": article.source or None,
        "source_key": keyword_value(article.source) if article.source else None,
        "author": article.author,
        "credit": article.credit,
        "entities": list(dict.fromkeys(analyzed.entities)),
        "entity_keys": keys,
        "entity_folds": list(dict.fromkeys(fold_diacritics(k) for k in keys)),
        "cluster": cluster,
        "dup_sig": sig.hex() if sig else "",
        "dup_bands": band_keys(sig) if sig else [],
        # Folded syllables per field, for newsearch's re-ranking (rerank.py): neither searched nor shown.
        "rank_title": ranking_text(article.title),
        "rank_entities": ranking_text(" , ".join(dict.fromkeys(analyzed.entities))),
        "rank_opening": ranking_text(opening_of(article)),
        "rank_lead": ranking_text(article.lead),
        "rank_body": ranking_text(article.body),
    }
    date = _timestamp(article.published)
    if date is not None:
        doc["date"] = date  # undated articles have none: date filters leave them out, date sort puts them last
    return doc


def meili_documents(batch: list[tuple[Article, bytes | None, str]]) -> list[dict[str, Any]]:
    """Analyse a batch of (article, signature, cluster): the expensive step, run in workers or on Dask."""
    return [meili_document(analyze_article(article), sig, cluster) for article, sig, cluster in batch]


def article_from(doc: dict[str, Any]) -> Article:
    """Rebuild the Article from a Meilisearch document."""
    published = doc.get("published")
    return Article(
        id=doc["id"],
        title=doc.get("title") or "",
        lead=doc.get("lead") or "",
        body=doc.get("body") or "",
        url=doc.get("url") or "",
        published=datetime.fromisoformat(published) if published else None,
        category=doc.get("category") or "",
        source=doc.get("source") or "",
        author=doc.get("author") or "",
        caption=doc.get("caption") or "",
        credit=doc.get("credit") or "",
        entities=tuple(doc.get("entities") or ()),
    )


def quoted(value: str) -> str:
    """A string literal in Meilisearch's filter syntax."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def filter_expression(parsed: ParsedQuery) -> list[str]:
    """Entity, category, source and date filters, ANDed (Meilisearch's filters are case- but not
    accent-insensitive: accent-free entity names are compared on the folded keys)."""
    filters = []
    for name in parsed.entities:
        key = entity_key(name)
        filters.append(f"entity_keys = {quoted(key)}" if has_diacritics(key) else f"entity_folds = {quoted(fold_diacritics(key))}")
    filters += [f"category_key = {quoted(keyword_value(c))}" for c in parsed.categories]
    filters += [f"source_key = {quoted(keyword_value(s))}" for s in parsed.sources]
    if parsed.since:
        filters.append(f"date >= {_timestamp(parsed.since)}")
    if parsed.until:
        filters.append(f"date <= {_timestamp(parsed.until)}")
    return filters


def _term_text(term: QueryTerm) -> str:
    text = term.text.replace('"', " ").strip()
    return f'"{text}"' if term.phrase else text


def query_text(group: tuple[QueryTerm, ...], excluded: tuple[QueryTerm, ...], words: list[str] | None = None) -> str:
    """One group of the query (an alternative of OR) as Meilisearch's ``q``: phrases in quotes,
    excluded words with ``-``; ``words`` replaces the group's plain (unquoted) words."""
    parts = [_term_text(t) for t in group if words is None or t.phrase]
    parts += words or []
    parts += ["-" + (f'"{t.text}"' if " " in t.text.strip() else t.text.strip()) for t in excluded if t.text.strip()]
    return " ".join(p for p in parts if p)


def search_fields(group: tuple[QueryTerm, ...]) -> list[str] | None:
    """``title:word`` restricts a search to the title when every term of the group asks for it."""
    fields = {t.field for t in group}
    if len(fields) == 1 and None not in fields:
        return ["title"] if fields == {"title"} else ["lead", "body", "caption"]
    return None
