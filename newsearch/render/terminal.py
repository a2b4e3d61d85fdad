"""Terminal rendering with rich: article text goes into ``Text`` objects and highlights are styled
spans, never markup. In plain mode (piped output, ``NO_COLOR``) no escape codes at all are written
and matches are marked «like this» so they stay visible."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ..highlight import MatchTerms, find_spans
from ..models import Article, Hit, IndexStats, SearchResults, Snippet

__all__ = ["render_results", "render_article", "render_stats", "render_facets", "format_date", "snippet_text"]

MATCH_STYLE = "bold yellow"
TITLE_STYLE = "bold"
DIM = "dim"
MAX_ENTITIES = 6
MAX_SIMILAR_IDS = 3


def format_date(moment: datetime | None) -> str:
    """Vietnamese convention: dd/mm/yyyy, with the time when there is one."""
    if moment is None:
        return ""
    if (moment.hour, moment.minute) == (0, 0):
        return moment.strftime("%d/%m/%Y")
    return moment.strftime("%d/%m/%Y %H:%M")


def snippet_text(snippet: Snippet, *, plain: bool) -> Text:
    """The snippet with its spans styled (or marked with «» in plain mode)."""
    if plain:
        parts, last = [], 0
        for span in snippet.spans:
            parts += [snippet.text[last : span.start], "«", snippet.text[span.start : span.end], "»"]
            last = span.end
        parts.append(snippet.text[last:])
        return Text("".join(parts))
    text = Text(snippet.text)
    for span in snippet.spans:
        text.stylize(MATCH_STYLE, span.start, span.end)
    return text


def _styled(text: str, style: str, plain: bool) -> Text:
    return Text(text) if plain else Text(text, style=style)


def _title_line(hit: Hit, plain: bool) -> Text:
    title_snippet = next((s for s in hit.snippets if s.field == "title"), None)
    line = Text(f"{hit.rank:>3}. ")
    if title_snippet is not None and title_snippet.text == hit.title:
        styled = snippet_text(title_snippet, plain=plain)
        if not plain:
            styled.stylize(TITLE_STYLE)
        line.append_text(styled)
    else:
        line.append_text(_styled(hit.title, TITLE_STYLE, plain))
    return line


def _meta_line(hit: Hit, plain: bool) -> Text:
    parts = [p for p in (format_date(hit.published), hit.source, hit.category) if p]
    parts.append(f"id {hit.id}")
    return _styled("     " + " · ".join(parts), DIM, plain)


def _entities_line(entities: tuple[str, ...], plain: bool) -> Text | None:
    if not entities:
        return None
    shown = ", ".join(entities[:MAX_ENTITIES])
    more = f" (+{len(entities) - MAX_ENTITIES})" if len(entities) > MAX_ENTITIES else ""
    return _styled(f"     {shown}{more}", "cyan", plain)


def render_hit(hit: Hit, *, plain: bool) -> RenderableType:
    lines: list[Text] = [_title_line(hit, plain), _meta_line(hit, plain)]
    entities = _entities_line(hit.entities, plain)
    if entities is not None:
        lines.append(entities)
    for snippet in hit.snippets:
        if snippet.field == "title":
            continue
        body = Text("     ")
        one_line = replace(snippet, text=snippet.text.replace("\n", " "))  # same length: spans stay valid
        body.append_text(snippet_text(one_line, plain=plain))
        lines.append(body)
    if hit.similar:
        ids = ", ".join(hit.similar[:MAX_SIMILAR_IDS]) + (", …" if len(hit.similar) > MAX_SIMILAR_IDS else "")
        lines.append(_styled(f"     +{len(hit.similar)} similar: {ids}", DIM, plain))
    return Group(*lines, Text(""))


def results_header(results: SearchResults, *, plain: bool) -> Text:
    shown = f"{results.offset + 1}–{results.offset + len(results.hits)} of " if results.hits else ""
    noun = "article" if results.total == 1 else "articles"
    collapsed = f", {results.collapsed} near-duplicates collapsed" if results.collapsed else ""
    header = f"{shown}{results.total} {noun} for “{results.query}” ({results.took_ms:.0f} ms{collapsed})"
    return _styled(header, DIM, plain)


def render_results(results: SearchResults, *, plain: bool) -> RenderableType:
    parts: list[RenderableType] = [results_header(results, plain=plain)]
    if results.suggestion:
        line = Text("Did you mean: ")
        line.append_text(_styled(results.suggestion, "bold cyan", plain))
        parts.append(line)
    parts.append(Text(""))
    parts += [render_hit(hit, plain=plain) for hit in results.hits]
    if results.facets:
        parts.append(render_facets(results.facets, plain=plain))
    return Group(*parts)


FACET_TITLES = {"entity": "Entities", "category": "Categories", "source": "Sources", "month": "Articles per month"}


def render_facets(facets: dict[str, tuple[tuple[str, int], ...]], *, plain: bool) -> RenderableType:
    """Each facet as one line of "value (count)" pairs over every matching article."""
    lines: list[Text] = []
    for kind, counts in facets.items():
        line = _styled(f"{FACET_TITLES.get(kind, kind)}: ", "bold", plain)
        line.append(", ".join(f"{value} ({count})" for value, count in counts) or "none")
        lines.append(line)
    return Group(*lines, Text(""))


def _marked(text: str, terms: MatchTerms | None, style: str, plain: bool) -> Text:
    """A text with the matched words highlighted (when ``terms`` is given)."""
    if terms is None:
        return _styled(text, style, plain)
    marked = snippet_text(Snippet("", text, tuple(find_spans(text, terms))), plain=plain)
    if not plain and style:
        marked.stylize(style, 0, len(text))
        for span in find_spans(text, terms):
            marked.stylize(MATCH_STYLE, span.start, span.end)
    return marked


def render_article(article: Article, *, plain: bool, terms: MatchTerms | None = None) -> RenderableType:
    """The whole article; ``terms`` highlights the words a query matched."""
    parts: list[RenderableType] = [_marked(article.headline, terms, TITLE_STYLE, plain)]
    meta = [p for p in (format_date(article.published), article.author, article.source, article.category) if p]
    parts.append(_styled(" · ".join(meta + [f"id {article.id}"]), DIM, plain))
    if article.url:
        parts.append(_styled(article.url, DIM, plain))
    if article.entities:
        parts.append(_styled("Entities: " + ", ".join(article.entities), "cyan", plain))
    parts.append(Text(""))
    if article.lead:
        parts += [_marked(article.lead, terms, TITLE_STYLE, plain), Text("")]
    if article.caption:
        parts += [_marked(article.caption, terms, "italic", plain), Text("")]
    for paragraph in article.body.split("\n"):
        if paragraph.strip():
            parts += [_marked(paragraph, terms, "", plain), Text("")]
    if article.credit:
        parts.append(_styled(f"Ảnh: {article.credit}", DIM, plain))
    return Group(*parts)


def render_stats(stats: IndexStats, *, plain: bool) -> RenderableType:
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="" if plain else "bold")
    table.add_column()
    table.add_row("index", stats.path)
    table.add_row("articles", f"{stats.articles:,}")
    table.add_row("size", f"{stats.size_bytes / 1e6:.1f} MB")
    table.add_row("schema version", str(stats.schema_version))
    table.add_row("dates", f"{format_date(stats.oldest)} – {format_date(stats.newest)}" if stats.oldest else "none")
    table.add_row("categories", ", ".join(f"{name} ({n})" for name, n in stats.categories[:10]))
    table.add_row("sources", ", ".join(f"{name} ({n})" for name, n in stats.sources[:10]))
    return table
