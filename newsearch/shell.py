"""``newsearch shell``: an interactive search session in the terminal.

A line is a query, a hit number (open that article), or a ``:command``. Filters set with
commands stay until ``:clear`` and show in the prompt. Works the same on a terminal (readline
editing and history) and on a pipe (scripted input, each line echoed after the prompt), in colour
or plain (``NO_COLOR``, piped output). This is user-interface code: it prints, the library does not.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Callable, TextIO

from rich.console import Console
from rich.text import Text

from .errors import NewsearchError, QueryError
from .index import Index
from .models import SearchResults
from .query import ParsedQuery, parse_date_bound, parse_query
from .ranking import match_terms
from .render.jsonout import to_json
from .render.terminal import render_article, render_facets, render_results
from .schema import FACET_KINDS
from .search import SORTS, Searcher

__all__ = ["Shell", "history_path"]

HELP = """\
Type a query to search (with or without accents). Then:
  (empty line), :next    next page            :prev          previous page
  N                      open hit N           :related N     articles related to hit N
  :since DATE            from this date       :until DATE    up to this date
  :entity NAME           only articles naming it          :category NAME  only this category
  :sort date|relevance   order of hits        :facets        entities, categories, sources, months
  :clear                 drop every filter    :json          toggle raw JSON output
  y                      accept the "did you mean" suggestion just offered
  :help                  this help            :quit, Ctrl-D  leave (Ctrl-C cancels a line)"""
HISTORY_LIMIT = 1000


def history_path() -> Path:
    """Where the shell keeps its history: $XDG_DATA_HOME/newsearch/history (XDG base directories)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "newsearch" / "history"


@dataclass
class Filters:
    since: datetime | None = None
    until: datetime | None = None
    entities: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    sort: str = "relevance"
    labels: dict[str, str] = field(default_factory=dict)  # as the user typed them, for the prompt

    def describe(self) -> str:
        parts = [f"{k} {v}" for k, v in self.labels.items()]
        if self.sort != "relevance":
            parts.append(f"sort {self.sort}")
        return ", ".join(parts)

    def apply(self, parsed: ParsedQuery) -> ParsedQuery:
        return replace(parsed, entities=parsed.entities + self.entities, categories=parsed.categories + self.categories)


