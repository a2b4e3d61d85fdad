"""Turn one decoded record (a JSON object or a raw page) into a clean :class:`Article`."""

from __future__ import annotations

import hashlib
import re
from typing import Any, Mapping
from urllib.parse import urlsplit

from ..models import Article
from ..normalize import clean_text, fold_diacritics
from .dates import parse_datetime
from .rawpage import ArticleParts, RawPage, cut_boilerplate_tail, split_article_parts

__all__ = ["RecordError", "article_from_record", "article_from_page", "derive_id"]

# Field names as in ../shared/data first, then the obvious synonyms.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "id": ("id", "_id", "doc_id", "article_id", "guid", "uuid"),
    "url": ("url", "link", "href", "canonical_url", "source_url"),
    "title": ("title", "headline", "name", "tieu_de"),
    "lead": ("summary", "lead", "sapo", "description", "abstract", "excerpt", "subtitle", "tom_tat"),
    "body": ("body", "content", "text", "article", "maintext", "main_text", "noi_dung", "fulltext"),
    "published": ("date", "published", "published_at", "publish_date", "pubdate", "datetime", "time",
                  "date_published", "created_at", "timestamp", "ngay"),
    "category": ("category", "section", "topic", "chuyen_muc", "categories"),
    "source": ("source", "publisher", "site", "domain", "site_name"),
    "author": ("author", "authors", "byline", "writer", "tac_gia"),
    "entities": ("entities",),
}
_HEADLINE_MAX_WORDS = 30
_DANTRI_PREFIX = re.compile(r"^\(?Dân trí\)?\s*[-–—]\s*|^Dân trí\s+(?=[A-ZĐÀ-Ỹ])")


class RecordError(ValueError):
    """A record that cannot become an article (reported with its file and line, then skipped)."""


# What a record or page may still raise that no rule foresaw: caught per record, so one odd value
# skips that record (named) instead of ending the whole indexing run.
UNFORESEEN_ERRORS = (ValueError, TypeError, OverflowError, AssertionError)


def _first(record: Mapping[str, Any], key: str) -> Any:
    lowered = {str(k).lower(): v for k, v in record.items()}
    for name in SYNONYMS[key]:
        value = lowered.get(name)
        if value not in (None, "", [], {}):
            return value
    return None


def _as_text(value: Any, field: str) -> str:
    """Accept strings, numbers and lists of strings; refuse objects (they are not text)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        raise RecordError(f"field '{field}' is a boolean, expected text")
    if isinstance(value, (str, int, float)):
        return clean_text(str(value))
    if isinstance(value, list) and all(isinstance(x, (str, int, float)) and not isinstance(x, bool) for x in value):
        return clean_text("\n".join(str(x) for x in value))
    raise RecordError(f"field '{field}' is a {type(value).__name__}, expected text")


def derive_id(url: str, title: str, body: str) -> str:
    """A stable id: from the URL when there is one, else from the content."""
    if url:
        return "url-" + hashlib.sha1(url.strip().encode("utf-8")).hexdigest()[:16]
    return "sha-" + hashlib.sha1(f"{title}\n{body}".encode("utf-8")).hexdigest()[:16]


def _url_parts(url: str) -> tuple[str, str]:
    """(host, path) of a URL; nothing for one that cannot be parsed ("http://[broken")."""
    try:
        parts = urlsplit(url)
        return parts.hostname or "", parts.path
    except ValueError:
        return "", ""


def _source_of(url: str) -> str:
    host = _url_parts(url)[0] if "://" in url else ""
    return host.removeprefix("www.")


def _slug_words(url: str) -> list[str]:
    last = _url_parts(url)[1].rstrip("/").rsplit("/", 1)[-1] if url else ""
    last = re.sub(r"(-?\d{6,})?\.[a-z]+$", "", last)
    return [w for w in last.split("-") if w and not w.isdigit()] if "-" in last else []


def _is_true_headline(title: str, url: str) -> bool:
    """With a URL slug, a headline is the text the slug spells (≥80% of its words, not much more);
    without one, any title of up to 30 words. dantri's long "titles" are really leads."""
    slug = _slug_words(url)
    if not slug:
        return len(title.split()) <= _HEADLINE_MAX_WORDS
    folded = re.findall(r"[a-z0-9]+", fold_diacritics(title).lower())
    present = set(folded)
    share = sum(word in present for word in slug) / len(slug)
    return share >= 0.8 and len(folded) <= 1.5 * len(slug) + 3


def _body_parts(body: str) -> ArticleParts:
    body = _DANTRI_PREFIX.sub("", body, count=1)
    return split_article_parts(cut_boilerplate_tail([line for line in body.split("\n") if line.strip()]))


def article_from_record(record: Any) -> Article:
    """Map a decoded JSON object onto an Article; raise :class:`RecordError` if it cannot be one."""
    if not isinstance(record, dict):
        raise RecordError(f"expected a JSON object, found {type(record).__name__}")
    title = _as_text(_first(record, "title"), "title")
    lead = _DANTRI_PREFIX.sub("", _as_text(_first(record, "lead"), "summary"), count=1)
    parts = _body_parts(_as_text(_first(record, "body"), "body"))
    body = "\n".join(parts.paragraphs)
    if not (title or body or lead):
        raise RecordError("record has neither a title nor a body")
    url = _as_text(_first(record, "url"), "url")
    if title and not _is_true_headline(title, url):
        title, lead = "", (title if not lead else f"{title}\n{lead}")
    raw_id = _first(record, "id")
    article_id = _as_text(raw_id, "id").replace("\n", " ") if raw_id is not None else derive_id(url, title, body)
    raw_entities = _first(record, "entities")
    entities = tuple(e for e in _as_text(raw_entities, "entities").split("\n") if e) if raw_entities else ()
    return Article(
        id=article_id,
        title=title,
        lead=lead,
        body=body,
        url=url,
        published=parse_datetime(_first(record, "published")),
        category=_as_text(_first(record, "category"), "category").replace("\n", ", "),
        source=_as_text(_first(record, "source"), "source") or _source_of(url),
        author=_as_text(_first(record, "author"), "author").replace("\n", ", ") or parts.author,
        caption="\n".join(parts.captions),
        credit=parts.credit or parts.source_credit,
        entities=entities,
    )


def article_from_page(page: RawPage, *, url: str = "") -> Article:
    """An Article from a parsed raw page; its id comes from the URL, else from its content."""
    if not (page.title or page.body or page.lead):
        raise RecordError("page has neither a title nor a body")
    return Article(
        id=derive_id(url, page.title, f"{page.lead}\n{page.body}"),
        title=page.title,
        lead=page.lead,
        body=page.body,
        url=url,
        published=parse_datetime(page.published_text),
        source=page.source_credit or _source_of(url),
        author=page.author,
        caption=page.caption,
        credit=page.credit,
    )
