"""Read a scraped HTML article page: its metadata, and the article's paragraphs without the site around it.

A saved news page holds one article inside menus, share buttons, comment boxes and lists of other
headlines. The metadata comes from what sites publish for search engines and social networks (Open
Graph and ``article:`` meta tags, schema.org JSON-LD, ``<time>``, ``<link rel=canonical>``); the body
from the element whose paragraphs hold the most text, the way readability-style extractors find it,
with link lists (other headlines) and non-content elements left out. The result is a record in the
JSON vocabulary, so it goes through the same cleaning as every other input (captions, credits, the
"Tin liên quan" tail).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any, Iterator

import orjson

from ..errors import IngestError
from ..models import Article
from ..normalize import fold_diacritics
from .dates import parse_datetime
from .records import UNFORESEEN_ERRORS, RecordError, article_from_record

__all__ = ["article_from_html", "record_from_html", "looks_like_html", "declared_charset"]

_ARTICLE_OG_TYPES = ("article", "news", "newsarticle", "video.other")

_SKIPPED_TAGS = frozenset(
    "script style noscript template form button select option svg iframe canvas object video audio map "
    "dialog".split()
)
_NOISE_TAGS = frozenset("nav header footer aside menu".split())
_NOISE_CLASS = re.compile(
    r"comment|related|share|social|breadcrumb|sidebar|menu|footer|advert|banner|popup|newsletter|"
    r"recommend|most-?read|lien-?quan|cung-?chuyen-?muc|tin-?khac|tag-?list|navigation|cookie",
    re.IGNORECASE,
)
_LEAD_CLASS = re.compile(r"sapo|description|summary|excerpt|chapeau|(?<![a-z])lead(?![a-z])", re.IGNORECASE)
_DATE_CLASS = re.compile(r"(?<![a-z])(?:date|time|publish|datetime|pubdate)", re.IGNORECASE)
_BLOCK_TAGS = frozenset(
    "p div h1 h2 h3 h4 h5 h6 li ul ol blockquote figcaption figure td th tr table section article main "
    "dd dt dl pre address center body header footer nav aside".split()
)
_CONTAINER_TAGS = frozenset("div section article main td body blockquote".split())
_PARAGRAPH_TAGS = frozenset("p h2 h3 h4 h5 h6 blockquote li pre figcaption".split())
_VOID_TAGS = frozenset("br img hr meta link input source wbr area base col embed param track".split())
_ARTICLE_TYPES = frozenset({"NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle", "BlogPosting",
                            "OpinionNewsArticle", "ReviewNewsArticle", "BackgroundNewsArticle", "LiveBlogPosting"})
_MAX_LINK_SHARE = 0.5
_MAX_NOISE_SHARE = 0.4  # a "sidebar" holding most of the page's text is a layout column, not noise
_MAX_DEPTH = 256  # deeper elements are read as text of their ancestor (keeps absurd nesting linear)
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def looks_like_html(head: bytes) -> bool:
    """Whether a file's first bytes are markup (``<!DOCTYPE html>``, ``<html>``, a comment, …)."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:64].lower()
    return start.startswith((b"<!doctype html", b"<html", b"<!--", b"<head", b"<meta", b"<body", b"<article"))


def declared_charset(data: bytes) -> str | None:
    """The encoding a page declares in its first few kilobytes (``<meta charset=…>``), if any."""
    match = _CHARSET.search(data[:4096])
    return match.group(1).decode("ascii").lower() if match else None


@dataclass(slots=True)
class _Block:
    """A run of text between block-level tags, with where it sat in the page."""

    text: str
    tag: str
    containers: tuple[int, ...]
    article: int | None
    noise: tuple[int, ...]
    link_chars: int


@dataclass(slots=True)
class _Element:
    tag: str
    skipped: bool
    container: int | None
    article: int | None
    noise: int | None
    mark: str | None  # "lead" or "date": its text is kept aside as a candidate