class Shell:
    """One interactive session over an open index."""

    def __init__(self, index: Index, searcher: Searcher, console: Console, *, page_size: int = 10, plain: bool = False) -> None:
        self.index = index
        self.searcher = searcher
        self.console = console
        self.page_size = page_size
        self.plain = plain
        self.filters = Filters()
        self.query: str | None = None
        self.page = 0
        self.results: SearchResults | None = None
        self.as_json = False
        self.pending_suggestion: str | None = None

    # ------------------------------------------------------------------------------ the loop

    def prompt(self) -> str:
        described = self.filters.describe()
        return f"newsearch [{described}]> " if described else "newsearch> "

    def run(self, stream: TextIO) -> int:
        """Read and run lines until end of input or :quit; returns the exit code."""
        interactive = stream.isatty() and self.console.is_terminal
        read = self._reader(stream, interactive)
        self.say("newsearch shell — type a query, :help for commands, :quit to leave")
        while True:
            try:
                line = read(self.prompt())
            except KeyboardInterrupt:
                self.console.print()
                continue
            except EOFError:
                self.console.print()
                return 0
            try:
                if self.handle(line.strip()) is False:
                    return 0
            except NewsearchError as exc:
                self.say(f"error: {exc}")
            except KeyboardInterrupt:
                self.say("cancelled")

    def _reader(self, stream: TextIO, interactive: bool) -> Callable[[str], str]:
        history = history_path()
        if interactive:
            try:
                import readline

                if history.exists():
                    readline.read_history_file(str(history))
            except (ImportError, OSError):
                pass
            return lambda prompt: self._remember(input(prompt))

        def from_pipe(prompt: str) -> str:
            line = stream.readline()
            if not line:
                raise EOFError
            self.console.print(Text(prompt + line.rstrip("\n")))  # the transcript shows what ran
            return self._remember(line)

        return from_pipe

    def _remember(self, line: str) -> str:
        """Append the line to the history file (kept to HISTORY_LIMIT lines); never fails the shell."""
        text = line.strip()
        if not text:
            return line
        path = history_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
            lines = (lines + [text])[-HISTORY_LIMIT:]
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        except OSError:
            pass
        return line

    def say(self, message: str) -> None:
        self.console.print(Text(message))

    # ------------------------------------------------------------------------------ commands

    def handle(self, line: str) -> bool | None:
        """Run one line; False means leave."""
        suggestion, self.pending_suggestion = self.pending_suggestion, None
        if line == "" or line == ":next":
            return self._turn_page(+1)
        if line.lower() == "y" and suggestion:
            return self.search(suggestion)
        if line.isdigit():
            return self.open_hit(int(line))
        if not line.startswith(":"):
            return self.search(line)
        command, _, argument = line[1:].partition(" ")
        argument = argument.strip()
        handler = {
            "quit": lambda: False, "q": lambda: False, "exit": lambda: False,
            "help": lambda: self.say(HELP), "prev": lambda: self._turn_page(-1),
            "since": lambda: self._date_filter("since", argument), "until": lambda: self._date_filter("until", argument),
            "entity": lambda: self._add_filter("entity", argument), "category": lambda: self._add_filter("category", argument),
            "sort": lambda: self._sort(argument), "clear": self._clear, "json": self._toggle_json,
            "facets": self._facets, "related": lambda: self._related(argument),
        }.get(command.lower())
        if handler is None:
            self.say(f"unknown command ':{command}' — :help lists the commands")
            return None
        return handler()

    def search(self, query: str) -> None:
        self.query, self.page = query, 0
        self._show_page()

    def _run_query(self, **extra: object) -> SearchResults:
        assert self.query is not None
        parsed = self.filters.apply(parse_query(self.query))
        return self.searcher.search(
            parsed, limit=self.page_size, offset=self.page * self.page_size, sort=self.filters.sort,
            since=self.filters.since, until=self.filters.until, **extra,  # type: ignore[arg-type]
        )

    def _show_page(self) -> None:
        if self.query is None:
            self.say("type a query first")
            return
        self.results = self._run_query()
        self._print_results(self.results)
        if self.results.suggestion:
            self.pending_suggestion = self.results.suggestion
            self.say(f"(type y to search for “{self.results.suggestion}”)")

    def _print_results(self, results: SearchResults) -> None:
        if self.as_json:
            self.console.print(Text(to_json(results).decode()), soft_wrap=True)
            return
        self.console.print(render_results(results, plain=self.plain))
        for warning in results.warnings:
            self.say(f"note: {warning}")
        if results.total == 0:
            self.say("no results")
        elif results.offset + len(results.hits) < results.total:
            self.say("(empty line or :next for more)")

    def _turn_page(self, step: int) -> None:
        if self.results is None:
            self.say("type a query first")
            return
        target = self.page + step
        if target < 0:
            self.say("already on the first page")
            return
        if target * self.page_size >= self.results.total:
            self.say("no more results")
            return
        self.page = target
        self._show_page()

    def _hit(self, number: int):  # type: ignore[no-untyped-def]
        hits = self.results.hits if self.results else ()
        found = next((h for h in hits if h.rank == number), None)
        if found is None:
            self.say(f"no hit {number} on this page" if hits else "type a query first")
        return found

    def open_hit(self, number: int) -> None:
        hit = self._hit(number)
        if hit is None:
            return
        article = self.index.get(hit.id)
        if self.as_json:
            self.console.print(Text(to_json(article).decode()), soft_wrap=True)
            return
        terms = match_terms(parse_query(self.query)) if self.query else None
        rendered = render_article(article, plain=self.plain, terms=terms)
        if self.console.is_terminal and not self.plain:
            with self.console.pager(styles=True):
                self.console.print(rendered)
        else:
            self.console.print(rendered)

    def _related(self, argument: str) -> None:
        if not argument.isdigit():
            self.say("usage: :related N (a hit number)")
            return
        hit = self._hit(int(argument))
        if hit is not None:
            results = self.searcher.related(hit.id, limit=5)
            self._print_results(results)

    def _facets(self) -> None:
        if self.query is None:
            self.say("type a query first")
            return
        results = self._run_query(facets=FACET_KINDS)
        if self.as_json:
            self.console.print(Text(to_json(results.facets).decode()), soft_wrap=True)
        else:
            self.console.print(render_facets(results.facets or {}, plain=self.plain))

    # ------------------------------------------------------------------------------ filters

    def _date_filter(self, which: str, value: str) -> None:
        if not value:
            self.say(f"usage: :{which} DATE (e.g. 2021-04-01, 04/2021, 2021)")
            return
        bound = parse_date_bound(value, end=which == "until")
        setattr(self.filters, which, bound)
        self.filters.labels[which] = value
        self._refresh()

    def _add_filter(self, which: str, value: str) -> None:
        if not value:
            self.say(f"usage: :{which} NAME")
            return
        if which == "entity":
            self.filters.entities += (value,)
        else:
            self.filters.categories += (value,)
        key = which if which not in self.filters.labels else f"{which}+"
        self.filters.labels[key] = value
        self._refresh()

    def _sort(self, value: str) -> None:
        if value not in SORTS:
            raise QueryError(f"unknown sort '{value}'; use one of: {', '.join(SORTS)}")
        self.filters.sort = value
        self._refresh()

    def _clear(self) -> None:
        self.filters = Filters()
        self.say("filters cleared")
        self._refresh()

    def _toggle_json(self) -> None:
        self.as_json = not self.as_json
        self.say(f"JSON output {'on' if self.as_json else 'off'}")

    def _refresh(self) -> None:
        """Re-run the current query under the new filters (from its first page)."""
        if self.query is not None:
            self.page = 0
            self._show_page()
