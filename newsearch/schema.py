"""The Whoosh schema, its version, and the mapping between articles and stored documents.

Two text fields are searched: ``title``, and ``content`` (lead and body together: one length
normalisation for the article's text measured better than separate lead and body fields, and it
halves the postings to write). Each is indexed three ways:
- ``<field>``: syllables, accented, lower case, canonical tones; positions for phrases.
  Syllables carry recall: a query's segmentation can differ from the document's.
- ``<field>_fold``: syllables without diacritics: they serve queries typed without accents.
- ``<field>_pair``: adjacent syllables as accent-free pairs ("tri_tue"): proximity and word-like
  matches for every query, with or without accents, without phrase queries.
``opening_pair`` holds the pairs of the article's opening (lead, else first paragraph).
Title, lead and body are stored as they are, for display and snippets.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import orjson
from whoosh.columns import VarBytesColumn
from whoosh.fields import COLUMN, DATETIME, ID, KEYWORD, STORED, TEXT, Schema

from .analysis import AnalyzedArticle, folded_text, pair_text, syllable_text, term_analyzer
from .duplicates import band_keys, signature
from .entities import entity_key
from .models import Article
from .normalize import fold_diacritics

__all__ = [
    "SCHEMA_VERSION",
    "TEXT_FIELDS",
    "TERM_FIELDS",
    "build_schema",
    "document_of",
    "content_of",
    "duplicate_signature",
    "article_of",
    "keyword_value",
    "to_index_datetime",
    "UNDATED",
    "EARLIEST_DATE",
    "FACET_KINDS",
    "facets_of",
]

SCHEMA_VERSION = 8  # 7: every scored term in the posting arrays, with their own directory; 8: dup_sig a column
TEXT_FIELDS = ("title", "content")
# Fields whose value is a space-separated list of terms already made by newsearch.analysis.
TERM_FIELDS = frozenset(
    [f"{name}{suffix}" for name in TEXT_FIELDS for suffix in ("", "_fold", "_pair")] + ["opening_pair"]
)
# The field whose syllables "did you mean" restores accents from (newsearch.suggest): segment
# writers list its terms in the posting arrays file, so the vocabulary is read without Whoosh's lexicon.
VOCABULARY_FIELD = "content"
# Undated articles get this date so that a newest-first sort puts them last; date filters start
# after it, so they never match a date range.
UNDATED = datetime(1800, 1, 1)
EARLIEST_DATE = datetime(1801, 1, 1)


def build_schema() -> Schema:
    fields: dict[str, Any] = {
        # A column too: a hit's near-duplicates are listed by id, and the column reads one id
        # where the stored fields unpack the whole article (≈ 35 µs; nine copies a hit at 350k).
        "id": ID(stored=True, unique=True, sortable=True),
        "date": DATETIME(sortable=True),
        "entities": KEYWORD(commas=True, scorable=True),
        "entities_fold": KEYWORD(commas=True, scorable=True),
        "category": KEYWORD(commas=True),
        "source": KEYWORD(commas=True),
        "meta": STORED(),
        "lead": STORED(),
        "body": STORED(),
        # Near-duplicates (newsearch.duplicates): MinHash signature, its LSH band keys, and the
        # cluster (the id of the first article of the story) that results collapse on. The
        # signature is a column: an indexer reads the signature, id and cluster of every committed
        # article sharing a band key with one it adds (ten a story at 350k articles), ≈ 10 µs from
        # columns where the stored fields took ≈ 150 µs.
        "dup_sig": COLUMN(VarBytesColumn()),
        "dup_bands": KEYWORD(),
        "cluster": ID(stored=True, sortable=True),
        # Facet values of each article in one column: quick to read for thousands of hits.
        "facet_values": COLUMN(VarBytesColumn()),
    }
    for name in TEXT_FIELDS:
        fields[name] = TEXT(analyzer=term_analyzer(), stored=name == "title")
        fields[f"{name}_fold"] = TEXT(analyzer=term_analyzer())
        fields[f"{name}_pair"] = TEXT(analyzer=term_analyzer(), phrase=False)
    fields["opening_pair"] = TEXT(analyzer=term_analyzer(), phrase=False)
    return Schema(**fields)


def keyword_value(value: str) -> str:
    """How a category or source is indexed and filtered: lower case, canonical tones, no commas."""
    return entity_key(value).replace(",", " ")


def to_index_datetime(moment: datetime) -> datetime:
    """Whoosh stores naive datetimes: store UTC."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def content_of(article: Article) -> str:
    """The article's text as the ``content`` fields index it: lead and body."""
    return f"{article.lead}\n{article.body}" if article.lead else article.body


