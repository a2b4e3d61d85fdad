"""Recognise the parts of a scraped plain-text article page and drop the site's boilerplate.

Layout seen on Vietnamese news sites: title; a header zone with the byline and the publish time;
lead; body with image captions ("… Ảnh: Getty.") and subheads; a closing "Theo …" credit; then
lists of other headlines ("Tin cùng chuyên mục", "Tin đọc nhiều", …) and a dated link list.
Nothing after the article may be indexed as part of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..normalize import clean_text

__all__ = ["RawPage", "ArticleParts", "parse_raw_page", "split_article_parts", "cut_boilerplate_tail", "TAIL_MARKERS"]

TAIL_MARKERS = frozenset(
    m.casefold()
    for m in (
        "Tin cùng chuyên mục", "Tin mới cập nhật", "Tin đọc nhiều", "Video xem nhiều",
        "Tin liên quan", "Bài liên quan", "Tin khác", "Xem thêm", "Đọc thêm",
        "Có thể bạn quan tâm", "Tin nổi bật", "Tin mới nhất", "Bình luận", "Tin cùng chủ đề",
        "Đọc tiếp", "Tin tức liên quan", "Bài viết liên quan",
    )
)
_BARE_DATE = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$")
_HEADER_DATE = re.compile(r"^(?:[^\d]{0,20}[,\s])?\d{1,2}/\d{1,2}/\d{4}(?:[,\s-]+\d{1,2}:\d{2})?(?:\s*\(GMT[+-]\d+\))?$")
_CAPTION = re.compile(r"(?:\(\s*)?Ảnh(?:\s*minh\s*họa|\s*minh\s*hoạ)?\s*:\s*(?P<credit>[^.()]{1,60})\.?\s*\)?\s*$|Ảnh minh h[oọ]a\.?\)?\s*$")
_CREDIT = re.compile(r"^\(?\s*(?:Theo|Nguồn)\s*:?\s+(?P<source>.{2,80}?)\s*\)?\.?$")
_AUTHOR_WORD = re.compile(r"^[A-ZĐÀ-Ỹ][\wÀ-ỹ.'-]*$")


@dataclass(frozen=True, slots=True)
class RawPage:
    """What was recognised on a page; fields are clean text."""

    title: str
    author: str
    published_text: str
    lead: str
    body: str
    caption: str
    credit: str
    source_credit: str


def _is_tail_start(lines: list[str], i: int) -> bool:
    line = lines[i].strip().rstrip(":").casefold()
    if line in TAIL_MARKERS:
        return True
    window = lines[i : i + 6]
    return sum(bool(_BARE_DATE.match(x)) for x in window) >= 3


def cut_boilerplate_tail(lines: list[str]) -> list[str]:
    """Lines up to the first headline-list marker or dated link list."""
    for i in range(len(lines)):
        if _is_tail_start(lines, i):
            return lines[:i]
    return lines


def _looks_like_author(line: str) -> bool:
    words = line.split()
    return 1 <= len(words) <= 5 and line[-1] not in ".!?:;," and all(_AUTHOR_WORD.match(w) for w in words)


def _split_header(lines: list[str]) -> tuple[str, str, int]:
    """Return (author, date text, index of the first line after the header zone)."""
    author, date_text, end = "", "", 1
    for i in range(1, min(len(lines), 8)):
        line = lines[i]
        if _HEADER_DATE.match(line) and not date_text:
            date_text, end = line, i + 1
        elif len(line) <= 2:
            end = i + 1
        elif _looks_like_author(line) and not author and not date_text:
            author, end = line, i + 1
        else:
            break
    return author, date_text, end


@dataclass(frozen=True, slots=True)
class ArticleParts:
    """Paragraphs of an article with its captions, closing credit and trailing byline taken out."""

    paragraphs: list[str]
    captions: list[str]
    credit: str
    source_credit: str
    author: str


def split_article_parts(lines: list[str], title: str = "") -> ArticleParts:
    """Recognise captions ("… Ảnh: Getty."), the closing "Theo …" credit and a trailing byline."""
    captions: list[str] = []
    credit = source_credit = author = ""
    paragraphs: list[str] = []
    for line in lines:
        if title and line == title:
            continue  # the title repeated as image alt text
        caption = _CAPTION.search(line)
        if caption and len(line) < 400:
            captions.append(line)
            credit = credit or (caption.group("credit") or "").strip()
            continue
        paragraphs.append(line)
    for _ in range(2):  # "…\nĐức Hoàng\nTheo RTE" or "…\nTheo RTE"
        if not paragraphs:
            break
        closing = _CREDIT.match(paragraphs[-1])
        if closing and len(paragraphs[-1]) <= 100 and not source_credit:
            source_credit = closing.group("source").strip()
            paragraphs.pop()
        elif _looks_like_author(paragraphs[-1]) and len(paragraphs) > 1 and not author:
            author = paragraphs.pop()
    return ArticleParts(paragraphs, captions, credit, source_credit, author)


def parse_raw_page(text: str) -> RawPage:
    """Split a plain-text article page into title, byline, date, lead, body, caption and credit."""
    lines = [line for line in clean_text(text).split("\n") if line.strip()]
    if not lines:
        return RawPage("", "", "", "", "", "", "", "")
    title = lines[0]
    author, date_text, start = _split_header(lines)
    parts = split_article_parts(cut_boilerplate_tail(lines[start:]), title)
    paragraphs = parts.paragraphs
    return RawPage(
        title=title,
        author=author or parts.author,
        published_text=date_text,
        lead=paragraphs[0] if paragraphs else "",
        body="\n".join(paragraphs[1:]),
        caption="\n".join(parts.captions),
        credit=parts.credit,
        source_credit=parts.source_credit,
    )