class _PageParser(HTMLParser):
    """Collects meta tags, JSON-LD, title, lead and date candidates and text blocks in one pass."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.json_ld: list[str] = []
        self.blocks: list[_Block] = []
        self.h1: list[tuple[str, int | None]] = []
        self.marked: dict[str, list[str]] = {"lead": [], "date": []}
        self.title_tag = self.canonical = self.time_datetime = ""
        self._stack: list[_Element] = []
        self._text: list[str] = []
        self._marked_text: list[list[str]] = []
        self._link_chars = self._in_link = self._next_id = 0
        self._too_deep: dict[str, int] = {}
        self._capture: str | None = None
        self._captured: list[str] = []

    # -- where we are ---------------------------------------------------------------------------
    def _skipped(self) -> bool:
        return bool(self._stack) and self._stack[-1].skipped

    def _article(self) -> int | None:
        return self._stack[-1].article if self._stack else None

    def _flush(self) -> None:
        lines = ("".join(self._text)).split("\n")  # <br> breaks a paragraph's lines
        text = "\n".join(" ".join(line.split()) for line in lines if line.strip())
        if text:
            tag = next((e.tag for e in reversed(self._stack) if e.tag in _BLOCK_TAGS), "body")
            containers = tuple(e.container for e in self._stack if e.container is not None)
            noise = tuple(e.noise for e in self._stack if e.noise is not None)
            self.blocks.append(_Block(text, tag, containers, self._article(), noise, self._link_chars))
        self._text, self._link_chars = [], 0

    # -- HTMLParser callbacks -------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            self._meta(values)
            return
        if tag == "link" and "canonical" in values.get("rel", "").lower().split():
            self.canonical = self.canonical or values.get("href", "")
            return
        if tag == "br":
            self._text.append("\n")
            return
        if tag in _VOID_TAGS:
            return
        if tag == "time" and not self.time_datetime:
            self.time_datetime = values.get("datetime", "")
        if tag == "script" and values.get("type", "").lower() == "application/ld+json":
            self._capture, self._captured = "json-ld", []
        elif tag in ("title", "h1") and self._capture is None:
            self._capture, self._captured = tag, []
        if len(self._stack) >= _MAX_DEPTH:
            self._too_deep[tag] = self._too_deep.get(tag, 0) + 1
            return
        if tag in _BLOCK_TAGS:
            self._flush()
        self._next_id += 1
        marker = f"{values.get('class', '')} {values.get('id', '')}"
        noisy = tag in _NOISE_TAGS or (tag not in ("body", "html") and bool(_NOISE_CLASS.search(marker)))
        mark = "lead" if _LEAD_CLASS.search(marker) else "date" if _DATE_CLASS.search(marker) else None
        article = self._next_id if tag == "article" and self._article() is None else self._article()
        self._stack.append(_Element(
            tag, self._skipped() or tag in _SKIPPED_TAGS, self._next_id if tag in _CONTAINER_TAGS else None,
            article, self._next_id if noisy else None, mark,
        ))
        if mark:
            self._marked_text.append([])
        if tag == "a":
            self._in_link += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID_TAGS:
            return
        if self._capture == tag or (self._capture == "json-ld" and tag == "script"):
            self._finish_capture()
        if self._too_deep.get(tag):
            self._too_deep[tag] -= 1
            return
        if not any(e.tag == tag for e in self._stack):
            return  # a stray end tag
        if tag in _BLOCK_TAGS:
            self._flush()
        while self._stack:
            element = self._stack.pop()
            if element.tag == "a":
                self._in_link = max(0, self._in_link - 1)
            if element.mark:
                text = " ".join("".join(self._marked_text.pop()).split())
                if text:
                    self.marked[element.mark].append(text)
            if element.tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._capture is not None:
            self._captured.append(data)
        if self._capture == "json-ld" or self._skipped() or (self._stack and self._stack[-1].tag == "title"):
            return
        for texts in self._marked_text:
            texts.append(data)
        self._text.append(data)
        if self._in_link:
            self._link_chars += len(data.strip())

    def close(self) -> None:
        super().close()
        self._flush()

    # -- metadata -------------------------------------------------------------------------------
    def _meta(self, values: dict[str, str]) -> None:
        key = (values.get("property") or values.get("name") or values.get("itemprop") or "").lower()
        content = values.get("content", "").strip()
        if key and content and key not in self.meta:
            self.meta[key] = content

    def _finish_capture(self) -> None:
        text = "".join(self._captured)
        if self._capture == "json-ld":
            self.json_ld.append(text)
        elif self._capture == "title":
            self.title_tag = self.title_tag or " ".join(text.split())
        elif self._capture == "h1" and text.strip():
            self.h1.append((" ".join(text.split()), self._article()))
        self._capture, self._captured = None, []


def _json_ld_articles(scripts: list[str]) -> Iterator[dict[str, Any]]:
    """The schema.org article objects of a page's JSON-LD scripts (broken scripts are ignored)."""
    def walk(node: Any) -> Iterator[dict[str, Any]]:
        if isinstance(node, list):
            for item in node:
                yield from walk(item)
        elif isinstance(node, dict):
            kinds = node.get("@type")
            if not _ARTICLE_TYPES.isdisjoint(k for k in (kinds if isinstance(kinds, list) else [kinds]) if isinstance(k, str)):
                yield node
            yield from walk(node.get("@graph", []))

    for script in scripts:
        try:
            yield from walk(orjson.loads(script.strip().encode("utf-8")))
        except orjson.JSONDecodeError:
            continue


