"""Parse a query as people type it into a structure; never fails on syntax.

Syntax: words (with or without accents); "quoted phrases"; ``-word`` or ``NOT word`` to exclude;
``OR`` between alternatives; ``title:``, ``entity:``, ``category:``, ``source:`` filters (quote
values with spaces); ``since:DATE``, ``until:DATE`` and ``date:DATE[..DATE]``. Broken syntax
(an unclosed quote, an unknown field) becomes text plus a warning, as in datasette's escaped mode.
Only an impossible date is an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from .errors import QueryError
from .ingest.dates import VIETNAM_TZ, parse_day_bound
from .normalize import clean_text

__all__ = ["QueryTerm", "ParsedQuery", "parse_query", "parse_date_bound", "with_dates", "MAX_QUERY_CHARS"]

MAX_QUERY_CHARS = 2000
TEXT_FIELD_NAMES = ("title", "content")
FILTER_FIELDS = ("entity", "category", "source")
DATE_FIELDS = ("since", "until", "date")
_FIELD_ALIASES = {"entities": "entity", "tag": "entity", "cat": "category", "site": "source", "from": "since",
                  "to": "until", "tieude": "title", "headline": "title", "lead": "content",
                 "body": "content", "text": "content"}

_TOKEN = re.compile(
    r'(?P<neg>-)?(?:(?P<field>[A-Za-z_]{2,20}):)?(?:"(?P<quoted>[^"]*)(?P<close>"?)|(?P<word>[^\s"]+))'
)


@dataclass(frozen=True, slots=True)
class QueryTerm:
    """A word or phrase to match; ``field`` restricts it to one text field."""

    text: str
    phrase: bool = False
    field: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """The parts of a query. ``groups`` are alternatives (``OR``); each is a list of terms."""

    text: str
    groups: tuple[tuple[QueryTerm, ...], ...] = ()
    excluded: tuple[QueryTerm, ...] = ()
    entities: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    warnings: tuple[str, ...] = field(default=())

    @property
    def has_terms(self) -> bool:
        return any(self.groups)

    @property
    def is_empty(self) -> bool:
        return not (self.has_terms or self.entities or self.categories or self.sources or self.since or self.until)


def _date_range(value: str) -> tuple[datetime | None, datetime | None]:
    """``2021-04-05``, ``2021-04``, ``2021`` or ``A..B`` (either side may be empty)."""
    if ".." in value:
        start, _, end = value.partition("..")
        return (_bound(start, end=False) if start else None, _bound(end, end=True) if end else None)
    return _bound(value, end=False), _bound(value, end=True)


def parse_date_bound(value: str, *, end: bool) -> datetime:
    """A date bound as users write it: a day, a month (``2021-04``), a year, or a date-time;
    ``end`` gives the last instant of a day, month or year. Raises :class:`QueryError`."""
    return _bound(value, end=end)


def _bound(value: str, *, end: bool) -> datetime:
    month = re.fullmatch(r"(\d{4})(?:-(\d{1,2}))?", value.strip())
    if month:
        year, mon = int(month[1]), int(month[2] or 0)
        try:
            first = datetime(year, mon or 1, 1, tzinfo=VIETNAM_TZ)
        except ValueError:
            raise QueryError(f"'{value}' is not a valid date; use YYYY-MM-DD") from None
        if not end:
            return first
        nxt = datetime(year + (mon == 12 or not mon), (mon % 12 + 1) if mon else 1, 1, tzinfo=VIETNAM_TZ)
        return nxt - timedelta(microseconds=1)
    parsed = parse_day_bound(value, end=end)
    if parsed is None:
        raise QueryError(f"'{value}' is not a valid date; use YYYY-MM-DD (or DD/MM/YYYY)")
    return parsed


def check_date_range(since: datetime | None, until: datetime | None) -> None:
    if since and until and since > until:
        raise QueryError(f"the date range is reversed: {since.date()} is after {until.date()}")


def _normalise_quotes(text: str) -> str:
    return re.sub("[“”„‟″«»]", '"', text)


def parse_query(text: str) -> ParsedQuery:
    """Parse ``text``; raises :class:`QueryError` only for impossible dates."""
    raw = clean_text(_normalise_quotes(text)).replace("\n", " ")
    warnings: list[str] = []
    if len(raw) > MAX_QUERY_CHARS:
        raw = raw[:MAX_QUERY_CHARS]
        warnings.append(f"the query was cut to its first {MAX_QUERY_CHARS} characters")
    groups: list[list[QueryTerm]] = [[]]
    excluded: list[QueryTerm] = []
    filters: dict[str, list[str]] = {"entity": [], "category": [], "source": []}
    since = until = None
    negate_next = False
    for match in _TOKEN.finditer(raw):
        name = (match["field"] or "").lower()
        name = _FIELD_ALIASES.get(name, name)
        value = match["quoted"] if match["quoted"] is not None else match["word"]
        quoted = match["quoted"] is not None
        if quoted and not match["close"]:
            warnings.append("a quote was not closed; the rest was read as a phrase")
        if not quoted and match["field"] is None and value in ("OR", "|"):
            groups.append([])
            continue
        if not quoted and match["field"] is None and value in ("AND", "&&"):
            continue
        if not quoted and match["field"] is None and value == "NOT":
            negate_next = True
            continue
        negative = bool(match["neg"]) or negate_next
        negate_next = False
        if name and name not in TEXT_FIELD_NAMES + FILTER_FIELDS + DATE_FIELDS:
            warnings.append(f"unknown field '{match['field']}:' was searched as text")
            value, name = f"{match['field']} {value}", ""
        value = value.strip("()[]{}").strip() if not quoted else value.strip()
        if not value:
            continue
        if name in FILTER_FIELDS:
            filters[name].append(value)
        elif name == "date":
            since, until = _date_range(value)
        elif name == "since":
            since = _bound(value, end=False)
        elif name == "until":
            until = _bound(value, end=True)
        else:
            term = QueryTerm(value, phrase=quoted, field=name or None)
            (excluded if negative else groups[-1]).append(term)
    check_date_range(since, until)
    return ParsedQuery(
        text=text,
        groups=tuple(tuple(g) for g in groups if g),
        excluded=tuple(excluded),
        entities=tuple(filters["entity"]),
        categories=tuple(filters["category"]),
        sources=tuple(filters["source"]),
        since=since,
        until=until,
        warnings=tuple(dict.fromkeys(warnings)),
    )


def with_dates(parsed: ParsedQuery, since: datetime | None, until: datetime | None) -> ParsedQuery:
    """Narrow a parsed query with dates given outside it (``--since``/``--until``)."""
    new_since = max(d for d in (parsed.since, since) if d) if (parsed.since or since) else None
    new_until = min(d for d in (parsed.until, until) if d) if (parsed.until or until) else None
    check_date_range(new_since, new_until)
    return replace(parsed, since=new_since, until=new_until)
