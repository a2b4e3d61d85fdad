"""Snippets: the best fragment of each hit's clean text, with the matched words as spans.

Matching mirrors retrieval: a syllable matches when its index form is a query syllable, or, for
syllables the user typed without accents, when its folded form is. Adjacent matched syllables
merge into one span, so "trí tuệ nhân tạo" is highlighted as a whole, not as four pieces.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .analysis import folded_term, syllable_term
from .models import Snippet, Span
from .segment import SYLLABLE_PATTERN

__all__ = ["MatchTerms", "find_spans", "make_snippets"]

ELLIPSIS = "…"


@dataclass(frozen=True, slots=True)
class MatchTerms:
    """The syllables to highlight: accented index forms, and folded forms of accent-free ones."""

    exact: frozenset[str] = frozenset()
    folded: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.exact or self.folded)

    def key_of(self, syllable: str) -> str | None:
        """The query term a syllable of the text matches, if any."""
        term = syllable_term(syllable)
        if term in self.exact:
            return term
        folded = folded_term(syllable)
        return folded if folded in self.folded else None


def _matches(text: str, terms: MatchTerms) -> list[tuple[int, int, str]]:
    out = []
    keys: dict[str, str | None] = {}  # an article repeats its syllables: look each one up once
    for m in SYLLABLE_PATTERN.finditer(text):
        syllable = m.group()
        key = keys[syllable] if syllable in keys else keys.setdefault(syllable, terms.key_of(syllable))
        if key is not None:
            out.append((m.start(), m.end(), key))
    return out


def _merge(text: str, matches: list[tuple[int, int, str]]) -> list[Span]:
    spans: list[Span] = []
    for start, end, _ in matches:
        if spans and text[spans[-1].end : start] == " ":
            spans[-1] = Span(spans[-1].start, end)
        else:
            spans.append(Span(start, end))
    return spans


def find_spans(text: str, terms: MatchTerms) -> list[Span]:
    """Spans of ``text`` covering the matched words."""
    return _merge(text, _matches(text, terms))


def _best_window(matches: list[tuple[int, int, str]], width: int) -> int:
    """Start offset of the window of ``width`` characters holding the most distinct terms."""
    best_start, best_score = matches[0][0], -1
    inside: Counter[str] = Counter()
    j = 0
    for start, _, key in matches:
        while j < len(matches) and matches[j][1] <= start + width:
            inside[matches[j][2]] += 1
            j += 1
        score = len(inside) * 100 + sum(inside.values())
        if score > best_score:
            best_start, best_score = start, score
        inside[key] -= 1
        if not inside[key]:
            del inside[key]
    return best_start


def _fragment(text: str, field: str, matches: list[tuple[int, int, str]], width: int) -> Snippet:
    if len(text) <= width:
        return Snippet(field, text, tuple(_merge(text, matches)))
    anchor = _best_window(matches, width) if matches else 0
    start = max(0, anchor - width // 5)
    if start > 0:
        space = text.rfind(" ", 0, start + 1)
        start = space + 1 if space >= 0 and start - space < 25 else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start + width // 2 else end
    prefix = ELLIPSIS if start > 0 else ""
    suffix = ELLIPSIS if end < len(text) else ""
    body = text[start:end].replace("\n", " ")
    shift = len(prefix) - start
    inside = [(s + shift, e + shift, k) for s, e, k in matches if s >= start and e <= end]
    fragment = prefix + body + suffix
    return Snippet(field, fragment, tuple(_merge(fragment, inside)))


def make_snippets(fields: dict[str, str], terms: MatchTerms, *, width: int = 220, count: int = 2) -> tuple[Snippet, ...]:
    """Snippets for one hit: the title if it matched, then up to ``count`` fragments of lead and body.

    With nothing matched (a filter-only query), the start of the lead or body.
    """
    snippets: list[Snippet] = []
    title = fields.get("title", "")
    if title and terms:
        title_matches = _matches(title, terms)
        if title_matches:
            snippets.append(Snippet("title", title, tuple(_merge(title, title_matches))))
    scored = []
    for name in ("lead", "body"):
        text = fields.get(name, "")
        if not text:
            continue
        matches = _matches(text, terms) if terms else []
        if matches:
            scored.append((len({m[2] for m in matches}), name, text, matches))
    scored.sort(key=lambda item: -item[0])
    for _, name, text, matches in scored[:count]:
        snippets.append(_fragment(text, name, matches, width))
    if all(snippet.field == "title" for snippet in snippets):
        for name in ("lead", "body"):
            if fields.get(name):
                snippets.append(_fragment(fields[name], name, [], width))
                break
    return tuple(snippets)