def _ld_text(value: Any) -> str:
    """A JSON-LD value as text: strings as they are, ``{"name": …}`` objects and lists by their names."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict):
        return _ld_text(value.get("name", ""))
    if isinstance(value, list):
        return ", ".join(t for t in (_ld_text(v) for v in value) if t)
    return ""


def _squeezed(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold_diacritics(text).lower())


def _strip_site_name(title: str, site: str, url: str) -> str:
    """"Giá vàng tăng - VnExpress" → "Giá vàng tăng": a trailing part is cut only when it names the site
    (og:site_name, the URL's host, "Báo …", "….vn"), never "Bà Rịa - Vũng Tàu" or "Mỹ - Trung"."""
    parts = re.split(r"\s+[-|–—]\s+", title)
    if len(parts) < 2:
        return title
    last = parts[-1].strip()
    host = re.sub(r"^www\.", "", re.sub(r"^[a-z]+://", "", url.lower())).split("/")[0].split(".")[0]
    names = {n for n in (_squeezed(site), _squeezed(host)) if len(n) >= 3}
    squeezed = _squeezed(last)
    names_site = any(n in squeezed or (len(squeezed) >= 4 and squeezed in n) for n in names)
    looks_like_site = bool(re.match(r"(?i)(báo|tạp chí|truyền hình|đài)\s", last)) or bool(
        re.search(r"(?i)\.(vn|com|net|org)$", last))
    return title[: title.rindex(last)].rstrip(" -|–—") if names_site or looks_like_site else title


def _main_blocks(blocks: list[_Block]) -> list[_Block]:
    """The blocks of the element whose paragraphs hold the most text (its descendants included),
    without noise (menus, share bars, related links: small parts of the page) or link lists."""
    total = sum(len(b.text) for b in blocks)
    noise_text: dict[int, int] = {}
    for block in blocks:
        for element in block.noise:
            noise_text[element] = noise_text.get(element, 0) + len(block.text)
    noise = {element for element, size in noise_text.items() if size <= _MAX_NOISE_SHARE * total}
    blocks = [b for b in blocks if not noise.intersection(b.noise)]
    articles: dict[int, int] = {}
    for block in blocks:
        if block.article is not None:
            articles[block.article] = articles.get(block.article, 0) + len(block.text)
    if articles:
        chosen = max(articles, key=articles.__getitem__)
        blocks = [b for b in blocks if b.article == chosen]
    readable = [b for b in blocks if b.link_chars <= _MAX_LINK_SHARE * len(b.text)]
    scores: dict[int, float] = {}
    for block in readable:
        if block.tag in _PARAGRAPH_TAGS and block.containers:
            weight = len(block.text) * (1.0 if block.tag == "p" else 0.5)
            for depth, container in enumerate(reversed(block.containers[-3:])):
                scores[container] = scores.get(container, 0.0) + weight / (1 + depth)
    if not scores:
        return readable
    best = max(scores, key=scores.__getitem__)
    return [b for b in readable if best in b.containers]


def _words_key(text: str) -> str:
    return " ".join(re.findall(r"\w+", fold_diacritics(text).lower()))[:200]


def _same_text(a: str, b: str) -> bool:
    return bool(a) and _words_key(a) == _words_key(b)


def _same_start(a: str, b: str) -> bool:
    """One text starts the other: a description cut short ("…") and the paragraph it was cut from."""
    ka, kb = _words_key(a), _words_key(b)
    short = min(len(ka), len(kb))
    return short >= 30 and ka[:short] == kb[:short]


def _first_date(candidates: list[str]) -> str:
    return next((text for text in candidates if parse_datetime(text) is not None), "")


def _parsed(html: str) -> _PageParser:
    """The page parsed; a malformed ``<![…`` section (on which Python's parser asserts) read as text."""
    for attempt in (html, html.replace("<![", "&lt;![")):
        parser = _PageParser()
        try:
            parser.feed(attempt)
            parser.close()
            return parser
        except AssertionError:
            continue
    raise RecordError("the HTML could not be parsed; save the page again or convert it to text")


def record_from_html(html: str) -> dict[str, str]:
    """A JSON-style record (title, summary, body, url, date, author, category) from one HTML page.

    Raises :class:`RecordError` for a page that is not an article (Open Graph type ``website``, no
    schema.org article) or holds no text: a saved site's home and section pages are skipped, named.
    """
    parser = _parsed(html)
    meta = parser.meta
    ld = next(_json_ld_articles(parser.json_ld), {})
    og_type = meta.get("og:type", "").lower()
    if og_type and not og_type.startswith(_ARTICLE_OG_TYPES) and not ld:
        raise RecordError(f"not an article page (og:type '{og_type}': a home, section or listing page)")
    site = meta.get("og:site_name", "")
    in_article = [text for text, article in parser.h1 if article is not None]
    title = (meta.get("og:title") or _ld_text(ld.get("headline")) or (in_article or [""])[0]
             or (parser.h1[0][0] if parser.h1 else "") or meta.get("twitter:title") or parser.title_tag)
    url = parser.canonical or meta.get("og:url") or _ld_text(ld.get("url"))
    title = _strip_site_name(title, site, url)
    description = (meta.get("description") or meta.get("og:description") or _ld_text(ld.get("description"))
                   or next((t for t in parser.marked["lead"] if 5 <= len(t.split()) <= 150), ""))
    paragraphs = [b.text for b in _main_blocks(parser.blocks) if b.tag != "h1" and not _same_text(b.text, title)]
    if description and paragraphs and _same_start(paragraphs[0], description):
        description = paragraphs.pop(0)
    if not paragraphs and isinstance(ld.get("articleBody"), str):
        paragraphs = [ld["articleBody"]]
    if not (title or paragraphs or description):
        raise RecordError("no article text found in the HTML page")
    author = meta.get("author") or meta.get("article:author") or _ld_text(ld.get("author"))
    date = (meta.get("article:published_time") or _ld_text(ld.get("datePublished")) or meta.get("pubdate")
            or meta.get("datepublished") or meta.get("date") or parser.time_datetime
            or _first_date(parser.marked["date"]))
    return {
        "url": url,
        "title": title,
        "summary": description,
        "body": "\n".join(paragraphs),
        "date": date,
        "author": "" if author.startswith(("http://", "https://")) else author,
        "category": meta.get("article:section") or _ld_text(ld.get("articleSection")),
    }


def article_from_html(html: str, *, url: str = "") -> Article:
    """The article of one HTML page a host application already holds (from its own crawler, say).

    ``url`` is where the page came from, used when the page names no canonical URL (it gives the id).
    Raises :class:`~newsearch.errors.IngestError` for a page that is not an article or holds no text.
    """
    try:
        record = record_from_html(html)
        if url and not record["url"]:
            record["url"] = url
        return article_from_record(record)
    except UNFORESEEN_ERRORS as exc:  # RecordError is a ValueError
        raise IngestError(url or "<html>", str(exc)) from None