def duplicate_signature(article: Article) -> bytes | None:
    """The MinHash signature the writer compares articles with (None: too short to compare)."""
    return signature(content_of(article))


_COMPUTE = object()


def document_of(analyzed: AnalyzedArticle, *, sig: Any = _COMPUTE, cluster: str | None = None) -> dict[str, Any]:
    """The Whoosh document of an analysed article; ``sig`` (when already computed) is its
    :func:`duplicate_signature`, ``cluster`` its near-duplicate cluster (default: its own id)."""
    article = analyzed.article
    keys = analyzed.entity_keys
    meta = {
        "url": article.url,
        "published": article.published.isoformat() if article.published else None,
        "category": article.category,
        "source": article.source,
        "author": article.author,
        "caption": article.caption,
        "credit": article.credit,
        "entities": list(analyzed.entities),
    }
    doc: dict[str, Any] = {
        "id": article.id,
        "meta": orjson.dumps(meta),
        "entities": ",".join(keys),
        "entities_fold": ",".join(dict.fromkeys(fold_diacritics(k) for k in keys)),
        "category": keyword_value(article.category),
        "source": keyword_value(article.source),
    }
    content = content_of(article)
    for name, text in (("title", article.title), ("content", content)):
        doc[name] = syllable_text(text)
        doc[f"{name}_fold"] = folded_text(text)
        doc[f"{name}_pair"] = pair_text(text)
    doc["_stored_title"] = article.title  # the title field indexes its terms and stores the text
    doc["opening_pair"] = pair_text(opening_of(article))
    if sig is _COMPUTE:
        sig = signature(content)
    doc["dup_sig"], doc["dup_bands"] = (sig, " ".join(band_keys(sig))) if sig else (b"", "")
    doc["cluster"] = cluster or article.id
    doc["facet_values"] = facet_values_of(article, analyzed.entities)
    doc["lead"], doc["body"] = article.lead, article.body
    doc["date"] = to_index_datetime(article.published) if article.published else UNDATED
    return doc


OPENING_CHARS = 400
FACET_KINDS = ("entity", "category", "source", "month")


def facet_values_of(article: Article, entities: tuple[str, ...]) -> bytes:
    """[category, source, month, entities] as compact JSON, for the ``facet_values`` column."""
    month = article.published.strftime("%Y-%m") if article.published else ""
    return orjson.dumps([article.category, article.source, month, list(dict.fromkeys(entities))])


def facets_of(raw: bytes) -> dict[str, list[str]]:
    """The facet values of one article, by facet kind."""
    if not raw:
        return {kind: [] for kind in FACET_KINDS}
    category, source, month, entities = orjson.loads(raw)
    return {"entity": entities, "category": [category] if category else [], "source": [source] if source else [],
            "month": [month] if month else []}




def opening_of(article: Article) -> str:
    """The article's opening: its lead, else its first paragraph (news puts the essence first)."""
    text = article.lead or article.body.strip().split("\n", 1)[0]
    return text[:OPENING_CHARS]


def article_of(stored: dict[str, Any]) -> Article:
    """Rebuild the Article from a stored document."""
    meta = orjson.loads(stored.get("meta") or b"{}")
    published = meta.get("published")
    return Article(
        id=stored["id"],
        title=stored.get("title", ""),
        lead=stored.get("lead", ""),
        body=stored.get("body", ""),
        url=meta.get("url", ""),
        published=datetime.fromisoformat(published) if published else None,
        category=meta.get("category", ""),
        source=meta.get("source", ""),
        author=meta.get("author", ""),
        caption=meta.get("caption", ""),
        credit=meta.get("credit", ""),
        entities=tuple(meta.get("entities", ())),
    )
